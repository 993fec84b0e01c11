"""The change feed's triggers on the pupil table, per database vendor.

Pupils are written in many places, several of them set-based SQL (imports by COPY, the promotion and graduation by
UPDATE ... FROM, deletions of problem records), so a per-save signal would miss most changes: the database records
every written row itself. On PostgreSQL the triggers are per statement over the transition tables (one INSERT ...
SELECT per statement, whatever its size); on SQLite (one writer at a time) per
row. `install` is idempotent: the migration calls it, and so does every `migrate` (apps.py), since SQLite drops a
table's triggers when a migration rebuilds the table.

The school columns are the school through which a client may see the pupil: none while the pupil carries a
security label (安全标记, control 10: no client holds the clearance). So labelling a pupil reaches a client's feed
as the pupil leaving its scope (a deletion: the client drops its copy), the labelled pupil's changes reach no feed,
and lifting the label is the pupil entering the scope again (a creation). Migration 0002 replaced the first
triggers with these."""

STUDENT_TABLE = "registry_student"
CHANGE_TABLE = "interface_change"
CURSOR_SEQUENCE = "interface_change_cursor"



def _seen(row: str, labels: bool = True) -> str:
    """The school a client may see the pupil of this row through: none under a security label."""
    return f"CASE WHEN {row}.security_label = 'none' THEN {row}.school_id END" if labels else f"{row}.school_id"


def _pg_events(labels: bool) -> dict[str, tuple[str, str, str]]:
    # name: (event, transition tables, SELECT of the rows to record)
    return {
        "interface_student_inserted": (
            "INSERT", "REFERENCING NEW TABLE AS new_rows",
            f"SELECT n.id, 'I', NULL, {_seen('n', labels)} FROM new_rows n"),  # noqa: S608 - constants only
        "interface_student_updated": (
            "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            f"SELECT n.id, 'U', {_seen('o', labels)}, {_seen('n', labels)} "  # noqa: S608 - constants only
            "FROM new_rows n JOIN old_rows o ON o.id = n.id"),
        "interface_student_deleted": (
            "DELETE", "REFERENCING OLD TABLE AS old_rows",
            f"SELECT o.id, 'D', {_seen('o', labels)}, NULL FROM old_rows o"),  # noqa: S608 - constants only
    }


def _sqlite_events(labels: bool) -> dict[str, tuple[str, str]]:
    return {
        "interface_student_inserted": ("INSERT", f"NEW.id, 'I', NULL, {_seen('NEW', labels)}"),
        "interface_student_updated": ("UPDATE", f"NEW.id, 'U', {_seen('OLD', labels)}, {_seen('NEW', labels)}"),
        "interface_student_deleted": ("DELETE", f"OLD.id, 'D', {_seen('OLD', labels)}, NULL"),
    }


_PG_EVENTS = _pg_events(True)
_SQLITE_EVENTS = _sqlite_events(True)


def statements(vendor: str, *, labels: bool = True) -> list[str]:
    """The triggers' SQL; `labels=False`: the first triggers, before the pupil had a security label (migration
    0001, which runs before the registry's 0012 adds the column)."""
    columns = "student_id, op, old_school_id, new_school_id"
    if vendor == "postgresql":
        sql = [f"CREATE SEQUENCE IF NOT EXISTS {CURSOR_SEQUENCE}"]
        for name, (event, transition, select) in _pg_events(labels).items():
            sql.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"INSERT INTO {CHANGE_TABLE} ({columns}) {select}; RETURN NULL; END $$")
            sql.append(f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {STUDENT_TABLE} {transition} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        return sql
    if vendor == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {STUDENT_TABLE} BEGIN "  # noqa: S608
                f"INSERT INTO {CHANGE_TABLE} ({columns}) VALUES ({values}); END"
                for name, (event, values) in _sqlite_events(labels).items()]
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
