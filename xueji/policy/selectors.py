from django.db.models import QuerySet

from xueji.accounts.permissions import Cap, require_cap
from xueji.core.errors import NotFound
from xueji.policy.models import BusinessWindow
from xueji.policy.services import SETTING_DEFAULTS, province_code_of, route_steps, setting_get
from xueji.workflow.types import all_types


def _province(user) -> str | None:
    return province_code_of(user.org_unit)


def window_list(*, user) -> QuerySet[BusinessWindow]:
    """Everyone signed in may see their province's business windows (they plan their work by them)."""
    if not getattr(user, "is_authenticated", False) or user.org_unit is None:
        return BusinessWindow.objects.none()
    return BusinessWindow.objects.filter(province_code=_province(user))


def window_get(*, user, pk) -> BusinessWindow:
    require_cap(user, Cap.POLICY_MANAGE)
    try:
        return window_list(user=user).get(pk=pk)
    except (BusinessWindow.DoesNotExist, ValueError):
        raise NotFound("business window not found") from None


def route_list(*, user) -> list[dict]:
    province = _province(user)
    return [{"request_type": t.code, "label": t.label,
             "steps": route_steps(province_code=province, request_type=t.code),
             "default_steps": list(t.default_route),
             # The routes of the type's cases (its route keys: same county, across counties, ...).
             "cases": [{"route_key": key, "steps": route_steps(province_code=province, request_type=t.code,
                                                               route_key=key), "default_steps": list(steps)}
                       for key, steps in t.routes.items()]} for t in all_types()]


def setting_list(*, user) -> list[dict]:
    province = _province(user)
    return [{"key": key, "description": description, "value": setting_get(province_code=province, key=key),
             "default": default} for key, (default, description) in SETTING_DEFAULTS.items()]
