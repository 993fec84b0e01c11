"""Starting jobs and reporting their progress. The work itself runs in the django-tasks worker.

Reliability (issue 6, items 15 and 16):
- A running job carries a heartbeat. `Pulse`, a small thread beside the handler, writes the progress, the log and
  the heartbeat in one short UPDATE at most once a second when something changed, and the heartbeat alone every
  XUEJI_JOB_HEARTBEAT_SECONDS otherwise: cheap, and the beat goes on while a handler spends minutes in one step.
- The pulse writes on its own connection, never on the handler's: a handler that iterates a large query on SQLite
  holds a read transaction, and a write on that same connection fails at once with "database is locked" as soon
  as anyone else has committed meanwhile (WAL's stale snapshot; no busy timeout helps). A fresh connection's
  one-statement write simply waits its turn. Inside a surrounding transaction (tests), the pulse writes inline.
- `job_reap` marks RUNNING jobs whose heartbeat is older than XUEJI_JOB_STALE_SECONDS as interrupted, with their
  django-tasks result and their kind's own rows (the import batch). It runs inside the worker (`manage.py
  jobs_worker` runs django-tasks-db's worker with a maintenance thread), from `manage.py jobs_maintain` (cron),
  and, throttled, when jobs are read: a dead worker (the case that matters) runs no loop of its own, and whoever
  looks at the job then sees the truth within a minute.
- Result files expire XUEJI_JOB_FILE_DAYS after the job finished; `job_files_cleanup` deletes them.
"""

import datetime as dt
import hashlib
import logging
import secrets
import shutil
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, Gone, NotFound, XuejiError
from xueji.jobs.errors import INTERNAL_ERROR, INTERRUPTED_ERROR  # noqa: F401 - the failure words live in errors.py
from xueji.jobs.models import RERUNNABLE, DownloadLink, FileScope, Job, JobStatus
from xueji.jobs.registry import all_hooks, handler_for, hooks_for, periodic
from xueji.jobs.selectors import file_readable, job_get, result_file_path

logger = logging.getLogger(__name__)

# What the user reads instead of a traceback (the traceback stays in the server log and Job.error_detail).


def heartbeat_seconds() -> float:
    return float(getattr(settings, "XUEJI_JOB_HEARTBEAT_SECONDS", 10))


def stale_seconds() -> float:
    return float(getattr(settings, "XUEJI_JOB_STALE_SECONDS", 120))


def file_days() -> int:
    return int(getattr(settings, "XUEJI_JOB_FILE_DAYS", 7))


class Pulse:
    """Writes a running job's progress, log and heartbeat (see the module docstring)."""

    FLUSH_SECONDS = 1.0

    def __init__(self, job_id: int, *, threaded: bool) -> None:
        self.job_id = job_id
        self.threaded = threaded
        self.pending: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_beat = time.monotonic()

    def start(self) -> "Pulse":
        if self.threaded:
            self.thread = threading.Thread(target=self._run, name=f"job-{self.job_id}-pulse", daemon=True)
            self.thread.start()
        return self

    def update(self, **fields: Any) -> None:
        if not self.threaded:
            self._write(fields)
            return
        with self.lock:
            self.pending.update(fields)

    def _write(self, fields: dict[str, Any]) -> None:
        Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=clock.now(), **fields)
        self.last_beat = time.monotonic()

    def _flush(self) -> None:
        with self.lock:
            fields, self.pending = self.pending, {}
        if fields or time.monotonic() - self.last_beat >= heartbeat_seconds():
            self._write(fields)

    def _run(self) -> None:
        try:
            while True:
                stopping = self.stop.wait(self.FLUSH_SECONDS)
                try:
                    self._flush()
                except Exception:  # a missed beat is retried on the next tick; the job goes on
                    logger.exception("job %s: heartbeat failed", self.job_id)
                if stopping:
                    return
        finally:
            connections.close_all()  # this thread's own connection

    def finish(self) -> None:
        if self.thread is not None:
            self.stop.set()
            self.thread.join()
            self.thread = None


class JobContext:
    """What a handler gets: the job, its parameters, and ways to report progress and write a result file."""

    def __init__(self, job: Job, pulse: Pulse | None = None) -> None:
        self.job = job
        self.params = job.params
        self._last_pct = -1
        self._pulse = pulse or Pulse(job.pk, threaded=False)

    def progress(self, pct: int, message: str | None = None) -> None:
        pct = max(0, min(100, int(pct)))
        if pct == self._last_pct and message is None:
            return
        self._last_pct = pct
        fields: dict[str, Any] = {"progress": pct}
        if message:
            self.job.log += f"[{clock.now().astimezone(clock.SHANGHAI):%H:%M:%S}] {message}\n"
            fields["log"] = self.job.log
        self._pulse.update(**fields)

    def log(self, message: str) -> None:
        self.progress(self._last_pct if self._last_pct >= 0 else 0, message)

    def result_path(self, filename: str, *, needs: Cap | None = None, scope: str | None = None) -> Path:
        """Where to write the job's result file, recording who may read it.

        `needs` is the capability reading it takes; by default the file is taken to hold what its creator can see:
        full ID numbers (student.view_id) if the creator may see them, else personal data (student.view). `scope`
        says who else besides the creator: by default users of the creator's unit (FileScope.UNIT)."""
        if needs is None:
            needs = Cap.STUDENT_VIEW_ID if has_cap(self.job.created_by, Cap.STUDENT_VIEW_ID) else Cap.STUDENT_VIEW
        folder = Path(settings.MEDIA_ROOT) / "jobs" / str(self.job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        self.job.result_file = f"jobs/{self.job.pk}/{filename}"
        self.job.file_cap = str(needs)
        self.job.file_scope = scope or FileScope.UNIT
        Job.objects.filter(pk=self.job.pk).update(result_file=self.job.result_file, file_cap=self.job.file_cap,
                                                  file_scope=self.job.file_scope)
        return folder / filename


@transaction.atomic
def job_start(*, actor, kind: str, title: str, params: dict[str, Any] | None = None,
              rerun_of: Job | None = None) -> Job:
    """Record the job and enqueue it once the transaction commits."""
    handler_for(kind)  # unknown kinds fail here, not in the worker
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=actor,
                             org_unit=actor.org_unit, created_at=clock.now(), rerun_of=rerun_of)
    audit_record(actor=actor, action="job.rerun" if rerun_of else "job.start", obj=job,
                 after={"kind": kind, "params": job.params, **({"rerun_of": rerun_of.pk} if rerun_of else {})})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from xueji.jobs.tasks import run_job

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def _user_error(exc: BaseException) -> tuple[str, str]:
    """(message, code) a user may read: a refusal's own message, never an internal exception's text."""
    if isinstance(exc, XuejiError):
        return str(exc.message)[:2000], exc.code
    return "", "internal"  # shown as INTERNAL_ERROR, in the reader's language


def job_claim(job: Job) -> bool:
    """Mark a queued job as running (one conditional UPDATE: of two claimants only one wins). A command that runs
    a job itself claims it in the transaction that records it, so the worker the commit enqueues it for finds
    it taken and leaves it; it then runs it with `job_run(pk, claimed=True)` outside any transaction."""
    now = clock.now()
    return bool(Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING,
                                                                               started_at=now, heartbeat_at=now))


def job_run(job_id: int, *, claimed: bool = False) -> Job:
    """Run a queued job to the end, recording success or failure. Called by the worker task (and, for a job it
    claimed already, by a command that runs it at once)."""
    job = Job.objects.get(pk=job_id)
    # Claim the job with one conditional UPDATE: of two workers handed the same job, only one runs it.
    if not (job.status == JobStatus.RUNNING if claimed else job_claim(job)):
        job.refresh_from_db()
        return job
    job.status = JobStatus.RUNNING
    pulse = Pulse(job.pk, threaded=not connection.in_atomic_block).start()
    ctx = JobContext(job, pulse)
    try:
        result = handler_for(job.kind)(ctx)
    except Exception as exc:  # a job's failure is recorded and shown, never lost
        pulse.finish()
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        message, code = _user_error(exc)
        now = clock.now()
        ended = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, finished_at=now, error=message, error_code=code,
            error_detail=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()[-8000:]}",
            file_expires_at=_expiry(job, now))
    else:
        pulse.finish()
        now = clock.now()
        ended = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, progress=100, finished_at=now, file_expires_at=_expiry(job, now),
            result=result if isinstance(result, dict | list) else None)
    if not ended:
        logger.warning("job %s ended after it had been marked %s", job.pk,
                       Job.objects.filter(pk=job.pk).values_list("status", flat=True).first())
    job.refresh_from_db()
    return job


def _expiry(job: Job, ended: dt.datetime) -> dt.datetime | None:
    has_file = Job.objects.filter(pk=job.pk).exclude(result_file="").exists()
    return ended + dt.timedelta(days=file_days()) if has_file else None


# ---------------------------------------------------------------- reading result files

def link_minutes() -> int:
    return int(getattr(settings, "XUEJI_DOWNLOAD_LINK_MINUTES", 10))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def download_link_issue(*, actor, job: Job) -> str:
    """A fresh single-use link to the job's result file for `actor` (the job's page issues one each time it shows
    the button), valid XUEJI_DOWNLOAD_LINK_MINUTES. The token is returned once; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(24)
    now = clock.now()
    DownloadLink.objects.create(job=job, user=actor, token_hash=_token_hash(token), created_at=now,
                                expires_at=now + dt.timedelta(minutes=link_minutes()))
    return token


def _link_use(*, actor, job: Job, token: str) -> None:
    """Spend a link: the actor's own, of this job, unused and unexpired (one conditional UPDATE); else refused and
    audited (`job.download`, failed, with the reason)."""
    now = clock.now()
    links = DownloadLink.objects.filter(job=job, user=actor, token_hash=_token_hash(token or ""))
    if links.filter(used_at__isnull=True, expires_at__gt=now).update(used_at=now):
        return
    link = links.first()
    reason = "link_unknown" if link is None else "link_used" if link.used_at else "link_expired"
    audit_record(actor=actor, action="job.download", obj=job, success=False,
                 after={"file": job.result_file, "refused": reason,
                        "used_at": link.used_at.isoformat() if link and link.used_at else None})
    if link is None:
        raise Forbidden(_("This download link is not yours or not valid: open the job's page for a new one."),
                        code="link_invalid")
    if link.used_at:
        raise Gone(_("This download link was already used: each link downloads once. Open the job's page for a new "
                     "one."), code="link_used")
    raise Gone(_("This download link has expired: open the job's page for a new one."), code="link_expired")


def job_file_check(*, actor, pk) -> tuple[Job, Path]:
    """Whether `actor` may download the job's result file now (every check but the link's; a refusal of the file's
    rule is audited)."""
    job = job_get(user=actor, pk=pk)
    if job.result_file and not file_readable(actor, job):
        audit_record(actor=actor, action="job.download", obj=job, success=False,
                     after={"file": job.result_file, "needs": job.file_cap, "scope": job.file_scope})
        raise Forbidden(_("This file is not for your role or unit: it holds personal data of pupils."),
                        code="file_forbidden")
    return job, live_result_file(job)


def job_file_download(*, actor, pk, link: str | None = None) -> tuple[Job, Path]:
    """A job's result file for download: the job within the jurisdiction (else 404), the file's own rule
    (`selectors.file_readable`, else 403, audited), the single-use link when one is given (the pages' way: used
    or expired, 410, audited), not expired; every download is audited."""
    job, path = job_file_check(actor=actor, pk=pk)
    if link is not None:
        _link_use(actor=actor, job=job, token=link)
    job_download_record(actor=actor, job=job, path=path)
    return job, path


def live_result_file(job: Job) -> Path:
    if job.file_expires_at is not None and job.file_expires_at <= clock.now():
        raise Gone(_("The result file has expired and was deleted: run the job again."), code="file_expired")
    path = result_file_path(job)
    if path is None:
        raise NotFound(_("This job has no result file."), code="not_found")
    if not job.is_finished:  # the handler is still writing it
        raise Conflict(_("The job has not finished yet: its file is still being written."), code="not_finished")
    return path


def job_download_record(*, actor, job: Job, path: Path) -> None:
    """Every download of a result file is audited."""
    audit_record(actor=actor, action="job.download", obj=job,
                 after={"file": job.result_file, "size": path.stat().st_size, "kind": job.kind,
                        "needs": job.file_cap, "creator": job.created_by_id})


# ---------------------------------------------------------------- interrupted jobs

_last_reap = [0.0]
REAP_EVERY_SECONDS = 30.0


def job_reap(*, now: dt.datetime | None = None) -> list[int]:
    """Mark RUNNING jobs whose heartbeat is stale as interrupted (with their task and their kind's rows).
    Returns the ids marked. Each job is claimed by one conditional UPDATE, so two reapers never both act."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(seconds=stale_seconds())
    silent = (Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
              | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff))
    marked = []
    for pk in list(Job.objects.filter(silent, status=JobStatus.RUNNING).values_list("pk", flat=True)):
        with transaction.atomic():
            if not Job.objects.filter(silent, pk=pk, status=JobStatus.RUNNING).update(
                    status=JobStatus.INTERRUPTED, finished_at=now, error="", error_code="interrupted",
                    file_expires_at=now + dt.timedelta(days=file_days())):
                continue  # it beat again, or another reaper was first
            job = Job.objects.select_related("created_by", "org_unit").get(pk=pk)
            hooks = hooks_for(job.kind)
            if hooks and hooks.interrupted:
                hooks.interrupted(job)
            _fail_task(job)
            audit_record(actor=None, username="system", action="job.interrupted", obj=job, org_unit=job.org_unit,
                         after={"kind": job.kind, "heartbeat_at": job.heartbeat_at.isoformat()
                                if job.heartbeat_at else None, "progress": job.progress})
        logger.warning("job %s (%s) interrupted: no heartbeat since %s", job.pk, job.kind, job.heartbeat_at)
        marked.append(pk)
    return marked


def job_reap_if_due() -> None:
    """The reaper on job reads, at most every REAP_EVERY_SECONDS per process (one indexed query when idle)."""
    if time.monotonic() - _last_reap[0] < REAP_EVERY_SECONDS:
        return
    _last_reap[0] = time.monotonic()
    job_reap()


def _fail_task(job: Job) -> None:
    """The django-tasks-db result of a dead worker's job stays RUNNING forever: mark it failed too."""
    try:
        task_id = uuid.UUID(job.task_id)
        from django_tasks_db.models import DBTaskResult
    except (ValueError, ImportError):  # no task recorded, or another task backend's id
        return
    from django_tasks.base import TaskResultStatus

    DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=clock.now())


def job_rerun(*, actor, job: Job) -> Job:
    """Run an interrupted or failed job again (重新运行), as a new job linked to it. The creator reruns its job;
    the kind decides what the rerun starts from (an import continues from the kept upload without duplicates)."""
    require_cap(actor, Cap.JOB_VIEW)
    if job.status not in RERUNNABLE:
        raise Conflict(_("Only an interrupted or failed job can be run again."), code="not_rerunnable")
    if job.created_by_id != actor.pk:
        raise Forbidden(_("Only the user who started this job can run it again."), code="not_yours")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.reruns.exists():
            raise Conflict(_("This job has already been run again."), code="already_rerun")
        hooks = hooks_for(job.kind)
        if hooks and hooks.rerun:
            return hooks.rerun(locked, actor)
        return job_start(actor=actor, kind=job.kind, title=job.title, params=dict(locked.params), rerun_of=locked)


# ---------------------------------------------------------------- expiry

def job_files_cleanup(*, now: dt.datetime | None = None) -> dict:
    """Delete result files past their expiry, and the kinds' kept inputs (uploads of interrupted imports) older
    than XUEJI_JOB_FILE_DAYS. One audit event says what went."""
    now = now or clock.now()
    root = Path(settings.MEDIA_ROOT).resolve()
    removed = []
    for job in Job.objects.filter(file_expires_at__lt=now).exclude(result_file="").only("pk", "result_file"):
        folder = (root / "jobs" / str(job.pk)).resolve()
        path = result_file_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
        if folder.is_relative_to(root) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        Job.objects.filter(pk=job.pk).update(result_file="")
        removed.append(job.pk)
    cutoff = now - dt.timedelta(days=file_days())
    inputs = sum(hooks.cleanup(cutoff) for hooks in all_hooks() if hooks.cleanup)
    if removed or inputs:
        audit_record(actor=None, username="system", action="job.files_expired", object_type="jobs.job",
                     object_repr=f"{len(removed)} result files, {inputs} inputs",
                     after={"jobs": removed[:1000], "result_files": len(removed), "inputs": inputs})
    return {"result_files": len(removed), "inputs": inputs}


# A worker beats every minute (jobs_worker's maintenance thread); one silent for this long is taken for dead.
WORKER_BEAT_STALE_SECONDS = 180

def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def worker_beat(*, name: str) -> None:
    """A worker says it is alive (one row per worker process); beats of workers gone for a day are dropped."""
    from xueji.jobs.models import WorkerBeat

    now = clock.now()
    if not WorkerBeat.objects.filter(name=name).update(beat_at=now):
        WorkerBeat.objects.create(name=name, started_at=now, beat_at=now)
    WorkerBeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()


def worker_status() -> dict:
    """What /healthz reports of the workers: the newest beat, and how many beat within the stale limit."""
    from xueji.jobs.models import WorkerBeat

    now = clock.now()
    alive = WorkerBeat.objects.filter(beat_at__gte=now - dt.timedelta(seconds=WORKER_BEAT_STALE_SECONDS))
    newest = WorkerBeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return {"alive": alive.count(), "last_beat": newest.isoformat() if newest else None}


def jobs_maintain() -> dict:
    """The reaper, the cleanup and the apps' periodic work (`registry.register_periodic`) together: the worker's
    maintenance thread and `manage.py jobs_maintain`. One app's periodic work failing stops neither the others nor
    the maintenance (logged, tried again on the next round)."""
    done: dict[str, Any] = {"interrupted": job_reap(), **job_files_cleanup()}
    ran: dict[str, Any] = {}
    for name, fn in periodic().items():
        try:
            ran[name] = fn()
        except Exception:  # logged; the next round tries again
            logger.exception("periodic work %s failed", name)
            ran[name] = None
    done["periodic"] = ran
    return done

