import factory

from xueji.accounts.models import RoleAssignment, User
from xueji.core import clock
from xueji.testing import PASSWORD


class UserFactory(factory.django.DjangoModelFactory):
    """An account with a current password (xueji.testing.PASSWORD) and the given roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password_changed_at = factory.LazyFunction(clock.now)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ("leader",):
            RoleAssignment.objects.create(user=self, role=role)
