"""manage.py failover_drill: the failover drill of SECURITY.md control 26 (xueji/ops/failover.py; README "Failover
drill"). Writes on the primary of DATABASE_URL under a load, loses it, promotes the standby of --standby-url, points
the application at it, checks every committed row and the audit chain there and that the application writes again,
and prints the RTO and RPO measured (recorded on the new primary as the audit event `ops.failover_drill`).

The primary is lost either by this command (--primary-datadir: `pg_ctl -m immediate stop` of that data directory on
this machine, a crash; as its owner when run as root) or by the operator (without it: the command says when, then
waits until the primary no longer answers). Afterwards set DATABASE_URL (PgBouncer's [databases] entry) to the new
primary on every node and rebuild the old primary as a standby."""

import json
import os
import pwd
import shutil
import subprocess  # pg_ctl, a fixed argument list
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import XuejiError
from xueji.ops import failover


def pg_ctl_stop(datadir: str, *, timeout: float):
    """A `stop_primary` that crashes the primary of `datadir` on this machine (pg_ctl -m immediate stop)."""
    pg_ctl = shutil.which("pg_ctl", path=getattr(settings, "XUEJI_PG_BIN_DIR", None) or None)
    if pg_ctl is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
        pg_ctl = str(candidates[0]) if candidates else None
    if pg_ctl is None:
        raise CommandError("pg_ctl is not installed (or not on XUEJI_PG_BIN_DIR).")
    if not Path(datadir, "PG_VERSION").exists():
        raise CommandError(f"{datadir} is not a PostgreSQL data directory.")
    owner = pwd.getpwuid(Path(datadir).stat().st_uid).pw_name
    as_owner = ["runuser", "-u", owner, "--"] if os.geteuid() == 0 and owner != "root" else []

    def stop() -> None:
        done = subprocess.run([*as_owner, pg_ctl, "-D", datadir, "-m", "immediate", "stop"],  # noqa: S603
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise CommandError(f"pg_ctl stop failed: {done.stderr.strip()[:300]}")

    return stop


class Command(BaseCommand):
    help = "Failover drill: lose the primary under a load, promote the standby, measure RTO and RPO."

    def add_arguments(self, parser):
        parser.add_argument("--standby-url", required=True,
                            help="the streaming standby to promote (postgres://…; a superuser, or a role with EXECUTE "
                                 "on pg_promote)")
        parser.add_argument("--primary-datadir", default="",
                            help="crash the primary of this data directory on this machine (pg_ctl -m immediate "
                                 "stop); without it, stop the primary yourself when told")
        parser.add_argument("--writes", type=int, default=200, help="writes committed before the primary is lost")
        parser.add_argument("--timeout", type=float, default=120.0, help="seconds each step may take")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        timeout = options["timeout"]
        if options["primary_datadir"]:
            stop = pg_ctl_stop(options["primary_datadir"], timeout=timeout)
        else:
            waiting = failover.wait_until_down(settings.DATABASES["default"], timeout=timeout)

            def stop() -> None:
                self.stdout.write("Stop the primary now (switch its machine off, or pg_ctl stop -m immediate).")
                self.stdout.flush()
                waiting()
        say = (lambda text: self.stderr.write(text)) if options["json"] else self.stdout.write
        try:
            result = failover.failover_drill(standby_url=options["standby_url"], stop_primary=stop,
                                             writes=options["writes"], timeout=timeout, say=say)
        except XuejiError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"RTO {result.rto_seconds} s (promotion {result.promote_seconds} s); RPO {result.rpo_rows} of "
                f"{result.acknowledged} acknowledged writes lost, {result.rpo_seconds} s (standby {result.sync_state});"
                f" {result.tables} tables checked, short: {result.short_tables or 'none'}; audit chain "
                f"{'intact' if result.chain_ok else 'BROKEN'} ({result.chain_rows} rows); recorded as audit event "
                f"{result.record_id}.")
            self.stdout.write(f"Now set DATABASE_URL to the new primary ({result.new_primary}) on every node.")
        if not result.ok:
            raise CommandError("The drill found a loss: see above.")
