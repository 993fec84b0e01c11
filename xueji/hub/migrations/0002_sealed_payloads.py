"""The ID numbers and national numbers inside the hub messages' payloads sealed (SECURITY.md row 24). Reversible.
The subjects (a pupil's national number) stay plain: they order and key the messages of one pupil."""

import xueji.core.fields
from django.db import migrations

from xueji.core.migration_sealing import json_sealer

seal_inbox, open_inbox = json_sealer("hub_inboxmessage", "id", "payload")
seal_outbox, open_outbox = json_sealer("hub_outboxmessage", "id", "payload")


class Migration(migrations.Migration):

    dependencies = [
        ('hub', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inboxmessage',
            name='payload',
            field=xueji.core.fields.SealedJSONField(default=dict, verbose_name='payload'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='payload',
            field=xueji.core.fields.SealedJSONField(default=dict, verbose_name='payload'),
        ),
        migrations.RunPython(seal_inbox, open_inbox),
        migrations.RunPython(seal_outbox, open_outbox),
    ]
