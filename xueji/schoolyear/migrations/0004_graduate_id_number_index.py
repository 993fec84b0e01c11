"""A graduate row holds the blind index of the pupil's ID number (core.sealing), not the number: the pupil's number
is sealed at rest (registry 0011), and a graduate is matched to a record elsewhere by the index."""

from django.db import migrations, models


def index_existing(apps, schema_editor):
    from xueji.core import sealing

    Graduate = apps.get_model("schoolyear", "Graduate")
    rows = Graduate.objects.exclude(id_number="").values_list("pk", "id_number")
    for pk, number in rows.iterator(chunk_size=2000):
        if len(number) <= 32:  # a number, not yet an index (64 hex digits)
            Graduate.objects.filter(pk=pk).update(id_number=sealing.blind_index(number))


class Migration(migrations.Migration):

    dependencies = [
        ("schoolyear", "0003_graduate_fewer_constraints"),
    ]

    operations = [
        migrations.AlterField(
            model_name="graduate",
            name="id_number",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="ID number (blind index)"),
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
