"""Control 13 (T-AUD-02/03): what every audit row holds, that no secret reaches a log or an audit row, and that CR/LF
in an input forges no line.

Schema: a time with its offset (UTC in the database), the user's id, org code and role, the client's address behind
the trusted proxies only, the event type, the object's type and id, the outcome (and the reason of a refusal), the
request id, and the row count of reads and exports."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.testing import PASSWORD


def _api(client, url, body=None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


@pytest.fixture
def flow(world, settings, tmp_path, client):
    """The representative flow, as a registrar behind the documented nginx (one trusted proxy): sign in with the
    password, search, unmask the pupil's ID for a reason, export the school (the job runs). Returns the rows."""
    from xueji.jobs.services import job_run

    settings.MEDIA_ROOT = tmp_path / "files"
    settings.XUEJI_TRUSTED_PROXIES = 1
    # The client claims 6.6.6.6; our proxy appends the peer it saw (10.20.30.40), and is itself REMOTE_ADDR.
    hop = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.20.30.40", "REMOTE_ADDR": "127.0.0.9"}
    registrar = world.user("tunxi_primary", "registrar")
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.post(reverse("accounts:login"), {"username": registrar.username, "password": PASSWORD},
                       **hop).status_code == 302
    assert client.get("/api/v1/students/?q=学生", **hop).status_code == 200
    assert _api(client, f"/api/v1/students/{world.students['tunxi_primary'].pk}/unmask/",
                {"reason": "核对转学材料"}, **hop).status_code == 200
    started = _api(client, "/api/v1/students/export/", {"school": world.schools["tunxi_primary"].pk}, **hop)
    assert started.status_code == 202
    job_run(started.json()["id"])
    assert client.get(reverse("accounts:user_list"), **hop).status_code == 403  # a denial, with its reason
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def test_every_audit_row_of_the_flow_has_the_fields_of_the_schema(world, flow):
    registrar, unit = world.user("tunxi_primary", "registrar"), world.units["tunxi_primary"]
    by_action = {row.action: row for row in flow}
    assert {"auth.login", "student.search", "student.unmask", "student.export", "access.denied"} <= set(by_action)
    for row in flow:
        assert row.created_at.utcoffset() is not None, row.action  # an aware time: stored in UTC, shown with +08:00
        assert (row.actor_id, row.actor_username, row.org_code) == (registrar.pk, registrar.username, unit.code), \
            row.action
        assert row.actor_role == "registrar", row.action
        assert row.action and isinstance(row.success, bool) and row.request_id, row.action
        assert row.object_type, row.action
    for action in ("auth.login", "student.search", "student.unmask", "access.denied"):  # requests: the client's IP
        assert by_action[action].ip == "10.20.30.40", action  # not the claimed 6.6.6.6, not the proxy
    assert by_action["student.unmask"].object_id == str(world.students["tunxi_primary"].pk)
    assert by_action["student.search"].after["rows"] == 1 and by_action["student.export"].after["rows"] == 1
    denied = by_action["access.denied"]
    assert denied.success is False and denied.after["code"] == "permission_denied"  # outcome and reason
    assert denied.created_at.astimezone(dt.UTC).tzinfo is dt.UTC


def test_an_x_forwarded_for_without_a_trusted_proxy_is_ignored(world, client, settings):
    settings.XUEJI_TRUSTED_PROXIES = 0
    user = world.user("tunxi_primary", "registrar")
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD},
                HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.7")
    assert AuditEvent.objects.filter(action="auth.login").get().ip == "192.0.2.7"


@pytest.fixture
def log_file(tmp_path):
    """Every log record at DEBUG into a file, through the deployment's handler filters (LOGGING)."""
    path = tmp_path / "all.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    configured = next(h for h in logging.root.handlers if type(h) is logging.StreamHandler)  # LOGGING's console
    for f in configured.filters:
        handler.addFilter(f)
    loggers = [logging.root] + [lg for lg in logging.root.manager.loggerDict.values()
                                if isinstance(lg, logging.Logger)]
    levels = {lg: lg.level for lg in loggers}
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    logging.root.addHandler(handler)
    for lg in loggers:
        if lg is not logging.root and not lg.propagate:
            lg.addHandler(handler)
    try:
        yield path
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
            lg.setLevel(levels[lg])
        logging.root.removeHandler(handler)
        handler.close()


def test_no_secret_reaches_a_log_or_an_audit_row(world, client, settings, tmp_path, log_file, monkeypatch):
    """Sign in with the password, prove the second factor with a TOTP code, unmask the pupil's ID, export it: the
    plaintext ID number, the password, the OTP code, the session key and the CSRF token appear in no log record
    and in no audit row."""
    from xueji.accounts import second_factor
    from xueji.accounts.tests.test_second_factor import _code, _enrolled
    from xueji.jobs.services import job_run

    monkeypatch.undo()  # the real second-factor rule (the suite assumes it proved)
    assert second_factor.required(world.user("tunxi", "registrar"))
    settings.MEDIA_ROOT = tmp_path / "files"
    client = type(client)(enforce_csrf_checks=True)
    user = world.user("tunxi", "registrar")  # an authority's registrar: approves, so a second factor
    device, _codes = _enrolled(user)
    pupil = world.students["tunxi_primary"]
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    client.get(reverse("accounts:login"))
    csrf = client.cookies["csrftoken"].value
    assert client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD,
                                                   "csrfmiddlewaretoken": csrf}).status_code == 302
    csrf = client.cookies["csrftoken"].value
    code = _code(device)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code, "csrfmiddlewaretoken": csrf}).status_code == 302
    csrf = client.cookies["csrftoken"].value
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    unmasked = client.post(reverse("registry:student_unmask", args=[pupil.pk]),
                           {"reason": "核对转学材料", "csrfmiddlewaretoken": csrf})
    assert unmasked.status_code == 200 and pupil.id_number in unmasked.content.decode()
    started = client.post("/api/v1/students/export/", {"school": world.schools["tunxi_primary"].pk},
                          content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert started.status_code == 202, started.content
    job_run(started.json()["id"])
    logging.getLogger("xueji.test").debug("flow done")  # the file does take DEBUG records

    logged = log_file.read_text(encoding="utf-8")
    assert "flow done" in logged
    rows = AuditEvent.objects.filter(id__gt=mark)
    audited = " ".join(f"{r.actor_username} {r.object_type} {r.object_id} {r.object_repr} {r.before} {r.after} "
                       f"{r.request_id}" for r in rows)
    assert rows.filter(action__in=["auth.login", "mfa.verify", "student.unmask", "student.export"]).count() == 4
    for name, secret in {"ID number": pupil.id_number, "password": PASSWORD, "OTP code": code,
                         "session key": session_key, "CSRF token": csrf}.items():
        assert secret not in logged, f"{name} in the log"
        assert secret not in audited, f"{name} in the audit log"


def test_cr_lf_in_a_username_or_a_search_term_forges_no_line(world, client, log_file):
    forged_user = "nobody\r\nINFO xueji.accounts auth.login admin"
    client.post(reverse("accounts:login"), {"username": forged_user, "password": "wrong"})
    client.force_login(world.user("tunxi", "leader"))
    client.get("/api/v1/students/", {"q": "学生\r\nWARNING forged"})
    logging.getLogger("xueji.test").warning("user %s searched", forged_user)  # a record that quotes the input

    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.startswith(("INFO xueji.accounts auth.login admin", "WARNING forged"))]
    assert any("nobody\\r\\nINFO" in line for line in lines)  # escaped, still readable
    failed = AuditEvent.objects.get(action="auth.login_failed")
    search = AuditEvent.objects.get(action="student.search")
    for text in (failed.actor_username, failed.object_repr, search.object_repr, search.after["q"]):
        assert "\r" not in text and "\n" not in text, text
