"""Query-count baselines of the main pages and API lists (issue 7, item 20).

Each page is asked for with a dozen rows of its kind in view, so a query per row (an N+1) lands far above its
budget and fails here. The budgets are today's counts plus three (the counts did not move between 2 and 12
rows); lower them when a page gets cheaper, never raise one without a reason in the commit. Paths, not URL
names: the pages keep their addresses while their code moves between apps."""

import datetime as dt

import pytest

from xueji.audit.services import audit_record
from xueji.core import clock, idnumbers
from xueji.jobs.models import Job
from xueji.problems.choices import ProblemKind
from xueji.problems.records import record_problems
from xueji.regions.models import OrgKind
from xueji.regions.services import org_unit_create
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry import counts
from xueji.registry.models import FamilyMember, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.schools import tallies
from xueji.schools.models import School, SchoolClass
from xueji.testing.shared import built_once
from xueji.testing.world import build_world, open_windows

ROWS = 12  # of each kind, in view of the user who asks


@pytest.fixture(scope="module")
def crowd(django_db_setup, django_db_blocker):
    """A dozen pupils, drafts under request, classes, schools, jobs, audit events and problem records, all in
    view of tunxi_primary's registrar (and of tunxi's county for the schools); built once for the module."""
    with built_once(django_db_blocker):
        world = build_world()
        open_windows(("340000",))
        _fill(world)
        yield world


def _fill(world) -> None:
    registrar = world.user("tunxi_primary", "registrar")
    school, school_class = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    today = clock.today()
    pupils = []
    for n in range(ROWS):
        birth = dt.date(2016, 9, 1 + n)
        pupil = Student.objects.create(
            school=school, school_class=school_class, province_code="340000", name=f"群{n}",
            name_pinyin=f"qun{n}", sex="2", birth_date=birth, id_number=idnumbers.make("341002", birth, 200 + 2 * n))
        FamilyMember.objects.create(student=pupil, relation="52", name=f"母{n}", phone="13800000001")
        pupils.append(pupil)
    for n in range(ROWS):
        clean, errors = validate_row(pupil_row(n), today=today, require_class=False)
        assert not errors, errors
        draft = student_enter(actor=registrar, school=school, school_class=school_class, clean=clean)
        registration_submit(actor=registrar, kind="enrolled", student_ids=[draft.pk])
    for n in range(ROWS):
        SchoolClass.objects.create(school=school, stage=school_class.stage, cohort_year=school_class.cohort_year,
                                   number=n + 2, head_teacher="李老师")
        code = f"341002{2100 + n}"
        unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=f"屯溪第{n}小学", code=code,
                               parent=world.units["tunxi"], audit=False)
        School.objects.create(org_unit=unit, code=code, name=f"屯溪第{n}小学", county=world.units["tunxi"],
                              running_type="211", stages="1")
        Job.objects.create(kind="registry.export_students", title=f"导出{n}", created_by=registrar,
                           org_unit=registrar.org_unit, created_at=clock.now(), status="succeeded")
        audit_record(actor=registrar, action="student.view", obj=pupils[n])
    _long_history(pupils[0], registrar, HISTORY)
    _long_history(pupils[1], registrar, 8)  # the same kinds of change, a few
    _changes(world, pupils)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000",
                    groups={f"s{p.pk}": [p.pk] for p in pupils},
                    details={f"s{p.pk}": {"reason": "id_not_found"} for p in pupils}, source="verification")
    counts.rebuild()  # the pupils made above outside the door
    tallies.rebuild()  # and the schools and classes outside their services


def _changes(world, pupils) -> None:
    """A dozen status changes that took effect (the pupils dropped out: the county's dropout list) and a dozen
    record changes in approval."""
    from xueji.changes import services as changes
    from xueji.policy.models import BusinessWindow
    from xueji.workflow.services import request_decide

    today = clock.today()
    for kind in ("changes.record", "changes.status"):
        BusinessWindow.objects.get_or_create(province_code="340000", kind=kind, start_date=today - dt.timedelta(days=9),
                                             end_date=today + dt.timedelta(days=9))
    registrar = world.user("tunxi_primary", "registrar")
    for pupil in pupils:
        request = changes.status_change_file(actor=registrar, student=pupil, kind="dropout", reason="27")
        request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
        changes.record_edit(actor=registrar, student=pupil, values={"ethnic": "02"})


HISTORY = 200  # rows of the first pupil's history: its pages cost what a new pupil's do (issue 8, Speed)


def _long_history(pupil, actor, rows: int) -> None:
    """A pupil entered in 2020, then `rows` changes over the years after (items, status, family, placement), and
    two numbers."""
    from xueji.registry.models import NationalNumber, StudentHistory

    start = dt.datetime(2020, 9, 1, 8, tzinfo=clock.SHANGHAI)
    Student.objects.filter(pk=pupil.pk).update(created_at=start)
    kinds = [("items", {"phone": ["13800000001", "13800000002"]}), ("status", {}),
             ("family", {"member": 0, "action": "update", "phone": ["13700000001", "13700000002"]}),
             ("placement", {"school_class_id": [pupil.school_class_id, pupil.school_class_id]})]
    StudentHistory.objects.bulk_create([
        StudentHistory(student=pupil, kind=kinds[n % 4][0], changes=kinds[n % 4][1], old="01", new="01",
                       actor=actor, at=start + dt.timedelta(days=(7 * HISTORY // rows) * n + 1)) for n in range(rows)])
    NationalNumber.objects.create(number=f"L34100220160901{pupil.pk:05d}", kind="L", student=pupil, issued_at=start,
                                  superseded_at=start + dt.timedelta(days=400))
    NationalNumber.objects.create(number="G" + pupil.id_number, kind="G", student=pupil,
                                  issued_at=start + dt.timedelta(days=400))


# (who asks, path, at most this many queries). Detail pages take the crowd's first object of their kind.
PAGES = [
    ("tunxi_primary_registrar", "/", 25),
    ("tunxi_primary_registrar", "/students/", 21),
    ("tunxi_primary_registrar", "/students/{student}/", 21),  # +1: the record MAC checked on reading (control 23)
    # The pupil with 200 history rows (issue 8, Speed): each source of the timeline is one LIMIT query, the as-of
    # replay one streamed query; test_a_pupil_with_a_long_history_costs_what_a_new_one_does compares with 8 rows.
    ("tunxi_primary_registrar", "/students/{student}/?as_of=2022-06-01", 26),
    # (+1 each, issue 11 item 2: the signatures of the decisions shown, one query for all of them.)
    ("tunxi_primary_registrar", "/students/{student}/timeline/", 27),  # +1: the graduations (no history rows)
    ("tunxi_primary_leader", "/students/{student}/timeline/?before={cursor}", 27),
    ("tunxi_primary_leader", "/inbox/", 15),
    ("tunxi_primary_registrar", "/requests/", 19),
    ("tunxi_primary_registrar", "/requests/{request}/", 27),  # +1: its decisions' signatures
    ("tunxi_registrar", "/schools/", 17),
    ("tunxi_primary_registrar", "/classes/", 22),
    ("tunxi_primary_registrar", "/jobs/", 19),
    ("tunxi_primary_registrar", "/problems/", 23),
    ("tunxi_primary_auditor", "/audit/", 11),
    ("tunxi_primary_auditor", "/audit/chain/", 12),
    ("tunxi_primary_registrar", "/api/v1/students/", 12),
    ("tunxi_primary_registrar", "/api/v1/students/{student}/", 13),
    ("tunxi_primary_registrar", "/api/v1/students/{student}/timeline/", 22),  # +1 signatures, +1 graduations
    ("tunxi_primary_registrar", "/api/v1/students/{student}/as-of/?date=2022-06-01", 13),
    ("tunxi_primary_leader", "/api/v1/inbox/", 12),
    ("tunxi_primary_registrar", "/api/v1/requests/", 12),
    ("tunxi_primary_registrar", "/api/v1/requests/{request}/", 14),
    ("tunxi_registrar", "/api/v1/schools/", 12),
    ("tunxi_primary_registrar", "/api/v1/classes/", 13),
    ("tunxi_primary_registrar", "/api/v1/jobs/", 12),
    ("tunxi_primary_registrar", "/api/v1/problems/", 14),
    ("tunxi_primary_auditor", "/api/v1/audit-events/", 12),
    ("tunxi_primary_registrar", "/changes/requests/", 22),
    ("tunxi_primary_registrar", "/changes/status-changes/", 22),
    ("tunxi_registrar", "/changes/dropouts/", 18),
    ("tunxi_primary_registrar", "/students/{student}/edit/", 25),
    ("tunxi_primary_registrar", "/students/{student}/family/", 18),
    ("tunxi_primary_registrar", "/students/{student}/status-change/", 17),
    ("tunxi_primary_registrar", "/api/v1/change-requests/", 12),
    ("tunxi_primary_registrar", "/api/v1/status-changes/", 12),
    ("tunxi_registrar", "/api/v1/dropouts/", 12),
    ("tunxi_primary_registrar", "/api/v1/students/{student}/status-change-options/", 13),
    # Issue 14: the same pages for a county and the province (their totals from the pupil counts, no COUNT over
    # their pupils; the filters' selects load schools and classes on demand) and the selects' endpoints.
    ("tunxi_registrar", "/", 21),
    ("anhui_registrar", "/", 21),
    ("tunxi_registrar", "/students/", 16),
    ("anhui_registrar", "/students/", 16),
    ("anhui_registrar", "/students/?school={school}", 18),
    ("anhui_registrar", "/classes/", 18),
    ("anhui_registrar", "/orgs/", 15),
    ("anhui_sysadmin", "/users/", 13),
    ("anhui_registrar", "/problems/", 22),
    ("anhui_registrar", "/api/v1/students/", 12),
    ("anhui_registrar", "/api/v1/students/?school={school}", 12),
    ("anhui_registrar", "/api/v1/schools/choices/?q=屯溪", 11),
    ("anhui_registrar", "/api/v1/classes/choices/?school={school}", 11),
    ("tunxi_primary_registrar", "/api/v1/classes/choices/", 11),
]


def _path(template: str, name: str = "群0") -> str:
    from xueji.workflow.models import Request

    student = Student.objects.filter(name=name).values_list("pk", flat=True).first()
    request = Request.objects.order_by("pk").values_list("pk", flat=True).first()
    cursor = "1735689600000000.history.999999999"  # 2025-01-01: a page from the middle of the history
    school = School.objects.filter(code="3410021001").values_list("pk", flat=True).first()
    return template.format(student=student, request=request, cursor=cursor, school=school)


@pytest.mark.parametrize(("username", "path", "budget"), PAGES, ids=[p[1] for p in PAGES])
def test_a_page_stays_within_its_query_budget(crowd, db, client, username, path, budget,
                                              django_assert_max_num_queries):
    from xueji.accounts.models import User

    client.force_login(User.objects.get(username=username))
    url = _path(path)
    assert client.get(url).status_code == 200  # warm: the session, the menu's cached counts
    with django_assert_max_num_queries(budget, info=url):
        response = client.get(url)
    assert response.status_code == 200


PUPIL_PAGES = [p for p in PAGES if "{student}" in p[1]]


@pytest.mark.parametrize(("username", "path", "budget"), PUPIL_PAGES, ids=[p[1] for p in PUPIL_PAGES])
def test_a_pupil_with_a_long_history_costs_what_a_new_one_does(crowd, db, client, username, path, budget):
    """Opening a pupil (record, family, timeline, as-of view) makes the same number of queries for 群0, with 200
    history rows, as for 群1, with 8 of the same kinds (a pupil with none makes fewer: nothing to name)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xueji.accounts.models import User
    from xueji.core import clock

    client.force_login(User.objects.get(username=username))
    counts = {}
    # One moment for all four requests: a minute turning between them would save the session once more.
    with clock.frozen(clock.now()):
        for name in ("群0", "群1"):
            url = _path(path, name)
            assert client.get(url).status_code == 200  # warm
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[name] = len(queries)
    assert counts["群0"] == counts["群1"], counts


@pytest.mark.parametrize("path", [p[1] for p in PAGES if p[1].startswith("/api/") and "{" not in p[1]])
def test_the_api_lists_hold_the_crowd(crowd, db, client, path):
    """The budgets above mean something only if each list shows its dozen rows."""
    from xueji.accounts.models import User

    username = next(p[0] for p in PAGES if p[1] == path)
    client.force_login(User.objects.get(username=username))
    assert len(client.get(path).json()["results"]) >= ROWS
