"""Reads of verification batches, each starting from the user's jurisdiction (anything else answers 404)."""

from django.db.models import QuerySet

from xueji.accounts.jurisdiction import access, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.verification.filters import BatchFilterSet
from xueji.verification.models import VerificationBatch


def batch_list(*, user, filters: dict | None = None) -> QuerySet[VerificationBatch]:
    require_cap(user, Cap.VERIFY_RUN)
    qs = within(VerificationBatch.objects.select_related("org_unit", "created_by", "job"), user)
    return BatchFilterSet.narrow(qs, filters, user=user)


def batch_get(*, user, pk) -> VerificationBatch:
    require_cap(user, Cap.VERIFY_RUN)
    return access(VerificationBatch.objects.select_related("org_unit", "created_by", "job"), user, pk=pk)
