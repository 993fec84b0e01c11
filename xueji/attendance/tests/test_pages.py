"""The attendance pages and API as users meet them: the class grid (masked numbers, saved by the school only), the
import page listing every row error, the county's case list with its follow-up, the province's totals, the registers
and the audited export, the monthly report's page (generate, sign by the leader, submit), each list within a bound of
queries."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.attendance.choices import CaseStatus
from xueji.attendance.models import Absence, DropoutCase, MonthlyReport
from xueji.attendance.tests.helpers import make_case
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.registry.models import Student

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def klass(world):
    klass = world.classes["tunxi_primary"]
    for n in range(5):
        Student.objects.create(school=klass.school, school_class=klass, province_code="340000", name=f"格{n}",
                               sex="2", birth_date=dt.date(2017, 6, 1 + n), national_number=f"G3410022017060{n:05d}",
                               id_number=f"34100220170601{n:03d}X")
    return klass


def test_the_school_saves_a_day_in_the_grid_and_numbers_are_masked_for_the_leader(world, klass, login,
                                                                                 django_assert_max_num_queries):
    pupils = list(Student.objects.filter(school_class=klass).order_by("pk"))
    client = login(world.user("tunxi_primary", "registrar"))
    with clock.frozen(MONDAY):
        answer = client.post(f"/attendance/classes/{klass.pk}/", {
            "date": MONDAY.isoformat(), f"kind_{pupils[1].pk}": "unexcused", f"kind_{pupils[2].pk}": "sick"})
    assert answer.status_code == 302
    assert set(Absence.objects.values_list("student_id", "kind")) == {(pupils[1].pk, "unexcused"),
                                                                     (pupils[2].pk, "sick")}
    client = login(world.user("tunxi_primary", "leader"))
    with clock.frozen(MONDAY), django_assert_max_num_queries(25):
        page = client.get(f"/attendance/classes/{klass.pk}/", {"date": MONDAY.isoformat()})
    assert page.status_code == 200
    assert pupils[1].national_number.encode() not in page.content  # masked for the leader
    assert b'value="unexcused" aria-label' in page.content and b"disabled" in page.content
    with clock.frozen(MONDAY):
        refused = client.post(f"/attendance/classes/{klass.pk}/", {"date": MONDAY.isoformat()})
    assert refused.status_code == 403


def test_the_class_list_counts_each_class_absences_within_a_bound(world, klass, login,
                                                                  django_assert_max_num_queries):
    client = login(world.user("tunxi", "registrar"))
    with django_assert_max_num_queries(25):
        page = client.get("/attendance/classes/")
    assert page.status_code == 200 and klass.display_name.encode() in page.content


def test_the_import_page_lists_every_row_error(world, klass, login):
    client = login(world.user("tunxi_primary", "registrar"))
    text = ("学校代码,学籍号,日期,缺勤类型\n3410211001,G000,2026-03-02,旷课\n3410021001,G000,2026-03-02,旷课\n")
    with clock.frozen(MONDAY):
        page = client.post("/attendance/import/", {"file": SimpleUploadedFile("a.csv", text.encode())})
    assert page.status_code == 200
    html = page.content.decode()
    assert "3410211001" in html and html.count("<tr><td>") >= 2
    assert not Absence.objects.exists()


def test_the_county_follows_up_a_case_and_the_province_sees_the_totals(world, login,
                                                                     django_assert_max_num_queries):
    for student in world.students.values():
        make_case(student, opened_on=dt.date(2026, 2, 2))
    case = DropoutCase.objects.get(student=world.students["tunxi_primary"])
    client = login(world.user("tunxi", "registrar"))
    with django_assert_max_num_queries(25):
        page = client.get("/attendance/cases/")
    assert page.status_code == 200 and page.context["total"] == 2  # tunxi's two schools
    answer = client.post(f"/attendance/cases/{case.pk}/", {"kind": "returned", "on": clock.today().isoformat(),
                                                          "note": "已返校"})
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    client = login(world.user("anhui", "leader"))
    with django_assert_max_num_queries(25):
        page = client.get("/attendance/cases/")
    assert [row["county__name"] for row in page.context["totals"]] == ["yaohai authority", "tunxi authority",
                                                                        "shexian authority"]
    api = client.get("/api/v1/attendance/cases/totals/")
    assert api.status_code == 200 and len(api.json()["oldest_open"]) == 3


def test_registers_and_the_audited_export(world, login, django_assert_max_num_queries):
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(is_left_behind=True, is_migrant=True)
    client = login(world.user("tunxi", "leader"))
    for url in ("/attendance/registers/migrant/", "/attendance/registers/left-behind/",
                "/attendance/registers/eligibility/?programme=nutrition",
                "/attendance/registers/eligibility/?programme=aid"):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200, url
    assert client.get("/attendance/registers/eligibility/?programme=other").status_code == 404
    answer = client.get("/attendance/registers/eligibility/export/?programme=nutrition")
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    pupil = world.students["tunxi_primary"]
    assert pupil.name in sheet and pupil.id_number not in sheet  # the leader sees masked ID numbers
    event = AuditEvent.objects.get(action="attendance.eligibility_export")
    assert event.after["rows"] == 2 and event.after["full_ids"] is False


def test_the_monthly_report_page_generates_signs_and_submits(world, login):
    with clock.frozen(dt.date(2026, 3, 2)):
        client = login(world.user("tunxi", "registrar"))
        assert client.post("/attendance/reports/", {"month": "2026-02"}).status_code == 302
        report = MonthlyReport.objects.get()
        page = client.get(f"/attendance/reports/{report.pk}/")
        assert page.status_code == 200 and "figures" in page.content.decode()
        assert client.post(f"/attendance/reports/{report.pk}/", {"action": "save", "home_visits": "3",
                                                                  "persuaded_back": "1"}).status_code == 302
        client.post(f"/attendance/reports/{report.pk}/", {"action": "sign"})
        report.refresh_from_db()
        assert report.status == "draft"  # the registrar may not sign
        client = login(world.user("tunxi", "leader"))
        assert client.post(f"/attendance/reports/{report.pk}/", {"action": "sign"}).status_code == 302
        assert client.post(f"/attendance/reports/{report.pk}/", {"action": "submit"}).status_code == 302
        report.refresh_from_db()
        assert (report.status, report.manual["home_visits"]) == ("submitted", 3)
        city = login(world.user("huangshan", "leader")).get("/attendance/reports/", {"month": "2026-02"})
        rows = {row["unit"].name: row["report"] for row in city.context["status"]}
        assert rows["tunxi authority"].pk == report.pk and rows["shexian authority"] is None


def test_api_report_wrong_signer_answers_its_code(world, client):
    with clock.frozen(dt.date(2026, 3, 2)):
        client.force_login(world.user("tunxi", "registrar"))
        made = client.post("/api/v1/attendance/reports/", {"month": "2026-02"}, content_type="application/json")
        assert made.status_code == 201, made.content
        refused = client.post(f"/api/v1/attendance/reports/{made.json()['id']}/sign/")
    assert refused.status_code == 403 and refused.json()["code"] == "report_wrong_signer"


def test_api_grid_and_import(world, klass, client):
    pupil = Student.objects.filter(school_class=klass, national_number__isnull=False).order_by("pk").first()
    client.force_login(world.user("tunxi_primary", "registrar"))
    with clock.frozen(MONDAY):
        answer = client.post(f"/api/v1/attendance/classes/{klass.pk}/absences/",
                             {"date": MONDAY.isoformat(), "entries": {str(pupil.pk): "unexcused"}},
                             content_type="application/json")
        assert answer.status_code == 200, answer.content
        assert [p["kind"] for p in answer.json()["pupils"] if p["id"] == pupil.pk] == ["unexcused"]
        text = f"学校代码,学籍号,日期\n3410021001,{pupil.national_number},2026-03-02\n"
        imported = client.post("/api/v1/attendance/absences/import/",
                               {"file": SimpleUploadedFile("a.csv", text.encode())})
    assert imported.status_code == 201, imported.content
    assert imported.json()["imported"] == 1
