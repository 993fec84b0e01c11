"""manage.py backup: a full backup now (database and files, SM4-encrypted, checksummed) under XUEJI_BACKUP_DIR,
then the retention's prune (--no-prune keeps every backup)."""

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import XuejiError
from xueji.ops.services import backup_create, backups_prune


class Command(BaseCommand):
    help = "Take a full encrypted backup of the database and the uploaded files."

    def add_arguments(self, parser):
        parser.add_argument("--reason", default="manual", help="recorded in the manifest and the audit log")
        parser.add_argument("--no-prune", action="store_true", help="keep the backups the policy would drop")

    def handle(self, *args, **options):
        try:
            backup = backup_create(reason=options["reason"])
        except XuejiError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{backup.path} ({backup.size} bytes, manifest SHA-256 {backup.checksum})")
        if not options["no_prune"]:
            for name in backups_prune():
                self.stdout.write(f"pruned {name}")
