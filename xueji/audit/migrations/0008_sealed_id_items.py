"""The audit events' before and after: their ID numbers and national numbers sealed at rest from now on
(core.fields.SealedJSONField; SECURITY.md row 24). No data migration: the log is append-only (its triggers refuse
any UPDATE) and each row's hash covers the values as written, so the rows already there stay as they were until
the retention purge archives them; the new rows are sealed. State only: the column type is the same (JSON), and altering it on SQLite would rebuild the table without its
triggers (append-only, the chain's head)."""

import xueji.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0007_auditevent_actor_role_org_code'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.AlterField(
            model_name='auditevent',
            name='after',
            field=xueji.core.fields.SealedJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='before',
            field=xueji.core.fields.SealedJSONField(blank=True, null=True),
        ),
    ])]
