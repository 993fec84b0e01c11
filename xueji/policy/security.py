"""安全策略 by level: the security settings of accounts/security_settings.py stored as the policy's per-level settings
(PolicySetting rows with the level's `org_unit`), read along the unit's chain like the other settings by level
(policy.levels): the province sets its own within the deployment's bounds; a city or county may only tighten what
binds it from above; the tightest value of a unit's chain binds the accounts of the unit and everything below.

The security administrator (安全管理员, Cap.SECURITY_MANAGE) of a level writes its level's values, audited with
before and after; a refused write changes nothing and says why. The reader is given to accounts at start-up
(apps.PolicyConfig.ready), which applies the values at sign-in, on password changes and in the alert scan."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xueji.accounts import security_settings
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy import levels
from xueji.policy.models import PolicySetting
from xueji.policy.selectors import Source, source_of
from xueji.regions.models import OrgUnit, province_code_of

KEYS = tuple(security_settings.SETTINGS)
MEMO = "_xueji_security_settings"  # on the unit instance: one query per unit object (a request's user's unit)
_generation = [0]  # this process's writes: a memo older than the last one is read again


def _stored(unit: OrgUnit) -> dict[str, list[tuple[OrgUnit, Any]]]:
    """key -> [(setting level, value)] of the unit's chain, top-down. One query (memoised on the unit object)."""
    memo = unit.__dict__.get(MEMO)
    if memo is not None and memo[0] == _generation[0]:
        return memo[1]
    ids = levels.chain_ids(unit)
    depth = {pk: n for n, pk in enumerate(ids)}
    rows = sorted(PolicySetting.objects.filter(org_unit_id__in=ids, key__in=KEYS).select_related("org_unit"),
                  key=lambda r: depth[r.org_unit_id])
    memo = {}
    for row in rows:
        memo.setdefault(row.key, []).append((row.org_unit, row.value))
    unit.__dict__[MEMO] = (_generation[0], memo)
    return memo


def _binding(unit: OrgUnit, key: str, *, above_only: bool = False) -> tuple[Any, OrgUnit | None]:
    """(the value that binds `unit`, the level that set it; None: the deployment's default). `above_only`: what
    binds from the levels above the unit (the bound its own value may not loosen)."""
    definition = security_settings.SETTINGS[key]
    chain = [(u, v) for u, v in _stored(unit).get(key, []) if not (above_only and u.pk == unit.pk)]
    if not chain:
        return definition.default(), None
    value = definition.tightest([v for _u, v in chain])
    setter = next((u for u, v in reversed(chain) if v == value), chain[-1][0])
    return value, setter


def value_for(unit: OrgUnit, key: str) -> Any:
    """The reader accounts calls (security_settings.value)."""
    return _binding(unit, key)[0]


def stored_values(key: str) -> list[Any]:
    """Every level's own value of a setting (the alert scan's lowest threshold). One query."""
    return list(PolicySetting.objects.filter(key=key, org_unit__isnull=False).values_list("value", flat=True))


def _level(actor) -> OrgUnit:
    require_cap(actor, Cap.SECURITY_MANAGE)
    unit = actor.org_unit
    if unit is None or unit.kind not in levels.SETTING_LEVELS:
        raise ValidationFailed(_("Security settings are set by a province, a city or a county."),
                               code="security_level")
    return unit


def setting_rows(*, user) -> list[dict]:
    """Every security setting with the value that binds the user's level, where it comes from, the bound from
    above (a lower level may not go looser) and the level's own value. One query."""
    require_cap(user, Cap.SECURITY_MANAGE)
    unit = user.org_unit
    rows = []
    for key, definition in security_settings.SETTINGS.items():
        value, setter = _binding(unit, key)
        above, above_setter = _binding(unit, key, above_only=True)
        own = next((v for u, v in _stored(unit).get(key, []) if u.pk == unit.pk), None)
        rows.append({"key": key, "label": definition.label, "group": definition.group, "value": value,
                     "source": source_of(setter, unit) if setter else Source("default"),
                     "above": above, "above_shown": _shown(above),
                     "above_source": source_of(above_setter, unit) if above_setter else None,
                     "own": own, "default": definition.default(), "stricter": definition.stricter,
                     "low": definition.low, "high": definition.high})
    return rows


@transaction.atomic
def security_setting_set(*, actor, key: str, value: Any) -> PolicySetting:
    """The security administrator of a level sets its level's value of one security setting: within the bounds,
    and, below the province, no looser than what binds the level from above (code security_looser)."""
    unit = _level(actor)
    definition = security_settings.SETTINGS.get(key)
    if definition is None:
        raise ValidationFailed(f"Unknown security setting {key}.", code="unknown_setting", field="key")
    try:
        clean = definition.clean(value)
    except ValueError as exc:
        raise ValidationFailed(_("%(setting)s takes %(shape)s.") % {"setting": definition.label, "shape": exc},
                               code="invalid_setting", field=key) from None
    above, above_setter = _binding(unit, key, above_only=True)
    if above_setter is not None and not definition.at_least_as_strict(clean, above):
        raise Conflict(_("%(setting)s: %(unit)s set %(above)s; a level below may only tighten it.") % {
            "setting": definition.label, "unit": above_setter.name, "above": _shown(above)},
            code="security_looser", field=key, details={"above": above, "set_by": above_setter.pk})
    before = _binding(unit, key)[0]
    row, _created = PolicySetting.objects.update_or_create(
        org_unit=unit, key=key, defaults={"value": clean, "province_code": province_code_of(unit) or ""})
    _generation[0] += 1
    audit_record(actor=actor, action="policy.security_setting", obj=row, before={key: before},
                 after={key: clean, "level": unit.pk})
    return row


@transaction.atomic
def security_settings_set(*, actor, values: dict[str, Any]) -> int:
    """The page's save: every value that differs from what binds the level now, all or nothing (one refusal keeps
    every other as it was). Returns how many changed."""
    unit = _level(actor)
    changed = 0
    for key, value in values.items():
        if key in security_settings.SETTINGS and value != _binding(unit, key)[0]:
            security_setting_set(actor=actor, key=key, value=value)
            changed += 1
    return changed


def _shown(value: Any) -> str:
    """A value as the page and the refusal show it (roles by their names)."""
    from xueji.accounts.models import Role

    return "、".join(str(Role(r).label) for r in value) if isinstance(value, list) else str(value)
