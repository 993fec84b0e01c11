"""Reads of the drafts to register and of verification batches, each starting from the user's jurisdiction
(anything else answers 404)."""

from django.db.models import QuerySet

from xueji.accounts.jurisdiction import access, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.registration.filters import DraftFilterSet
from xueji.registration.models import VerificationBatch
from xueji.registry import selectors as registry_selectors
from xueji.registry.models import RegStatus, Student


def draft_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    """The drafts of the jurisdiction (entered or imported, not yet submitted), narrowed by DraftFilterSet."""
    require_cap(user, Cap.STUDENT_EDIT)
    drafts = registry_selectors.student_list(user=user, filters={"reg_status": RegStatus.DRAFT})
    return DraftFilterSet.narrow(drafts, filters, user=user)


def batch_list(*, user, filters: dict | None = None) -> QuerySet[VerificationBatch]:
    require_cap(user, Cap.VERIFY_RUN)
    qs = within(VerificationBatch.objects.select_related("org_unit", "created_by", "job"), user)
    filters = filters or {}
    if mode := filters.get("mode"):
        qs = qs.filter(mode=mode)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    return qs


def batch_get(*, user, pk) -> VerificationBatch:
    require_cap(user, Cap.VERIFY_RUN)
    return access(VerificationBatch.objects.select_related("org_unit", "created_by", "job"), user, pk=pk)
