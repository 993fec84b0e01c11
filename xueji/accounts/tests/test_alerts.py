"""Intrusion alerts (issue 11 item 6): each detector raises exactly one alert for its pattern, to the security
administrator of the subject's level (inbox and mail), none for the benign pattern, and no duplicate when the
scan runs again over the same evidence."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from xueji.accounts import alerts
from xueji.accounts.choices import AlertKind, AlertStatus
from xueji.accounts.models import Alert, NotFoundCounter
from xueji.audit.services import audit_record
from xueji.core import clock, context
from xueji.core.errors import Forbidden, NotFound

_capture = None
NIGHT = dt.datetime(2026, 11, 30, 23, 30, tzinfo=alerts.SHANGHAI)
DAY = dt.datetime(2026, 11, 30, 14, 30, tzinfo=alerts.SHANGHAI)


def _rows(n, *, ip="10.1.1.1", actor=None, username="", action="auth.login_failed", success=True):
    for i in range(n):
        token = context.bind(context.RequestContext(request_id=f"t{i}", ip=ip(i) if callable(ip) else ip))
        try:
            audit_record(actor=actor, username=username(i) if callable(username) else username, action=action,
                         success=success, org_unit=getattr(actor, "org_unit", None))
        finally:
            context.reset(token)


@pytest.fixture
def admins(world):
    for unit in ("tunxi_primary", "tunxi", "anhui", "ministry"):
        user = world.user(unit, "security")
        user.email = f"{unit}@sec.example"
        user.save(update_fields=["email"])
    return world


@pytest.fixture(autouse=True)
def _mail_after_commit(django_capture_on_commit_callbacks):
    """The alert's mail goes after the commit: run the callbacks as a commit would."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def _scan(at=None):
    mail.outbox.clear()
    with _capture(execute=True):
        return alerts.security_scan(at)


def test_credential_stuffing(admins, settings):
    n = settings.XUEJI_ALERTS["credential_stuffing"]["threshold"]
    _rows(n - 1, username=lambda i: f"guess{i}", success=False)  # benign: a few names fail
    _rows(n * 3, ip="10.2.2.2", username="tunxi_primary_leader", success=False)  # one name many times
    assert _scan() == {"raised": 0, "extended": 0} and not Alert.objects.exists()
    _rows(1, username="tunxi_primary_registrar", success=False)  # the n-th distinct name from one address
    assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject_ip, alert.count) == (AlertKind.CREDENTIAL_STUFFING, "10.1.1.1", n)
    assert len(alert.audit_ids) == n
    assert _scan() == {"raised": 0, "extended": 1} and Alert.objects.count() == 1 and not mail.outbox


def test_one_account_from_several_addresses(admins):
    leader = admins.user("tunxi_primary", "leader")
    _rows(5, actor=leader, action="student.view", ip="10.3.3.3")
    registrar = admins.user("tunxi_primary", "registrar")
    assert _scan()["raised"] == 0
    _rows(1, actor=leader, action="student.view", ip="172.16.0.9")
    _rows(3, actor=registrar, action="student.view", ip="10.3.3.3")  # benign: one address
    assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject_user, alert.org_unit) == (AlertKind.MULTI_ADDRESS, leader,
                                                                admins.units["tunxi_primary"])
    # Delivered to the school's security administrator: mail and inbox (the alerts page, the menu count).
    assert [m.to for m in mail.outbox] == [["tunxi_primary@sec.example"]]
    assert alerts.recipients(alert.org_unit) == [admins.user("tunxi_primary", "security")]


def test_export_bursts(admins, settings):
    n = settings.XUEJI_ALERTS["export_burst"]["threshold"]
    registrar = admins.user("tunxi", "registrar")
    _rows(n - 1, actor=registrar, action="student.export")
    assert _scan()["raised"] == 0
    _rows(1, actor=registrar, action="job.download")
    assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.EXPORT_BURST and alert.org_unit == admins.units["tunxi"]
    assert [m.to for m in mail.outbox] == [["tunxi@sec.example"]]
    with clock.shifted(dt.timedelta(hours=3)):  # long after: the burst is over, nothing new
        assert _scan() == {"raised": 0, "extended": 0}


def test_out_of_hours_bulk_reads(admins, settings):
    n = settings.XUEJI_ALERTS["night_reads"]["threshold"]
    settings.XUEJI_ALERTS = {**settings.XUEJI_ALERTS, "night_reads": {"threshold": 5, "minutes": 60}}
    registrar = admins.user("tunxi_primary", "registrar")
    with clock.frozen(DAY):  # the same reads by day: no alert
        _rows(6, actor=registrar, action="student.view")
        assert _scan()["raised"] == 0
    with clock.frozen(NIGHT):
        _rows(4, actor=registrar, action="student.view")
        assert _scan()["raised"] == 0
        _rows(1, actor=registrar, action="student.card_print")
        assert _scan()["raised"] == 1
        assert _scan()["raised"] == 0
    assert Alert.objects.get().kind == AlertKind.NIGHT_READS and n > 5


def test_repeated_404_scans(admins, client, settings):
    n = settings.XUEJI_ALERTS["not_found_scan"]["threshold"]
    with clock.frozen(clock.now().replace(second=30)):  # within one minute (a run across a minute's end made two)
        for i in range(n - 1):
            assert client.get(f"/no-such-page-{i}/", REMOTE_ADDR="10.9.9.9").status_code == 404
        assert NotFoundCounter.objects.get().count == n - 1  # one compact row per address and minute
        assert _scan()["raised"] == 0
        client.get("/wp-login.php", REMOTE_ADDR="10.9.9.9")
        client.get("/favicon-missing.ico", REMOTE_ADDR="10.8.8.8")  # benign: another address, once
        assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject_ip, alert.count) == (AlertKind.NOT_FOUND_SCAN, "10.9.9.9", n)
    # An anonymous scan belongs to no unit: the top level's security administrator has it.
    assert alert.org_unit == admins.units["ministry"]
    assert [m.to for m in mail.outbox] == [["ministry@sec.example"]]


def test_the_maintenance_runs_the_detectors():
    from xueji.jobs.registry import periodic

    assert periodic()["accounts.alerts"] is alerts.security_scan


@pytest.fixture
def alert(admins):
    leader = admins.user("tunxi_primary", "leader")
    _rows(1, actor=leader, action="student.view", ip="10.3.3.3")
    _rows(1, actor=leader, action="student.view", ip="10.4.4.4")
    _scan()
    return Alert.objects.get()


def test_the_alert_pages(admins, alert, client, django_assert_max_num_queries):
    client.force_login(admins.user("tunxi", "security"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("accounts:alert_list"))
    detail = reverse("accounts:alert_detail", args=[alert.pk])
    assert response.status_code == 200 and detail in response.content.decode()
    response = client.get(reverse("accounts:alert_detail", args=[alert.pk]))
    assert response.status_code == 200 and "10.4.4.4" in response.content.decode()
    response = client.post(reverse("accounts:alert_set_status", args=[alert.pk]), {"status": "acknowledged"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.handled_by == admins.user("tunxi", "security")


@pytest.mark.parametrize("who", [("tunxi_primary", "sysadmin"), ("tunxi_primary", "auditor"), ("tunxi", "sysadmin"),
                                 ("xuanwu", "security"), ("tunxi_middle", "security")])
def test_other_roles_and_levels_cannot_handle_an_alert(admins, alert, who):
    with pytest.raises((Forbidden, NotFound)):
        alerts.alert_set_status(actor=admins.user(*who), alert=alert, status=AlertStatus.CLOSED)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.handled_by is None


def test_the_command(admins, alert):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("security_scan", stdout=out)
    assert '"extended": 1' in out.getvalue() and Alert.objects.count() == 1


def test_the_api_lists_the_alerts_of_the_jurisdiction(admins, alert, client):
    client.force_login(admins.user("tunxi", "security"))
    body = client.get("/api/v1/security/alerts/?status=open").json()
    assert [row["id"] for row in body["results"]] == [alert.pk]
    assert client.get(f"/api/v1/security/alerts/{alert.pk}/").json()["kind"] == AlertKind.MULTI_ADDRESS
    client.force_login(admins.user("xuanwu", "security"))
    assert client.get(f"/api/v1/security/alerts/{alert.pk}/").status_code == 404
    client.force_login(admins.user("tunxi", "auditor"))
    assert client.get("/api/v1/security/alerts/").status_code == 403


def test_an_id_enumeration_burst(admins, login, settings):
    """Control 19 (T-DET-01), replayed: one account opens many distinct pupils' records in a short window. Reloading
    one record many times is no burst (student.view is coalesced per pupil and hour, and counted distinct)."""

    settings.XUEJI_ALERTS = {**settings.XUEJI_ALERTS, "id_enumeration": {"threshold": 3, "minutes": 10}}
    registrar = admins.user("anhui", "registrar")
    client = login(registrar)
    pupils = [admins.students[s] for s in ("tunxi_primary", "tunxi_middle", "shexian_primary")]
    assert len(pupils) == 3
    for _ in range(5):  # benign: one pupil again and again
        assert client.get(f"/api/v1/students/{pupils[0].pk}/").status_code == 200
    assert _scan()["raised"] == 0
    client.get(f"/api/v1/students/{pupils[1].pk}/")
    client.get(reverse("registry:student_detail", args=[pupils[2].pk]))
    assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject_user, alert.count) == (AlertKind.ID_ENUMERATION, registrar, 3)
    assert len(alert.audit_ids) == 3 and alert.org_unit == admins.units["anhui"]
    assert [m.to for m in mail.outbox] == [["anhui@sec.example"]]
    assert f"/security/alerts/{alert.pk}/" in mail.outbox[0].body  # the evidence linked


def test_an_integrity_check_failure_alerts_the_top_level(admins, client):
    """Control 19 (T-DET-01), replayed: an audit row edited behind the application's back; `audit_verify` finds the
    broken link and the next scan raises one alert to the top level's security administrator, inbox and mail, with
    the failed check as evidence."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from xueji.audit.models import AuditEvent
    from xueji.audit.tests.test_chain import TABLE, _behind_the_back

    rows = [audit_record(actor=None, username="system", action="test.row", object_repr=f"row {i}") for i in range(3)]
    call_command("audit_verify")
    assert _scan()["raised"] == 0  # an intact chain: no alert
    _behind_the_back(f"UPDATE {TABLE} SET object_repr = 'forged' WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert _scan()["raised"] == 1
    alert = Alert.objects.get()
    failed = AuditEvent.objects.get(action="audit.verify", success=False)
    assert (alert.kind, alert.org_unit, alert.status) == (AlertKind.INTEGRITY_FAILURE, admins.units["ministry"],
                                                          AlertStatus.OPEN)
    assert failed.pk in alert.audit_ids
    assert [m.to for m in mail.outbox] == [["ministry@sec.example"]]
    client.force_login(admins.user("ministry", "security"))
    assert client.get(reverse("accounts:alert_detail", args=[alert.pk])).status_code == 200
    assert _scan() == {"raised": 0, "extended": 1}  # the same failure: no second alert
