"""The admissions' national numbers sealed (a G number holds the ID number; SECURITY.md row 24): the admitted
pupils', the cross-province entries' with their blind index (one open entry per number), and the numbers inside
the entries' pupil JSON. Reversible."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core.migration_sealing import json_sealer, sealer

seal_admissions, open_admissions = sealer("admissions_admission", "id", [("national_number", None, None)])
seal_entries, open_entries = sealer("admissions_entry", "request_id", [("national_number", "national_number_index", None)])
seal_pupils, open_pupils = json_sealer("admissions_entry", "request_id", "pupil")



class Migration(migrations.Migration):

    dependencies = [
        ('admissions', '0004_sealed_entry_id_number'),
        ('registry', '0014_sealed_national_numbers'),
        ('schools', '0004_school_year_start'),
        ('workflow', '0004_sealed_payloads'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='entry',
            name='one_open_entry_per_number',
        ),
        migrations.AddField(
            model_name='entry',
            name='national_number_index',
            field=xueji.core.fields.BlindIndexField(blank=True, default='', source='national_number'),
        ),
        migrations.AlterField(
            model_name='admission',
            name='national_number',
            field=xueji.core.fields.SealedCharField(blank=True, max_length=24, verbose_name='national student number'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='national_number',
            field=xueji.core.fields.SealedCharField(blank=True, default='', index='national_number_index', max_length=24, verbose_name='national student number'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='pupil',
            field=xueji.core.fields.SealedJSONField(blank=True, default=dict, verbose_name='pupil as known before the file'),
        ),
        migrations.RunPython(seal_admissions, open_admissions),
        migrations.RunPython(seal_entries, open_entries),
        migrations.RunPython(seal_pupils, open_pupils),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.UniqueConstraint(condition=models.Q(('side', 'receiving'), ('state__in', ['filed', 'awaiting_source', 'awaiting_retrieval', 'no_record']), models.Q(('national_number_index', ''), _negated=True)), fields=('national_number_index',), name='one_open_entry_per_number'),
        ),
    ]
