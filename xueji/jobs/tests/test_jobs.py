"""Background jobs: recorded, run after commit, their failures kept, visible within the jurisdiction only."""

import pytest
from django.urls import reverse

from xueji.core.errors import ValidationFailed
from xueji.jobs import registry
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import JobContext, job_run, job_start, result_file_path


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def handlers(monkeypatch):
    """Register job kinds for one test only."""

    def _register(kind, fn):
        monkeypatch.setitem(registry._handlers, kind, fn)

    return _register


def test_a_job_runs_after_its_transaction_commits(world, handlers, django_capture_on_commit_callbacks):
    seen = []

    def count(ctx):
        seen.append(ctx.params["n"])
        ctx.progress(50, "half way")
        return {"counted": ctx.params["n"]}

    handlers("test.count", count)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=world.user("tunxi_primary", "registrar"), kind="test.count", title="数数",
                        params={"n": 3})
        assert seen == []  # nothing runs before the commit

    job.refresh_from_db()
    assert seen == [3]
    assert (job.status, job.progress, job.result) == (JobStatus.SUCCEEDED, 100, {"counted": 3})
    assert "half way" in job.log
    assert job.org_unit == world.units["tunxi_primary"]
    assert job.started_at <= job.finished_at


def test_a_failing_job_is_recorded_with_its_error(world, handlers, django_capture_on_commit_callbacks):
    def refuse(ctx):
        ctx.progress(10, "starting")
        raise ValidationFailed("the source file has no sheet 学生", code="no_sheet")

    handlers("test.refuse", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=world.user("tunxi_primary", "registrar"), kind="test.refuse", title="坏任务")

    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "no_sheet")
    assert job.error == "the source file has no sheet 学生"  # a refusal's own message is for the user
    assert job.finished_at is not None and job.result is None


def test_a_crash_shows_a_short_message_and_keeps_the_traceback_for_the_operator(
        world, handlers, login, django_capture_on_commit_callbacks, caplog):
    """Issue 6 item 18: the API `error` field and the job page carried the traceback with server paths."""
    def explode(ctx):
        raise OSError("[Errno 28] No space left on device: '/srv/xueji/var/files/jobs/1/students.xlsx'")

    handlers("test.explode", explode)
    user = world.user("tunxi_primary", "registrar")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=user, kind="test.explode", title="坏任务")
    job.refresh_from_db()
    client = login(user)

    answer = client.get(f"/api/v1/jobs/{job.pk}/").json()
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()

    assert (answer["status"], answer["error_code"]) == ("failed", "internal")
    assert answer["error"] == "任务因内部错误而中止。管理员可按任务编号在服务器日志中查看详情。"
    for shown in (answer["error"], page):
        assert "/srv/xueji" not in shown and "Traceback" not in shown and "OSError" not in shown
    assert "任务因内部错误而中止" in page
    assert "error_detail" not in answer
    assert "Traceback" in job.error_detail and "/srv/xueji/var/files" in job.error_detail  # for the operator
    assert "No space left on device" in caplog.text  # and in the server log


def test_a_job_runs_once(world, handlers):
    runs = []
    handlers("test.once", lambda ctx: runs.append(1))
    job = Job.objects.create(kind="test.once", title="t", created_by=world.user("tunxi", "registrar"),
                             org_unit=world.units["tunxi"], created_at=world.units["tunxi"].created_at)

    job_run(job.pk)
    job_run(job.pk)

    assert runs == [1]


def test_an_unknown_kind_is_refused_at_start(world):
    with pytest.raises(KeyError):
        job_start(actor=world.user("tunxi", "registrar"), kind="no.such.kind", title="?")

    assert not Job.objects.exists()


def test_a_result_file_outside_the_job_folder_is_never_served(world, tmp_path):
    job = Job.objects.create(kind="x", title="t", created_by=world.user("tunxi", "registrar"),
                             org_unit=world.units["tunxi"], created_at=world.units["tunxi"].created_at,
                             result_file="../../etc/passwd")

    assert result_file_path(job) is None


@pytest.fixture
def jobs(world):
    """A finished job with a result file at each of two schools."""
    made = {}
    for school in ("tunxi_primary", "xuanwu_primary"):
        user = world.user(school, "registrar")
        job = Job.objects.create(kind="test.file", title=f"{school} job", created_by=user, org_unit=user.org_unit,
                                 created_at=user.date_joined, status=JobStatus.SUCCEEDED)
        JobContext(job).result_path("result.xlsx").write_bytes(b"PK\x03\x04")
        made[school] = job
    return made


def test_jobs_are_listed_within_the_jurisdiction(world, jobs, login):
    titles = {
        unit: {j["title"] for j in login(world.user(unit, "leader")).get("/api/v1/jobs/").json()["results"]}
        for unit in ("tunxi_primary", "tunxi_middle", "tunxi", "jiangsu")
    }

    assert titles == {"tunxi_primary": {"tunxi_primary job"}, "tunxi_middle": set(), "tunxi": {"tunxi_primary job"},
                      "jiangsu": {"xuanwu_primary job"}}


def test_another_schools_job_answers_404(world, jobs, login):
    client = login(world.user("tunxi_primary", "registrar"))
    own, other = jobs["tunxi_primary"], jobs["xuanwu_primary"]

    assert client.get(f"/api/v1/jobs/{own.pk}/").status_code == 200
    assert client.get(f"/api/v1/jobs/{own.pk}/download/").status_code == 200
    assert client.get(f"/api/v1/jobs/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{other.pk}/download/").status_code == 404


def test_a_job_without_a_file_has_nothing_to_download(world, login):
    user = world.user("tunxi_primary", "registrar")
    job = Job.objects.create(kind="x", title="t", created_by=user, org_unit=user.org_unit, created_at=user.date_joined)

    response = login(user).get(f"/api/v1/jobs/{job.pk}/download/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_my_jobs_filter(world, jobs, login):
    other = world.user("tunxi_primary", "leader")
    Job.objects.create(kind="x", title="leader job", created_by=other, org_unit=other.org_unit,
                       created_at=other.date_joined)
    client = login(world.user("tunxi_primary", "registrar"))

    assert {j["title"] for j in client.get("/api/v1/jobs/?mine=1").json()["results"]} == {"tunxi_primary job"}
    assert len(client.get("/api/v1/jobs/?mine=0").json()["results"]) == 2
    assert client.get("/api/v1/jobs/?mine=perhaps").status_code == 400


def test_auditors_see_no_jobs(world, jobs, login):
    assert login(world.user("tunxi_primary", "auditor")).get("/api/v1/jobs/").status_code == 403
