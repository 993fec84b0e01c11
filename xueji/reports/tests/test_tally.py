"""The pupil tally (reports/tally.py), kept by the registry's doors as a watcher: after registrations, a transfer
(a move to another county's class), status changes, a graduation (the bulk door), an item change (ethnic group),
an identity check and a number issued, the incrementally kept rows equal the ones `manage.py reports_rebuild`
computes from scratch (SQLite and PostgreSQL, the COPY path too); the command finds and mends a difference (the
county figures and the class-size bands too); a refused door leaves the tally as it was."""

import datetime as dt

import pytest
from django.core.management import call_command

from xueji.registry.choices import StudentStatus, VerifyStatus
from xueji.registry.models import Student
from xueji.registry.services import (
    COPY_MIN_ROWS,
    student_delete_draft,
    student_number_issue,
    student_place,
    student_set_status,
    student_update_items,
    student_verify_set,
    students_insert,
    students_registration_approve,
    students_registration_submit,
    students_set_status_bulk,
)
from xueji.registry.validation import CleanStudent
from xueji.reports import tally
from xueji.reports.models import PupilTally
from xueji.schools.models import SchoolClass


def _clean(i: int, **items) -> CleanStudent:
    return CleanStudent(student={"name": f"统计{i}", "sex": "12"[i % 2], "birth_date": dt.date(2017, 5, 1 + i % 28),
                                 "ethnic": ("01", "02", "03")[i % 3], "hukou_nature": "12"[i % 2],
                                 "is_migrant": i % 4 == 0, "is_left_behind": i % 5 == 0, **items})


def _agree():
    assert tally.differences() == {}
    assert not PupilTally.objects.filter(n__lt=0).exists()


@pytest.mark.django_db
def test_the_tally_equals_the_rebuilt_one_after_every_door(world):
    _agree()
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    registrar, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    second = SchoolClass.objects.create(school=school, stage=klass.stage, cohort_year=klass.cohort_year - 1, number=2)
    drafts = students_insert(school=school, rows=[(klass, _clean(i)) for i in range(6)])
    drafts += students_insert(school=school, rows=[(second, _clean(100 + i)) for i in range(COPY_MIN_ROWS + 2)])
    _agree()
    students_registration_submit(actor=registrar, student_ids=drafts[:8], request_id=911)
    students_registration_approve(actor=county, request_id=911)
    _agree()
    student_number_issue(actor=county, issued=[(pk, f"L34100220170501{pk:04d}", "L") for pk in drafts[:3]])
    student_verify_set(student_ids=drafts[:5], status=VerifyStatus.VERIFIED)
    _agree()
    student_update_items(actor=county, student=drafts[1], items={"ethnic": "05", "is_migrant": True})
    _agree()
    student_set_status(actor=county, student=drafts[2], status=StudentStatus.SUSPENDED)
    other_county = world.classes["shexian_primary"]
    student_place(actor=county, student=drafts[3], school_class=other_county)  # a transfer to another county
    _agree()
    students_set_status_bulk(actor=county, student_ids=drafts[4:8], old=[StudentStatus.ENROLLED],
                             status=StudentStatus.GRADUATED)
    _agree()
    student_delete_draft(actor=registrar, student=Student.objects.get(pk=drafts[-1]))
    _agree()
    # The class-size bands moved with the classes: the second class (COPY_MIN_ROWS pupils left) in its band.
    from xueji.reports.classes import band_of
    from xueji.reports.models import ClassBand

    assert ClassBand.objects.get(county=world.units["tunxi"], band=band_of(COPY_MIN_ROWS)).classes >= 1
    # The figures a dashboard reads: the new pupils of the second class, by sex.
    rows = PupilTally.objects.filter(county=world.units["tunxi"], cohort=second.cohort_year)
    assert sum(r.n for r in rows) == COPY_MIN_ROWS + 1
    assert sum(r.n for r in rows if r.sex == "1") == len([i for i in range(COPY_MIN_ROWS + 1) if i % 2 == 0])
    assert PupilTally.objects.get(county=world.units["shexian"], cohort=other_county.cohort_year,
                                  ethnic="01" if 3 % 3 == 0 else "x", sex="2").n >= 1


@pytest.mark.django_db
def test_a_refused_door_leaves_the_tally_as_it_was(world):
    before = tally.stored()
    with pytest.raises(Exception):  # noqa: B017, PT011 - the door's own refusal (not a draft)
        students_registration_submit(actor=world.user("tunxi_primary", "registrar"),
                                     student_ids=[world.students["tunxi_primary"].pk], request_id=913)
    assert tally.stored() == before


@pytest.mark.django_db
def test_reports_rebuild_finds_and_mends_a_difference(world, capsys):
    row = PupilTally.objects.filter(county=world.units["tunxi"]).first()
    PupilTally.objects.filter(pk=row.pk).update(n=row.n + 5)
    call_command("reports_rebuild", "--check")
    assert "1 groups differed" in capsys.readouterr().out
    call_command("reports_rebuild")
    _agree()


def test_a_class_of_any_size_has_a_band():
    # A class far above the last band's label (an admission run with no class-size cap configured) is in the last
    # band, as the rebuild's SQL puts it; it had raised StopIteration in the middle of an import.
    from xueji.reports.classes import BANDS, band_of

    assert band_of(0) is None
    assert [band_of(n) for n in (1, 45, 46, 65, 66, 10_000, 10_001, 250_000)] == [0, 0, 46, 56, 66, 66, 66, 66]
    assert band_of(250_000) == BANDS[-1][0]
