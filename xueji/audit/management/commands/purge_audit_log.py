"""Retention: delete audit rows older than the retention period (185 days at least), as the owner role only,
and leave an audit row that says so, in the same transaction."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from xueji.audit.maintenance import AUDIT_TABLE, audit_maintenance, is_audit_owner, owner_role_use
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
        parser.add_argument("--database", default="default")

    def handle(self, *args, days, dry_run, database, **options):
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
            if dry_run:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE created_at < %s", [cutoff])  # noqa: S608
                count = cursor.fetchone()[0]
                self.stdout.write(f"{count:,} audit rows are older than {days} days ({cutoff:%Y-%m-%d}).")
                return
            with audit_maintenance(using=database):
                cursor.execute(f"DELETE FROM {table} WHERE created_at < %s", [cutoff])  # noqa: S608
                deleted = cursor.rowcount
            audit_record(actor=None, username="system", action="audit.purge", object_type="audit.auditevent",
                         object_repr=f"audit rows before {cutoff:%Y-%m-%d %H:%M}",
                         after={"deleted": deleted, "older_than": cutoff.isoformat(), "retention_days": days})
        self.stdout.write(f"Deleted {deleted:,} audit rows older than {days} days ({cutoff:%Y-%m-%d}).")
