"""The pupil counts rolled up per county authority (registry/counts.py): an authority's totals from its counties'
few rows, not its schools'; filled from the rows per school set-based (one INSERT ... SELECT ... GROUP BY, as
`manage.py rebuild_counts` does). From here on the registry's door keeps them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('registry', '0008_student_counts'),
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CountyStudentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(db_index=True, max_length=255)),
                ('status', models.CharField(max_length=2)),
                ('reg_status', models.CharField(max_length=12)),
                ('n', models.IntegerField(default=0)),
                ('county', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                             related_name='county_student_totals', to='regions.orgunit')),
            ],
            options={
                'verbose_name': 'pupil count',
                'constraints': [models.UniqueConstraint(fields=('county', 'status', 'reg_status'),
                                                        name='county_student_count_key')],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO registry_countystudentcount (county_id, path, status, reg_status, n) "
            "SELECT s.county_id, o.path, c.status, c.reg_status, SUM(c.n) FROM registry_schoolstudentcount c "
            "JOIN schools_school s ON s.id = c.school_id JOIN regions_orgunit o ON o.id = s.county_id "
            "GROUP BY s.county_id, o.path, c.status, c.reg_status",
            migrations.RunSQL.noop, elidable=True),
    ]
