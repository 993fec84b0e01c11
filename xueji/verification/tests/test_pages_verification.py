"""Identity verification through the web: the file exchange (the batch's file downloaded, the register's answers
uploaded and applied); foreign batches, and scopes outside the jurisdiction, answer 404. The run through the
adapter, with the problem records it files, is walked in xueji/problems/tests/test_pages_problems.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.jobs.services import job_run
from xueji.registry.models import Student
from xueji.registry.numbers import issue_temporary
from xueji.verification.models import VerificationBatch
from xueji.verification.tests.helpers import matrix_scene

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _run_latest_job():
    job = job_run(Job.objects.order_by("-pk").first().pk)
    assert job.status == "succeeded", job.error
    return job


def test_foreign_batches_and_scopes_are_404(world, login):
    matrix_scene(world)
    batch = VerificationBatch.objects.get(org_unit=world.units["xuanwu_primary"])
    client = login(world.user("anhui", "registrar"))
    assert client.get(reverse("verification:detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("verification:file", args=[batch.pk])).status_code == 404
    # Out of the jurisdiction as a scope: 404, no job.
    before = Job.objects.count()
    run = reverse("verification:run")
    assert client.post(run, {"org_unit": world.units["jiangsu"].pk}).status_code == 404
    assert Job.objects.count() == before


def test_file_exchange_downloads_the_batch_file_and_takes_answers(world, login):
    issue_temporary(students=list(Student.objects.select_related("school__county")),
                    actor=world.user("tunxi", "registrar"))
    client = login(world.user("tunxi", "registrar"))
    client.post(reverse("verification:export"), {"org_unit": world.units["tunxi"].pk})
    _run_latest_job()
    batch = VerificationBatch.objects.get()
    page = client.get(reverse("verification:detail", args=[batch.pk])).content.decode()
    assert 'data-testid="verify-file"' in page and 'data-testid="answers-form"' in page
    download = client.get(reverse("verification:file", args=[batch.pk]))
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert lines[0] == "reference,id_number,name" and len(lines) == 1 + batch.total == 3
    answers = "reference,id_number,result\n" + "\n".join(
        f"{line.split(',')[0]},{line.split(',')[1]},1" for line in lines[1:]) + "\n"
    response = client.post(reverse("verification:answers", args=[batch.pk]),
                           {"file": SimpleUploadedFile("answers.csv", answers.encode())})
    assert response.status_code == 302
    _run_latest_job()
    batch.refresh_from_db()
    assert batch.status == "done" and batch.answered == 2
    assert all(s.national_number.startswith("G") for s in Student.objects.filter(school__county=world.units["tunxi"]))
