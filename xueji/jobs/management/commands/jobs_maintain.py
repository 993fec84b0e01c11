"""Mark jobs whose worker died as interrupted, and delete expired result files (for cron or a systemd timer; the
job worker started with `manage.py jobs_worker` does the same every minute)."""

from django.core.management.base import BaseCommand

from xueji.jobs.services import jobs_maintain


class Command(BaseCommand):
    help = "Mark jobs whose worker died as interrupted; delete expired result files and kept uploads."

    def handle(self, *args, **options):
        done = jobs_maintain()
        self.stdout.write(f"interrupted {len(done['interrupted'])} jobs, deleted {done['result_files']} result "
                          f"files and {done['inputs']} kept uploads")
