"""Identity verification moves from registration to its own app (issue 7): in the migration state only. The tables
keep their names (Meta.db_table); registration created them (0002, 0004) and nothing is written to the database
here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registration', '0005_problems_moved_out'),
        ('jobs', '0003_worker_beat'),
        ('regions', '0001_initial'),
        ('registry', '0004_student_status_change'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='RegisterEntry',
                    fields=[
                        ('id_number', models.CharField(max_length=18, primary_key=True, serialize=False, verbose_name='ID number')),
                        ('name', models.CharField(max_length=64, verbose_name='name')),
                        ('sex', models.CharField(blank=True, default='', max_length=1, verbose_name='sex')),
                        ('birth_date', models.DateField(blank=True, null=True, verbose_name='date of birth')),
                        ('loaded_at', models.DateTimeField(verbose_name='loaded')),
                    ],
                    options={
                        'verbose_name': 'population register entry',
                        'verbose_name_plural': 'population register entries',
                        'db_table': 'registration_registerentry',
                    },
                ),
                migrations.CreateModel(
                    name='VerificationBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('province_code', models.CharField(blank=True, max_length=6, verbose_name='province')),
                        ('mode', models.CharField(choices=[('adapter', 'Checked through the register adapter'), ('file', 'Exchanged as files')], max_length=8, verbose_name='mode')),
                        ('status', models.CharField(choices=[('running', 'Running'), ('sent', 'Sent, awaiting answers'), ('partly', 'Partly answered'), ('done', 'Done')], default='running', max_length=8, verbose_name='status')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='pupils')),
                        ('answered', models.PositiveIntegerField(default=0, verbose_name='answered')),
                        ('counts', models.JSONField(blank=True, default=dict, verbose_name='results')),
                        ('file', models.CharField(blank=True, default='', max_length=255, verbose_name='file')),
                        ('created_at', models.DateTimeField(verbose_name='created')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                        ('org_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='verification_batches', to='regions.orgunit', verbose_name='scope')),
                    ],
                    options={
                        'verbose_name': 'verification batch',
                        'verbose_name_plural': 'verification batches',
                        'db_table': 'registration_verificationbatch',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='VerificationItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('id_number', models.CharField(max_length=32, verbose_name='ID number')),
                        ('name', models.CharField(max_length=64, verbose_name='name')),
                        ('result', models.CharField(blank=True, choices=[('verified', 'Verified'), ('id_not_found', 'ID number does not exist'), ('name_mismatch', 'Name and ID number do not match')], default='', max_length=16, verbose_name='result')),
                        ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='verification.verificationbatch')),
                        ('student', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='verification_items', to='registry.student')),
                    ],
                    options={
                        'db_table': 'registration_verificationitem',
                        'ordering': ['batch', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('batch', 'student'), name='one_item_per_pupil_and_batch')],
                    },
                ),
            ],
        ),
    ]
