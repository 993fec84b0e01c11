"""Problem records moved to xueji.problems (issue 7): removed from registration's migration state only; their
tables stay, owned now by problems (0001_initial)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('problems', '0001_initial'),
        ('registration', '0004_verification_batch_file'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='retirednumber',
                    name='record',
                ),
                migrations.RemoveField(
                    model_name='problem',
                    name='arbitration_request',
                ),
                migrations.RemoveField(
                    model_name='problem',
                    name='job',
                ),
                migrations.RemoveField(
                    model_name='problemevent',
                    name='problem',
                ),
                migrations.RemoveField(
                    model_name='problemmember',
                    name='problem',
                ),
                migrations.RemoveField(
                    model_name='problemevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='problemevent',
                    name='member',
                ),
                migrations.RemoveField(
                    model_name='problemevent',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='problemmember',
                    name='county_org',
                ),
                migrations.RemoveField(
                    model_name='problemmember',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='problemmember',
                    name='school_org',
                ),
                migrations.RemoveField(
                    model_name='problemmember',
                    name='student',
                ),
                migrations.DeleteModel(
                    name='DeletedRecord',
                ),
                migrations.DeleteModel(
                    name='RetiredNumber',
                ),
                migrations.DeleteModel(
                    name='Problem',
                ),
                migrations.DeleteModel(
                    name='ProblemEvent',
                ),
                migrations.DeleteModel(
                    name='ProblemMember',
                ),
            ],
        ),
    ]
