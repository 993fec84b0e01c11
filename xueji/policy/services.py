"""Policy writes and the checks other apps call: business windows, class-size caps, controlled record items,
function switches, settings and routes.

Who writes what (系统配置管理, the system administrators' work): the system administrator of the province, of a
city or of a county sets that level's values for everything below it (POLICY_MANAGE: controlled items, class-size
caps, narrowings of the business windows); what only a province sets (its business windows, function switches,
limits, approval routes) is the province's system administrator's (POLICY_PROVINCE). Every write is audited with
before and after; a refused write changes nothing and says why in the reader's language (errors.py)."""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext

from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock, versions
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.policy import levels
from xueji.policy.choices import (  # callers read the kinds here too
    EXAM_SUBJECTS,
    STAGES,
    TRANSFER_CERTIFICATE,
    TRANSFER_PROOF_KINDS,
    WINDOW_KINDS,
)
from xueji.policy.errors import cap_above_words, cap_locked_words, controlled_above_words, window_wider_words
from xueji.policy.models import ApprovalRoute, BusinessWindow, ClassCap, ControlledItem, FunctionSwitch, PolicySetting
from xueji.policy.switches import SWITCHES, switch_default
from xueji.regions.models import OrgKind, OrgUnit, province_code_of
from xueji.schools.models import School

# Settings every province has, with their defaults and a description (shown in the UI). The grade-1 entry-age
# control is a function switch of the primary stage now (switches.ENTRY_AGE).
SETTING_DEFAULTS: dict[str, tuple[Any, str]] = {
    "proof.max_bytes": (2 * 1024 * 1024, "证明材料单个文件大小上限（字节）"),
    "import.max_bytes": (100 * 1024 * 1024, "导入文件大小上限（字节）"),
    # 出境学习 (19 保留学籍): how many years the record of a pupil studying abroad is kept for the return (08 回国复学).
    "changes.abroad_keep_years": (2, "出境学习保留学籍年限（年）"),
    # 转学: the proofs a province requires besides the transfer certificate (kinds of choices.TRANSFER_PROOF_KINDS).
    "transfers.extra_proofs": ([], "转学须另附的证明材料（除转学证明外）"),
    # 升级: the moment each year the province's promotion starts (Asia/Shanghai, MM-DD HH:MM; 24:00 the day's end).
    "schoolyear.promotion_moment": ("08-10 24:00", "每年升级时间（北京时间，月-日 时:分）"),
    # 普通高中毕业: the 学业水平考试 subjects a pupil must have passed (codes of choices.EXAM_SUBJECTS).
    "schoolyear.senior_required_subjects": ([], "普通高中毕业须合格的学业水平考试科目"),
    # 持证上岗 (xueji/training): registrars file and approve only while holding a valid registrar certificate.
    "training.certificate_required": (False, "学籍管理员须持有效培训证书方可报送、审核（持证上岗）"),
    # 控辍保学 (xueji/attendance): a pupil's unexcused absences past either threshold raise a case on the county's list.
    "attendance.consecutive_days": (3, "连续无故缺勤达到此天数即列入控辍保学名单（天）"),
    "attendance.term_days": (10, "一学期累计无故缺勤达到此天数即列入控辍保学名单（天）"),
    # 月报: the day of the next month by which a month's report is submitted (Asia/Shanghai, end of that day).
    "attendance.report_deadline_day": (5, "月报报送截止日（次月几日，北京时间当日24时前）"),
    # 批量导出 (xueji/exchange/exports.py): an export of more pupils than this waits for the approval of the leader
    # of the requester's unit (0: every export runs at once); and whether export files are encrypted archives.
    "export.approval_rows": (1000, "批量导出学生个人信息超过此人数须经本级领导审批（0为不需审批）"),
    # An export holding full (unmasked) ID numbers waits for the same approval whatever its size (off: only past
    # export.approval_rows); no export holds more pupils than export.max_rows (0: no cap).
    "export.full_id_approval": (False, "导出含完整身份证件号的学生名单须经本级领导审批（不论人数）"),
    "export.max_rows": (200000, "单次导出学生个人信息人数上限（超过则拒绝，0为不限）"),
    "export.encrypt": (False, "导出文件加密（AES-256 加密压缩包，密码仅向导出人显示一次）"),
    # 超大规模学校 (xueji/reports' dashboard): a school with this many pupils on the roll or more; the national
    # measures against oversized schools start at 2,000 (the province may set a lower bar).
    "reports.large_school_pupils": (2000, "超大规模学校：在校生达到此人数（人）"),
    # 双因素认证 (xueji/accounts/ukey.py): the province's accounts may sign in with an SM2 certificate key (UKey,
    # the CA's 数字证书) in place of the authenticator app's code.
    "auth.ukey_login": (False, "允许以 CA 数字证书（UKey）登录替代动态口令"),
}
# Settings whose value is a list of codes: the codes each may hold.
SETTING_CHOICES: dict[str, Iterable[str]] = {
    "transfers.extra_proofs": [k for k in TRANSFER_PROOF_KINDS if k != TRANSFER_CERTIFICATE],
    "schoolyear.senior_required_subjects": list(EXAM_SUBJECTS),
}
# Settings whose text has a shape: the pattern it must match whole.
SETTING_PATTERNS: dict[str, str] = {
    "schoolyear.promotion_moment": r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) (([01]\d|2[0-3]):[0-5]\d|24:00)",
}
MAX_CAP = 100  # no class-size cap above this (the national rules call 56 and more an oversized class)


def _actor_province(actor) -> str:
    code = province_code_of(actor.org_unit)
    if code is None:
        raise ValidationFailed("Policy is set per province; the ministry sets none.", code="no_province")
    return code


def _setting_level(actor) -> OrgUnit:
    """The level the actor configures: its own unit, a province, city or county authority."""
    require_cap(actor, Cap.POLICY_MANAGE)
    return actor.org_unit


def _stage_require(stage: str, stages: Iterable[str] = STAGES) -> str:
    if stage not in tuple(stages):
        raise ValidationFailed(f"Unknown stage {stage!r}.", code="unknown_stage", field="stage")
    return stage


# Settings (limits) --------------------------------------------------------------------------------------------

def setting_get(*, province_code: str | None, key: str) -> Any:
    if key not in SETTING_DEFAULTS:
        raise KeyError(key)
    if province_code:
        stored = PolicySetting.objects.filter(province_code=province_code, key=key, org_unit__isnull=True).values_list(
            "value", flat=True)
        for value in stored:
            return value
    return SETTING_DEFAULTS[key][0]


def ukey_login_allowed(province_code: str) -> bool:
    """Whether the province lets a UKey replace TOTP (read by accounts through its hook)."""
    return setting_get(province_code=province_code, key="auth.ukey_login") is True


def _settings_locked(province: str) -> None:
    """The province's authority row under its lock: the mutex of the province's limits (rows of which may not exist
    yet), so a version read of them holds until the write commits."""
    OrgUnit.objects.select_for_update().filter(code=province, kind=OrgKind.PROVINCE).first()


def settings_version(*, province_code: str, keys=None) -> str:
    """The version (`core.versions`) of the province's limits: every one (the page), or `keys` (the API's PUT)."""
    keys = list(SETTING_DEFAULTS) if keys is None else list(keys)
    return versions.version_of({key: setting_get(province_code=province_code, key=key) for key in keys})


@transaction.atomic
def settings_save(*, actor, values: dict[str, Any], version: str | None = None) -> int:
    """The limits page: every changed value at once, or none (412 stale_version: changed since `version`)."""
    require_cap(actor, Cap.POLICY_PROVINCE)
    province = _actor_province(actor)
    _settings_locked(province)
    versions.version_require(settings_version(province_code=province), version)
    changed = 0
    for key, value in values.items():
        if value != setting_get(province_code=province, key=key):
            setting_set(actor=actor, key=key, value=value)
            changed += 1
    return changed


@transaction.atomic
def setting_set(*, actor, key: str, value: Any, version: str | None = None) -> PolicySetting:
    """One limit of the actor's province; `version` (If-Match: the setting's `version` as listed) refused 412
    stale_version when it changed since, under the lock."""
    require_cap(actor, Cap.POLICY_PROVINCE)
    if key not in SETTING_DEFAULTS:
        raise ValidationFailed(f"Unknown setting {key}.", code="unknown_setting", field="key")
    if version is not None:
        _settings_locked(_actor_province(actor))
        versions.version_require(settings_version(province_code=_actor_province(actor), keys=[key]), version)
    default = SETTING_DEFAULTS[key][0]
    if type(value) is not type(default) or (isinstance(default, dict) and set(value) != set(default)):
        raise ValidationFailed(f"{key} takes a value shaped like {default!r}.", code="invalid_setting", field="value")
    if key in SETTING_CHOICES:
        allowed = list(SETTING_CHOICES[key])
        if any(not isinstance(v, str) or v not in allowed for v in value):
            raise ValidationFailed(f"{key} takes codes among {', '.join(allowed)}.", code="invalid_setting",
                                   field="value")
        value = [v for v in allowed if v in set(value)]
    if key in SETTING_PATTERNS and not re.fullmatch(SETTING_PATTERNS[key], value):
        raise ValidationFailed(f"{key} is written like {default!r}.", code="invalid_setting", field="value")
    province = _actor_province(actor)
    before = setting_get(province_code=province, key=key)
    setting, _ = PolicySetting.objects.update_or_create(province_code=province, key=key, org_unit=None,
                                                        defaults={"value": value})
    audit_record(actor=actor, action="policy.setting", obj=setting, before={key: before}, after={key: value})
    return setting


# Function switches (管理功能设置), per province and stage -------------------------------------------------------

def switch_get(*, province_code: str | None, stage: str, key: str) -> Any:
    """A switch's value for a stage of a province (the default when the province set none)."""
    if key not in SWITCHES:
        raise KeyError(key)
    if province_code:
        for value in FunctionSwitch.objects.filter(province_code=province_code, stage=stage, key=key).values_list(
                "value", flat=True):
            return value
    return switch_default(key, stage)


@transaction.atomic
def switch_set(*, actor, stage: str, key: str, value: Any) -> FunctionSwitch:
    """The province's system administrator sets a switch for one stage."""
    require_cap(actor, Cap.POLICY_PROVINCE)
    definition = SWITCHES.get(key)
    if definition is None:
        raise ValidationFailed(f"Unknown switch {key}.", code="unknown_switch", field="key")
    _stage_require(stage, definition.stages)
    try:
        clean = definition.clean(value)
    except ValueError as exc:
        raise ValidationFailed(f"{key} takes {exc}.", code="invalid_switch", field="value") from None
    province = _actor_province(actor)
    before = switch_get(province_code=province, stage=stage, key=key)
    row, _ = FunctionSwitch.objects.update_or_create(province_code=province, stage=stage, key=key,
                                                     defaults={"value": clean})
    audit_record(actor=actor, action="policy.switch", obj=row, before={key: before, "stage": stage},
                 after={key: clean, "stage": stage})
    return row


# Business windows (业务时间) ---------------------------------------------------------------------------------

def _outside_window(label, today: dt.date, windows: list[list[str]], unit_name: str = "") -> str:
    """The refusal in the reader's language (rendered when read: a page in Chinese, an API call per Accept-Language)."""
    shown = gettext("; ").join(gettext("%(start)s to %(end)s") % {"start": start, "end": end}
                               for start, end in windows)
    if shown and unit_name:
        when = gettext("Business window set by %(unit)s: %(windows)s.") % {"unit": unit_name, "windows": shown}
    elif shown:
        when = gettext("Business window: %(windows)s.") % {"windows": shown}
    else:
        when = gettext("The province has not opened this business.")
    return gettext("%(business)s is outside its business window (today %(today)s). %(when)s") % {
        "business": label, "today": f"{today:%Y-%m-%d}", "when": when}


_outside_window_words = lazy(_outside_window, str)


def _where(unit: OrgUnit | School | None, province_code: str | None) -> tuple[OrgUnit | None, str | None]:
    unit = levels.unit_of(unit) if unit is not None else None
    if unit is not None:
        province_code = province_code_of(unit)
    return unit, province_code


def window_open(*, kind: str, unit: OrgUnit | School | None = None, province_code: str | None = None,
                day: dt.date | None = None) -> BusinessWindow | None:
    """The window that opens this business for a unit (a school, or the filer's org unit) on `day` (today): a
    province window open then and, at every level of the unit's chain that narrowed this kind, one of its
    windows open too; the innermost of them. Without a unit, the province's own windows only."""
    unit, province_code = _where(unit, province_code)
    window, _closing = levels.open_window(levels.windows_for(unit, province_code=province_code, kind=kind), unit,
                                          day or clock.today())
    return window


def window_require(*, kind: str, unit: OrgUnit | School | None = None,
                   province_code: str | None = None) -> BusinessWindow:
    """Refuse business outside its window (the province's, narrowed by the unit's city and county), and say when
    the window is and which level set it."""
    unit, province_code = _where(unit, province_code)
    today = clock.today()
    window, closing = levels.open_window(levels.windows_for(unit, province_code=province_code, kind=kind), unit,
                                         today)
    if window is None:
        _outside_window(kind, today, closing)
    return window


def window_require_many(*, kind: str, units: Iterable[OrgUnit | School]) -> None:
    """`window_require` for many units at once (an authority's close over the counties of its area): the provinces
    and the windows of every unit's chain read in two queries, whatever the number of units; the first unit outside
    its window refuses as `window_require` does. Pass schools with their org unit selected."""
    chains = {unit.pk: (unit, levels.chain_ids(unit)) for unit in map(levels.unit_of, units)}
    if not chains:
        return
    ids = {pk for _unit, chain in chains.values() for pk in chain}
    province = dict(OrgUnit.objects.filter(pk__in=ids, kind=OrgKind.PROVINCE).values_list("pk", "code"))
    codes = {pk: next((province[a] for a in chain if a in province), None) for pk, (_u, chain) in chains.items()}
    windows = list(BusinessWindow.objects.filter(Q(org_unit__isnull=True, province_code__in={c or "" for c in
                                                                                             codes.values()})
                                                 | Q(org_unit_id__in=ids), kind=kind)
                   .select_related("org_unit").order_by("start_date", "pk"))
    today = clock.today()
    for pk, (unit, chain) in sorted(chains.items()):
        own = set(chain)
        binding = [w for w in windows if (w.org_unit_id is None and w.province_code == (codes[pk] or ""))
                   or w.org_unit_id in own]
        window, closing = levels.open_window(binding, unit, today)
        if window is None:
            _outside_window(kind, today, closing)


def _outside_window(kind: str, today: dt.date, closing: list[BusinessWindow]) -> None:
    shown = sorted(closing, key=lambda w: w.start_date, reverse=True)[:3]
    windows = [[str(w.start_date), str(w.end_date)] for w in shown]
    setter = closing[0].org_unit if closing else None
    message = _outside_window_words(WINDOW_KINDS.get(kind, kind), today, windows, setter.name if setter else "")
    details = {"kind": kind, "windows": windows, "set_by": setter.name if setter else None}
    raise ValidationFailed(message, code="outside_business_window", details=details)


def _window_fits(*, unit: OrgUnit | None, province_code: str, kind: str, start: dt.date, end: dt.date) -> None:
    """A city's or county's window lies inside a window of the level above that set this kind (the province, or
    a narrowing above): it narrows, never widens."""
    if kind not in WINDOW_KINDS:
        raise ValidationFailed(f"Unknown business {kind}.", code="unknown_window_kind", field="kind")
    if end < start:
        raise ValidationFailed("The window closes before it opens.", code="invalid_window", field="end_date")
    if unit is None:
        return
    above = levels.by_level(levels.windows_for(unit, province_code=province_code, kind=kind, above_only=True), unit)
    superior = above[-1] if above and above[0][0].org_unit_id is None else []
    if any(w.start_date <= start and end <= w.end_date for w in superior):
        return
    setter = (superior[0].org_unit or levels.province_of(unit)) if superior else None
    name = setter.name if setter else ""
    raise ValidationFailed(window_wider_words(start, end, [(w.start_date, w.end_date) for w in superior], name),
                           code="window_wider_than_superior", field="start_date",
                           details={"windows": [[str(w.start_date), str(w.end_date)] for w in superior],
                                    "set_by": name or None})


def _window_level(actor) -> OrgUnit | None:
    """The unit a new window of the actor belongs to: None for the province's own, the city or county else."""
    unit = _setting_level(actor)
    return None if unit.kind == OrgKind.PROVINCE else unit


def _window_snapshot(window: BusinessWindow) -> dict:
    return {"kind": window.kind, "start": window.start_date, "end": window.end_date, "note": window.note,
            "set_by": window.org_unit_id}


@transaction.atomic
def window_set(*, actor, kind: str, start_date: dt.date, end_date: dt.date, note: str = "") -> BusinessWindow:
    """A new window: the province's own (its system administrator), or a city's or county's narrowing for its
    area, inside a window of the level above."""
    unit = _window_level(actor)
    province = _actor_province(actor)
    _window_fits(unit=unit, province_code=province, kind=kind, start=start_date, end=end_date)
    window = BusinessWindow.objects.create(province_code=province, org_unit=unit, kind=kind, start_date=start_date,
                                           end_date=end_date, note=note)
    audit_record(actor=actor, action="policy.window", obj=window, after=_window_snapshot(window))
    return window


def _own_window(actor, window: BusinessWindow) -> BusinessWindow:
    """A window the actor's level set (a window of another level, or another province's, is not found)."""
    unit = _window_level(actor)
    locked = BusinessWindow.objects.select_for_update().filter(pk=window.pk).first()
    if (locked is None or locked.province_code != _actor_province(actor)
            or locked.org_unit_id != (unit.pk if unit else None)):
        raise NotFound("business window not found")
    return locked


@transaction.atomic
def window_update(*, actor, window: BusinessWindow, start_date: dt.date | None = None,
                  end_date: dt.date | None = None, note: str | None = None,
                  version: str | None = None) -> BusinessWindow:
    """Edit a window of the actor's level (its dates, its note); a narrowing stays inside the level above.
    `version` (If-Match, the page's hidden field; `core.versions`): refused 412 stale_version when the window
    changed since it was read, under its row lock."""
    locked = _own_window(actor, window)
    versions.version_require(versions.version_of(locked), version)
    before = _window_snapshot(locked)
    start = start_date or locked.start_date
    end = end_date or locked.end_date
    if (start, end) != (locked.start_date, locked.end_date):
        _window_fits(unit=locked.org_unit, province_code=locked.province_code, kind=locked.kind, start=start,
                     end=end)
    locked.start_date, locked.end_date = start, end
    if note is not None:
        locked.note = note
    locked.save()
    audit_record(actor=actor, action="policy.window_update", obj=locked, before=before, after=_window_snapshot(locked))
    return locked


@transaction.atomic
def window_delete(*, actor, window: BusinessWindow) -> None:
    locked = _own_window(actor, window)
    audit_record(actor=actor, action="policy.window_delete", obj=locked, before=_window_snapshot(locked))
    locked.delete()


# Class-size caps (班额) -------------------------------------------------------------------------------------

@transaction.atomic
def cap_set(*, actor, stage: str, cap: int | None, locked: bool = False) -> ClassCap | None:
    """The actor's level sets its cap for one stage (None: it sets none and inherits). A level cannot set more
    than the cap above it, nor set one under a lock above; `locked`, the levels below inherit it."""
    unit = _setting_level(actor)
    _stage_require(stage)
    if cap is not None and (type(cap) is not int or not 1 <= cap <= MAX_CAP):
        raise ValidationFailed(f"A cap is a number of pupils from 1 to {MAX_CAP}.", code="invalid_cap", field="cap")
    list(OrgUnit.objects.select_for_update().filter(pk=unit.pk))  # one writer per level at a time
    own, above, _effective = levels.caps_at(unit, [stage])[stage]
    if cap is not None:
        if above.locked_by is not None:
            raise Conflict(cap_locked_words(above), code="cap_locked", field="cap",
                           details={"locked_cap": above.cap, "locked_by": above.locked_by.name})
        if above.cap is not None and cap > above.cap:
            raise ValidationFailed(cap_above_words(cap, above), code="cap_above_superior", field="cap",
                                   details={"requested": cap, "superior_cap": above.cap, "set_by": above.source.name})
    before = {"stage": stage, "cap": own.cap if own else None, "locked": own.locked if own else False}
    if cap is None:
        if own is not None:
            own.delete()
        result = None
    else:
        result, _ = ClassCap.objects.update_or_create(org_unit=unit, stage=stage,
                                                      defaults={"cap": cap, "locked": bool(locked)})
    audit_record(actor=actor, action="policy.class_cap", object_type="policy.classcap",
                 object_id=str(result.pk) if result else "", object_repr=f"{unit.name} {stage}", before=before,
                 after={"stage": stage, "cap": cap, "locked": bool(locked) if cap is not None else False})
    return result


# Controlled record items (受控字段) --------------------------------------------------------------------------

@transaction.atomic
def controlled_items_set(*, actor, items: Iterable[str]) -> dict[str, OrgUnit | None]:
    """The items the actor's level controls. The province's set replaces the default set (the identity items and
    民族); a city or county adds items to those controlled above it (which it sees, and cannot take away)."""
    unit = _setting_level(actor)
    wanted = set(items)
    unknown = sorted(wanted - set(levels.RECORD_ITEMS))
    if unknown:
        raise ValidationFailed(f"Unknown record items: {', '.join(unknown)}.", code="unknown_item", field="items",
                               details={"unknown": unknown})
    list(OrgUnit.objects.select_for_update().filter(pk=unit.pk))  # one writer per level at a time
    before = levels.controlled_by_level(unit)
    own_before = sorted(item for item, source in before.items() if _is_own(source, unit))
    if unit.kind == OrgKind.PROVINCE:
        rows = [(item, False) for item in levels.DEFAULT_CONTROLLED if item not in wanted]
        rows += [(item, True) for item in sorted(wanted) if item not in levels.DEFAULT_CONTROLLED]
    else:
        above = levels.controlled_by_level(unit.parent) if unit.parent_id else {}
        taken = sorted(wanted & set(above))
        if taken:
            province = levels.province_of(unit)
            named = [(levels.RECORD_ITEMS[i], (above[i] or province).name) for i in taken]
            raise ValidationFailed(controlled_above_words(named), code="item_controlled_above", field="items",
                                   details={"controlled_above": taken})
        rows = [(item, True) for item in sorted(wanted)]
    ControlledItem.objects.filter(org_unit=unit).delete()
    ControlledItem.objects.bulk_create([ControlledItem(org_unit=unit, item=item, controlled=on) for item, on in rows])
    after = levels.controlled_by_level(unit)
    audit_record(actor=actor, action="policy.controlled_items", object_type="policy.controlleditem",
                 object_id=str(unit.pk), object_repr=unit.name,
                 before={"controlled": sorted(before), "own": own_before},
                 after={"controlled": sorted(after), "own": sorted(i for i, s in after.items() if _is_own(s, unit))})
    return after


def _is_own(source: OrgUnit | None, unit: OrgUnit) -> bool:
    return (source is not None and source.pk == unit.pk) or (source is None and unit.kind == OrgKind.PROVINCE)


# Approval routes --------------------------------------------------------------------------------------------

def route_steps(*, province_code: str | None, request_type: str, route_key: str = "") -> list[dict[str, str]]:
    """The steps a new request of this type and case will freeze. Per route key (the type's case: same county,
    across counties, a controlled field ...): the province's route for it, else the type's own; a key with no
    route of its own takes the default (the province's, else the type's)."""
    from xueji.workflow.types import request_type as get_type

    kind = get_type(request_type)
    stored = {r.route_key: r.steps for r in ApprovalRoute.objects.filter(
        province_code=province_code, request_type=request_type, route_key__in={route_key, ""})}
    if route_key and route_key in stored:
        return list(stored[route_key])
    if route_key and route_key in kind.routes:
        return list(kind.routes[route_key])
    return list(stored[""]) if "" in stored else list(kind.default_route)


@transaction.atomic
def route_set(*, actor, request_type: str, steps: list[dict[str, str]], route_key: str = "") -> ApprovalRoute:
    """A province edits a route (e.g. adds city approval), the default or one case's (`route_key`). Requests
    already submitted keep their steps."""
    from xueji.accounts.models import Role
    from xueji.workflow.resolvers import RESOLVERS
    from xueji.workflow.types import request_type as get_type

    require_cap(actor, Cap.POLICY_PROVINCE)
    get_type(request_type)
    if not steps:
        raise ValidationFailed("A route has at least one step.", code="empty_route", field="steps")
    for index, step in enumerate(steps, start=1):
        if step.get("resolver") not in RESOLVERS:
            raise ValidationFailed(f"Step {index}: unknown party {step.get('resolver')!r}.", code="unknown_resolver",
                                   field="steps")
        if step.get("role") not in (Role.REGISTRAR, Role.LEADER):
            raise ValidationFailed(f"Step {index}: approvers are registrars or leaders.", code="invalid_role",
                                   field="steps")
    province = _actor_province(actor)
    route_key = (route_key or "").strip()[:32]
    before = route_steps(province_code=province, request_type=request_type, route_key=route_key)
    clean = [{"resolver": s["resolver"], "role": s["role"]} for s in steps]
    route, _ = ApprovalRoute.objects.update_or_create(province_code=province, request_type=request_type,
                                                      route_key=route_key, defaults={"steps": clean})
    audit_record(actor=actor, action="policy.route", obj=route, before={"steps": before},
                 after={"steps": clean, "route_key": route_key or None})
    return route
