"""The cross-province entries' ID numbers sealed at rest (core.sealing; SECURITY.md row 24), and the number in
the pupil as known before the file masked (the full number stays, sealed, in id_number)."""

import xueji.core.fields
from django.db import migrations

from xueji.core import idnumbers
from xueji.core.migration_sealing import sealer

seal_rows, open_rows = sealer("admissions_entry", "request_id", [("id_number", None, None)])


def mask_pupils(apps, schema_editor):
    Entry = apps.get_model("admissions", "Entry")
    for pk, pupil in Entry.objects.values_list("pk", "pupil").iterator(chunk_size=2000):
        number = (pupil or {}).get("id_number") or ""
        if number and "*" not in number:
            Entry.objects.filter(pk=pk).update(pupil={**pupil, "id_number": idnumbers.mask(number)})


class Migration(migrations.Migration):

    dependencies = [
        ('admissions', '0003_sealed_id_number'),
    ]

    operations = [
        migrations.AlterField(
            model_name='entry',
            name='id_number',
            field=xueji.core.fields.SealedCharField(blank=True, default='', max_length=32, verbose_name='ID number'),
        ),
        migrations.RunPython(seal_rows, open_rows),
        migrations.RunPython(mask_pupils, migrations.RunPython.noop),
    ]
