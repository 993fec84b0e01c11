"""A school's name grams (core/db/grams.py): the column, filled for the schools there are, and on PostgreSQL the GIN
index that serves a search by any part of the name (a search by the code's beginning has the code's own index)."""

from django.db import migrations

import xueji.core.db.grams

INDEX = "school_name_grams"


def fill(apps, schema_editor):
    from xueji.core.db.grams import grams

    School = apps.get_model("schools", "School")
    batch = []
    for school in School.objects.only("pk", "name").iterator(chunk_size=2000):
        school.name_grams = grams(school.name)
        batch.append(school)
        if len(batch) == 2000:
            School.objects.bulk_update(batch, ["name_grams"])
            batch = []
    School.objects.bulk_update(batch, ["name_grams"])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(xueji.core.db.grams.gin_index_sql(INDEX, "schools_school", "name_grams"))
        schema_editor.execute("ANALYZE schools_school")  # the expression's statistics: the planner's estimates


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('schools', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='school',
            name='name_grams',
            field=xueji.core.db.grams.GramsField(source='name'),
        ),
        migrations.RunPython(fill, unfill),
    ]
