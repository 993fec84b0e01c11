"""Issue 6 item 15: a job whose worker died is found by its stale heartbeat, marked interrupted with its import
batch, and runs again (重新运行) without duplicates from the upload kept for it."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
from xueji.jobs import registry
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import job_reap, job_run, job_start
from xueji.registry.models import Student


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _running(world, *, beat_ago: dt.timedelta, kind="test.slow"):
    user = world.user("tunxi_primary", "registrar")
    now = clock.now()
    return Job.objects.create(kind=kind, title="t", created_by=user, org_unit=user.org_unit, created_at=now - beat_ago,
                              started_at=now - beat_ago, heartbeat_at=now - beat_ago, status=JobStatus.RUNNING)


def test_the_reaper_marks_a_job_with_a_stale_heartbeat_interrupted(world, settings):
    settings.XUEJI_JOB_STALE_SECONDS = 120
    dead = _running(world, beat_ago=dt.timedelta(minutes=3))
    alive = _running(world, beat_ago=dt.timedelta(seconds=20))

    assert job_reap() == [dead.pk]

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.error_code) == (JobStatus.INTERRUPTED, "interrupted") and dead.finished_at
    assert alive.status == JobStatus.RUNNING
    assert AuditEvent.objects.filter(action="job.interrupted", object_id=str(dead.pk)).count() == 1
    assert job_reap() == []  # once


def test_the_reaper_fails_the_dead_workers_task_too(world):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.create(status=TaskResultStatus.RUNNING, args_kwargs={"args": [1], "kwargs": {}},
                                       task_path="xueji.jobs.tasks.run_job", backend_name="default",
                                       run_after=clock.now(), started_at=clock.now())
    dead = _running(world, beat_ago=dt.timedelta(hours=1))
    Job.objects.filter(pk=dead.pk).update(task_id=str(task.pk))

    job_reap()

    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and task.finished_at is not None


def test_the_heartbeat_moves_with_the_progress(world, monkeypatch, django_capture_on_commit_callbacks):
    beats = []

    def work(ctx):
        Job.objects.filter(pk=ctx.job.pk).update(heartbeat_at=clock.now() - dt.timedelta(hours=1))
        ctx.progress(50, "half way")
        beats.append(Job.objects.get(pk=ctx.job.pk).heartbeat_at)

    monkeypatch.setitem(registry._handlers, "test.beat", work)
    with django_capture_on_commit_callbacks(execute=True):
        job_start(actor=world.user("tunxi_primary", "registrar"), kind="test.beat", title="t")

    assert clock.now() - beats[0] < dt.timedelta(minutes=1)


def test_an_interrupted_import_runs_again_and_continues_without_duplicates(world, login, settings,
                                                                          django_capture_on_commit_callbacks):
    registrar = world.user("tunxi_primary", "registrar")
    school = world.schools["tunxi_primary"]
    class_name = world.classes["tunxi_primary"].display_name
    rows = [pupil(n, class_name=class_name) for n in range(4)]
    # The worker had written the first two pupils when it was killed.
    done = import_start(actor=registrar, school=school, upload=upload("前两行.csv", csv_bytes(rows[:2])))
    job_run(done.job_id)
    with django_capture_on_commit_callbacks(execute=False):  # the job is never run: its worker dies
        batch = import_start(actor=registrar, school=school, upload=upload("学生.csv", csv_bytes(rows)))
    long_ago = clock.now() - dt.timedelta(minutes=10)
    Job.objects.filter(pk=batch.job_id).update(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, started_at=long_ago)
    client = login(registrar)

    page = client.get(reverse("exchange:import_detail", args=[batch.pk])).content.decode()  # reading reaps

    batch.refresh_from_db()
    assert batch.status == ImportStatus.INTERRUPTED and batch.job.status == JobStatus.INTERRUPTED
    assert (settings.MEDIA_ROOT / batch.stored_file).exists()  # kept for the rerun
    assert reverse("jobs:job_rerun", args=[batch.job_id]) in page and "重新运行" in page
    assert 'data-outcome="interrupted"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:job_rerun", args=[batch.job_id]))

    again = ImportBatch.objects.exclude(pk__in=[done.pk, batch.pk]).get()
    assert response["Location"] == reverse("exchange:import_detail", args=[again.pk])
    assert again.job.rerun_of_id == batch.job_id and again.job.status == JobStatus.SUCCEEDED
    assert (again.status, again.valid_rows, again.already_imported_rows) == (ImportStatus.SUCCEEDED, 2, 2)
    for row in rows:
        assert Student.objects.filter(id_number=row["id_number"]).count() == 1
    batch.refresh_from_db()
    assert batch.stored_file == "" and not list((settings.MEDIA_ROOT / "imports").rglob("*.csv"))
    # Once run again, the old job offers no second rerun.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/jobs/{batch.job_id}/rerun/").status_code == 409
    assert ImportBatch.objects.count() == 3


def test_only_the_creator_reruns_and_only_an_interrupted_or_failed_job(world, login, monkeypatch):
    monkeypatch.setitem(registry._handlers, "test.slow", lambda ctx: None)
    dead = _running(world, beat_ago=dt.timedelta(hours=1))
    job_reap()

    other = login(world.user("tunxi_primary", "leader")).post(f"/api/v1/jobs/{dead.pk}/rerun/")
    assert (other.status_code, other.json()["code"]) == (403, "not_yours")
    assert Job.objects.count() == 1

    finished = _running(world, beat_ago=dt.timedelta(seconds=1))
    Job.objects.filter(pk=finished.pk).update(status=JobStatus.SUCCEEDED)
    client = login(world.user("tunxi_primary", "registrar"))
    refused = client.post(f"/api/v1/jobs/{finished.pk}/rerun/")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_rerunnable")
    assert Job.objects.count() == 2

    rerun = client.post(f"/api/v1/jobs/{dead.pk}/rerun/")
    assert rerun.status_code == 201 and rerun.json()["rerun_of"] == dead.pk
