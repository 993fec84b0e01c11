"""Who approves: each resolver finds the org unit of a step relative to the request."""

from collections.abc import Callable

from xueji.core.errors import ValidationFailed
from xueji.regions.models import OrgKind, OrgUnit


def _ancestor(unit: OrgUnit, kind: str, what: str) -> OrgUnit:
    found = unit.ancestor_of_kind(kind)
    if found is None:
        raise ValidationFailed(f"{unit.name} has no {what}.", code="unresolvable_step")
    return found


def _payload_org(request, key: str) -> OrgUnit:
    org_id = (request.payload or {}).get(key)
    try:
        return OrgUnit.objects.get(pk=org_id)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise ValidationFailed(f"The request names no valid {key}.", code="unresolvable_step") from None


def common_superior(units: list[OrgUnit]) -> OrgUnit:
    """The lowest org unit whose subtree holds all the given units (e.g. two counties' city)."""
    chains = [unit.ancestor_ids() for unit in units]
    shared = None
    for ids in zip(*chains, strict=False):
        if len(set(ids)) != 1:
            break
        shared = ids[0]
    if shared is None:
        raise ValidationFailed("The parties share no superior.", code="unresolvable_step")
    superior = OrgUnit.objects.get(pk=shared)
    if superior.kind == OrgKind.SCHOOL:  # two parties within one school: its county decides
        superior = _ancestor(superior, OrgKind.COUNTY, "county authority")
    return superior


def _parties(request) -> list[OrgUnit]:
    ids = (request.payload or {}).get("parties") or []
    units = list(OrgUnit.objects.filter(pk__in=ids))
    if len(units) < 2:
        raise ValidationFailed("Arbitration needs two parties.", code="unresolvable_step")
    return units


RESOLVERS: dict[str, Callable] = {
    "filing_school": lambda r: r.filer_org if r.filer_org.kind == OrgKind.SCHOOL else _ancestor(
        r.filer_org, OrgKind.SCHOOL, "school"),
    "filing_county": lambda r: _ancestor(r.filer_org, OrgKind.COUNTY, "county authority"),
    "filing_city": lambda r: _ancestor(r.filer_org, OrgKind.CITY, "city authority"),
    "filing_province": lambda r: _ancestor(r.filer_org, OrgKind.PROVINCE, "province authority"),
    "source_school": lambda r: _payload_org(r, "source_org"),
    "source_county": lambda r: _ancestor(_payload_org(r, "source_org"), OrgKind.COUNTY, "county authority"),
    "destination_school": lambda r: _payload_org(r, "destination_org"),
    "destination_county": lambda r: _ancestor(_payload_org(r, "destination_org"), OrgKind.COUNTY,
                                              "county authority"),
    "common_superior": lambda r: common_superior(_parties(r)),
}

RESOLVER_LABELS = {
    "filing_school": "本校", "filing_county": "本县（区）教育局", "filing_city": "本市教育局",
    "filing_province": "本省教育厅", "source_school": "转出学校", "source_county": "转出地县（区）教育局",
    "destination_school": "转入学校", "destination_county": "转入地县（区）教育局", "common_superior": "共同上级",
}


def resolve(request, resolver: str) -> OrgUnit:
    try:
        fn = RESOLVERS[resolver]
    except KeyError:
        raise ValidationFailed(f"Unknown approving party {resolver!r}.", code="unknown_resolver") from None
    return fn(request)
