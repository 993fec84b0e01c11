"""`manage.py audit_verify`: verify every partition of the audit log's hash chain (xueji/audit/chain.py) and point
at the first broken link of each; `--archive FILE` verifies an archive of purged rows (its SM2 signature and its
links). Exit status 0 when intact, 1 when not. Records the check and audits itself."""

from django.core.management.base import BaseCommand, CommandError

from xueji.audit import archive, chain
from xueji.audit.services import audit_record
from xueji.core import clock


class Command(BaseCommand):
    help = "Verify the audit log's hash chains (or a signed archive with --archive) and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--archive", help="verify this archive file (.jsonl, with its .sig.json beside it)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, archive: str | None = None, database: str = "default", **options):
        if archive:
            return self._archive(archive)
        started = clock.now()
        report = chain.chain_verify(using=database)
        chain.check_record(report, by="audit_verify", started_at=started, using=database)
        audit_record(actor=None, username="system", action="audit.verify", object_type="audit.auditchaincheck",
                     object_repr="audit_verify", success=report.ok,
                     after={"rows": report.rows, "breaks": [b.as_dict() for b in report.breaks]})
        self.stdout.write(f"{report.rows:,} links in {len(report.heads) + len({b.partition for b in report.breaks})} "
                          f"partitions; {report.unchained:,} rows from before the chain.")
        for b in report.breaks:
            self.stdout.write(f"BROKEN partition {b.partition} row #{b.event_id} link {b.seq} ({b.problem}): "
                              f"{b.detail}")
        if not report.ok:
            raise CommandError(f"The audit chain is broken in {len(report.breaks)} place(s).", returncode=1)
        self.stdout.write("The audit chain is intact.")

    def _archive(self, path: str) -> None:
        outcome = archive.archive_verify(path)
        for problem in outcome["problems"]:
            self.stdout.write(f"BROKEN {problem}")
        if outcome["problems"]:
            raise CommandError(f"The archive {path} does not verify.", returncode=1)
        self.stdout.write(f"The archive {path} verifies: {outcome['rows']:,} rows, signed by "
                          f"{outcome['public_key'][:18]}...")
