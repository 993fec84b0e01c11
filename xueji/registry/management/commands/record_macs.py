"""`manage.py record_macs [--refresh]`: verify every pupil's record MAC and every role assignment's MAC (SECURITY.md
row 23); names the rows changed outside the application and exits 1 when there are any. `--refresh` first
computes every pupil's MAC anew (once after the migration that adds them; after a new index key, which
`rotate_data_key --reindex` does itself), which makes the current rows the trusted ones: run it only on data you
trust."""

from django.core.management.base import BaseCommand, CommandError

from xueji.registry import integrity


class Command(BaseCommand):
    help = "Verify the record MACs of pupils and role assignments (--refresh: compute the pupils' anew first)."

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="compute every pupil's MAC anew first")

    def handle(self, *args, **options):
        if options["refresh"]:
            self.stdout.write(f"refreshed {integrity.refresh_all()} pupil MACs")
        found = integrity.verify_all(by="manage.py record_macs")
        self.stdout.write(f"pupils checked {found['students_checked']}, mismatched "
                          f"{len(found['students_mismatched'])}: {found['students_mismatched'][:50]}")
        self.stdout.write(f"role assignments checked {found['roles_checked']}, mismatched "
                          f"{len(found['roles_mismatched'])}: {found['roles_mismatched'][:50]}")
        if found["students_mismatched"] or found["roles_mismatched"]:
            raise CommandError("Rows do not match their record MACs: changed outside the application.")
