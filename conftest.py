import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def world(db):
    from xueji.core.testing import build_world

    return build_world()


@pytest.fixture
def login(client):
    """Log a test client in as a user (force_login skips the password checks under test elsewhere)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
