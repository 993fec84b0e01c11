from django.db.models import Q, QuerySet

from xueji.accounts.jurisdiction import get_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.regions.filters import OrgUnitFilterSet
from xueji.regions.models import OrgKind, OrgUnit, Region


def org_unit_list(*, user, filters: dict | None = None) -> QuerySet[OrgUnit]:
    require_cap(user, Cap.ORG_VIEW)
    qs = within(OrgUnit.objects.select_related("parent", "region"), user)
    return OrgUnitFilterSet.narrow(qs, filters)


def org_unit_get(*, user, pk) -> OrgUnit:
    require_cap(user, Cap.ORG_VIEW)
    return get_within(OrgUnit.objects.select_related("parent", "region"), user, pk=pk)


def authority_list(*, user) -> QuerySet[OrgUnit]:
    return org_unit_list(user=user).exclude(kind=OrgKind.SCHOOL)


def county_choices(*, user) -> QuerySet[OrgUnit]:
    return org_unit_list(user=user, filters={"kind": OrgKind.COUNTY})


def region_list(*, user, filters: dict | None = None) -> QuerySet[Region]:
    """Regions are public reference data (GB/T 2260); any signed-in user may read them."""
    if not getattr(user, "is_authenticated", False):
        return Region.objects.none()
    qs = Region.objects.all()
    filters = filters or {}
    if level := filters.get("level"):
        qs = qs.filter(level=level)
    if parent := filters.get("parent"):
        qs = qs.filter(parent_id=parent)
    if q := filters.get("q"):
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs
