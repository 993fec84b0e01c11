"""The reports the users care about: an authority's dashboard over its own area only (page, table, Excel export,
API; a bounded number of queries), a statistics return whose every bad row is reported at once (nothing imported)
and whose differences with the records are listed with the pupils that explain them, funding rules that refuse an
overlap, an allocation from verified enrolment (the others listed apart) that is frozen once approved."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.registry.services import student_number_issue, students_insert
from xueji.registry.validation import CleanStudent
from xueji.reports import comparison, selectors, services
from xueji.reports.choices import AllocationStatus, ExcludedReason
from xueji.reports.models import Allocation
from xueji.schools.models import SchoolYear
from xueji.testing.fingerprint import fingerprint
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _chart(charts, key):
    return next(c for c in charts if c.key == key)


def _grade(world) -> str:
    klass = world.classes["tunxi_primary"]
    return f"{klass.stage}{SchoolYear.start_year_for(clock.today()) - klass.cohort_year + 1}"


@pytest.mark.django_db
def test_each_authority_sees_its_own_area_on_the_dashboard(world):
    province = selectors.dashboard(user=world.user("anhui", "leader"))
    assert dict(map(tuple, _chart(province, "region").rows)) == {"huangshan authority": 3, "hefei authority": 1}
    assert sum(r[1] for r in _chart(province, "sex").rows) == 4  # jiangsu's pupil is not anhui's
    city = selectors.dashboard(user=world.user("huangshan", "registrar"))
    assert dict(map(tuple, _chart(city, "region").rows)) == {"tunxi authority": 2, "shexian authority": 1}
    county = selectors.dashboard(user=world.user("tunxi", "registrar"))
    assert _chart(county, "region").rows == [["tunxi authority", 2]]
    assert [r[1] for r in _chart(county, "grade").rows] == [1, 1]  # 二年级 of the primary and the junior school
    registration = _chart(county, "registration")
    assert registration.rows[0][0] == "tunxi authority"


@pytest.mark.django_db
def test_the_dashboard_page_draws_every_chart_beside_its_table_within_a_query_bound(world, login,
                                                                                   django_assert_max_num_queries):
    client = login(world.user("huangshan", "leader"))
    with django_assert_max_num_queries(40):
        page = client.get(reverse("reports:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    for key in selectors.CHART_KEYS:
        assert f'id="chart-{key}"' in html and f'data-testid="export-{key}"' in html
    assert "vendor/echarts/echarts.min.js" in html and "reports/dashboard.js" in html
    export = client.get(reverse("reports:dashboard_export"), {"chart": "sex"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="reports.export_dashboard").count() == 1
    api = client.get("/api/v1/reports/dashboard/", {"chart": "region"})
    assert api.json()["charts"][0]["rows"] == [["tunxi authority", 2], ["shexian authority", 1]]


def _return_file(rows) -> SimpleUploadedFile:
    text = "学校代码,年级,性别,人数\n" + "".join(",".join(map(str, row)) + "\n" for row in rows)
    return SimpleUploadedFile("return.csv", text.encode("utf-8"), content_type="text/csv")


@pytest.mark.django_db
def test_a_statistics_return_with_bad_rows_is_refused_with_every_reason_and_imports_nothing(world):
    grade = _grade(world)
    before = fingerprint()
    with pytest.raises(ValidationFailed) as refused:
        services.statistics_import(actor=world.user("tunxi", "registrar"), stat_date=clock.today(),
                                   upload=_return_file([
            ("9999999999", grade, "男", 1),  # unknown school
            ("3410211001", grade, "男", 1),  # 歙县's school: outside 屯溪区
            ("3410021001", "99", "男", 1),  # unknown grade
            ("3410021001", "31", "男", 1),  # a primary school teaches no senior grade
            ("3410021001", grade, "x", 1),  # bad sex
            ("3410021001", grade, "女", -2),  # bad count
            ("3410021001", grade, "男", 1), ("3410021001", grade, "1", 1),  # the same row twice
        ]))
    errors = refused.value.details["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "school"), (3, "school"), (4, "grade"), (5, "grade"), (6, "sex"), (7, "count"), (9, "school")]
    assert "未知的学校代码 9999999999" in errors[0]["message"]
    assert "不在本级管辖范围内" in errors[1]["message"]
    assert fingerprint() == before


@pytest.mark.django_db
def test_the_comparison_lists_each_difference_with_the_pupils_that_explain_it(world):
    registrar = world.user("tunxi_primary", "registrar")
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    (draft,) = students_insert(school=school, rows=[(klass, CleanStudent(student={
        "name": "未注册", "sex": "2", "birth_date": dt.date(2017, 4, 2)}))])
    grade = _grade(world)
    ret = services.statistics_import(actor=world.user("tunxi", "registrar"), stat_date=clock.today(),
                                     upload=_return_file([("3410021001", grade, "男", 1),  # agrees
                                                          ("3410021001", grade, "女", 1)]))  # the draft counted
    result = comparison.compare(user=world.user("tunxi", "registrar"), statistics_return=ret)
    assert [(d.school.code, d.grade, d.sex, d.in_return, d.in_records) for d in result.differences] == [
        ("3410021001", grade, "2", 1, 0)]
    assert [p["id"] for p in result.differences[0].pupils] == [draft]
    assert registrar  # the school's own registrar may import its own return too
    api = pytest.importorskip("rest_framework.test").APIClient()
    api.force_authenticate(world.user("tunxi", "registrar"))
    answer = api.get(f"/api/v1/reports/statistics/{ret.pk}/").json()
    assert answer["differences"][0]["pupils"][0]["why"].startswith("尚未注册")
    api.force_authenticate(world.user("shexian", "registrar"))
    assert api.get(f"/api/v1/reports/statistics/{ret.pk}/").status_code == 404


@pytest.mark.django_db
def test_funding_rules_refuse_an_overlap_and_an_approved_allocation_is_frozen(world):
    registrar, leader = world.user("anhui", "registrar"), world.user("anhui", "leader")
    today = clock.today()
    services.funding_rule_create(actor=registrar, stage="1", programme="public_funds", amount=Decimal("720"),
                                 valid_from=today - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=100))
    before = fingerprint()
    with pytest.raises(Conflict, match="重叠") as overlap:
        services.funding_rule_create(actor=registrar, stage="1", programme="public_funds", amount=Decimal("800"),
                                     valid_from=today + dt.timedelta(days=50))
    assert overlap.value.code == "rule_overlap"
    with pytest.raises(ValidationFailed):
        services.funding_rule_create(actor=registrar, stage="1", programme="textbooks", amount=Decimal("90"),
                                     valid_from=today, valid_to=today - dt.timedelta(days=1))
    assert fingerprint() == before
    pupil = world.students["tunxi_primary"]
    student_number_issue(actor=registrar, issued=[(pupil.pk, "G" + pupil.id_number, "G")])
    allocation = services.allocation_create(actor=registrar, at_date=today)
    assert (allocation.pupils, allocation.total) == (1, Decimal("720"))
    apart = {x.student_id: x.reason for x in allocation.left_out.all()}
    assert apart[world.students["shexian_primary"].pk] == ExcludedReason.NO_NUMBER
    assert world.students["xuanwu_primary"].pk not in apart  # another province's pupil
    services.allocation_submit(actor=registrar, allocation=allocation)
    request = Request.objects.get(pk=Allocation.objects.get(pk=allocation.pk).request_id)
    request_decide(actor=leader, request=request, approve=True)
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.APPROVED
    frozen = fingerprint()
    with pytest.raises(Conflict, match="冻结"):
        services.allocation_delete(actor=registrar, allocation=allocation)
    with pytest.raises(Conflict):
        services.allocation_submit(actor=registrar, allocation=allocation)
    assert fingerprint() == frozen
    county = selectors.allocation_counties(user=world.user("tunxi", "leader"), allocation=allocation)
    assert [(c["county__name"], c["pupils"]) for c in county] == [("tunxi authority", 1)]
    # The county reads the approved allocation of its province (its own lines only), in the list, page and API,
    # and may not change it; another province's county sees none of it.
    tunxi = world.user("tunxi", "leader")
    assert list(selectors.allocation_list(user=tunxi)) == [allocation]
    assert not selectors.allocation_list(user=world.user("xuanwu", "leader")).exists()
    from django.test import Client

    county_client = Client()
    county_client.force_login(tunxi)
    assert county_client.get(reverse("reports:allocation_detail", args=[allocation.pk])).status_code == 200
    listed = county_client.get("/api/v1/reports/funding/allocations/").json()
    assert [row["id"] for row in listed["results"]] == [allocation.pk]
    with pytest.raises(Forbidden):
        services.allocation_delete(actor=world.user("tunxi", "registrar"), allocation=allocation)


@pytest.mark.django_db
def test_funding_pages_and_api_for_the_province_and_its_counties(world, login):
    client = login(world.user("anhui", "registrar"))
    today = clock.today().isoformat()
    page = client.post(reverse("reports:funding"), {"form": "rule", "rule-stage": "1", "rule-programme": "textbooks",
                                                    "rule-amount": "90", "rule-valid_from": today})
    assert page.status_code == 302
    again = client.post(reverse("reports:funding"), {"form": "rule", "rule-stage": "1",
                                                     "rule-programme": "textbooks", "rule-amount": "95",
                                                     "rule-valid_from": today})
    assert "重叠" in again.content.decode()
    run = client.post(reverse("reports:funding"), {"form": "run", "run-at_date": today})
    allocation = Allocation.objects.get()
    assert run.url == reverse("reports:allocation_detail", args=[allocation.pk])
    export = client.get(reverse("reports:allocation_detail", args=[allocation.pk]), {"format": "xlsx"})
    assert export.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="reports.export_allocation").count() == 1
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("anhui", "registrar"))
    refused = api.post("/api/v1/reports/funding/rules/", {"stage": "1", "programme": "textbooks", "amount": "99",
                                                          "valid_from": today}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "rule_overlap")
    assert api.get(f"/api/v1/reports/funding/allocations/{allocation.pk}/").json()["listed_apart"] == 4
    api.force_authenticate(world.user("tunxi", "registrar"))
    assert api.post("/api/v1/reports/funding/allocations/", {"at_date": today}, format="json").status_code == 403
    assert io  # noqa: B018
