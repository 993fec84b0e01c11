"""The change feed's triggers record no school for a pupil under a security label (control 10, triggers.py): the
first triggers are dropped and these installed (SQLite has no CREATE OR REPLACE TRIGGER)."""

from django.db import migrations

from xueji.interface import triggers


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in triggers.drop_statements(vendor):
        if "SEQUENCE" not in sql:  # the cursors' sequence stays: the cursors handed out go on from it
            schema_editor.execute(sql)
    for sql in triggers.statements(vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("interface", "0001_initial"), ("registry", "0012_security_label")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
