from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import ValidationFailed
from xueji.verification.register import register_fill_from_students, register_load


class Command(BaseCommand):
    help = ("Load the local population register (the stand-in for the public-security register that identity "
            "verification checks against) from a CSV file: id_number,name[,sex,birth_date], header row optional, "
            "UTF-8 or GB18030. Upserts by ID number, so loading a file again changes only what changed. "
            "With --from-students (for a demo) it is filled from the registered pupils instead, with planted "
            "errors.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV file to load")
        parser.add_argument("--from-students", action="store_true",
                            help="fill the register from the registered pupils holding a resident ID")
        parser.add_argument("--omit", type=int, default=0,
                            help="with --from-students: leave this many pupils out (their ID is 'not found')")
        parser.add_argument("--rename", type=int, default=0,
                            help="with --from-students: give this many pupils another name ('name mismatch')")

    def handle(self, *args, **options):
        if options["from_students"]:
            result = register_fill_from_students(omit=options["omit"], rename=options["rename"])
            self.stdout.write(f"register filled from {result['pupils']} pupils; planted: "
                              f"{len(result['omitted'])} IDs left out, {len(result['renamed'])} names changed")
            return
        if not options["file"]:
            raise CommandError("Name the CSV file to load (or use --from-students).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = register_load(path=path)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        for error in result["errors"]:
            self.stderr.write(error)
        self.stdout.write(f"loaded {result['loaded']} entries ({result['refused']} refused); "
                          f"the register now holds {result['total']}")
