"""A full class refuses every way a pupil is placed into it (entry, import, placement, takeover, a status that
takes a seat again), in the registry's one door, with the cap and who set it in the message; nothing changes."""

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.core import clock
from xueji.core.errors import Conflict
from xueji.core.messages import user_message
from xueji.exchange.tests.conftest import csv_bytes, pupil
from xueji.exchange.tests.test_pipeline import errors_by_row, run
from xueji.policy.services import cap_set
from xueji.registration.tests.test_flow import pupil_row
from xueji.registration.tests.test_pages_registration import web_row
from xueji.registry.guards import seated_counts
from xueji.registry.models import Student, StudentStatus
from xueji.registry.services import student_enter, student_place, student_set_status, student_take_over
from xueji.registry.validation import validate_row
from xueji.schools.models import SchoolClass
from xueji.ui.tests.matrix import pupil_form

pytestmark = pytest.mark.django_db

FULL = "school 2025级1班已满：班额上限 {cap} 人（由tunxi authority设定）。"


def _clean(n):
    clean, errors = validate_row(pupil_row(n), today=clock.today(), require_class=False)
    assert not errors, errors
    return clean


def _full_class(world, cap: int = 2):
    """tunxi_primary's class with a county cap of `cap`, filled to it (the world's pupil holds one seat)."""
    klass = world.classes["tunxi_primary"]
    SchoolClass.objects.filter(pk=klass.pk).update(name="school 2025级1班")
    klass.refresh_from_db()
    cap_set(actor=world.user("tunxi", "sysadmin"), stage="1", cap=cap)
    registrar = world.user("tunxi_primary", "registrar")
    for n in range(cap - seated_counts([klass.pk]).get(klass.pk, 0)):
        student_enter(actor=registrar, school=klass.school, school_class=klass, clean=_clean(40 + n))
    assert seated_counts([klass.pk])[klass.pk] == cap
    return klass


def _zh(exc) -> str:
    with translation.override("zh-hans"):
        return user_message(exc)


def test_entry_into_a_full_class_is_refused_naming_the_cap_and_who_set_it(world):
    klass = _full_class(world)
    before = Student.objects.count()
    with pytest.raises(Conflict) as refused:
        student_enter(actor=world.user("tunxi_primary", "registrar"), school=klass.school, school_class=klass,
                      clean=_clean(60))
    assert refused.value.code == "class_full"
    assert refused.value.details == {"class": "school 2025级1班", "cap": 2, "set_by": "tunxi authority"}
    assert _zh(refused.value) == FULL.format(cap=2)
    assert Student.objects.count() == before
    # Another class of the same school, and a class without a cap, still take pupils.
    other = SchoolClass.objects.create(school=klass.school, stage="1", cohort_year=klass.cohort_year, number=2)
    student_enter(actor=world.user("tunxi_primary", "registrar"), school=klass.school, school_class=other,
                  clean=_clean(61))
    # A suspended pupil gives the seat up; the class then has room again.
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(status=StudentStatus.SUSPENDED)
    student_enter(actor=world.user("tunxi_primary", "registrar"), school=klass.school, school_class=klass,
                  clean=_clean(62))


def test_the_entry_page_and_the_api_refuse_with_words_and_a_code(world, login):
    klass = _full_class(world)
    before = Student.objects.count()
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.post(reverse("registration:student_enter"), web_row(klass, 3)).content.decode()
    assert FULL.format(cap=2) in html
    answer = client.post("/api/v1/students/enter/", pupil_form(klass, None, 7), content_type="application/json")
    assert answer.status_code == 409 and answer.json()["code"] == "class_full"
    english = client.post("/api/v1/students/enter/", pupil_form(klass, None, 8), content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert english == "school 2025级1班 is full: its class-size cap is 2 pupils (set by tunxi authority)."
    assert Student.objects.count() == before


def test_the_import_refuses_the_rows_that_would_overflow_and_writes_the_others(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    klass = world.classes["tunxi_primary"]
    cap_set(actor=world.user("tunxi", "sysadmin"), stage="1", cap=4)  # one seat taken: three left
    other = SchoolClass.objects.create(school=klass.school, stage="1", cohort_year=klass.cohort_year, number=2)
    rows = [pupil(n, class_name=klass.display_name) for n in range(5)]
    rows.append(pupil(5, class_name=other.display_name))
    rows.append(pupil(6, class_name=klass.display_name, ethnic="火星族"))  # a row with another error too
    batch = run(world.user("tunxi_primary", "registrar"), klass.school, "学生.csv", csv_bytes(rows))
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (7, 4, 3)
    errors = errors_by_row(batch)
    message = f"{klass.display_name}已满：班额上限 4 人（由tunxi authority设定）。"
    assert errors[5] == [("班级", message)] and errors[6] == [("班级", message)]  # file rows 5, 6: pupils 3, 4
    assert [column for column, _r in errors[8]] == ["民族"]  # the class still had room when it was checked
    assert seated_counts([klass.pk]) == {klass.pk: 4}
    assert not Student.objects.filter(id_number__in=[rows[3]["id_number"], rows[4]["id_number"]]).exists()
    # A second file into the now full class: every row refused, with its other errors in the same report line set.
    again = run(world.user("tunxi_primary", "registrar"), klass.school, "学生2.csv", csv_bytes(
        [pupil(7, class_name=klass.display_name), pupil(8, class_name=klass.display_name, postcode="1")]))
    assert (again.valid_rows, again.invalid_rows) == (0, 2)
    second = errors_by_row(again)
    assert second[2] == [("班级", message)]
    assert sorted(column for column, _r in second[3]) == ["班级", "邮政编码"]


def test_placement_takeover_and_resumption_need_room(world):
    klass = _full_class(world)
    registrar = world.user("tunxi", "registrar")
    elsewhere = world.students["shexian_primary"]
    where = (elsewhere.school_id, elsewhere.school_class_id)

    def still_elsewhere():
        row = Student.objects.get(pk=elsewhere.pk)
        return (row.school_id, row.school_class_id) == where

    with pytest.raises(Conflict) as placed:
        student_place(actor=registrar, student=elsewhere, school_class=klass)
    assert placed.value.code == "class_full" and _zh(placed.value) == FULL.format(cap=2)
    assert still_elsewhere()
    Student.objects.filter(pk=elsewhere.pk).update(status=StudentStatus.ABROAD_SPONSORED)
    with pytest.raises(Conflict) as taken:
        student_take_over(actor=registrar, student=elsewhere.pk, school_class=klass, request_id=1)
    assert taken.value.code == "class_full"
    assert still_elsewhere() and Student.objects.get(pk=elsewhere.pk).status == StudentStatus.ABROAD_SPONSORED
    # A suspended pupil of the full class resumes only when a seat is free.
    seated = Student.objects.filter(school_class=klass).exclude(pk=world.students["tunxi_primary"].pk).first()
    student_set_status(actor=registrar, student=seated, status=StudentStatus.SUSPENDED)
    student_enter(actor=world.user("tunxi_primary", "registrar"), school=klass.school, school_class=klass,
                  clean=_clean(70))  # the freed seat is taken by a new pupil
    with pytest.raises(Conflict) as resumed:
        student_set_status(actor=registrar, student=seated, status=StudentStatus.RESUMED)
    assert resumed.value.code == "class_full"
    assert Student.objects.get(pk=seated.pk).status == StudentStatus.SUSPENDED
    assert not seated.history.filter(new=StudentStatus.RESUMED).exists()
    # Placing a pupil in the class it already sits in needs no room; a pupil off the roll holds no seat.
    student_place(actor=registrar, student=world.students["tunxi_primary"], school_class=klass)
    Student.objects.filter(pk=elsewhere.pk).update(status=StudentStatus.WITHDRAWN)
    student_place(actor=registrar, student=elsewhere, school_class=klass)
    assert seated_counts([klass.pk])[klass.pk] == 2
