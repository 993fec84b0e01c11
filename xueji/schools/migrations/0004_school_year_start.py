"""The school year in effect per school (the yearly promotion advances it school by school; empty: the current)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("schools", "0003_county_tally")]

    operations = [
        migrations.AddField(
            model_name="school", name="year_start",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="school year in effect"),
        ),
    ]
