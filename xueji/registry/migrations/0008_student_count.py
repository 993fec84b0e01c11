"""The pupil counts (registry/counts.py): the summary table, filled from the pupils set-based (one INSERT ... SELECT
... GROUP BY, as `manage.py rebuild_counts` does); from here on the registry's door keeps it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_fill_name_initials'),
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='StudentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('class_key', models.BigIntegerField()),
                ('status', models.CharField(max_length=2)),
                ('reg_status', models.CharField(max_length=12)),
                ('n', models.IntegerField(default=0)),
                ('school', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='student_counts', to='schools.school')),
                ('school_class', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='student_counts', to='schools.schoolclass')),
            ],
            options={
                'verbose_name': 'pupil count',
                'constraints': [models.UniqueConstraint(fields=('school', 'class_key', 'status', 'reg_status'), name='student_count_key')],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO registry_studentcount (school_id, school_class_id, class_key, status, reg_status, n) "
            "SELECT school_id, school_class_id, COALESCE(school_class_id, 0), status, reg_status, COUNT(*) "
            "FROM registry_student GROUP BY school_id, school_class_id, status, reg_status",
            migrations.RunSQL.noop, elidable=True),
    ]
