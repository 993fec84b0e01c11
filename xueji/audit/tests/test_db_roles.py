"""PostgreSQL with two roles: the application's role (DATABASE_URL) cannot delete, truncate, change or unguard
audit rows, whatever it tries; only the owner (DATABASE_OWNER_URL) migrates and purges past retention.

Each test connects for real as a scratch application role made for this test database and granted by
`maintenance.app_role_grant`, the function `migrate` runs in production."""

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from xueji.audit.maintenance import app_role_grant
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]
TABLE = AuditEvent._meta.db_table


def _admin(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def app_role():
    """A login role of this test database's own (roles are per server), dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles need PostgreSQL")
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    password = secrets.token_hex(16)
    _admin(f"DO $$ BEGIN CREATE ROLE {name} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    _admin(f"ALTER ROLE {name} LOGIN PASSWORD %s", [password])
    yield name, password
    _admin(f"DROP OWNED BY {name}")
    _admin(f"DROP ROLE {name}")


def _url(user: str, password: str = "") -> str:
    s = connection.settings_dict
    secret = f":{password}" if password else ""
    return f"postgres://{user}{secret}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def granted(app_role):
    app_role_grant(role=app_role[0])
    return app_role


@pytest.fixture
def app(granted):
    """A real connection as the application's role, one transaction per statement."""
    import psycopg

    with psycopg.connect(_url(*granted), autocommit=True) as conn:
        yield conn


@pytest.fixture
def event():
    return audit_record(actor=None, username="system", action="test.event", object_repr="before")


def _unchanged(event):
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.action, row.object_repr) == ("test.event", "before")


def test_the_application_role_reads_and_appends_audit_rows(app, event):
    app.execute(f"INSERT INTO {TABLE} (created_at, actor_username, org_path, action, object_type, object_id, "
                "object_repr, success, request_id) VALUES (now(), 'app', '', 'test.appended', '', '', '', true, '')")

    assert app.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 2
    assert AuditEvent.objects.filter(action="test.appended").exists()


REFUSED = [
    f"DELETE FROM {TABLE}",
    f"TRUNCATE {TABLE}",
    f"UPDATE {TABLE} SET object_repr = 'after'",
    f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_no_update",
    f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
    f"DROP TRIGGER audit_no_update ON {TABLE}",
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN RETURN OLD; END; $$ "
    "LANGUAGE plpgsql",
]


def test_the_application_role_cannot_delete_truncate_update_or_unguard(app, event):
    import psycopg

    for statement in REFUSED:  # one test, not one each: every transactional test ends with a full flush
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)

    _unchanged(event)
    assert app.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 1


def test_the_maintenance_setting_does_nothing_for_the_application_role(app, event):
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
        app.execute("SET LOCAL xueji.audit_maintenance = 'on'")
        app.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("SELECT set_config('xueji.audit_maintenance', 'on', false)")
        app.execute(f"TRUNCATE {TABLE}")

    _unchanged(event)


def test_the_guard_honours_maintenance_for_the_owner_only(app, granted, event):
    """Even a role that was wrongly granted DELETE (say GRANT ALL) cannot open the door: the trigger asks
    who is asking, not just what the session says."""
    import psycopg

    _admin(f"GRANT DELETE, TRUNCATE ON {TABLE} TO {granted[0]}")

    for statement in (f"DELETE FROM {TABLE} WHERE id = {event.pk}", f"TRUNCATE {TABLE}"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"), app.transaction():
            app.execute("SET LOCAL xueji.audit_maintenance = 'on'")
            app.execute(statement)

    _unchanged(event)


def test_the_application_role_keeps_writing_the_business_tables_and_later_ones(app, world):
    school = world.schools["tunxi_primary"]

    app.execute("UPDATE schools_school SET name = %s WHERE id = %s", ["改名小学", school.pk])
    # A table a later migration creates (as the owner) is granted by the default privileges.
    _admin("CREATE TABLE xueji_later_table (id bigserial PRIMARY KEY, note text)")
    app.execute("INSERT INTO xueji_later_table (note) VALUES ('ok')")
    _admin("DROP TABLE xueji_later_table")

    school.refresh_from_db()
    assert school.name == "改名小学"


def test_the_application_role_cannot_touch_the_migration_history(app):
    import psycopg

    assert app.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("DELETE FROM django_migrations")


def test_granting_refuses_a_role_that_owns_the_tables():
    from django.core.exceptions import ImproperlyConfigured

    if connection.vendor != "postgresql":
        pytest.skip("database roles need PostgreSQL")
    with pytest.raises(ImproperlyConfigured, match="superuser or acts as the owner"):
        app_role_grant(role=connection.settings_dict["USER"])


def _manage(*args, database_url, owner_url=None, **extra_env):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url,
           **extra_env}
    env.pop("DATABASE_OWNER_URL", None)
    if owner_url:
        env["DATABASE_OWNER_URL"] = owner_url
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _old_and_new_events():
    old = AuditEvent.objects.create(created_at=clock.now() - dt.timedelta(days=200), action="test.old")
    young = AuditEvent.objects.create(created_at=clock.now() - dt.timedelta(days=180), action="test.young")
    return old, young


def test_the_retention_purge_refuses_to_run_as_the_application_role(granted):
    old, young = _old_and_new_events()

    done = _manage("purge_audit_log", database_url=_url(*granted))

    assert done.returncode == 1
    assert "runs only as the owner role" in done.stderr
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {old.pk, young.pk}


def test_the_retention_purge_runs_as_the_owner_and_is_audited(granted, tmp_path):
    from xueji.core.crypto import sm2_generate_key

    old, young = _old_and_new_events()
    owner = connection.settings_dict

    done = _manage("purge_audit_log", database_url=_url(*granted),
                   owner_url=_url(owner["USER"], owner.get("PASSWORD") or ""),
                   XUEJI_AUDIT_ARCHIVE_KEY=sm2_generate_key().private_key, XUEJI_AUDIT_ARCHIVE_DIR=str(tmp_path))

    assert done.returncode == 0, done.stderr
    assert "Deleted 1 audit rows" in done.stdout
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.after["deleted"] == 1 and purge.after["retention_days"] == 185
    assert len(list(tmp_path.glob("audit-*.jsonl"))) == 1  # archived, signed, before the delete


def test_migrate_runs_as_the_owner_and_grants_the_application_role(app_role):
    import psycopg

    name, password = app_role  # not granted yet: it cannot read anything
    with psycopg.connect(_url(name, password), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"SELECT count(*) FROM {TABLE}")
    owner = connection.settings_dict

    done = _manage("migrate", "--noinput", database_url=_url(name, password),
                   owner_url=_url(owner["USER"], owner.get("PASSWORD") or ""))

    assert done.returncode == 0, done.stderr
    assert f"Granted the application's role '{name}'" in done.stdout
    with psycopg.connect(_url(name, password), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM schools_school").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"DELETE FROM {TABLE}")
