"""Bulk import through the web: templates, upload, the batch page with its job's progress, the error report,
re-uploading without duplicates, refused files with their reason, and on to registration."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.tests.conftest import csv_bytes, pupil
from xueji.jobs.services import job_run
from xueji.policy.models import PolicySetting
from xueji.registry.models import RegStatus, Student
from xueji.workflow.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, content: bytes, name: str = "三年级一班.csv", kind: str = "enrolled"):
    return client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile(name, content), "kind": kind})


def test_templates_download_from_the_web(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("exchange:import_list")).content.decode()
    assert 'data-testid="template-xlsx"' in html and reverse("exchange:import_upload") in html
    xlsx = client.get(reverse("exchange:import_template"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK") and "spreadsheetml" in xlsx["Content-Type"]
    assert "import-template.xlsx" in xlsx["Content-Disposition"]
    csv = client.get(reverse("exchange:import_template"), {"format": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbf")
    # Authorities do not import into schools: no template, no upload.
    county = login(world.user("tunxi", "registrar"))
    assert county.get(reverse("exchange:import_template")).status_code == 403
    assert 'data-testid="template-xlsx"' not in county.get(reverse("exchange:import_list")).content.decode()


def test_import_a_class_follow_it_and_submit_the_drafts(world, window, login):
    class_name = world.classes["tunxi_primary"].display_name
    content = csv_bytes([pupil(1, class_name=class_name), pupil(2, class_name=class_name, ethnic="火星族")])
    client = login(world.user("tunxi_primary", "registrar"))
    assert 'data-testid="import-form"' in client.get(reverse("exchange:import_upload")).content.decode()
    response = _upload(client, content)
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("exchange:import_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "文件已接收，正在后台导入。" in page
    assert f'hx-get="{reverse("exchange:import_progress", args=[batch.pk])}"' in page  # polls while queued

    job_run(batch.job_id)  # the worker's part
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED
    fragment = client.get(reverse("exchange:import_progress", args=[batch.pk]), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html and "hx-get" not in html  # finished: no more polling
    assert 'data-count="total">2<' in html and 'data-count="valid">1<' in html and 'data-count="invalid">1<' in html
    assert 'data-status="succeeded"' in html and 'data-progress="100"' in html
    report = client.get(reverse("exchange:import_errors", args=[batch.pk]))
    assert report.status_code == 200 and b"".join(report.streaming_content).startswith(b"PK")
    assert "错误报告" in html and reverse("exchange:import_errors", args=[batch.pk]) in html

    # Uploading the same file again imports nothing twice.
    _upload(client, content)
    again = ImportBatch.objects.exclude(pk=batch.pk).get()
    job_run(again.job_id)
    again.refresh_from_db()
    assert (again.valid_rows, again.already_imported_rows) == (0, 1)
    assert Student.objects.filter(reg_status=RegStatus.DRAFT).count() == 1

    # On to registration: the drafts page, and one request for the imported pupil.
    assert f'{reverse("registration:draft_list")}?kind=enrolled' in html
    drafts = client.get(reverse("registration:draft_list"), {"kind": "enrolled"}).content.decode()
    imported = Student.objects.get(reg_status=RegStatus.DRAFT)
    assert f'name="student_ids" value="{imported.pk}"' in drafts
    client.post(reverse("registration:registration_submit"), {"kind": "enrolled", "everything": "1"})
    assert Request.objects.get().payload["student_ids"] == [imported.pk]


def test_refused_files_say_why(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    response = _upload(client, b"%PDF-1.4 not a workbook", name="学生.xlsx")
    assert response.status_code == 200
    html = response.content.decode()
    assert "内容是 PDF 文档" in html and 'data-testid="form-errors"' in html
    columns = _upload(client, "姓名,性别\r\n张三,男\r\n".encode(), name="学生.csv").content.decode()
    assert "文件的列与导入模板不符" in columns and "缺少必填列" in columns
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_province_limit_is_refused_while_streaming(world, login):
    PolicySetting.objects.create(province_code="340000", key="import.max_bytes", value=1024)
    client = login(world.user("tunxi_primary", "registrar"))
    referer = "http://testserver" + reverse("exchange:import_upload")
    big = csv_bytes([pupil(n) for n in range(40)])
    assert 1024 < len(big) < 64 * 1024  # under the multipart slack: refused while the file streams in
    response = client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile("大.csv", big),
                                                               "kind": "enrolled"}, HTTP_REFERER=referer)
    assert response.status_code == 302 and response["Location"] == referer
    html = client.get(reverse("exchange:import_upload")).content.decode()
    assert "超过导入文件的上限" in html
    assert not ImportBatch.objects.exists()


def test_who_sees_imports_and_error_reports(world, login):
    class_name = world.classes["tunxi_primary"].display_name
    client = login(world.user("tunxi_primary", "registrar"))
    _upload(client, csv_bytes([pupil(3, class_name=class_name, ethnic="火星族")]))
    batch = ImportBatch.objects.get()
    job_run(batch.job_id)
    county = login(world.user("tunxi", "registrar"))
    assert "三年级一班.csv" in county.get(reverse("exchange:import_list")).content.decode()
    assert county.get(reverse("exchange:import_errors", args=[batch.pk])).status_code == 200
    leader = login(world.user("tunxi_primary", "leader"))
    page = leader.get(reverse("exchange:import_detail", args=[batch.pk])).content.decode()
    assert reverse("exchange:import_errors", args=[batch.pk]) not in page  # full ID numbers: not for leaders
    assert leader.get(reverse("exchange:import_errors", args=[batch.pk])).status_code == 403
    other = login(world.user("shexian", "registrar"))
    for name in ("exchange:import_detail", "exchange:import_progress", "exchange:import_errors"):
        assert other.get(reverse(name, args=[batch.pk])).status_code == 404


def test_the_upload_still_checks_csrf(world):
    """The view sets its streaming upload handlers before anything reads the body, so it is csrf_exempt for the
    middleware and checks the token itself (Django's documented pattern): without the token, 403."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("tunxi_primary", "registrar"))
    page = client.get(reverse("exchange:import_upload")).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    content = csv_bytes([pupil(5, class_name=world.classes["tunxi_primary"].display_name)])
    refused = client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile("a.csv", content),
                                                              "kind": "enrolled"})
    assert refused.status_code == 403 and not ImportBatch.objects.exists()
    accepted = client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile("a.csv", content),
                                                               "kind": "enrolled", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302 and ImportBatch.objects.count() == 1
