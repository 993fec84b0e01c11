"""The demo stays usable with the second factor: the accounts that need one share the printed demo secret."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueji.testing import PASSWORD


@pytest.mark.usefixtures("second_factor_enforced")
def test_demo_accounts_sign_in_with_the_shared_demo_secret(world, client):
    from base64 import b32decode

    from xueji.demo.generator import demo_second_factors, demo_totp_secret

    made = demo_second_factors()

    leader = world.user("tunxi", "leader")
    assert TOTPDevice.objects.filter(user=world.user("tunxi_primary", "registrar")).count() == 0  # needs none
    assert made == TOTPDevice.objects.count() and demo_second_factors() == 0  # once per account
    client.post(reverse("accounts:login"), {"username": leader.username, "password": PASSWORD})
    key = b32decode(demo_totp_secret())
    response = client.post(reverse("accounts:mfa_verify"), {"code": f"{TOTP(key).token():06d}"})
    assert response.status_code == 302
    assert client.get(reverse("ui:workbench")).status_code == 200
