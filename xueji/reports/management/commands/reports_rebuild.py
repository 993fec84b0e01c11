"""`manage.py reports_rebuild`: recompute the pupil tally the dashboards read from the pupils (one INSERT ... SELECT
... GROUP BY), after saying where the incrementally kept rows differed from a fresh count (`--check`: only say)."""

from django.core.management.base import BaseCommand

from xueji.audit.services import audit_record
from xueji.reports import tally


class Command(BaseCommand):
    help = "Recompute the reports' pupil tally from the pupils (and report where it differed)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only compare, change nothing")

    def handle(self, *args, check=False, **options):
        diff = tally.differences()
        for key, (have, want) in list(diff.items())[:50]:
            self.stdout.write(f"differs {key}: stored {have}, counted {want}")
        self.stdout.write(f"{len(diff)} groups differed")
        if check:
            return
        groups = tally.rebuild()
        audit_record(actor=None, username="system", action="reports.tally_rebuild", object_type="reports.pupiltally",
                     object_repr=f"{groups} groups", after={"groups": groups, "differed": len(diff)})
        self.stdout.write(f"{groups} groups written")
