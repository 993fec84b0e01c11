"""Writes to regions and the organisation tree."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from xueji.audit.services import audit_record
from xueji.core.errors import ValidationFailed
from xueji.regions.models import CHILD_KIND, OrgKind, OrgUnit, Region, RegionLevel

MINISTRY_CODE = "000000"
_LINE = re.compile(r"^\s*(\d{6})[\s,，\t]+(\S.*?)\s*$")


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


@dataclass
class RegionImportResult:
    created: int
    updated: int
    unchanged: int
    errors: list[str]


def parse_region_lines(lines: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Parse `code name` lines (the Ministry of Civil Affairs list); skip headers and blanks, report junk."""
    rows: list[tuple[str, str]] = []
    errors: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or not line[0].isdigit():
            continue
        match = _LINE.match(line)
        if not match:
            errors.append(f"line {number}: expected '<6-digit code> <name>', got {line[:40]!r}")
            continue
        code, name = match.group(1), match.group(2).split(",")[0].strip()
        rows.append((code, name))
    return rows, errors


@transaction.atomic
def regions_import(*, rows: list[tuple[str, str]], actor=None) -> RegionImportResult:
    """Upsert regions idempotently; parents follow from the codes (prefecture, else province)."""
    existing = {r.code: r for r in Region.objects.all()}
    codes = {code for code, _name in rows}
    created = updated = unchanged = 0
    errors: list[str] = []
    # Parents before children: provinces, then prefectures, then counties.
    order = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}
    for code, name in sorted(rows, key=lambda r: (order[level_of(r[0])], r[0])):
        level = level_of(code)
        parent_code = None
        if level == RegionLevel.PREFECTURE:
            parent_code = code[:2] + "0000"
        elif level == RegionLevel.COUNTY:
            prefecture = code[:4] + "00"
            parent_code = prefecture if (prefecture in codes or prefecture in existing) else code[:2] + "0000"
        if parent_code and parent_code not in codes and parent_code not in existing:
            errors.append(f"{code} {name}: parent {parent_code} is not in the list")
            continue
        region = existing.get(code)
        if region is None:
            region = Region.objects.create(code=code, name=name, level=level, parent_id=parent_code)
            existing[code] = region
            created += 1
        elif (region.name, region.level, region.parent_id, region.is_active) != (name, level, parent_code, True):
            region.name, region.level, region.parent_id, region.is_active = name, level, parent_code, True
            region.save()
            updated += 1
        else:
            unchanged += 1
    audit_record(actor=actor, username="system", action="region.import", object_type="regions.region",
                 after={"created": created, "updated": updated, "unchanged": unchanged, "errors": len(errors)})
    return RegionImportResult(created, updated, unchanged, errors)


def _path_for(unit: OrgUnit) -> str:
    prefix = unit.parent.path if unit.parent_id else "/"
    return f"{prefix}{unit.pk}/"


def authority_name(region: Region) -> str:
    return f"{region.name}教育厅" if region.level == RegionLevel.PROVINCE else f"{region.name}教育局"


@transaction.atomic
def org_unit_create(*, actor, kind: str, name: str, code: str, parent: OrgUnit | None,
                    region: Region | None = None, audit: bool = True) -> OrgUnit:
    """Create an org unit under its parent; the kind must be the parent's child kind."""
    if kind == OrgKind.MINISTRY:
        if parent is not None:
            raise ValidationFailed("The ministry has no parent.", code="invalid_parent")
    elif parent is None or CHILD_KIND.get(OrgKind(parent.kind)) != kind:
        # Counties directly under a province (省直管县) are allowed too.
        if not (parent and parent.kind == OrgKind.PROVINCE and kind == OrgKind.COUNTY):
            raise ValidationFailed(f"A {kind} cannot sit under {parent.kind if parent else 'nothing'}.",
                                   code="invalid_parent", field="parent")
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationFailed(f"Code {code} is already used.", code="code_taken", field="code")
    unit = OrgUnit(kind=kind, name=name, code=code, parent=parent, region=region, path="")
    unit.save()
    unit.path = _path_for(unit)
    unit.save(update_fields=["path"])
    if audit:
        audit_record(actor=actor, username="system", action="org_unit.create", obj=unit,
                     after={"kind": kind, "name": name, "code": code, "parent": parent.pk if parent else None})
    return unit


@transaction.atomic
def authorities_ensure(*, province_code: str, actor=None) -> list[OrgUnit]:
    """Create (idempotently) the ministry and the authorities of a province's whole region subtree."""
    try:
        province = Region.objects.get(code=province_code, level=RegionLevel.PROVINCE)
    except Region.DoesNotExist:
        raise ValidationFailed(f"Province {province_code} is not among the regions.", code="unknown_region") from None
    made: list[OrgUnit] = []
    ministry = OrgUnit.objects.filter(kind=OrgKind.MINISTRY).first()
    if ministry is None:
        ministry = org_unit_create(actor=actor, kind=OrgKind.MINISTRY, name="中华人民共和国教育部",
                                   code=MINISTRY_CODE, parent=None)
        made.append(ministry)
    by_region = {u.region_id: u for u in OrgUnit.objects.exclude(kind=OrgKind.SCHOOL).exclude(region=None)}
    kinds = {RegionLevel.PROVINCE: OrgKind.PROVINCE, RegionLevel.PREFECTURE: OrgKind.CITY,
             RegionLevel.COUNTY: OrgKind.COUNTY}

    def ensure(region: Region, parent: OrgUnit) -> OrgUnit:
        unit = by_region.get(region.code)
        if unit is None:
            unit = org_unit_create(actor=actor, kind=kinds[region.level], name=authority_name(region),
                                   code=region.code, parent=parent, region=region)
            by_region[region.code] = unit
            made.append(unit)
        return unit

    province_unit = ensure(province, ministry)
    for child in Region.objects.filter(parent=province, is_active=True):
        child_unit = ensure(child, province_unit)
        for county in Region.objects.filter(parent=child, is_active=True):
            ensure(county, child_unit)
    return made
