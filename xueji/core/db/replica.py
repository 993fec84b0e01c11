"""The read replica (README, "Production: more than one machine"): the database alias that chosen read-only
statistics reads use. A PostgreSQL streaming replica answers them when DATABASE_REPLICA_URL names one and
XUEJI_READ_REPLICA is its alias (the settings set both); otherwise they read the primary, as every other query.

Only summary reads that may lag the primary by the replication delay (seconds) go there, each by an explicit
`.using(read_alias())` at the one place it is made: never a read that a write in the same request depends on,
never a selector that guards a write. Writes always go to the primary (no router sends them elsewhere)."""

from django.conf import settings
from django.db import connections


def read_alias() -> str:
    """The alias of the replica when one is configured, else "default"."""
    alias = getattr(settings, "XUEJI_READ_REPLICA", "") or "default"
    return alias if alias in connections else "default"
