"""Issue 6 item 3: a job's result file is read under the rule the job recorded, every download is audited, and
files expire and are deleted by the cleanup."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.exchange.models import ImportBatch
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
from xueji.jobs import registry
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import JobContext, job_files_cleanup, job_run, job_start, result_file_path


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def export(world, monkeypatch, django_capture_on_commit_callbacks):
    """A school registrar's export with full ID numbers, run through the job framework."""
    def write(ctx):
        ctx.result_path("students.xlsx").write_bytes(b"PK\x03\x04 598 full IDs")
        return {"rows": 598}

    monkeypatch.setitem(registry._handlers, "test.export", write)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=world.user("tunxi_primary", "registrar"), kind="test.export", title="导出")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    return job


def test_a_full_id_export_is_read_by_its_creator_only(world, export, login):
    """Before: every role that could view jobs in the jurisdiction downloaded it (sysadmins, leaders, admissions,
    the authorities above)."""
    assert export.file_cap == "student.view_id"
    url = f"/api/v1/jobs/{export.pk}/download/"
    refused = {}
    for unit, role in (("tunxi_primary", "sysadmin"), ("tunxi_primary", "leader"), ("tunxi", "sysadmin"),
                       ("tunxi", "leader"), ("tunxi", "admissions"), ("tunxi", "registrar"), ("anhui", "sysadmin")):
        response = login(world.user(unit, role)).get(url)
        refused[f"{unit}_{role}"] = (response.status_code, response.json()["code"])
    assert set(refused.values()) == {(403, "file_forbidden")}, refused

    web = login(world.user("tunxi_primary", "leader")).get(reverse("jobs:job_download", args=[export.pk]))
    assert web.status_code == 403
    page = login(world.user("tunxi_primary", "leader")).get(reverse("jobs:job_detail", args=[export.pk]))
    assert reverse("jobs:job_download", args=[export.pk]) not in page.content.decode()  # no button either
    assert 'data-testid="job-file-forbidden"' in page.content.decode()
    answer = login(world.user("tunxi_primary", "leader")).get(f"/api/v1/jobs/{export.pk}/").json()
    assert answer["file_state"] == "forbidden"

    owner = login(world.user("tunxi_primary", "registrar")).get(url)
    assert owner.status_code == 200
    assert b"".join(owner.streaming_content).startswith(b"PK")


def test_every_download_is_audited(world, export, login):
    login(world.user("tunxi_primary", "registrar")).get(f"/api/v1/jobs/{export.pk}/download/")
    login(world.user("tunxi_primary", "leader")).get(f"/api/v1/jobs/{export.pk}/download/")

    rows = list(AuditEvent.objects.filter(action="job.download", object_id=str(export.pk)).order_by("id")
                .values_list("actor_username", "success"))
    assert rows == [("tunxi_primary_registrar", True), ("tunxi_primary_leader", False)]


def test_a_leader_refused_the_import_errors_is_refused_the_job_download_too(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    batch = import_start(actor=registrar, school=world.schools["tunxi_primary"],
                         upload=upload("错.csv", csv_bytes([pupil(1, class_name="没有这个班")])))
    job_run(batch.job_id)
    batch.refresh_from_db()
    assert batch.error_report and batch.error_report == batch.job.result_file

    leader = login(world.user("tunxi_primary", "leader"))
    assert leader.get(reverse("exchange:import_errors", args=[batch.pk])).status_code == 403
    assert leader.get(f"/api/v1/jobs/{batch.job_id}/download/").status_code == 403
    county = login(world.user("tunxi", "registrar"))  # the school's authority helps with the report, both ways
    assert county.get(reverse("exchange:import_errors", args=[batch.pk])).status_code == 200
    assert county.get(f"/api/v1/jobs/{batch.job_id}/download/").status_code == 200
    assert AuditEvent.objects.filter(action="student.import_report", object_id=str(batch.pk)).count() == 1


def test_result_files_expire_after_the_configured_days_and_the_cleanup_deletes_them(world, settings, login,
                                                                                     monkeypatch,
                                                                                     django_capture_on_commit_callbacks):
    settings.XUEJI_JOB_FILE_DAYS = 2
    monkeypatch.setitem(registry._handlers, "test.export",
                        lambda ctx: ctx.result_path("students.xlsx").write_bytes(b"PK"))
    user = world.user("tunxi_primary", "registrar")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=user, kind="test.export", title="导出")
    job.refresh_from_db()
    assert job.file_expires_at - job.finished_at == dt.timedelta(days=2)
    path = result_file_path(job)
    client = login(user)
    assert job_files_cleanup() == {"result_files": 0, "inputs": 0}  # not yet
    assert path.exists()

    Job.objects.filter(pk=job.pk).update(file_expires_at=clock.now() - dt.timedelta(seconds=1))
    expired = client.get(f"/api/v1/jobs/{job.pk}/download/")
    assert (expired.status_code, expired.json()["code"]) == (410, "file_expired")
    page = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert page.status_code == 410 and "已过期" in page.content.decode()
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["file_state"] == "expired"
    assert 'data-testid="job-file-expired"' in client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    call_command("jobs_maintain")

    job.refresh_from_db()
    assert not path.exists() and not path.parent.exists() and job.result_file == ""
    assert AuditEvent.objects.filter(action="job.files_expired").count() == 1


def test_an_interrupted_import_keeps_its_upload_until_it_expires(world, settings):
    registrar = world.user("tunxi_primary", "registrar")
    batch = import_start(actor=registrar, school=world.schools["tunxi_primary"],
                         upload=upload("学生.csv", csv_bytes([pupil(1)])))
    kept = settings.MEDIA_ROOT / batch.stored_file
    ImportBatch.objects.filter(pk=batch.pk).update(status="interrupted",
                                                   finished_at=clock.now() - dt.timedelta(days=6))
    assert job_files_cleanup()["inputs"] == 0 and kept.exists()  # still there for "run again"

    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=clock.now() - dt.timedelta(days=8))
    assert job_files_cleanup()["inputs"] == 1
    batch.refresh_from_db()
    assert not kept.exists() and batch.stored_file == ""


def test_a_masked_export_is_read_by_its_creator_and_its_unit(world, login, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    """A leader's export is masked (the leader may not see IDs): it needs student.view, and stays in the unit."""
    monkeypatch.setitem(registry._handlers, "test.export",
                        lambda ctx: ctx.result_path("students.xlsx").write_bytes(b"PK masked"))
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=world.user("tunxi_primary", "leader"), kind="test.export", title="导出")
    job.refresh_from_db()
    url = f"/api/v1/jobs/{job.pk}/download/"

    assert job.file_cap == "student.view"
    assert {who: login(world.user("tunxi_primary", who)).get(url).status_code
            for who in ("leader", "registrar", "sysadmin")} == {"leader": 200, "registrar": 200, "sysadmin": 403}
    assert login(world.user("tunxi", "registrar")).get(url).status_code == 403


def test_a_file_still_being_written_is_not_served(world, login):
    user = world.user("tunxi_primary", "registrar")
    job = Job.objects.create(kind="test.export", title="t", created_by=user, org_unit=user.org_unit,
                             created_at=clock.now(), status=JobStatus.RUNNING)
    JobContext(job).result_path("students.xlsx").write_bytes(b"PK half")

    response = login(user).get(f"/api/v1/jobs/{job.pk}/download/")

    assert (response.status_code, response.json()["code"]) == (409, "not_finished")
