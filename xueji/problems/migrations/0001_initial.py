"""Problem records move from registration to their own app (issue 7): in the migration state only. The tables
keep their names (Meta.db_table); registration created them (0002) and nothing is written to the database here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registration', '0004_verification_batch_file'),
        ('jobs', '0003_worker_beat'),
        ('regions', '0001_initial'),
        ('registry', '0004_student_status_change'),
        ('workflow', '0003_existing_requests'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Problem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('id_error', 'ID error'), ('duplicate_id', 'Duplicate ID number'), ('duplicate_no_id', 'Duplicate without ID (same name, sex and birth date)')], max_length=16, verbose_name='kind')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('arbitration', 'Under arbitration'), ('resolved', 'Resolved')], db_index=True, default='open', max_length=12, verbose_name='status')),
                        ('resolution', models.CharField(blank=True, choices=[('corrected', 'Data corrected'), ('deleted', 'Record deleted'), ('confirmed', 'Confirmed by household register'), ('confirmed_distinct', 'Confirmed as distinct pupils'), ('arbitrated', 'Decided by arbitration'), ('cleared', 'No longer applies')], default='', max_length=20, verbose_name='resolution')),
                        ('province_code', models.CharField(max_length=6, verbose_name='province')),
                        ('key', models.CharField(max_length=128)),
                        ('detail', models.JSONField(blank=True, default=dict, verbose_name='detail')),
                        ('source', models.CharField(default='scan', max_length=16, verbose_name='found by')),
                        ('created_at', models.DateTimeField(verbose_name='found')),
                        ('updated_at', models.DateTimeField(verbose_name='updated')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                        ('arbitration_request', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workflow.request')),
                        ('job', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                    ],
                    options={
                        'verbose_name': 'problem record',
                        'verbose_name_plural': 'problem records',
                        'db_table': 'registration_problem',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='DeletedRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('former_id', models.BigIntegerField(db_index=True, verbose_name='former record id')),
                        ('province_code', models.CharField(max_length=6, verbose_name='province')),
                        ('name', models.CharField(max_length=64, verbose_name='name')),
                        ('id_number', models.CharField(blank=True, max_length=32, verbose_name='ID number')),
                        ('numbers', models.JSONField(default=list, verbose_name='numbers held')),
                        ('snapshot', models.JSONField(default=dict)),
                        ('deleted_at', models.DateTimeField(verbose_name='deleted')),
                        ('deleted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workflow.request')),
                        ('school_org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.orgunit')),
                        ('problem', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='problems.problem')),
                    ],
                    options={
                        'verbose_name': 'deleted record',
                        'db_table': 'registration_deletedrecord',
                        'ordering': ['-deleted_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ProblemMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('student_name', models.CharField(max_length=64, verbose_name='name')),
                        ('state', models.CharField(choices=[('open', 'Awaiting action'), ('confirmed', 'Confirmed with proof'), ('changed', 'Data changed'), ('deleted', 'Record deleted'), ('kept', 'Keeps the ID number (arbitration)'), ('lost', 'Must change the ID number (arbitration)')], default='open', max_length=12, verbose_name='state')),
                        ('county_org', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.orgunit', verbose_name='county authority')),
                        ('problem', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='members', to='problems.problem')),
                        ('request', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workflow.request', verbose_name='latest request')),
                        ('school_org', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.orgunit', verbose_name='school')),
                        ('student', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='problem_memberships', to='registry.student')),
                    ],
                    options={
                        'db_table': 'registration_problemmember',
                        'ordering': ['problem', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ProblemEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=24)),
                        ('note', models.TextField(blank=True)),
                        ('at', models.DateTimeField()),
                        ('actor', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('problem', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='problems.problem')),
                        ('request', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='workflow.request')),
                        ('member', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='problems.problemmember')),
                    ],
                    options={
                        'db_table': 'registration_problemevent',
                        'ordering': ['problem', 'at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='RetiredNumber',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.CharField(max_length=24, unique=True, verbose_name='national student number')),
                        ('kind', models.CharField(max_length=1, verbose_name='kind')),
                        ('issued_at', models.DateTimeField(verbose_name='issued')),
                        ('retired_at', models.DateTimeField(verbose_name='retired')),
                        ('record', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='retired_numbers', to='problems.deletedrecord')),
                    ],
                    options={
                        'db_table': 'registration_retirednumber',
                    },
                ),
                migrations.AddConstraint(
                    model_name='problem',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'resolved'), _negated=True), fields=('kind', 'province_code', 'key'), name='one_unresolved_problem_per_key'),
                ),
                migrations.AddIndex(
                    model_name='problemmember',
                    index=models.Index(fields=['student', 'state'], name='registratio_student_3e63b8_idx'),
                ),
                migrations.AddConstraint(
                    model_name='problemmember',
                    constraint=models.UniqueConstraint(fields=('problem', 'student'), name='one_membership_per_record'),
                ),
            ],
        ),
    ]
