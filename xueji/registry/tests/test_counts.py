"""The pupil counts (registry/counts.py): kept by the door in the same transaction as each change, per class, per
school and per county, they agree with a fresh COUNT after any mix of door operations (SQLite and PostgreSQL, the
COPY path too); the rebuild command finds and mends a difference; two transactions changing the same class's
counts lose no update, and two moving pupils between the same schools of two counties in opposite directions
neither deadlock nor lose one (PostgreSQL, real parallel connections); the jurisdiction's totals are SUMs over
the coarsest rows that answer them (an authority's over its counties' rows)."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from xueji.core import paging
from xueji.registry import counts
from xueji.registry.choices import RegStatus, StudentStatus
from xueji.registry.models import CountyStudentCount, SchoolStudentCount, Student, StudentCount
from xueji.registry.selectors import student_count, student_list
from xueji.registry.services import (
    COPY_MIN_ROWS,
    student_correct,
    student_delete,
    student_delete_draft,
    student_place,
    student_set_status,
    student_take_over,
    students_insert,
    students_registration_approve,
    students_registration_release,
    students_registration_submit,
)
from xueji.registry.validation import CleanStudent
from xueji.schools.models import SchoolClass


def _clean(i: int, **items) -> CleanStudent:
    return CleanStudent(student={"name": f"计数{i}", "sex": "1", "birth_date": dt.date(2017, 5, 1 + i % 28),
                                 **items})


def _agree():
    assert counts.differences() == {}


def _enter(school, klass, n, start=0, **items) -> list[int]:
    return students_insert(school=school, rows=[(klass, _clean(start + i, **items)) for i in range(n)])


@pytest.mark.django_db
def test_the_counts_agree_with_a_fresh_count_after_every_door(world):
    _agree()  # the world's pupils, counted by the rebuild
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    registrar, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    second = SchoolClass.objects.create(school=school, stage=klass.stage, cohort_year=klass.cohort_year, number=2)

    drafts = _enter(school, klass, 4)
    drafts += _enter(school, None, 2, start=10)  # pupils without a class: the school's row
    _agree()
    copied = _enter(school, second, COPY_MIN_ROWS + 3, start=100)  # the COPY path on PostgreSQL
    _agree()
    assert StudentCount.objects.get(school=school, class_key=second.pk, status="01", reg_status="draft").n == 23
    assert CountyStudentCount.objects.get(county=world.units["tunxi"], status="01", reg_status="draft").n == 29

    students_registration_submit(actor=registrar, student_ids=drafts[:3], request_id=901)
    students_registration_approve(actor=county, request_id=901)
    students_registration_submit(actor=registrar, student_ids=[drafts[3], *copied[:5]], request_id=902)
    _agree()
    students_registration_release(actor=registrar, request_id=902)
    _agree()

    pupil = world.students["tunxi_primary"]
    student_set_status(actor=county, student=pupil, status=StudentStatus.SUSPENDED)
    _agree()
    student_set_status(actor=county, student=pupil.pk, status=StudentStatus.RESUMED)
    student_place(actor=county, student=pupil.pk, school_class=second)
    _agree()
    other = world.students["shexian_primary"]
    student_set_status(actor=county, student=other, status=StudentStatus.WITHDRAWN)
    student_take_over(actor=county, student=other.pk, school_class=klass)  # another school's class: moved
    _agree()

    student_delete_draft(actor=registrar, student=Student.objects.get(pk=drafts[4]))
    student_correct(actor=registrar, student=Student.objects.get(pk=drafts[5]), clean=_clean(55), school_class=second)
    _agree()
    student_delete(actor=county, student=Student.objects.get(pk=drafts[0]))
    _agree()
    for table in (StudentCount, SchoolStudentCount, CountyStudentCount):
        assert table.objects.filter(n__lt=0).count() == 0


@pytest.mark.django_db
def test_a_refused_door_leaves_the_counts_as_they_were(world):
    before = counts.stored()
    with pytest.raises(Exception):  # noqa: B017, PT011 - the door's own refusal (not a draft)
        students_registration_submit(actor=world.user("tunxi_primary", "registrar"),
                                     student_ids=[world.students["tunxi_primary"].pk], request_id=903)
    assert counts.stored() == before


@pytest.mark.django_db
def test_rebuild_counts_finds_and_mends_a_difference(world, capsys):
    call_command("rebuild_counts", "--check")
    row = StudentCount.objects.get(school=world.schools["tunxi_middle"])
    StudentCount.objects.filter(pk=row.pk).update(n=row.n + 5)

    with pytest.raises(CommandError, match="1 groups differ"):
        call_command("rebuild_counts", "--check")
    call_command("rebuild_counts")

    assert "1 had differed" in capsys.readouterr().out
    assert StudentCount.objects.get(school=world.schools["tunxi_middle"]).n == row.n
    call_command("rebuild_counts", "--check")

    county = CountyStudentCount.objects.get(county=world.units["shexian"])  # a county's row alone wrong
    CountyStudentCount.objects.filter(pk=county.pk).update(n=county.n - 1)
    assert counts.differences() == {("county", county.county_id, county.path, "01", "registered"):
                                    (county.n - 1, county.n)}
    with pytest.raises(CommandError, match="1 groups differ"):
        call_command("rebuild_counts", "--check")
    call_command("rebuild_counts")
    assert CountyStudentCount.objects.get(county=world.units["shexian"]).n == county.n


@pytest.mark.django_db
def test_totals_are_sums_over_the_jurisdiction_and_a_search_is_capped(world, monkeypatch):
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    _enter(school, klass, 6)
    for name, unit in (("tunxi_primary", "tunxi_primary"), ("tunxi", "tunxi"), ("huangshan", "huangshan"),
                       ("anhui", "anhui")):
        user = world.user(unit, "registrar")
        for filters in ({}, {"reg_status": RegStatus.DRAFT}, {"status": "01", "school": school.pk},
                        {"school_class": klass.pk}, {"county": world.units["tunxi"].pk}):
            total = student_count(user=user, filters=filters)
            assert (total, total.exact) == (student_list(user=user, filters=filters).count(), True), (name, filters)
    user = world.user("anhui", "registrar")
    assert student_count(user=world.user("xuanwu", "registrar")) == 1  # another province's pupil only

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    searched = student_count(user=user, filters={"q": "计数"})
    assert (searched, searched.exact) == (3, False)  # at least 3
    few = student_count(user=user, filters={"q": "计数1"})
    assert (few, few.exact) == (1, True)


def _race(first_changes: dict, second_changes: dict) -> tuple[bool, list]:
    """Two transactions adding pupil counts on real parallel connections: the first holds its rows while the second
    tries. Whether the second waited for the first, and the errors either met (a deadlock fails one)."""
    first_wrote, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                counts.add(first_changes)
                first_wrote.set()
                release.wait(10)  # holds its row locks while the second one tries
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def second():
        try:
            first_wrote.wait(10)
            with transaction.atomic():
                counts.add(second_changes)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_wrote.wait(10)
    threads[1].join(0.5)
    waited = threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(20)
    return waited, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_on_the_same_class_lose_no_update(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need PostgreSQL")
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    key = (school.pk, klass.pk, "01", "registered")
    start = StudentCount.objects.get(school=school, class_key=klass.pk, status="01", reg_status="registered").n

    waited, errors = _race({key: 2}, {key: 3, (school.pk, klass.pk, "02", "registered"): 1})

    assert waited, "the second transaction waits for the first one's row"
    assert errors == []
    assert StudentCount.objects.get(school=school, class_key=klass.pk, status="01",
                                    reg_status="registered").n == start + 5


@pytest.mark.django_db
def test_a_total_reads_the_coarsest_rows_that_answer_it(world):
    """An authority's total is a SUM over its counties' rows (not its schools'), a school's over its own rows, a
    class's over the class's."""
    from django.test.utils import CaptureQueriesContext

    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    for unit, filters, table in (
            ("anhui", {}, "countystudentcount"), ("huangshan", {"reg_status": RegStatus.DRAFT}, "countystudentcount"),
            ("anhui", {"county": world.units["tunxi"].pk, "status": "01"}, "countystudentcount"),
            ("tunxi", {}, "countystudentcount"), ("anhui", {"school": school.pk}, "schoolstudentcount"),
            ("tunxi_primary", {}, "schoolstudentcount"), ("tunxi", {"school_class": klass.pk}, "studentcount")):
        with CaptureQueriesContext(connection) as captured:
            student_count(user=world.user(unit, "registrar"), filters=filters)
        sums = [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]]
        assert len(sums) == 1 and f'"registry_{table}"' in sums[0], (unit, filters, sums)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_moves_between_two_counties_schools_in_opposite_directions_neither_deadlock_nor_lose_one(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need PostgreSQL")
    a, b = world.schools["tunxi_primary"], world.schools["shexian_primary"]
    there = {a: (a.pk, world.classes["tunxi_primary"].pk, "01", "registered"),
             b: (b.pk, world.classes["shexian_primary"].pk, "01", "registered")}

    def county_n(name):
        return CountyStudentCount.objects.get(county=world.units[name], status="01", reg_status="registered").n

    def school_n(school):
        return SchoolStudentCount.objects.get(school=school, status="01", reg_status="registered").n

    start = {"tunxi": county_n("tunxi"), "shexian": county_n("shexian"), a: school_n(a), b: school_n(b)}

    # two pupils from tunxi to shexian; one the other way, while the first holds its rows
    waited, errors = _race({there[a]: -2, there[b]: 2}, {there[b]: -1, there[a]: 1})

    assert waited, "the second transaction waits for the first one's rows"
    assert errors == []  # a deadlock would have failed one of them
    assert (county_n("tunxi"), county_n("shexian")) == (start["tunxi"] - 1, start["shexian"] + 1)
    assert (school_n(a), school_n(b)) == (start[a] - 1, start[b] + 1)
