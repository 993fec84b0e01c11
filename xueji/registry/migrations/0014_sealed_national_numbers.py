"""The national student numbers sealed (a G number is G + the ID number; SECURITY.md row 24): the pupils' current
numbers with their blind index (exact lookups, uniqueness), the index of their last four characters (the search by
a number's ending) and the kind letter in clear; every number ever issued with its blind index (unique); the
history's before and after values of the ID items sealed inside the JSON. Reversible: backwards opens every value
before the columns go back to their old types."""

import xueji.core.fields
from django.db import migrations, models

from xueji.core.migration_sealing import json_sealer, sealer

seal_pupils, open_pupils = sealer("registry_student", "id", [
    ("national_number", "national_number_index", "national_number_tail", "national_number_kind")])
seal_numbers, open_numbers = sealer("registry_nationalnumber", "id", [("number", "number_index", None)])
seal_history, open_history = json_sealer("registry_studenthistory", "id", "changes")
MAC_FIELDS = ("name", "sex", "birth_date", "ethnic", "id_type", "id_number_index", "{}", "school_id")


def _refresh_macs(apps, number: str) -> None:
    """The record MACs (registry.integrity) over the national number's blind index instead of the number."""
    from xueji.registry.integrity import mac_of

    Student, StudentMac = apps.get_model("registry", "Student"), apps.get_model("registry", "StudentMac")
    fields = [f.format(number) for f in MAC_FIELDS]
    last = 0
    while True:
        rows = list(Student.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:5000])
        if not rows:
            return
        StudentMac.objects.bulk_create([StudentMac(student_id=row[0], mac=mac_of(row[1:])) for row in rows],
                                       update_conflicts=True, unique_fields=["student_id"], update_fields=["mac"])
        last = rows[-1][0]


def macs_by_index(apps, schema_editor):
    _refresh_macs(apps, "national_number_index")


def macs_by_number(apps, schema_editor):
    _refresh_macs(apps, "national_number")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0013_student_record_mac'),
        ('schools', '0004_school_year_start'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='student',
            name='student_national_number_unique',
        ),
        migrations.AddField(
            model_name='nationalnumber',
            name='number_index',
            field=xueji.core.fields.BlindIndexField(null=True, source='number'),
        ),
        migrations.AddField(
            model_name='student',
            name='national_number_index',
            field=xueji.core.fields.BlindIndexField(blank=True, null=True, source='national_number'),
        ),
        migrations.AddField(
            model_name='student',
            name='national_number_kind',
            field=xueji.core.fields.PrefixField(blank=True, null=True, source='national_number'),
        ),
        migrations.AddField(
            model_name='student',
            name='national_number_tail',
            field=xueji.core.fields.BlindIndexField(blank=True, null=True, source='national_number', tail=True),
        ),
        migrations.AlterField(
            model_name='nationalnumber',
            name='number',
            field=xueji.core.fields.SealedCharField(index='number_index', max_length=24, verbose_name='national student number'),
        ),
        migrations.AlterField(
            model_name='student',
            name='national_number',
            field=xueji.core.fields.SealedCharField(blank=True, index='national_number_index', max_length=24, null=True, prefix_index='national_number_kind', tail_index='national_number_tail', verbose_name='national student number'),
        ),
        migrations.AlterField(
            model_name='studenthistory',
            name='changes',
            field=xueji.core.fields.SealedJSONField(blank=True, db_default={}, default=dict, verbose_name='changes'),
        ),
        migrations.RunPython(seal_pupils, open_pupils),
        migrations.RunPython(seal_numbers, open_numbers),
        migrations.RunPython(seal_history, open_history),
        migrations.AlterField(
            model_name='nationalnumber',
            name='number_index',
            field=xueji.core.fields.BlindIndexField(source='number'),
        ),
        migrations.AddConstraint(
            model_name='nationalnumber',
            constraint=models.UniqueConstraint(fields=('number_index',), name='national_number_index_unique'),
        ),
        migrations.AddIndex(
            model_name='student',
            index=models.Index(fields=['national_number_tail'], name='student_number_tail'),
        ),
        migrations.AddConstraint(
            model_name='student',
            constraint=models.UniqueConstraint(fields=('national_number_index',), name='student_national_number_unique'),
        ),
        migrations.RunPython(macs_by_index, macs_by_number),
    ]
