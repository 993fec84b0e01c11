"""manage.py restore FILE: overwrite the database and the uploaded files with a backup (its folder or its
manifest.json). Checked first (the key, every checksum): a damaged backup or a wrong key is refused with a precise
message and nothing touched. On PostgreSQL it runs pg_restore as the owner role (DATABASE_OWNER_URL) with the audit
log's maintenance door open for that session; stop the web and the worker processes first."""

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import XuejiError
from xueji.ops.services import backup_restore, restore_record


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a backup (folder or manifest.json)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup's folder or its manifest.json")
        parser.add_argument("--yes", action="store_true", help="do not ask: the database is overwritten")

    def handle(self, *args, **options):
        if not options["yes"] and options.get("interactive", True):
            answer = input("This overwrites the database and the files. Type 'yes' to go on: ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            result = backup_restore(path=options["file"])
        except XuejiError as exc:
            raise CommandError(str(exc)) from exc
        restore_record(result=result)
        self.stdout.write(f"restored {result['name']} ({result['created_at']}, {result['files']} files) "
                          f"in {result['seconds']:.1f} s (RTO)")
