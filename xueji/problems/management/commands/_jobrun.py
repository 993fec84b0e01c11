"""Shared by the commands that start a registration job as a named user and run it at once."""

from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import transaction

from xueji.accounts.models import User
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import job_claim, job_run
from xueji.regions.models import OrgUnit


def actor_and_scope(username: str, org_code: str | None):
    try:
        actor = User.objects.select_related("org_unit").get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"No active user {username!r}.") from None
    scope = None
    if org_code:
        try:
            scope = OrgUnit.objects.get(code=org_code)
        except OrgUnit.DoesNotExist:
            raise CommandError(f"No organisation unit with code {org_code!r}.") from None
    return actor, scope


def run_now(job, stdout) -> dict:
    """Run the job in this process (the worker would otherwise pick it up) and print its log."""
    job = job_run(job.pk, claimed=job.status == JobStatus.RUNNING)
    stdout.write(job.log.rstrip())
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"job {job.pk} failed: {job.error.splitlines()[0] if job.error else ''}")
    return job.result or {}


def start_and_run(start: Callable[[], Job], stdout) -> dict:
    """Start a job as its service does (`start()` checks the rights and records it) and run it here, at once.
    The job is claimed in the transaction that records it (the worker its commit enqueues it for finds it taken),
    then run outside any transaction: a batch job's chunks commit on their own, so a run over a province holds
    the locks of one chunk at a time, and a crash loses at most that chunk."""
    with transaction.atomic():
        job = start()
        job_claim(job)
    job.refresh_from_db()
    return run_now(job, stdout)
