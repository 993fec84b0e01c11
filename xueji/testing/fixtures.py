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
