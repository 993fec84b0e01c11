"""Duplicate-ID problems keyed by the blind index of the shared number, the number itself sealed beside it, and
the deleted records' ID numbers sealed (core.sealing; SECURITY.md row 24)."""

import xueji.core.fields
from django.db import migrations

from xueji.core import sealing
from xueji.core.migration_sealing import BATCH, sealer

TABLE = "registration_problem"
AAD = b"registration_problem.id_number"

seal_deleted, open_deleted = sealer("registration_deletedrecord", "id", [("id_number", None, None)])


def _rekey(schema_editor, forwards: bool) -> None:
    quote = schema_editor.connection.ops.quote_name
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT id, {quote('key')}, id_number FROM {TABLE} WHERE kind = 'duplicate_id' "  # noqa: S608
                           f"AND id > %s ORDER BY id LIMIT {BATCH}", [last])
            rows = cursor.fetchall()
            if not rows:
                return
            updates = []
            for pk, key, stored in rows:
                if forwards:
                    if stored:  # already keyed by its index
                        continue
                    updates.append((sealing.blind_index(key), sealing.seal(key, AAD), pk))
                else:
                    number = sealing.unseal(stored, AAD) or key
                    updates.append((number, "", pk))
            cursor.executemany(f"UPDATE {TABLE} SET {quote('key')} = %s, id_number = %s WHERE id = %s",  # noqa: S608
                               updates)
            last = rows[-1][0]


def rekey(apps, schema_editor):
    _rekey(schema_editor, True)


def unkey(apps, schema_editor):
    _rekey(schema_editor, False)


class Migration(migrations.Migration):

    dependencies = [
        ('problems', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='problem',
            name='id_number',
            field=xueji.core.fields.SealedCharField(blank=True, default='', index='key', max_length=32,
                                                    verbose_name='shared ID number'),
        ),
        migrations.RunPython(rekey, unkey),
        migrations.AlterField(
            model_name='deletedrecord',
            name='id_number',
            field=xueji.core.fields.SealedCharField(blank=True, max_length=32, verbose_name='ID number'),
        ),
        migrations.RunPython(seal_deleted, open_deleted),
    ]
