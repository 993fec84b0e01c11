"""安全策略: the security settings a level's security administrator (安全管理员) sets for everything below it (issue 11
item 4): password rules, lockout, the session's idle timeout, the roles that must use a second factor besides the
ones that always do, and the intrusion alerts' thresholds. The deployment's settings (XUEJI_PASSWORD_MIN_LENGTH,
AXES_FAILURE_LIMIT, ...) are the defaults; the province sets its own, and a city or county below may only tighten
what binds it (the tightest value of its chain binds).

The values are stored per level by policy (policy/security.py, the policy's per-level settings), which sits above
accounts: it registers its reader here at start-up (`provide`), and accounts' login, password and session code
reads through `value`. Without a reader (or without a unit) the defaults apply."""

import contextvars
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import Role

HIGHER, LOWER, MORE = "higher", "lower", "more"  # which way is stricter: a larger number, a smaller one, more roles
# Roles that may be made to use a second factor (the others always do: accounts.second_factor.role_needs).
OPTIONAL_FACTOR_ROLES = (Role.REGISTRAR, Role.ADMISSIONS)


@dataclass(frozen=True)
class SecuritySetting:
    key: str
    label: Any
    group: Any
    default: Callable[[], Any]
    stricter: str
    low: int = 0
    high: int = 0
    capped: bool = False  # no looser than the deployment's own value (the session cookie's age bounds the idle)

    def clean(self, value: Any) -> Any:
        """The value in its stored shape; ValueError when it does not fit."""
        if self.stricter == MORE:
            if not isinstance(value, list | tuple | set) or any(r not in OPTIONAL_FACTOR_ROLES for r in value):
                raise ValueError(_("roles among %(roles)s") % {"roles": ", ".join(OPTIONAL_FACTOR_ROLES)})
            return [r for r in OPTIONAL_FACTOR_ROLES if r in set(value)]
        high = min(self.high, self.default()) if self.capped else self.high
        if type(value) is not int or not self.low <= value <= high:
            raise ValueError(_("a whole number from %(low)s to %(high)s") % {"low": self.low, "high": high})
        return value

    def at_least_as_strict(self, value: Any, than: Any) -> bool:
        if self.stricter == MORE:
            return set(than) <= set(value)
        return value >= than if self.stricter == HIGHER else value <= than

    def tightest(self, values: list[Any]) -> Any:
        if self.stricter == MORE:
            union = set().union(*map(set, values))
            return [r for r in OPTIONAL_FACTOR_ROLES if r in union]
        return max(values) if self.stricter == HIGHER else min(values)


PASSWORD, LOCKOUT, SESSION = _("Passwords"), _("Lockout"), _("Session idle timeout")
FACTOR, ALERTS = _("Second factor"), _("Intrusion alerts")
ALERT_LABELS = {
    "credential_stuffing": _("Credential stuffing: accounts tried from one address"),
    "multi_address": _("One account used from several addresses"),
    "export_burst": _("Exports and downloads by one account"),
    "night_reads": _("Record views out of hours by one account"),
    "not_found_scan": _("Answers 404 to one address (scans)"),
    "malware_upload": _("Infected uploads by one account"),
    "id_enumeration": _("Distinct pupils looked up by one account"),
    "integrity_failure": _("Failed integrity checks of the audit log"),
}


def _alert(kind: str) -> SecuritySetting:
    return SecuritySetting(f"alert.{kind}", ALERT_LABELS[kind], ALERTS,
                           lambda: int(settings.XUEJI_ALERTS[kind]["threshold"]), LOWER, 1, 100_000)


SETTINGS: dict[str, SecuritySetting] = {s.key: s for s in (
    SecuritySetting("password.min_length", _("Shortest password (characters)"), PASSWORD,
                    lambda: settings.XUEJI_PASSWORD_MIN_LENGTH, HIGHER, 8, 64),
    SecuritySetting("password.min_classes", _("Character classes a password needs (of 4)"), PASSWORD,
                    lambda: settings.XUEJI_PASSWORD_MIN_CLASSES, HIGHER, 2, 4),
    SecuritySetting("password.max_age_days", _("Password expiry (days)"), PASSWORD,
                    lambda: settings.XUEJI_PASSWORD_MAX_AGE_DAYS, LOWER, 1, 365),
    SecuritySetting("lockout.failure_limit", _("Failed sign-ins before the account locks"), LOCKOUT,
                    lambda: settings.XUEJI_ACCOUNT_FAILURE_LIMIT, LOWER, 1, 20),
    SecuritySetting("lockout.minutes", _("Lockout duration (minutes)"), LOCKOUT,
                    lambda: settings.XUEJI_ACCOUNT_LOCK_MINUTES, HIGHER, 1, 24 * 60),
    SecuritySetting("session.idle_minutes", _("Idle timeout of a session (minutes)"), SESSION,
                    lambda: settings.SESSION_COOKIE_AGE // 60, LOWER, 5, 480, capped=True),
    SecuritySetting("second_factor.roles", _("Also need a second factor"), FACTOR, lambda: [], MORE),
    *(_alert(kind) for kind in ALERT_LABELS),
)}

_provider: list[Callable[[Any, str], Any]] = []
_lowest: list[Callable[[str], list]] = []


def provide(reader: Callable[[Any, str], Any], stored: Callable[[str], list]) -> None:
    """policy registers its readers: (org unit, key) -> the value that binds the unit; key -> every level's value."""
    _provider[:] = [reader]
    _lowest[:] = [stored]


def lowest(key: str) -> Any:
    """The lowest value of a numeric setting at any level, or the default (the alert scan's first filter)."""
    values = _lowest[0](key) if _lowest else []
    return min([default(key), *values])


def default(key: str) -> Any:
    return SETTINGS[key].default()


def value(unit, key: str) -> Any:
    """The value of a security setting that binds an org unit (the default without a unit or a reader)."""
    if unit is None or not _provider:
        return default(key)
    return _provider[0](unit, key)


def for_user(user, key: str) -> Any:
    return value(getattr(user, "org_unit", None), key)


def password_expired(user) -> bool:
    """Whether the user must set a new password: reset by an administrator, or older than the expiry that binds the
    user's level. A password changed within the shortest expiry any level may set needs no look-up (most requests)."""
    from xueji.core import clock

    if getattr(user, "is_api_client", False):  # a data-interface client (interface.principal) has no password
        return False
    if user.must_change_password or user.password_changed_at is None:
        return True
    if (clock.now() - user.password_changed_at).days < SETTINGS["password.max_age_days"].low:
        return False
    return user.password_expired(int(for_user(user, "password.max_age_days")))


# Lockout (django-axes reads these two through AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME). The duration of the account
# being checked is bound by accounts.auth while it checks a sign-in: axes gives the cool-off callable the request only.
LOCK_MINUTES: contextvars.ContextVar[int | None] = contextvars.ContextVar("xueji_lock_minutes", default=None)
# (username, its unit) while accounts.auth checks a sign-in: axes asks the failure limit several times.
LOGIN_UNIT: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("xueji_login_unit", default=None)


def unit_of_username(username: str):
    """The org unit of an account by its username (None: no such account). One query."""
    from xueji.regions.models import OrgUnit

    bound = LOGIN_UNIT.get()
    if bound is not None and bound[0] == username:
        return bound[1]
    return OrgUnit.objects.filter(users__username=username).first()


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: the failed sign-ins after which the account locks, by its level."""
    username = (credentials or {}).get("username") or ""
    return int(value(unit_of_username(username) if username else None, "lockout.failure_limit"))


def cool_off(request=None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long a lockout lasts (the account's level's, while its sign-in is checked)."""
    minutes = LOCK_MINUTES.get()
    return dt.timedelta(minutes=minutes if minutes is not None else default("lockout.minutes"))


def lock_minutes_for(user) -> int:
    return int(for_user(user, "lockout.minutes"))
