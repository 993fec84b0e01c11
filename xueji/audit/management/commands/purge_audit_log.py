"""Retention: archive audit rows older than the retention period (185 days at least) to a signed file, then
delete them, as the owner role only, and leave an audit row that says so (with where each partition of the
hash chain now starts), in the same transaction.

Of a partition of the chain only its oldest links go: the rows before its first row still in the retention
period (a row older than the cutoff written after a younger one waits for the next purge), so what remains is
one unbroken chain from the recorded boundary."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.db.models import Min, Q

from xueji.audit import archive, verify
from xueji.audit.maintenance import AUDIT_TABLE, audit_maintenance, is_audit_owner, owner_role_use
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core import clock

MINIMUM_DAYS = 185  # 等保 2.0: audit records are kept at least six months


class Command(BaseCommand):
    help = ("Delete audit rows older than --days (default XUEJI_AUDIT_RETENTION_DAYS, at least 185). Runs only as "
            "the owner of the audit table (DATABASE_OWNER_URL on PostgreSQL) and records itself in the audit log.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help=f"keep this many days (default XUEJI_AUDIT_RETENTION_DAYS; at least {MINIMUM_DAYS})")
        parser.add_argument("--dry-run", action="store_true", help="count the rows, delete nothing")
        parser.add_argument("--archive-dir", default=None,
                            help="where the signed archive goes (default XUEJI_AUDIT_ARCHIVE_DIR)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, days, dry_run, database, archive_dir=None, **options):
        days = settings.XUEJI_AUDIT_RETENTION_DAYS if days is None else days
        if days < MINIMUM_DAYS:
            raise CommandError(f"Audit rows are kept at least {MINIMUM_DAYS} days; --days {days} is too short.")
        owner_role_use(database)
        if not is_audit_owner(database):
            raise CommandError("purge_audit_log runs only as the owner role of the audit table: set "
                               "DATABASE_OWNER_URL (README, PostgreSQL). The application's role cannot delete "
                               "audit rows.")
        cutoff = clock.now() - dt.timedelta(days=days)
        connection = connections[database]
        table = connection.ops.quote_name(AUDIT_TABLE)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            doomed = self._doomed(cutoff, database)
            if dry_run:
                count = doomed.count()
                self.stdout.write(f"{count:,} audit rows are older than {days} days ({cutoff:%Y-%m-%d}).")
                return
            rows = list(doomed.order_by("chain_partition", "chain_seq", "id").values(*archive.COLUMNS))
            bounds = verify.boundaries(database)
            for row in rows:
                if row["chain_partition"] is not None:
                    bounds[str(row["chain_partition"])] = {"seq": row["chain_seq"], "hash": row["chain_hash"]}
            path = None
            if rows:
                try:
                    key = archive.signing_key()
                except ImproperlyConfigured as error:
                    raise CommandError(str(error)) from None
                path = archive.archive_write(rows=rows, directory=Path(archive_dir or settings.XUEJI_AUDIT_ARCHIVE_DIR),
                                             cutoff=cutoff, boundaries=bounds, key=key, now=clock.now())
            deleted = 0
            with audit_maintenance(using=database):
                ids = [row["id"] for row in rows]
                for start in range(0, len(ids), 1000):
                    chunk = ids[start:start + 1000]
                    cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                                   chunk)
                    deleted += cursor.rowcount
            audit_record(actor=None, username="system", action="audit.purge", object_type="audit.auditevent",
                         object_repr=f"audit rows before {cutoff:%Y-%m-%d %H:%M}",
                         after={"deleted": deleted, "older_than": cutoff.isoformat(), "retention_days": days,
                                "archive": path.name if path else None, "boundaries": bounds})
        self.stdout.write(f"Deleted {deleted:,} audit rows older than {days} days ({cutoff:%Y-%m-%d})"
                          + (f", archived to {path} (signed: {path}.sig.json)." if path else "."))

    @staticmethod
    def _doomed(cutoff, database):
        """The rows to go: of each partition of the chain the links before its first row younger than the cutoff;
        rows without a link (from before the chain) by their time alone."""
        events = AuditEvent.objects.using(database)
        old = events.filter(created_at__lt=cutoff)
        keep_from = dict(events.filter(created_at__gte=cutoff, chain_partition__isnull=False).order_by()
                         .values_list("chain_partition").annotate(first=Min("chain_seq")))
        within = Q(chain_partition__isnull=True)
        for partition in old.filter(chain_partition__isnull=False).order_by().values_list("chain_partition",
                                                                                          flat=True).distinct():
            first = keep_from.get(partition)
            within |= Q(chain_partition=partition) & (Q(chain_seq__lt=first) if first else Q())
        return old.filter(within)
