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


@checks.register(checks.Tags.security, deploy=True)
def admin_networks_configured(app_configs=None, **kwargs):
    """The administrators' consoles restricted to their networks (accounts/network.py, SECURITY.md control 16)."""
    from django.core.exceptions import ImproperlyConfigured

    from xueji.accounts.network import admin_networks

    try:
        networks = admin_networks()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="xueji.accounts.E002")]
    if not networks:
        return [checks.Warning(
            "XUEJI_ADMIN_NETWORKS is not set: the administrators' consoles answer from every address.",
            hint="Set it to the administrators' networks, e.g. XUEJI_ADMIN_NETWORKS=10.10.0.0/24 (CIDR, comma-"
                 "separated).", id="xueji.accounts.W002")]
    return []
