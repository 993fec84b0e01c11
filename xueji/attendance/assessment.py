"""考核: how each level uses the system, per term, as a score out of 100 with its components, for the authorities
directly below the user's unit (a province sees its cities, a city its counties, a county its schools).

Components and weights (the rule, written once here):
- data quality (35): open problem records (问题学籍) and unverified pupils (身份未核查) against the pupils on the roll:
  35 × (1 − (problems + unverified) / pupils), never below 0 (a unit without pupils scores 35);
- timeliness (25): approval steps waiting at the unit or below (待办), 1 point each, and the monthly reports of the
  term's months that were late (3 points each) or, past their deadline, missing (5 points each); never below 0;
- training coverage (15): the share of the registrars of the unit and below holding a valid registrar certificate
  of their level (培训考试, `training.selectors.certification_under`): 15 × certified / registrars (15 without any);
- support response (25): the average time the unit took to take the tickets that reached it in the term (its
  support staff's response time): 25 up to 2 hours, falling linearly to 0 at 48 hours; 25 when no ticket came."""

import datetime as dt

from django.db.models import Count, F, Q

from xueji.accounts.permissions import Cap, require_cap
from xueji.attendance import terms
from xueji.attendance.choices import ReportStatus
from xueji.attendance.models import MonthlyReport
from xueji.attendance.services import AUTHORITY_KINDS, report_deadline
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.problems.choices import ProblemStatus
from xueji.problems.models import ProblemMember
from xueji.regions.models import OrgUnit, child_segment, province_code_of
from xueji.registry.choices import ON_ROLL
from xueji.registry.models import RegStatus, Student
from xueji.support.models import TicketLevel
from xueji.training.selectors import certification_per_child
from xueji.workflow.models import Step, StepStatus

QUALITY, TIMELINESS, TRAINING, SUPPORT = 35, 25, 15, 25
FULL_RESPONSE_HOURS, ZERO_RESPONSE_HOURS = 2, 48


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], terms.month_start(start)
    while month <= end:
        months.append(month)
        month = terms.next_month(month)
    return months


def _support_points(average_hours: float | None) -> float:
    if average_hours is None or average_hours <= FULL_RESPONSE_HOURS:
        return float(SUPPORT)
    if average_hours >= ZERO_RESPONSE_HOURS:
        return 0.0
    return SUPPORT * (ZERO_RESPONSE_HOURS - average_hours) / (ZERO_RESPONSE_HOURS - FULL_RESPONSE_HOURS)


def _per_child(qs, path_field: str, path: str, **aggregates) -> dict[int, dict]:
    """The rows of `qs` strictly below `path`, aggregated per unit directly below it (one grouped query)."""
    rows = (qs.filter(**{f"{path_field}__startswith": path}).exclude(**{path_field: path})
            .values(child=child_segment(path_field, path)).annotate(**aggregates).order_by())
    return {int(row.pop("child")): row for row in rows}


def assessment(*, user, term: str | None = None) -> dict:
    """The term's scores of the units directly below the user's unit: a fixed number of queries, each grouped by
    the unit below (the rows' org paths cut after the user's path), whatever the number of units."""
    require_cap(user, Cap.DROPOUT_VIEW)
    term = term or terms.term_of(clock.today())[0]
    bounds = terms.term_bounds(term)
    if bounds is None:
        raise ValidationFailed("The term is written like 2026-1 or 2026-2.", code="attendance_bad_term", field="term")
    start, end = bounds
    today = clock.today()
    units = list(OrgUnit.objects.filter(parent_id=user.org_unit_id, is_active=True).order_by("code"))
    if not units:
        return {"term": term, "rows": []}
    province = province_code_of(user.org_unit)
    path = user.org_unit.path
    # Months of the term whose report was due by today (only authorities make reports).
    due = [m for m in _months(start, min(end, today)) if report_deadline(m, province) < today]
    reports = {(r["org_unit_id"], r["month"]): r for r in MonthlyReport.objects.filter(
        org_unit__in=units, month__in=due).values("org_unit_id", "month", "status", "late")}
    pupils = _per_child(Student.objects.filter(status__in=ON_ROLL, reg_status=RegStatus.REGISTERED),
                        "school__org_unit__path", path, n=Count("id"),
                        unverified=Count("id", filter=Q(verify_status__in=["unverified", "sent"])))
    problems = _per_child(ProblemMember.objects.filter(problem__status__in=[ProblemStatus.OPEN,
                                                                           ProblemStatus.ARBITRATION]),
                          "school_org__path", path, n=Count("problem_id", distinct=True))
    waiting = _per_child(Step.objects.filter(status=StepStatus.PENDING), "org_unit__path", path, n=Count("id"))
    waits: dict[int, list[float]] = {}
    for unit_id, waited in (TicketLevel.objects.filter(org_unit__in=units, arrived_at__date__range=(start, end),
                                                       taken_at__isnull=False)
                            .annotate(waited=F("taken_at") - F("arrived_at")).values_list("org_unit_id", "waited")):
        waits.setdefault(unit_id, []).append(waited.total_seconds())
    certification = certification_per_child(path=path)
    rows = []
    for unit in units:
        counted = pupils.get(unit.pk, {"n": 0, "unverified": 0})
        n, unverified = counted["n"] or 0, counted["unverified"] or 0
        open_problems = problems.get(unit.pk, {"n": 0})["n"]
        pending = waiting.get(unit.pk, {"n": 0})["n"]
        late = missing = 0
        if unit.kind in AUTHORITY_KINDS:
            for month in due:
                report = reports.get((unit.pk, month))
                if report is None or report["status"] != ReportStatus.SUBMITTED:
                    missing += 1
                elif report["late"]:
                    late += 1
        taken = waits.get(unit.pk, [])
        average = (sum(taken) / len(taken) / 3600) if taken else None
        quality = QUALITY if n == 0 else max(0.0, QUALITY * (1 - (open_problems + unverified) / n))
        timeliness = max(0.0, TIMELINESS - pending - 3 * late - 5 * missing)
        support = _support_points(average)
        registrars, certified = certification.get(unit.pk, (0, 0))
        training = TRAINING * certified / registrars if registrars else float(TRAINING)
        rows.append({"unit": unit, "pupils": n, "problems": open_problems, "unverified": unverified,
                     "waiting": pending, "late_reports": late, "missing_reports": missing,
                     "response_hours": None if average is None else round(average, 1),
                     "registrars": registrars, "certified": certified,
                     "quality": round(quality, 1), "timeliness": round(timeliness, 1), "training": round(training, 1),
                     "support": round(support, 1), "score": round(quality + timeliness + training + support, 1)})
    return {"term": term, "rows": rows}
