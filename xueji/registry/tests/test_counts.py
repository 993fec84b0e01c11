"""The pupil counts (registry/counts.py): kept by the door in the same transaction as each change, they agree with
a fresh COUNT after any mix of door operations (SQLite and PostgreSQL, the COPY path too); the rebuild command
finds and mends a difference; two transactions changing the same class's counts lose no update (PostgreSQL, real
parallel connections); the jurisdiction's totals are SUMs over them."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from xueji.core import paging
from xueji.registry import counts
from xueji.registry.choices import RegStatus, StudentStatus
from xueji.registry.models import Student, StudentCount
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
    assert StudentCount.objects.filter(n__lt=0).count() == 0


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


@pytest.mark.django_db
def test_totals_are_sums_over_the_jurisdiction_and_a_search_is_capped(world, monkeypatch):
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    _enter(school, klass, 6)
    for name, unit in (("tunxi_primary", "tunxi_primary"), ("tunxi", "tunxi"), ("anhui", "anhui")):
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_on_the_same_class_lose_no_update(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need PostgreSQL")
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    key = (school.pk, klass.pk, "01", "registered")
    start = StudentCount.objects.get(school=school, class_key=klass.pk, status="01", reg_status="registered").n
    first_wrote, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                counts.add({key: 2})
                first_wrote.set()
                release.wait(10)  # holds its row lock while the second one tries
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def second():
        try:
            first_wrote.wait(10)
            with transaction.atomic():
                counts.add({key: 3, (school.pk, klass.pk, "02", "registered"): 1})
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_wrote.wait(10)
    threads[1].join(0.5)
    assert threads[1].is_alive(), "the second transaction waits for the first one's row"
    release.set()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert StudentCount.objects.get(school=school, class_key=klass.pk, status="01",
                                    reg_status="registered").n == start + 5
