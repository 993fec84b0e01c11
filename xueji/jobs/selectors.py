from django.db.models import QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core.filters import as_bool, typed
from xueji.jobs.models import Job


def job_list(*, user, filters: dict | None = None) -> QuerySet[Job]:
    """Jobs started within the user's jurisdiction (a school sees its own, a county its schools')."""
    require_cap(user, Cap.JOB_VIEW)
    qs = within(Job.objects.select_related("created_by"), user)
    filters = typed(filters, mine=as_bool)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if filters.get("mine"):
        qs = qs.filter(created_by=user)
    return qs


def job_get(*, user, pk) -> Job:
    require_cap(user, Cap.JOB_VIEW)
    return get_within(Job.objects.select_related("created_by"), user, pk=pk)
