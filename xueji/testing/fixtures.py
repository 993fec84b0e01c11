"""Fixtures of the test package, loaded for the whole suite by conftest.py (`pytest_plugins`)."""

import pytest

from xueji.testing.shared import built_once


@pytest.fixture(scope="class")
def _class_world(django_db_setup, django_db_blocker):
    """The test world, built once for a test class (xueji.testing.cases); rolled back after its last test."""
    from xueji.testing.world import build_world

    with built_once(django_db_blocker):
        yield build_world()


@pytest.fixture
def class_world(_class_world, db):
    """The class's shared world, inside this test's own transaction (its writes are undone after it)."""
    return _class_world


@pytest.fixture(autouse=True)
def _second_factor_assumed(request, monkeypatch):
    """The test world's users have proved their second factor: the suite's tests sign approvers and administrators
    in with force_login or a password (hundreds of them), and the second factor is not what they test. So every
    test but those that ask for `second_factor_enforced` runs with
    accounts.second_factor.required answering False. The production rule is never changed, only patched here."""
    if "second_factor_enforced" in request.fixturenames:
        return
    from xueji.accounts import second_factor

    monkeypatch.setattr(second_factor, "required", lambda user: False)


@pytest.fixture
def second_factor_enforced():
    """The real second-factor rule for this test (the autouse fixture above leaves it alone)."""
    from xueji.accounts import second_factor

    return second_factor
