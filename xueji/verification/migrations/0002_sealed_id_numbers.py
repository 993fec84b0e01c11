"""The ID numbers of the population register and of verification items sealed at rest (core.sealing; SECURITY.md
row 24). The register's key was the number: it becomes the number's blind index. A primary key cannot move from
one column to another the same way on SQLite and PostgreSQL, so the register is copied into a new table (sealed)
that then takes the old table's name."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core import sealing
from xueji.core.migration_sealing import BATCH, sealer

OLD, NEW = "registration_registerentry", "verification_registerentry"
AAD = b"registration_registerentry.id_number"  # the name the table has in the end (the value's place)
COLUMNS = "id_number, name, sex, birth_date, loaded_at"


def _copy(schema_editor, source: str, target: str, convert) -> None:
    quote = schema_editor.connection.ops.quote_name
    last = None
    with schema_editor.connection.cursor() as cursor:
        while True:
            key = "id_number" if source == OLD else "id_number_index"
            after = "" if last is None else f"WHERE {key} > %s "
            cursor.execute(f"SELECT {key}, {COLUMNS} FROM {quote(source)} {after}ORDER BY {key} "  # noqa: S608
                           f"LIMIT {BATCH}", [] if last is None else [last])
            rows = cursor.fetchall()
            if not rows:
                return
            out = [convert(row[1:]) for row in rows]
            columns = ("id_number_index, " if target == NEW else "") + COLUMNS
            marks = ", ".join(["%s"] * (len(out[0])))
            cursor.executemany(f"INSERT INTO {quote(target)} ({columns}) VALUES ({marks})", out)  # noqa: S608
            last = rows[-1][0]


def seal_register(apps, schema_editor):
    _copy(schema_editor, OLD, NEW,
          lambda row: (sealing.blind_index(row[0]), sealing.seal(row[0], AAD), *row[1:]))


def open_register(apps, schema_editor):
    _copy(schema_editor, NEW, OLD, lambda row: (sealing.unseal(row[0], AAD), *row[1:]))


seal_items, open_items = sealer("registration_verificationitem", "id", [("id_number", None, None)])


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0001_initial'),
    ]

    operations = [
        migrations.RenameModel('RegisterEntry', 'PlainRegisterEntry'),
        migrations.CreateModel(
            name='RegisterEntry',
            fields=[
                ('id_number_index', xueji.core.fields.BlindIndexField(primary_key=True, serialize=False,
                                                                      source='id_number')),
                ('id_number', xueji.core.fields.SealedCharField(index='id_number_index', max_length=18,
                                                                verbose_name='ID number')),
                ('name', models.CharField(max_length=64, verbose_name='name')),
                ('sex', models.CharField(blank=True, default='', max_length=1, verbose_name='sex')),
                ('birth_date', models.DateField(blank=True, null=True, verbose_name='date of birth')),
                ('loaded_at', models.DateTimeField(verbose_name='loaded')),
            ],
            options={
                'verbose_name': 'population register entry',
                'verbose_name_plural': 'population register entries',
                'db_table': NEW,
            },
        ),
        migrations.RunPython(seal_register, open_register),
        migrations.DeleteModel('PlainRegisterEntry'),
        migrations.AlterModelTable('RegisterEntry', OLD),
        migrations.AlterField(
            model_name='verificationitem',
            name='id_number',
            field=xueji.core.fields.SealedCharField(max_length=32, verbose_name='ID number'),
        ),
        migrations.RunPython(seal_items, open_items),
    ]
