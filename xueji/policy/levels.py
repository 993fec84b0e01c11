"""Settings by level: how a value set by the province, a city or a county reaches the schools below it, and where
each value comes from. Reads without a user (the services' checks, the selectors other apps call, the guards of
the registry's door); the pages read through `selectors`, which start from the user.

A unit's chain is the province, city and county above it (and itself, when it is one of them), top-down. Every
function here is set-based or costs a fixed number of queries, whatever the number of classes or items."""

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Q

from xueji.policy.models import BusinessWindow, ClassCap, ControlledItem
from xueji.regions.models import OrgKind, OrgUnit
from xueji.registry.fields import STUDENT_ITEMS
from xueji.schools.models import School, SchoolClass

SETTING_LEVELS = (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY)

# 受控字段: the record items a school may edit (the national form's items of the pupil, not the placement or the
# guardians, which are maintained as family members), in the form's order, with their Chinese titles.
RECORD_ITEMS: dict[str, str] = {item.key: item.title for item in STUDENT_ITEMS}
RECORD_ITEM_GROUPS: dict[str, str] = {item.key: item.group for item in STUDENT_ITEMS}
# Controlled by the province by default: the identity items and 民族.
DEFAULT_CONTROLLED = ("id_type", "id_number", "name", "sex", "birth_date", "ethnic")


def unit_of(where: OrgUnit | School) -> OrgUnit:
    return where.org_unit if isinstance(where, School) else where


def chain_ids(unit: OrgUnit) -> list[int]:
    """The ids on the unit's path, top-down (the ministry and the unit itself included: rows exist only for the
    setting levels, so the others match nothing)."""
    return unit.ancestor_ids()


def chain(unit: OrgUnit) -> list[OrgUnit]:
    """The province, city and county of a unit's chain, top-down (one query)."""
    ids = chain_ids(unit)
    found = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids, kind__in=SETTING_LEVELS)}
    return [found[pk] for pk in ids if pk in found]


def province_of(unit: OrgUnit) -> OrgUnit | None:
    """The province authority of a unit's chain (None for the ministry)."""
    return unit if unit.kind == OrgKind.PROVINCE else unit.ancestor_of_kind(OrgKind.PROVINCE)


# Controlled record items (受控字段) --------------------------------------------------------------------------

def controlled_by_level(unit: OrgUnit) -> dict[str, OrgUnit | None]:
    """Item -> the unit that controls it for `unit` and everything below it (the highest level that does; None:
    the default, controlled by the province). One query."""
    ids = chain_ids(unit)
    depth = {pk: n for n, pk in enumerate(ids)}
    rows = sorted(ControlledItem.objects.filter(org_unit_id__in=ids).select_related("org_unit"),
                  key=lambda r: (depth[r.org_unit_id], r.item))
    result: dict[str, OrgUnit | None] = dict.fromkeys(DEFAULT_CONTROLLED) if unit.kind != OrgKind.MINISTRY else {}
    for row in rows:
        if row.item not in RECORD_ITEMS:
            continue
        if row.controlled:
            result.setdefault(row.item, row.org_unit)
        elif row.org_unit.kind == OrgKind.PROVINCE and row.item in result and result[row.item] is None:
            del result[row.item]  # the province took a default item away
    return result


# Class-size caps (班额) -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EffectiveCap:
    """The cap that binds, where it comes from, and the level that locked it (if one did)."""

    cap: int | None = None
    source: OrgUnit | None = None
    locked_by: OrgUnit | None = None


NO_CAP = EffectiveCap()


def _effective(ids: Iterable[int], stage: str, caps: dict[tuple[int, str], ClassCap]) -> EffectiveCap:
    """Top-down along the chain: the lowest cap (a tie goes to the nearer level), up to the first lock."""
    best: ClassCap | None = None
    for pk in ids:
        row = caps.get((pk, stage))
        if row is None:
            continue
        if best is None or row.cap <= best.cap:
            best = row
        if row.locked:
            return EffectiveCap(cap=best.cap, source=best.org_unit, locked_by=row.org_unit)
    return EffectiveCap(cap=best.cap, source=best.org_unit) if best else NO_CAP


def _caps_of(unit_ids: Collection[int]) -> dict[tuple[int, str], ClassCap]:
    return {(c.org_unit_id, c.stage): c for c in ClassCap.objects.filter(org_unit_id__in=list(unit_ids))
            .select_related("org_unit")}


def caps_at(unit: OrgUnit, stages: Iterable[str]) -> dict[str, tuple[ClassCap | None, EffectiveCap, EffectiveCap]]:
    """Per stage: (the unit's own cap row, the cap above it, the cap that binds at the unit). One query."""
    ids = chain_ids(unit)
    caps = _caps_of(ids)
    above = [pk for pk in ids if pk != unit.pk]
    return {stage: (caps.get((unit.pk, stage)), _effective(above, stage, caps), _effective(ids, stage, caps))
            for stage in stages}


@dataclass(frozen=True)
class ClassCapInfo:
    cap: EffectiveCap
    name: str  # the class's name, for the refusal


def _loaded_path(klass: SchoolClass) -> str | None:
    """The class's school's org-unit path when the class came with them (select_related), else None."""
    school = klass._state.fields_cache.get("school")
    unit = school._state.fields_cache.get("org_unit") if school is not None else None
    return unit.path if unit is not None else None


def caps_of_classes(classes: Iterable[SchoolClass | int]) -> dict[int, ClassCapInfo]:
    """The cap that binds each class (its stage's, along its school's chain). Two queries for any number of
    classes; one when they came with their school's org unit (a list page's select_related)."""
    classes = list(classes)
    if not classes:
        return {}
    loaded = [(c.pk, c.stage, c.name, c.cohort_year, c.number, _loaded_path(c)) for c in classes
              if isinstance(c, SchoolClass)]
    if loaded and all(row[5] is not None for row in loaded) and len(loaded) == len(classes):
        rows = loaded
    else:
        ids = [c.pk if isinstance(c, SchoolClass) else c for c in classes]
        rows = list(SchoolClass.objects.filter(pk__in=ids).values_list(
            "pk", "stage", "name", "cohort_year", "number", "school__org_unit__path"))
    paths = {row[5]: [int(p) for p in row[5].strip("/").split("/") if p] for row in rows}
    caps = _caps_of({pk for ids in paths.values() for pk in ids})
    return {pk: ClassCapInfo(cap=_effective(paths[path], stage, caps),
                             name=SchoolClass(name=name, cohort_year=cohort, number=number).display_name)
            for pk, stage, name, cohort, number, path in rows}


# Business windows (业务时间) --------------------------------------------------------------------------------

def windows_for(unit: OrgUnit | None, *, province_code: str | None, kind: str | None = None,
                above_only: bool = False) -> list[BusinessWindow]:
    """The windows that bind a unit: the province's own and the narrowings along its chain (with `above_only`,
    the narrowings of the levels above it only), oldest first. One query."""
    ids = chain_ids(unit) if unit is not None else []
    if above_only and unit is not None:
        ids = [pk for pk in ids if pk != unit.pk]
    where = Q(org_unit__isnull=True, province_code=province_code or "")
    if ids:
        where |= Q(org_unit_id__in=ids)
    qs = BusinessWindow.objects.filter(where).select_related("org_unit").order_by("start_date", "pk")
    return list(qs.filter(kind=kind) if kind else qs)


def by_level(windows: Iterable[BusinessWindow], unit: OrgUnit | None) -> list[list[BusinessWindow]]:
    """Windows grouped by the level that set them, top-down: the province's first, then each narrowing level."""
    depth = {pk: n for n, pk in enumerate(chain_ids(unit))} if unit is not None else {}
    groups: dict[int | None, list[BusinessWindow]] = {}
    for window in windows:
        groups.setdefault(window.org_unit_id, []).append(window)
    order = sorted(groups, key=lambda pk: -1 if pk is None else depth.get(pk, len(depth)))
    return [groups[pk] for pk in order]


def open_window(windows: Iterable[BusinessWindow], unit: OrgUnit | None,
                day: dt.date) -> tuple[BusinessWindow | None, list[BusinessWindow]]:
    """(the innermost open window, None) when the business is open on `day` at every level that set windows of
    it; else (None, the windows of the level that keeps it closed)."""
    levels = by_level(windows, unit)
    if not levels or levels[0][0].org_unit_id is not None:
        return None, []  # the province has not opened it: a narrowing alone opens nothing
    innermost = None
    for windows_of_level in levels:
        now = [w for w in windows_of_level if w.start_date <= day <= w.end_date]
        if not now:
            return None, windows_of_level
        innermost = now[0]
    return innermost, []
