"""`manage.py audit_verify`: verify every partition of the audit log's hash chain (xueji/audit/chain.py) and point
at the first broken link of each; `--archive FILE` verifies an archive of purged rows (its SM2 signature and its
links). Exit status 0 when intact, 1 when not. Records the check and audits itself."""

from django.core.management.base import BaseCommand, CommandError

from xueji.audit import archive
from xueji.audit.services import chain_check_run


class Command(BaseCommand):
    help = "Verify the audit log's hash chains (or a signed archive with --archive) and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--archive", help="verify this archive file (.jsonl, with its .sig.json beside it)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, archive: str | None = None, database: str = "default", **options):
        if archive:
            return self._archive(archive)
        check = chain_check_run(actor=None, by="audit_verify", using=database)
        self.stdout.write(f"{check.rows:,} links in {len(check.heads) + len({b['partition'] for b in check.breaks})} "
                          f"partitions; {check.unchained:,} rows from before the chain.")
        for b in check.breaks:
            self.stdout.write(f"BROKEN partition {b['partition']} row #{b['event_id']} link {b['seq']} "
                              f"({b['problem']}): {b['detail']}")
        if not check.ok:
            raise CommandError(f"The audit chain is broken in {len(check.breaks)} place(s).", returncode=1)
        self.stdout.write("The audit chain is intact.")

    def _archive(self, path: str) -> None:
        outcome = archive.archive_verify(path)
        for problem in outcome["problems"]:
            self.stdout.write(f"BROKEN {problem}")
        if outcome["problems"]:
            raise CommandError(f"The archive {path} does not verify.", returncode=1)
        self.stdout.write(f"The archive {path} verifies: {outcome['rows']:,} rows, signed by "
                          f"{outcome['public_key'][:18]}...")
