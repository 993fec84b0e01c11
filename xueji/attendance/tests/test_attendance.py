"""考勤 and 控辍保学: a class's day entered in the grid and imported from a file (all row errors in one pass, a class of
another school refused with its reason), cases raised set-based past the province's thresholds (idempotent: one open
case a pupil), the dropped-out pupils on the same list, follow-up until closed, totals and the oldest open cases."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.attendance import selectors, services
from xueji.attendance.choices import CaseReason, CaseStatus, FollowUpKind
from xueji.attendance.models import Absence, CaseFollowUp, DropoutCase
from xueji.attendance.tests.helpers import make_case
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.policy.models import PolicySetting
from xueji.registry.models import Student
from xueji.testing.fingerprint import fingerprint

MONDAY = dt.date(2026, 3, 2)  # a spring-term week: 2 to 6 March 2026


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def pupils(world):
    """Three more pupils in tunxi_primary's class, with national numbers."""
    klass = world.classes["tunxi_primary"]
    made = []
    for n in range(3):
        made.append(Student.objects.create(school=klass.school, school_class=klass, province_code="340000",
                                           name=f"缺勤{n}", sex="1", birth_date=dt.date(2017, 5, 1 + n),
                                           national_number=f"G34100220170501{n:04d}"))
    return made


def _record(world, day, entries):
    with clock.frozen(day):
        return services.absences_record(actor=world.user("tunxi_primary", "registrar"),
                                        school_class=world.classes["tunxi_primary"], day=day, entries=entries)


def test_three_consecutive_days_raise_one_case_and_a_second_run_changes_nothing(world, pupils,
                                                                               django_capture_on_commit_callbacks):
    first, second, third = pupils
    for offset in range(2):
        with clock.frozen(MONDAY + dt.timedelta(days=offset)), django_capture_on_commit_callbacks(execute=True):
            _record(world, MONDAY + dt.timedelta(days=offset), {first.pk: "unexcused", second.pk: "sick"})
    assert not DropoutCase.objects.exists()  # two days: below the default three
    with clock.frozen(MONDAY + dt.timedelta(days=2)), django_capture_on_commit_callbacks(execute=True):
        assert _record(world, MONDAY + dt.timedelta(days=2), {first.pk: "unexcused", second.pk: "sick",
                                                               third.pk: None}) == 2
    case = DropoutCase.objects.get()
    assert (case.student_id, case.reason, case.days, case.county_id) == (
        first.pk, CaseReason.CONSECUTIVE, 3, world.units["tunxi"].pk)  # sick leave never counts
    with clock.frozen(MONDAY + dt.timedelta(days=2)):
        assert services.cases_raise(province_code="340000") == 0
    assert DropoutCase.objects.count() == 1


def test_friday_and_monday_are_consecutive_and_the_term_total_counts_too(world, pupils):
    first, second, _third = pupils
    friday = MONDAY - dt.timedelta(days=3)
    for day in (friday, MONDAY, MONDAY + dt.timedelta(days=1)):
        _record(world, day, {first.pk: "unexcused"})
    PolicySetting.objects.create(province_code="340000", key="attendance.term_days", value=4)
    for day in (MONDAY - dt.timedelta(days=14), MONDAY - dt.timedelta(days=10), friday, MONDAY + dt.timedelta(days=2)):
        _record(world, day, {second.pk: "unexcused"})
    with clock.frozen(MONDAY + dt.timedelta(days=2)):
        services.cases_raise(province_code="340000")
    reasons = dict(DropoutCase.objects.values_list("student_id", "reason"))
    assert reasons == {first.pk: CaseReason.CONSECUTIVE, second.pk: CaseReason.ACCUMULATED}


def test_the_grid_refuses_another_school_a_pupil_of_another_class_and_a_weekend(world, pupils):
    other = world.user("shexian_primary", "registrar")
    before = fingerprint()
    with clock.frozen(MONDAY), pytest.raises(Forbidden) as refused:
        services.absences_record(actor=other, school_class=world.classes["tunxi_primary"], day=MONDAY,
                                 entries={pupils[0].pk: "unexcused"})
    assert refused.value.code == "attendance_not_school"
    with pytest.raises(ValidationFailed) as stranger:
        _record(world, MONDAY, {world.students["shexian_primary"].pk: "unexcused"})
    assert stranger.value.code == "attendance_not_in_class"
    with pytest.raises(ValidationFailed) as weekend:
        _record(world, MONDAY - dt.timedelta(days=1), {pupils[0].pk: "unexcused"})
    assert weekend.value.code == "attendance_bad_date"
    assert fingerprint() == before


def _csv(rows):
    text = "学校代码,班级,学籍号,日期,缺勤类型\n" + "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile("absences.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_lists_every_row_error_at_once_and_imports_nothing(world, pupils):
    registrar = world.user("tunxi_primary", "registrar")
    klass = world.classes["tunxi_primary"].display_name
    rows = [["3410021001", klass, pupils[0].national_number, "2026-03-02", "旷课"],
            ["3410211001", "", pupils[1].national_number, "2026-03-02", "旷课"],  # another school's code
            ["3410021001", "", "G000", "2026-03-02", "旷课"],
            ["3410021001", "", pupils[2].national_number, "2026-03-07", "旷课"],  # a Saturday
            ["3410021001", "", pupils[2].national_number, "2026-03-03", "迟到"]]
    with clock.frozen(MONDAY + dt.timedelta(days=4)), pytest.raises(ValidationFailed) as refused:
        services.absences_import(actor=registrar, upload=_csv(rows))
    errors = refused.value.details["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "学校代码"), (4, "学籍号"), (5, "日期"), (6, "缺勤类型")]
    assert "3410211001" in errors[0]["reason"] and "3410021001" in errors[0]["reason"]
    assert not Absence.objects.exists()
    assert AuditEvent.objects.filter(action="attendance.import_refused").exists()


def test_import_writes_the_rows_and_raises_the_case(world, pupils, django_capture_on_commit_callbacks):
    registrar = world.user("tunxi_primary", "registrar")
    rows = [["3410021001", "", pupils[0].national_number, f"2026-03-0{d}", "旷课"] for d in (2, 3, 4)]
    rows.append(["3410021001", "", pupils[1].national_number, "2026-03-02", "病假"])
    with clock.frozen(MONDAY + dt.timedelta(days=4)), django_capture_on_commit_callbacks(execute=True):
        outcome = services.absences_import(actor=registrar, upload=_csv(rows))
    assert outcome.imported == 4 and Absence.objects.count() == 4
    assert DropoutCase.objects.get().student_id == pupils[0].pk


def test_dropped_out_pupils_join_the_list_and_a_closed_case_reopens_only_on_new_absences(world, pupils):
    Student.objects.filter(pk=pupils[1].pk).update(status="06")
    for day in range(3):
        _record(world, MONDAY + dt.timedelta(days=day), {pupils[0].pk: "unexcused"})
    with clock.frozen(MONDAY + dt.timedelta(days=2)):
        assert services.cases_raise(province_code="340000") == 2
    dropped = DropoutCase.objects.get(student=pupils[1])
    assert dropped.reason == CaseReason.DROPPED_OUT
    case = DropoutCase.objects.get(student=pupils[0])
    county = world.user("tunxi", "registrar")
    with clock.frozen(MONDAY + dt.timedelta(days=3)):
        services.case_follow_up(actor=county, case=case, kind=FollowUpKind.HOME_VISIT, note="家访，家长承诺送回")
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN
        services.case_follow_up(actor=county, case=case, kind=FollowUpKind.RETURNED, note="已返校")
        with pytest.raises(Conflict):
            services.case_follow_up(actor=county, case=case, kind=FollowUpKind.NOTE, note="再记")
        assert services.cases_raise(province_code="340000") == 0  # the old absences do not reopen it
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == (CaseStatus.CLOSED, FollowUpKind.RETURNED,
                                                           MONDAY + dt.timedelta(days=3))
    assert CaseFollowUp.objects.filter(case=case).count() == 2
    next_week = MONDAY + dt.timedelta(days=7)
    for day in range(3):
        _record(world, next_week + dt.timedelta(days=day), {pupils[0].pk: "unexcused"})
    with clock.frozen(next_week + dt.timedelta(days=2)):
        assert services.cases_raise(province_code="340000") == 1
    assert DropoutCase.objects.filter(student=pupils[0], status=CaseStatus.OPEN).count() == 1


def test_county_sees_its_list_the_province_the_totals_and_a_school_nothing(world):
    make_case(world.students["tunxi_primary"], opened_on=dt.date(2026, 1, 5))
    make_case(world.students["shexian_primary"], opened_on=dt.date(2026, 2, 5))
    make_case(world.students["xuanwu_primary"])
    tunxi = selectors.case_list(user=world.user("tunxi", "registrar"))
    assert [c.student_id for c in tunxi] == [world.students["tunxi_primary"].pk]
    totals = selectors.case_totals(user=world.user("anhui", "leader"))
    assert [(t["county__name"], t["open"], t["oldest"]) for t in totals] == [
        ("tunxi authority", 1, dt.date(2026, 1, 5)), ("shexian authority", 1, dt.date(2026, 2, 5))]
    oldest = selectors.oldest_open_cases(user=world.user("anhui", "leader"))
    assert [c.student_id for c in oldest] == [world.students["tunxi_primary"].pk,
                                             world.students["shexian_primary"].pk]
    with pytest.raises(Forbidden):
        selectors.case_list(user=world.user("tunxi_primary", "registrar"))


def test_follow_up_is_refused_to_a_school(world):
    case = make_case(world.students["tunxi_primary"])
    with pytest.raises(Forbidden):
        services.case_follow_up(actor=world.user("tunxi_primary", "registrar"), case=case, kind="note", note="x")
    assert not CaseFollowUp.objects.exists()


