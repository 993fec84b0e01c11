"""Reads of import batches, each starting from the user's jurisdiction."""

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core.errors import NotFound
from xueji.core.filters import as_int, typed
from xueji.exchange.models import ImportBatch


def import_batch_list(*, user, filters: dict | None = None) -> QuerySet[ImportBatch]:
    """Imports into the schools of the user's jurisdiction (a school its own, a county its schools')."""
    require_cap(user, Cap.STUDENT_VIEW)
    qs = within(ImportBatch.objects.select_related("school", "created_by", "job"), user)
    filters = typed(filters, school=as_int)
    if school := filters.get("school"):
        qs = qs.filter(school_id=school)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    return qs


def import_batch_get(*, user, pk) -> ImportBatch:
    require_cap(user, Cap.STUDENT_VIEW)
    return get_within(ImportBatch.objects.select_related("school", "created_by", "job"), user, pk=pk)


def import_error_report(*, user, pk) -> tuple[ImportBatch, Path]:
    """The error report of an import: it holds the rows as typed, full ID numbers included, so only roles that
    may see ID numbers get it."""
    require_cap(user, Cap.STUDENT_VIEW_ID)
    batch = import_batch_get(user=user, pk=pk)
    if not batch.error_report:
        raise NotFound("This import has no error report (no row had an error, or it has not finished).")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / batch.error_report).resolve()
    if not path.is_relative_to(root) or not path.exists():
        raise NotFound("The error report is no longer available.")
    return batch, path
