"""Reads of import batches, each starting from the user's jurisdiction."""

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock
from xueji.core.errors import Forbidden, Gone, NotFound
from xueji.exchange.filters import ImportBatchFilterSet
from xueji.exchange.models import ImportBatch
from xueji.jobs.selectors import file_readable


def import_batch_list(*, user, filters: dict | None = None) -> QuerySet[ImportBatch]:
    """Imports into the schools of the user's jurisdiction (a school its own, a county its schools')."""
    require_cap(user, Cap.STUDENT_VIEW)
    qs = within(ImportBatch.objects.select_related("school", "created_by", "job"), user)
    return ImportBatchFilterSet.narrow(qs, filters, user=user)


def import_batch_get(*, user, pk) -> ImportBatch:
    require_cap(user, Cap.STUDENT_VIEW)
    return get_within(ImportBatch.objects.select_related("school", "created_by", "job"), user, pk=pk)


def import_error_report(*, user, pk) -> tuple[ImportBatch, Path]:
    """The error report of an import: it holds the rows as typed, full ID numbers included, so only roles that
    may see ID numbers get it."""
    require_cap(user, Cap.STUDENT_VIEW_ID)
    batch = import_batch_get(user=user, pk=pk)
    if batch.job is not None and batch.error_report == batch.job.result_file:
        # The report is the import job's result file: the job's file rule and expiry, the same as its download.
        if not file_readable(user, batch.job):
            raise Forbidden(_("This file is not for your role or unit: it holds personal data of pupils."),
                            code="file_forbidden")
        if batch.job.file_expires_at is not None and batch.job.file_expires_at <= clock.now():
            raise Gone(_("The result file has expired and was deleted: run the job again."),
                       code="file_expired")
    if not batch.error_report:
        raise NotFound("This import has no error report (no row had an error, or it has not finished).")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / batch.error_report).resolve()
    if not path.is_relative_to(root) or not path.exists():
        raise NotFound("The error report is no longer available.")
    return batch, path
