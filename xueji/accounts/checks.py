"""Deployment check: production has no superuser account (SECURITY.md §1 row 11); every power comes from a role
within an organisational unit. A database without the accounts table (`check --deploy` before `migrate`, as in CI)
has no such account."""

from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError


def superuser_errors() -> list[checks.CheckMessage]:
    try:
        usernames = list(get_user_model().objects.filter(is_superuser=True)
                         .order_by("username").values_list("username", flat=True)[:5])
    except DatabaseError:
        return []
    if not usernames:
        return []
    return [checks.Error(
        f"Superuser accounts exist: {', '.join(usernames)}.",
        hint="Production must have none: clear is_superuser and give the person a role in their unit.",
        id="xueji.accounts.E001")]


@checks.register(checks.Tags.security, checks.Tags.database, deploy=True)
def no_superuser_accounts(app_configs=None, **kwargs):
    return superuser_errors()
