"""Starting jobs and reporting their progress. The work itself runs in the django-tasks worker."""

import logging
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.registry import handler_for

logger = logging.getLogger(__name__)


class JobContext:
    """What a handler gets: the job, its parameters, and ways to report progress and write a result file."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.params = job.params
        self._last_pct = -1

    def progress(self, pct: int, message: str | None = None) -> None:
        pct = max(0, min(100, int(pct)))
        if pct == self._last_pct and message is None:
            return
        self._last_pct = pct
        fields = {"progress": pct}
        if message:
            self.job.log += f"[{clock.now().astimezone(clock.SHANGHAI):%H:%M:%S}] {message}\n"
            fields["log"] = self.job.log
        Job.objects.filter(pk=self.job.pk).update(**fields)

    def log(self, message: str) -> None:
        self.progress(self._last_pct if self._last_pct >= 0 else 0, message)

    def result_path(self, filename: str) -> Path:
        folder = Path(settings.MEDIA_ROOT) / "jobs" / str(self.job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        self.job.result_file = f"jobs/{self.job.pk}/{filename}"
        Job.objects.filter(pk=self.job.pk).update(result_file=self.job.result_file)
        return folder / filename


@transaction.atomic
def job_start(*, actor, kind: str, title: str, params: dict[str, Any] | None = None) -> Job:
    """Record the job and enqueue it once the transaction commits."""
    handler_for(kind)  # unknown kinds fail here, not in the worker
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor,
                             org_unit=actor.org_unit, created_at=clock.now())
    audit_record(actor=actor, action="job.start", obj=job, after={"kind": kind, "params": job.params})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from xueji.jobs.tasks import run_job

    run_job.enqueue(job_id)


def job_run(job_id: int) -> Job:
    """Run a queued job to the end, recording success or failure. Called by the worker task."""
    job = Job.objects.get(pk=job_id)
    # Claim the job with one conditional UPDATE: of two workers handed the same job, only one runs it.
    claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING,
                                                                             started_at=clock.now())
    if not claimed:
        job.refresh_from_db()
        return job
    job.status = JobStatus.RUNNING
    ctx = JobContext(job)
    try:
        result = handler_for(job.kind)(ctx)
    except Exception as exc:  # a job's failure is recorded and shown, never lost
        logger.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=clock.now(),
                                             error=f"{exc}\n\n{traceback.format_exc()[-4000:]}")
    else:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100, finished_at=clock.now(),
                                             result=result if isinstance(result, dict | list) else None)
    job.refresh_from_db()
    return job


def result_file_path(job: Job) -> Path | None:
    if not job.result_file:
        return None
    path = (Path(settings.MEDIA_ROOT) / job.result_file).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        return None
    return path
