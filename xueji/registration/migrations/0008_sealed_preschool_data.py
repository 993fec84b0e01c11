"""The ID numbers inside the pre-school records' other items sealed (SECURITY.md row 24). Reversible."""

import xueji.core.fields
from django.db import migrations

from xueji.core.migration_sealing import json_sealer

seal_data, open_data = json_sealer("registration_preschoolrecord", "id", "data")


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0007_sealed_id_number'),
    ]

    operations = [
        migrations.AlterField(
            model_name='preschoolrecord',
            name='data',
            field=xueji.core.fields.SealedJSONField(blank=True, default=dict, verbose_name='other items'),
        ),
        migrations.RunPython(seal_data, open_data),
    ]
