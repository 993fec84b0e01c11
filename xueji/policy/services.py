"""Policy writes and the checks other apps call (business windows, settings, routes)."""

import datetime as dt
from typing import Any

from django.db import transaction

from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.policy.models import ApprovalRoute, BusinessWindow, PolicySetting
from xueji.regions.models import province_code_of  # noqa: F401 - its callers read it here too

# Settings every province has, with their defaults and a description (shown in the UI).
SETTING_DEFAULTS: dict[str, tuple[Any, str]] = {
    "proof.max_bytes": (2 * 1024 * 1024, "证明材料单个文件大小上限（字节）"),
    "import.max_bytes": (100 * 1024 * 1024, "导入文件大小上限（字节）"),
    "registration.grade1.age_control": ({"enabled": True, "min_age": 6}, "小学新生入学年龄控制（8月31日满周岁）"),
}

# Kinds of business that open and close by window.
WINDOW_KINDS: dict[str, str] = {
    "registration.enrolled": "在校生注册",
    "registration.grade1": "小学新生注册",
    "registration.returning": "来华归国学生注册",
}


def _actor_province(actor) -> str:
    code = province_code_of(actor.org_unit)
    if code is None:
        raise ValidationFailed("Policy is set per province; the ministry sets none.", code="no_province")
    return code


def setting_get(*, province_code: str | None, key: str) -> Any:
    if key not in SETTING_DEFAULTS:
        raise KeyError(key)
    if province_code:
        stored = PolicySetting.objects.filter(province_code=province_code, key=key).values_list("value", flat=True)
        for value in stored:
            return value
    return SETTING_DEFAULTS[key][0]


@transaction.atomic
def setting_set(*, actor, key: str, value: Any) -> PolicySetting:
    require_cap(actor, Cap.POLICY_MANAGE)
    if key not in SETTING_DEFAULTS:
        raise ValidationFailed(f"Unknown setting {key}.", code="unknown_setting", field="key")
    default = SETTING_DEFAULTS[key][0]
    if type(value) is not type(default) or (isinstance(default, dict) and set(value) != set(default)):
        raise ValidationFailed(f"{key} takes a value shaped like {default!r}.", code="invalid_setting", field="value")
    province = _actor_province(actor)
    before = setting_get(province_code=province, key=key)
    setting, _ = PolicySetting.objects.update_or_create(province_code=province, key=key, defaults={"value": value})
    audit_record(actor=actor, action="policy.setting", obj=setting, before={key: before}, after={key: value})
    return setting


def window_open(*, province_code: str | None, kind: str, day: dt.date | None = None) -> BusinessWindow | None:
    day = day or clock.today()
    return BusinessWindow.objects.filter(province_code=province_code, kind=kind, start_date__lte=day,
                                         end_date__gte=day).first()


def window_require(*, province_code: str | None, kind: str) -> BusinessWindow:
    """Refuse business outside its window, and say when the window is."""
    window = window_open(province_code=province_code, kind=kind)
    if window is not None:
        return window
    label = WINDOW_KINDS.get(kind, kind)
    upcoming = BusinessWindow.objects.filter(province_code=province_code, kind=kind).order_by("-start_date")
    shown = "；".join(f"{w.start_date:%Y-%m-%d} 至 {w.end_date:%Y-%m-%d}" for w in upcoming[:3])
    message = f"{label}不在业务时间内（今天 {clock.today():%Y-%m-%d}）。" + (
        f"业务时间：{shown}。" if shown else "本省尚未开放该业务。")
    windows = [[str(w.start_date), str(w.end_date)] for w in upcoming[:3]]
    raise ValidationFailed(message, code="outside_business_window", details={"kind": kind, "windows": windows})


@transaction.atomic
def window_set(*, actor, kind: str, start_date: dt.date, end_date: dt.date, note: str = "") -> BusinessWindow:
    require_cap(actor, Cap.POLICY_MANAGE)
    if kind not in WINDOW_KINDS:
        raise ValidationFailed(f"Unknown business {kind}.", code="unknown_window_kind", field="kind")
    if end_date < start_date:
        raise ValidationFailed("The window closes before it opens.", code="invalid_window", field="end_date")
    province = _actor_province(actor)
    window = BusinessWindow.objects.create(province_code=province, kind=kind, start_date=start_date,
                                           end_date=end_date, note=note)
    audit_record(actor=actor, action="policy.window", obj=window,
                 after={"kind": kind, "start": start_date, "end": end_date})
    return window


@transaction.atomic
def window_delete(*, actor, window: BusinessWindow) -> None:
    require_cap(actor, Cap.POLICY_MANAGE)
    if window.province_code != _actor_province(actor):
        from xueji.core.errors import NotFound

        raise NotFound("business window not found")
    audit_record(actor=actor, action="policy.window_delete", obj=window,
                 before={"kind": window.kind, "start": window.start_date, "end": window.end_date})
    window.delete()


def route_steps(*, province_code: str | None, request_type: str) -> list[dict[str, str]]:
    """The steps a new request of this type will freeze: the province's route, else the type's default."""
    from xueji.workflow.types import request_type as get_type

    stored = ApprovalRoute.objects.filter(province_code=province_code, request_type=request_type).first()
    return list(stored.steps) if stored else list(get_type(request_type).default_route)


@transaction.atomic
def route_set(*, actor, request_type: str, steps: list[dict[str, str]]) -> ApprovalRoute:
    """A province edits a route (e.g. adds city approval). Requests already submitted keep their steps."""
    from xueji.accounts.models import Role
    from xueji.workflow.resolvers import RESOLVERS
    from xueji.workflow.types import request_type as get_type

    require_cap(actor, Cap.POLICY_MANAGE)
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
    before = route_steps(province_code=province, request_type=request_type)
    clean = [{"resolver": s["resolver"], "role": s["role"]} for s in steps]
    route, _ = ApprovalRoute.objects.update_or_create(province_code=province, request_type=request_type,
                                                      defaults={"steps": clean})
    audit_record(actor=actor, action="policy.route", obj=route, before={"steps": before}, after={"steps": clean})
    return route
