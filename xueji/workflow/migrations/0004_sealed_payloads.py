"""The ID numbers and national numbers inside the requests' payloads and results sealed (SECURITY.md row 24),
reversibly; and the keys of the personal subject kinds (a national number, an entrant's ID number: the requests'
subject_id and the subject table's key) replaced by their blind index, one-way (an HMAC does not open: backwards
leaves them so, and the code before this migration would no longer find those subjects)."""

import xueji.core.fields
from django.db import migrations

from xueji.core import sealing
from xueji.core.migration_sealing import json_sealer

seal_payloads, open_payloads = json_sealer("workflow_request", "id", "payload")
seal_results, open_results = json_sealer("workflow_request", "id", "result")
PERSONAL = ("registry.national_number", "admissions.entrant_id")  # workflow.types.register_subject(personal=True)


def _indexed(key: str) -> bool:
    return len(key) == 64 and all(c in "0123456789abcdef" for c in key)


def index_subjects(apps, schema_editor):
    if not sealing.enabled():
        return
    Request, Subject = apps.get_model("workflow", "Request"), apps.get_model("workflow", "Subject")
    for pk, key in Request.objects.filter(subject_type__in=PERSONAL).exclude(subject_id="").values_list(
            "pk", "subject_id").iterator(chunk_size=2000):
        if not _indexed(key):
            Request.objects.filter(pk=pk).update(subject_id=sealing.blind_index(key))
    for pk, key in Subject.objects.filter(kind__in=PERSONAL).values_list("pk", "key").iterator(chunk_size=2000):
        if not _indexed(key):
            Subject.objects.filter(pk=pk).update(key=sealing.blind_index(key))


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
        migrations.RunPython(index_subjects, migrations.RunPython.noop),
    ]
