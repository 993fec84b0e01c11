"""The pupil's status (学生当前状态) changes only along the transition table, with a history row and an audit event."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.core import codes
from xueji.core.errors import Conflict, ValidationFailed
from xueji.registry.choices import STATUS_TRANSITIONS, ChangeKind, StudentStatus
from xueji.registry.models import Student, StudentHistory
from xueji.registry.services import student_set_status

S = StudentStatus


def test_the_statuses_are_the_national_table():
    assert S.values == codes.STUDENT_STATUS.codes
    assert set(STATUS_TRANSITIONS) == set(S.values)
    assert all(target in S.values for targets in STATUS_TRANSITIONS.values() for target in targets)


def _pupil(world, status):
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(status=status)
    return student


@pytest.mark.parametrize(("old", "new"), [
    (S.ENROLLED, S.SUSPENDED), (S.SUSPENDED, S.RESUMED), (S.RESUMED, S.GRADUATED), (S.ENROLLED, S.TRANSFERRED_OUT),
    (S.STOPPED, S.EXPELLED), (S.WITHDRAWN, S.ENROLLED), (S.DROPPED_OUT, S.ENROLLED),
])
def test_an_allowed_change_is_written_with_its_history_and_audit(world, old, new):
    actor = world.user("tunxi", "registrar")
    student = _pupil(world, old)

    changed = student_set_status(actor=actor, student=student, status=new, reason="家长申请", request_id=77)

    assert changed.status == new and Student.objects.get(pk=student.pk).status == new
    assert list(StudentHistory.objects.filter(student=student).values_list(
        "kind", "old", "new", "reason", "request_id", "actor")) == [
        (ChangeKind.STATUS, old, new, "家长申请", 77, actor.pk)]
    event = AuditEvent.objects.get(action="student.set_status", object_id=str(student.pk))
    assert (event.before, event.after) == ({"status": old}, {"status": new, "reason": "家长申请", "request": 77})


@pytest.mark.parametrize(("old", "new"), [
    (S.ENROLLED, S.ENROLLED), (S.ENROLLED, S.RESUMED), (S.SUSPENDED, S.GRADUATED), (S.GRADUATED, S.SUSPENDED),
    (S.DECEASED, S.ENROLLED), (S.TRANSFERRED_OUT, S.GRADUATED),
])
def test_a_refused_change_changes_nothing(world, old, new):
    student = _pupil(world, old)

    with pytest.raises(Conflict) as refused:
        student_set_status(actor=world.user("tunxi", "registrar"), student=student, status=new)

    assert refused.value.code == "status_not_allowed"
    assert Student.objects.get(pk=student.pk).status == old
    assert not StudentHistory.objects.exists()
    assert not AuditEvent.objects.filter(action="student.set_status").exists()


def test_an_unknown_status_code_is_refused(world):
    student = world.students["tunxi_primary"]

    with pytest.raises(ValidationFailed):
        student_set_status(actor=None, student=student, status="42")

    assert Student.objects.get(pk=student.pk).status == S.ENROLLED
    assert not StudentHistory.objects.exists()


def test_the_status_label_follows_the_language(world):
    from django.utils import translation

    with translation.override("en"):
        assert str(S.SUSPENDED.label) == "Suspended"
    with translation.override("zh-hans"):
        assert str(S.SUSPENDED.label) == "休学"


def test_the_history_is_read_within_the_jurisdiction(world):
    from xueji.registry.selectors import status_history

    student = world.students["tunxi_primary"]
    student_set_status(actor=None, student=student, status=S.SUSPENDED)
    student_set_status(actor=None, student=student, status=S.RESUMED)

    assert [(c.old, c.new) for c in status_history(user=world.user("tunxi", "registrar"), student=student)] == [
        (S.ENROLLED, S.SUSPENDED), (S.SUSPENDED, S.RESUMED)]
    assert not status_history(user=world.user("xuanwu", "registrar"), student=student).exists()
