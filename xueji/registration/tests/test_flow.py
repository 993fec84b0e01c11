import datetime as dt

import pytest

from xueji.core import clock, idnumbers
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.policy.models import BusinessWindow
from xueji.registration.services import registration_submit
from xueji.registry.models import NationalNumber, RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.workflow.models import RequestStatus, StepStatus
from xueji.workflow.services import request_decide, request_reject, request_resubmit, request_withdraw


def pupil_row(n: int, **over) -> dict:
    birth = dt.date(2016, 5, 1 + n % 28)
    row = {"class_name": "", "name": f"张{'一二三四五六七八九'[n % 9]}", "sex": "1", "birth_date": birth.isoformat(),
           "birthplace": "341002", "native_place": "341002", "ethnic": "01", "nationality": "CHN", "id_type": "1",
           "id_number": idnumbers.make("341002", birth, 101 + 2 * n), "gatqw": "00", "health": "10",
           "hukou_location": "341002", "hukou_nature": "1", "entry_date": "202209", "admission_mode": "11",
           "study_mode": "1", "address": "屯溪路1号", "mailing_address": "屯溪路1号", "family_address": "屯溪路1号",
           "phone": "13800001111", "postcode": "245000", "is_only_child": "否", "had_preschool": "是",
           "guardian1.name": "张父", "guardian1.relation": "51", "guardian1.phone": "13900001111"}
    row.update(over)
    return row


def enter(world, n=1, offset=0):
    registrar = world.user("tunxi_primary", "registrar")
    school = world.schools["tunxi_primary"]
    out = []
    for i in range(offset, offset + n):
        clean, errors = validate_row(pupil_row(i), today=clock.today(), require_class=False)
        assert not errors
        out.append(student_enter(actor=registrar, school=school, school_class=world.classes["tunxi_primary"],
                                 clean=clean))
    return out


def test_registration_end_to_end(world, window):
    students = enter(world, 3)
    registrar = world.user("tunxi_primary", "registrar")
    request = registration_submit(actor=registrar, kind="enrolled", student_ids=[s.pk for s in students])
    assert Student.objects.filter(registration_request_id=request.pk, reg_status=RegStatus.PENDING).count() == 3
    with pytest.raises(Forbidden):
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    request = request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    assert request.status == RequestStatus.PENDING
    request = request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert request.status == RequestStatus.APPROVED
    assert request.result["registered"] == 3
    for student in Student.objects.filter(pk__in=[s.pk for s in students]):
        assert student.reg_status == RegStatus.REGISTERED
        assert student.national_number.startswith("L341002")
        assert NationalNumber.objects.filter(student=student, number=student.national_number).exists()
    with pytest.raises(Conflict):
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)


def test_return_correct_resubmit_and_withdraw(world, window):
    students = enter(world, 2)
    registrar = world.user("tunxi_primary", "registrar")
    request = registration_submit(actor=registrar, kind="enrolled", student_ids=[s.pk for s in students])
    with pytest.raises(ValidationFailed):
        request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=False)
    request = request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=False,
                             comment="出生地填写有误")
    assert request.status == RequestStatus.RETURNED and request.reject_reason == "出生地填写有误"
    request = request_resubmit(actor=registrar, request=request)
    assert request.round == 2
    assert request.steps.filter(round=2, order=1, status=StepStatus.PENDING).exists()
    request = request_withdraw(actor=registrar, request=request)
    assert request.status == RequestStatus.WITHDRAWN
    assert set(Student.objects.filter(pk__in=[s.pk for s in students]).values_list("reg_status", flat=True)) == {
        RegStatus.DRAFT}


def test_a_rejected_registration_gives_its_pupils_back_to_the_drafts(world, window):
    students = enter(world, 2)
    request = registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                                  student_ids=[s.pk for s in students])

    request = request_reject(actor=world.user("tunxi_primary", "leader"), request=request, comment="并非本校学生")

    assert request.status == RequestStatus.REJECTED
    assert set(Student.objects.filter(pk__in=[s.pk for s in students]).values_list(
        "reg_status", "registration_request_id")) == {(RegStatus.DRAFT, None)}


def test_outside_window_is_refused_and_window_shown(world):
    BusinessWindow.objects.create(province_code="340000", kind="registration.enrolled",
                                  start_date=dt.date(2020, 3, 1), end_date=dt.date(2020, 3, 31))
    students = enter(world, 1)
    with pytest.raises(ValidationFailed) as excinfo:
        registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                            student_ids=[students[0].pk])
    assert "2020-03-01 至 2020-03-31" in excinfo.value.message
