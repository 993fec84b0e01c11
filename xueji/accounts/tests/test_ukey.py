"""UKey (SM2 certificate key, accounts/ukey.py) replacing TOTP where the province allows it, signed here with the
software SM2 keys the demo uses (gmssl through xueji.core.crypto); and the recovery codes stored hashed."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueji.accounts.models import UKeyDevice
from xueji.accounts.tests.test_second_factor import _code, _enrolled, _events, _sign_in
from xueji.audit.models import AuditEvent
from xueji.core import crypto
from xueji.policy.models import PolicySetting

pytestmark = pytest.mark.usefixtures("second_factor_enforced")


def _allow(province: str = "340000") -> None:
    PolicySetting.objects.create(province_code=province, key="auth.ukey_login", value=True)


def _challenge(page: str) -> str:
    return re.search(r'data-testid="ukey-challenge">([^<]+)</code>', page).group(1)


def _sign(private_key: str, text: str) -> str:
    out = StringIO()
    call_command("ukey_demo", "sign", "--key", private_key, "--challenge", text, stdout=out)
    return out.getvalue().strip()


def _enrol_by_ukey(client, user) -> tuple[crypto.SM2KeyPair, list[str]]:
    pair = crypto.sm2_generate_key()
    _sign_in(client, user)
    page = client.get(reverse("accounts:mfa_enrol")).content.decode()
    assert 'data-testid="mfa-enrol-ukey"' in page
    done = client.post(reverse("accounts:mfa_enrol_ukey"), {"public_key": pair.public_key, "name": "CA key",
                                                           "signature": _sign(pair.private_key, _challenge(page))})
    assert done.status_code == 200, done.content.decode()[:2000]
    codes = re.findall(r"<li class=\"col\">([0-9a-f]{10})</li>", done.content.decode())
    return pair, codes


def test_the_province_setting_is_off_by_default(world, client):
    from xueji.accounts import ukey

    leader = world.user("tunxi", "leader")
    assert not ukey.allowed(leader)
    _sign_in(client, leader)
    assert 'data-testid="mfa-enrol-ukey"' not in client.get(reverse("accounts:mfa_enrol")).content.decode()


def test_a_ukey_replaces_totp_where_the_province_allows_it(world, client):
    leader = world.user("tunxi", "leader")
    _allow()

    pair, codes = _enrol_by_ukey(client, leader)

    assert len(codes) == 10
    device = UKeyDevice.objects.get(user=leader)
    assert device.public_key == pair.public_key and device.provider == "xueji.accounts.ukey.SM2Provider"
    assert not TOTPDevice.objects.filter(user=leader, confirmed=True).exists()
    assert client.get(reverse("ui:workbench")).status_code == 200  # verified by the enrolment
    assert _events("mfa.ukey_enrol") == 1 and AuditEvent.objects.get(action="mfa.enrol").after["device"] == "ukey"

    # The next sign-in: the step shows a challenge; the UKey's signature of it verifies the session.
    client.logout()
    _sign_in(client, leader)
    page = client.get(reverse("accounts:mfa_verify")).content.decode()
    assert 'data-testid="mfa-ukey-section"' in page
    text = _challenge(page)
    signature = _sign(pair.private_key, text)
    assert client.post(reverse("accounts:mfa_ukey_verify"), {"signature": signature}).status_code == 302
    assert client.get(reverse("ui:workbench")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.verify").latest("pk").after["device"] == "ukey"

    # The same signature again (a replayed challenge) is refused in a new session.
    client.logout()
    _sign_in(client, leader)
    client.get(reverse("accounts:mfa_verify"))  # a new challenge is pending
    assert client.post(reverse("accounts:mfa_ukey_verify"), {"signature": signature}).status_code == 200
    assert client.get(reverse("ui:workbench")).status_code == 302


def test_a_wrong_key_or_a_used_challenge_is_refused(world, client):
    leader = world.user("tunxi", "leader")
    _allow()
    pair, _codes = _enrol_by_ukey(client, leader)
    client.logout()
    _sign_in(client, leader)
    text = _challenge(client.get(reverse("accounts:mfa_verify")).content.decode())
    before = UKeyDevice.objects.values("last_used_at").get()

    other = crypto.sm2_generate_key()
    wrong = client.post(reverse("accounts:mfa_ukey_verify"), {"signature": _sign(other.private_key, text)})

    assert wrong.status_code == 200 and client.get(reverse("ui:workbench")).status_code == 302
    failed = AuditEvent.objects.filter(action="mfa.verify_failed").latest("pk")
    assert failed.after == {"device": "ukey", "reason": "signature"} and not failed.success
    # That attempt used the challenge up (the page shows a new one): the right signature of it is refused too.
    assert _challenge(wrong.content.decode()) != text
    right = client.post(reverse("accounts:mfa_ukey_verify"), {"signature": _sign(pair.private_key, text)})
    assert right.status_code == 200 and client.get(reverse("ui:workbench")).status_code == 302
    assert UKeyDevice.objects.values("last_used_at").get() == before


def test_a_ukey_is_refused_once_the_province_turns_it_off(world, client):
    leader = world.user("tunxi", "leader")
    _allow()
    pair, codes = _enrol_by_ukey(client, leader)
    PolicySetting.objects.filter(key="auth.ukey_login").update(value=False)
    client.logout()
    _sign_in(client, leader)
    # No UKey any more: the account holds no second factor, so it is sent to enrol the app.
    assert client.get(reverse("accounts:mfa_verify"))["Location"] == reverse("accounts:mfa_enrol")
    assert client.post(reverse("accounts:mfa_ukey_verify"), {"signature": "00" * 64}).status_code == 403
    assert client.get(reverse("ui:workbench")).status_code == 302


def test_enrolment_refusals_change_nothing(world, client):
    leader = world.user("tunxi", "leader")
    _allow()
    pair = crypto.sm2_generate_key()
    _sign_in(client, leader)
    text = _challenge(client.get(reverse("accounts:mfa_enrol")).content.decode())
    bad_key = client.post(reverse("accounts:mfa_enrol_ukey"), {"public_key": "04abc",
                                                              "signature": _sign(pair.private_key, text)})
    assert bad_key.status_code == 200
    text = _challenge(bad_key.content.decode())
    other = crypto.sm2_generate_key()  # signed by another key than the one given
    assert client.post(reverse("accounts:mfa_enrol_ukey"), {
        "public_key": pair.public_key, "signature": _sign(other.private_key, text)}).status_code == 200
    assert not UKeyDevice.objects.exists() and not StaticDevice.objects.exists()
    assert _events("mfa.ukey_enrol_failed") == 2


def test_ukeys_from_the_keys_page(world, client):
    """A TOTP user of a province that allows UKeys adds one from the keys page and removes it (audited)."""
    leader = world.user("tunxi", "leader")
    _allow()
    device, _codes = _enrolled(leader)
    _sign_in(client, leader)
    client.post(reverse("accounts:mfa_verify"), {"code": _code(device)})
    page = client.get(reverse("accounts:key_list")).content.decode()
    pair = crypto.sm2_generate_key()
    response = client.post(reverse("accounts:ukey_register"), {
        "public_key": pair.public_key, "signature": _sign(pair.private_key, _challenge(page)), "name": "CA"})
    assert response.status_code == 302
    ukey = UKeyDevice.objects.get(user=leader)
    r = client.post(reverse("accounts:ukey_remove", args=[ukey.pk]))
    assert r.status_code == 302
    assert not UKeyDevice.objects.exists() and _events("mfa.ukey_remove") == 1


def test_the_only_ukey_cannot_be_removed(world, client):
    leader = world.user("tunxi", "leader")
    _allow()
    _enrol_by_ukey(client, leader)
    device = UKeyDevice.objects.get()
    client.post(reverse("accounts:ukey_remove", args=[device.pk]))
    assert UKeyDevice.objects.filter(pk=device.pk).exists() and _events("mfa.ukey_remove") == 0


# ------------------------------------------------------------------------------------------ hashed recovery codes

def test_recovery_codes_are_stored_hashed_and_work_once(world, client):
    leader = world.user("tunxi", "leader")
    _device, codes = _enrolled(leader)
    stored = set(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert all(re.fullmatch(r"[0-9a-f]{16}", t) for t in stored)

    _sign_in(client, leader)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[3].upper()}).status_code == 302
    assert StaticToken.objects.filter(device__user=leader).count() == 9
    client.logout()
    _sign_in(client, leader)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[3]}).status_code == 200
    assert StaticToken.objects.filter(device__user=leader).count() == 9  # the refusal removed nothing


def test_the_migration_hashes_plain_codes(world):
    import importlib

    from django.apps import apps

    from xueji.accounts import second_factor

    migration = importlib.import_module("xueji.accounts.migrations.0008_hash_recovery_codes")
    leader = world.user("tunxi", "leader")
    _enrolled(leader)
    device = StaticDevice.objects.get(user=leader)
    StaticToken.objects.create(device=device, token="abcdef0123")  # a code stored before the migration
    hashed_before = set(StaticToken.objects.exclude(token="abcdef0123").values_list("token", flat=True))

    migration.hash_codes(apps, None)
    migration.hash_codes(apps, None)  # again: nothing hashed twice

    tokens = set(StaticToken.objects.filter(device=device).values_list("token", flat=True))
    assert "abcdef0123" not in tokens and second_factor.recovery_digest("abcdef0123") in tokens
    assert hashed_before < tokens
    assert second_factor.verify(request=None, user=leader, code="abcdef0123") == "recovery"
