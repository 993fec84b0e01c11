"""manage.py promotion_restore FILE: undo a yearly promotion (升级) from the backup its run wrote before its first
write (XUEJI_VAR_DIR/backups/promotion-<province>-<year>-<run>.json): the schools' years, the classes' active flags
and the deployment's current year come back, the run is open again. No pupil row is touched: the promotion writes
none. An operator's command (audited), for a mistaken run."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xueji.schoolyear.services import promotion_backup_restore


class Command(BaseCommand):
    help = "Restore the schools' years and classes from a promotion run's backup file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the run's backup file (promotion-<province>-<year>-<run>.json)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such backup file: {path}")
        try:
            result = promotion_backup_restore(path=str(path))
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Not a promotion backup ({exc}).") from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
