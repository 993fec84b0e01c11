"""平台账号 and 服务统计: a county reports its super administrator, the city binds it (new credentials by SMS and
e-mail, never the password in the audit log); the reports of an area (open tickets by level and age, escalations,
times, unread announcements, certification coverage) on the page, in the API and in the Excel export."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.support import accounts, reports, services
from xueji.support.platform_models import AccountReport, AccountReportStatus
from xueji.support.senders import ConsoleSmsSender
from xueji.testing.fingerprint import fingerprint
from xueji.training.tests.helpers import registrar_course, right_answers

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


def test_a_county_reports_its_super_administrator_and_the_city_binds_it(world, django_capture_on_commit_callbacks):
    county_admin, city_admin = world.user("tunxi", "sysadmin"), world.user("huangshan", "sysadmin")
    ConsoleSmsSender.outbox.clear()
    with pytest.raises(ValidationFailed):  # a business account is not a super administrator
        accounts.report_file(actor=county_admin, user_id=world.user("tunxi", "registrar").pk, phone="13900000000")
    report = accounts.report_file(actor=county_admin, user_id=county_admin.pk, phone="13900000001",
                                  email="tunxi-admin@example.cn")
    assert report.parent_org == world.units["huangshan"]
    with pytest.raises(Conflict):
        accounts.report_file(actor=county_admin, user_id=county_admin.pk, phone="13900000001")
    with pytest.raises(NotFound):  # the province is not the level directly above
        accounts.report_bind(actor=world.user("anhui", "sysadmin"), report=report)
    old_password = county_admin.password
    with django_capture_on_commit_callbacks(execute=True):
        accounts.report_bind(actor=city_admin, report=report)
    report.refresh_from_db()
    county_admin.refresh_from_db()
    assert report.status == AccountReportStatus.BOUND and report.channels == "sms,email"
    assert county_admin.password != old_password and county_admin.must_change_password
    assert county_admin.phone == "13900000001" and county_admin.email == "tunxi-admin@example.cn"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tunxi-admin@example.cn"]
    assert ConsoleSmsSender.outbox[-1]["to"] == "13900000001"
    password = re.search(r"(?:password|密码)\s*(\S{14})", mail.outbox[0].body).group(1)
    assert county_admin.check_password(password) and password in ConsoleSmsSender.outbox[-1]["text"]
    rows = AuditEvent.objects.filter(action__in=("support.account_report", "support.account_bind"))
    assert rows.count() == 2 and all(password not in str(r.after) for r in rows)
    with pytest.raises(Conflict):
        accounts.report_bind(actor=city_admin, report=report)


def test_the_ministry_reports_to_nobody(world):
    before = fingerprint()
    with pytest.raises(ValidationFailed):
        accounts.report_file(actor=world.user("ministry", "sysadmin"), user_id=world.user("ministry", "sysadmin").pk,
                             phone="13900000000")
    assert fingerprint() == before


def test_the_account_types_map_onto_roles(world):
    assert accounts.account_type_of(world.user("tunxi", "sysadmin")) == ["super_admin"]
    assert accounts.account_type_of(world.user("tunxi", "registrar")) == ["registration_admin", "ordinary"]
    assert accounts.account_type_of(world.user("tunxi_primary", "registrar")) == ["ordinary"]
    assert accounts.account_type_of(world.user("tunxi", "auditor")) == []


def test_the_pages_and_the_api_of_platform_accounts(world, client, django_assert_max_num_queries):
    county_admin, city_admin = world.user("tunxi", "sysadmin"), world.user("huangshan", "sysadmin")
    client.force_login(county_admin)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("platform:accounts"))
    assert page.status_code == 200 and "data-testid=\"types\"" in page.content.decode()
    assert client.post(reverse("platform:accounts"), {"user": county_admin.pk, "phone": "13900000002"}
                       ).status_code == 302
    report = AccountReport.objects.get(user=county_admin)
    client.force_login(city_admin)
    with django_assert_max_num_queries(25):
        assert str(county_admin.username) in client.get(reverse("platform:accounts")).content.decode()
    listing = client.get(reverse("api:support-account-report-list")).json()
    assert [r["id"] for r in listing["to_bind"]] == [report.pk]
    bound = client.post(reverse("api:support-account-report-bind", kwargs={"pk": report.pk}),
                        content_type="application/json")
    assert bound.status_code == 200 and bound.json()["status"] == "bound"


def _scene(world):
    """Tickets at the county (one escalated to the city, one answered there), an announcement, a certified
    registrar."""
    asker = world.user("tunxi_primary", "registrar")
    with clock.frozen(START):
        services.ticket_ask(actor=asker, title="一", description="一")
        services.ticket_ask(actor=asker, title="二", description="二")
    with clock.frozen(START + dt.timedelta(minutes=121)):
        services.tickets_escalate_overdue()
    course = registrar_course(world.user("tunxi", "registrar"), level="school")
    from xueji.training import services as training_services
    from xueji.training.models import Exam

    attempt = training_services.attempt_start(actor=asker, exam=Exam.objects.get(course=course))
    training_services.attempt_submit(actor=asker, attempt=attempt, answers=right_answers(attempt))


def test_the_reports_of_an_area(world):
    _scene(world)
    city = world.user("huangshan", "registrar")
    tickets = reports.open_tickets(user=city)
    assert tickets["rows"] == [["huangshan authority", 2, 0, 0, 0, 2]]  # at the city since March: over 7 days
    escalations = reports.escalations(user=city)
    by_level = {row[0]: row[1] for row in escalations["rows"]}
    assert by_level["tunxi authority"] == 2
    coverage = {row[0]: row for row in reports.coverage(user=city)["rows"]}
    assert coverage["tunxi_primary"][1:] == [1, 1, 100]
    assert coverage["tunxi authority"][2] == 0
    assert reports.counts(user=city)["open_tickets"] == 2
    with pytest.raises(Forbidden):  # a school has no area to report on
        reports.open_tickets(user=world.user("tunxi_primary", "registrar"))


def test_the_reports_page_api_and_export(world, client, django_assert_max_num_queries):
    _scene(world)
    client.force_login(world.user("huangshan", "leader"))
    with django_assert_max_num_queries(40):
        page = client.get(reverse("platform:reports"))
    body = page.content.decode()
    assert page.status_code == 200 and body.count('data-testid="chart"') >= 3 and "echarts.min.js" in body
    api = client.get(reverse("api:support-reports"), {"report": "coverage"}).json()
    assert [r["key"] for r in api["reports"]] == ["coverage"]
    export = client.get(reverse("platform:report_export"))
    assert export.status_code == 200
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(export.content))
    assert workbook.sheet_names == ["tickets", "escalations", "times", "unread", "coverage"]
    assert AuditEvent.objects.filter(action="support.report_export").count() == 1


def test_the_workbench_counts(world, client):
    _scene(world)
    accounts.report_file(actor=world.user("tunxi", "sysadmin"), user_id=world.user("tunxi", "sysadmin").pk,
                         phone="13900000003")
    client.force_login(world.user("huangshan", "registrar"))
    body = client.get(reverse("ui:workbench")).content.decode()
    assert 'data-count="support_reports">2<' in body  # the city's open tickets
    client.force_login(world.user("huangshan", "sysadmin"))
    body = client.get(reverse("ui:workbench")).content.decode()
    assert 'data-count="platform_accounts">1<' in body  # a report of 屯溪区 to bind
