"""Exporting students from the list page: the job runs, its page polls progress, the file downloads."""

import pytest
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.jobs.tests.helpers import download_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_export_runs_and_downloads(world, login, django_capture_on_commit_callbacks):
    client = login(world.user("tunxi", "registrar"))
    school = world.schools["tunxi_primary"]
    # The list page carries its applied filters into the export form.
    html = client.get(reverse("registry:student_list"), {"school": school.pk}).content.decode()
    assert f'<input type="hidden" name="school" value="{school.pk}">' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:student_export"), {"school": school.pk})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert job.status == "succeeded", job.error
    assert job.params == {"filters": {"school": school.pk}}

    page = client.get(response["Location"]).content.decode()
    assert "导出已开始" in page  # the message after starting
    assert 'data-status="succeeded"' in page and "hx-get" not in page  # finished: no more polling
    assert reverse("jobs:job_download", args=[job.pk]) in page

    download = client.get(download_url(client, job))  # the page's single-use link
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an xlsx is a zip

    # The job is visible in the jobs list and on the workbench.
    assert job.title in client.get(reverse("jobs:job_list")).content.decode()
    assert reverse("jobs:job_detail", args=[job.pk]) in client.get(reverse("ui:workbench")).content.decode()


def test_a_running_job_polls_its_progress(world, login):
    user = world.user("tunxi_primary", "registrar")
    job = Job.objects.create(kind="registry.export_students", title="导出学生名单", created_by=user,
                             org_unit=user.org_unit, created_at=user.date_joined, status="running", progress=40)
    client = login(user)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    progress_url = reverse("jobs:job_progress", args=[job.pk])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    assert "/static/django_htmx/htmx-2.min.js" in page  # htmx from the django-htmx wheel, no CDN
    fragment = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'data-progress="40"' in fragment and 'hx-trigger="every 1s"' in fragment
    # No result file: download is not found.
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


def test_foreign_jobs_and_exports(world, login):
    owner = world.user("xuanwu_primary", "registrar")
    job = Job.objects.create(kind="registry.export_students", title="t", created_by=owner, org_unit=owner.org_unit,
                             created_at=owner.date_joined)
    client = login(world.user("anhui", "registrar"))
    for name in ("jobs:job_detail", "jobs:job_progress", "jobs:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    # Exporting a school outside the jurisdiction: not found, no job.
    response = client.post(reverse("registry:student_export"), {"school": world.schools["xuanwu_primary"].pk})
    assert response.status_code == 404
    assert Job.objects.count() == 1
