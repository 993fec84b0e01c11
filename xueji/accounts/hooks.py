"""What the apps above accounts do when an account gets a role at a unit (学籍管理员调整后要及时安排培训: the
training app enrols a new registrar in the next training). Accounts knows none of them: an app registers its
handler at ready() (`register_role_granted`); `_set_roles` and a move to another unit call `role_granted` inside
the same transaction."""

from collections.abc import Callable, Iterable

_HANDLERS: dict[str, Callable[..., None]] = {}


def register_role_granted(name: str, handler: Callable[..., None]) -> None:
    """`handler(*, user, roles)`: `roles` the roles the user has newly been given at `user.org_unit`."""
    _HANDLERS[name] = handler


def role_granted(*, user, roles: Iterable[str]) -> None:
    roles = frozenset(roles)
    if not roles:
        return
    for handler in _HANDLERS.values():
        handler(user=user, roles=roles)


# Whether a province lets a UKey (SM2 certificate key) replace TOTP: the policy app registers its setting's reader
# at ready() (accounts/ukey.py); without one, no province does.
_UKEY_POLICY: list[Callable[[str], bool]] = []


def register_ukey_login(reader: Callable[[str], bool]) -> None:
    """`reader(province_code)`: whether that province allows UKey sign-in in place of TOTP."""
    _UKEY_POLICY[:] = [reader]


def ukey_login_allowed(province_code: str) -> bool:
    return bool(_UKEY_POLICY) and bool(_UKEY_POLICY[0](province_code))
