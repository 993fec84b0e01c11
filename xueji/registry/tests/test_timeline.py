"""The pupil's timeline (issue 8, item 12) and the record as of a date (item 13): every change with its before and
after, newest first, masked per role, paged by a cursor in bounded queries; the record replayed back to a day."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xueji.core import clock
from xueji.registry.choices import ChangeKind, StudentStatus
from xueji.registry.models import NationalNumber, Student, StudentHistory
from xueji.registry.presenters import mask_national_number
from xueji.registry.selectors import student_as_of, timeline_of
from xueji.registry.services import (
    family_member_remove,
    family_member_save,
    student_place,
    student_set_status,
    student_update_items,
)
from xueji.registry.timeline import Cursor
from xueji.schools.models import SchoolClass

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3 = dt.date(2024, 9, 2), dt.date(2025, 3, 3), dt.date(2025, 9, 1)


@pytest.fixture
def lived(world):
    """A pupil entered on DAY1, whose phone, class, status and family changed on DAY2 and DAY3."""
    student = world.students["tunxi_primary"]
    registrar = world.user("tunxi_primary", "registrar")
    Student.objects.filter(pk=student.pk).update(created_at=dt.datetime(2024, 9, 1, 8, tzinfo=clock.SHANGHAI),
                                                 phone="13800000001")
    student.refresh_from_db()
    with clock.frozen(DAY1):
        NationalNumber.objects.create(number="L3410022017030100011", kind="L", student=student, issued_at=clock.now())
    with clock.frozen(DAY2):
        student_update_items(actor=registrar, student=student, items={"phone": "13900000002"},
                             detail={"birthplace": "341002"}, request_id=None)
        sister = family_member_save(actor=registrar, student=student, values={"relation": "52", "name": "母亲甲",
                                                                              "phone": "13700000003"})
    with clock.frozen(DAY3):
        NationalNumber.objects.filter(student=student).update(superseded_at=clock.now())
        NationalNumber.objects.create(number="G" + student.id_number, kind="G", student=student, issued_at=clock.now())
        student_place(actor=registrar, student=student, school_class=SchoolClass.objects.create(
            school=student.school, stage="1", cohort_year=2023, number=7))
        student_set_status(actor=registrar, student=student, status=StudentStatus.SUSPENDED, reason="病休")
        family_member_remove(actor=registrar, member=sister)
    return student


def _titles(page) -> list[str]:
    return [e["title"] for e in page.entries]


def test_the_timeline_shows_every_change_newest_first_with_before_and_after(world, lived):
    _student, page = timeline_of(user=world.user("tunxi_primary", "registrar"), pk=lived.pk)

    titles = _titles(page)
    assert titles[-1] == "学籍记录建立"  # the first event comes last
    assert titles.index("学籍状态变更") < titles.index("记录项修改")  # DAY3 before DAY2
    status = next(e for e in page.entries if e["kind"] == ChangeKind.STATUS)
    assert status["changes"] == [{"key": "status", "label": "学生当前状态", "before": "在读", "after": "休学"}]
    assert status["note"] == "病休" and status["actor"] == "tunxi_primary registrar"
    items = next(e for e in page.entries if e["kind"] == ChangeKind.ITEMS)
    by_label = {c["label"]: (c["before"], c["after"]) for c in items["changes"]}
    assert by_label["联系电话"] == ("13800000001", "13900000002")
    assert by_label["出生地"] == ("—", "安徽省黄山市屯溪区")  # a region by its name, never its code
    number = next(e for e in page.entries if e["kind"] == "number" and e["changes"][0]["before"] != "—")
    assert number["changes"][0]["before"] == "L3410022017030100011"
    assert number["changes"][0]["after"] == mask_national_number("G" + lived.id_number)  # control 29: masked
    placement = next(e for e in page.entries if e["kind"] == ChangeKind.PLACEMENT)
    assert {c["label"]: c["after"] for c in placement["changes"]}["班级"] == "2023级7班"
    family = [e["title"] for e in page.entries if e["kind"] == ChangeKind.FAMILY]
    assert family == ["删除家庭成员：母亲甲", "新增家庭成员：母亲甲"]


def test_a_leader_reads_the_timeline_masked(world, lived):
    _student, page = timeline_of(user=world.user("tunxi_primary", "leader"), pk=lived.pk)

    text = repr(page.entries)
    assert "13900000002" not in text and "13800000001" not in text and lived.id_number not in text
    assert "139****0002" in text


def test_the_timeline_of_a_pupil_outside_the_jurisdiction_is_not_found(world, lived):
    from xueji.core.errors import NotFound

    with pytest.raises(NotFound):
        timeline_of(user=world.user("xuanwu_primary", "registrar"), pk=lived.pk)


def _long_history(student, rows: int) -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    Student.objects.filter(pk=student.pk).update(created_at=start - dt.timedelta(days=400))
    StudentHistory.objects.bulk_create([
        StudentHistory(student=student, kind=ChangeKind.ITEMS, changes={"phone": [f"1380000{n:04d}",
                                                                                  f"1380000{n + 1:04d}"]},
                       at=start + dt.timedelta(hours=n // 3)) for n in range(rows)])  # three rows share each moment


def test_paging_walks_a_long_history_once_in_order_at_the_same_cost_per_page(world):
    student = world.students["tunxi_primary"]
    _long_history(student, 200)
    user = world.user("tunxi_primary", "registrar")
    timeline_of(user=user, pk=student.pk, limit=1)  # warm: the user's unit and roles
    seen, before, costs = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            _s, page = timeline_of(user=user, pk=student.pk, before=before, limit=20)
        costs.append(len(queries))
        seen.extend((e["at"], e["changes"][0]["after"] if e["changes"] else "") for e in page.entries)
        if not page.has_more:
            break
        before = page.next
    assert len(seen) == 201  # the 200 rows and the record's creation, each once
    assert len(set(seen)) == 201
    assert [at for at, _a in seen] == sorted((at for at, _a in seen), reverse=True)
    assert max(costs) == min(costs[:-1])  # the tenth page costs what the first did


def test_a_malformed_cursor_is_refused(world):
    from xueji.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        timeline_of(user=world.user("tunxi_primary", "registrar"), pk=world.students["tunxi_primary"].pk,
                    before="not-a-cursor")
    assert Cursor.parse(Cursor(clock.now(), "history", 3).token()).key == 3


# ---------------------------------------------------------------- as of a date

def test_the_record_as_of_a_date_is_the_record_replayed_back(world, lived):
    user = world.user("tunxi_primary", "registrar")
    current = Student.objects.get(pk=lived.pk)

    then = student_as_of(user=user, pk=lived.pk, date=DAY1 + dt.timedelta(days=10))

    assert then.exists and then.changes_undone == 5
    assert then.student.phone == "13800000001" and then.student.status == StudentStatus.ENROLLED
    assert then.student.school_class_id == world.classes["tunxi_primary"].pk != current.school_class_id
    assert then.student.national_number == "L3410022017030100011"
    assert then.detail.birthplace == ""
    assert [m.name for m in then.family] == ["家长1"]
    middle = student_as_of(user=user, pk=lived.pk, date=DAY2)
    assert middle.student.phone == "13900000002" and middle.detail.birthplace == "341002"
    assert sorted(m.name for m in middle.family) == ["家长1", "母亲甲"]
    assert middle.student.national_number == "L3410022017030100011"
    now = student_as_of(user=user, pk=lived.pk, date=clock.today())
    assert now.changes_undone == 0 and now.student.status == StudentStatus.SUSPENDED
    assert Student.objects.get(pk=lived.pk).phone == "13900000002"  # nothing saved


def test_before_the_record_existed_there_is_nothing(world, lived):
    then = student_as_of(user=world.user("tunxi_primary", "registrar"), pk=lived.pk, date=dt.date(2024, 8, 31))
    assert not then.exists and then.student is None


def test_the_as_of_record_costs_the_same_for_a_long_history(world, django_assert_max_num_queries):
    student = world.students["tunxi_primary"]
    _long_history(student, 200)
    user = world.user("tunxi_primary", "registrar")
    with django_assert_max_num_queries(7):  # the pupil, its history rows, the graduations' rows, the number, ...
        then = student_as_of(user=user, pk=student.pk, date=dt.date(2023, 12, 31))
    assert then.changes_undone == 200 and then.student.phone == "13800000000"


def test_verification_checks_and_requests_show_on_the_timeline(world, lived):
    from xueji.verification.models import VerificationBatch, VerificationItem

    county = world.user("tunxi", "registrar")
    batch = VerificationBatch.objects.create(org_unit=county.org_unit, mode="file", created_by=county,
                                             created_at=clock.now(), status="sent")
    VerificationItem.objects.create(batch=batch, student=lived, id_number=lived.id_number, name=lived.name)
    answered = VerificationItem.objects.create(
        batch=VerificationBatch.objects.create(org_unit=county.org_unit, mode="adapter", created_by=county,
                                               created_at=clock.now(), status="done"),
        student=lived, id_number=lived.id_number, name=lived.name, result="verified", answered_at=clock.now())

    _student, page = timeline_of(user=world.user("tunxi_primary", "leader"), pk=lived.pk)

    checks = [e for e in page.entries if e["kind"] == "verification"]
    assert {e["title"] for e in checks} == {"身份核查：核验通过", "身份核验：已报送人口库，等待结果"}
    assert all(lived.id_number not in e["note"] and lived.name in e["note"] for e in checks)
    assert answered.pk
