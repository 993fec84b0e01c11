"""Reads of the drafts to register, starting from the user's jurisdiction (anything else answers 404)."""

from django.db.models import QuerySet

from xueji.accounts.permissions import Cap, require_cap
from xueji.registration.filters import DraftFilterSet
from xueji.registry import selectors as registry_selectors
from xueji.registry.models import RegStatus, Student


def draft_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    """The drafts of the jurisdiction (entered or imported, not yet submitted), narrowed by DraftFilterSet."""
    require_cap(user, Cap.STUDENT_EDIT)
    drafts = registry_selectors.student_list(user=user, filters={"reg_status": RegStatus.DRAFT})
    return DraftFilterSet.narrow(drafts, filters, user=user)
