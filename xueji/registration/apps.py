from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "xueji.registration"
    label = "registration"
    verbose_name = _("Registration")

    def ready(self) -> None:
        # Registers the refusals' words, the request types (registration), the job kinds (verification) and the
        # verification checks on the pupil's timeline.
        from xueji.registration import errors, types, verification, verification_timeline  # noqa: F401
