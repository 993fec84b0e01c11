from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.jobs.errors import INTERNAL_ERROR, INTERRUPTED_ERROR
from xueji.jobs.filters import JobFilterSet
from xueji.jobs.models import FileScope, Job, JobStatus


def job_list(*, user, filters: dict | None = None) -> QuerySet[Job]:
    """Jobs started within the user's jurisdiction (a school sees its own, a county its schools')."""
    require_cap(user, Cap.JOB_VIEW)
    qs = within(Job.objects.select_related("created_by"), user)
    return JobFilterSet.narrow(qs, filters, user=user)


def job_get(*, user, pk) -> Job:
    require_cap(user, Cap.JOB_VIEW)
    return get_within(Job.objects.select_related("created_by"), user, pk=pk)


def file_readable(user, job: Job) -> bool:
    """The one rule for a job's result file (the job already within the user's jurisdiction): the capability the
    job recorded for it (full ID numbers: student.view_id), and by default (FileScope.UNIT) only the creator or a
    user of the same unit. Pages, the API and the import error report all ask here."""
    if not has_cap(user, Cap(job.file_cap or Cap.STUDENT_VIEW_ID)):  # a file from before the rule: strictest
        return False
    if job.file_scope == FileScope.UNIT:
        return job.created_by_id == user.pk or job.org_unit_id == user.org_unit_id
    return True


def result_file_path(job: Job) -> Path | None:
    """The job's result file on disk, if it exists and lies inside MEDIA_ROOT."""
    if not job.result_file:
        return None
    path = (Path(settings.MEDIA_ROOT) / job.result_file).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        return None
    return path


def job_error_message(job: Job) -> str:
    """What a user reads about a failed or interrupted job: its short message, never a traceback."""
    if job.status == JobStatus.INTERRUPTED:
        return str(INTERRUPTED_ERROR)
    if job.status != JobStatus.FAILED:
        return ""
    if job.error_code == "internal" or not job.error:
        return str(INTERNAL_ERROR)
    return job.error


def file_state(user, job: Job) -> str:
    """What the user may do with the job's result file: ready | forbidden | expired | none."""
    from xueji.core import clock

    if not job.result_file or not job.is_finished:
        return "none"
    if job.file_expires_at is not None and job.file_expires_at <= clock.now():
        return "expired"
    if result_file_path(job) is None:
        return "none"
    return "ready" if file_readable(user, job) else "forbidden"
