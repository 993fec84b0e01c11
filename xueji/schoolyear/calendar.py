"""The calendar of the school year's turn (a selector): where the jurisdiction stands in graduation (by the
graduation window's end, the province's deadline), promotion (by the configured moment) and admission, per county
and, for one county, per school, with what is late. Set-based: a few grouped counts over the jurisdiction."""

from collections import Counter, defaultdict

from django.db.models import Count

from xueji.accounts.jurisdiction import within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock
from xueji.policy.models import BusinessWindow
from xueji.registry.choices import ON_ROLL
from xueji.registry.models import Student
from xueji.schools.models import School
from xueji.schools.selectors import current_school_year_start
from xueji.schoolyear import selectors
from xueji.schoolyear.choices import COMPULSORY, GRADUATION_WINDOW, SchoolState
from xueji.schoolyear.models import GraduationBatch, PromotionSchool


def _deadline(province_code: str | None, year: int):
    """The end of the province's graduation window of the school year (its deadline), or None when unset."""
    if not province_code:
        return None
    return (BusinessWindow.objects.filter(province_code=province_code, kind=GRADUATION_WINDOW, org_unit__isnull=True,
                                          end_date__year=year + 1).order_by("-end_date")
            .values_list("end_date", flat=True).first())


def calendar_of(*, user, county: int | None = None) -> dict:
    require_cap(user, Cap.GRADUATION_VIEW)
    schools = list(within(School.objects.filter(is_active=True), user).select_related("county")
                   .order_by("county__path", "code"))
    province = selectors.province_of(user)
    current = current_school_year_start()
    year = current
    run = selectors.promotion_run_of(province) if province is not None else None
    # Each school in its own year in effect (a school promoted already looks at its new final grade): one grouped
    # count per distinct year, one or two in practice.
    by_year: dict[int, list[int]] = defaultdict(list)
    for school in schools:
        by_year[school.year_in_effect(current)].append(school.pk)
    remaining: Counter = Counter()
    graduated: Counter = Counter()
    for school_year, ids in by_year.items():
        for start in range(0, len(ids), 2000):
            chunk = ids[start:start + 2000]
            rows = (Student.objects.filter(school_id__in=chunk, status__in=ON_ROLL)
                    .filter(selectors.final_grade_q(school_year, prefix="school_class__", stages=COMPULSORY))
                    .order_by().values_list("school_id").annotate(n=Count("pk")))
            remaining.update(dict(rows))
            graduated.update(dict(GraduationBatch.objects.filter(school_id__in=chunk, year=school_year).order_by()
                                  .values_list("school_id").annotate(n=Count("pk"))))
    states = dict(PromotionSchool.objects.filter(run=run).values_list("school_id", "state")) if run else {}
    today, now = clock.today(), clock.now()
    deadline = _deadline(getattr(province, "code", None), year)
    moment = None
    if run is not None:
        from xueji.schoolyear.services import promotion_moment

        moment = promotion_moment(run)
    per_school = []
    for school in schools:
        state = states.get(school.pk, SchoolState.PENDING)
        graduation_late = bool(deadline and today > deadline and remaining[school.pk])
        promotion_late = bool(moment and now >= moment and state != SchoolState.PROMOTED)
        per_school.append({"school": school, "county": school.county, "remaining": remaining[school.pk],
                           "batches": graduated[school.pk], "state": state,
                           "state_label": SchoolState(state).label, "year": school.year_in_effect(current),
                           "graduation_late": graduation_late, "promotion_late": promotion_late})
    counties: dict[int, dict] = defaultdict(lambda: Counter())
    names = {}
    for row in per_school:
        c = counties[row["county"].pk]
        names[row["county"].pk] = row["county"].name
        c["schools"] += 1
        c["remaining"] += row["remaining"]
        c["graduation_late"] += row["graduation_late"]
        c["promoted"] += row["state"] == SchoolState.PROMOTED
        c["promotion_late"] += row["promotion_late"]
    return {"year": year, "deadline": deadline, "moment": moment, "run": run,
            "counties": [{"id": pk, "name": names[pk], **dict(c)} for pk, c in counties.items()],
            "schools": [r for r in per_school if county is None or r["county"].pk == county][:500],
            "county": county}
