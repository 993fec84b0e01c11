"""Issue 11 item 8: the controls of a bulk export of pupils' personal data. Past the province's size threshold the
export waits for the leader of the requester's unit (approved: it runs; rejected: nothing); every file carries a
visible and an embedded watermark read back to the export; a province may require an encrypted archive; expired
files answer 410 and are deleted; every download is audited."""

import datetime as dt
import io
import zipfile

import pytest
import pyzipper
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.spreadsheets import Watermark, read_custom_properties
from xueji.jobs.exportfiles import trace_code, trace_job_id, trace_read
from xueji.jobs.models import Job
from xueji.jobs.tests.helpers import download
from xueji.policy.models import PolicySetting
from xueji.registry.services import students_export_start
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide, request_reject

pytestmark = pytest.mark.django_db

ANHUI = "340000"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _setting(key, value):
    PolicySetting.objects.update_or_create(province_code=ANHUI, key=key, defaults={"value": value})


def _export(user, on_commit, **filters):
    with on_commit(execute=True):
        return students_export_start(actor=user, filters=filters)


def test_below_the_threshold_the_export_runs_at_once(world, django_capture_on_commit_callbacks):
    started = _export(world.user("tunxi", "registrar"), django_capture_on_commit_callbacks)  # default 1,000
    assert started.request is None and started.job is not None
    started.job.refresh_from_db()
    assert started.job.status == "succeeded" and Request.objects.count() == 0


def test_past_the_threshold_the_leader_approves_and_then_it_runs(world, django_capture_on_commit_callbacks):
    _setting("export.approval_rows", 1)
    registrar = world.user("tunxi", "registrar")
    started = _export(registrar, django_capture_on_commit_callbacks)
    assert started.job is None and started.rows > 1 and started.threshold == 1
    assert Job.objects.count() == 0  # nothing exported yet
    request = started.request
    assert request.status == "pending"
    step = request.steps.get()
    assert (step.org_unit_id, step.role) == (registrar.org_unit_id, "leader")  # the leader of the requester's unit

    with django_capture_on_commit_callbacks(execute=True):
        request_decide(actor=world.user("tunxi", "leader"), request=request, approve=True)
    job = Job.objects.get()
    assert (job.created_by, job.params["request"], job.status) == (registrar, request.pk, "succeeded")
    request.refresh_from_db()
    assert request.status == "approved" and request.result == {"job": job.pk}


def test_a_units_only_leader_is_approved_by_the_level_above(world, django_capture_on_commit_callbacks):
    _setting("export.approval_rows", 1)
    leader = world.user("tunxi", "leader")
    started = _export(leader, django_capture_on_commit_callbacks)
    step = started.request.steps.get()
    assert (step.org_unit_id, step.role) == (leader.org_unit.parent_id, "leader")  # not their own request
    with django_capture_on_commit_callbacks(execute=True):
        request_decide(actor=world.user("huangshan", "leader"), request=started.request, approve=True)
    assert Job.objects.get().created_by == leader


def test_a_rejected_export_exports_nothing(world, django_capture_on_commit_callbacks):
    _setting("export.approval_rows", 1)
    started = _export(world.user("tunxi", "registrar"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        request_reject(actor=world.user("tunxi", "leader"), request=started.request, comment="不必要")
    assert Job.objects.count() == 0
    assert not AuditEvent.objects.filter(action="student.export").exists()


def test_the_page_and_the_api_say_the_export_waits_for_approval(world, login, django_capture_on_commit_callbacks):
    _setting("export.approval_rows", 1)
    client = login(world.user("tunxi", "registrar"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:student_export"), {}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    request = Request.objects.get()
    assert response.redirect_chain[-1][0] == reverse("workflow:request_detail", args=[request.pk])
    assert "领导审批" in response.content.decode()
    api = client.post("/api/v1/students/export/", {}, format="json")
    assert api.status_code == 202 and api.json()["approval_required"] is True
    assert api.json()["threshold"] == 1 and Job.objects.count() == 0


def _xlsx(job) -> zipfile.ZipFile:
    from xueji.jobs.selectors import result_file_path

    return zipfile.ZipFile(result_file_path(job))


def test_every_file_carries_a_visible_and_an_embedded_watermark_read_back(world, django_capture_on_commit_callbacks,
                                                                          capsys, login):
    registrar = world.user("tunxi", "registrar")
    job = _export(registrar, django_capture_on_commit_callbacks).job
    job.refresh_from_db()
    with _xlsx(job) as xlsx:
        sheet1 = xlsx.read("xl/worksheets/sheet1.xml").decode()
        notice = xlsx.read("xl/worksheets/sheet2.xml").decode()
        properties = read_custom_properties(xlsx)
        assert "导出说明" in xlsx.read("xl/workbook.xml").decode()
    code = trace_code(job.pk)
    assert "<oddHeader>" in sheet1 and registrar.username in sheet1 and code in sheet1  # every sheet's header
    assert registrar.username in notice and registrar.org_unit.name in notice and code in notice
    assert properties[Watermark.TRACE_PROPERTY] == code and properties["xueji_unit"].startswith(
        registrar.org_unit.name)
    assert trace_read(_xlsx(job).filename).job == job

    download(login(registrar), job)
    call_command("export_trace", _xlsx(job).filename)
    out = capsys.readouterr().out
    assert f"trace {code}: genuine" in out and registrar.username in out and "downloads: 1" in out


def test_a_forged_trace_code_is_refused():
    assert trace_job_id(trace_code(42)) == 42
    assert trace_job_id(trace_code(42).replace("-42-", "-43-")) is None
    assert trace_job_id("XJ1-42-0000000000000000") is None


def test_a_province_that_requires_it_gets_an_encrypted_archive(world, login, django_capture_on_commit_callbacks):
    _setting("export.encrypt", True)
    registrar = world.user("tunxi", "registrar")
    job = _export(registrar, django_capture_on_commit_callbacks).job
    job.refresh_from_db()
    assert job.file_encrypted and job.result_file.endswith(".xlsx.zip")
    with connection.cursor() as cursor:  # the waiting password is sealed, not stored as it is shown
        cursor.execute("SELECT file_password FROM jobs_job WHERE id = %s", [job.pk])
        stored = cursor.fetchone()[0]
    assert stored and job.file_password and job.file_password not in stored
    client = login(registrar)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert 'data-testid="job-file-password"' in page
    job.refresh_from_db()
    assert job.file_password is None  # shown once: erased
    password = page.split('user-select-all">')[1].split("</code>")[0]
    again = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert 'data-testid="job-file-password"' not in again

    data = b"".join(download(client, job).streaming_content)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        name = archive.namelist()[0]
        with pytest.raises(RuntimeError):  # unreadable without the password
            archive.read(name)
        archive.setpassword(password.encode())
        inner = zipfile.ZipFile(io.BytesIO(archive.read(name)))
    assert "xl/worksheets/sheet1.xml" in inner.namelist()
    assert trace_read(_xlsx(job).filename, password=password).job == job


def test_expired_files_answer_410_and_the_cleanup_deletes_them(world, login, settings,
                                                               django_capture_on_commit_callbacks):
    settings.XUEJI_JOB_FILE_DAYS = 3
    registrar = world.user("tunxi", "registrar")
    job = _export(registrar, django_capture_on_commit_callbacks).job
    job.refresh_from_db()
    assert job.file_expires_at - job.finished_at == dt.timedelta(days=3)
    path = _xlsx(job).filename
    Job.objects.filter(pk=job.pk).update(file_expires_at=clock.now() - dt.timedelta(seconds=1))
    page = login(registrar).get(reverse("jobs:job_download", args=[job.pk]))
    assert page.status_code == 410 and "已过期" in page.content.decode()
    call_command("cleanup")
    import os

    assert not os.path.exists(path)


def test_every_download_of_an_export_is_audited(world, login, django_capture_on_commit_callbacks):
    registrar = world.user("tunxi", "registrar")
    job = _export(registrar, django_capture_on_commit_callbacks).job
    client = login(registrar)
    download(client, job)
    client.get(f"/api/v1/jobs/{job.pk}/download/")
    assert AuditEvent.objects.filter(action="job.download", object_id=str(job.pk), success=True).count() == 2


def test_an_export_of_full_id_numbers_waits_for_another_persons_approval_whatever_its_size(
        world, django_capture_on_commit_callbacks):
    """T-EXP: with the province's export.full_id_approval, a registrar's export (which holds full ID numbers) waits
    for the leader however few pupils it holds; the requester cannot approve it; a masked export runs at once."""
    from xueji.core.errors import XuejiError

    _setting("export.approval_rows", 0)  # no size threshold at all
    _setting("export.full_id_approval", True)
    registrar, leader = world.user("tunxi", "registrar"), world.user("tunxi", "leader")
    started = _export(registrar, django_capture_on_commit_callbacks, school=world.schools["tunxi_primary"].pk)
    assert started.job is None and started.full_ids and Job.objects.count() == 0
    assert "完整身份证件号" in started.held_words() or "full ID numbers" in started.held_words()
    with pytest.raises(XuejiError):
        request_decide(actor=registrar, request=started.request, approve=True)  # nobody approves their own
    assert Job.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        request_decide(actor=leader, request=started.request, approve=True)
    assert Job.objects.get().created_by == registrar
    masked = _export(leader, django_capture_on_commit_callbacks)  # a leader sees masked IDs only: at once
    assert masked.request is None and masked.job is not None


def test_an_export_past_the_cap_is_refused_with_a_clear_message_and_nothing_started(
        world, login, django_capture_on_commit_callbacks):
    _setting("export.max_rows", 1)
    registrar = world.user("tunxi", "registrar")
    from xueji.core.errors import XuejiError

    with pytest.raises(XuejiError) as refused:
        _export(registrar, django_capture_on_commit_callbacks)
    assert refused.value.code == "export_too_large" and refused.value.details["cap"] == 1
    api = login(registrar).post("/api/v1/students/export/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert api.status_code == 400 and api.json()["code"] == "export_too_large"
    assert "1" in api.json()["message"] and "分批" in api.json()["message"]
    assert Job.objects.count() == 0 and Request.objects.count() == 0


def test_a_download_link_works_once_and_expires_and_each_refusal_is_audited(
        world, login, django_capture_on_commit_callbacks):
    from xueji.jobs.tests.helpers import download_url

    registrar = world.user("tunxi", "registrar")
    job = _export(registrar, django_capture_on_commit_callbacks).job
    client = login(registrar)
    link = download_url(client, job)
    assert "?link=" in link
    assert client.get(link).status_code == 200
    again = client.get(link)  # the same link a second time
    assert again.status_code == 410 and "已" in again.content.decode()
    refused = AuditEvent.objects.get(action="job.download", object_id=str(job.pk), success=False)
    assert refused.after["refused"] == "link_used"
    assert client.get(download_url(client, job)).status_code == 200  # the page gives a fresh link

    late = download_url(client, job)
    with clock.frozen(clock.now() + dt.timedelta(minutes=11)):  # past XUEJI_DOWNLOAD_LINK_MINUTES (10)
        assert client.get(late).status_code == 410
    bare = client.get(reverse("jobs:job_download", args=[job.pk]))  # no link: back to the page for one
    assert bare.status_code == 302 and bare["Location"] == reverse("jobs:job_detail", args=[job.pk])
    reasons = sorted(e.after["refused"] for e in AuditEvent.objects.filter(
        action="job.download", object_id=str(job.pk), success=False))
    assert reasons == ["link_expired", "link_used"]
    assert AuditEvent.objects.filter(action="job.download", object_id=str(job.pk), success=True).count() == 2

    # A link is its user's own: a colleague of the same unit, who may read the (masked) file, cannot use it.
    leader = world.user("tunxi", "leader")
    masked = _export(leader, django_capture_on_commit_callbacks).job
    owners = Client()
    owners.force_login(leader)
    theirs = download_url(owners, masked)
    refused = client.get(theirs)
    assert refused.status_code == 403
    assert AuditEvent.objects.get(action="job.download", object_id=str(masked.pk), success=False).after[
        "refused"] == "link_unknown"
    assert owners.get(theirs).status_code == 200  # still unused: its owner downloads
