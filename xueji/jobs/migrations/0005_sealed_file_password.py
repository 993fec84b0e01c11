"""An encrypted export's waiting password is sealed at rest like personal data (core.sealing), and NULL once shown."""

from django.db import migrations

import xueji.core.fields

AAD = b"jobs_job.file_password"


def seal_waiting_passwords(apps, schema_editor):
    from xueji.core import sealing

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE jobs_job SET file_password = NULL WHERE file_password = ''")
        cursor.execute("SELECT id, file_password FROM jobs_job WHERE file_password IS NOT NULL")
        for pk, plain in cursor.fetchall():
            if sealing.key_id_of(plain) is None:
                cursor.execute("UPDATE jobs_job SET file_password = %s WHERE id = %s", [sealing.seal(plain, AAD), pk])


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0004_export_encryption"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="file_password",
            field=xueji.core.fields.SealedCharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(seal_waiting_passwords, migrations.RunPython.noop),
    ]
