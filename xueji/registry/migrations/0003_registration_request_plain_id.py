"""The registry holds no foreign key to the approval engine: Student.registration_request becomes a plain id
column (the same column, data kept; only the constraint goes)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_trim_student_indexes"),
        ("workflow", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="student",
            name="registration_request",
            field=models.BigIntegerField(blank=True, null=True, db_index=True, db_default=None,
                                         db_column="registration_request_id"),
        ),
        migrations.RenameField(model_name="student", old_name="registration_request",
                               new_name="registration_request_id"),
        migrations.AlterField(
            model_name="student",
            name="registration_request_id",
            field=models.BigIntegerField(blank=True, null=True, db_index=True, db_default=None),
        ),
    ]
