"""Deployment check: on PostgreSQL the application must not connect as the owner of the audit table."""

from django.conf import settings
from django.core import checks


def owner_role_warnings(database: dict, owner: dict | None) -> list[checks.CheckMessage]:
    if "postgresql" not in database["ENGINE"] or (owner and owner.get("USER") != database.get("USER")):
        return []
    return [checks.Warning(
        "The application connects to PostgreSQL as the role that owns the tables, so it can delete audit rows.",
        hint="Set DATABASE_OWNER_URL to the owner role and DATABASE_URL to an application role (README, PostgreSQL).",
        id="xueji.W001")]


@checks.register(checks.Tags.security, checks.Tags.database, deploy=True)
def audit_owner_role_separate(app_configs=None, **kwargs):
    return owner_role_warnings(settings.DATABASES["default"], getattr(settings, "XUEJI_DATABASE_OWNER", None))
