"""Unique identities (SECURITY.md §1 row 1, T-AUTH-01): a username is unique after NFKC normalisation and case
folding, on the page, in the service and in the database itself; a password never contains the username; an
account made by an administrator changes its password at its first sign-in."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from xueji.accounts import services
from xueji.accounts.models import User
from xueji.core.errors import ValidationFailed
from xueji.testing import PASSWORD
from xueji.testing.html import field_errors

pytestmark = pytest.mark.django_db

START = "Qz7#pLw9Rt"


@pytest.fixture
def zhang(world):
    return services.user_create(actor=world.user("tunxi", "sysadmin"), username="zhang", full_name="张",
                                org_unit=world.units["tunxi_primary"], roles=[], password=START)


@pytest.mark.parametrize("variant", ["Zhang", "ZHANG", "ｚｈａｎｇ", "Ｚｈａｎｇ", " zhang "])
def test_a_username_differing_in_case_or_width_only_is_refused_on_the_page(world, login, zhang, variant):
    client = login(world.user("tunxi", "sysadmin"))
    response = client.post(reverse("accounts:user_create"), {
        "username": variant, "full_name": "另一个张", "org_unit": world.units["tunxi_primary"].pk, "roles": [],
        "password": START})

    assert response.status_code == 200
    assert "该用户名已被使用。" in field_errors(response.content.decode())
    assert User.objects.count() == len(world.users) + 1  # zhang only


@pytest.mark.parametrize("variant", ["Zhang", "ｚｈａｎｇ"])
def test_the_service_refuses_the_variant_too(world, zhang, variant):
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=world.user("tunxi", "sysadmin"), username=variant, full_name="张",
                             org_unit=world.units["tunxi_primary"], roles=[], password=START)
    assert exc.value.code == "username_taken"


@pytest.mark.parametrize("variant", ["Zhang", "ZHANG", "ｚｈａｎｇ", "Ｚｈａｎｇ"])
def test_the_database_refuses_a_raw_create_of_the_variant(world, zhang, variant):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=variant, org_unit=world.units["tunxi_primary"])
    assert list(User.objects.filter(username__iexact="zhang").values_list("username", flat=True)) == ["zhang"]


def test_a_full_width_username_is_stored_in_its_plain_form(world):
    user = services.user_create(actor=world.user("tunxi", "sysadmin"), username="ｌｉ．ｍｉｎｇ", full_name="李明",
                                org_unit=world.units["tunxi_primary"], roles=[], password=START)
    assert User.objects.get(pk=user.pk).username == "li.ming"


# Long enough around the name that Django's similarity check lets them pass: the containment rule refuses them.
@pytest.mark.parametrize("password", ["Kq7#zW9!pT3$tunxi_primary_registrar#Lm4$Vb8&Xc2@Ry5",
                                      "Kq7#zW9!pT3$TUNXI_PRIMARY_REGISTRAR#Lm4$Vb8&Xc2@Ry5",
                                      "Kq7#zW9!pT3$ｔｕｎｘｉ_primary_registrar#Lm4$Vb8&Xc2@Ry5"])
def test_a_password_containing_the_username_is_refused(world, password):
    user = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed) as exc:
        services.password_change(user=user, old_password=PASSWORD, new_password=password)
    assert exc.value.code == "weak_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_new_account_must_change_its_password_at_first_sign_in(world, client, zhang):
    signed_in = client.post(reverse("accounts:login"), {"username": "zhang", "password": START})
    assert signed_in.status_code == 302
    assert client.get(reverse("registry:student_list")).url.startswith(reverse("accounts:password_change"))
