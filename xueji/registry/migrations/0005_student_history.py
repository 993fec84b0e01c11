"""The status history becomes the record's history: placement, items, identity and family changes too."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_student_status_change"),
    ]

    operations = [
        migrations.RenameModel("StudentStatusChange", "StudentHistory"),
        migrations.AlterField(
            model_name="studenthistory", name="student",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="history",
                                    to="registry.student")),
        migrations.AddField(
            model_name="studenthistory", name="changes",
            field=models.JSONField(blank=True, db_default={}, default=dict, verbose_name="changes")),
        migrations.AlterField(model_name="studenthistory", name="old",
                              field=models.CharField(blank=True, max_length=12, verbose_name="from")),
        migrations.AlterField(model_name="studenthistory", name="new",
                              field=models.CharField(blank=True, max_length=12, verbose_name="to")),
        migrations.AlterModelOptions(name="studenthistory", options={
            "ordering": ["student", "at", "id"], "verbose_name": "record history",
            "verbose_name_plural": "record history"}),
        migrations.AlterField(model_name="studenthistory", name="kind", field=models.CharField(choices=[
            ("status", "student status"), ("registration", "registration"), ("placement", "school and class"),
            ("items", "record items"), ("identity", "identity items"), ("family", "family members"),
            ("verification", "identity check")], max_length=12, verbose_name="kind")),
        migrations.AddIndex(model_name="studenthistory",
                            index=models.Index(fields=["student", "at"], name="student_history_at")),
    ]
