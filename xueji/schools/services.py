"""Writes to schools, school years and classes."""

import datetime as dt
import re

from django.db import models, transaction

from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record, diff, snapshot
from xueji.core import clock, codes, versions
from xueji.core.errors import ValidationFailed
from xueji.regions.models import OrgKind, OrgUnit
from xueji.regions.services import org_unit_create
from xueji.schools import tallies
from xueji.schools.models import School, SchoolClass, SchoolYear

SCHOOL_FIELDS = ("code", "name", "county", "running_type", "stages", "address", "phone", "is_active")
CLASS_FIELDS = ("school", "stage", "cohort_year", "number", "name", "head_teacher", "head_teacher_phone",
                "is_active")


def _validate_school(*, code: str, running_type: str, stages: str) -> None:
    if not re.fullmatch(r"\d{10}", code or ""):
        raise ValidationFailed("The school code has 10 digits.", code="invalid_school_code", field="code")
    if running_type not in codes.RUNNING_TYPE:
        raise ValidationFailed(f"Unknown running type {running_type}.", code="unknown_code", field="running_type")
    if not stages or any(s not in codes.STAGE for s in stages) or len(set(stages)) != len(stages):
        raise ValidationFailed("Stages are one or more of 1 (primary), 2 (junior), 3 (senior).",
                               code="invalid_stages", field="stages")
    allowed = codes.STAGES_BY_RUNNING_TYPE.get(running_type)
    if allowed is not None and not set(stages) <= set(allowed):
        # A 小学 teaching 高中 would be a different running type; the type fixes which stages are possible.
        raise ValidationFailed(
            f"A {codes.RUNNING_TYPE.label(running_type)} teaches only "
            f"{'、'.join(codes.STAGE.label(s) for s in allowed)}.", code="stages_not_in_running_type",
            field="stages")


@transaction.atomic
def school_create(*, actor, code: str, name: str, county: OrgUnit, running_type: str, stages: str = "",
                  address: str = "", phone: str = "", audit: bool = True) -> School:
    """A county (or higher) authority registrar opens a school under a county in its jurisdiction."""
    require_cap(actor, Cap.SCHOOL_MANAGE)
    require_org_within(actor, county)
    if county.kind != OrgKind.COUNTY:
        raise ValidationFailed("A school belongs to a county authority.", code="invalid_county", field="county")
    stages = "".join(sorted(stages or "".join(codes.STAGES_BY_RUNNING_TYPE.get(running_type, ()))))
    _validate_school(code=code, running_type=running_type, stages=stages)
    if School.objects.filter(code=code).exists():
        raise ValidationFailed(f"School code {code} is already used.", code="code_taken", field="code")
    unit = org_unit_create(actor=actor, kind=OrgKind.SCHOOL, name=name, code=code, parent=county, audit=False)
    school = School.objects.create(org_unit=unit, code=code, name=name, county=county, running_type=running_type,
                                   stages=stages, address=address, phone=phone)
    tallies.add(county_id=county.pk, schools=1)
    if audit:
        audit_record(actor=actor, action="school.create", obj=school, after=snapshot(school, SCHOOL_FIELDS))
    return school


@transaction.atomic
def school_update(*, actor, school: School, name: str | None = None, running_type: str | None = None,
                  stages: str | None = None, address: str | None = None, phone: str | None = None,
                  is_active: bool | None = None, version: str | None = None) -> School:
    """`version` (If-Match, the page's hidden field; `core.versions`): refused 412 stale_version when the school
    changed since it was read, under the row lock."""
    require_cap(actor, Cap.SCHOOL_MANAGE)
    require_org_within(actor, school.org_unit)
    school = versions.locked_at_version(school, version)
    before = snapshot(school, SCHOOL_FIELDS)
    for field, value in (("name", name), ("running_type", running_type), ("address", address),
                         ("phone", phone), ("is_active", is_active)):
        if value is not None:
            setattr(school, field, value)
    if stages is not None:
        school.stages = "".join(sorted(stages))
    _validate_school(code=school.code, running_type=school.running_type, stages=school.stages)
    school.save()
    if school.org_unit.name != school.name or school.org_unit.is_active != school.is_active:
        school.org_unit.name, school.org_unit.is_active = school.name, school.is_active
        school.org_unit.save(update_fields=["name", "is_active"])
    changed_before, changed_after = diff(before, snapshot(school, SCHOOL_FIELDS))
    audit_record(actor=actor, action="school.update", obj=school, before=changed_before, after=changed_after)
    return school


def _validate_class(*, school: School, stage: str, cohort_year: int, number: int) -> None:
    if stage not in school.stages:
        raise ValidationFailed(f"{school.name} does not teach stage {codes.STAGE.label(stage) or stage}.",
                               code="stage_not_taught", field="stage")
    if not 1990 <= cohort_year <= 2100:
        raise ValidationFailed("The cohort year is out of range.", code="invalid_cohort", field="cohort_year")
    if not 1 <= number <= 99:
        raise ValidationFailed("The class number is 1 to 99.", code="invalid_number", field="number")


@transaction.atomic
def class_create(*, actor, school: School, stage: str, cohort_year: int, number: int, name: str = "",
                 head_teacher: str = "", head_teacher_phone: str = "") -> SchoolClass:
    require_cap(actor, Cap.CLASS_MANAGE)
    require_org_within(actor, school.org_unit)
    _validate_class(school=school, stage=stage, cohort_year=cohort_year, number=number)
    if SchoolClass.objects.filter(school=school, stage=stage, cohort_year=cohort_year, number=number).exists():
        raise ValidationFailed(f"{cohort_year}级{number}班 already exists.", code="class_exists", field="number")
    klass = SchoolClass.objects.create(school=school, stage=stage, cohort_year=cohort_year, number=number,
                                       name=name, head_teacher=head_teacher,
                                       head_teacher_phone=head_teacher_phone)
    tallies.add(county_id=school.county_id, classes=1)
    audit_record(actor=actor, action="class.create", obj=klass, after=snapshot(klass, CLASS_FIELDS))
    return klass


@transaction.atomic
def class_update(*, actor, school_class: SchoolClass, name: str | None = None, head_teacher: str | None = None,
                 head_teacher_phone: str | None = None, is_active: bool | None = None,
                 version: str | None = None) -> SchoolClass:
    """Identity (school, stage, cohort, number) never changes; names and teachers do. `version` as for
    school_update."""
    require_cap(actor, Cap.CLASS_MANAGE)
    require_org_within(actor, school_class.school.org_unit)
    school_class = versions.locked_at_version(school_class, version)
    before = snapshot(school_class, CLASS_FIELDS)
    for field, value in (("name", name), ("head_teacher", head_teacher),
                         ("head_teacher_phone", head_teacher_phone), ("is_active", is_active)):
        if value is not None:
            setattr(school_class, field, value)
    school_class.save()
    changed_before, changed_after = diff(before, snapshot(school_class, CLASS_FIELDS))
    audit_record(actor=actor, action="class.update", obj=school_class, before=changed_before, after=changed_after)
    return school_class


@transaction.atomic
def school_year_create(*, actor, start_year: int, make_current: bool = False) -> SchoolYear:
    require_cap(actor, Cap.SCHOOL_YEAR_MANAGE)
    if SchoolYear.objects.filter(start_year=start_year).exists():
        raise ValidationFailed(f"School year {start_year}-{start_year + 1} exists.", code="exists",
                               field="start_year")
    year = SchoolYear.objects.create(start_year=start_year, start_date=dt.date(start_year, 9, 1),
                                     end_date=dt.date(start_year + 1, 8, 31))
    audit_record(actor=actor, action="school_year.create", obj=year, after=snapshot(year))
    if make_current:
        school_year_set_current(actor=actor, school_year=year)
    return year


@transaction.atomic
def school_year_set_current(*, actor, school_year: SchoolYear) -> SchoolYear:
    require_cap(actor, Cap.SCHOOL_YEAR_MANAGE)
    previous = SchoolYear.objects.filter(is_current=True).exclude(pk=school_year.pk).first()
    SchoolYear.objects.filter(is_current=True).exclude(pk=school_year.pk).update(is_current=False)
    school_year.is_current = True
    school_year.save(update_fields=["is_current"])
    audit_record(actor=actor, action="school_year.set_current", obj=school_year,
                 before={"current": str(previous) if previous else None}, after={"current": str(school_year)})
    return school_year


@transaction.atomic
def school_year_turn(*, actor, from_year: int, to_year: int) -> SchoolYear:
    """The deployment's current school year moves on with a province's promotion (升级): every school without a
    year of its own is pinned to `from_year` first (a school of another province in the same database, one held
    back), so the change moves no school; the year is created when absent. Run again: nothing changes."""
    year = SchoolYear.objects.filter(start_year=to_year).first()
    if year is not None and year.is_current:
        return year
    schools_year_pin(school_ids=list(School.objects.filter(year_start__isnull=True).values_list("pk", flat=True)),
                     year=from_year)
    if year is None:
        year = SchoolYear.objects.create(start_year=to_year, start_date=dt.date(to_year, 9, 1),
                                         end_date=dt.date(to_year + 1, 8, 31))
        audit_record(actor=actor, action="school_year.create", obj=year, after=snapshot(year))
    return school_year_set_current(actor=actor, school_year=year)


# The yearly turn (升级, xueji/schoolyear drives it): set-based writes to the schools' year and their classes ------

def schools_year_advance(*, school_ids: list[int], from_year: int, to_year: int, current: int) -> list[int]:
    """Advance the school year in effect of these schools from `from_year` to `to_year`, in the caller's
    transaction: one conditional UPDATE, so a school already advanced (a rerun, a second run) is left alone and
    never promoted twice. `current`: the deployment's current year (a school without a year of its own is in it).
    Returns the schools advanced; the caller audits the batch."""
    if not school_ids:
        return []
    at_from = models.Q(year_start=from_year) | (models.Q(year_start__isnull=True) if current == from_year
                                                 else models.Q(pk__in=[]))
    qs = School.objects.filter(at_from, pk__in=school_ids)
    ids = list(qs.select_for_update().order_by("pk").values_list("pk", flat=True))
    School.objects.filter(pk__in=ids).update(year_start=to_year, updated_at=clock.now())
    return ids


def schools_year_pin(*, school_ids: list[int], year: int) -> int:
    """Give schools without a year of their own the year they are in (`year`), so that a later change of the
    deployment's current year leaves them where they are (a school held back by the promotion)."""
    return School.objects.filter(pk__in=school_ids, year_start__isnull=True).update(year_start=year)


def classes_close(*, class_ids: list[int]) -> int:
    """Close classes whose cohort has left the stage (their pupils graduated): one UPDATE."""
    if not class_ids:
        return 0
    return SchoolClass.objects.filter(pk__in=class_ids, is_active=True).update(is_active=False, updated_at=clock.now())
