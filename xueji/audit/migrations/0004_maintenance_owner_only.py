"""The maintenance door opens for the owner of the audit table only.

Any session may `SET LOCAL xueji.audit_maintenance = 'on'` (PostgreSQL cannot forbid a custom setting), so
the guard also asks whether the current role acts as the table's owner (the role that runs migrations and
the retention purge; a superuser counts as every role). The application connects as another role
(maintenance.app_role_grant): for it the setting changes nothing. SQLite has no roles: unchanged."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE'
       AND current_setting('xueji.audit_maintenance', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""
PG_DOWN = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' AND current_setting('xueji.audit_maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_maintenance")]
    operations = [migrations.RunPython(forwards, backwards)]
