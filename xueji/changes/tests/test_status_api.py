"""Every kind of status change (异动) end to end through the API: the school registrar files with proof, the school
leader approves, the county where the route says; the record moves through the registry's door (status, class,
history) and a status-change record keeps the JY/T 1001 type and reason."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.changes.models import StatusChange
from xueji.changes.tests.conftest import pdf
from xueji.changes.tests.helpers import approve_all, file_change, pupil
from xueji.core import clock
from xueji.registry.models import StudentHistory
from xueji.registry.services import student_set_status
from xueji.workflow.models import Request, RequestStatus


def _suspended(world, school):
    approve_all(world, file_change(world, school, "suspend", "10"))


def _abroad(world, school):
    approve_all(world, file_change(world, school, "abroad", "30"))


def _dropped_out(world, school):
    approve_all(world, file_change(world, school, "dropout", "27", proofs=[]))


# kind, reason, school, setup, the class it names (a key of world.classes, or None), status and class after
CASES = [
    ("suspend", "10", "tunxi_primary", None, None, "02", "tunxi_primary"),
    ("resume", "10", "tunxi_primary", _suspended, "grade2b", "05", "grade2b"),
    ("repeat", "22", "tunxi_primary", None, "grade1", "01", "grade1"),
    ("skip", "01", "tunxi_primary", None, "grade3", "01", "grade3"),
    ("change_class", "99", "tunxi_primary", None, "grade2b", "01", "grade2b"),
    ("abroad", "30", "tunxi_primary", None, None, "02", "tunxi_primary"),
    ("return", "30", "tunxi_primary", _abroad, None, "05", "tunxi_primary"),
    ("dropout", "27", "tunxi_primary", None, None, "06", "tunxi_primary"),
    ("withdraw", "29", "tunxi_senior", None, None, "03", "tunxi_senior"),
    ("expel", "23", "tunxi_senior", None, None, "14", "tunxi_senior"),
    ("death", "42", "tunxi_primary", None, None, "11", "tunxi_primary"),
    ("restore", "99", "tunxi_primary", _dropped_out, None, "01", "tunxi_primary"),
    ("other", "99", "tunxi_primary", None, None, "99", "tunxi_primary"),
]


@pytest.mark.parametrize(("kind", "reason", "school", "setup", "klass", "status", "after"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_kind_end_to_end_through_the_api(scene, login, kind, reason, school, setup, klass, status, after):
    world = scene
    if setup:
        setup(world, school)
    before = pupil(world, school)
    history = StudentHistory.objects.filter(student=before).count()
    registrar = login(world.user(school, "registrar"))
    options = registrar.get(reverse("api:status-change-options", kwargs={"pk": before.pk})).json()
    offered = {o["kind"]: o for o in options}
    assert offered[kind]["possible"], offered[kind]
    body = {"kind": kind, "reason": reason, "note": "API", "proofs": [pdf()]}
    if klass:
        body["school_class"] = world.classes[klass].pk
        assert world.classes[klass].pk in [c["id"] for c in offered[kind]["classes"]]
    filed = registrar.post(reverse("api:status-change-file", kwargs={"pk": before.pk}), body)
    assert filed.status_code == 201, filed.content
    request = Request.objects.get(pk=filed.json()["id"])
    assert request.route_key == kind and filed.json()["payload"]["type"] == request.payload["type"]
    for step in request.steps.order_by("order"):
        unit = next(name for name, u in world.units.items() if u.pk == step.org_unit_id)
        decided = login(world.user(unit, step.role)).post(reverse("api:request-decide", kwargs={"pk": request.pk}),
                                                          {"approve": True}, content_type="application/json")
        assert decided.status_code == 200, decided.content
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    now = pupil(world, school)
    assert (now.status, now.school_class_id) == (status, world.classes[after].pk)
    change = StatusChange.objects.get(request=request)
    assert (change.kind, change.reason_code, change.old_status, change.new_status) == (kind, reason, before.status,
                                                                                       status)
    assert change.type_code == {"dropout": "99", "other": "99"}.get(kind, change.type_code)
    assert StudentHistory.objects.filter(student=now, request_id=request.pk).count() == (
        (status != before.status) + (now.school_class_id != before.school_class_id))
    assert StudentHistory.objects.filter(student=now).count() > history
    listed = registrar.get(reverse("api:status-change-list"), {"kind": kind}).json()
    assert request.pk in [row["request"] for row in listed["results"]]


def test_the_route_follows_the_kind(scene):
    world = scene
    change_class = file_change(world, "tunxi_primary", "change_class", "99", proofs=[],
                               school_class=world.classes["grade2b"])
    assert [(s.org_unit.code, s.role) for s in change_class.steps.all()] == [("3410021001", "leader")]
    Request.objects.filter(pk=change_class.pk).update(status=RequestStatus.WITHDRAWN)
    suspend = file_change(world, "tunxi_primary", "suspend", "10")
    assert [(s.org_unit.code, s.role) for s in suspend.steps.all()] == [("3410021001", "leader"),
                                                                         ("341002", "registrar")]


def test_a_province_routes_one_kind_its_own_way(scene):
    from xueji.policy.services import route_set
    from xueji.workflow.types import step

    world = scene
    route_set(actor=world.user("anhui", "sysadmin"), request_type="changes.status", route_key="suspend",
              steps=[step("filing_school", "leader"), step("filing_county", "registrar"),
                     step("filing_city", "registrar")])
    suspend = file_change(world, "tunxi_primary", "suspend", "10")
    assert [s.org_unit.code for s in suspend.steps.all()] == ["3410021001", "341002", "341000"]


def test_the_leader_may_name_another_class_at_the_schools_step(scene, login):
    world = scene
    request = file_change(world, "tunxi_primary", "repeat", "22", school_class=world.classes["grade1"])
    other = world.classes["grade1"].__class__.objects.create(school=world.schools["tunxi_primary"], stage="1",
                                                             cohort_year=world.classes["grade1"].cohort_year,
                                                             number=2)
    leader = login(world.user("tunxi_primary", "leader"))
    url = reverse("api:request-decide", kwargs={"pk": request.pk})
    wrong = leader.post(url, {"approve": True, "data": {"school_class": world.classes["grade3"].pk}},
                        content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_class"
    assert leader.post(url, {"approve": True, "data": {"school_class": other.pk}},
                       content_type="application/json").status_code == 200
    county = login(world.user("tunxi", "registrar"))
    refused = county.post(url, {"approve": True, "data": {"school_class": other.pk}}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "unexpected_data"
    assert county.post(url, {"approve": True}, content_type="application/json").status_code == 200
    assert pupil(world).school_class_id == other.pk


def test_abroad_keeps_the_record_for_the_provinces_period(scene):
    from xueji.policy.services import setting_set

    world = scene
    setting_set(actor=world.user("anhui", "sysadmin"), key="changes.abroad_keep_years", value=3)
    request = approve_all(world, file_change(world, "tunxi_primary", "abroad", "30",
                                             effective_date=dt.date(2024, 2, 29)))
    change = StatusChange.objects.get(request=request)
    assert change.keep_until == dt.date(2027, 2, 28) and request.result["keep_until"] == "2027-02-28"
    # A plain resumption is not how a pupil abroad comes back; after the period the return is refused too.
    with pytest.raises(Exception) as refused:
        file_change(world, "tunxi_primary", "resume", "10")
    assert refused.value.code == "abroad_return"
    StatusChange.objects.filter(pk=change.pk).update(keep_until=clock.today() - dt.timedelta(days=1))
    with pytest.raises(Exception) as refused:
        file_change(world, "tunxi_primary", "return", "30")
    assert refused.value.code == "abroad_keep_expired"


def test_a_status_changed_since_the_filing_refuses_the_approval(scene):
    world = scene
    request = file_change(world, "tunxi_primary", "suspend", "10")
    student_set_status(actor=None, student=world.students["tunxi_primary"].pk, status="06")
    from xueji.workflow.services import request_decide

    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    with pytest.raises(Exception) as refused:
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert refused.value.code == "status_not_allowed"
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and pupil(world).status == "06"


def test_the_pupils_history_and_timeline_name_the_type_and_reason(scene, login):
    world = scene
    request = approve_all(world, file_change(world, "tunxi_primary", "suspend", "10"))
    row = StudentHistory.objects.get(request_id=request.pk)
    assert (row.kind, row.old, row.new, row.reason) == ("status", "01", "02", "学籍异动 11 休学：10 疾病")
    client = login(world.user("tunxi_primary", "registrar"))
    timeline = client.get(reverse("registry:student_timeline", kwargs={"pk": world.students["tunxi_primary"].pk}))
    assert "10 疾病" in timeline.content.decode()
