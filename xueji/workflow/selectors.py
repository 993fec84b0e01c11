"""Reads of requests, from the one restricted queryset: a request is visible to its filer, its parties (those
its type lets see it) and the holders of its steps (Request.jurisdiction_paths)."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from xueji.accounts.jurisdiction import access
from xueji.accounts.permissions import Cap, has_cap
from xueji.core.errors import NotFound
from xueji.workflow import labels
from xueji.workflow.filters import InboxFilterSet, RequestFilterSet
from xueji.workflow.models import Proof, Request, RequestStatus, Step, StepStatus


def request_list(*, user, filters: dict | None = None) -> QuerySet[Request]:
    """The requests the user sees, each with `pupil_withheld` (a labelled pupil the user is not cleared for: its
    title and payload are withheld, workflow/labels.py)."""
    qs = labels.annotate(Request.objects.select_related("filer", "filer_org").restrict(user, Cap.REQUEST_VIEW), user)
    return RequestFilterSet.narrow(qs, filters, user=user)


def access_request_by_id(*, user, pk) -> Request:
    """A request the user may see, or 404 (absent or outside the jurisdiction alike)."""
    try:
        return access(labels.annotate(Request.objects.select_related("filer", "filer_org"), user), user,
                      Cap.REQUEST_VIEW, pk=pk)
    except NotFound:
        raise NotFound("request not found") from None


request_get = access_request_by_id


def access_proof_by_id(*, user, pk) -> Proof:
    """A proof of a request the user may see, or 404."""
    try:
        proof = Proof.objects.select_related("request").get(pk=pk)
    except (Proof.DoesNotExist, ValueError, TypeError):
        raise NotFound("proof not found") from None
    access_request_by_id(user=user, pk=proof.request_id)  # 404 unless the request is visible
    return proof


proof_get = access_proof_by_id

# The request statuses whose current step waits for someone: approval, or follow-up work after it (调档).
WAITING_STATUSES = (RequestStatus.PENDING, RequestStatus.FOLLOW_UP)


def inbox(*, user, filters: dict | None = None) -> QuerySet[Step]:
    """待办: the pending steps this user may decide (their unit, one of their roles), follow-up work included."""
    if not getattr(user, "is_authenticated", False) or user.org_unit_id is None or not user.org_unit.is_active:
        return Step.objects.none()
    qs = labels.annotate(Step.objects.filter(
        org_unit=user.org_unit, role__in=user.role_set, status=StepStatus.PENDING,
        request__status__in=WAITING_STATUSES).select_related("request", "request__filer_org", "request__filer"),
        user, prefix="request__")
    return InboxFilterSet.narrow(qs, filters, user=user).order_by("request__created_at", "request_id")


def inbox_count_by_type(*, user) -> dict[str, int]:
    """How many steps wait for this user, per request type: one grouped query over the inbox's index."""
    rows = inbox(user=user).order_by().values("request__type").annotate(n=Count("pk")).values_list(
        "request__type", "n")
    return dict(rows)


def returned_requests(*, user) -> QuerySet[Request]:
    """待办 of the filer: requests of the user's unit returned for correction (退回), oldest first. Only a role
    that files requests corrects and resubmits them."""
    if not getattr(user, "is_authenticated", False) or user.org_unit_id is None or not has_cap(user, Cap.REQUEST_FILE):
        return Request.objects.none()
    return labels.annotate(Request.objects.filter(filer_org=user.org_unit, status=RequestStatus.RETURNED)
                           .select_related("filer", "filer_org").order_by("updated_at", "pk"), user)


def inbox_count(*, user) -> int:
    """Everything of the approval engine waiting for this user: steps to decide and returned requests to fix."""
    return inbox(user=user).count() + returned_requests(user=user).count()


def request_steps(*, request: Request) -> QuerySet[Step]:
    return request.steps.select_related("org_unit", "decided_by").order_by("round", "order")


def request_actions(*, request: Request):
    return request.actions.select_related("actor", "org_unit", "step").order_by("at", "id")


def request_actions_signed(*, request: Request) -> list:
    """The request's actions, each with `signed`: its signature verified (True), not (False), unsigned (None)."""
    from xueji.workflow.signatures import actions_verified

    actions = list(request_actions(request=request))
    for action in actions:
        action.request = request  # the type of what was decided, without a query per action
    verdicts = actions_verified(actions)
    for action in actions:
        action.signed = verdicts[action.pk]
    return actions


def request_proofs(*, request: Request) -> QuerySet[Proof]:
    return request.proofs.select_related("uploaded_by").order_by("uploaded_at", "id")


@dataclass(frozen=True)
class RequestPermissions:
    """What this user may do with this request now: one answer for the page and the API."""

    step: Step | None  # the step waiting now (approval or follow-up), whoever holds it
    approve: bool = False
    return_: bool = False
    reject: bool = False
    complete: bool = False
    withdraw: bool = False
    resubmit: bool = False
    cancel: bool = False
    add_proof: bool = False

    @property
    def decide(self) -> bool:
        return self.approve or self.return_ or self.reject

    def names(self) -> list[str]:
        return [name for name in ("approve", "return", "reject", "complete", "withdraw", "resubmit", "cancel",
                                  "add_proof") if getattr(self, "return_" if name == "return" else name)]


def request_permissions(*, user, request: Request) -> RequestPermissions:
    """The actions on a request this user may take (the services refuse the others with the same rules)."""
    from xueji.workflow import services

    step = services.current_step(request) if request.status in WAITING_STATUSES else None
    holds = services.may_decide(user, step)
    deciding = holds and request.status == RequestStatus.PENDING and user.pk != request.filer_id
    filer = services.is_filer_side(user, request) if getattr(user, "is_authenticated", False) else False
    returned = request.status == RequestStatus.RETURNED
    untouched = request.status == RequestStatus.PENDING and not request.steps.filter(
        round=request.round, status=StepStatus.APPROVED).exists()
    return RequestPermissions(
        step=step, approve=deciding, return_=deciding, reject=deciding,
        complete=holds and request.status == RequestStatus.FOLLOW_UP,
        withdraw=filer and (returned or untouched), resubmit=filer and returned,
        cancel=services.may_cancel(user, request), add_proof=services.may_add_proof(user, request))
