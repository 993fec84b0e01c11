"""月报 (generated at month end, manual items, signed by the unit's leader with SM2, submitted up the levels; late and
missing reports on the 通报 list), 举报 (routed to the level above, the reporter hidden from the handlers), and the
special registers (migrant flows, the left-behind register by term, the aid and nutrition lists)."""

import datetime as dt

import pytest

from xueji.attendance import selectors, services
from xueji.attendance.choices import MisuseStatus, ReportStatus
from xueji.attendance.models import LeftBehindEntry, MonthlyReport
from xueji.attendance.tests.helpers import make_case
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.registry.models import Student, StudentDetail
from xueji.signing.models import Signature
from xueji.signing.services import verified
from xueji.testing.fingerprint import fingerprint

FEB = dt.date(2026, 2, 1)
ON_TIME = dt.date(2026, 3, 3)
LATE = dt.date(2026, 3, 9)


def _report(world, unit, day=ON_TIME, **manual):
    with clock.frozen(day):
        return services.report_generate(actor=world.user(unit, "registrar"), month=FEB, manual=manual or None)


def _sign_and_submit(world, unit, day=ON_TIME):
    report = _report(world, unit, day)
    with clock.frozen(day):
        services.report_sign(actor=world.user(unit, "leader"), report=report)
        return services.report_submit(actor=world.user(unit, "registrar"), report=report)


def test_a_county_report_is_generated_signed_by_its_leader_and_submitted(world):
    make_case(world.students["tunxi_primary"], opened_on=dt.date(2026, 2, 10))
    report = _report(world, "tunxi", home_visits="4", remarks="按时家访")
    assert report.figures["cases_opened"] == 1 and report.figures["cases_open"] == 1
    assert report.manual == {"home_visits": 4, "persuaded_back": 0, "remarks": "按时家访"}
    with clock.frozen(ON_TIME):
        services.report_sign(actor=world.user("tunxi", "leader"), report=report)
        report = services.report_submit(actor=world.user("tunxi", "registrar"), report=report)
    assert (report.status, report.late) == (ReportStatus.SUBMITTED, False)
    signature = Signature.objects.get(subject="attendance.monthlyreport", object_id=report.pk)
    assert signature.signer == world.user("tunxi", "leader")
    assert verified(signature, services.report_payload(report)) is True


def test_the_wrong_signer_is_refused_with_who_signs_and_nothing_changes(world):
    report = _report(world, "tunxi")
    before = fingerprint()
    for wrong in (world.user("tunxi", "registrar"), world.user("shexian", "leader"), world.user("huangshan",
                                                                                                "leader")):
        with clock.frozen(ON_TIME), pytest.raises(Forbidden) as refused:
            services.report_sign(actor=wrong, report=report)
        assert refused.value.code == "report_wrong_signer"
        assert "tunxi authority" in refused.value.message
    assert fingerprint() == before


def test_a_month_not_ended_a_signed_report_and_an_unsigned_submission_are_refused(world):
    with clock.frozen(dt.date(2026, 2, 20)), pytest.raises(ValidationFailed) as early:
        services.report_generate(actor=world.user("tunxi", "registrar"), month=FEB)
    assert early.value.code == "report_not_ended"
    report = _report(world, "tunxi")
    with clock.frozen(ON_TIME), pytest.raises(Conflict) as unsigned:
        services.report_submit(actor=world.user("tunxi", "registrar"), report=report)
    assert unsigned.value.code == "report_not_signed"
    with clock.frozen(ON_TIME):
        services.report_sign(actor=world.user("tunxi", "leader"), report=report)
    with clock.frozen(ON_TIME), pytest.raises(Conflict) as signed:
        services.report_generate(actor=world.user("tunxi", "registrar"), month=FEB)
    assert signed.value.code == "report_signed"
    with clock.frozen(ON_TIME), pytest.raises(ValidationFailed) as manual:
        services.report_generate(actor=world.user("shexian", "registrar"), month=FEB, manual={"home_visits": "x"})
    assert manual.value.code == "report_bad_manual"


def test_a_city_submits_after_its_counties_and_late_reports_are_on_the_notice(world):
    city = _report(world, "huangshan")
    with clock.frozen(ON_TIME):
        services.report_sign(actor=world.user("huangshan", "leader"), report=city)
        with pytest.raises(Conflict) as waiting:
            services.report_submit(actor=world.user("huangshan", "registrar"), report=city)
    assert waiting.value.code == "report_subordinates_missing"
    assert set(waiting.value.details["missing"]) == {"tunxi authority", "shexian authority"}
    _sign_and_submit(world, "tunxi")
    late = _sign_and_submit(world, "shexian", day=LATE)
    assert late.late and late.late_reason == "Submitted on 2026-03-09, after the deadline 2026-03-05" or \
        "2026-03-05" in late.late_reason
    with clock.frozen(LATE):
        city = services.report_submit(actor=world.user("huangshan", "registrar"), report=city)
    assert city.late
    with clock.frozen(LATE):
        status = selectors.subordinate_status(user=world.user("anhui", "leader"), month=FEB)
        notice = selectors.notice_list(user=world.user("anhui", "leader"), month=FEB)
    assert {row["unit"].name: getattr(row["report"], "status", None) for row in status} == {
        "huangshan authority": ReportStatus.SUBMITTED, "hefei authority": None}
    assert {(row["unit"].name, row["problem"]) for row in notice} == {
        ("huangshan authority", "late"), ("shexian authority", "late"), ("hefei authority", "missing"),
        ("yaohai authority", "missing")}
    with clock.frozen(ON_TIME):  # before the deadline nothing is missing yet
        assert selectors.notice_list(user=world.user("hefei", "leader"), month=FEB) == []
    # The ministry sees the provinces' reports (none submitted by 安徽 yet) and the whole notice; it files none.
    with clock.frozen(LATE):
        ministry = selectors.subordinate_status(user=world.user("ministry", "leader"), month=FEB)
        national = selectors.notice_list(user=world.user("ministry", "leader"), month=FEB)
    assert "anhui authority" in {row["unit"].name for row in ministry}
    assert ("anhui authority", "missing") in {(row["unit"].name, row["problem"]) for row in national}
    with clock.frozen(ON_TIME), pytest.raises(Forbidden):
        services.report_generate(actor=world.user("ministry", "registrar"), month=FEB)


def test_a_school_makes_no_monthly_report(world):
    with clock.frozen(ON_TIME), pytest.raises(Forbidden):
        services.report_generate(actor=world.user("tunxi_primary", "leader"), month=FEB)
    assert not MonthlyReport.objects.exists()


def test_misuse_report_goes_to_the_level_above_and_hides_the_reporter(world, client):
    reporter = world.user("tunxi_primary", "registrar")
    report = services.misuse_file(actor=reporter, about_unit=world.units["tunxi_primary"], text="违规查询学生信息")
    assert report.handler_unit == world.units["tunxi"]
    handler = world.user("tunxi", "leader")
    assert list(selectors.misuse_list(user=handler)) == [report]
    assert not selectors.misuse_list(user=world.user("huangshan", "leader")).exists()
    client.force_login(handler)
    page = client.get(f"/attendance/misuse/{report.pk}/")
    assert page.status_code == 200 and reporter.username.encode() not in page.content
    assert reporter.full_name.encode() not in page.content
    answer = client.get(f"/api/v1/attendance/misuse/{report.pk}/")
    assert answer.status_code == 200 and "reporter" not in answer.json()
    with pytest.raises(Forbidden):
        services.misuse_handle(actor=world.user("tunxi", "registrar"), report=report, note="已核查")
    report = services.misuse_handle(actor=handler, report=report, note="已核查并处理")
    assert report.status == MisuseStatus.HANDLED
    with pytest.raises(ValidationFailed) as top:
        services.misuse_file(actor=reporter, about_unit=world.units["ministry"], text="x")
    assert top.value.code == "misuse_no_level_above"


def test_registers_left_behind_by_term_migrant_and_aid_lists(world):
    pupil = world.students["tunxi_primary"]
    Student.objects.filter(pk=pupil.pk).update(is_left_behind=True, is_migrant=True)
    StudentDetail.objects.create(student=world.students["shexian_primary"], needs_aid=True)
    registrar = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed):
        services.left_behind_save(actor=registrar, student=pupil, term="2026", guardian_name="祖母")
    services.left_behind_save(actor=registrar, student=pupil, term="2025-2", guardian_name="祖母",
                              guardian_phone="13912345678", care_measures="班主任每周联系")
    services.left_behind_save(actor=registrar, student=pupil, term="2025-2", guardian_name="祖父")
    assert LeftBehindEntry.objects.get().guardian_name == "祖父"
    with pytest.raises(Forbidden):
        services.left_behind_save(actor=world.user("shexian_primary", "registrar"), student=pupil, term="2025-2",
                                  guardian_name="x")
    rows = selectors.left_behind_list(user=world.user("tunxi", "registrar"), filters={"term": "2025-2"})
    assert [(s.pk, s.has_entry) for s in rows] == [(pupil.pk, True)]
    assert [s.pk for s in selectors.left_behind_list(user=world.user("tunxi", "registrar"),
                                                     filters={"term": "2026-1", "missing": "1"})] == [pupil.pk]
    county = selectors.migrant_by_county(user=world.user("anhui", "leader"))
    assert county == [{"school__county__name": "tunxi authority", "school__county__code": "341002", "n": 1}]
    aid = selectors.eligibility_list(user=world.user("anhui", "registrar"), programme="aid")
    assert [s.pk for s in aid] == [world.students["shexian_primary"].pk]
    nutrition = selectors.eligibility_list(user=world.user("huangshan", "registrar"), programme="nutrition")
    assert {s.pk for s in nutrition} == {world.students["tunxi_primary"].pk, world.students["tunxi_middle"].pk,
                                         world.students["shexian_primary"].pk}
