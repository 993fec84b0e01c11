"""The change feed's triggers on the pupil table, per database vendor.

Pupils are written in many places, several of them set-based SQL (imports by COPY, the promotion and graduation by
UPDATE ... FROM, deletions of problem records), so a per-save signal would miss most changes: the database records
every written row itself. On PostgreSQL the triggers are per statement over the transition tables (one INSERT ...
SELECT per statement, whatever its size); on SQLite (one writer at a time) per
row. `install` is idempotent: the migration calls it, and so does every `migrate` (apps.py), since SQLite drops a
table's triggers when a migration rebuilds the table."""

STUDENT_TABLE = "registry_student"
CHANGE_TABLE = "interface_change"
CURSOR_SEQUENCE = "interface_change_cursor"

_PG_EVENTS = {
    # name: (event, transition tables, SELECT of the rows to record)
    "interface_student_inserted": (
        "INSERT", "REFERENCING NEW TABLE AS new_rows",
        "SELECT n.id, 'I', NULL, n.school_id FROM new_rows n"),
    "interface_student_updated": (
        "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT n.id, 'U', o.school_id, n.school_id FROM new_rows n JOIN old_rows o ON o.id = n.id"),
    "interface_student_deleted": (
        "DELETE", "REFERENCING OLD TABLE AS old_rows",
        "SELECT o.id, 'D', o.school_id, NULL FROM old_rows o"),
}
_SQLITE_EVENTS = {
    "interface_student_inserted": ("INSERT", "NEW.id, 'I', NULL, NEW.school_id"),
    "interface_student_updated": ("UPDATE", "NEW.id, 'U', OLD.school_id, NEW.school_id"),
    "interface_student_deleted": ("DELETE", "OLD.id, 'D', OLD.school_id, NULL"),
}


def statements(vendor: str) -> list[str]:
    columns = "student_id, op, old_school_id, new_school_id"
    if vendor == "postgresql":
        sql = [f"CREATE SEQUENCE IF NOT EXISTS {CURSOR_SEQUENCE}"]
        for name, (event, transition, select) in _PG_EVENTS.items():
            sql.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"INSERT INTO {CHANGE_TABLE} ({columns}) {select}; RETURN NULL; END $$")
            sql.append(f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {STUDENT_TABLE} {transition} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        return sql
    if vendor == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {STUDENT_TABLE} BEGIN "  # noqa: S608
                f"INSERT INTO {CHANGE_TABLE} ({columns}) VALUES ({values}); END"
                for name, (event, values) in _SQLITE_EVENTS.items()]
    return []


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {STUDENT_TABLE}; DROP FUNCTION IF EXISTS {name}()"
                for name in _PG_EVENTS] + [f"DROP SEQUENCE IF EXISTS {CURSOR_SEQUENCE}"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_EVENTS]
    return []


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor):
            cursor.execute(sql)


def installed(connection) -> set[str]:
    """The names of the feed's triggers present on the pupil table (a test checks all three are there)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [STUDENT_TABLE])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [STUDENT_TABLE])
        return {row[0] for row in cursor.fetchall()} & set(_PG_EVENTS)


def reinstall(sender, using="default", **kwargs) -> None:
    """post_migrate: put the triggers back if a migration rebuilt the pupil table (SQLite) or they are missing."""
    from django.db import connections

    connection = connections[using]
    if CHANGE_TABLE in connection.introspection.table_names() and len(installed(connection)) < len(_PG_EVENTS):
        install(connection)
