"""Every write of the reports app: keyword-only, typed, atomic, audited.

- `statistics_import`: a statistics return (教育事业统计基表: pupils per school, grade and sex at a statistics date),
  read with the import machinery (exchange's upload checks and readers); every row error is reported at once
  (row, column, reason: an unknown school, one outside the jurisdiction, an unknown grade, a grade the school does
  not teach, a bad sex or count, a row given twice) and nothing is imported unless the file is clean.
- `funding_rule_create`: a per-pupil amount per stage and programme, set by the province; a rule that overlaps
  another of the same stage and programme is refused with the rule it overlaps.
- `allocation_create`: per school and county, the verified enrolment at a date (pupils on the roll, registered,
  with a national number and no open problem record) times the rules valid that day; the others listed apart.
  `allocation_submit` files it for the province leader's approval (workflow); the approval's effect freezes it
  (`allocation_approved`), after which every write is refused."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import restrict
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, codes
from xueji.core.errors import Conflict, Forbidden, ValidationFailed, XuejiError
from xueji.exchange.readers import cell_text, normalise_title, open_source
from xueji.exchange.uploads import check_xlsx_container, discard, import_max_bytes, sniff, store_upload
from xueji.problems.choices import MemberState
from xueji.problems.models import ProblemMember
from xueji.regions.models import OrgKind
from xueji.registry.choices import ON_ROLL, RegStatus
from xueji.registry.models import Student
from xueji.reports.choices import AllocationStatus, ExcludedReason
from xueji.reports.models import (
    Allocation,
    AllocationExcluded,
    AllocationLine,
    FundingRule,
    StatisticsReturn,
    StatisticsRow,
)
from xueji.schools.models import School
from xueji.workflow.services import request_submit

ALLOCATION_TYPE = "reports.allocation"

# The statistics return's columns: titles (Chinese or English) -> key.
COLUMNS = {"学校代码": "school", "学校标识码": "school", "school code": "school", "school": "school",
           "年级": "grade", "grade": "grade", "性别": "sex", "sex": "sex", "人数": "count", "学生数": "count",
           "count": "count", "pupils": "count"}
REQUIRED = ("school", "grade", "sex", "count")
_SEX = {"1": "1", "2": "2", "男": "1", "女": "2", "male": "1", "female": "2", "m": "1", "f": "2"}


def _grade_code(text: str) -> str | None:
    text = text.strip()
    if text in codes.GRADE:
        return text
    for code, zh, en in codes.GRADE:
        if text in (zh, en, en.lower()) or text.lower() == en.lower():
            return code
    return None


class RowErrors:
    """Row errors of one file, all reported in one pass: (row, column, reason)."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, row: int, column: str, message) -> None:
        self.items.append({"row": row, "column": column, "message": str(message)})

    def __bool__(self) -> bool:
        return bool(self.items)


def _read(path, file_type: str, name: str, errors: RowErrors) -> list[tuple[int, dict]]:
    source = open_source(path, file_type, name)
    try:
        header = [normalise_title(cell_text(h)).lower() for h in source.open()]
        columns = {}
        for pos, title in enumerate(header):
            key = COLUMNS.get(title) or COLUMNS.get(title.replace(" ", ""))
            if key and key not in columns:
                columns[key] = pos
        missing = [k for k in REQUIRED if k not in columns]
        if missing:
            raise ValidationFailed(_("The file lacks the columns: %(cols)s (学校代码, 年级, 性别, 人数).")
                                   % {"cols": ", ".join(missing)}, code="statistics_columns", field="file")
        rows = []
        for number, cells in source.rows():
            values = {k: cell_text(cells[p]) if p < len(cells) else "" for k, p in columns.items()}
            if any(values.values()):
                rows.append((number, values))
        return rows
    finally:
        source.close()


@transaction.atomic
def statistics_import(*, actor, upload, stat_date: dt.date) -> StatisticsReturn:
    """Import a statistics return for the actor's area (an authority's, or a school's own)."""
    require_cap(actor, Cap.STUDENT_VIEW)
    if upload is None:
        raise ValidationFailed(_("Choose a file to import."), code="no_file", field="file")
    stored = store_upload(upload, limit=import_max_bytes(actor.org_unit))
    errors = RowErrors()
    try:
        file_type = sniff(stored.path, stored.name)
        if file_type == "xlsx":
            check_xlsx_container(stored.path, stored.name)
        rows = _read(stored.path, file_type, stored.name, errors)
    except XuejiError as exc:
        audit_record(actor=actor, action="statistics.import_refused", object_type="reports.statisticsreturn",
                     object_repr=stored.name[:255], success=False, org_unit=actor.org_unit,
                     after={"file": stored.name, "code": exc.code, "reason": str(exc.message)[:500]})
        raise
    finally:
        discard(stored.path)
    if not rows:
        raise ValidationFailed(_("The statistics return has only its column titles, no rows."),
                               code="statistics_empty", field="file")
    codes_in_file = {values["school"] for _n, values in rows}
    visible = {s.code: s for s in restrict(School, actor, Cap.STUDENT_VIEW).filter(code__in=codes_in_file)}
    known = set(School.objects.filter(code__in=codes_in_file).values_list("code", flat=True))
    seen: dict[tuple, int] = {}
    clean: list[StatisticsRow] = []
    for number, values in rows:
        school = visible.get(values["school"])
        if school is None:
            words = (_("School %(code)s is outside your jurisdiction.") if values["school"] in known
                     else _("Unknown school code %(code)s."))
            errors.add(number, "school", words % {"code": values["school"]})
        grade = _grade_code(values["grade"])
        if grade is None:
            errors.add(number, "grade", _("Unknown grade %(grade)s (write a grade code such as 11 or a name such as "
                                          "一年级).") % {"grade": values["grade"]})
        elif school is not None and grade[0] not in school.stages:
            errors.add(number, "grade", _("School %(code)s teaches no %(grade)s.") %
                       {"code": school.code, "grade": codes.GRADE.label(grade)})
        sex = _SEX.get(values["sex"].strip().lower())
        if sex is None:
            errors.add(number, "sex", _("Sex must be 男 or 女 (1 or 2), not %(v)s.") % {"v": values["sex"]})
        try:
            count = int(float(values["count"]))
            if count < 0 or float(values["count"]) != count:
                raise ValueError
        except ValueError:
            errors.add(number, "count", _("The count must be a whole number of 0 or more, not %(v)s.")
                       % {"v": values["count"]})
            count = None
        if school is not None and grade and sex:
            key = (school.pk, grade, sex)
            if key in seen:
                errors.add(number, "school", _("The same school, grade and sex is given twice (rows %(a)s and %(b)s).")
                           % {"a": seen[key], "b": number})
            seen[key] = number
            if count is not None:
                clean.append(StatisticsRow(school=school, grade=grade, sex=sex, count=count))
    if errors:
        audit_record(actor=actor, action="statistics.import_refused", object_type="reports.statisticsreturn",
                     object_repr=stored.name[:255], success=False, org_unit=actor.org_unit,
                     after={"file": stored.name, "errors": len(errors.items)})
        raise ValidationFailed(_("The statistics return has errors; nothing was imported."),
                               code="statistics_rows", field="file", details={"errors": errors.items[:500]})
    ret = StatisticsReturn.objects.create(org_unit=actor.org_unit, stat_date=stat_date, original_name=stored.name,
                                          uploaded_by=actor, uploaded_at=clock.now(), rows=len(clean))
    for row in clean:
        row.statistics_return = ret
    StatisticsRow.objects.bulk_create(clean, batch_size=1000)
    audit_record(actor=actor, action="statistics.import", obj=ret,
                 after={"file": stored.name, "rows": len(clean), "date": stat_date.isoformat(),
                        "sha256": stored.sha256})
    return ret


# ---------------------------------------------------------------- funding

def _require_province(actor) -> None:
    require_cap(actor, Cap.REQUEST_FILE)
    if actor.org_unit.kind != OrgKind.PROVINCE:
        raise Forbidden(_("Funding rules and allocations are set by the province."), code="permission_denied")


@transaction.atomic
def funding_rule_create(*, actor, stage: str, programme: str, amount: Decimal, valid_from: dt.date,
                        valid_to: dt.date | None = None) -> FundingRule:
    """A per-pupil amount for a stage and a programme; refused when it overlaps another rule of the same stage and
    programme (the rule it overlaps named), when it ends before it begins or the amount is not positive."""
    _require_province(actor)
    if stage not in codes.STAGE:
        raise ValidationFailed(_("Unknown stage."), code="invalid", field="stage")
    if amount is None or Decimal(amount) <= 0:
        raise ValidationFailed(_("The per-pupil amount must be positive."), code="rule_amount", field="amount")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(_("The rule ends before it begins."), code="rule_dates", field="valid_to")
    # Lock the province's rules of this stage and programme: two overlapping rules filed at once wait here.
    same = list(FundingRule.objects.select_for_update().filter(org_unit=actor.org_unit, stage=stage,
                                                               programme=programme))
    for other in same:
        if (other.valid_to is None or other.valid_to >= valid_from) and (valid_to is None
                                                                          or valid_to >= other.valid_from):
            raise Conflict(format_lazy(_("This rule overlaps the rule of {amount} yuan valid from {start} to {end} for "
                                         "the same stage and programme."), amount=other.amount,
                                       start=other.valid_from.isoformat(),
                                       end=other.valid_to.isoformat() if other.valid_to else _("open end")),
                           code="rule_overlap", field="valid_from", details={"rule": other.pk})
    rule = FundingRule.objects.create(org_unit=actor.org_unit, stage=stage, programme=programme,
                                      amount=Decimal(amount), valid_from=valid_from, valid_to=valid_to,
                                      created_by=actor, created_at=clock.now())
    audit_record(actor=actor, action="funding.rule_create", obj=rule,
                 after={"stage": stage, "programme": programme, "amount": str(rule.amount),
                        "from": valid_from.isoformat(), "to": valid_to.isoformat() if valid_to else None})
    return rule


def rules_at(org_unit, day: dt.date) -> list[FundingRule]:
    return list(FundingRule.objects.filter(org_unit=org_unit, valid_from__lte=day)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)))


@transaction.atomic
def allocation_create(*, actor, at_date: dt.date) -> Allocation:
    """Compute an allocation of the actor's province at a date: per school and stage, the pupils on the roll and
    registered with a national number and no open problem record, times each rule valid that day; the pupils
    without a number or with an open problem record listed apart. Set-based: one GROUP BY for the counted pupils,
    one INSERT ... of the ones apart."""
    _require_province(actor)
    rules = rules_at(actor.org_unit, at_date)
    if not rules:
        raise ValidationFailed(_("No funding rule is valid at this date."), code="allocation_no_rules",
                               field="at_date")
    on_roll = {"status__in": [str(s) for s in ON_ROLL], "reg_status": RegStatus.REGISTERED,
               "school_class__isnull": False}
    problem = Exists(ProblemMember.objects.filter(student=OuterRef("pk"), state=MemberState.OPEN))
    pupils = restrict(Student, actor, Cap.STUDENT_VIEW).filter(**on_roll).annotate(has_problem=problem)
    # The funded counts include the pupils under special protection (安全标记): only numbers leave this query.
    counted = restrict(Student, actor, Cap.STUDENT_VIEW, aggregate=True).filter(**on_roll).annotate(
        has_problem=problem)
    funded = (counted.filter(has_problem=False, national_number__isnull=False)
              .exclude(national_number__startswith="L")
              .values_list("school_id", "school__county_id", "school_class__stage").annotate(n=Count("pk")).order_by())
    allocation = Allocation.objects.create(org_unit=actor.org_unit, at_date=at_date, created_by=actor,
                                           created_at=clock.now())
    by_stage: dict[str, list[FundingRule]] = {}
    for rule in rules:
        by_stage.setdefault(rule.stage, []).append(rule)
    lines, total, count = [], Decimal(0), 0
    for school, county, stage, n in funded:
        count += n
        for rule in by_stage.get(stage, ()):
            amount = rule.amount * n
            total += amount
            lines.append(AllocationLine(allocation=allocation, school_id=school, county_id=county, stage=stage,
                                        programme=rule.programme, pupils=n, amount=rule.amount, total=amount))
    AllocationLine.objects.bulk_create(lines, batch_size=1000)
    apart = []
    for pk, school, has_problem in (pupils.filter(Q(has_problem=True) | Q(national_number__isnull=True)
                                                  | Q(national_number__startswith="L"))
                                    .values_list("pk", "school_id", "has_problem").order_by("school_id", "pk")):
        apart.append(AllocationExcluded(allocation=allocation, student_id=pk, school_id=school,
                                        reason=ExcludedReason.PROBLEM if has_problem else ExcludedReason.NO_NUMBER))
    AllocationExcluded.objects.bulk_create(apart, batch_size=1000)
    allocation.total, allocation.pupils, allocation.excluded = total, count, len(apart)
    allocation.save(update_fields=["total", "pupils", "excluded"])
    audit_record(actor=actor, action="funding.allocation_create", obj=allocation,
                 after={"date": at_date.isoformat(), "total": str(total), "pupils": count, "apart": len(apart)})
    return allocation


def _require_open(allocation: Allocation) -> None:
    if allocation.status in (AllocationStatus.APPROVED, AllocationStatus.PENDING):
        raise Conflict(_("The allocation is approved and frozen; it can no longer change.")
                       if allocation.status == AllocationStatus.APPROVED
                       else _("The allocation waits for approval; it can no longer change."),
                       code="allocation_frozen")


@transaction.atomic
def allocation_submit(*, actor, allocation: Allocation) -> Allocation:
    """File the allocation for the province leader's approval (审核): it can no longer change meanwhile."""
    _require_province(actor)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _require_open(allocation)
    request = request_submit(actor=actor, type=ALLOCATION_TYPE, title=_g("Funding allocation at %(date)s") %
                             {"date": allocation.at_date.isoformat()},
                             payload={"allocation": allocation.pk, "date": allocation.at_date.isoformat(),
                                      "total": str(allocation.total), "pupils": allocation.pupils},
                             subject_type=ALLOCATION_TYPE, subject_id=str(allocation.pk))
    allocation.status, allocation.request_id = AllocationStatus.PENDING, request.pk
    allocation.save(update_fields=["status", "request_id"])
    audit_record(actor=actor, action="funding.allocation_submit", obj=allocation, after={"request": request.pk})
    return allocation


def allocation_approved(*, request, actor) -> dict:
    """The approval's effect: the allocation is frozen."""
    allocation = Allocation.objects.select_for_update().get(pk=request.payload["allocation"])
    allocation.status, allocation.approved_at = AllocationStatus.APPROVED, clock.now()
    allocation.save(update_fields=["status", "approved_at"])
    audit_record(actor=actor, action="funding.allocation_approved", obj=allocation, after={"request": request.pk})
    return {"allocation": allocation.pk}


def allocation_refused(*, request, actor=None, **_kwargs) -> None:
    Allocation.objects.filter(pk=request.payload["allocation"]).update(status=AllocationStatus.RETURNED)


@transaction.atomic
def allocation_delete(*, actor, allocation: Allocation) -> None:
    """Delete a draft (or returned) allocation; an approved one is frozen (refused, nothing changed)."""
    _require_province(actor)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _require_open(allocation)
    audit_record(actor=actor, action="funding.allocation_delete", obj=allocation,
                 before={"date": allocation.at_date.isoformat(), "total": str(allocation.total)})
    allocation.delete()


def export_audit(*, actor, what: str, obj=None, rows: int = 0, detail: dict | None = None) -> None:
    """Every export of the reports app is audited."""
    audit_record(actor=actor, action=f"reports.export_{what}", obj=obj,
                 object_type="" if obj is not None else "reports.dashboard",
                 object_repr="" if obj is not None else what, after={"rows": rows, **(detail or {})})

