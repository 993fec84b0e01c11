"""The one door through which the database lets audit rows be deleted.

The triggers of migrations 0002/0003 refuse every UPDATE of an audit row, and every DELETE (and, on
PostgreSQL, TRUNCATE) unless the connection opened this door: on PostgreSQL by the session setting
`xueji.audit_maintenance = on`, on SQLite by the `xueji_audit_maintenance()` function this module
registers on each connection (a connection without it, such as the sqlite3 shell, fails closed).
Only two callers have a reason to open it: emptying a test database (Django's flush, see conftest.py)
and purging rows past their retention period. Request handling never does.
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import connections

_open: contextvars.ContextVar[bool] = contextvars.ContextVar("xueji_audit_maintenance", default=False)


def _sqlite_flag() -> int:
    return 1 if _open.get() else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created receiver: give each SQLite connection the function the triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("xueji_audit_maintenance", 0, _sqlite_flag)


@contextlib.contextmanager
def audit_maintenance(using: str = "default") -> Iterator[None]:
    """Let the block delete audit rows (never update them)."""
    connection = connections[using]
    token = _open.set(True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('xueji.audit_maintenance', 'on', false)")
    try:
        yield
    finally:
        _open.reset(token)
        if connection.vendor == "postgresql" and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('xueji.audit_maintenance', 'off', false)")
