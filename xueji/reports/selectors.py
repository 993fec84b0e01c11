"""Every read of the reports app, from the restricted querysets of the actor's jurisdiction.

The dashboards read summary rows only: the pupil tally (reports/tally.py: rows per county and group), the
registry's pupil counts per school and per class (registry/counts.py) and the pending approval steps. An
authority's figures are SUMs over the rows under its org path: the tally's rows grow with the counties and the
variety of pupils, not with their number (bench/reports_bench.py)."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import restrict, user_path
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock, codes
from xueji.core.db.replica import read_alias
from xueji.core.errors import NotFound
from xueji.policy.services import setting_get
from xueji.problems.choices import MemberState
from xueji.problems.models import ProblemMember
from xueji.regions.models import AUTHORITY_KINDS, LEVEL_RANK, OrgKind, OrgUnit, province_code_of
from xueji.registry.choices import ON_ROLL, RegStatus, VerifyStatus
from xueji.registry.models import SchoolStudentCount
from xueji.reports.choices import AllocationStatus
from xueji.reports.classes import BANDS
from xueji.reports.models import (
    Allocation,
    AllocationExcluded,
    AllocationLine,
    ClassBand,
    FundingRule,
    PupilFigure,
    StatisticsReturn,
)
from xueji.schools.models import School
from xueji.schools.selectors import current_school_year_start
from xueji.workflow.models import Step, StepStatus

# 超大规模学校 and 大班额 (the ministry's measures against oversized schools and classes): a school of the province's
# threshold of pupils or more (policy setting LARGE_SCHOOL_SETTING, national default 2,000), a class of 56 or more
# (大班额), 66 or more (超大班额: the class bands of reports/classes.py are cut there).
LARGE_SCHOOL_SETTING = "reports.large_school_pupils"
LARGE_CLASS, HUGE_CLASS = 56, 66
CLASS_BANDS = BANDS
TOP_SCHOOLS = 50


@dataclass
class Chart:
    """One chart of a dashboard and the table beside it: `columns` heads the table, `rows` its lines (the first
    cell a label, the others numbers); `series` names the numeric columns the chart draws."""

    key: str
    title: str
    kind: str  # bar | pie | stack
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    @property
    def series(self) -> list[str]:
        return self.columns[1:]

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "kind": self.kind, "columns": self.columns, "rows": self.rows}


CHART_KEYS = ("region", "stage", "grade", "sex", "ethnic", "hukou", "migrant", "class_size", "large_schools",
              "registration", "verification", "problems", "waiting")


def _figures(user):
    # Summary rows that may lag by the replication delay: from the read replica when one is configured.
    return restrict(PupilFigure.objects.using(read_alias()), user, Cap.STUDENT_VIEW)


def _areas(unit: OrgUnit) -> list[OrgUnit]:
    """The units a region chart splits the area into: the authorities right below (a county: itself)."""
    if unit.kind == OrgKind.COUNTY:
        return [unit]
    return list(OrgUnit.objects.filter(parent=unit, kind__in=AUTHORITY_KINDS).order_by("code"))


def _by_area(areas: list[OrgUnit], sums: dict[str, Counter]) -> list[tuple[OrgUnit, Counter]]:
    """Counters per county path summed into the areas (by path prefix)."""
    out = []
    for area in areas:
        total: Counter = Counter()
        for path, counter in sums.items():
            if path.startswith(area.path):
                total.update(counter)
        out.append((area, total))
    return out


def _label(table, code: str) -> str:
    return table.label(code) if code else _("Not given")


def scope_of(user) -> OrgUnit:
    """The unit whose area the dashboard covers: the user's own. The figures are kept per county, so a school's own
    users see its class sizes and size only (the menu offers the dashboard to authorities)."""
    require_cap(user, Cap.STUDENT_VIEW)
    return user.org_unit


_AREA_DIMS = ("all", "migrant", "left_behind", "reg", "verify")
_VALUE_DIMS = ("stage", "cohort", "sex", "ethnic", "hukou")


def dashboard(*, user, only: str | None = None) -> list[Chart]:
    """The charts of the user's unit over its own area (`only`: one chart by key). A fixed handful of queries,
    each over summary rows: the county figures (PupilFigure: about a hundred rows a county, whatever its pupils),
    the per-class and per-school counts, the problem members and pending steps."""
    unit = scope_of(user)
    if only is not None and only not in CHART_KEYS:
        raise NotFound(_("No such chart."))
    wanted = (only,) if only else CHART_KEYS
    figures = _figures(user)
    values: dict[str, Counter] = defaultdict(Counter)
    if {"stage", "grade", "sex", "ethnic", "hukou"} & set(wanted):
        for dim, value, total in (figures.filter(dim__in=_VALUE_DIMS).values_list("dim", "value")
                                  .annotate(t=Sum("n")).order_by()):
            values[dim][value] += total
    by_path: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    areas: list[OrgUnit] = []
    if {"region", "migrant", "registration", "verification", "problems"} & set(wanted):
        areas = _areas(unit)
        for path, dim, value, total in (figures.filter(dim__in=_AREA_DIMS).values_list("path", "dim", "value")
                                        .annotate(t=Sum("n")).order_by()):
            by_path[dim][path][value] += total
    charts: list[Chart] = []
    for key in wanted:
        if key == "region":
            chart = Chart(key, _("Pupils by region"), "bar", [_("Region"), _("Pupils")])
            chart.rows = [[area.name, c[""]] for area, c in _by_area(areas, by_path["all"])]
        elif key == "stage":
            chart = _simple(values["stage"], codes.STAGE, key, _("Pupils by stage"), "bar")
        elif key == "grade":
            year = current_school_year_start()
            grades: Counter = Counter()
            for value, total in values["cohort"].items():
                stage, _sep, cohort = value.partition(":")
                grade = codes.grade_code(stage, year - int(cohort or 0) + 1) if stage else None
                grades[grade or ""] += total
            chart = Chart(key, _("Pupils by grade"), "bar", [_("Grade"), _("Pupils")])
            chart.rows = [[_label(codes.GRADE, g) if g else _("No class or left the stage"), grades[g]]
                          for g in sorted(grades, key=lambda g: (g == "", g)) if grades[g]]
        elif key == "sex":
            chart = _simple(values["sex"], codes.SEX, key, _("Pupils by sex"))
        elif key == "ethnic":
            chart = _simple(values["ethnic"], codes.ETHNIC, key, _("Pupils by ethnic group"), "bar")
            chart.rows.sort(key=lambda r: -r[1])
        elif key == "hukou":
            chart = _simple(values["hukou"], codes.HUKOU_NATURE, key, _("Pupils by hukou type"))
        elif key == "migrant":
            chart = Chart(key, _("Migrant and left-behind pupils"), "bar",
                          [_("Region"), _("Migrant children"), _("Left-behind children")])
            migrant, left = dict(_by_area(areas, by_path["migrant"])), dict(_by_area(areas, by_path["left_behind"]))
            chart.rows = [[area.name, migrant[area]["1"], left[area]["1"]] for area in areas]
        elif key == "class_size":
            chart = class_sizes(user=user)
        elif key == "large_schools":
            chart = large_schools(user=user)
        elif key == "registration":
            chart = _per_area(areas, by_path["reg"], RegStatus, key, _("Registrations per area"))
        elif key == "verification":
            chart = _per_area(areas, by_path["verify"], VerifyStatus, key, _("Identity verification per area"))
        elif key == "problems":
            chart = problem_progress(user=user, areas=areas)
        else:
            chart = waiting_times(user=user)
        charts.append(chart)
    return charts


def _simple(counter: Counter, table, key: str, title: str, kind: str = "pie") -> Chart:
    chart = Chart(key, title, kind, [_("Item"), _("Pupils")])
    chart.rows = [[_label(table, code), counter[code]] for code in sorted(counter) if counter[code]]
    return chart


def _per_area(areas, sums: dict[str, Counter], choices, key: str, title: str) -> Chart:
    values = list(choices.values)
    chart = Chart(key, title, "stack", [_("Region"), *[str(choices(v).label) for v in values]])
    chart.rows = [[area.name, *[c[v] for v in values]] for area, c in _by_area(areas, sums)]
    return chart


def class_sizes(*, user) -> Chart:
    """Classes by size band (seated pupils), with the oversized ones (大班额 56+, 超大班额 66+): the counties' band
    rows (reports/classes.py), never the classes."""
    counted = dict(restrict(ClassBand.objects.using(read_alias()), user, Cap.STUDENT_VIEW).values_list("band")
                   .annotate(t=Sum("classes")).order_by())
    chart = Chart("class_size", _("Class sizes against the caps (大班额 56+, 超大班额 66+)"), "bar",
                  [_("Pupils in the class"), _("Classes")])
    chart.rows = [[f"{low}-{high}" if high < 10_000 else f"{low}+", counted.get(low, 0)] for low, high in CLASS_BANDS]
    return chart


def large_school_threshold(*, user) -> int:
    """超大规模: the pupils on the roll from which a school of the user's province is oversized (its policy setting,
    the national default for the ministry)."""
    return int(setting_get(province_code=province_code_of(user.org_unit), key=LARGE_SCHOOL_SETTING))


def large_schools(*, user) -> Chart:
    """The schools of the province's threshold of pupils or more on the roll (超大规模), largest first: the top
    TOP_SCHOOLS of them from the per-school count rows, and how many there are in all (in the title). Four queries
    and at most TOP_SCHOOLS rows read, whatever the number of schools."""
    threshold = large_school_threshold(user=user)
    oversized = (restrict(SchoolStudentCount.objects.using(read_alias()), user, Cap.STUDENT_VIEW)
                 .filter(status__in=[str(s) for s in ON_ROLL], reg_status=RegStatus.REGISTERED)
                 .values_list("school_id").annotate(t=Sum("n")).filter(t__gte=threshold))
    rows = list(oversized.order_by("-t", "school_id")[:TOP_SCHOOLS])
    total = len(rows) if len(rows) < TOP_SCHOOLS else oversized.order_by().count()
    names = dict(School.objects.filter(pk__in=[pk for pk, _t in rows]).values_list("pk", "name"))
    chart = Chart("large_schools", _("Oversized schools (%(n)s pupils or more): %(count)s") % {
        "n": threshold, "count": total}, "bar", [_("School"), _("Pupils")])
    chart.rows = [[names.get(pk, str(pk)), total] for pk, total in rows]
    return chart


def problem_progress(*, user, areas) -> Chart:
    """Problem records' members per area: open and resolved."""
    qs = restrict(ProblemMember, user, Cap.STUDENT_VIEW).values_list("county_org__path", "state").annotate(
        c=Count("pk")).order_by()
    sums: dict[str, Counter] = defaultdict(Counter)
    for path, state, c in qs:
        sums[path or ""][state] += c
    states = sorted({s for c in sums.values() for s in c})
    labels = {v: str(MemberState(v).label) for v in MemberState.values}
    chart = Chart("problems", _("Problem records per area"), "stack",
                  [_("Region"), *[labels.get(s, s) for s in states]])
    chart.rows = [[area.name, *[c[s] for s in states]] for area, c in _by_area(areas, sums)]
    return chart


def waiting_times(*, user) -> Chart:
    """Pending approval steps per level of the approving unit: how many, their mean and longest wait in days
    (since the request last moved)."""
    today = clock.today()
    qs = (restrict(Step, user, Cap.STUDENT_VIEW).filter(status=StepStatus.PENDING)
          .values_list("org_unit__kind", TruncDate("request__updated_at")).annotate(c=Count("pk")).order_by())
    per: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for kind, day, c in qs:
        per[kind].append(((today - day).days if isinstance(day, dt.date) else 0, c))
    chart = Chart("waiting", _("Requests waiting per level"), "bar",
                  [_("Level"), _("Pending steps"), _("Mean wait (days)"), _("Longest wait (days)")])
    for kind in sorted(per, key=lambda k: LEVEL_RANK.get(k, 9)):
        items = per[kind]
        n = sum(c for _d, c in items)
        chart.rows.append([str(OrgKind(kind).label), n, round(sum(d * c for d, c in items) / n, 1),
                           max(d for d, _c in items)])
    return chart


# ---------------------------------------------------------------- statistics returns, funding

def return_list(*, user):
    return restrict(StatisticsReturn, user, Cap.STUDENT_VIEW).select_related("org_unit", "uploaded_by")


def return_get(*, user, pk: int) -> StatisticsReturn:
    found = return_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Statistics return not found."))
    return found


def rule_list(*, user):
    """The funding rules of the user's province (every authority of it reads them)."""
    require_cap(user, Cap.STUDENT_VIEW)
    if user_path(user) is None:
        return FundingRule.objects.none()
    return FundingRule.objects.filter(org_unit_id__in=user.org_unit.ancestor_ids()).select_related("org_unit")


def allocation_list(*, user):
    """The allocations of the user's area, and those of the levels above it once filed or approved (a county reads
    the province's allocation, its own lines only: `allocation_lines`; drafts stay the province's)."""
    own = restrict(Allocation, user, Cap.STUDENT_VIEW)
    unit = getattr(user, "org_unit", None)
    if unit is None:
        return own.select_related("org_unit", "created_by")
    above = Allocation.objects.filter(org_unit_id__in=[pk for pk in unit.ancestor_ids() if pk != unit.pk],
                                      status__in=[AllocationStatus.PENDING, AllocationStatus.APPROVED])
    return (own | above).distinct().select_related("org_unit", "created_by").order_by("-pk")


def allocation_get(*, user, pk: int) -> Allocation:
    found = allocation_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Allocation not found."))
    return found


def allocation_lines(*, user, allocation: Allocation):
    """The allocation's lines within the user's jurisdiction (a county sees its own schools of a province's run)."""
    path = user_path(user) or "\x00"
    return (AllocationLine.objects.filter(allocation=allocation, school__org_unit__path__startswith=path)
            .select_related("school", "county"))


def allocation_counties(*, user, allocation: Allocation) -> list[dict]:
    return list(allocation_lines(user=user, allocation=allocation).order_by().values("county_id", "county__name")
                .annotate(pupils=Sum("pupils"), total=Sum("total")).order_by("county__name"))


def allocation_left_out(*, user, allocation: Allocation):
    path = user_path(user) or "\x00"
    return (AllocationExcluded.objects.filter(allocation=allocation, school__org_unit__path__startswith=path)
            .select_related("school", "student"))

