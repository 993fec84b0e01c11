"""Filing and deciding in the changes tests."""

from xueji.changes import services
from xueji.changes.tests.conftest import pdf
from xueji.registry.models import Student
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide


def approve_all(world, request: Request) -> Request:
    """Every step of the request's round, in order, by its holder (a leader or registrar of its unit)."""
    request.refresh_from_db()
    for step in request.steps.filter(round=request.round, status__in=["pending", "waiting"]).order_by("order"):
        unit = next(name for name, u in world.units.items() if u.pk == step.org_unit_id)
        request_decide(actor=world.user(unit, step.role), request=request, approve=True)
    request.refresh_from_db()
    return request


def file_change(world, school: str, kind: str, reason: str, **kwargs) -> Request:
    kwargs.setdefault("proofs", [pdf()])
    return services.status_change_file(actor=world.user(school, "registrar"), student=world.students[school],
                                       kind=kind, reason=reason, **kwargs)


def pupil(world, school: str = "tunxi_primary") -> Student:
    return Student.objects.select_related("school_class").get(pk=world.students[school].pk)


def snapshot(pk: int) -> tuple:
    """What a refused change must leave as it was: the pupil's row, its history and the requests on it."""
    from xueji.changes.models import StatusChange
    from xueji.registry.models import FamilyMember, StudentDetail, StudentHistory
    from xueji.workflow.models import Proof

    student = Student.objects.filter(pk=pk).values().first()
    student.pop("updated_at", None)
    return (student, list(StudentDetail.objects.filter(student_id=pk).values()),
            list(FamilyMember.objects.filter(student_id=pk).values()),
            StudentHistory.objects.filter(student_id=pk).count(), StatusChange.objects.filter(student_id=pk).count(),
            Request.objects.filter(subject_id=str(pk)).count(), Proof.objects.count())
