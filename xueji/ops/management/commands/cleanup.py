"""manage.py cleanup: everything past its retention now (application log files, job files and expired exports, the
backups the policy drops, expired sessions), one audit row with the counts. The worker's maintenance runs it once a
day."""

import json

from django.core.management.base import BaseCommand

from xueji.ops.services import cleanup_run


class Command(BaseCommand):
    help = "Delete log files, job files, expired exports and old backups past their retention."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(cleanup_run()))
