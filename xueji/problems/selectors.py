"""Reads of problem records and national numbers, each starting from the user's
jurisdiction: a school sees the problems of its pupils, an authority those with a record in its subtree
(a duplicate across two counties is seen by both); anything else answers 404."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from xueji.accounts.jurisdiction import access, cleared, restrict, user_path, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core.errors import NotFound, ValidationFailed
from xueji.core.labels import SecurityLabel
from xueji.problems.choices import ProblemKind
from xueji.problems.filters import ProblemFilterSet
from xueji.problems.models import (
    DeletedRecord,
    MemberState,
    Problem,
    ProblemEvent,
    ProblemMember,
    ProblemStatus,
    RetiredNumber,
)
from xueji.registry.models import NationalNumber, Student
from xueji.workflow.models import Request, RequestStatus


def _pending() -> Exists:
    return Exists(ProblemMember.objects.filter(problem=OuterRef("pk"), request__status=RequestStatus.PENDING))


def problem_list(*, user, filters: dict | None = None) -> QuerySet[Problem]:
    qs = restrict(Problem, user, Cap.PROBLEM_VIEW).annotate(pending=_pending())
    return ProblemFilterSet.narrow(qs, filters, user=user).order_by("-created_at", "-id")


def access_problem_by_id(*, user, pk) -> Problem:
    """A problem record with a member in the user's jurisdiction, or 404."""
    try:
        return access(Problem.objects.annotate(pending=_pending()), user, Cap.PROBLEM_VIEW, pk=pk)
    except NotFound:
        raise NotFound("problem record not found") from None


problem_get = access_problem_by_id


def display_status(problem: Problem) -> str:
    if problem.status == ProblemStatus.OPEN and getattr(problem, "pending", False):
        return "pending"
    return problem.status


@dataclass
class MemberView:
    """A record of a problem as one user sees it: in full inside the jurisdiction; outside it, only where the
    other record is (school and county) and how far it is, never who the pupil is."""

    member: ProblemMember
    visible: bool


def _shown_to(user):
    """Whether a member is named to this user: inside the jurisdiction, and, for a pupil under a security label
    (control 10), with the clearance; a labelled member is otherwise shown as one outside (its school only)."""
    path = user_path(user) or "\x00"
    clear = cleared(user)

    def shown(member: ProblemMember) -> bool:
        labelled = member.student is not None and member.student.security_label != SecurityLabel.NONE
        return member.school_org.path.startswith(path) and (clear or not labelled)

    return shown


def problem_members(*, user, problem: Problem) -> list[MemberView]:
    shown = _shown_to(user)
    members = problem.members.select_related("student", "school_org", "county_org", "request").order_by("pk")
    return [MemberView(m, shown(m)) for m in members]


def problem_member_views(*, user, problem: Problem) -> list[MemberView]:
    """The members of a listed problem, from the list's prefetch (problem_list_members_prefetch): which of them
    lie in the user's jurisdiction (their pupil is named) and which do not (only their school is)."""
    shown = _shown_to(user)
    return [MemberView(m, shown(m)) for m in problem.members.all()]


def key_withheld(*, user, problem: Problem) -> bool:
    """A duplicate without ID is keyed by name, sex and birth date: withheld when a member is labelled and the user
    is not cleared (control 10). From the list's prefetch or one query."""
    if problem.kind != ProblemKind.DUPLICATE_NO_ID or cleared(user):
        return False
    return any(m.student is not None and m.student.security_label != SecurityLabel.NONE
               for m in problem.members.all())


@dataclass(frozen=True)
class ProblemPermissions:
    """What this user may do with this problem record now: one answer for the page and the API."""

    actionable: tuple  # the user's own school's members that may take an action (correct, delete, confirm)
    arbitration: Request | None  # the arbitration request, if the problem went to arbitration
    arbitration_step: object  # its pending step (the arbiter), if it is pending
    may_arbitrate: bool
    keep_member: int | None  # the arbiter's choice, once made (carried by the decision)

    def names(self) -> list[str]:
        return (["correct", "delete", "confirm"] if self.actionable else []) + (
            ["arbitrate"] if self.may_arbitrate else [])


def problem_permissions(*, user, problem: Problem, members: list[ProblemMember] | None = None) -> ProblemPermissions:
    """The school acts on its own open record while no request for it is open (the engine refuses a second one);
    the arbiter (the pending step of the arbitration request) names the record that keeps the ID number."""
    from xueji.accounts.permissions import has_cap
    from xueji.workflow.models import OPEN_STATUSES
    from xueji.workflow.services import current_step, decision_data, may_decide

    actionable: tuple = ()
    if problem.status == ProblemStatus.OPEN and has_cap(user, Cap.REQUEST_FILE):
        members = members if members is not None else list(problem.members.select_related("request"))
        actionable = tuple(m for m in members if m.school_org_id == user.org_unit_id and m.state == MemberState.OPEN
                           and m.student_id is not None
                           and not (m.request_id and m.request.status in OPEN_STATUSES))
    request = problem.arbitration_request if problem.arbitration_request_id else None
    step = current_step(request) if request is not None and request.status == RequestStatus.PENDING else None
    keep = (decision_data(request).get("keep_member") or (request.payload or {}).get("keep_member")) \
        if request is not None else None
    return ProblemPermissions(actionable=actionable, arbitration=request, arbitration_step=step,
                              may_arbitrate=problem.status == ProblemStatus.ARBITRATION and may_decide(user, step),
                              keep_member=keep)


# What a list of problems prefetches so each row names its pupils, their class and school in one go.
PROBLEM_LIST_PREFETCH = ("members__school_org", "members__student__school_class")


def problem_events(*, problem: Problem) -> QuerySet[ProblemEvent]:
    return problem.events.select_related("actor", "request").order_by("at", "id")


def problem_requests(*, user, problem: Problem) -> QuerySet[Request]:
    """The requests filed about a problem that the user may see (their own unit's, or with a step for them)."""
    from xueji.workflow.selectors import request_list

    return request_list(user=user).filter(subject_type="registration.problem", subject_id=str(problem.pk))


def problem_summary(*, user) -> list[dict]:
    """Per county of the jurisdiction: unresolved problems by kind (the county's list of problem records)."""
    require_cap(user, Cap.PROBLEM_VIEW)
    from xueji.problems.scans import county_summary

    if user_path(user) is None:
        return []
    return county_summary(scope=user.org_unit)


@dataclass
class NumberFound:
    number: str
    kind: str
    current: bool
    issued_at: object
    superseded_at: object
    student: Student | None = None
    deleted: DeletedRecord | None = None


def number_find(*, user, number: str) -> NumberFound:
    """Any national number ever issued (current, superseded, or retired with a deleted record) of a record in
    the user's jurisdiction; 404 otherwise."""
    require_cap(user, Cap.STUDENT_VIEW)
    number = (number or "").strip().upper()
    if not number:
        raise ValidationFailed("Give a national student number.", code="number_required", field="number")
    found = within(NationalNumber.objects.select_related("student__school", "student__school_class"), user) \
        .filter(number=number).first()
    if found is not None:
        return NumberFound(found.number, found.kind, found.superseded_at is None, found.issued_at,
                           found.superseded_at, student=found.student)
    retired = restrict(RetiredNumber.objects.select_related("record__school_org"), user).filter(number=number).first()
    if retired is not None:
        return NumberFound(retired.number, retired.kind, False, retired.issued_at, retired.retired_at,
                           deleted=retired.record)
    raise NotFound("national student number not found")


__all__ = ["MemberView", "NumberFound", "ProblemPermissions", "access_problem_by_id",
           "display_status", "number_find", "problem_events", "problem_get", "problem_list",
           "problem_members", "problem_permissions", "problem_requests", "problem_summary"]
