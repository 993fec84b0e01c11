"""Reads of the policy: the settings that bind a user, each with where its value comes from (the user's own level,
inherited from a named level above, or the default), and the selectors other apps call (controlled items, class
caps, function switches).

Every setting a user sees starts from the user's unit: the chain of the province, city and county above it
(xueji.policy.levels). The business roles and the system administrators read them (POLICY_VIEW); the system
administrator of a level edits that level's (POLICY_MANAGE, POLICY_PROVINCE: the services check)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from xueji.accounts.permissions import Cap, has_cap, require_cap
from xueji.core import codes
from xueji.core.errors import Conflict, NotFound
from xueji.policy import levels
from xueji.policy.choices import STAGES
from xueji.policy.errors import registration_closed_words, status_change_off_words
from xueji.policy.guards import deletion_refusal as _deletion_refusal
from xueji.policy.models import BusinessWindow, ClassCap, FunctionSwitch
from xueji.policy.services import SETTING_DEFAULTS, route_steps, setting_get, switch_get
from xueji.policy.switches import REGISTRATION_OPEN, STATUS_CHANGES, SWITCHES, switch_default
from xueji.regions.models import OrgKind, OrgUnit, province_code_of
from xueji.registry.models import Student
from xueji.schools.models import School, SchoolClass
from xueji.workflow.types import all_types

# The selectors other apps call ----------------------------------------------------------------------------------


def controlled_items(*, school: School) -> dict[str, OrgUnit | None]:
    """受控字段 of a school: item name (registry.fields) -> the unit that controls it (None: the province's default
    set). A school's edit of one of these items becomes a change request; other items it edits directly."""
    return levels.controlled_by_level(levels.unit_of(school))


def class_caps(*, classes: Iterable[SchoolClass | int]) -> dict[int, tuple[int | None, OrgUnit | None]]:
    """The class-size cap that binds each class and the unit that set it ((None, None): no cap). Set-based: two
    queries for any number of classes, one when the classes came with `school__org_unit` (for lists)."""
    return {pk: (info.cap.cap, info.cap.source) for pk, info in levels.caps_of_classes(classes).items()}


def class_cap(*, school_class: SchoolClass) -> tuple[int | None, OrgUnit | None]:
    """(cap, the unit that set it) for one class; (None, None) when no level set a cap for its stage."""
    return class_caps(classes=[school_class]).get(school_class.pk, (None, None))


def switch(*, province_code: str | None, stage: str, key: str) -> Any:
    """A function switch of a province for a stage (switches.SWITCHES; the default when the province set none)."""
    return switch_get(province_code=province_code, stage=stage, key=key)


def status_change_types_allowed(*, province_code: str | None, stage: str) -> set[str]:
    """The JY/T 1001 status-change type codes (transfers aside) the province allows for pupils of a stage."""
    return set(switch_get(province_code=province_code, stage=stage, key=STATUS_CHANGES))


def status_change_type_require(*, province_code: str | None, stage: str, type_code: str) -> None:
    """Refuse a status change of a type the province switched off for the stage (code status_change_off)."""
    if type_code not in status_change_types_allowed(province_code=province_code, stage=stage):
        raise Conflict(status_change_off_words(codes.STATUS_CHANGE_TYPE.label(type_code), stage),
                       code="status_change_off", field="type", details={"type": type_code, "stage": stage})


def registration_open_require(*, province_code: str | None, stages: Iterable[str]) -> None:
    """Refuse registration filed for pupils of a stage whose new-student registration the province closed."""
    for stage in sorted(set(stages)):
        if not switch_get(province_code=province_code, stage=stage, key=REGISTRATION_OPEN):
            raise Conflict(registration_closed_words(stage), code="registration_closed", details={"stage": stage})


def deletion_refusal(*, student: Student) -> Conflict | None:
    """Why a registered record may not be deleted (a formal G/J number and the province's switch off); None: it
    may. The registry's door asks the same (policy.guards) whatever the path of the deletion."""
    return _deletion_refusal(student)


# Where a value comes from --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """own: set by the viewer's level; inherited: set by `unit` above; default: nobody set it."""

    kind: str  # own | inherited | default | below
    unit: OrgUnit | None = None


DEFAULT = Source("default")


def source_of(setter: OrgUnit | None, viewer: OrgUnit) -> Source:
    if setter is None:
        return DEFAULT
    if setter.pk == viewer.pk:
        return Source("own", setter)
    return Source("inherited" if setter.path and viewer.path.startswith(setter.path) else "below", setter)


def _unit(user) -> OrgUnit:
    require_cap(user, Cap.POLICY_VIEW)
    return user.org_unit


def may_manage(user) -> bool:
    return has_cap(user, Cap.POLICY_MANAGE)


# Controlled items -------------------------------------------------------------------------------------------

def controlled_item_rows(*, user) -> list[dict]:
    """Every record item with whether it is controlled for the user's unit, by whom, and whether the user's level
    may change it (the items controlled above are read-only below). One query."""
    unit = _unit(user)
    controlled = levels.controlled_by_level(unit)
    manage = may_manage(user)
    province = unit.kind == OrgKind.PROVINCE
    rows = []
    for item, title in levels.RECORD_ITEMS.items():
        on = item in controlled
        setter = controlled.get(item)
        source = source_of(setter, unit) if on else None
        if on and setter is None and province:
            source = DEFAULT
        own_or_default = not on or source.kind == "own" or (province and source.kind == "default")
        rows.append({"item": item, "title": title, "group": levels.RECORD_ITEM_GROUPS[item], "controlled": on,
                     "source": source, "editable": manage and own_or_default})
    return rows


# Class-size caps --------------------------------------------------------------------------------------------

def cap_rows(*, user) -> list[dict]:
    """Per stage: the user's level's own cap, the cap above it and the cap that binds, with their sources."""
    unit = _unit(user)
    stages = STAGES if not unit.is_school else tuple(s for s in STAGES if s in _school_stages(unit))
    manage = may_manage(user)
    rows = []
    for stage, (own, above, effective) in levels.caps_at(unit, stages).items():
        rows.append({"stage": stage, "label": codes.STAGE.label(stage), "own": own, "above": above,
                     "above_source": source_of(above.source, unit), "effective": effective,
                     "source": source_of(effective.source, unit),
                     "locked_above": above.locked_by, "editable": manage and above.locked_by is None})
    return rows


def _school_stages(unit: OrgUnit) -> str:
    return School.objects.filter(org_unit=unit).values_list("stages", flat=True).first() or ""


def caps_below(*, user) -> QuerySet[ClassCap]:
    """The caps set by the levels below the user's (cities and counties of a province, counties of a city)."""
    unit = _unit(user)
    return (ClassCap.objects.filter(org_unit__path__startswith=unit.path).exclude(org_unit=unit)
            .select_related("org_unit").order_by("org_unit__path", "stage"))


# Function switches ------------------------------------------------------------------------------------------

def switch_rows(*, user) -> list[dict]:
    """Every function switch with its value for each stage of the user's province, and whether the province set
    it (else the default). One query."""
    unit = _unit(user)
    province_code = province_code_of(unit)
    province = levels.province_of(unit)
    stored = {(s.stage, s.key): s.value for s in FunctionSwitch.objects.filter(province_code=province_code or "")}
    rows = []
    for key, definition in SWITCHES.items():
        stages = []
        for stage in STAGES:
            if stage not in definition.stages:
                stages.append({"stage": stage, "label": codes.STAGE.label(stage), "applies": False})
                continue
            own = (stage, key) in stored
            value = stored[(stage, key)] if own else switch_default(key, stage)
            stages.append({"stage": stage, "label": codes.STAGE.label(stage), "applies": True, "value": value,
                           "default": switch_default(key, stage),
                           "source": source_of(province, unit) if own else DEFAULT})
        rows.append({"key": key, "label": definition.label, "help": definition.help, "stages": stages})
    return rows


# Business windows -------------------------------------------------------------------------------------------

def window_list(*, user) -> QuerySet[BusinessWindow]:
    """The business windows that bind the user (the province's and the narrowings of the levels above and of the
    user's own), and, for an authority, the narrowings of the levels below it. Everyone signed in may see them
    (they plan their work by them)."""
    if not getattr(user, "is_authenticated", False) or user.org_unit is None:
        return BusinessWindow.objects.none()
    unit = user.org_unit
    province_code = province_code_of(unit)
    if province_code is None:
        return BusinessWindow.objects.none()
    where = Q(org_unit__isnull=True, province_code=province_code) | Q(org_unit_id__in=levels.chain_ids(unit))
    if unit.is_authority:
        where |= Q(org_unit__path__startswith=unit.path)
    return (BusinessWindow.objects.filter(where).select_related("org_unit")  # the province's first, then below
            .order_by("kind", F("org_unit__path").asc(nulls_first=True), "start_date", "pk"))


def window_source(window: BusinessWindow, viewer: OrgUnit, province: OrgUnit | None) -> Source:
    return source_of(window.org_unit or province, viewer)


def window_get(*, user, pk) -> BusinessWindow:
    """A window of the user's own level, to edit or delete (others', above or below, are not found)."""
    require_cap(user, Cap.POLICY_MANAGE)
    unit = user.org_unit
    own = Q(org_unit__isnull=True) if unit.kind == OrgKind.PROVINCE else Q(org_unit=unit)
    try:
        return window_list(user=user).filter(own).get(pk=pk)
    except (BusinessWindow.DoesNotExist, ValueError, TypeError):
        raise NotFound("business window not found") from None


def windows_open_for(*, user, kinds: Iterable[str]) -> list[dict]:
    """The windows of these kinds that bind the user, today open or coming, each with whether it is open now (a
    narrowing closed today keeps the kind closed): for the cards beside the forms that need them."""
    from xueji.core import clock

    if not getattr(user, "is_authenticated", False) or user.org_unit is None:
        return []
    unit = user.org_unit
    today = clock.today()
    rows = []
    windows = levels.windows_for(unit, province_code=province_code_of(unit))
    for kind in kinds:
        of_kind = [w for w in windows if w.kind == kind]
        binding = levels.by_level(of_kind, unit)
        if not binding or binding[0][0].org_unit_id is not None:
            continue
        open_now, _closing = levels.open_window(of_kind, unit, today)
        for window in binding[-1]:
            if window.end_date >= today:
                rows.append({"kind": kind, "window": window,
                             "open": open_now is not None and window.start_date <= today <= window.end_date})
    return rows


# Settings and routes ----------------------------------------------------------------------------------------

def route_list(*, user) -> list[dict]:
    require_cap(user, Cap.POLICY_VIEW)
    province = province_code_of(user.org_unit)
    return [{"request_type": t.code, "label": t.label,
             "steps": route_steps(province_code=province, request_type=t.code),
             "default_steps": list(t.default_route),
             # The routes of the type's cases (its route keys: same county, across counties, ...).
             "cases": [{"route_key": key, "steps": route_steps(province_code=province, request_type=t.code,
                                                               route_key=key), "default_steps": list(steps)}
                       for key, steps in t.routes.items()]} for t in all_types()]


def setting_list(*, user) -> list[dict]:
    require_cap(user, Cap.POLICY_VIEW)
    province = province_code_of(user.org_unit)
    return [{"key": key, "description": description, "value": setting_get(province_code=province, key=key),
             "default": default} for key, (default, description) in SETTING_DEFAULTS.items()]


def class_cap_detail(*, user, pk) -> dict:
    """One class's cap for the API: the cap, who set it, who locked it, the seats taken and left."""
    from xueji.registry.guards import seated_counts
    from xueji.schools.selectors import class_get

    unit = _unit(user)
    klass = class_get(user=user, pk=pk)
    info = levels.caps_of_classes([klass.pk])[klass.pk].cap
    seated = seated_counts([klass.pk]).get(klass.pk, 0)
    return {"school_class": klass.pk, "name": klass.display_name, "stage": klass.stage, "cap": info.cap,
            "source": source_of(info.source, unit), "locked_by": info.locked_by, "seated": seated,
            "left": None if info.cap is None else info.cap - seated}
