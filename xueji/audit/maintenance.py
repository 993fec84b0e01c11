"""The one door through which the database lets audit rows be deleted, and the two PostgreSQL roles.

The triggers of migrations 0002-0004 refuse every UPDATE of an audit row, and every DELETE (and, on
PostgreSQL, TRUNCATE) unless the connection opened this door: on PostgreSQL by the session setting
`xueji.audit_maintenance = on`, honoured only for the owner of the audit table (any session can set a
custom setting, so the trigger asks who is asking); on SQLite by the `xueji_audit_maintenance()`
function this module registers on each connection (a connection without it, such as the sqlite3 shell,
fails closed). Only two callers have a reason to open it: emptying a test database (Django's flush, see
conftest.py) and purging rows past their retention period (`manage.py purge_audit_log`, as the owner).
Request handling never does.

On PostgreSQL a deployment runs with two roles (README, "PostgreSQL"): the owner (DATABASE_OWNER_URL)
owns every table and runs `migrate` and the purge; the application (DATABASE_URL) may read and write the
business tables but only SELECT and INSERT audit rows: no UPDATE, DELETE or TRUNCATE, and, not being the
owner, no ALTER TABLE ... DISABLE TRIGGER either. `app_role_grant` gives it exactly that.
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

AUDIT_TABLE = "audit_auditevent"
MIGRATIONS_TABLE = "django_migrations"

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


def owner_role_use(using: str = "default") -> str | None:
    """Switch this process's connection to the owner role of DATABASE_OWNER_URL (for `migrate` and the purge);
    return the application's role it replaced, or None when no separate owner is configured."""
    owner = getattr(settings, "XUEJI_DATABASE_OWNER", None)
    connection = connections[using]
    if not owner or connection.vendor != "postgresql":
        return None
    app_role = connection.settings_dict["USER"]
    if owner["USER"] == app_role:
        return None
    connection.close()
    connection.settings_dict["USER"] = owner["USER"]
    connection.settings_dict["PASSWORD"] = owner.get("PASSWORD", "")
    return app_role


def is_audit_owner(using: str = "default") -> bool:
    """Whether the connection acts as the owner of the audit table (SQLite has no roles: always)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                       [AUDIT_TABLE])
        return bool(cursor.fetchone()[0])


def app_role_grant(*, role: str, using: str = "default") -> None:
    """As the owner: let the application's role read and write the business tables (also those later migrations
    create) and only read and insert audit rows. Idempotent; `migrate` runs it when DATABASE_OWNER_URL is set."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'MEMBER'), current_schema() FROM pg_roles r, pg_class c "
            "WHERE r.rolname = %s AND c.oid = %s::regclass", [role, AUDIT_TABLE])
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured(f"The application's database role {role!r} does not exist.")
        superuser, owns_audit, schema = row
        if superuser or owns_audit:
            raise ImproperlyConfigured(
                f"The application's database role {role!r} is a superuser or acts as the owner of the tables: "
                "it could delete audit rows. Connect the application as a role of its own (README, PostgreSQL).")
        role_q, schema_q = quote(role), quote(schema)
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
            # Tables and sequences that later migrations create (as this owner) get the same grants.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema_q} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role_q}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema_q} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role_q}",
            # The audit log: read and append, nothing else; the migration history is the owner's.
            f"REVOKE ALL ON {quote(AUDIT_TABLE)} FROM PUBLIC, {role_q}",
            f"GRANT SELECT, INSERT ON {quote(AUDIT_TABLE)} TO {role_q}",
            f"REVOKE ALL ON {quote(MIGRATIONS_TABLE)} FROM PUBLIC, {role_q}",
            f"GRANT SELECT ON {quote(MIGRATIONS_TABLE)} TO {role_q}",
        ):
            cursor.execute(statement)
