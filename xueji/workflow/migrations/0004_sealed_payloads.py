"""The ID numbers and national numbers inside the requests' payloads and results sealed (SECURITY.md row 24).
Reversible."""

import xueji.core.fields
from django.db import migrations

from xueji.core.migration_sealing import json_sealer

seal_payloads, open_payloads = json_sealer("workflow_request", "id", "payload")
seal_results, open_results = json_sealer("workflow_request", "id", "result")


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0003_existing_requests'),
    ]

    operations = [
        migrations.AlterField(
            model_name='request',
            name='payload',
            field=xueji.core.fields.SealedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='request',
            name='result',
            field=xueji.core.fields.SealedJSONField(blank=True, null=True),
        ),
        migrations.RunPython(seal_payloads, open_payloads),
        migrations.RunPython(seal_results, open_results),
    ]
