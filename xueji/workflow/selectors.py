"""Reads of requests: filers see their unit's, approvers those with a step in their jurisdiction."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.core.errors import NotFound
from xueji.workflow.models import Proof, Request, RequestStatus, Step, StepStatus


def request_list(*, user, filters: dict | None = None) -> QuerySet[Request]:
    require_cap(user, Cap.REQUEST_VIEW)
    path = user.org_unit.path
    stepped = Step.objects.filter(request=OuterRef("pk"), org_unit__path__startswith=path)
    qs = Request.objects.filter(Q(filer_org__path__startswith=path) | Exists(stepped)).select_related(
        "filer", "filer_org")
    filters = filters or {}
    if kind := filters.get("type"):
        qs = qs.filter(type=kind)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if filters.get("mine"):
        qs = qs.filter(filer_org=user.org_unit)
    if q := filters.get("q"):
        qs = qs.filter(title__icontains=q)
    return qs


def request_get(*, user, pk) -> Request:
    try:
        return request_list(user=user).get(pk=pk)
    except (Request.DoesNotExist, ValueError, TypeError):
        raise NotFound("request not found") from None


def inbox(*, user, filters: dict | None = None) -> QuerySet[Step]:
    """待办: the pending steps this user may decide (their unit, one of their roles)."""
    if not getattr(user, "is_authenticated", False) or user.org_unit_id is None:
        return Step.objects.none()
    qs = Step.objects.filter(org_unit=user.org_unit, role__in=user.role_set, status=StepStatus.PENDING,
                             request__status=RequestStatus.PENDING).select_related(
        "request", "request__filer_org", "request__filer")
    filters = filters or {}
    if kind := filters.get("type"):
        qs = qs.filter(request__type=kind)
    if q := filters.get("q"):
        qs = qs.filter(request__title__icontains=q)
    return qs.order_by("request__created_at", "request_id")


def returned_requests(*, user) -> QuerySet[Request]:
    """待办 of the filer: requests of the user's unit returned for correction (退回), oldest first. Only a role
    that files requests corrects and resubmits them."""
    if not getattr(user, "is_authenticated", False) or user.org_unit_id is None or not has_cap(user, Cap.REQUEST_FILE):
        return Request.objects.none()
    return (Request.objects.filter(filer_org=user.org_unit, status=RequestStatus.RETURNED)
            .select_related("filer", "filer_org").order_by("updated_at", "pk"))


def inbox_count(*, user) -> int:
    """Everything of the approval engine waiting for this user: steps to decide and returned requests to fix."""
    return inbox(user=user).count() + returned_requests(user=user).count()


def request_steps(*, request: Request) -> QuerySet[Step]:
    return request.steps.select_related("org_unit", "decided_by").order_by("round", "order")


def request_actions(*, request: Request):
    return request.actions.select_related("actor", "org_unit", "step").order_by("at", "id")


def request_proofs(*, request: Request) -> QuerySet[Proof]:
    return request.proofs.select_related("uploaded_by").order_by("uploaded_at", "id")


def proof_get(*, user, pk) -> Proof:
    try:
        proof = Proof.objects.select_related("request").get(pk=pk)
    except (Proof.DoesNotExist, ValueError, TypeError):
        raise NotFound("proof not found") from None
    request_get(user=user, pk=proof.request_id)  # 404 unless the request is visible
    return proof
