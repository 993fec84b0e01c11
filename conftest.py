import os

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests check behaviour, not speed: on a loaded 2-core machine an example may take longer than
# hypothesis's default 200 ms deadline, which made them fail by chance.
hypothesis_settings.register_profile("xueji", deadline=None)
hypothesis_settings.load_profile("xueji")

pytest_plugins = ["xueji.testing.fixtures", "xueji.testing.clamd"]


@pytest.fixture
def world(db):
    from xueji.testing import build_world

    return build_world()


@pytest.fixture
def login(client):
    """Log a test client in as a user (force_login skips the password checks under test elsewhere)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session", autouse=True)
def _flush_empties_the_audit_log():
    """Transactional tests (live_server, PostgreSQL concurrency) end with Django's flush, which the audit
    table's append-only triggers would refuse; flush opens the one maintenance door (audit.maintenance)."""
    from unittest import mock

    from django.core.management.commands import flush

    from xueji.audit.maintenance import audit_maintenance

    original = flush.Command.handle

    def handle(self, **options):
        with audit_maintenance(using=options.get("database") or "default"):
            return original(self, **options)

    with mock.patch.object(flush.Command, "handle", handle):
        yield


@pytest.fixture
def window(world):
    """Open every registration business window of the world's provinces around today."""
    from xueji.testing.world import open_windows

    open_windows()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Chinese): a request with Accept-Language: en activates English for
    the thread, which would otherwise leak into the next test of the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
