"""Control 34: the yearly compliance audit's evidence comes from the audit log by query: per unit of the auditor's
jurisdiction, reads (and full-ID reads), exports, downloads, decisions, refusals and failed sign-ins."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit import evidence
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock

IN_PERIOD = dt.date(2025, 6, 2)


@pytest.fixture
def events(world):
    registrar, leader = world.user("tunxi_primary", "registrar"), world.user("tunxi_primary", "leader")
    county = world.user("tunxi", "registrar")
    other = world.user("shexian_primary", "registrar")  # another county: outside the tunxi auditor's view
    with clock.frozen(IN_PERIOD):
        audit_record(actor=registrar, action="student.view", after={"id_numbers": "full"})
        audit_record(actor=registrar, action="student.view", after={"id_numbers": "masked"})
        audit_record(actor=registrar, action="student.card_print", after={"id_numbers": "full"})
        audit_record(actor=registrar, action="student.unmask", after={"reason": "核对户口簿"})  # control 29's way
        audit_record(actor=registrar, action="student.export")
        audit_record(actor=registrar, action="job.download")
        audit_record(actor=leader, action="request.approve")
        audit_record(actor=county, action="request.reject")
        audit_record(actor=county, action="access.denied", success=False)
        audit_record(actor=None, username="nobody", action="auth.login_failed", success=False,
                     org_unit=world.units["tunxi_primary"])
        audit_record(actor=other, action="student.export")
    with clock.frozen(dt.date(2024, 12, 31)):
        audit_record(actor=registrar, action="student.export")  # before the period
    return world


def test_the_evidence_counts_each_unit_of_the_jurisdiction(events, django_assert_max_num_queries):
    auditor = events.user("tunxi", "auditor")
    with django_assert_max_num_queries(3):
        found = evidence.compliance_evidence(user=auditor, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    by_code = {row.code: row.counts for row in found["rows"]}
    school, county = events.units["tunxi_primary"].code, events.units["tunxi"].code
    assert set(by_code) == {school, county}  # shexian's export is not in tunxi's evidence
    assert by_code[school] == {"reads": 4, "full_ids": 3, "exports": 1, "downloads": 1, "decisions": 1,
                               "refusals": 0, "failed_logins": 1}
    assert by_code[county] == {"reads": 0, "full_ids": 0, "exports": 0, "downloads": 0, "decisions": 1,
                               "refusals": 1, "failed_logins": 0}
    assert found["total"]["exports"] == 1 and found["total"]["decisions"] == 2
    # The province's auditor sees both counties.
    province = evidence.compliance_evidence(user=events.user("anhui", "auditor"), start=dt.date(2025, 1, 1),
                                            end=dt.date(2025, 12, 31))
    assert province["total"]["exports"] == 2


def test_the_page_shows_the_previous_year_and_the_csv_is_audited(events, login):
    client = login(events.user("tunxi", "auditor"))
    with clock.frozen(dt.date(2026, 1, 20)):
        page = client.get(reverse("audit:audit_evidence"))
        html = page.content.decode()
        assert page.status_code == 200 and 'value="2025-01-01"' in html and 'value="2025-12-31"' in html
        assert events.units["tunxi_primary"].name in html
        before = AuditEvent.objects.filter(action="audit.evidence_export").count()
        download = client.get(reverse("audit:audit_evidence"), {"format": "csv", "start": "2025-01-01",
                                                                 "end": "2025-12-31"})
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    text = download.content.decode("utf-8-sig")
    assert events.units["tunxi_primary"].code in text and text.splitlines()[-1].startswith("合计")
    assert AuditEvent.objects.filter(action="audit.evidence_export").count() == before + 1


def test_a_bad_period_is_refused_with_a_message(events, login):
    client = login(events.user("tunxi", "auditor"))
    page = client.get(reverse("audit:audit_evidence"), {"start": "2025-12-31", "end": "2025-01-01", "format": "csv"})
    html = page.content.decode()
    assert page.status_code == 200 and "结束日期早于开始日期" in html
    assert not AuditEvent.objects.filter(action="audit.evidence_export").exists()


def test_only_auditors_read_the_evidence(events, login):
    client = login(events.user("tunxi", "sysadmin"))
    assert client.get(reverse("audit:audit_evidence")).status_code == 403
