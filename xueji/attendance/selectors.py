"""Every read of the attendance app, from the one restricted queryset of the user's jurisdiction.

Absences: a class's grid (its pupils on the roll × the day). Cases (控辍保学): the county's list — absence cases and
the cases of pupils who dropped out (the changes app's dropout list raises them, `services.cases_raise`) — and,
for a city or the province, the totals per county with the oldest open cases. Registers: migrant pupils and their
flows (from the completed transfers), left-behind pupils with the term's entry, the nutrition-programme and aid
eligibility lists. Monthly reports: the unit's own, its subordinates' status and the 通报 list. Misuse reports:
the reporter's own and those routed to the user's unit (without the reporter)."""

import datetime as dt

from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr

from xueji.accounts.jurisdiction import access, restrict, user_path
from xueji.accounts.models import Role
from xueji.accounts.permissions import Cap, require_cap
from xueji.admissions.choices import AdmissionStatus, EntrySide, EntryState
from xueji.admissions.models import Admission, Entry
from xueji.attendance import terms
from xueji.attendance.choices import CaseStatus, ReportStatus
from xueji.attendance.models import Absence, CaseFollowUp, DropoutCase, LeftBehindEntry, MisuseReport, MonthlyReport
from xueji.attendance.services import AUTHORITY_KINDS, report_deadline
from xueji.changes.choices import COMPULSORY_STAGES
from xueji.core import clock
from xueji.core.errors import NotFound
from xueji.regions.models import OrgKind, OrgUnit, province_code_of
from xueji.registry.choices import ON_ROLL
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import SchoolClass
from xueji.schoolyear.models import Graduate
from xueji.transfers.choices import TransferState
from xueji.transfers.selectors import transfer_list

# ---------------------------------------------------------------- absences


def class_get(*, user, pk) -> SchoolClass:
    return access(SchoolClass.objects.select_related("school", "school__org_unit"), user, Cap.STUDENT_VIEW, pk=pk)


def class_list(*, user, day: dt.date) -> QuerySet[SchoolClass]:
    """The active classes of the jurisdiction with how many pupils were absent on the day (one query a page)."""
    absent = (Absence.objects.filter(school_class=OuterRef("pk"), date=day).values("school_class")
              .annotate(n=Count("id")).values("n")[:1])
    qs = restrict(SchoolClass.objects.filter(is_active=True).select_related("school"), user, Cap.STUDENT_VIEW)
    return qs.annotate(absent=Coalesce(Subquery(absent), 0)).order_by("school_id", "stage", "cohort_year", "number")


def class_grid(*, user, school_class: SchoolClass, day: dt.date) -> list[dict]:
    """The class's pupils on the roll with their absence of the day (two queries)."""
    pupils = list(restrict(Student.objects.filter(school_class=school_class, status__in=ON_ROLL,
                                                  reg_status=RegStatus.REGISTERED), user, Cap.STUDENT_VIEW)
                  .order_by("class_number", "name_pinyin", "id").only("id", "name", "sex", "class_number",
                                                                       "national_number", "school_id"))
    kinds = dict(Absence.objects.filter(school_class=school_class, date=day).values_list("student_id", "kind"))
    return [{"student": pupil, "kind": kinds.get(pupil.pk, "")} for pupil in pupils]


def absence_list(*, user, filters: dict | None = None) -> QuerySet[Absence]:
    filters = filters or {}
    qs = restrict(Absence.objects.select_related("student", "school", "school_class"), user, Cap.STUDENT_VIEW)
    if filters.get("school_class"):
        qs = qs.filter(school_class_id=filters["school_class"])
    if filters.get("date_from"):
        qs = qs.filter(date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(date__lte=filters["date_to"])
    return qs.order_by("-date", "school_class_id", "student_id")


# ---------------------------------------------------------------- cases


def case_list(*, user, filters: dict | None = None) -> QuerySet[DropoutCase]:
    """控辍保学: the cases of the jurisdiction, oldest open first. Filters: status (open by default; "all"),
    reason, county."""
    filters = filters or {}
    qs = restrict(DropoutCase.objects.select_related("student", "school", "county"), user, Cap.DROPOUT_VIEW)
    status = filters.get("status") or CaseStatus.OPEN
    if status != "all":
        qs = qs.filter(status=status)
    if filters.get("reason"):
        qs = qs.filter(reason=filters["reason"])
    if filters.get("county"):
        qs = qs.filter(county_id=filters["county"])
    return qs.order_by("opened_on", "id")


def case_get(*, user, pk) -> DropoutCase:
    return access(DropoutCase.objects.select_related("student", "school", "county", "student__school_class"),
                  user, Cap.DROPOUT_VIEW, pk=pk)


def case_follow_ups(*, case: DropoutCase) -> QuerySet[CaseFollowUp]:
    return case.follow_ups.select_related("actor").order_by("at", "id")


def case_totals(*, user) -> list[dict]:
    """Per county of the jurisdiction: open and closed cases, and the opening date of the oldest open one (one
    query, grouped)."""
    # Numbers only leave (a GROUP BY per county): a labelled pupil's case is counted (control 10's aggregates).
    qs = restrict(DropoutCase.objects.all(), user, Cap.DROPOUT_VIEW, aggregate=True)
    rows = (qs.values("county_id", "county__name", "county__code")
            .annotate(open=Count("id", filter=Q(status=CaseStatus.OPEN)),
                      closed=Count("id", filter=Q(status=CaseStatus.CLOSED)),
                      oldest=Min("opened_on", filter=Q(status=CaseStatus.OPEN)))
            .order_by("county__code"))
    return list(rows)


def oldest_open_cases(*, user, limit: int = 10) -> QuerySet[DropoutCase]:
    return case_list(user=user)[:limit]


# ---------------------------------------------------------------- registers


def _on_roll(user, cap=Cap.STUDENT_VIEW) -> QuerySet[Student]:
    return restrict(Student.objects.filter(status__in=ON_ROLL, reg_status=RegStatus.REGISTERED), user, cap)


def migrant_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    """随迁子女 on the roll: pupils marked migrant (是否进城务工人员随迁子女) in the jurisdiction."""
    filters = filters or {}
    qs = _on_roll(user).filter(is_migrant=True).select_related("school", "school__county", "school_class")
    if filters.get("county"):
        qs = qs.filter(school__county_id=filters["county"])
    return qs


def migrant_by_county(*, user) -> list[dict]:
    return list(_on_roll(user).filter(is_migrant=True).values("school__county__name", "school__county__code")
                .annotate(n=Count("id")).order_by("school__county__code"))


def _province_of_county(field: str):
    """The province's region code of a county's code (its first two digits, "340000")."""
    return Concat(Substr(F(field), 1, 2), Value("0000"), output_field=CharField())


def _transfer_flows(user) -> list[dict]:
    qs = transfer_list(user=user).filter(state=TransferState.COMPLETED)
    return list(qs.values("source_province_code", "destination_province_code",
                          source_county=F("source_school__county__name"),
                          destination_county=F("destination_school__county__name"))
                .annotate(n=Count("pk"), migrant=Count("pk", filter=Q(migrant=True))).order_by())


def _admission_flows(user) -> list[dict]:
    """The admissions that took effect (入学), from where the pupil was before: the school it graduated from (its
    standing graduation), else the county of its hukou (户口所在地, the first six digits of the code); the
    admissions of the jurisdiction's schools and those of its graduates admitted elsewhere. One query."""
    path = user_path(user)
    if path is None:
        return []
    graduation = Graduate.objects.filter(student=OuterRef("student_id"), reverted_at__isnull=True).order_by("-pk")
    hukou = OrgUnit.objects.filter(kind=OrgKind.COUNTY, code=Substr(OuterRef("student__detail__hukou_location"), 1, 6))
    qs = (Admission.objects.filter(status=AdmissionStatus.ENROLLED, student__isnull=False)
          .annotate(source_path=Coalesce(Subquery(graduation.values("school__county__path")[:1]),
                                         Subquery(hukou.values("path")[:1])),
                    source_county=Coalesce(Subquery(graduation.values("school__county__name")[:1]),
                                           Subquery(hukou.values("name")[:1])),
                    source_code=Coalesce(Subquery(graduation.values("school__county__code")[:1]),
                                         Substr("student__detail__hukou_location", 1, 6)))
          .filter(Q(school__org_unit__path__startswith=path) | Q(source_path__startswith=path))
          .exclude(source_code__isnull=True).exclude(source_code=""))
    return list(qs.values("source_county", source_province_code=_province_of_county("source_code"),
                          destination_province_code=_province_of_county("school__county__code"),
                          destination_county=F("school__county__name"))
                .annotate(n=Count("pk"), migrant=Count("pk", filter=Q(student__is_migrant=True))).order_by())


def _entry_flows(user) -> list[dict]:
    """毕业后跨省就学 completed on either side in the jurisdiction: from the graduating province into a county here
    (the receiving side), or from a county here to the province the graduate entered (the graduating side)."""
    qs = restrict(Entry.objects.filter(state=EntryState.COMPLETED), user)
    here = _province_of_county("school__county__code")
    into = qs.filter(side=EntrySide.RECEIVING).values(
        source_province_code=F("peer_province_code"), destination_province_code=here,
        destination_county=F("school__county__name"))
    out = qs.filter(side=EntrySide.SENDING).values(
        source_province_code=here, source_county=F("school__county__name"),
        destination_province_code=F("peer_province_code"))
    count = {"n": Count("pk"), "migrant": Count("pk", filter=Q(student__is_migrant=True))}
    return ([{**row, "source_county": None} for row in into.annotate(**count).order_by()]
            + [{**row, "destination_county": None} for row in out.annotate(**count).order_by()])


def migrant_flows(*, user) -> list[dict]:
    """The flows between counties and provinces of the jurisdiction: the completed transfers (either school in it),
    the admissions that took effect (the receiving school or the previous one in it: `_admission_flows`) and the
    completed cross-province entries after graduation; from the sending county (or province) to the receiving one,
    with how many pupils (`n`: `transfers`, `admissions`, `entries`) and how many were migrant children. A fixed
    number of grouped queries."""
    if not user.role_set & {Role.REGISTRAR, Role.LEADER}:
        return []
    flows: dict[tuple, dict] = {}
    for kind, rows in (("transfers", _transfer_flows(user)), ("admissions", _admission_flows(user)),
                       ("entries", _entry_flows(user))):
        for row in rows:
            key = (row["source_province_code"], row["source_county"], row["destination_province_code"],
                   row["destination_county"])
            if key[0] == key[2] and key[1] == key[3]:
                continue  # within one county: no flow
            flow = flows.setdefault(key, {"source_province_code": key[0], "source_county": key[1],
                                          "destination_province_code": key[2], "destination_county": key[3],
                                          "n": 0, "migrant": 0, "transfers": 0, "admissions": 0, "entries": 0})
            flow["n"] += row["n"]
            flow["migrant"] += row["migrant"]
            flow[kind] += row["n"]
    return sorted(flows.values(), key=lambda f: (-f["n"], str(f["source_county"]), str(f["destination_county"])))


def left_behind_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    """留守儿童: pupils on the roll marked left-behind (是否留守儿童), annotated with whether the term has its entry."""
    filters = filters or {}
    term = filters.get("term") or terms.term_of(clock.today())[0]
    qs = _on_roll(user).filter(Q(is_left_behind=True) | (Q(detail__isnull=False) & ~Q(detail__left_behind="0")))
    qs = qs.select_related("school", "school_class").annotate(
        has_entry=Exists(LeftBehindEntry.objects.filter(student=OuterRef("pk"), term=term)))
    if filters.get("missing"):
        qs = qs.filter(has_entry=False)
    return qs


def left_behind_entries(*, students, term: str) -> dict[int, LeftBehindEntry]:
    return {e.student_id: e for e in LeftBehindEntry.objects.filter(student__in=[s.pk for s in students], term=term)}


def left_behind_get(*, user, pk) -> Student:
    return access(_on_roll(user).select_related("school", "school_class"), user, pk=pk)


PROGRAMMES = ("nutrition", "aid")


def eligibility_list(*, user, programme: str) -> QuerySet[Student]:
    """营养改善计划: pupils of compulsory education on the roll (the programme's roll for its fund's system).
    资助: pupils on the roll whose record says they need aid (是否需要资助), receive the boarding subsidy
    (是否享受一补), are orphans, children of martyrs or entitled groups, or have a disability."""
    qs = _on_roll(user).select_related("school", "school_class", "detail")
    if programme == "nutrition":
        return qs.filter(school_class__stage__in=COMPULSORY_STAGES)
    if programme == "aid":
        return qs.filter(Q(detail__needs_aid=True) | Q(detail__boarding_subsidy=True) | Q(detail__is_orphan=True)
                         | Q(detail__is_martyr_child=True) | (Q(detail__isnull=False) & ~Q(detail__disability="0")))
    raise NotFound("programme not found")


# ---------------------------------------------------------------- monthly reports


def report_list(*, user) -> QuerySet[MonthlyReport]:
    """The monthly reports of the jurisdiction: the user's unit's and those of the units below."""
    return restrict(MonthlyReport.objects.select_related("org_unit", "signed_by"), user, Cap.DROPOUT_VIEW)


def report_get(*, user, pk) -> MonthlyReport:
    return access(MonthlyReport.objects.select_related("org_unit", "signed_by", "generated_by"), user,
                  Cap.DROPOUT_VIEW, pk=pk)


def last_month() -> dt.date:
    return terms.month_start(terms.month_start(clock.today()) - dt.timedelta(days=1))


def subordinate_status(*, user, month: dt.date) -> list[dict]:
    """Each direct subordinate authority of the user's unit with its report of the month (two queries)."""
    require_cap(user, Cap.DROPOUT_VIEW)
    units = list(OrgUnit.objects.filter(parent_id=user.org_unit_id, kind__in=AUTHORITY_KINDS, is_active=True)
                 .order_by("code"))
    reports = {r.org_unit_id: r for r in MonthlyReport.objects.filter(org_unit__in=units, month=month)}
    return [{"unit": unit, "report": reports.get(unit.pk)} for unit in units]


def notice_list(*, user, month: dt.date) -> list[dict]:
    """通报: the authorities below the user's unit whose report of the month is late or, past the deadline, still
    missing (not submitted)."""
    require_cap(user, Cap.DROPOUT_VIEW)
    unit = user.org_unit
    deadline = report_deadline(month, province_code_of(unit))
    past = clock.today() > deadline
    units = list(OrgUnit.objects.filter(path__startswith=unit.path, kind__in=AUTHORITY_KINDS, is_active=True)
                 .exclude(pk=unit.pk).order_by("path"))
    reports = {r.org_unit_id: r for r in MonthlyReport.objects.filter(org_unit__in=units, month=month)}
    rows = []
    for each in units:
        report = reports.get(each.pk)
        if report is not None and report.status == ReportStatus.SUBMITTED:
            if report.late:
                rows.append({"unit": each, "report": report, "problem": "late", "reason": report.late_reason})
        elif past:
            rows.append({"unit": each, "report": report, "problem": "missing", "reason": ""})
    return rows


# ---------------------------------------------------------------- misuse reports


def misuse_list(*, user, filters: dict | None = None) -> QuerySet[MisuseReport]:
    """The user's own reports and, for the leaders and registrars of a unit, those routed to it."""
    filters = filters or {}
    if not getattr(user, "is_authenticated", False) or user.org_unit_id is None:
        return MisuseReport.objects.none()
    q = Q(reporter_id=user.pk)
    if user.role_set & {Role.LEADER, Role.REGISTRAR}:
        q |= Q(handler_unit_id=user.org_unit_id)
    qs = MisuseReport.objects.filter(q).select_related("about_unit", "handler_unit")
    if filters.get("box") == "mine":
        qs = qs.filter(reporter_id=user.pk)
    elif filters.get("box") == "routed":
        qs = qs.filter(handler_unit_id=user.org_unit_id)
    return qs


def misuse_get(*, user, pk) -> MisuseReport:
    try:
        return misuse_list(user=user).get(pk=int(pk))
    except (MisuseReport.DoesNotExist, ValueError, TypeError):
        raise NotFound("report not found") from None


def misuse_units(*, user, q: str = "") -> QuerySet[OrgUnit]:
    """The units one may report about: every unit below the ministry (a report goes to the level above it)."""
    qs = OrgUnit.objects.filter(is_active=True, parent__isnull=False)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("path")



