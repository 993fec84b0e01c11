# The receiving side of a cross-province transfer holds no record before 调档: its pupil is the sending province's
# answer to the lookup, and one open receiving transfer per national number.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0008_student_counts'),
        ('transfers', '0002_across_provinces'),
    ]

    operations = [
        migrations.AlterField(
            model_name='transfer',
            name='student',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='transfers', to='registry.student', verbose_name='pupil'),
        ),
        migrations.AddField(
            model_name='transfer',
            name='pupil',
            field=models.JSONField(blank=True, null=True, verbose_name='pupil as the sending province told'),
        ),
        migrations.AddConstraint(
            model_name='transfer',
            constraint=models.UniqueConstraint(condition=models.Q(('side', 'receiving'), ('state__in', ('filed', 'awaiting_source', 'approved', 'awaiting_retrieval'))), fields=('national_number', 'side'), name='one_open_receiving_transfer_per_number'),
        ),
    ]
