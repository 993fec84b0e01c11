"""Identity verification moved to xueji.verification (issue 7): removed from registration's migration state only;
its tables stay, owned now by verification (0001_initial)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0001_initial'),
        ('registration', '0005_problems_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='RegisterEntry',
                ),
                migrations.RemoveField(
                    model_name='verificationitem',
                    name='batch',
                ),
                migrations.RemoveField(
                    model_name='verificationitem',
                    name='student',
                ),
                migrations.DeleteModel(
                    name='VerificationBatch',
                ),
                migrations.DeleteModel(
                    name='VerificationItem',
                ),
            ],
        ),
    ]
