"""Credentials that must end: tokens and sessions after a password change, a reset or a deactivation; reused and
common passwords; the absolute session lifetime beside the idle timeout."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from xueji.accounts import services
from xueji.accounts.models import PasswordHistory, User
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.testing import PASSWORD

NEW = "Fresh#2027pw"


def _token(username, password=PASSWORD) -> str:
    response = Client().post("/api/v1/auth/token/", {"username": username, "password": password},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _signed_in(username, password=PASSWORD) -> Client:
    """A browser that signed in through the login form (not force_login: the sign-in time matters here)."""
    browser = Client()
    response = browser.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return browser


def _token_works(token: str) -> bool:
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def _session_works(browser: Client) -> bool:
    return browser.get("/api/v1/me/").status_code == 200


# Revocation ------------------------------------------------------------------------------------------------


def test_a_password_change_on_the_page_ends_the_tokens_and_the_other_sessions(world):
    user = world.user("tunxi_primary", "registrar")
    token = _token(user.username)
    other_browser = _signed_in(user.username)
    browser = _signed_in(user.username)

    response = browser.post(reverse("accounts:password_change"),
                            {"old_password": PASSWORD, "new_password": NEW, "new_password2": NEW})

    assert response.status_code == 302
    assert _session_works(browser)  # the browser that changed it stays signed in
    assert not _session_works(other_browser)
    assert not _token_works(token)


def test_a_password_change_through_the_api_keeps_the_callers_token_only(world):
    user = world.user("tunxi_primary", "registrar")
    browser = _signed_in(user.username)
    token = _token(user.username)

    response = Client().post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW},
                             content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 204
    assert _token_works(token)
    assert not _session_works(browser)


def test_an_administrator_reset_ends_the_users_tokens_and_sessions(world, login):
    target = world.user("tunxi_primary", "registrar")
    token = _token(target.username)
    browser = _signed_in(target.username)

    response = login(world.user("tunxi_primary", "sysadmin")).post(
        f"/api/v1/users/{target.pk}/reset-password/", {"new_password": "Temp#2026abc"},
        content_type="application/json")

    assert response.status_code == 200
    assert not _token_works(token)
    assert not _session_works(browser)


def test_a_reactivated_account_gets_no_old_session_or_token_back(world, login):
    admin = login(world.user("tunxi_primary", "sysadmin"))
    target = world.user("tunxi_primary", "registrar")
    token = _token(target.username)
    browser = _signed_in(target.username)

    for is_active in (False, True):
        response = admin.post(f"/api/v1/users/{target.pk}/active/", {"is_active": is_active},
                              content_type="application/json")
        assert response.status_code == 200

    assert not _token_works(token)
    assert not _session_works(browser)
    assert _token_works(_token(target.username))  # a fresh sign-in works


# Password history --------------------------------------------------------------------------------------------


def test_a_recent_password_cannot_come_back(world):
    """A -> B -> A is refused, through the API as through the service."""
    user = world.user("tunxi_primary", "registrar")
    services.password_change(user=user, old_password=PASSWORD, new_password=NEW)
    browser = Client()
    browser.force_login(user)

    response = browser.post("/api/v1/auth/password/", {"old_password": NEW, "new_password": PASSWORD},
                            content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("password_reused", "new_password")
    assert "last 5 passwords" in response.json()["message"]
    assert User.objects.get(pk=user.pk).check_password(NEW)


def test_the_password_page_says_in_chinese_why_a_recent_password_is_refused(world, login):
    user = world.user("tunxi_primary", "registrar")
    services.password_change(user=user, old_password=PASSWORD, new_password=NEW)

    response = login(User.objects.get(pk=user.pk)).post(
        reverse("accounts:password_change"), {"old_password": NEW, "new_password": PASSWORD, "new_password2": PASSWORD})

    assert response.status_code == 200
    assert "该密码近期使用过：新密码须与最近 5 次使用的密码都不相同。" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password(NEW)


def test_the_history_holds_the_last_five_passwords(world):
    user = world.user("tunxi_primary", "registrar")
    chain = [PASSWORD, "Kqwzmv#2101", "Kqwzmv#2102", "Kqwzmv#2103", "Kqwzmv#2104", "Kqwzmv#2105"]
    for old, new in zip(chain, chain[1:], strict=False):
        services.password_change(user=user, old_password=old, new_password=new)
    for recent in chain[2:5]:
        with pytest.raises(ValidationFailed) as exc:
            services.password_change(user=user, old_password=chain[-1], new_password=recent)
        assert exc.value.code == "password_reused"

    services.password_change(user=user, old_password=chain[-1], new_password=chain[0])  # six back: allowed again

    assert PasswordHistory.objects.filter(user=user).count() == 5
    assert User.objects.get(pk=user.pk).check_password(chain[0])


def test_an_administrator_cannot_reset_to_the_users_current_password(world):
    target = world.user("tunxi_primary", "registrar")

    with pytest.raises(ValidationFailed) as exc:
        services.user_reset_password(actor=world.user("tunxi_primary", "sysadmin"), user=target,
                                     new_password=PASSWORD)

    assert exc.value.code == "password_reused"
    assert not User.objects.get(pk=target.pk).must_change_password


# Common passwords ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["Qwerty123!", "12345678Aa", "1qaz2wsx", "1qaz@WSX", "Asdf1234!", "Abc@12345",
                                      "Password123!", "P@ssw0rd", "Zxcvbnm,1", "Aa123456!"])
def test_common_passwords_and_keyboard_walks_are_refused(world, login, password):
    user = world.user("tunxi_primary", "registrar")

    response = login(user).post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": password},
                                content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    assert any("too common" in m for m in response.json()["details"]["new_password"])
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.parametrize("password", ["Kqwzmv81", "Start#2026abc", "Mine#2026xyz", "Xueji@2027prod", "长城Ab1长城长城"])
def test_passwords_that_merely_contain_a_short_sequence_are_fine(world, password):
    user = world.user("tunxi_primary", "registrar")

    services.password_change(user=user, old_password=PASSWORD, new_password=password)

    assert User.objects.get(pk=user.pk).check_password(password)


# Absolute session lifetime -----------------------------------------------------------------------------------


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(world):
    user = world.user("tunxi_primary", "registrar")
    browser = _signed_in(user.username)
    with clock.shifted(dt.timedelta(hours=11, minutes=59)):
        assert _session_works(browser)  # active all along: the idle timeout never struck

    with clock.shifted(dt.timedelta(hours=12)):
        api = browser.get("/api/v1/me/")
        page = _signed_in(user.username).get(reverse("ui:workbench"))  # a new sign-in starts a new lifetime
        assert browser.get(reverse("ui:workbench"))["Location"].startswith(reverse("accounts:login"))

    assert (api.status_code, api.json()["code"]) == (401, "not_authenticated")
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=user).count() == 1


@override_settings(XUEJI_SESSION_MAX_HOURS=2)
def test_the_session_lifetime_is_configurable(world):
    browser = _signed_in("tunxi_primary_registrar")

    with clock.shifted(dt.timedelta(hours=2)):
        assert not _session_works(browser)


def test_password_and_session_settings_come_from_the_environment():
    import os
    import subprocess
    import sys

    env = {**os.environ, "XUEJI_SESSION_MAX_HOURS": "8", "XUEJI_PASSWORD_HISTORY": "7",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.XUEJI_SESSION_MAX_HOURS, settings.XUEJI_PASSWORD_HISTORY)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout

    assert out.split() == ["8", "7"]
