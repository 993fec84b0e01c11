"""The import API and who may import where."""

import pytest

from xueji.core.errors import Forbidden, NotFound
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
from xueji.jobs.services import job_run


def test_upload_follow_and_download_the_report(world, media, login, registrar, class_name):
    client = login(registrar)
    rows = [pupil(1, class_name=class_name), pupil(2, class_name=class_name, ethnic="火星族")]
    response = client.post("/api/v1/imports/", data={"file": upload("学生.csv", csv_bytes(rows)), "kind": "enrolled"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["file_name"] == "学生.csv"
    assert body["school"] == registrar.org_unit.school.pk
    assert len(body["sha256"]) == 64 and body["progress"] == 0
    job_run(body["job"])  # the worker's part
    detail = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100
    assert (detail["total_rows"], detail["valid_rows"], detail["invalid_rows"]) == (2, 1, 1)
    assert detail["has_error_report"] and detail["error_count"] == 1
    listed = client.get("/api/v1/imports/").json()
    assert [b["id"] for b in listed["results"]] == [body["id"]]
    report = client.get(f"/api/v1/imports/{body['id']}/errors/")
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert b"".join(report.streaming_content).startswith(b"PK")
    # The county sees its schools' imports; another county does not.
    county = login(world.user("tunxi", "registrar"))
    assert county.get(f"/api/v1/imports/{body['id']}/").status_code == 200
    assert county.get(f"/api/v1/imports/{body['id']}/errors/").status_code == 200
    other = login(world.user("shexian", "registrar"))
    assert other.get(f"/api/v1/imports/{body['id']}/").status_code == 404
    assert other.get(f"/api/v1/imports/{body['id']}/errors/").status_code == 404
    # Leaders see the batch but not the report (it holds full ID numbers).
    leader = login(world.user("tunxi_primary", "leader"))
    assert leader.get(f"/api/v1/imports/{body['id']}/").status_code == 200
    assert leader.get(f"/api/v1/imports/{body['id']}/errors/").status_code == 403


def test_refused_files_answer_400_with_the_reason(world, media, login, registrar):
    response = login(registrar).post("/api/v1/imports/", data={"file": upload("学生.xlsx", b"%PDF-1.4 fake")})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "wrong_file_type" and "PDF" in body["message"] and body["field"] == "file"


def test_templates_download(world, media, login, registrar):
    client = login(registrar)
    xlsx = client.get("/api/v1/imports/template/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert "spreadsheetml" in xlsx["Content-Type"]
    csv = client.get("/api/v1/imports/template/?format=csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf*")
    assert client.get("/api/v1/imports/template/").content.startswith(b"PK")
    bad = client.get("/api/v1/imports/template/?format=pdf")
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_format"


def test_a_county_user_cannot_import_into_a_school(world, media, login, school, class_name):
    county = world.user("tunxi", "registrar")
    with pytest.raises(Forbidden):
        import_start(actor=county, school=school, upload=upload("学生.csv", csv_bytes([pupil(1)])))
    response = login(county).post("/api/v1/imports/", data={"file": upload("学生.csv", csv_bytes([pupil(1)]))})
    assert response.status_code == 403
    assert login(county).get("/api/v1/imports/template/").status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_school_registrar_imports_into_its_own_school_only(world, media, registrar, class_name):
    with pytest.raises(NotFound):
        import_start(actor=registrar, school=world.schools["tunxi_middle"],
                     upload=upload("学生.csv", csv_bytes([pupil(1, class_name=class_name)])))
    with pytest.raises(Forbidden):
        import_start(actor=world.user("tunxi_primary", "leader"), school=world.schools["tunxi_primary"],
                     upload=upload("学生.csv", csv_bytes([pupil(1, class_name=class_name)])))
    batch = import_start(actor=registrar, school=world.schools["tunxi_primary"],
                         upload=upload("学生.csv", csv_bytes([pupil(1, class_name=class_name)])))
    assert batch.status == ImportStatus.QUEUED and batch.school == world.schools["tunxi_primary"]


def test_unknown_kind_is_refused(world, media, login, registrar):
    response = login(registrar).post("/api/v1/imports/", data={"file": upload("a.csv", b"x"), "kind": "nope"})
    assert response.status_code == 400


def test_a_refused_file_is_explained_in_the_language_of_the_request(world, media, login, registrar):
    from xueji.exchange.tests.conftest import titles

    content = ("\ufeff" + ",".join(titles()[:3]) + "\r\n").encode()  # three columns of the template only
    client = login(registrar)
    english = client.post("/api/v1/imports/", data={"file": upload("学生.csv", content), "kind": "enrolled"},
                          HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.post("/api/v1/imports/", data={"file": upload("学生.csv", content), "kind": "enrolled"}).json()
    assert english["code"] == chinese["code"] == "wrong_columns"
    assert english["message"].startswith("The file's columns do not match the import template")
    assert "required columns missing: “出生日期”" in english["message"]
    assert chinese["message"].startswith("文件的列与导入模板不符，整个文件未导入。缺少必填列：“出生日期”")
    assert not ImportBatch.objects.exists()


def test_a_file_of_the_wrong_type_is_refused_in_the_language_of_the_request(world, media, login, registrar):
    client = login(registrar)
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
    english = client.post("/api/v1/imports/", data={"file": upload("学生.csv", pdf), "kind": "enrolled"},
                          HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.post("/api/v1/imports/", data={"file": upload("学生.csv", pdf), "kind": "enrolled"}).json()
    assert english["code"] == chinese["code"] == "wrong_file_type"
    assert english["message"].startswith("“学生.csv” is a PDF document, not an Excel workbook or a CSV file.")
    assert chinese["message"].startswith("“学生.csv”的内容是 PDF 文档，不是 Excel 工作簿或 CSV 文件。")
    assert not ImportBatch.objects.exists()
