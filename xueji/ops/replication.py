"""Replication lag (README "Production: more than one machine"): how far the PostgreSQL standbys are behind.

Two readings, both cheap:
- on the primary (DATABASE_URL), `pg_stat_replication`: one row per connected standby, its state (streaming,
  catchup), sync_state (async, sync, quorum), `replay_lag` and the bytes of WAL it has not replayed. The columns
  beyond the name and state need the `pg_monitor` role (README: GRANT pg_monitor TO the application's role);
  without it they read NULL and the lag is unknown here;
- on the replica (DATABASE_REPLICA_URL, alias XUEJI_REPLICA_MONITOR), `pg_last_xact_replay_timestamp()`: the age
  of the last replayed transaction, 0 when it has replayed everything it received (an idle primary sends nothing,
  so the timestamp ages without any lag).

`status()` is what /metrics, the status page and the alert check (services.replication_check) read; None on SQLite."""

from django.conf import settings
from django.db import connection, connections

PRIMARY_SQL = """
SELECT application_name, client_addr::text, state, sync_state,
       EXTRACT(EPOCH FROM replay_lag)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8
FROM pg_stat_replication ORDER BY application_name, client_addr
"""
REPLICA_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END::float8,
       pg_last_xact_replay_timestamp()
"""


def primary_standbys(cursor) -> list[dict]:
    """The standbys connected to the primary that `cursor` reads, with their lag (seconds, bytes; None unknown)."""
    cursor.execute(PRIMARY_SQL)
    standbys = []
    for name, client, state, sync_state, lag, behind in cursor.fetchall():
        if lag is None and behind is not None and behind <= 0:
            lag = 0.0  # caught up and idle: PostgreSQL clears replay_lag
        standbys.append({"name": name or "", "client": client or "", "state": state or "",
                         "sync_state": sync_state or "", "lag_seconds": lag, "lag_bytes": behind,
                         "source": "primary"})
    return standbys


def replica_lag(cursor) -> dict:
    """What the replica that `cursor` reads says of itself: whether it is in recovery, its replay lag."""
    cursor.execute(REPLICA_SQL)
    in_recovery, lag, replayed_at = cursor.fetchone()
    return {"in_recovery": bool(in_recovery), "lag_seconds": lag,
            "replayed_at": replayed_at.isoformat() if replayed_at else None}


def status() -> dict | None:
    if connection.vendor != "postgresql":
        return None
    expected = int(getattr(settings, "XUEJI_REPLICATION_STANDBYS", 0))
    threshold = float(getattr(settings, "XUEJI_REPLICATION_LAG_ALERT_SECONDS", 30))
    errors = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        primary = not cursor.fetchone()[0]
        standbys = primary_standbys(cursor) if primary else []
    replica = None
    alias = getattr(settings, "XUEJI_REPLICA_MONITOR", "")
    if alias and alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                replica = {"alias": alias, **replica_lag(cursor), "error": ""}
        except Exception as exc:  # a replica down is what this watches: reported, never raised
            replica = {"alias": alias, "in_recovery": False, "lag_seconds": None, "replayed_at": None,
                       "error": f"{type(exc).__name__}: {exc}"[:300]}
        if replica["error"]:
            errors.append(replica["error"])
        elif not replica["in_recovery"]:
            errors.append(f"{alias} is not a standby (pg_is_in_recovery() is false)")
    streaming = [s for s in standbys if s["state"] == "streaming"]
    replicating = len(streaming)
    if replica and replica["in_recovery"] and not replica["error"]:
        replicating = max(replicating, 1)  # the replica says it replays (the primary may hide its row's details)
    lags = [s["lag_seconds"] for s in streaming if s["lag_seconds"] is not None]
    if replica and replica["lag_seconds"] is not None:
        lags.append(replica["lag_seconds"])
    max_lag = max(lags) if lags else None
    return {"role": "primary" if primary else "standby", "standbys": standbys, "replica": replica,
            "replicating": replicating, "expected": expected, "threshold": threshold, "max_lag": max_lag,
            "missing": replicating < expected, "lagging": max_lag is not None and max_lag > threshold,
            "error": "; ".join(errors)}
