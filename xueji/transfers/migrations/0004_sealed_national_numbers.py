"""The transfers' national numbers sealed (a G number holds the ID number; SECURITY.md row 24), with their blind
index (one open receiving transfer per number), and the numbers inside the pupil JSON. Reversible."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core.migration_sealing import json_sealer, sealer

seal_numbers, open_numbers = sealer("transfers_transfer", "request_id", [("national_number", "national_number_index", None)])
seal_pupils, open_pupils = json_sealer("transfers_transfer", "request_id", "pupil")



class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('registry', '0014_sealed_national_numbers'),
        ('schools', '0004_school_year_start'),
        ('transfers', '0003_receiving_side_by_number'),
        ('workflow', '0004_sealed_payloads'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='transfer',
            name='one_open_receiving_transfer_per_number',
        ),
        migrations.AddField(
            model_name='transfer',
            name='national_number_index',
            field=xueji.core.fields.BlindIndexField(blank=True, default='', source='national_number'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='national_number',
            field=xueji.core.fields.SealedCharField(blank=True, index='national_number_index', max_length=24, verbose_name='national student number'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='pupil',
            field=xueji.core.fields.SealedJSONField(blank=True, null=True, verbose_name='pupil as the sending province told'),
        ),
        migrations.RunPython(seal_numbers, open_numbers),
        migrations.RunPython(seal_pupils, open_pupils),
        migrations.AddConstraint(
            model_name='transfer',
            constraint=models.UniqueConstraint(condition=models.Q(('side', 'receiving'), ('state__in', ('filed', 'awaiting_source', 'approved', 'awaiting_retrieval'))), fields=('national_number_index', 'side'), name='one_open_receiving_transfer_per_number'),
        ),
    ]
