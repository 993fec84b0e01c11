"""The pre-school records' ID numbers sealed at rest (core.sealing; SECURITY.md row 24): one record per number
through the number's blind index, which is added (filled for the existing rows) before it becomes unique."""

import xueji.core.fields
from django.db import migrations

from xueji.core.migration_sealing import sealer

seal_rows, open_rows = sealer("registration_preschoolrecord", "id", [("id_number", "id_number_index", None)])


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0006_verification_moved_out'),
    ]

    operations = [
        migrations.AddField(
            model_name='preschoolrecord',
            name='id_number_index',
            field=xueji.core.fields.BlindIndexField(null=True, source='id_number'),
        ),
        migrations.AlterField(
            model_name='preschoolrecord',
            name='id_number',
            field=xueji.core.fields.SealedCharField(index='id_number_index', max_length=18, verbose_name='ID number'),
        ),
        migrations.RunPython(seal_rows, open_rows),
        migrations.AlterField(
            model_name='preschoolrecord',
            name='id_number_index',
            field=xueji.core.fields.BlindIndexField(source='id_number', unique=True),
        ),
    ]
