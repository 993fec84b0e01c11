"""The retired national numbers sealed with their blind index (unique), and the deleted records' numbers and the
ID numbers of their snapshots sealed inside the JSON (SECURITY.md row 24). Reversible."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core.migration_sealing import json_sealer, sealer

seal_retired, open_retired = sealer("registration_retirednumber", "id", [("number", "number_index", None)])
seal_snapshots, open_snapshots = json_sealer("registration_deletedrecord", "id", "snapshot")
seal_numbers, open_numbers = json_sealer("registration_deletedrecord", "id", "numbers", whole=True)


class Migration(migrations.Migration):

    dependencies = [
        ('problems', '0002_sealed_id_numbers'),
    ]

    operations = [
        migrations.AddField(
            model_name='retirednumber',
            name='number_index',
            field=xueji.core.fields.BlindIndexField(null=True, source='number'),
        ),
        migrations.AlterField(
            model_name='deletedrecord',
            name='numbers',
            field=xueji.core.fields.SealedJSONField(default=list, verbose_name='numbers held', whole=True),
        ),
        migrations.AlterField(
            model_name='deletedrecord',
            name='snapshot',
            field=xueji.core.fields.SealedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name='retirednumber',
            name='number',
            field=xueji.core.fields.SealedCharField(index='number_index', max_length=24, verbose_name='national student number'),
        ),
        migrations.RunPython(seal_retired, open_retired),
        migrations.RunPython(seal_snapshots, open_snapshots),
        migrations.RunPython(seal_numbers, open_numbers),
        migrations.AlterField(
            model_name='retirednumber',
            name='number_index',
            field=xueji.core.fields.BlindIndexField(source='number'),
        ),
        migrations.AddConstraint(
            model_name='retirednumber',
            constraint=models.UniqueConstraint(fields=('number_index',), name='retired_number_index_unique'),
        ),
    ]
