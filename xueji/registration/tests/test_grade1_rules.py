"""The grade-1 rules (entry age, grade-1 window) hold whatever the kind of registration; they are checked when
the school files (submit and resubmit), not again at approval (the decision is in grade1_rules_require)."""

import datetime as dt

import pytest

from xueji.core import clock, idnumbers
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy.models import BusinessWindow, FunctionSwitch
from xueji.registration.services import registration_submit, returning_takeover_submit
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import request_decide, request_resubmit


def _first_grade(world) -> SchoolClass:
    return SchoolClass.objects.get_or_create(school=world.schools["tunxi_primary"], stage="1",
                                             cohort_year=current_school_year_start(), number=7)[0]


def _too_young() -> dt.date:
    return dt.date(current_school_year_start() - 5, 3, 1)  # five on 31 August of the entry year


def _draft(world, klass: SchoolClass, n: int, birth: dt.date) -> Student:
    row = pupil_row(n, birth_date=birth.isoformat(), id_number=idnumbers.make("341002", birth, 101 + 2 * n))
    clean, errors = validate_row(row, today=clock.today(), require_class=False)
    assert not errors, errors
    return student_enter(actor=world.user("tunxi_primary", "registrar"), school=klass.school, school_class=klass,
                         clean=clean)


@pytest.mark.parametrize("kind", ["enrolled", "returning", "grade1"])
def test_a_first_grader_too_young_is_refused_whatever_the_kind(world, window, kind):
    pupil = _draft(world, _first_grade(world), 1, _too_young())
    with pytest.raises(ValidationFailed) as excinfo:
        registration_submit(actor=world.user("tunxi_primary", "registrar"), kind=kind, student_ids=[pupil.pk])
    assert excinfo.value.code == "entry_age" and "未满 6 周岁" in excinfo.value.message
    pupil.refresh_from_db()
    assert pupil.reg_status == RegStatus.DRAFT and pupil.registration_request_id is None
    assert not Request.objects.exists()


def test_a_first_grader_filed_as_enrolled_needs_the_grade1_window(world, window):
    BusinessWindow.objects.filter(kind="registration.grade1").delete()
    old_enough = dt.date(current_school_year_start() - 7, 3, 1)
    first_grader = _draft(world, _first_grade(world), 2, old_enough)
    with pytest.raises(ValidationFailed) as excinfo:
        registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                            student_ids=[first_grader.pk])
    assert excinfo.value.code == "outside_business_window"
    assert Student.objects.get(pk=first_grader.pk).reg_status == RegStatus.DRAFT
    # A pupil of another grade is filed as before.
    second_grader = _draft(world, world.classes["tunxi_primary"], 3, dt.date(current_school_year_start() - 8, 3, 1))
    registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                        student_ids=[second_grader.pk])
    assert Student.objects.get(pk=second_grader.pk).reg_status == RegStatus.PENDING


def test_resubmission_checks_again_and_approval_does_not(world, window):
    registrar, leader = world.user("tunxi_primary", "registrar"), world.user("tunxi_primary", "leader")
    pupil = _draft(world, world.classes["tunxi_primary"], 4, _too_young())  # grade 2: no grade-1 rules
    request = registration_submit(actor=registrar, kind="enrolled", student_ids=[pupil.pk])
    request = request_decide(actor=leader, request=request, approve=False, comment="班级有误")
    Student.objects.filter(pk=pupil.pk).update(school_class=_first_grade(world))  # corrected into grade 1
    with pytest.raises(ValidationFailed) as excinfo:
        request_resubmit(actor=registrar, request=request)
    assert excinfo.value.code == "entry_age"
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED and request.round == 1

    # Filed under the rules in force, a request is approved even if the policy tightens meanwhile.
    fine = _draft(world, _first_grade(world), 5, dt.date(current_school_year_start() - 6, 3, 1))
    request = registration_submit(actor=registrar, kind="grade1", student_ids=[fine.pk])
    FunctionSwitch.objects.update_or_create(province_code="340000", stage="1", key="registration.entry_age",
                                            defaults={"value": {"enabled": True, "min_age": 7}})
    request = request_decide(actor=leader, request=request, approve=True)
    request = request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert request.status == RequestStatus.APPROVED
    assert Student.objects.get(pk=fine.pk).reg_status == RegStatus.REGISTERED


def test_a_takeover_into_a_first_grade_class_meets_the_grade1_rules(world, window):
    away = world.students["shexian_primary"]
    Student.objects.filter(pk=away.pk).update(status="13", birth_date=_too_young())  # abroad
    away.refresh_from_db()
    with pytest.raises(ValidationFailed) as excinfo:
        returning_takeover_submit(actor=world.user("tunxi_primary", "registrar"), student=away,
                                  school_class=_first_grade(world))
    assert excinfo.value.code == "entry_age"
    assert not Request.objects.exists()
    with pytest.raises(Conflict):  # and a pupil still in school is a transfer
        returning_takeover_submit(actor=world.user("tunxi_primary", "registrar"),
                                  student=Student.objects.get(pk=world.students["yaohai_primary"].pk),
                                  school_class=world.classes["tunxi_primary"])
