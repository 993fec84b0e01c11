"""The failover drill (SECURITY.md control 26; README "Failover drill"; `manage.py failover_drill`): write on the
primary under a load, lose the primary, promote its streaming standby, point the application at it, check what
survived and that the application writes again, and record the recovery time (RTO) and the data lost (RPO).

Steps, in this process:

1. Before: the primary (DATABASE_URL) is not in recovery, the standby (its URL) is, and the standby's sync state as
   the primary sees it (async: a commit returns before the standby has it, so the last few may be lost; sync: none
   may be lost). The rows of every table are counted and the audit chain is verified.
2. A writer thread commits audit events (`ops.failover_drill.write`, each its own transaction: an acknowledged
   transaction is one whose commit returned) until the primary is gone; after `writes` of them the primary is
   stopped (`stop_primary`: `pg_ctl -m immediate stop` of its data directory, a crash; or the operator stops the
   machine and the drill waits until it no longer answers).
3. The standby is promoted (`SELECT pg_promote()`; its role must be a superuser or have EXECUTE on pg_promote) and
   the application's `default` database is pointed at it (the connection's settings: what DATABASE_URL must name
   from now on).
4. After: every table has at least the rows counted before, every acknowledged write is there (the RPO: those that
   are not, and the seconds between the last acknowledged write and the last one that survived), the audit chain
   verifies, and the application writes again: the drill's record (`ops.failover_drill`, the figures in `after`)
   is written on the new primary, and the time from losing the primary to that commit is the RTO.

PostgreSQL only. The primary is not rebuilt: that is the operator's (`pg_basebackup` or `pg_rewind`, README)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections

from xueji.audit.services import audit_record
from xueji.audit.verify import chain_verify
from xueji.core.errors import ValidationFailed

logger = logging.getLogger("xueji.ops.failover")
WRITE_ACTION = "ops.failover_drill.write"
DRILL_ACTION = "ops.failover_drill"
SYSTEM = "system"


@dataclass
class DrillResult:
    sync_state: str = ""
    acknowledged: int = 0
    survived: int = 0
    rpo_rows: int = 0
    rpo_seconds: float = 0.0
    promote_seconds: float = 0.0
    rto_seconds: float = 0.0
    tables: int = 0
    short_tables: dict[str, list[int]] = field(default_factory=dict)
    chain_ok: bool = False
    chain_rows: int = 0
    new_primary: str = ""
    first_write_id: int | None = None  # the application's first write on the new primary
    record_id: int | None = None  # the drill's record there (`ops.failover_drill`, the figures in `after`)

    @property
    def ok(self) -> bool:
        """Nothing committed before the drill lost, the chain intact, the application writing again. Acknowledged
        writes lost under an async standby are the RPO, reported, not a failure here."""
        return self.chain_ok and not self.short_tables and self.first_write_id is not None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _psycopg_dsn(db: dict) -> dict[str, Any]:
    return {key: value for key, value in {"host": db.get("HOST") or None, "port": db.get("PORT") or None,
                                          "dbname": db.get("NAME"), "user": db.get("USER") or None,
                                          "password": db.get("PASSWORD") or None}.items() if value is not None}


def _query(db: dict, sql: str, params: tuple = ()) -> Any:
    import psycopg

    with psycopg.connect(**_psycopg_dsn(db), autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchone()


def _counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608  (a model's own table name, quoted)
                counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts


def _point_default_at(db: dict) -> None:
    """The application's `default` database from now on: the promoted standby (this process; DATABASE_URL in the
    deployment's environment, PgBouncer's [databases] entry)."""
    connections["default"].close()
    for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD"):
        if key in db:
            settings.DATABASES["default"][key] = db[key]
            connections["default"].settings_dict[key] = db[key]


class _Writer(threading.Thread):
    """Commits one audit event at a time until the primary is gone; `acknowledged` holds (id, wall time) of each
    commit that returned."""

    def __init__(self):
        super().__init__(name="failover-drill-writer", daemon=True)
        self.acknowledged: list[tuple[int, float]] = []
        self.stopped = threading.Event()
        self.error = ""

    def run(self) -> None:
        n = 0
        try:
            while not self.stopped.is_set():
                n += 1
                event = audit_record(actor=None, username=SYSTEM, action=WRITE_ACTION, object_type="ops.drill",
                                     object_id=str(n), after={"n": n})
                self.acknowledged.append((event.pk, time.time()))
        except Exception as exc:  # the primary went away under the load: what the drill waits for
            self.error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            connection.close()


def wait_until_down(db: dict, *, timeout: float) -> Callable[[], None]:
    """A `stop_primary` for a primary stopped by the operator (its machine switched off): wait until it no longer
    answers."""

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                _query(db, "SELECT 1")
            except Exception:  # noqa: BLE001  (any failure to answer is the primary gone)
                return
            time.sleep(0.2)
        raise ValidationFailed(f"The primary still answers after {timeout:.0f} s.", code="primary_still_up")

    return wait


def failover_drill(*, standby_url: str, stop_primary: Callable[[], None], writes: int = 200,
                   timeout: float = 60.0, say: Callable[[str], None] = logger.info) -> DrillResult:
    """Run the drill (module docstring) against the primary of `default` and the standby of `standby_url`."""
    if connection.vendor != "postgresql":
        raise ValidationFailed("The failover drill needs PostgreSQL.", code="not_postgres")
    standby = dj_database_url.parse(standby_url)
    result = DrillResult()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        if cursor.fetchone()[0]:
            raise ValidationFailed("DATABASE_URL names a standby, not the primary.", code="not_primary")
        cursor.execute("SELECT sync_state FROM pg_stat_replication ORDER BY sync_state DESC")
        row = cursor.fetchone()
        result.sync_state = (row[0] if row else "") or "unknown"
    if not _query(standby, "SELECT pg_is_in_recovery()")[0]:
        raise ValidationFailed("The standby URL names a database that is not in recovery.", code="not_standby")
    before = _counts()
    if not chain_verify().ok:
        raise ValidationFailed("The audit chain does not verify on the primary before the drill.", code="chain_broken")
    say(f"primary and standby ready (standby {result.sync_state}); {len(before)} tables counted")

    writer = _Writer()
    writer.start()
    deadline = time.monotonic() + timeout
    while len(writer.acknowledged) < writes and writer.is_alive():
        if time.monotonic() > deadline:
            writer.stopped.set()
            raise ValidationFailed(f"{writes} writes did not commit within {timeout:.0f} s.", code="drill_timeout")
        time.sleep(0.01)
    say(f"{len(writer.acknowledged)} writes committed under load; stopping the primary")
    stop_primary()
    lost_at = time.monotonic()
    writer.stopped.set()
    writer.join(timeout)
    acknowledged = list(writer.acknowledged)
    say(f"primary gone ({writer.error or 'writer stopped'}); promoting the standby")

    _query(standby, "SELECT pg_promote(true, %s)", (int(timeout),))
    while _query(standby, "SELECT pg_is_in_recovery()")[0]:
        if time.monotonic() - lost_at > timeout:
            raise ValidationFailed("The standby did not leave recovery.", code="promote_timeout")
        time.sleep(0.05)
    result.promote_seconds = round(time.monotonic() - lost_at, 3)
    _point_default_at(standby)
    close_old_connections()
    result.new_primary = f"{standby.get('HOST')}:{standby.get('PORT')}/{standby.get('NAME')}"
    say(f"standby promoted in {result.promote_seconds} s; the application now uses {result.new_primary}")

    # The application writes again: the first commit on the new primary ends the outage (retried while it opens).
    record = None
    while record is None:
        try:
            record = audit_record(actor=None, username=SYSTEM, action=DRILL_ACTION, object_type="ops.drill",
                                  object_id="failover", after={"phase": "promoted", "new_primary": result.new_primary})
        except OperationalError:
            if time.monotonic() - lost_at > timeout:
                raise
            connections["default"].close()
            time.sleep(0.1)
    result.rto_seconds = round(time.monotonic() - lost_at, 3)

    from xueji.audit.models import AuditEvent

    present = set(AuditEvent.objects.filter(pk__in=[pk for pk, _at in acknowledged]).values_list("pk", flat=True))
    result.acknowledged, result.survived = len(acknowledged), len(present)
    lost = [(pk, at) for pk, at in acknowledged if pk not in present]
    result.rpo_rows = len(lost)
    if lost:
        kept = [at for pk, at in acknowledged if pk in present]
        result.rpo_seconds = round(acknowledged[-1][1] - (max(kept) if kept else acknowledged[0][1]), 3)
    after = _counts()
    result.tables = len(before)
    result.short_tables = {table: [n, after.get(table, 0)] for table, n in before.items() if after.get(table, 0) < n}
    report = chain_verify()
    result.chain_ok, result.chain_rows = report.ok, report.rows
    result.first_write_id = record.pk
    final = audit_record(actor=None, username=SYSTEM, action=DRILL_ACTION, object_type="ops.drill",
                         object_id="failover", success=result.ok, after={**result.as_dict(), "phase": "checked"})
    result.record_id = final.pk
    say(f"RTO {result.rto_seconds} s, RPO {result.rpo_rows} rows / {result.rpo_seconds} s; chain "
        f"{'intact' if result.chain_ok else 'BROKEN'}; {len(result.short_tables)} tables short")
    return result
