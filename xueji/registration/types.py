"""The registration request types and what their approval does."""

from django.utils.translation import gettext_lazy as _

from xueji.registration.choices import REQUEST_TYPE_OF
from xueji.registration.services import apply_takeover, registration_resubmit_check
from xueji.registry.models import Student
from xueji.registry.numbers import issue_temporary
from xueji.registry.services import (
    correctable_when,
    students_registration_approve,
    students_registration_release,
)
from xueji.workflow.types import RequestType, register, register_subject, step

STUDENT = register_subject("registry.student", _("pupil"))

# School registrar files, school leader approves, county authority approves (a province may add steps).
ROUTE = (step("filing_school", "leader"), step("filing_county", "registrar"))


def _register_attached(*, request, actor) -> dict:
    """Final approval: the request's pupils become registered, and those without a number get an L number."""
    ids = students_registration_approve(actor=actor, request_id=request.pk)
    issued = issue_temporary(students=list(Student.objects.filter(pk__in=ids, national_number__isnull=True)
                                           .select_related("school__county")), actor=actor)
    result = {"registered": len(ids), "numbers_issued": issued}
    takeover = (request.payload or {}).get("takeover")
    if takeover:
        result["taken_over"] = apply_takeover(request=request, actor=actor)
    return result


def _present(payload: dict, presenter) -> dict:
    """What a registration request carries: how many pupils (listed apart, each through the presenter), or
    the record taken over and where it comes from. Only these keys, each through the viewer's presenter."""
    keys = ("count", "student_ids", "takeover", "class", "from_school", "from_status")
    return presenter.mapping({key: payload[key] for key in keys if key in payload})


def _check_again(*, request, actor) -> None:
    """Resubmitted after a return: the filer's checks again (registration.services.grade1_rules_require)."""
    registration_resubmit_check(request=request, actor=actor)


def _release(*, request, actor) -> None:
    """A withdrawn or rejected request gives its pupils back to the school's drafts."""
    students_registration_release(actor=actor, request_id=request.pk)


@correctable_when
def _of_returned_request(student: Student) -> bool:
    """The pupils of a returned registration request are corrected by their school before it files again."""
    from xueji.workflow.models import Request, RequestStatus

    return bool(student.registration_request_id) and Request.objects.filter(
        pk=student.registration_request_id, status=RequestStatus.RETURNED).exists()


ENROLLED = register(RequestType(
    code=REQUEST_TYPE_OF["enrolled"], label=_("Registration of pupils at school"),
    default_route=ROUTE, apply=_register_attached,
    on_withdrawn=_release, on_rejected=_release, on_resubmit=_check_again, window_kind=REQUEST_TYPE_OF["enrolled"],
    present_payload=_present, subjects=(STUDENT.code,)))
GRADE1 = register(RequestType(
    code=REQUEST_TYPE_OF["grade1"], label=_("Registration of grade-1 entrants"),
    default_route=ROUTE, apply=_register_attached,
    on_withdrawn=_release, on_rejected=_release, on_resubmit=_check_again, window_kind=REQUEST_TYPE_OF["grade1"],
    present_payload=_present, subjects=(STUDENT.code,)))
# A takeover names the record it takes over as its subject: one open takeover of a record at a time.
RETURNING = register(RequestType(
    code=REQUEST_TYPE_OF["returning"], label=_("Registration of pupils arriving from abroad"),
    default_route=ROUTE, apply=_register_attached,
    on_withdrawn=_release, on_rejected=_release, on_resubmit=_check_again, window_kind=REQUEST_TYPE_OF["returning"],
    present_payload=_present, subjects=(STUDENT.code,), excludes=("registration.returning",)))
