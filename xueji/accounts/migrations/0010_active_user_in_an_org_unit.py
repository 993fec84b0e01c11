from django.db import migrations, models


def deactivate_unplaced(apps, schema_editor):
    """An active account without an org unit could never sign in (accounts.auth refuses it: no_org_unit); it is
    made inactive so that the constraint below holds."""
    apps.get_model("accounts", "User").objects.filter(is_active=True, org_unit__isnull=True).update(is_active=False)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0009_username_case_blind_unique"),
    ]

    operations = [
        migrations.RunPython(deactivate_unplaced, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(condition=models.Q(("is_active", False), ("org_unit__isnull", False),
                                                                 _connector="OR"),
                                              name="accounts_user_active_in_an_org_unit"),
        ),
    ]
