"""The function switches and the narrowed windows change what is allowed: registration closed for a stage, a
county's narrower window, deleting a record with a formal national number, the status-change types of a stage."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed
from xueji.core.messages import user_message
from xueji.policy import selectors, services
from xueji.policy.models import BusinessWindow
from xueji.policy.switches import DELETE_FORMAL, REGISTRATION_OPEN, STATUS_CHANGES
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.problems.records import record_problems
from xueji.problems.services import problem_action_file
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import enter
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_delete
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import request_decide

pytestmark = pytest.mark.django_db


def _zh(exc) -> str:
    with translation.override("zh-hans"):
        return user_message(exc)


def test_registration_closed_for_a_stage_is_refused_and_nothing_changes(world, window, login):
    drafts = enter(world, 2)
    registrar = world.user("tunxi_primary", "registrar")
    services.switch_set(actor=world.user("anhui", "sysadmin"), stage="1", key=REGISTRATION_OPEN, value=False)
    with pytest.raises(Conflict) as refused:
        registration_submit(actor=registrar, kind="enrolled", student_ids=[s.pk for s in drafts])
    assert refused.value.code == "registration_closed"
    assert _zh(refused.value) == "本省小学新生注册未开放。"
    assert not Request.objects.exists()
    assert set(Student.objects.filter(pk__in=[s.pk for s in drafts]).values_list("reg_status", flat=True)) == {
        RegStatus.DRAFT}
    page = login(registrar).post(reverse("registration:registration_submit"),
                                 {"kind": "enrolled", "student_ids": [drafts[0].pk]}, follow=True)
    assert "本省小学新生注册未开放。" in page.content.decode()
    # Open again, the same drafts are filed.
    services.switch_set(actor=world.user("anhui", "sysadmin"), stage="1", key=REGISTRATION_OPEN, value=True)
    assert registration_submit(actor=registrar, kind="enrolled", student_ids=[s.pk for s in drafts])


def test_a_county_window_narrows_registration_for_its_schools(world, window):
    drafts = enter(world, 1)
    today = clock.today()
    registrar = world.user("tunxi_primary", "registrar")
    services.window_set(actor=world.user("tunxi", "sysadmin"), kind="registration.enrolled",
                        start_date=today + dt.timedelta(days=2), end_date=today + dt.timedelta(days=4))
    with pytest.raises(ValidationFailed) as refused:
        registration_submit(actor=registrar, kind="enrolled", student_ids=[drafts[0].pk])
    assert refused.value.code == "outside_business_window"
    assert "tunxi authority设定的业务时间" in _zh(refused.value)
    assert drafts[0].__class__.objects.get(pk=drafts[0].pk).reg_status == RegStatus.DRAFT
    # The county edits its window to include today: registration goes through.
    narrow = BusinessWindow.objects.get(org_unit=world.units["tunxi"])
    services.window_update(actor=world.user("tunxi", "sysadmin"), window=narrow, start_date=today)
    assert registration_submit(actor=registrar, kind="enrolled", student_ids=[drafts[0].pk])


def _formal_problem(world):
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    Student.objects.filter(pk=student.pk).update(national_number="G" + student.id_number)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={student.id_number: [student.pk]},
                    source="verification")
    return Problem.objects.get(), Student.objects.get(pk=student.pk)


def test_a_record_with_a_formal_number_is_deleted_only_where_the_province_allows(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    problem, student = _formal_problem(world)
    registrar = world.user("tunxi_primary", "registrar")
    with pytest.raises(Conflict) as refused:
        problem_action_file(actor=registrar, problem=problem, action="delete", reason="重复建籍")
    assert refused.value.code == "formal_number_delete_off"
    assert _zh(refused.value) == (f"该学籍已有正式学籍号 G{student.id_number}，"
                                  "本省不允许删除小学已有正式学籍号的学籍。")
    assert not Request.objects.exists()
    # The door refuses too, whatever the path.
    with pytest.raises(Conflict):
        student_delete(actor=registrar, student=student)
    assert Student.objects.filter(pk=student.pk).exists()
    # Allowed for primary pupils: filed and approved, the record goes.
    province = world.user("anhui", "sysadmin")
    services.switch_set(actor=province, stage="1", key=DELETE_FORMAL, value=True)
    request = problem_action_file(actor=registrar, problem=problem, action="delete", reason="重复建籍")
    # Switched off again while the request is in flight: the approval's deletion is refused, nothing deleted.
    services.switch_set(actor=province, stage="1", key=DELETE_FORMAL, value=False)
    with pytest.raises(Conflict):
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert Student.objects.filter(pk=student.pk).exists()
    assert Request.objects.get(pk=request.pk).status == RequestStatus.PENDING
    services.switch_set(actor=province, stage="1", key=DELETE_FORMAL, value=True)
    request = request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert request.status == RequestStatus.APPROVED and not Student.objects.filter(pk=student.pk).exists()


def test_a_record_with_a_temporary_number_is_deleted_whatever_the_switch(world):
    student = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    Student.objects.filter(pk=student.pk).update(national_number="L3410022017030100001")
    student.refresh_from_db()
    assert selectors.deletion_refusal(student=student) is None
    student_delete(actor=world.user("tunxi", "registrar"), student=student)
    assert not Student.objects.filter(pk=student.pk).exists()


def test_status_change_types_follow_the_stage_switch(world):
    with pytest.raises(Conflict) as refused:
        selectors.status_change_type_require(province_code="340000", stage="2", type_code="31")
    assert refused.value.code == "status_change_off" and _zh(refused.value) == "本省初中不允许办理“退学”。"
    selectors.status_change_type_require(province_code="340000", stage="3", type_code="31")
    services.switch_set(actor=world.user("anhui", "sysadmin"), stage="3", key=STATUS_CHANGES, value=["11", "12"])
    with pytest.raises(Conflict):
        selectors.status_change_type_require(province_code="340000", stage="3", type_code="31")
    assert selectors.status_change_types_allowed(province_code="340000", stage="3") == {"11", "12"}
