"""Reads of schools, years and classes, each starting from the user's jurisdiction."""

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock
from xueji.regions.models import OrgKind
from xueji.regions.selectors import authority_list
from xueji.schools import tallies
from xueji.schools.filters import ClassFilterSet, SchoolFilterSet
from xueji.schools.models import CountyTally, School, SchoolClass, SchoolYear


def school_list(*, user, filters: dict | None = None) -> QuerySet[School]:
    require_cap(user, Cap.ORG_VIEW)
    qs = within(School.objects.select_related("county", "org_unit"), user)
    return SchoolFilterSet.narrow(qs, filters)


def school_get(*, user, pk) -> School:
    require_cap(user, Cap.ORG_VIEW)
    return get_within(School.objects.select_related("county", "org_unit"), user, pk=pk)


def class_list(*, user, filters: dict | None = None) -> QuerySet[SchoolClass]:
    require_cap(user, Cap.ORG_VIEW)
    qs = within(SchoolClass.objects.select_related("school__org_unit"), user).annotate(student_count=_enrolled())
    return ClassFilterSet.narrow(qs, filters)


def _enrolled() -> Coalesce:
    """The class's enrolled pupils from the registry's pupil counts (registry/counts.py: summary rows kept by its
    door), a correlated SUM over the class's few rows, evaluated for the rows of a page only. Named through the
    reverse relation, so schools imports no registry module (the registry sits above it)."""
    counts = SchoolClass._meta.get_field("student_counts").related_model
    return Coalesce(Subquery(counts.objects.filter(school_class=OuterRef("pk"), status="01").order_by()
                             .values("school_class").annotate(n=Sum("n")).values("n")), 0)


def _authority(user) -> bool:
    unit = getattr(user, "org_unit", None)
    return unit is not None and not unit.is_school


def class_count(*, user, filters: dict | None = None) -> int:
    """How many classes the user may see (the menu's and the workbench's count): an authority's from its counties'
    tallies (schools/tallies.py: a SUM over a few rows however many classes), a school's (or a filtered count)
    by a COUNT of its classes."""
    require_cap(user, Cap.ORG_VIEW)
    if not filters and _authority(user):
        return tallies.total(within(CountyTally.objects.all(), user), "classes")
    return ClassFilterSet.narrow(within(SchoolClass.objects.all(), user), filters).order_by().count()


def school_count(*, user) -> int:
    """How many schools the user may see (the menu's and the workbench's count): an authority's from its counties'
    tallies, a school's own (one) by a COUNT."""
    require_cap(user, Cap.ORG_VIEW)
    if _authority(user):
        return tallies.total(within(CountyTally.objects.all(), user), "schools")
    return within(School.objects.all(), user).order_by().count()


def org_unit_count(*, user) -> int:
    """How many org units an authority may see (the menu's and the workbench's count), in one query: its
    authorities counted (a few hundred in a province) plus its schools, one org unit each, from its counties'
    tallies; no COUNT over the province's schools."""
    authorities = (authority_list(user=user).order_by()
                   .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n"))
    return within(CountyTally.objects.all(), user).aggregate(
        n=Coalesce(Sum("schools"), 0) + Subquery(authorities, output_field=IntegerField()))["n"] or 0


def class_get(*, user, pk) -> SchoolClass:
    require_cap(user, Cap.ORG_VIEW)
    return get_within(SchoolClass.objects.select_related("school"), user, pk=pk)


def school_year_list(*, user) -> QuerySet[SchoolYear]:
    if not getattr(user, "is_authenticated", False):
        return SchoolYear.objects.none()
    return SchoolYear.objects.all()


def school_year_get(*, user, pk) -> SchoolYear:
    from xueji.core.errors import NotFound

    try:
        return school_year_list(user=user).get(pk=pk)
    except (SchoolYear.DoesNotExist, ValueError):
        raise NotFound("school year not found") from None


def current_school_year_start(school: School | int | None = None) -> int:
    """The start year of the school year in effect: of a school when given (its own, once the yearly promotion has
    advanced it or held it back: `School.year_start`), else the deployment's current one."""
    if school is not None:
        own = school.year_start if isinstance(school, School) else (
            School.objects.filter(pk=school).values_list("year_start", flat=True).first())
        if own:
            return own
    current = SchoolYear.objects.filter(is_current=True).values_list("start_year", flat=True).first()
    return current if current is not None else SchoolYear.start_year_for(clock.today())


def school_list_under(*, user, org_unit) -> QuerySet[School]:
    """Schools of the jurisdiction that sit under an org unit (a city's schools across its counties)."""
    return school_list(user=user).filter(org_unit__path__startswith=org_unit.path)


CHOICES_LIMIT = 20  # the rows a searchable select loads at a time


def school_choices(*, user, q: str = "") -> list[School]:
    """Schools of the jurisdiction for a searchable select: the name contains `q` or the code starts with it; at
    most CHOICES_LIMIT, in the order of the org tree (a county's schools together), or by code for digits. In
    the tree's order the database walks the jurisdiction's own units and stops at the 20th match, or reads the
    few matches from the name's index; by code, it walked the province's codes past every school outside a
    county's or a city's jurisdiction. Digits are a code's beginning: its schools are one range of the code's
    index (and one stretch of the tree, far down it for most codes)."""
    text = q.strip()
    qs = school_list(user=user, filters={"q": text} if text else None)
    unit = getattr(user, "org_unit", None)
    if unit is not None and unit.kind == OrgKind.COUNTY:
        # The same schools (a school sits under its county), said so the database can cross the county's index
        # with the name's instead of reading every school of the province that matches.
        qs = qs.filter(county_id=unit.pk)
    return list(qs.order_by("code" if text.isdigit() else "org_unit__path")[:CHOICES_LIMIT])


def class_choices(*, user, school: int | None = None, q: str = "") -> list[SchoolClass]:
    """Classes of the jurisdiction (of one school, when given) for a searchable select: `q` is a cohort year, a
    class number or part of the class's or school's name; at most CHOICES_LIMIT."""
    require_cap(user, Cap.ORG_VIEW)
    qs = within(SchoolClass.objects.select_related("school"), user)
    if school is not None:
        qs = qs.filter(school_id=school)
    text = q.strip()
    if text.isdigit():
        qs = qs.filter(Q(cohort_year=int(text)) | Q(number=int(text))) if len(text) <= 4 else qs.none()
    elif text:
        qs = qs.filter(Q(name__contains=text) | Q(school__name__contains=text))
    return list(qs[:CHOICES_LIMIT])
