"""`manage.py rebuild_counts [--check]`: recompute the pupil counts (registry/counts.py) from the pupils, and the
schools and classes of each county (schools/tallies.py) from the schools and classes."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xueji.audit.services import audit_record
from xueji.registry import counts
from xueji.schools import tallies


class Command(BaseCommand):
    help = ("Recompute the pupil counts (summary rows per class, school and county by status and registration state) "
            "from the pupils, and each county's schools and classes, set-based, with writes to the pupils held off "
            "meanwhile; prints the groups that differed first. "
            "--check only compares (exit 1 when they differ).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only, write nothing")

    def handle(self, *args, **options):
        with transaction.atomic():
            differing = counts.differences()
            for key, (have, want) in list(differing.items())[:20]:
                if key[0] in ("school", "county"):  # (level, id, path, status, registration state)
                    where = f"{key[0]} {key[1]} status {key[3]} {key[4]}"
                else:  # (school, class, status, registration state)
                    where = f"school {key[0]} class {key[1]} status {key[2]} {key[3]}"
                self.stdout.write(f"{where}: stored {have}, counted {want}")
            tallied = tallies.differences()
            for county, (have, want) in list(tallied.items())[:20]:
                self.stdout.write(f"county {county} (schools, classes): stored {have}, counted {want}")
            differing = {**differing, **{("tally", county): pair for county, pair in tallied.items()}}
            if options["check"]:
                if differing:
                    raise CommandError(f"{len(differing)} groups differ from the pupils.")
                self.stdout.write("The pupil counts agree with the pupils.")
                return
            groups = counts.rebuild()
            tallies.rebuild()
            audit_record(actor=None, action="counts.rebuild", object_type="registry.studentcount",
                         object_repr=f"{groups} groups", after={"groups": groups, "differed": len(differing)})
        self.stdout.write(f"Rebuilt {groups} groups; {len(differing)} had differed.")
