"""Every write of the attendance app, keyword-only, atomic and audited.

Absences: a school's registrar enters a class's day (the grid: one DELETE and one bulk INSERT) or imports a file
(every row checked first, all errors in one pass; nothing is written when one row is wrong). After each write, and
as the job worker's periodic work, `cases_raise` runs for the province: one set-based SELECT finds the pupils
whose unexcused absences since their last closed case reach the province's thresholds (policy settings
attendance.consecutive_days, attendance.term_days) and those who dropped out (流失) of compulsory education; one
bulk INSERT opens their cases, and the partial unique constraint (one open case per pupil) makes a second run a
no-op.

Cases are followed up by the authorities (home visit, return, transfer, exemption) until an outcome closes them.
The left-behind register (留守儿童) is written by the pupil's school, one entry per term. The monthly report (月报):
see `report_generate`, `report_sign`, `report_submit`. Misuse reports (举报): `misuse_file`, `misuse_handle`.

Why one module: absences, cases, registers and reports are one flow (an absence raises a case, the case and the
registers feed the month's report), written by the same few roles under the same province settings; the
assessment's reading is apart (assessment.py)."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, require_cap
from xueji.attendance import terms
from xueji.attendance.choices import (
    CLOSING,
    COUNTING,
    FIGURES,
    KIND_WORDS,
    MANUAL_ITEMS,
    AbsenceKind,
    CaseReason,
    CaseStatus,
    FollowUpKind,
    MisuseStatus,
    ReportStatus,
)
from xueji.attendance.models import (
    Absence,
    CaseFollowUp,
    DropoutCase,
    LeftBehindEntry,
    MisuseReport,
    MonthlyReport,
)
from xueji.audit.services import audit_record
from xueji.changes.choices import COMPULSORY_STAGES
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed, XuejiError
from xueji.exchange.classes import class_lookup, normalise_class_name
from xueji.exchange.readers import cell_date, cell_text, header_columns, open_source
from xueji.exchange.uploads import check_xlsx_container, discard, import_max_bytes, sniff, store_upload
from xueji.policy.services import setting_get
from xueji.regions.models import OrgKind, OrgUnit, province_code_of
from xueji.registry.choices import ON_ROLL, StudentStatus
from xueji.registry.models import CountyStudentCount, RegStatus, Student
from xueji.schools.models import School, SchoolClass
from xueji.signing.services import sign

AUTHORITY_KINDS = (OrgKind.COUNTY, OrgKind.CITY, OrgKind.PROVINCE)
MAX_ERRORS = 500


# ---------------------------------------------------------------- absences


def _own_school(actor, school: School) -> None:
    require_cap(actor, Cap.STUDENT_EDIT)
    if actor.org_unit_id != school.org_unit_id:
        raise Forbidden(_("Absences are entered by the pupil's own school."), code="attendance_not_school")


def _day_require(day: dt.date) -> dt.date:
    if day > clock.today() or not terms.is_school_day(day):
        raise ValidationFailed(_("%(day)s is in the future or not a school day (Monday to Friday).") % {"day": day},
                               code="attendance_bad_date", field="date")
    return day


@transaction.atomic
def absences_record(*, actor, school_class: SchoolClass, day: dt.date, entries: Mapping[int, str | None]) -> int:
    """Set a class's absences of one day (the grid): `entries` maps each pupil of the class to a kind, or None for
    present. Pupils left out keep what they had. Returns the number of absences the class has that day."""
    school = school_class.school
    _own_school(actor, school)
    _day_require(day)
    pupils = {pk: province for pk, province in Student.objects.filter(
        school_class=school_class, status__in=ON_ROLL, reg_status=RegStatus.REGISTERED).values_list("pk",
                                                                                                   "province_code")}
    strangers = sorted(int(pk) for pk in entries if int(pk) not in pupils)
    if strangers:
        raise ValidationFailed(_("Pupils %(ids)s are not on the roll of this class.") % {
            "ids": ", ".join(map(str, strangers))}, code="attendance_not_in_class", field="entries")
    bad = [kind for kind in entries.values() if kind and kind not in AbsenceKind.values]
    if bad:
        raise ValidationFailed(_("The kind is not one of unexcused, personal or sick."), code="attendance_bad_kind",
                               field="entries")
    touched = [int(pk) for pk in entries]
    before = Absence.objects.filter(school_class=school_class, date=day).count()
    # Set-based: the touched pupils' rows of the day go, the absent ones come back in one INSERT.
    Absence.objects.filter(student_id__in=touched, date=day).delete()
    now = clock.now()
    rows = [Absence(student_id=int(pk), school=school, school_class=school_class, province_code=pupils[int(pk)],
                    date=day, school_day=terms.school_day(day), kind=kind, recorded_by=actor, recorded_at=now)
            for pk, kind in entries.items() if kind]
    Absence.objects.bulk_create(rows, batch_size=500)
    after = Absence.objects.filter(school_class=school_class, date=day).count()
    audit_record(actor=actor, action="attendance.absences", obj=school_class, org_unit=school.org_unit,
                 before={"date": day.isoformat(), "absent": before}, after={"date": day.isoformat(), "absent": after})
    province = province_code_of(school.org_unit)
    transaction.on_commit(lambda: cases_raise(province_code=province))
    return after


IMPORT_COLUMNS = (  # key, title, required
    ("school_code", "学校代码", True),
    ("class_name", "班级", False),
    ("national_number", "学籍号", True),
    ("date", "日期", True),
    ("kind", "缺勤类型", False),
)
_TITLES = {key: title for key, title, _required in IMPORT_COLUMNS}


@dataclass
class ImportOutcome:
    rows: int = 0
    imported: int = 0
    errors: list[dict] = field(default_factory=list)


def _read_absences(path, file_type: str, name: str) -> list[tuple[int, dict]]:
    source = open_source(path, file_type, name)
    try:
        columns, missing = header_columns(source.open(), IMPORT_COLUMNS)
        if missing:
            raise ValidationFailed(_("The file is not an absence file: these columns are missing: %(columns)s")
                                   % {"columns": "、".join(missing)}, code="attendance_bad_header", field="file")
        rows = []
        for number, cells in source.rows():
            rows.append((number, {key: (cells[pos] if pos < len(cells) else "") for key, pos in columns.items()}))
        return rows
    finally:
        source.close()


def absences_import(*, actor, upload) -> ImportOutcome:
    """Import a file of absences (学校代码, 班级, 学籍号, 日期, 缺勤类型) into the actor's school. Every row is checked
    first and all errors are reported at once (row, column, reason): with any error nothing is imported. A row of
    another school's code, a pupil who is not on this school's roll, or a pupil named in another class than the
    row's, is refused with that reason."""
    require_cap(actor, Cap.STUDENT_IMPORT)
    school = School.objects.filter(org_unit_id=actor.org_unit_id).first()
    if school is None:
        raise Forbidden(_("Absences are entered by the pupil's own school."), code="attendance_not_school")
    if upload is None:
        raise ValidationFailed(_("Choose a file to import."), code="no_file", field="file")
    stored = store_upload(upload, limit=import_max_bytes(actor.org_unit))
    try:
        file_type = sniff(stored.path, stored.name)
        if file_type == "xlsx":
            check_xlsx_container(stored.path, stored.name)
        rows = _read_absences(stored.path, file_type, stored.name)
    except XuejiError as exc:
        audit_record(actor=actor, action="attendance.import_refused", object_type="attendance.absence",
                     object_repr=stored.name[:255], success=False, org_unit=actor.org_unit,
                     after={"file": stored.name, "code": exc.code})
        raise
    finally:
        discard(stored.path)
    return _import_rows(actor=actor, school=school, rows=rows, file_name=stored.name)


def _import_rows(*, actor, school: School, rows: list[tuple[int, dict]], file_name: str) -> ImportOutcome:
    outcome = ImportOutcome(rows=len(rows))

    def error(number: int, key: str, reason) -> None:
        if len(outcome.errors) < MAX_ERRORS:
            outcome.errors.append({"row": number, "column": _TITLES.get(key, key), "reason": str(reason)})

    numbers = {cell_text(values.get("national_number")).strip().upper() for _n, values in rows}
    pupils = {s.national_number: s for s in Student.objects.filter(national_number__in=numbers - {""})
              .select_related("school_class")}
    classes = class_lookup(school)
    today = clock.today()
    good: dict[tuple[int, dt.date], Absence] = {}
    now = clock.now()
    for number, values in rows:
        code = cell_text(values.get("school_code")).strip()
        if not code:
            error(number, "school_code", _("学校代码 is required"))
            continue
        if code != school.code:
            error(number, "school_code", _("School code %(code)s is not your school's (%(own)s %(name)s): a school "
                                           "imports the absences of its own classes only")
                  % {"code": code, "own": school.code, "name": school.name})
            continue
        national = cell_text(values.get("national_number")).strip().upper()
        pupil = pupils.get(national)
        if not national:
            error(number, "national_number", _("学籍号 is required"))
            continue
        if pupil is None or pupil.school_id != school.pk or pupil.status not in ON_ROLL:
            error(number, "national_number",
                  _("%(number)s is not a pupil on your school's roll") % {"number": national})
            continue
        class_name = cell_text(values.get("class_name")).strip()
        if class_name:
            named = classes.get(normalise_class_name(class_name))
            if named is None or named.pk != pupil.school_class_id:
                error(number, "class_name", _("The pupil is in class %(actual)s, not %(named)s") % {
                    "actual": pupil.school_class.display_name if pupil.school_class else "—", "named": class_name})
                continue
        day = cell_date(values.get("date"))
        if day is None:
            error(number, "date", _("Not a date: write it as YYYY-MM-DD"))
            continue
        if day > today or not terms.is_school_day(day):
            error(number, "date", _("%(day)s is in the future or not a school day (Monday to Friday)") % {"day": day})
            continue
        raw_kind = cell_text(values.get("kind")).strip()
        kind = KIND_WORDS.get(raw_kind or "旷课")
        if kind is None:
            error(number, "kind", _("Write 旷课, 事假 or 病假"))
            continue
        if pupil.school_class_id is None:
            error(number, "class_name", _("The pupil has no class"))
            continue
        if (pupil.pk, day) in good:
            error(number, "date", _("The same pupil and day is on an earlier row"))
            continue
        good[(pupil.pk, day)] = Absence(student=pupil, school=school, school_class_id=pupil.school_class_id,
                                        province_code=pupil.province_code, date=day, school_day=terms.school_day(day),
                                        kind=kind, recorded_by=actor, recorded_at=now)
    if outcome.errors:  # refused whole, audited outside any transaction (the refusal's row stays)
        audit_record(actor=actor, action="attendance.import_refused", object_type="attendance.absence",
                     object_repr=file_name[:255], success=False, org_unit=actor.org_unit,
                     after={"file": file_name, "rows": len(rows), "errors": len(outcome.errors)})
        raise ValidationFailed(_("%(count)s rows of the file have errors; nothing was imported.") % {
            "count": len({e["row"] for e in outcome.errors})}, code="attendance_import_errors", field="file",
            details={"errors": outcome.errors})
    _write_rows(actor=actor, school=school, good=good, rows=len(rows), file_name=file_name)
    outcome.imported = len(good)
    return outcome


@transaction.atomic
def _write_rows(*, actor, school: School, good: dict, rows: int, file_name: str) -> None:
    if good:
        # Set-based: the file's (pupil, day) pairs replace what was there, one DELETE per day, one INSERT.
        by_day: dict[dt.date, list[int]] = {}
        for (pk, day) in good:
            by_day.setdefault(day, []).append(pk)
        for day, pks in sorted(by_day.items()):
            Absence.objects.filter(date=day, student_id__in=pks).delete()
        Absence.objects.bulk_create(list(good.values()), batch_size=500)
    audit_record(actor=actor, action="attendance.import", object_type="attendance.absence",
                 object_repr=file_name[:255], org_unit=actor.org_unit,
                 after={"file": file_name, "rows": rows, "imported": len(good)})
    province = province_code_of(school.org_unit)
    transaction.on_commit(lambda: cases_raise(province_code=province))


# ---------------------------------------------------------------- raising cases

# Gaps and islands over `school_day`: in a run of consecutive school days, school_day - ROW_NUMBER() is constant.
# Only the counting kinds, in the term, after the pupil's last closed case, of pupils still on the roll.
_CANDIDATES_SQL = """
WITH counted AS (
    SELECT a.student_id, a.school_id,
           a.school_day - ROW_NUMBER() OVER (PARTITION BY a.student_id ORDER BY a.school_day) AS island
    FROM attendance_absence a
    JOIN registry_student s ON s.id = a.student_id
    WHERE a.province_code = %s AND a.date >= %s AND a.date <= %s AND a.kind IN (%s)
      AND s.status IN ('01', '04', '05') AND a.school_id = s.school_id
      AND a.date > COALESCE((SELECT MAX(c.closed_on) FROM attendance_dropoutcase c
                             WHERE c.student_id = a.student_id AND c.status = 'closed'), %s)
), runs AS (
    SELECT student_id, MAX(school_id) AS school_id, COUNT(*) AS n FROM counted GROUP BY student_id, island
)
SELECT r.student_id, r.school_id, sc.county_id, MAX(r.n) AS longest, SUM(r.n) AS total
FROM runs r JOIN schools_school sc ON sc.id = r.school_id
WHERE NOT EXISTS (SELECT 1 FROM attendance_dropoutcase o WHERE o.student_id = r.student_id AND o.status = 'open')
GROUP BY r.student_id, r.school_id, sc.county_id
HAVING MAX(r.n) >= %s OR SUM(r.n) >= %s
"""


def cases_raise(*, province_code: str, today: dt.date | None = None) -> int:
    """Open the cases the province's absences and dropouts call for; returns how many were opened. Idempotent."""
    today = today or clock.today()
    consecutive = int(setting_get(province_code=province_code, key="attendance.consecutive_days"))
    accumulated = int(setting_get(province_code=province_code, key="attendance.term_days"))
    _key, start, _end = terms.term_of(today)
    kinds = list(COUNTING)
    sql = _CANDIDATES_SQL.replace("IN (%s)", "IN (" + ", ".join(["%s"] * len(kinds)) + ")", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, [province_code, start, today, *kinds, dt.date(1, 1, 1), consecutive, accumulated])
        found = cursor.fetchall()
    cases = [DropoutCase(student_id=student, school_id=school, county_id=county, province_code=province_code,
                         reason=CaseReason.CONSECUTIVE if longest >= consecutive else CaseReason.ACCUMULATED,
                         days=longest if longest >= consecutive else total, opened_on=today)
             for student, school, county, longest, total in found]
    # The pupils who dropped out (流失) of compulsory education: the same list as changes' dropout list.
    dropped = (Student.objects.filter(province_code=province_code, status=StudentStatus.DROPPED_OUT,
                                      reg_status=RegStatus.REGISTERED, school_class__stage__in=COMPULSORY_STAGES)
               .exclude(pk__in=DropoutCase.objects.filter(status=CaseStatus.OPEN).values("student_id"))
               .values_list("pk", "school_id", "school__county_id"))
    cases += [DropoutCase(student_id=pk, school_id=school, county_id=county, province_code=province_code,
                          reason=CaseReason.DROPPED_OUT, days=0, opened_on=today) for pk, school, county in dropped]
    if not cases:
        return 0
    with transaction.atomic():
        # A parallel run may have opened some of them: the partial unique constraint keeps one open case a pupil.
        made = DropoutCase.objects.bulk_create(cases, batch_size=500, ignore_conflicts=True)
        audit_record(actor=None, username="system", action="attendance.cases_raised",
                     object_type="attendance.dropoutcase", object_repr=province_code,
                     after={"province": province_code, "candidates": len(made), "on": today.isoformat()})
    return len(cases)


def cases_raise_all() -> int:
    provinces = Absence.objects.values_list("province_code", flat=True).distinct()
    dropped = Student.objects.filter(status=StudentStatus.DROPPED_OUT).values_list("province_code",
                                                                                   flat=True).distinct()
    return sum(cases_raise(province_code=code) for code in sorted(set(provinces) | set(dropped)))


# ---------------------------------------------------------------- follow-up


@transaction.atomic
def case_follow_up(*, actor, case: DropoutCase, kind: str, note: str = "",
                   on: dt.date | None = None) -> CaseFollowUp:
    """Record a follow-up of a case in the actor's jurisdiction (the selector fetched it); a return to school, a
    transfer or an exemption closes it."""
    require_cap(actor, Cap.DROPOUT_VIEW)
    case = DropoutCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("The case is closed already."), code="attendance_case_closed")
    if kind not in FollowUpKind.values:
        raise ValidationFailed(_("Choose a kind of follow-up."), code="attendance_bad_follow_up", field="kind")
    on = on or clock.today()
    if on > clock.today() or on < case.opened_on:
        raise ValidationFailed(_("The date is between the case's opening and today."), code="attendance_bad_date",
                               field="on")
    if kind == FollowUpKind.NOTE and not note.strip():
        raise ValidationFailed(_("A note needs its text."), code="attendance_note_empty", field="note")
    entry = CaseFollowUp.objects.create(case=case, kind=kind, note=note.strip(), on=on, actor=actor, at=clock.now())
    before = {"status": case.status}
    if kind in CLOSING:
        case.status, case.closed_on, case.outcome = CaseStatus.CLOSED, on, kind
        case.save(update_fields=["status", "closed_on", "outcome"])
    audit_record(actor=actor, action="attendance.case_follow_up", obj=case, before=before,
                 after={"status": case.status, "kind": kind})
    return entry


# ---------------------------------------------------------------- left-behind register


@transaction.atomic
def left_behind_save(*, actor, student: Student, term: str, guardian_name: str, guardian_relation: str = "",
                     guardian_phone: str = "", parents_away: str = "", care_measures: str = "") -> LeftBehindEntry:
    """The term's entry of a left-behind pupil of the actor's school (the selector fetched the pupil)."""
    _own_school(actor, student.school)
    if terms.term_bounds(term) is None:
        raise ValidationFailed(_("The term is written like 2026-1 (autumn) or 2026-2 (spring)."),
                               code="attendance_bad_term", field="term")
    if not guardian_name.strip():
        raise ValidationFailed(_("The guardian's name is required."), code="attendance_guardian_required",
                               field="guardian_name")
    values = {"guardian_name": guardian_name.strip(), "guardian_relation": guardian_relation.strip(),
              "guardian_phone": guardian_phone.strip(), "parents_away": parents_away.strip(),
              "care_measures": care_measures.strip()}
    entry = LeftBehindEntry.objects.filter(student=student, term=term).first()
    before = {k: getattr(entry, k) for k in values} if entry else None
    entry, _created = LeftBehindEntry.objects.update_or_create(
        student=student, term=term, defaults={**values, "updated_by": actor, "updated_at": clock.now()})
    audit_record(actor=actor, action="attendance.left_behind", obj=entry, before=before, after=values)
    return entry


# ---------------------------------------------------------------- monthly report (月报)


def report_deadline(month: dt.date, province_code: str | None) -> dt.date:
    """The last day (Asia/Shanghai) to submit the report of `month`: the province's day of the next month."""
    day = int(setting_get(province_code=province_code, key="attendance.report_deadline_day"))
    following = terms.next_month(month)
    return following.replace(day=max(1, min(day, 28)))


def _authority_require(actor) -> OrgUnit:
    require_cap(actor, Cap.DROPOUT_VIEW)
    unit = actor.org_unit
    if unit.kind not in AUTHORITY_KINDS:
        raise Forbidden(_("Monthly reports are made by the county, city and province authorities."),
                        code="report_not_authority")
    return unit


def report_figures(*, unit: OrgUnit, month: dt.date) -> dict[str, int]:
    """The generated figures of a unit's report: counts over its subtree, cases and absences by their dates in the
    month; the pupils on the roll as the counts stand when it is generated (after the month's end)."""
    end = terms.next_month(month) - dt.timedelta(days=1)
    path = unit.path
    counts = CountyStudentCount.objects.filter(path__startswith=path, reg_status=RegStatus.REGISTERED)
    on_roll = counts.filter(status__in=ON_ROLL).aggregate(n=Sum("n"))["n"] or 0
    cases = DropoutCase.objects.filter(school__org_unit__path__startswith=path)
    pupils = Student.objects.filter(school__org_unit__path__startswith=path, status__in=ON_ROLL,
                                    reg_status=RegStatus.REGISTERED)
    return {
        "pupils_on_roll": on_roll,
        "dropped_out": Student.objects.filter(school__org_unit__path__startswith=path,
                                              status=StudentStatus.DROPPED_OUT, reg_status=RegStatus.REGISTERED,
                                              school_class__stage__in=COMPULSORY_STAGES).count(),
        "cases_opened": cases.filter(opened_on__range=(month, end)).count(),
        "cases_closed": cases.filter(closed_on__range=(month, end)).count(),
        "cases_open": cases.filter(Q(opened_on__lte=end), Q(closed_on__isnull=True) | Q(closed_on__gt=end)).count(),
        "returned": cases.filter(closed_on__range=(month, end), outcome=FollowUpKind.RETURNED).count(),
        "absences": Absence.objects.filter(school__org_unit__path__startswith=path, date__range=(month, end),
                                           kind__in=COUNTING).count(),
        "migrant": pupils.filter(is_migrant=True).count(),
        "left_behind": pupils.filter(is_left_behind=True).count(),
    }


def _clean_manual(manual: Mapping) -> dict:
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    for key, label, kind in MANUAL_ITEMS:
        value = manual.get(key, "")
        if kind == "int":
            text = str(value if value is not None else "").strip()
            if not text:
                clean[key] = 0
                continue
            if not text.isdigit():
                errors[key] = [str(_("%(item)s is a whole number, 0 or more") % {"item": label})]
                continue
            clean[key] = int(text)
        else:
            clean[key] = str(value or "").strip()[:2000]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="report_bad_manual", details=errors)
    return clean


@transaction.atomic
def report_generate(*, actor, month: dt.date, manual: Mapping | None = None) -> MonthlyReport:
    """Generate (or regenerate, while a draft) the actor's unit's report of a month that has ended; the manual items
    given replace the stored ones."""
    unit = _authority_require(actor)
    month = terms.month_start(month)
    if month >= terms.month_start(clock.today()):
        raise ValidationFailed(_("The report of %(month)s is made after the month has ended.")
                               % {"month": f"{month:%Y-%m}"}, code="report_not_ended", field="month")
    report = MonthlyReport.objects.select_for_update().filter(org_unit=unit, month=month).first()
    if report is not None and report.status != ReportStatus.DRAFT:
        raise Conflict(_("The monthly report is signed already; it no longer changes."), code="report_signed")
    figures = report_figures(unit=unit, month=month)
    values = {"figures": figures, "generated_at": clock.now(), "generated_by": actor}
    if manual is not None:
        values["manual"] = _clean_manual(manual)
    if report is None:
        report = MonthlyReport.objects.create(org_unit=unit, month=month, manual=values.pop("manual", {}), **values)
    else:
        for key, value in values.items():
            setattr(report, key, value)
        report.save()
    audit_record(actor=actor, action="attendance.report_generate", obj=report,
                 after={"month": f"{month:%Y-%m}", "figures": figures, "manual": report.manual})
    return report


def report_payload(report: MonthlyReport) -> dict:
    """What the leader signs: the unit, the month, every figure and manual item."""
    return {"report": report.pk, "unit": report.org_unit.code, "month": f"{report.month:%Y-%m}",
            "figures": {key: report.figures.get(key) for key, _label in FIGURES},
            "manual": {key: report.manual.get(key) for key, _label, _kind in MANUAL_ITEMS}}


@transaction.atomic
def report_sign(*, actor, report: MonthlyReport) -> MonthlyReport:
    """确认签章: the leader (学籍主管领导) of the report's own unit confirms and signs it with their SM2 key (the
    seal of the level). Anyone else is refused, saying who signs."""
    require_cap(actor, Cap.DROPOUT_VIEW)
    report = MonthlyReport.objects.select_for_update().select_related("org_unit").get(pk=report.pk)
    if actor.org_unit_id != report.org_unit_id or Role.LEADER not in actor.role_set:
        raise Forbidden(_("%(user)s may not sign this report: the monthly report of %(unit)s is signed by the leader "
                          "(学籍主管领导) of %(unit)s.") % {"user": actor.full_name or actor.username,
                                                      "unit": report.org_unit.name}, code="report_wrong_signer")
    if report.status != ReportStatus.DRAFT:
        raise Conflict(_("The monthly report is signed already; it no longer changes."), code="report_signed")
    report.status, report.signed_by, report.signed_at = ReportStatus.SIGNED, actor, clock.now()
    report.save(update_fields=["status", "signed_by", "signed_at"])
    sign(actor=actor, subject="attendance.monthlyreport", object_id=report.pk, payload=report_payload(report))
    audit_record(actor=actor, action="attendance.report_sign", obj=report, after={"status": report.status})
    return report


def _subordinate_authorities(unit: OrgUnit):
    return OrgUnit.objects.filter(parent=unit, kind__in=AUTHORITY_KINDS, is_active=True)


@transaction.atomic
def report_submit(*, actor, report: MonthlyReport) -> MonthlyReport:
    """报送 to the level above, after the leader signed, and after every direct subordinate authority submitted its
    own (county → city → province → ministry). The rule for the deadline: a report submitted after the province's
    day of the next month (the 5th by default, Asia/Shanghai) is accepted — a late report is better than a missing
    one — but marked late with its reason, and listed on the monthly notice (通报)."""
    require_cap(actor, Cap.DROPOUT_VIEW)
    report = MonthlyReport.objects.select_for_update().select_related("org_unit").get(pk=report.pk)
    if actor.org_unit_id != report.org_unit_id or not ({Role.LEADER, Role.REGISTRAR} & set(actor.role_set)):
        raise Forbidden(_("A monthly report is submitted by its own unit."), code="report_not_own")
    if report.status == ReportStatus.SUBMITTED:
        raise Conflict(_("The monthly report was submitted already."), code="report_submitted")
    if report.status != ReportStatus.SIGNED:
        raise Conflict(_("The monthly report is submitted after its leader signed it."), code="report_not_signed")
    missing = list(_subordinate_authorities(report.org_unit).exclude(
        pk__in=MonthlyReport.objects.filter(month=report.month, status=ReportStatus.SUBMITTED).values("org_unit_id"))
        .values_list("name", flat=True))
    if missing:
        raise Conflict(_("Not yet submitted by: %(units)s. The report goes up after those of the level below.")
                       % {"units": "、".join(missing)}, code="report_subordinates_missing",
                       details={"missing": missing})
    today = clock.today()
    deadline = report_deadline(report.month, province_code_of(report.org_unit))
    report.status, report.submitted_at = ReportStatus.SUBMITTED, clock.now()
    if today > deadline:
        report.late = True
        report.late_reason = str(_("Submitted on %(day)s, after the deadline %(deadline)s")
                                 % {"day": today.isoformat(), "deadline": deadline.isoformat()})
    report.save(update_fields=["status", "submitted_at", "late", "late_reason"])
    audit_record(actor=actor, action="attendance.report_submit", obj=report,
                 after={"status": report.status, "late": report.late})
    return report


# ---------------------------------------------------------------- misuse reports (举报)


@transaction.atomic
def misuse_file(*, actor, about_unit: OrgUnit, text: str) -> MisuseReport:
    """举报: any signed-in user reports a misuse by a unit; it goes to the level above that unit. The reporter's
    identity is stored for their own follow-up and in the audit log (read by the auditors only); the handlers
    never see it (the selectors and serializers leave it out)."""
    if not getattr(actor, "is_authenticated", False) or actor.org_unit_id is None:
        raise Forbidden("Sign in to file a report.", code="permission_denied")
    if not text.strip():
        raise ValidationFailed(_("Say what happened."), code="misuse_text_required", field="text")
    handler = about_unit.parent
    if handler is None:
        raise ValidationFailed(_("%(unit)s has no level above in this system to handle a report.")
                               % {"unit": about_unit.name}, code="misuse_no_level_above", field="about_unit")
    report = MisuseReport.objects.create(reporter=actor, about_unit=about_unit, handler_unit=handler,
                                         text=text.strip()[:10000], created_at=clock.now())
    audit_record(actor=actor, action="attendance.misuse_filed", obj=report,
                 after={"about": about_unit.code, "handler": handler.code})
    return report


@transaction.atomic
def misuse_handle(*, actor, report: MisuseReport, note: str) -> MisuseReport:
    """The leader of the level the report was routed to records how it was handled; that closes it."""
    report = MisuseReport.objects.select_for_update().select_related("handler_unit").get(pk=report.pk)
    if actor.org_unit_id != report.handler_unit_id or Role.LEADER not in actor.role_set:
        raise Forbidden(_("Only the leader of %(unit)s handles this report.") % {"unit": report.handler_unit.name},
                        code="misuse_not_handler")
    if report.status != MisuseStatus.OPEN:
        raise Conflict(_("The report was handled already."), code="misuse_handled")
    if not note.strip():
        raise ValidationFailed(_("Say how it was handled."), code="misuse_note_required", field="note")
    report.status, report.handled_at, report.handled_by, report.handling_note = (
        MisuseStatus.HANDLED, clock.now(), actor, note.strip()[:10000])
    report.save(update_fields=["status", "handled_at", "handled_by", "handling_note"])
    audit_record(actor=actor, action="attendance.misuse_handled", obj=report, after={"status": report.status})
    return report

