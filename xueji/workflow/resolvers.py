"""Who approves: a registry of named parties that apps add to.

Parties are named per side and level (`source_school`, `source_county`, ..., `destination_province`,
`common_superior`). A request type computes the parties of a request from its subject (`RequestType.parties`,
helped by `sides`); the filer-relative parties (`filing_school`, `filing_county`, ...) resolve themselves from
the filing unit. A route's step names a party; at submit the engine resolves it to an org unit and freezes it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from xueji.core.errors import ValidationFailed
from xueji.regions.models import OrgKind, OrgUnit


@dataclass(frozen=True)
class Party:
    code: str
    label: Any  # translated (lazy)
    # fn(request) -> OrgUnit for parties that need no subject (relative to the filer); None: the type computes it.
    resolve: Callable[..., OrgUnit] | None = None


RESOLVERS: dict[str, Party] = {}


class _Labels:
    """code -> translated label, read live from the registry (kept for the pages and forms that show parties)."""

    def get(self, key, default=None):
        party = RESOLVERS.get(key)
        return party.label if party else default

    def __getitem__(self, key):
        return RESOLVERS[key].label

    def __contains__(self, key):
        return key in RESOLVERS

    def items(self):
        return [(code, party.label) for code, party in RESOLVERS.items()]

    def keys(self):
        return list(RESOLVERS)

    def __iter__(self):
        return iter(list(RESOLVERS))

    def __len__(self):
        return len(RESOLVERS)


RESOLVER_LABELS = _Labels()


def register_party(code: str, label, resolve: Callable[..., OrgUnit] | None = None) -> Party:
    party = Party(code, label, resolve)
    RESOLVERS[code] = party
    return party


def party_label(code: str):
    party = RESOLVERS.get(code)
    return party.label if party else code


def _ancestor(unit: OrgUnit, kind: str, what: str) -> OrgUnit:
    found = unit.ancestor_of_kind(kind)
    if found is None:
        raise ValidationFailed(f"{unit.name} has no {what}.", code="unresolvable_step")
    return found


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


LEVELS = ((OrgKind.SCHOOL, "school"), (OrgKind.COUNTY, "county"), (OrgKind.CITY, "city"),
          (OrgKind.PROVINCE, "province"))


def side(prefix: str, unit: OrgUnit) -> dict[str, OrgUnit]:
    """A side's parties by level: {prefix_school, prefix_county, prefix_city, prefix_province} as far as the
    unit's chain has them (a county authority as the unit has no school)."""
    chain = {u.kind: u for u in OrgUnit.objects.filter(pk__in=unit.ancestor_ids())}
    chain[unit.kind] = unit
    return {f"{prefix}_{name}": chain[kind] for kind, name in LEVELS if kind in chain}


def sides(*, source: OrgUnit, destination: OrgUnit) -> dict[str, OrgUnit]:
    """Both sides of a move (a transfer's source and destination) and their common superior."""
    return {**side("source", source), **side("destination", destination),
            "common_superior": common_superior([source, destination])}


SAME_COUNTY, ACROSS_COUNTIES, ACROSS_CITIES, ACROSS_PROVINCES = (
    "same_county", "across_counties", "across_cities", "across_provinces")
ROUTE_KEY_LABELS = {SAME_COUNTY: _("Within one county"), ACROSS_COUNTIES: _("Across counties"),
                    ACROSS_CITIES: _("Across cities"), ACROSS_PROVINCES: _("Across provinces")}


def distance_key(source: OrgUnit, destination: OrgUnit) -> str:
    """The route key of a move between two units: same county / across counties / cities / provinces."""
    a, b = side("x", source), side("x", destination)
    for level, key in (("province", ACROSS_PROVINCES), ("city", ACROSS_CITIES), ("county", ACROSS_COUNTIES)):
        if a.get(f"x_{level}") != b.get(f"x_{level}"):
            return key
    return SAME_COUNTY


def resolve(request, resolver: str, parties: dict[str, OrgUnit] | None = None) -> OrgUnit:
    """The org unit of a party of this request: the type's computed parties first, else the party's own rule."""
    if parties and resolver in parties:
        return parties[resolver]
    party = RESOLVERS.get(resolver)
    if party is None:
        raise ValidationFailed(f"Unknown approving party {resolver!r}.", code="unknown_resolver")
    if party.resolve is None:
        raise ValidationFailed(_("The route names a party this request does not have."), code="unresolvable_step")
    return party.resolve(request)


def _filing_school(request) -> OrgUnit:
    unit = request.filer_org
    return unit if unit.kind == OrgKind.SCHOOL else _ancestor(unit, OrgKind.SCHOOL, "school")


register_party("filing_school", _("The filing school"), _filing_school)
register_party("filing_county", _("The filer's county authority"),
               lambda r: _ancestor(r.filer_org, OrgKind.COUNTY, "county authority"))
register_party("filing_city", _("The filer's city authority"),
               lambda r: _ancestor(r.filer_org, OrgKind.CITY, "city authority"))
register_party("filing_province", _("The filer's province authority"),
               lambda r: _ancestor(r.filer_org, OrgKind.PROVINCE, "province authority"))
register_party("source_school", _("Source school"))
register_party("source_county", _("Source county authority"))
register_party("source_city", _("Source city authority"))
register_party("source_province", _("Source province authority"))
register_party("destination_school", _("Destination school"))
register_party("destination_county", _("Destination county authority"))
register_party("destination_city", _("Destination city authority"))
register_party("destination_province", _("Destination province authority"))
register_party("common_superior", _("Common superior authority"))
