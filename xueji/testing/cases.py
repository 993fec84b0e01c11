"""Access tests inherited per app, as NetBox's `utilities/testing` (issue 7, item 19).

An app's test module lists its actions (address, method, who may, which object) and subclasses `ApiCase` or
`ViewCase`; four tests then run every action:
- anonymous: refused (API 401/403; a page sends to the sign-in page, which shows the sign-in form);
- without the capability: 403 for every acting user the table `capabilities.MAY` leaves out (a page shows the
  refusal's words, not only a status);
- inside the jurisdiction: every user who may gets the action's answer on an object of their own;
- outside the jurisdiction: the same users get 404 on an object of another unit (a page shows the 404 page).
Every refused write is checked to change no business row (`fingerprint`).

The world is built once per test class (the `class_world` fixture, xueji/testing/fixtures.py); each test's
writes are rolled back."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from xueji.testing.capabilities import MAY
from xueji.testing.fingerprint import changed_tables, fingerprint
from xueji.testing.world import World

# One acting unit per level (tunxi_primary is a school of tunxi, of huangshan, of anhui); objects come from
# every unit of the world, so each level has objects inside and outside its jurisdiction.
ACTING_UNITS = ("ministry", "anhui", "huangshan", "tunxi", "tunxi_primary")
UNSCOPED = ("year",)  # kinds of object that belong to everyone: nothing of them lies outside
_seq = itertools.count(1)


@dataclass(frozen=True)
class Action:
    """One thing a user does at one address. `path` holds `{pk}` where the target's id goes; `target` names the
    kind of object acted on (see `objects`), in the path or, with `data`, in the body; `may` is the key of
    `capabilities.MAY` that says who may."""

    name: str
    path: str
    may: str
    method: str = "get"
    target: str | None = None
    data: Callable[[Any, int], dict[str, Any]] | None = None  # fn(target, seq) -> body
    ok: int = 200

    @property
    def writes(self) -> bool:
        return self.method != "get"


def objects(world: World, kind: str) -> list[tuple[Any, Any]]:
    """(owning org unit, object) pairs of one kind across the whole world (the unit None: everyone's)."""
    from xueji.regions.models import OrgKind
    from xueji.schools.models import SchoolYear

    if kind == "county":
        return [(u, u) for u in world.units.values() if u.kind == OrgKind.COUNTY]
    if kind == "school":
        return [(s.org_unit, s) for s in world.schools.values()]
    if kind == "class":
        return [(c.school.org_unit, c) for c in world.classes.values()]
    if kind == "student":
        return [(s.school.org_unit, s) for s in world.students.values()]
    if kind == "year":
        return [(None, y) for y in SchoolYear.objects.order_by("pk")]
    raise AssertionError(f"no objects of kind {kind!r}: add them to xueji/testing/cases.py")


def pick(world: World, kind: str, user, *, inside: bool):
    for unit, obj in objects(world, kind):
        if (unit is None or unit.path.startswith(user.org_unit.path)) == inside:
            return obj
    return None


class _AccessCase:
    actions: ClassVar[list[Action]] = []
    json: ClassVar[bool] = True

    def pytest_generate_tests(self, metafunc):
        if "action" not in metafunc.fixturenames:
            return
        actions = self.actions
        if metafunc.function.__name__ == "test_without_the_capability_it_is_refused":
            actions = [a for a in actions if MAY[a.may] != MAY["signed_in"]]  # someone signed in lacks it
        elif metafunc.function.__name__ == "test_outside_the_jurisdiction_it_is_not_found":
            actions = [a for a in actions if a.target not in (None, *UNSCOPED)]
        metafunc.parametrize("action", actions, ids=[a.name for a in actions])


    # ------------------------------------------------------------------ helpers

    @staticmethod
    def acting_users(world: World, action: Action):
        """(may, user) for every user of the acting units; `may` from the test's own table."""
        for (unit, role), user in world.users.items():
            if unit in ACTING_UNITS:
                yield (user.org_unit.kind, role) in MAY[action.may], type(user).objects.get(pk=user.pk)

    def send(self, client, action: Action, target):
        path = action.path.format(pk=getattr(target, "pk", ""))
        seq = next(_seq)
        data = action.data(target, seq) if action.data else {}
        call = getattr(client, action.method)
        if action.method == "get":
            return call(path)
        if self.json:
            return call(path, data=data, content_type="application/json")
        return call(path, data=data)

    def sent_and_refused(self, client, action: Action, target, label: str, expected: tuple[int, ...]):
        before = fingerprint() if action.writes else None
        response = self.send(client, action, target)
        assert response.status_code in expected, f"{action.name} as {label}: {response.status_code}, " \
                                                  f"expected {expected}: {response.content[:300]!r}"
        if action.writes:
            changed = changed_tables(before, fingerprint())
            assert not changed, f"{action.name} as {label} was refused but changed {changed}"
        return response

    def any_target(self, world: World, action: Action):
        return objects(world, action.target)[0][1] if action.target else None

    # ------------------------------------------------------------------ the four tests

    def test_anonymous_is_refused(self, class_world, client, action):
        scene = class_world
        response = self.sent_and_refused(client, action, self.any_target(scene, action), "anonymous",
                                         self.anonymous_status)
        self.assert_anonymous_refusal(client, action, response)

    def test_without_the_capability_it_is_refused(self, class_world, client, action):
        scene = class_world
        refused = 0
        for may, user in self.acting_users(scene, action):
            if may:
                continue
            client.force_login(user)
            target = (pick(scene, action.target, user, inside=True) or self.any_target(scene, action)
                      if action.target else None)
            response = self.sent_and_refused(client, action, target, user.username, (403,))
            self.assert_forbidden_refusal(response)
            refused += 1
        assert refused, f"every acting user may {action.may}"

    def test_inside_the_jurisdiction_it_is_allowed(self, class_world, client, action):
        scene = class_world
        allowed = 0
        for may, user in self.acting_users(scene, action):
            if not may:
                continue
            client.force_login(user)
            target = pick(scene, action.target, user, inside=True) if action.target else None
            if action.target and target is None:
                continue  # nothing of this kind inside (a school's registrar has no county)
            response = self.send(client, action, target)
            assert response.status_code == action.ok, (
                f"{action.name} as {user.username} on {target}: {response.status_code}, expected {action.ok}: "
                f"{response.content[:300]!r}")
            allowed += 1
        assert allowed, f"no acting user may {action.may} on an object of their own: the table or the world is off"

    def test_outside_the_jurisdiction_it_is_not_found(self, class_world, client, action):
        scene = class_world
        checked = 0
        for may, user in self.acting_users(scene, action):
            target = pick(scene, action.target, user, inside=False) if may else None
            if target is None:
                continue  # the ministry sees everything
            client.force_login(user)
            response = self.sent_and_refused(client, action, target, f"{user.username} on {target}", (404,))
            self.assert_not_found_refusal(response)
            checked += 1
        assert checked, f"no user who may {action.may} had an object outside"

    # ------------------------------------------------------------------ what a refusal looks like

    anonymous_status: ClassVar[tuple[int, ...]] = (401, 403)

    def assert_anonymous_refusal(self, client, action, response) -> None:
        assert response.json()["code"] in ("not_authenticated", "authentication_failed")

    def assert_forbidden_refusal(self, response) -> None:
        assert response.json()["code"] == "permission_denied"

    def assert_not_found_refusal(self, response) -> None:
        assert response.json()["code"] == "not_found"


class ApiCase(_AccessCase):
    """API actions: JSON bodies, refusals answered with the API's error body (its stable `code`)."""


class ViewCase(_AccessCase):
    """Pages: form posts; anonymous visitors are sent to sign in, refusals show their words."""

    json = False
    anonymous_status = (302,)
    FORBIDDEN_WORDS = "您的角色无权执行此操作"  # the 403 page says why (pages are Chinese first)
    NOT_FOUND_MARK = 'data-testid="error-404"'

    def assert_anonymous_refusal(self, client, action, response) -> None:
        assert response.url.startswith("/login/?next="), response.url
        page = client.get(response.url)
        assert page.status_code == 200 and 'name="password"' in page.content.decode()

    def assert_forbidden_refusal(self, response) -> None:
        assert self.FORBIDDEN_WORDS in response.content.decode()

    def assert_not_found_refusal(self, response) -> None:
        assert self.NOT_FOUND_MARK in response.content.decode()
