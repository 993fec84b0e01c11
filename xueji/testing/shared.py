"""Build a test world once for many tests (issue 7, item 22: the suite stays fast).

`built_once` opens one transaction around a module's (or a class's) tests and rolls it back at the end; the
data is written once inside it. Each test still runs in its own transaction (pytest-django's `db` fixture),
which then is a savepoint inside the outer one: whatever a test writes is undone before the next test, and the
shared data stays as it was built. Use it from a module-scoped fixture:

    @pytest.fixture(scope="module")
    def scene(django_db_setup, django_db_blocker):
        with built_once(django_db_blocker):
            yield build_world()

and let the tests ask for `db` (or a fixture that does) besides `scene`. Objects in the yielded value are
Python instances of the shared rows: a test that changes one in memory should re-read it from the database.
Not for transactional tests (live_server, parallel PostgreSQL connections): they commit and flush."""

import contextlib
from collections.abc import Iterator

from django.db import transaction


@contextlib.contextmanager
def built_once(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
