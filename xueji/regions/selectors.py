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


def region_children(*, user, parent: str | None = None) -> QuerySet[Region]:
    """The regions right under `parent` (none: the provinces), for a cascading select that loads one level at a
    time: a few dozen rows, never the whole tree. Public reference data, as `region_list`."""
    qs = region_list(user=user).filter(is_active=True)
    if parent:
        return qs.filter(parent_id=parent).order_by("code")
    return qs.filter(parent__isnull=True).order_by("code")


def region_names(codes) -> dict[str, str]:
    """Full names of region codes ("安徽省黄山市屯溪区"), one query for any number of codes: what pages show in place of
    a code. A code not in the table is left out (the caller shows the code itself)."""
    wanted = {str(code)[:6] for code in codes if code}
    if not wanted:
        return {}
    names = {}
    for region in Region.objects.filter(code__in=wanted).select_related("parent__parent"):
        chain, node = [], region
        while node is not None:
            chain.append(node.name)
            node = node.parent
        names[region.code] = "".join(reversed(chain))
    return names


def region_options(parent: str | None = None) -> list[dict]:
    """The active regions right under `parent` (none: the provinces) as {code, name, level}: a form widget's
    options (public reference data: no user to restrict by)."""
    qs = Region.objects.filter(is_active=True).order_by("code")
    qs = qs.filter(parent_id=parent) if parent else qs.filter(parent__isnull=True)
    return list(qs.values("code", "name", "level"))


def region_chain(code: str | None) -> list[Region]:
    """The region of a code and its parents, province first (one query); [] for a code not in the table."""
    if not code:
        return []
    region = Region.objects.filter(code=str(code)[:6]).select_related("parent__parent").first()
    chain = []
    while region is not None:
        chain.append(region)
        region = region.parent
    return list(reversed(chain))
