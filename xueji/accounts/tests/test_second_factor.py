"""The second factor (SECURITY.md row 5, T-MFA-01): enforced for administrators and approvers on every URL and at
token issue; enrolment, recovery codes, replay, throttling, reset. These tests ask for `second_factor_enforced`:
the rest of the suite runs with it assumed (xueji/testing/fixtures.py)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueji.accounts.models import Role
from xueji.audit.models import AuditEvent
from xueji.testing import PASSWORD

pytestmark = pytest.mark.usefixtures("second_factor_enforced")


def _code(device: TOTPDevice, *, step_offset: int = 1) -> str:
    """A code of the device; by default the next time step's (within the tolerance): the current one was used to
    confirm the enrolment, and a used code is refused."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    from xueji.accounts import second_factor

    device = second_factor.enrolment_start(user=user)
    codes = second_factor.enrolment_confirm(request=None, user=user, code=_code(device, step_offset=0))
    return TOTPDevice.objects.get(pk=device.pk), codes


def _sign_in(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.mark.parametrize(("unit", "role", "needed"), [
    ("tunxi_primary", "registrar", False), ("tunxi_primary", "leader", True), ("tunxi", "registrar", True),
    ("tunxi", "admissions", False), ("anhui", "leader", True), ("tunxi", "sysadmin", True),
    ("tunxi_primary", "auditor", True), ("tunxi_primary", "security", True), ("ministry", "registrar", True),
])
def test_who_needs_a_second_factor(world, unit, role, needed):
    """Administrators (三员) and approvers (leaders, authority registrars); a school's registrar files only."""
    from xueji.accounts import second_factor

    assert second_factor.required(world.user(unit, role)) is needed


def _walkable_paths(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walkable_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + re.sub(r"<[^>]+>", "1", route).lstrip("^").rstrip("$")


def test_every_url_sends_an_unverified_session_to_the_second_factor(world, client):
    """T-MFA-01: after the password, before the second factor, every URL but signing in and out, the
    second-factor pages, static files and /healthz sends to the second-factor step (the API answers 403)."""
    _sign_in(client, world.user("tunxi", "leader"))
    open_paths = {reverse("accounts:login"), reverse("accounts:logout"), reverse("accounts:mfa_verify"),
                  reverse("accounts:mfa_enrol"), reverse("accounts:mfa_enrol_ukey"),
                  reverse("accounts:mfa_key_options"), reverse("accounts:mfa_key_verify"),
                  reverse("accounts:mfa_ukey_verify"), reverse("healthz"), reverse("set_language")}
    walked = 0
    for path in sorted(set(_walkable_paths())):
        if path in open_paths:
            continue
        walked += 1
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if path.startswith("/api/"):
                assert (response.status_code, response.json()["code"]) == (403, "second_factor_required"), path
            else:
                assert (response.status_code, response["Location"]) == (302, reverse("accounts:mfa_verify")), path
    assert walked > 100


def test_a_business_user_without_the_need_is_not_stopped(world, client):
    _sign_in(client, world.user("tunxi_primary", "registrar"))

    assert client.get(reverse("ui:workbench")).status_code == 200


def test_first_sign_in_enrols_and_shows_the_recovery_codes_once(world, client):
    leader = world.user("tunxi_primary", "leader")
    response = _sign_in(client, leader)
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert client.get(reverse("accounts:mfa_verify"))["Location"] == reverse("accounts:mfa_enrol")

    page = client.get(reverse("accounts:mfa_enrol")).content.decode()
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", "")  # the QR code is inline, no outside resource
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert client.post(reverse("accounts:mfa_enrol"), {"code": "000000"}).status_code == 200
    assert _events("mfa.enrol_failed") == 1
    device.throttle_reset()

    done = client.post(reverse("accounts:mfa_enrol"), {"code": _code(device, step_offset=0)})

    codes = re.findall(r"<li class=\"col\">([0-9a-f]{10})</li>", done.content.decode())
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=leader).count() == 10
    assert _events("mfa.enrol") == 1
    assert client.get(reverse("ui:workbench")).status_code == 200  # this session is verified
    # The codes are not shown again: an enrolled user's enrolment page sends on.
    assert client.get(reverse("accounts:mfa_enrol")).status_code == 302


def test_verify_replay_and_throttle(world, client):
    leader = world.user("tunxi", "leader")
    device, _codes = _enrolled(leader)
    _sign_in(client, leader)

    wrong = client.post(reverse("accounts:mfa_verify"), {"code": "123456" if _code(device) != "123456" else "654321"})
    assert wrong.status_code == 200 and "data-testid=\"mfa-verify-form\"" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # committed although the attempt failed
    assert _events("mfa.verify_failed") == 1
    # Throttled: even the right code is refused until the wait is over.
    assert client.post(reverse("accounts:mfa_verify"), {"code": _code(device)}).status_code == 200
    assert client.get(reverse("ui:workbench")).status_code == 302
    device.throttle_reset()

    code = _code(device)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    assert client.get(reverse("ui:workbench")).status_code == 200
    assert _events("mfa.verify") == 1

    # The same code, replayed in another session, is refused (django-otp's last_t).
    client.logout()
    _sign_in(client, leader)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 200
    assert client.get(reverse("ui:workbench")).status_code == 302


def test_a_recovery_code_works_once(world, client):
    leader = world.user("tunxi", "leader")
    _device, codes = _enrolled(leader)
    _sign_in(client, leader)

    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("ui:workbench")).status_code == 200
    assert StaticToken.objects.filter(device__user=leader).count() == 9

    client.logout()
    _sign_in(client, leader)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 200
    assert client.get(reverse("ui:workbench")).status_code == 302


def test_the_token_needs_the_second_factor(world, client):
    leader = world.user("tunxi", "leader")
    url = reverse("api:token")
    body = {"username": leader.username, "password": PASSWORD}

    unenrolled = client.post(url, body, content_type="application/json")
    assert (unenrolled.status_code, unenrolled.json()["code"]) == (403, "second_factor_not_enrolled")
    device, _codes = _enrolled(leader)
    missing = client.post(url, body, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (403, "second_factor_required")
    wrong = client.post(url, {**body, "otp": "12345x"}, content_type="application/json")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "second_factor_invalid")
    device.throttle_reset()

    issued = client.post(url, {**body, "otp": _code(device)}, content_type="application/json")

    assert issued.status_code == 200
    me = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert me.status_code == 200 and me.json()["second_factor_required"] is True
    assert AuditEvent.objects.get(action="auth.token").after == {"second_factor": True}


def test_a_business_user_gets_a_token_without_a_code(world, client):
    registrar = world.user("tunxi_primary", "registrar")

    response = client.post(reverse("api:token"), {"username": registrar.username, "password": PASSWORD},
                           content_type="application/json")

    assert response.status_code == 200


def test_an_unverified_session_gets_no_api(world, client):
    _sign_in(client, world.user("tunxi", "sysadmin"))

    response = client.get(reverse("api:user-list"))

    assert (response.status_code, response.json()["code"]) == (403, "second_factor_required")


def test_the_security_administrator_of_the_level_above_resets_a_second_factor(world, client):
    from xueji.accounts import second_factor

    leader = world.user("tunxi_primary", "leader")
    _enrolled(leader)
    leader.refresh_from_db()
    stamp = leader.security_stamp
    security = world.user("tunxi", "security")
    security_device, _codes = _enrolled(security)
    _sign_in(client, security)
    client.post(reverse("accounts:mfa_verify"), {"code": _code(security_device)})
    page = client.get(reverse("accounts:security_user_list")).content.decode()
    assert reverse("accounts:user_reset_second_factor", args=[leader.pk]) in page
    before = _events("mfa.reset")

    response = client.post(reverse("accounts:user_reset_second_factor", args=[leader.pk]))

    assert response.status_code == 302
    assert not second_factor.is_enrolled(leader)
    assert not StaticToken.objects.filter(device__user=leader).exists()
    leader.refresh_from_db()
    assert leader.security_stamp != stamp  # its sessions end
    assert _events("mfa.reset") == before + 1


@pytest.mark.parametrize(("unit", "role"), [("tunxi_primary", "security"), ("tunxi", "sysadmin"),
                                            ("tunxi", "auditor"), ("shexian", "security")])
def test_a_reset_by_anyone_else_is_refused_and_changes_nothing(world, unit, role):
    from xueji.accounts import second_factor
    from xueji.core.errors import Forbidden, NotFound

    leader = world.user("tunxi_primary", "leader")
    _enrolled(leader)
    before = AuditEvent.objects.count()

    with pytest.raises((Forbidden, NotFound)):
        second_factor.reset(actor=world.user(unit, role), user=leader)

    assert second_factor.is_enrolled(leader)
    assert StaticToken.objects.filter(device__user=leader).count() == 10
    assert AuditEvent.objects.count() == before


def test_the_test_helper_assumes_the_second_factor_only_where_asked(world, request):
    """The suite's shared helper (xueji/testing/fixtures.py) is off here: the real rule answers."""
    from xueji.accounts import second_factor

    assert second_factor.required(world.user("tunxi", Role.LEADER))
