"""Login security: lockout by account with cool-off, per-IP rate limit, password rules, expiry, idle timeout.

Every login rule is checked through both doors: the API token endpoint and credentials_verify (the web
login form's check)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory, override_settings
from django.utils import timezone

from xueji.accounts.auth import LoginRefused, credentials_verify
from xueji.accounts.tests.factories import UserFactory
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.testing import PASSWORD

OFFICE_IP = "10.1.2.3"
OTHER_IP = "10.9.9.9"


@dataclass
class Outcome:
    status: int
    code: str | None = None
    message: str = ""


@pytest.fixture(params=["api", "credentials_verify"])
def attempt(request, client):
    """Try a login through one of the two doors; answers (HTTP status, error code)."""

    def via_api(username, password, ip=OFFICE_IP):
        response = client.post("/api/v1/auth/token/", {"username": username, "password": password},
                               content_type="application/json", REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")
        body = response.json()
        return Outcome(response.status_code, body.get("code"), body.get("message", ""))

    def via_service(username, password, ip=OFFICE_IP):
        http_request = RequestFactory().post("/login/", REMOTE_ADDR=ip)
        try:
            credentials_verify(request=http_request, username=username, password=password)
        except LoginRefused as exc:
            return Outcome(exc.status_code, exc.code, exc.message)
        return Outcome(200)

    return via_api if request.param == "api" else via_service


def _fail(attempt, username, times, ip=OFFICE_IP):
    for _ in range(times):
        attempt(username, "Wrong-password-1", ip)


def _age_attempts(username, minutes):
    """axes dates attempts with Django's timezone.now; moving them back is time passing for the lockout."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


def test_right_password_logs_in(world, attempt):
    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200


def test_wrong_password_is_refused_and_audited_with_the_ip(world, attempt):
    outcome = attempt("tunxi_primary_registrar", "Wrong-password-1")

    assert (outcome.status, outcome.code) == (401, "invalid_credentials")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.ip == OFFICE_IP
    assert event.actor_username == "tunxi_primary_registrar"
    assert event.org_unit == world.units["tunxi_primary"]
    assert event.success is False


def test_unknown_username_answers_like_a_wrong_password(world, attempt):
    outcome = attempt("nobody_here", "Wrong-password-1")

    assert (outcome.status, outcome.code) == (401, "invalid_credentials")
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username="nobody_here",
                                     ip=OFFICE_IP).exists()


def test_inactive_account_answers_like_a_wrong_password(world, attempt):
    user = world.user("tunxi_primary", "leader")
    user.is_active = False
    user.save()

    assert attempt(user.username, PASSWORD).code == "invalid_credentials"


def test_five_failures_lock_the_account_even_for_the_right_password(world, attempt):
    _fail(attempt, "tunxi_primary_registrar", 4)
    fifth = attempt("tunxi_primary_registrar", "Wrong-password-1")
    assert (fifth.status, fifth.code) == (403, "account_locked")
    assert "30" in fifth.message  # the cool-off, in whichever language is active

    outcome = attempt("tunxi_primary_registrar", PASSWORD)

    assert (outcome.status, outcome.code) == (403, "account_locked")
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_username="tunxi_primary_registrar",
                                     org_unit=world.units["tunxi_primary"]).exists()


def test_the_lock_lasts_thirty_minutes(world, attempt):
    _fail(attempt, "tunxi_primary_registrar", 5)

    _age_attempts("tunxi_primary_registrar", 29)
    assert attempt("tunxi_primary_registrar", PASSWORD).code == "account_locked"

    _age_attempts("tunxi_primary_registrar", 31)
    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200


def test_a_successful_login_resets_the_failure_count(world, attempt):
    _fail(attempt, "tunxi_primary_registrar", 4)
    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200

    _fail(attempt, "tunxi_primary_registrar", 4)

    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200


def test_a_locked_account_does_not_lock_out_the_office(world, attempt):
    """One school shares one NAT'd address: a colleague's lockout must not lock everyone else out."""
    _fail(attempt, "tunxi_primary_registrar", 5)

    assert attempt("tunxi_primary_leader", PASSWORD, OFFICE_IP).status == 200


def test_the_security_administrator_unlocks_an_account(world, attempt):
    from xueji.accounts.services import user_unlock

    _fail(attempt, "tunxi_primary_registrar", 5)
    user_unlock(actor=world.user("tunxi_primary", "security"), user=world.user("tunxi_primary", "registrar"))

    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200


@override_settings(XUEJI_IP_FAILURE_LIMIT=3, XUEJI_IP_FAILURE_WINDOW_MINUTES=15)
def test_many_failures_from_one_address_are_rate_limited(world, attempt):
    for name in ("tunxi_primary_leader", "tunxi_middle_leader", "shexian_primary_leader"):
        _fail(attempt, name, 1)

    limited = attempt("tunxi_primary_registrar", PASSWORD, OFFICE_IP)
    assert (limited.status, limited.code) == (429, "ip_rate_limited")
    assert "15" in limited.message
    assert AuditEvent.objects.filter(action="auth.ip_rate_limited", ip=OFFICE_IP).exists()
    # Another address is not affected, and the window passes.
    assert attempt("tunxi_primary_registrar", PASSWORD, OTHER_IP).status == 200
    with clock.shifted(dt.timedelta(minutes=16)):
        assert attempt("tunxi_middle_registrar", PASSWORD, OFFICE_IP).status == 200


@override_settings(XUEJI_ACCOUNT_FAILURE_LIMIT=2, XUEJI_ACCOUNT_LOCK_MINUTES=5)
def test_lockout_limit_and_duration_are_configurable(world, attempt):
    _fail(attempt, "tunxi_primary_registrar", 1)
    second = attempt("tunxi_primary_registrar", "Wrong-password-1")

    assert second.code == "account_locked"
    assert "5" in second.message
    _age_attempts("tunxi_primary_registrar", 6)
    assert attempt("tunxi_primary_registrar", PASSWORD).status == 200


def test_token_login_is_audited(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "tunxi_primary_registrar", "password": PASSWORD},
                           content_type="application/json", REMOTE_ADDR=OFFICE_IP)

    assert response.status_code == 200
    assert response.json()["password_expired"] is False
    event = AuditEvent.objects.get(action="auth.token")
    assert (event.actor, event.ip, event.success) == (world.user("tunxi_primary", "registrar"), OFFICE_IP, True)
    assert event.request_id == response["X-Request-ID"]


def test_token_endpoint_validates_its_input(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "tunxi_primary_registrar"},
                           content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["details"]
    assert not AuditEvent.objects.exists()


# Password expiry and forced change -------------------------------------------------------------------


def _token(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture(params=["token", "session"])
def api_as(request, client, world, settings):
    """A client acting as a user through a token or a browser session."""
    # These tests move the clock by months: keep the token and the session alive.
    settings.XUEJI_TOKEN_TTL_HOURS = settings.XUEJI_SESSION_MAX_HOURS = 24 * 366

    def _as(user):
        if request.param == "token":
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {_token(client, user.username)['token']}"
        else:
            client.force_login(user)
        return client

    return _as


def test_password_expires_after_ninety_days(world, api_as):
    client = api_as(world.user("tunxi_primary", "registrar"))
    with clock.shifted(dt.timedelta(days=89)):
        assert client.get("/api/v1/students/").status_code == 200

    with clock.shifted(dt.timedelta(days=90)):
        refused = client.get("/api/v1/students/")
        me = client.get("/api/v1/me/")

    assert refused.status_code == 403
    assert refused.json()["code"] == "password_expired"
    assert me.status_code == 200
    assert me.json()["password_expired"] is True


def test_an_expired_password_can_be_changed_and_work_resumes(world, api_as):
    client = api_as(world.user("tunxi_primary", "registrar"))
    with clock.shifted(dt.timedelta(days=120)):
        changed = client.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "Fresh#2027pw"},
                              content_type="application/json")
        assert changed.status_code == 204
        assert client.get("/api/v1/students/").status_code == 200
        assert client.get("/api/v1/me/").json()["password_expired"] is False


@override_settings(XUEJI_PASSWORD_MAX_AGE_DAYS=30)
def test_password_age_is_configurable(world, api_as):
    client = api_as(world.user("tunxi_primary", "registrar"))
    with clock.shifted(dt.timedelta(days=30)):
        assert client.get("/api/v1/students/").json()["code"] == "password_expired"


def test_an_administrator_reset_forces_a_change_at_next_login(world, client):
    admin = world.user("tunxi_primary", "sysadmin")
    target = world.user("tunxi_primary", "registrar")
    client.force_login(admin)
    reset = client.post(f"/api/v1/users/{target.pk}/reset-password/", {"new_password": "Temp#2026abc"},
                        content_type="application/json")
    assert reset.status_code == 200
    assert reset.json()["must_change_password"] is True
    client.logout()

    login = _token(client, target.username, "Temp#2026abc")
    assert login["password_expired"] is True
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {login['token']}"
    assert client.get("/api/v1/students/").json()["code"] == "password_expired"

    changed = client.post("/api/v1/auth/password/", {"old_password": "Temp#2026abc", "new_password": "Mine#2026xyz"},
                          content_type="application/json")
    assert changed.status_code == 204
    assert client.get("/api/v1/students/").status_code == 200
    target.refresh_from_db()
    assert target.must_change_password is False


def test_password_change_needs_the_current_password(world, client):
    client.force_login(world.user("tunxi_primary", "registrar"))

    response = client.post("/api/v1/auth/password/", {"old_password": "guess", "new_password": "Fresh#2027pw"},
                           content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


# Password complexity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", "The password must have at least 8 characters."),
        ("abcdefgh12", "The password must mix at least 3 of: lower-case letters, upper-case letters, digits, "
                       "symbols."),
        ("ABCDEFGH!!", "The password must mix at least 3 of"),
        ("", "The password must have at least 8 characters."),
    ],
)
def test_weak_passwords_are_refused_with_a_precise_message(world, client, password, message):
    client.force_login(world.user("tunxi_primary", "registrar"))

    response = client.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": password},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    if password:  # an empty string is refused by the input check before the rules
        assert body["code"] == "weak_password"
        assert message in body["message"]
        assert any(message in m for m in body["details"]["new_password"])
    else:
        assert body["code"] == "invalid"
        assert "new_password" in body["details"]


@pytest.mark.parametrize("password", ["Kqwzmv81", "kqwzmv1!", "KQWZMV1!", "Kqwzmvx!", "长城Ab1长城长城"])
def test_three_classes_of_eight_characters_are_enough(world, password):
    from xueji.accounts.services import password_change

    user = world.user("tunxi_primary", "registrar")
    password_change(user=user, old_password=PASSWORD, new_password=password)

    user.refresh_from_db()
    assert user.check_password(password)


@override_settings(XUEJI_PASSWORD_MIN_LENGTH=12, XUEJI_PASSWORD_MIN_CLASSES=4)
def test_complexity_is_configurable(world):
    from django.utils import translation

    from xueji.accounts.services import password_change
    from xueji.core.errors import ValidationFailed

    user = world.user("tunxi_primary", "registrar")
    with translation.override("en"), pytest.raises(ValidationFailed, match="at least 12 characters"):
        password_change(user=user, old_password=PASSWORD, new_password="Abcdef#12")
    with translation.override("en"), pytest.raises(ValidationFailed, match="at least 4 of"):
        password_change(user=user, old_password=PASSWORD, new_password="Abcdefghijk12")
    password_change(user=user, old_password=PASSWORD, new_password="Kqwzmvbj#712")


# Idle timeout -------------------------------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "xueji.accounts.middleware.SessionTouchMiddleware" in settings.MIDDLEWARE  # moves the expiry forward


def test_a_session_is_saved_at_most_once_a_minute(world, client, monkeypatch):
    """Issue 14: no UPDATE of the session (and commit) on every page; the expiry still moves, once a minute."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xueji.accounts import middleware

    client.force_login(world.user("tunxi_primary", "registrar"))
    assert client.get("/api/v1/me/").status_code == 200  # the first request saves it
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/").status_code == 200
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]

    later = timezone.now() + dt.timedelta(seconds=middleware.TOUCH_EVERY_SECONDS + 1)
    monkeypatch.setattr(middleware.clock, "now", lambda: later)
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get("/api/v1/me/").status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date > timezone.now() + dt.timedelta(minutes=29)


def test_each_request_moves_the_session_expiry_forward(world, client):
    client.force_login(world.user("tunxi_primary", "registrar"))
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=5))

    assert client.get("/api/v1/me/").status_code == 200

    expiry = Session.objects.get(pk=session.pk).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)


def test_an_idle_session_is_signed_out(world, client):
    client.force_login(world.user("tunxi_primary", "registrar"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))

    response = client.get("/api/v1/students/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_factory_users_log_in(db, world, attempt):
    user = UserFactory(org_unit=world.units["tunxi"], roles=["registrar"])

    assert attempt(user.username, PASSWORD).status == 200


# Behind the proxy ---------------------------------------------------------------------------------


@override_settings(XUEJI_TRUSTED_PROXIES=1)
def test_behind_one_proxy_other_clients_failures_do_not_block_a_new_client(world, client):
    """Behind nginx every request comes from the proxy's address; the per-IP limit must count clients."""
    proxy = "10.0.0.1"
    for n in range(settings.XUEJI_IP_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": f"guess{n}", "password": "Wrong-password-1"},
                    content_type="application/json", REMOTE_ADDR=proxy,
                    HTTP_X_FORWARDED_FOR=f"203.0.113.{n % 250}, 198.51.100.{n % 200 + 1}")

    response = client.post("/api/v1/auth/token/", {"username": "tunxi_primary_registrar", "password": PASSWORD},
                           content_type="application/json", REMOTE_ADDR=proxy,
                           HTTP_X_FORWARDED_FOR="198.51.100.250")

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="auth.login_failed", ip=proxy).exists()


@override_settings(XUEJI_TRUSTED_PROXIES=1, XUEJI_IP_FAILURE_LIMIT=3)
def test_behind_one_proxy_a_client_that_forges_its_address_is_still_limited(world, client):
    for n in range(3):
        client.post("/api/v1/auth/token/", {"username": f"guess{n}", "password": "Wrong-password-1"},
                    content_type="application/json", REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 198.51.100.7")

    response = client.post("/api/v1/auth/token/", {"username": "tunxi_primary_registrar", "password": PASSWORD},
                           content_type="application/json", REMOTE_ADDR="10.0.0.1",
                           HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7")

    assert (response.status_code, response.json()["code"]) == (429, "ip_rate_limited")


# Cost of the login path ---------------------------------------------------------------------------------


def test_a_login_costs_a_few_queries(world, client, django_assert_max_num_queries):
    from django.urls import reverse

    # 6 are session and savepoint statements; none per audit row; 3 read the level's security settings (the
    # account's unit, its chain's settings for the lockout, and again for the session: the idle timeout); 1 the
    # account's roles, which its audit row records (control 13)
    with django_assert_max_num_queries(22):
        response = client.post(reverse("accounts:login"), {"username": "tunxi_primary_registrar", "password": PASSWORD})
    assert response.status_code == 302
    client.logout()
    with django_assert_max_num_queries(18):  # 2 of them the account's unit and its level's security settings
        client.post(reverse("accounts:login"), {"username": "tunxi_primary_registrar", "password": "Wrong-password-1"})


def test_the_per_ip_limit_reads_an_index_not_the_audit_table(world):
    """The per-IP failure count runs on every login: it must be one range of an index, however big the log."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xueji.accounts.selectors import ip_failures_exceeded

    with CaptureQueriesContext(connection) as ctx:
        ip_failures_exceeded(OFFICE_IP)
    [query] = ctx.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(column) for row in cursor.fetchall() for column in row)
    if connection.vendor == "postgresql":  # the planner picks among the indexes by statistics; never a table scan
        assert "Index" in plan and "Seq Scan" not in plan, plan
    else:
        assert "audit_audit_ip_01f112_idx" in plan, plan
