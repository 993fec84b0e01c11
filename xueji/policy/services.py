"""Policy writes and the checks other apps call (business windows, settings, routes)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext

from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import ValidationFailed
from xueji.policy.choices import WINDOW_KINDS  # callers read the kinds here too
from xueji.policy.models import ApprovalRoute, BusinessWindow, PolicySetting
from xueji.regions.models import province_code_of  # noqa: F401 - its callers read it here too

# Settings every province has, with their defaults and a description (shown in the UI).
SETTING_DEFAULTS: dict[str, tuple[Any, str]] = {
    "proof.max_bytes": (2 * 1024 * 1024, "证明材料单个文件大小上限（字节）"),
    "import.max_bytes": (100 * 1024 * 1024, "导入文件大小上限（字节）"),
    "registration.grade1.age_control": ({"enabled": True, "min_age": 6}, "小学新生入学年龄控制（8月31日满周岁）"),
    # 出境学习 (19 保留学籍): how many years the record of a pupil studying abroad is kept for the return (08 回国复学).
    "changes.abroad_keep_years": (2, "出境学习保留学籍年限（年）"),
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


def _outside_window(label, today: dt.date, windows: list[list[str]]) -> str:
    """The refusal in the reader's language (rendered when read: a page in Chinese, an API call per Accept-Language)."""
    shown = gettext("; ").join(gettext("%(start)s to %(end)s") % {"start": start, "end": end}
                               for start, end in windows)
    when = (gettext("Business window: %(windows)s.") % {"windows": shown} if shown
            else gettext("The province has not opened this business."))
    return gettext("%(business)s is outside its business window (today %(today)s). %(when)s") % {
        "business": label, "today": f"{today:%Y-%m-%d}", "when": when}


_outside_window_words = lazy(_outside_window, str)


def window_require(*, province_code: str | None, kind: str) -> BusinessWindow:
    """Refuse business outside its window, and say when the window is."""
    window = window_open(province_code=province_code, kind=kind)
    if window is not None:
        return window
    upcoming = BusinessWindow.objects.filter(province_code=province_code, kind=kind).order_by("-start_date")
    windows = [[str(w.start_date), str(w.end_date)] for w in upcoming[:3]]
    message = _outside_window_words(WINDOW_KINDS.get(kind, kind), clock.today(), windows)
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
    route_key = (route_key or "").strip()[:32]
    before = route_steps(province_code=province, request_type=request_type, route_key=route_key)
    clean = [{"resolver": s["resolver"], "role": s["role"]} for s in steps]
    route, _ = ApprovalRoute.objects.update_or_create(province_code=province, request_type=request_type,
                                                      route_key=route_key, defaults={"steps": clean})
    audit_record(actor=actor, action="policy.route", obj=route, before={"steps": before},
                 after={"steps": clean, "route_key": route_key or None})
    return route
