"""Reads of the school year's turn, each from the user's jurisdiction: the final grade and its graduates, what
blocks a school's promotion, the dry run, the calendar."""

from collections import Counter, defaultdict

from django.db.models import Count, Q, QuerySet, Sum

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock, codes
from xueji.problems.choices import MemberState, ProblemStatus
from xueji.problems.models import ProblemMember
from xueji.regions.models import OrgKind, OrgUnit
from xueji.registry.choices import ON_ROLL
from xueji.registry.models import Student, StudentCount
from xueji.schools.models import School, SchoolYear
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear.choices import COMPULSORY, GRADUATING, RunStatus, SchoolState
from xueji.schoolyear.models import Graduate, GraduationBatch, PromotionRun, PromotionSchool
from xueji.workflow.models import OPEN_STATUSES, Request
from xueji.workflow.timeline import PUPIL


def final_grade_q(year: int, *, prefix: str = "", stages=tuple(codes.STAGE_YEARS)) -> Q:
    """Classes (or, with `prefix`, rows through a class) in the final grade of their stage in school year `year`."""
    q = Q(pk__in=[])
    for stage in stages:
        q |= Q(**{f"{prefix}stage": stage, f"{prefix}cohort_year": year - codes.STAGE_YEARS[stage] + 1})
    return q


def left_stage_q(year: int, *, prefix: str = "") -> Q:
    """Classes whose cohort has left its stage by school year `year` (their grade would be past the last)."""
    q = Q(pk__in=[])
    for stage, years in codes.STAGE_YEARS.items():
        q |= Q(**{f"{prefix}stage": stage, f"{prefix}cohort_year__lte": year - years})
    return q


# ---------------------------------------------------------------- graduation

def school_year_of(school: School) -> int:
    return school.year_in_effect(current_school_year_start())


def graduation_candidates(*, user, school: School) -> QuerySet[Student]:
    """The pupils of the school's final grade of a compulsory stage who are in school (在读 ...): the list the
    school graduates, all ticked, exceptions unticked."""
    require_cap(user, Cap.GRADUATION_MANAGE)
    year = school_year_of(school)
    return (within(Student.objects.filter(school=school, status__in=GRADUATING, reg_status="registered"), user)
            .filter(final_grade_q(year, prefix="school_class__", stages=COMPULSORY))
            .select_related("school_class").order_by("school_class__stage", "school_class__number", "name", "pk"))


def senior_candidates(*, user, school: School) -> QuerySet[Student]:
    """The senior final grade's pupils in school (filed for the authority's approval to graduate)."""
    require_cap(user, Cap.GRADUATION_MANAGE)
    if "3" not in school.stages:
        return Student.objects.none()
    year = school_year_of(school)
    return (within(Student.objects.filter(school=school, status__in=GRADUATING, reg_status="registered"), user)
            .filter(final_grade_q(year, prefix="school_class__", stages=("3",)))
            .select_related("school_class").order_by("school_class__number", "name", "pk"))


def graduation_batches(*, user) -> QuerySet[GraduationBatch]:
    require_cap(user, Cap.GRADUATION_VIEW)
    return within(GraduationBatch.objects.select_related("school", "created_by"), user)


def graduation_batch_get(*, user, pk) -> GraduationBatch:
    return get_within(graduation_batches(user=user), user, pk=pk)


def graduates_of(*, user, batch: GraduationBatch) -> QuerySet[Graduate]:
    require_cap(user, Cap.GRADUATION_VIEW)
    return within(Graduate.objects.filter(batch=batch), user).select_related(
        "student", "destination_school").order_by("pk")


def graduate_get(*, user, pk) -> Graduate:
    require_cap(user, Cap.GRADUATION_VIEW)
    return get_within(Graduate.objects.select_related("batch", "student", "school"), user, pk=pk)


# ---------------------------------------------------------------- promotion

def province_of(user) -> OrgUnit | None:
    unit = getattr(user, "org_unit", None)
    return unit.ancestor_of_kind(OrgKind.PROVINCE) if unit is not None else None


def target_year(today=None) -> int:
    """The school year the next promotion leads into: during school year Y (1 Sep Y to 31 Aug Y+1), Y+1."""
    return SchoolYear.start_year_for(today or clock.today()) + 1


def promotion_run_of(province: OrgUnit, to_year: int | None = None) -> PromotionRun | None:
    return PromotionRun.objects.filter(province_code=province.code, to_year=to_year or target_year()).first()


def blockers_of(school_ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """What blocks each school's promotion out of school year `year`, set-based (three grouped counts): open
    requests on its pupils, pupils still in school in a final grade (not graduated), open problem records."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    if not school_ids:
        return {}
    # Read from the pupil counts per class (kept by the registry's door): a few rows per class, not the pupils.
    final = (StudentCount.objects.filter(school_id__in=school_ids, status__in=ON_ROLL, n__gt=0)
             .filter(final_grade_q(year, prefix="school_class__")).order_by()
             .values_list("school_id").annotate(total=Sum("n")))
    for school, n in final:
        if n:
            out[school]["final_grade"] = n
    open_subjects = [int(s) for s in Request.objects.filter(status__in=OPEN_STATUSES, subject_type=PUPIL)
                     .values_list("subject_id", flat=True).distinct() if str(s).isdigit()]
    for start in range(0, len(open_subjects), 5000):
        rows = (Student.objects.filter(pk__in=open_subjects[start:start + 5000], school_id__in=school_ids)
                .order_by().values_list("school_id").annotate(n=Count("pk")))
        for school, n in rows:
            out[school]["open_requests"] = out[school].get("open_requests", 0) + n
    problems = (ProblemMember.objects.filter(state=MemberState.OPEN, student__school_id__in=school_ids)
                .exclude(problem__status=ProblemStatus.RESOLVED).order_by()
                .values_list("student__school_id").annotate(n=Count("problem", distinct=True)))
    for school, n in problems:
        out[school]["problems"] = n
    return dict(out)


def _run_schools(user, run: PromotionRun) -> QuerySet[PromotionSchool]:
    return within(PromotionSchool.objects.filter(run=run), user).select_related("school__county")


def promotion_check(*, user, run: PromotionRun) -> list[dict]:
    """Per school of the user's jurisdiction: its state in the run, its year, and what blocks it now."""
    require_cap(user, Cap.PROMOTION_MANAGE)
    rows = list(_run_schools(user, run).order_by("school__org_unit__path"))
    current = current_school_year_start()
    found = blockers_of([r.school_id for r in rows if r.state != SchoolState.PROMOTED], run.from_year)
    out = []
    for row in rows:
        year = row.school.year_in_effect(current)
        blockers = found.get(row.school_id, {}) if row.state != SchoolState.PROMOTED else {}
        out.append({"row": row, "school": row.school, "county": row.school.county, "state": row.state,
                    "year": year, "blockers": blockers, "blocked": bool(blockers),
                    "at_year": year == run.from_year})
    return out


def promotion_dry_run(*, user, run: PromotionRun) -> list[dict]:
    """What the run will change, per school and grade: the pupils in school of each grade now and the grade they
    go up to (a final grade leaves the stage: its class closes). Read from the pupil counts per class (summary
    rows kept by the registry's door), so a province of a million pupils is a few thousand grouped rows."""
    require_cap(user, Cap.PROMOTION_MANAGE)
    schools = {r.school_id: r for r in _run_schools(user, run).exclude(state=SchoolState.PROMOTED)
               .exclude(state=SchoolState.EXCLUDED)}
    current = current_school_year_start()
    pupils: Counter = Counter()
    ids = list(schools)
    for start in range(0, len(ids), 2000):
        rows = (StudentCount.objects.filter(school_id__in=ids[start:start + 2000], status__in=ON_ROLL,
                                            school_class__isnull=False).order_by()
                .values_list("school_id", "school_class__stage", "school_class__cohort_year").annotate(n=Sum("n")))
        for school, stage, cohort, n in rows:
            pupils[(school, stage, cohort)] += n
    out = []
    for (school, stage, cohort), n in sorted(pupils.items(), key=lambda kv: (schools[kv[0][0]].school.code,
                                                                            kv[0][1], -kv[0][2])):
        row = schools[school]
        if row.school.year_in_effect(current) != run.from_year or not n:
            continue
        now_grade = codes.grade_code(stage, run.from_year - cohort + 1)
        next_grade = codes.grade_code(stage, run.to_year - cohort + 1)
        if now_grade is None:
            continue
        out.append({"school": row.school, "stage": stage, "cohort": cohort, "pupils": n,
                    "grade": codes.GRADE.label(now_grade),
                    "next": codes.GRADE.label(next_grade) if next_grade else None})
    return out


def promotion_summary(*, user, run: PromotionRun) -> dict:
    require_cap(user, Cap.PROMOTION_MANAGE)
    states = dict(_run_schools(user, run).order_by().values_list("state").annotate(n=Count("pk")))
    return {state: states.get(state, 0) for state in SchoolState.values}


def promotion_runs(*, user) -> QuerySet[PromotionRun]:
    require_cap(user, Cap.PROMOTION_MANAGE)
    return PromotionRun.objects.filter(province_code__in=_provinces_seen(user))


def _provinces_seen(user) -> list[str]:
    province = province_of(user)
    if province is not None:
        return [province.code]
    return list(OrgUnit.objects.filter(kind=OrgKind.PROVINCE).values_list("code", flat=True))


def is_running(run: PromotionRun) -> bool:
    return run.status == RunStatus.RUNNING


def graduate_of_student(*, user, pk, cap: Cap = Cap.GRADUATION_VIEW) -> Graduate:
    """The standing graduation of a pupil the user may see (404 outside the jurisdiction or absent, like the
    pupil; 409 not_graduated when the pupil holds none)."""
    from xueji.core.errors import Conflict
    from xueji.registry.selectors import student_get

    require_cap(user, cap)
    student = student_get(user=user, pk=pk)
    found = (Graduate.objects.filter(student=student, reverted_at__isnull=True).select_related("batch", "school")
             .first())
    if found is None:
        raise Conflict("The pupil is no longer graduated.", code="not_graduated")
    return found


def graduates_list(*, user, filters: dict | None = None) -> QuerySet[Graduate]:
    """Graduates of the user's jurisdiction (their graduating school's), newest first; `school`, `batch`,
    `destination` narrow it."""
    require_cap(user, Cap.GRADUATION_VIEW)
    qs = within(Graduate.objects.select_related("student", "school", "batch", "destination_school"), user)
    filters = filters or {}
    for key in ("school", "batch", "destination"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-batch_id", "pk")
