"""Auditors browse the audit log of their jurisdiction; every write leaves a complete row."""

import datetime as dt

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock, context
from xueji.schools import services as school_services
from xueji.schools.models import SchoolYear

IP = "192.168.7.7"


@pytest.fixture
def events(world):
    """A few events by actors across the tree, plus one system event with no org unit."""
    for unit, role, action, ip, success in [
        ("tunxi_primary", "registrar", "class.create", "10.0.0.1", True),
        ("tunxi", "registrar", "school.create", "10.0.0.2", True),
        ("shexian_primary", "registrar", "class.create", "10.0.0.3", True),
        ("xuanwu_primary", "registrar", "class.create", "10.0.0.4", True),
        ("tunxi_primary", "leader", "auth.login_failed", "10.0.0.1", False),
    ]:
        token = context.bind(context.RequestContext(request_id="seed", ip=ip))
        try:
            audit_record(actor=world.user(unit, role), action=action, object_repr=f"{unit} {action}",
                         success=success)
        finally:
            context.reset(token)
    audit_record(actor=None, username="nobody", action="auth.login_failed", success=False)
    return world


def _actions(client, query=""):
    response = client.get(f"/api/v1/audit-events/?page_size=500{query}")
    assert response.status_code == 200, response.content
    # (the auditor's own sign-in is in the log too; leave it out)
    return sorted((e["actor_username"], e["action"]) for e in response.json()["results"]
                  if not e["actor_username"].endswith("_auditor"))


def test_a_county_auditor_sees_the_events_of_its_county_only(events, login):
    client = login(events.user("tunxi", "auditor"))

    assert _actions(client) == [
        ("tunxi_primary_leader", "auth.login_failed"),
        ("tunxi_primary_registrar", "class.create"),
        ("tunxi_registrar", "school.create"),
    ]


def test_a_school_auditor_sees_its_school_only(events, login):
    client = login(events.user("tunxi_primary", "auditor"))

    assert {actor for actor, _action in _actions(client)} == {"tunxi_primary_registrar", "tunxi_primary_leader"}


def test_a_province_auditor_sees_its_subtree_and_system_events(events, login):
    client = login(events.user("anhui", "auditor"))

    actions = _actions(client)

    assert ("nobody", "auth.login_failed") in actions
    assert ("shexian_primary_registrar", "class.create") in actions
    assert not [a for a in actions if a[0].startswith("xuanwu")]


def test_another_province_sees_none_of_anhui(events, login):
    client = login(events.user("jiangsu", "auditor"))

    assert not [a for a in _actions(client) if a[0].startswith(("tunxi", "shexian"))]
    assert ("xuanwu_primary_registrar", "class.create") in _actions(client)


def test_an_event_outside_the_jurisdiction_answers_404(events, login):
    client = login(events.user("tunxi", "auditor"))
    outside = AuditEvent.objects.get(actor_username="shexian_primary_registrar")
    inside = AuditEvent.objects.get(actor_username="tunxi_registrar")

    assert client.get(f"/api/v1/audit-events/{outside.pk}/").status_code == 404
    detail = client.get(f"/api/v1/audit-events/{inside.pk}/").json()
    assert (detail["action"], detail["ip"], detail["request_id"]) == ("school.create", "10.0.0.2", "seed")


@pytest.mark.parametrize(("query", "expected"), [
    ("&action=class.", [("tunxi_primary_registrar", "class.create")]),
    ("&actor=tunxi_reg", [("tunxi_registrar", "school.create")]),
    ("&ip=10.0.0.1", [("tunxi_primary_leader", "auth.login_failed"), ("tunxi_primary_registrar", "class.create")]),
    ("&success=false", [("tunxi_primary_leader", "auth.login_failed")]),
    ("&success=true&action=school", [("tunxi_registrar", "school.create")]),
])
def test_auditors_filter_events(events, login, query, expected):
    client = login(events.user("tunxi", "auditor"))

    assert _actions(client, query) == expected


def test_auditors_filter_by_date(events, login):
    client = login(events.user("tunxi", "auditor"))
    with clock.shifted(dt.timedelta(days=3)):
        audit_record(actor=events.user("tunxi", "registrar"), action="later.event")
    today = clock.today()

    assert ("tunxi_registrar", "later.event") not in _actions(client, f"&until={today}")
    assert _actions(client, f"&since={today + dt.timedelta(days=1)}") == [("tunxi_registrar", "later.event")]
    assert _actions(client, f"&since={today}&until={today + dt.timedelta(days=3)}").__len__() == 4


@pytest.mark.parametrize("query", ["since=yesterday", "until=2026-13-01", "ip=not-an-ip", "success=maybe"])
def test_malformed_filters_answer_400(events, login, query):
    client = login(events.user("tunxi", "auditor"))

    response = client.get(f"/api/v1/audit-events/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["details"]) == [query.split("=")[0]]


# What every write records ----------------------------------------------------------------------------


def test_a_class_created_through_the_api_is_audited_completely(world, login):
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.post("/api/v1/classes/", {"school": world.schools["tunxi_primary"].pk, "stage": "1",
                                                "cohort_year": 2024, "number": 3, "head_teacher": "李老师"},
                           content_type="application/json", REMOTE_ADDR=IP)

    assert response.status_code == 201
    event = AuditEvent.objects.get(action="class.create")
    assert event.actor == world.user("tunxi_primary", "registrar")
    assert event.org_unit == world.units["tunxi_primary"]
    assert event.org_path == world.units["tunxi_primary"].path
    assert (event.object_type, event.object_id, event.object_repr) == (
        "schools.schoolclass", str(response.json()["id"]), "2024级3班")
    assert event.after["head_teacher"] == "李老师" and event.after["number"] == 3
    assert (event.ip, event.request_id) == (IP, response["X-Request-ID"])
    assert abs(event.created_at - clock.now()) < dt.timedelta(minutes=1)


def test_switching_the_school_year_records_before_and_after(world, login):
    start = SchoolYear.objects.get(is_current=True).start_year
    year = SchoolYear.objects.create(start_year=start + 1, start_date=dt.date(start + 1, 9, 1),
                                     end_date=dt.date(start + 2, 8, 31))
    client = login(world.user("anhui", "registrar"))

    response = client.post(f"/api/v1/school-years/{year.pk}/set-current/", REMOTE_ADDR=IP)

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="school_year.set_current")
    assert event.before == {"current": f"{start}-{start + 1}"}
    assert event.after == {"current": f"{start + 1}-{start + 2}"}
    assert (event.ip, event.request_id) == (IP, response["X-Request-ID"])


def test_a_service_that_fails_after_auditing_leaves_no_audit_row(world, monkeypatch):
    """The audit row is written in the service's own transaction: a later failure takes it back too."""

    def broken(**kwargs):
        raise RuntimeError("the second half of the service fails")

    monkeypatch.setattr(school_services, "school_year_set_current", broken)
    start = SchoolYear.objects.get(is_current=True).start_year

    with pytest.raises(RuntimeError):
        school_services.school_year_create(actor=world.user("anhui", "registrar"), start_year=start + 2,
                                          make_current=True)

    assert not SchoolYear.objects.filter(start_year=start + 2).exists()
    assert not AuditEvent.objects.filter(action="school_year.create").exists()


def test_a_browser_login_is_audited(world):
    user = world.user("tunxi_primary", "registrar")
    request = RequestFactory().post("/login/", REMOTE_ADDR=IP)
    request.session = SessionStore()
    token = context.bind(context.RequestContext(request_id="login-1", ip=IP))
    try:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    finally:
        context.reset(token)

    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.ip, event.request_id, event.success) == (user, IP, "login-1", True)
