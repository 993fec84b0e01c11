from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import ValidationFailed
from xueji.regions.services import authorities_ensure, parse_region_lines, regions_import


class Command(BaseCommand):
    help = "Import the official GB/T 2260 region list (one 'code name' per line); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8-sig")
        parser.add_argument("--authorities", metavar="PROVINCE_CODE",
                            help="also create the education authorities of this province's regions")

    def handle(self, *args, file: Path, encoding: str, authorities: str | None, **options):
        if not file.exists():
            raise CommandError(f"{file} does not exist")
        try:
            text = file.read_text(encoding=encoding)
        except UnicodeDecodeError:
            text = file.read_text(encoding="gb18030")
        rows, errors = parse_region_lines(text.splitlines())
        result = regions_import(rows=rows)
        for message in errors + result.errors:
            self.stderr.write(message)
        self.stdout.write(f"regions: {result.created} created, {result.updated} updated, "
                          f"{result.unchanged} unchanged, {len(errors) + len(result.errors)} errors")
        if authorities:
            try:
                made = authorities_ensure(province_code=authorities)
            except ValidationFailed as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"authorities: {len(made)} created")
