"""Reads of admission (招生), each starting from the user's jurisdiction (accounts.restrict)."""

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from xueji.accounts.jurisdiction import access, restrict
from xueji.accounts.permissions import Cap
from xueji.admissions.choices import COUNTED, PLAN_CHANGE_TYPE, AdmissionStatus
from xueji.admissions.filters import AdmissionFilterSet, PlanFilterSet
from xueji.admissions.models import Admission, AdmissionBatch, AdmissionPlan, Catchment, Entry
from xueji.schools.models import School
from xueji.workflow.models import Request, Step, StepStatus


def plan_list(*, user, filters: dict | None = None) -> QuerySet[AdmissionPlan]:
    """招生计划 of the schools in the jurisdiction, each with the pupils it holds (admitted, held, in school)."""
    qs = restrict(AdmissionPlan, user, Cap.ADMISSION_VIEW).select_related("school", "updated_by")
    used = Admission.objects.filter(school=OuterRef("school"), stage=OuterRef("stage"), year=OuterRef("year"),
                                    status__in=COUNTED).order_by().values("school").annotate(n=Count("pk")).values("n")
    qs = qs.annotate(admitted=Coalesce(Subquery(used, output_field=IntegerField()), 0))
    return PlanFilterSet.narrow(qs, filters, user=user)


def plan_totals(plans: QuerySet[AdmissionPlan]) -> dict:
    """The places and the admitted pupils of the plans in view (two aggregates)."""
    base = AdmissionPlan.objects.filter(pk__in=plans.order_by().values("pk"))
    totals = base.aggregate(quota=Sum("quota"), plans=Count("pk"))
    same_plan = base.filter(school_id=OuterRef("school_id"), stage=OuterRef("stage"), year=OuterRef("year"))
    totals["admitted"] = Admission.objects.filter(status__in=COUNTED).filter(Exists(same_plan)).count()
    return {key: value or 0 for key, value in totals.items()}


def office_schools(*, user) -> QuerySet[School]:
    """The schools whose plans the user's office sets (its jurisdiction)."""
    return restrict(School, user, Cap.ADMISSION_MANAGE).filter(is_active=True).order_by("code")


def admission_list(*, user, filters: dict | None = None) -> QuerySet[Admission]:
    """录取名单: admissions into the schools in the jurisdiction."""
    qs = restrict(Admission, user, Cap.ADMISSION_VIEW).select_related("school", "school_class", "batch")
    return AdmissionFilterSet.narrow(qs, filters, user=user)


def admission_get(*, user, pk) -> Admission:
    return access(Admission.objects.select_related("school__org_unit", "school_class"), user, Cap.ADMISSION_VIEW,
                  pk=pk)


def duplicate_list(*, user, filters: dict | None = None) -> QuerySet[Admission]:
    """重复招生: the held admissions of the jurisdiction, each with the pupil's other admissions counted (in any
    school of the province: an office must see that another office holds the pupil too)."""
    qs = admission_list(user=user, filters={**(filters or {}), "status": AdmissionStatus.HELD})
    others = Admission.objects.filter(year=OuterRef("year"), id_number=OuterRef("id_number")).exclude(
        pk=OuterRef("pk")).exclude(status=AdmissionStatus.WITHDRAWN).order_by().values("year").annotate(
        n=Count("pk")).values("n")
    return qs.annotate(others=Subquery(others, output_field=IntegerField()))


def duplicate_group(*, admission: Admission) -> list[Admission]:
    """The admissions of a held pupil this year, across schools: shown with school names only, beside the one the
    viewer may open (the pupil's identity is already the viewer's)."""
    return list(Admission.objects.select_related("school").filter(year=admission.year, id_number=admission.id_number)
                .exclude(status=AdmissionStatus.WITHDRAWN).order_by("pk"))


def batch_list(*, user) -> QuerySet[AdmissionBatch]:
    return restrict(AdmissionBatch, user, Cap.ADMISSION_MANAGE).select_related("org_unit", "created_by")


def batch_get(*, user, pk) -> AdmissionBatch:
    return access(AdmissionBatch.objects.select_related("org_unit"), user, Cap.ADMISSION_MANAGE, pk=pk)


def plan_change_list(*, user) -> QuerySet[Request]:
    """The plan changes (计划调整) in view: those the user's school filed, and those of the schools in the user's
    area; `waiting` marks the ones whose current step the user holds."""
    qs = restrict(Request.objects.filter(type=PLAN_CHANGE_TYPE), user, Cap.ADMISSION_VIEW)
    mine = Step.objects.filter(request=OuterRef("pk"), round=OuterRef("round"), status=StepStatus.PENDING,
                               org_unit_id=user.org_unit_id, role__in=list(user.role_set))
    return qs.select_related("filer_org").annotate(waiting=Exists(mine))


def plan_change_get(*, user, pk) -> Request:
    return access(Request.objects.filter(type=PLAN_CHANGE_TYPE).select_related("filer_org"), user,
                  Cap.ADMISSION_VIEW, pk=pk)


def catchment_list(*, user) -> QuerySet[Catchment]:
    """划片: the catchments of the schools in the office's area."""
    return restrict(Catchment.objects.select_related("school"), user, Cap.ADMISSION_MANAGE)


def catchment_get(*, user, pk) -> Catchment:
    return access(Catchment.objects.select_related("school__org_unit"), user, Cap.ADMISSION_MANAGE, pk=pk)


def admission_progress(*, user, up_to_year: int) -> dict:
    """Where admission stands per county, for the calendar of the turn: the latest admission year with plans up to
    `up_to_year`, and per county the places planned, the pupils admitted and not yet in school, held as
    duplicates, and in school. Four grouped reads, whatever the size of the area."""
    plans = restrict(AdmissionPlan, user, Cap.ADMISSION_VIEW).filter(year__lte=up_to_year)
    year = plans.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return {"year": None, "counties": {}}
    by_county: dict[int, dict] = {}

    def add(rows, key):
        for county, n in rows:
            by_county.setdefault(county, {"quota": 0, "admitted": 0, "held": 0, "enrolled": 0})[key] += n or 0

    add(plans.filter(year=year).order_by().values_list("school__county_id").annotate(n=Sum("quota")), "quota")
    admissions = restrict(Admission, user, Cap.ADMISSION_VIEW).filter(year=year).order_by()
    for key, status in (("admitted", AdmissionStatus.ADMITTED), ("held", AdmissionStatus.HELD),
                        ("enrolled", AdmissionStatus.ENROLLED)):
        add(admissions.filter(status=status).values_list("school__county_id").annotate(n=Count("pk")), key)
    return {"year": year, "counties": by_county}


# Cross-province entry after graduation (毕业后跨省就学) ------------------------------------------------------------

def entry_list(*, user, filters: dict | None = None) -> QuerySet[Entry]:
    """毕业后跨省就学: the entries of the schools in the jurisdiction (the receiving school's, and the graduating
    school's side of the other province's), newest first; `filters`: state, side."""
    qs = restrict(Entry, user, Cap.REQUEST_VIEW).select_related("school", "school_class", "student", "request")
    filters = filters or {}
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("side"):
        qs = qs.filter(side=filters["side"])
    return qs.order_by("-filed_at", "-request_id")


def access_entry_by_id(*, user, pk) -> Entry:
    """An entry the user may see (404 outside the jurisdiction, as if absent)."""
    qs = Entry.objects.select_related("school__org_unit", "school_class", "student", "request__filer")
    return access(qs, user, Cap.REQUEST_VIEW, pk=pk)


def entry_classes(*, school: School):
    """The active classes of a receiving school a graduate may join (the entry's form)."""
    from xueji.schools.models import SchoolClass

    return SchoolClass.objects.filter(school=school, is_active=True).select_related("school").order_by(
        "stage", "-cohort_year", "number")
