"""The pupil counts (registry/counts.py): the summary tables per class and per school, filled from the pupils set-based
(one INSERT ... SELECT ... GROUP BY each, as `manage.py rebuild_counts` does; from here on the registry's door keeps
them); the student list in school order (a jurisdiction's first page reads one school's pupils); and the name index
with pattern operator classes on PostgreSQL (name LIKE '王%' under a C.UTF-8 collation), replacing the plain one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_fill_name_initials'),
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolStudentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(db_index=True, max_length=255)),
                ('status', models.CharField(max_length=2)),
                ('reg_status', models.CharField(max_length=12)),
                ('n', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'pupil count',
            },
        ),
        migrations.CreateModel(
            name='StudentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('class_key', models.BigIntegerField()),
                ('status', models.CharField(max_length=2)),
                ('reg_status', models.CharField(max_length=12)),
                ('n', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'pupil count',
            },
        ),
        migrations.AlterModelOptions(
            name='student',
            options={'ordering': ['school_id', 'school_class_id', 'class_number', 'id'], 'verbose_name': 'student', 'verbose_name_plural': 'students'},
        ),
        migrations.RemoveIndex(
            model_name='student',
            name='registry_st_name_bac1ea_idx',
        ),
        migrations.AddIndex(
            model_name='student',
            index=models.Index(fields=['name', 'sex', 'birth_date'], name='student_name_sex_birth', opclasses=['varchar_pattern_ops', 'varchar_pattern_ops', 'date_ops']),
        ),
        migrations.AddField(
            model_name='schoolstudentcount',
            name='school',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='student_totals', to='schools.school'),
        ),
        migrations.AddField(
            model_name='studentcount',
            name='school',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='student_counts', to='schools.school'),
        ),
        migrations.AddField(
            model_name='studentcount',
            name='school_class',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='student_counts', to='schools.schoolclass'),
        ),
        migrations.AddConstraint(
            model_name='schoolstudentcount',
            constraint=models.UniqueConstraint(fields=('school', 'status', 'reg_status'), name='school_student_count_key'),
        ),
        migrations.AddConstraint(
            model_name='studentcount',
            constraint=models.UniqueConstraint(fields=('school', 'class_key', 'status', 'reg_status'), name='student_count_key'),
        ),
        migrations.RunSQL(
            "INSERT INTO registry_studentcount (school_id, school_class_id, class_key, status, reg_status, n) "
            "SELECT school_id, school_class_id, COALESCE(school_class_id, 0), status, reg_status, COUNT(*) "
            "FROM registry_student GROUP BY school_id, school_class_id, status, reg_status",
            migrations.RunSQL.noop, elidable=True),
        migrations.RunSQL(
            "INSERT INTO registry_schoolstudentcount (school_id, path, status, reg_status, n) "
            "SELECT c.school_id, o.path, c.status, c.reg_status, SUM(c.n) FROM registry_studentcount c "
            "JOIN schools_school s ON s.id = c.school_id JOIN regions_orgunit o ON o.id = s.org_unit_id "
            "GROUP BY c.school_id, o.path, c.status, c.reg_status",
            migrations.RunSQL.noop, elidable=True),
    ]
