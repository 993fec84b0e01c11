"""The schools and classes of each county authority (schools/tallies.py), filled from the schools and classes there
are (as `manage.py rebuild_counts` does); from here on the services that open them keep them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('schools', '0002_school_name_grams'),
    ]

    operations = [
        migrations.CreateModel(
            name='CountyTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(db_index=True, max_length=255)),
                ('schools', models.IntegerField(default=0)),
                ('classes', models.IntegerField(default=0)),
                ('county', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='tally',
                                                to='regions.orgunit')),
            ],
            options={
                'verbose_name': 'schools and classes of a county',
            },
        ),
        migrations.RunSQL(
            "INSERT INTO schools_countytally (county_id, path, schools, classes) "
            "SELECT o.id, o.path, (SELECT COUNT(*) FROM schools_school s WHERE s.county_id = o.id), "
            "(SELECT COUNT(*) FROM schools_schoolclass c JOIN schools_school s ON s.id = c.school_id "
            "WHERE s.county_id = o.id) "
            "FROM regions_orgunit o WHERE o.id IN (SELECT county_id FROM schools_school)",
            migrations.RunSQL.noop, elidable=True),
    ]
