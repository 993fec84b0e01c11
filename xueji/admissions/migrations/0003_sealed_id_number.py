"""The admissions' ID numbers sealed at rest (core.sealing; SECURITY.md row 24): the index by year and number and
the one-admission-per-school rule move to the number's blind index, added and filled for the existing rows."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core.migration_sealing import sealer

seal_rows, open_rows = sealer("admissions_admission", "id", [("id_number", "id_number_index", None)])


class Migration(migrations.Migration):

    dependencies = [
        ('admissions', '0002_entry'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='admission', name='admission_once_per_school'),
        migrations.RemoveIndex(model_name='admission', name='admission_year_id'),
        migrations.AddField(
            model_name='admission',
            name='id_number_index',
            field=xueji.core.fields.BlindIndexField(null=True, source='id_number'),
        ),
        migrations.AlterField(
            model_name='admission',
            name='id_number',
            field=xueji.core.fields.SealedCharField(index='id_number_index', max_length=32, verbose_name='ID number'),
        ),
        migrations.RunPython(seal_rows, open_rows),
        migrations.AlterField(
            model_name='admission',
            name='id_number_index',
            field=xueji.core.fields.BlindIndexField(default='', source='id_number'),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name='admission',
            index=models.Index(fields=['year', 'id_number_index'], name='admission_year_id'),
        ),
        migrations.AddConstraint(
            model_name='admission',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'withdrawn'), _negated=True),
                                               fields=('year', 'id_number_index', 'school'),
                                               name='admission_once_per_school'),
        ),
    ]
