"""Control 12 (T-AUD-01): the event catalogue. Each event type of the control, done through the real page, API or
service, writes EXACTLY ONE audit row of its action code, failures and denials included (with success False).
One small scene shared by every case (the test world, an open transfer window, a tmp MEDIA_ROOT)."""

from unittest import mock

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.testing import PASSWORD


@pytest.fixture
def scene(world, settings, tmp_path):
    from xueji.testing.world import open_windows
    from xueji.transfers.tests.conftest import add_school, open_transfer_windows

    settings.MEDIA_ROOT = tmp_path / "files"
    settings.XUEJI_BACKUP_DIR = tmp_path / "backups"
    open_windows()
    open_transfer_windows()
    add_school(world, "tunxi_second", "tunxi", "3410021009")
    return world


def _login_page(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _api(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def _login_ok(w, client, request):
    assert _login_page(client, w.user("tunxi_primary", "registrar").username, PASSWORD).status_code == 302


def _login_fail(w, client, request):
    assert _login_page(client, w.user("tunxi_primary", "registrar").username, "wrong").status_code == 200


def _lock_prepare(w, client, request):
    from django.conf import settings

    for _ in range(settings.XUEJI_ACCOUNT_FAILURE_LIMIT):
        _login_page(client, w.user("tunxi_primary", "leader").username, "wrong")


def _login_locked(w, client, request):
    assert _login_page(client, w.user("tunxi_primary", "leader").username, PASSWORD).status_code in (200, 403)


def _logout_prepare(w, client, request):
    client.force_login(w.user("tunxi_primary", "registrar"))


def _logout(w, client, request):
    assert client.post(reverse("accounts:logout")).status_code == 302


def _mfa_prepare(w, client, request):
    from xueji.accounts.tests.test_second_factor import _enrolled

    request.getfixturevalue("monkeypatch").undo()  # the real second-factor rule (the suite assumes it proved)
    leader = w.user("tunxi", "leader")
    request.node.device, _codes = _enrolled(leader)
    assert _login_page(client, leader.username, PASSWORD).status_code == 302


def _mfa_ok(w, client, request):
    from xueji.accounts.tests.test_second_factor import _code

    assert client.post(reverse("accounts:mfa_verify"), {"code": _code(request.node.device)}).status_code == 302


def _mfa_fail(w, client, request):
    from xueji.accounts.tests.test_second_factor import _code

    wrong = "123456" if _code(request.node.device) != "123456" else "654321"
    assert client.post(reverse("accounts:mfa_verify"), {"code": wrong}).status_code == 200


def _password_change(w, client, request):
    client.force_login(w.user("tunxi_primary", "registrar"))
    new = {"new_password": "Better#2027pw", "new_password2": "Better#2027pw"}
    assert client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, **new}).status_code == 302


def _password_reset(w, client, request):
    from xueji.accounts.services import user_reset_password

    user_reset_password(actor=w.user("tunxi", "sysadmin"), user=w.user("tunxi_primary", "leader"),
                        new_password="Reset#2027pw")


def _denied(w, client, request):
    client.force_login(w.user("tunxi_primary", "registrar"))
    assert client.get(reverse("accounts:user_list")).status_code == 403


def _unmask(w, client, request):
    client.force_login(w.user("tunxi_primary", "registrar"))
    url = f"/api/v1/students/{w.students['tunxi_primary'].pk}/unmask/"
    assert _api(client, url, {"reason": "核对转学材料"}).status_code == 200


def _search(w, client, request):
    client.force_login(w.user("tunxi", "leader"))
    assert client.get("/api/v1/students/?q=学生").status_code == 200


def _export(w, client, request):
    from xueji.jobs.services import job_run

    client.force_login(w.user("tunxi_primary", "registrar"))
    response = _api(client, "/api/v1/students/export/", {"school": w.schools["tunxi_primary"].pk})
    assert response.status_code == 202, response.content
    job_run(response.json()["id"])


def _import(w, client, request):
    from xueji.exchange.services import import_start
    from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
    from xueji.jobs.services import job_run

    rows = [pupil(n, class_name=w.classes["tunxi_primary"].display_name) for n in range(2)]
    batch = import_start(actor=w.user("tunxi_primary", "registrar"), school=w.schools["tunxi_primary"],
                         upload=upload("学生.csv", csv_bytes(rows)))
    job_run(batch.job_id)


def _submitted(w):
    from xueji.registration.services import registration_submit
    from xueji.registration.tests.test_flow import enter

    students = enter(w, 1)
    return registration_submit(actor=w.user("tunxi_primary", "registrar"), kind="enrolled",
                               student_ids=[s.pk for s in students])


def _decide_prepare(w, client, request):
    request.node.filed = _submitted(w)
    client.force_login(w.user("tunxi_primary", "leader"))


def _approve(w, client, request):
    url = reverse("api:request-decide", kwargs={"pk": request.node.filed.pk})
    assert _api(client, url, {"approve": True}).status_code == 200


def _reject(w, client, request):
    url = reverse("api:request-reject", kwargs={"pk": request.node.filed.pk})
    response = _api(client, url, {"comment": "材料不全"})
    assert response.status_code == 200, response.content


def _return(w, client, request):
    url = reverse("api:request-decide", kwargs={"pk": request.node.filed.pk})
    assert _api(client, url, {"approve": False, "comment": "材料不全"}).status_code == 200


def _transfer(w, client, request):
    from xueji.transfers.tests.helpers import file_transfer

    file_transfer(w, "tunxi_second")


def _role_change(w, client, request):
    client.force_login(w.user("tunxi", "security"))
    url = f"/api/v1/security/users/{w.user('tunxi_primary', 'leader').pk}/roles/"
    assert _api(client, url, {"roles": ["leader", "registrar"]}).status_code == 200


def _config_change(w, client, request):
    from xueji.policy.services import setting_set

    setting_set(actor=w.user("anhui", "sysadmin"), key="export.approval_rows", value=500)


def _audit_query(w, client, request):
    client.force_login(w.user("tunxi", "auditor"))
    assert client.get("/api/v1/audit-events/?action=auth.login").status_code == 200


def _backup_failed(w, client, request):
    """A backup that fails (the disk is full) is audited too: one failed row."""
    from xueji.core.errors import XuejiError
    from xueji.ops import backups, services

    with mock.patch.object(backups, "make", side_effect=backups.BackupError("no space left on device")), \
            pytest.raises(XuejiError):
        services.backup_create(reason="catalogue")


def _restore(w, client, request):
    from xueji.ops import services

    services.restore_record(result={"name": "catalogue", "tables": 0, "files": 0})


# (event, action code, success, prepare, act)
CATALOGUE = [
    ("login ok", "auth.login", True, None, _login_ok),
    ("login failed", "auth.login_failed", False, None, _login_fail),
    ("login while locked", "auth.locked_out", False, _lock_prepare, _login_locked),
    ("logout", "auth.logout", True, _logout_prepare, _logout),
    ("MFA verified", "mfa.verify", True, _mfa_prepare, _mfa_ok),
    ("MFA failed", "mfa.verify_failed", False, _mfa_prepare, _mfa_fail),
    ("password change", "user.password_change", True, None, _password_change),
    ("password reset", "user.password_reset", True, None, _password_reset),
    ("permission denied", "access.denied", False, None, _denied),
    ("view of unmasked PII", "student.unmask", True, None, _unmask),
    ("search", "student.search", True, None, _search),
    ("export", "student.export", True, None, _export),
    ("import", "student.import", True, None, _import),
    ("approve", "request.approve", True, _decide_prepare, _approve),
    ("reject", "request.reject", True, _decide_prepare, _reject),
    ("return for correction", "request.return", True, _decide_prepare, _return),
    ("transfer (转学)", "transfer.file", True, None, _transfer),
    ("role change", "user.roles", True, None, _role_change),
    ("config change", "policy.setting", True, None, _config_change),
    ("audit query", "audit.query", True, None, _audit_query),
    ("backup (failed)", "ops.backup", False, None, _backup_failed),
    ("restore", "ops.restore", True, None, _restore),
]


@pytest.mark.parametrize(("event", "action", "success", "prepare", "act"), CATALOGUE,
                         ids=[c[0] for c in CATALOGUE])
def test_each_event_type_writes_exactly_one_audit_row(scene, client, request, event, action, success, prepare, act):
    if prepare is not None:
        prepare(scene, client, request)
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    act(scene, client, request)

    rows = list(AuditEvent.objects.filter(id__gt=mark, action=action))
    assert len(rows) == 1, (event, [(r.action, r.success) for r in AuditEvent.objects.filter(id__gt=mark)])
    assert rows[0].success is success, event
    assert rows[0].request_id, event


def test_the_catalogue_names_every_event_type_of_the_control():
    """SECURITY.md row 12 lists these; a case removed from the catalogue fails here."""
    named = {c[0].split(" (")[0] for c in CATALOGUE}
    assert {"login ok", "login failed", "login while locked", "logout", "MFA verified", "MFA failed",
            "password change", "password reset", "permission denied", "view of unmasked PII", "search", "export",
            "import", "approve", "reject", "transfer", "role change", "config change", "audit query", "backup",
            "restore"} <= named
