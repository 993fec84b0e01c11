import json

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import XuejiError
from xueji.problems.management.commands._jobrun import actor_and_scope, start_and_run
from xueji.problems.scans import SCAN_KINDS, scan_start


class Command(BaseCommand):
    help = ("Province-wide duplicate check (查重: --kind duplicates) or ID-error scan (--kind errors) as a registrar "
            "would start it (province; a city or county for its subtree). Runs now, audited as that user; prints "
            "the per-county summary.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of a province, city or county registrar")
        parser.add_argument("--kind", choices=sorted(SCAN_KINDS), default="duplicates")
        parser.add_argument("--org", help="org unit code within the user's jurisdiction (default: all of it)")

    def handle(self, *args, **options):
        actor, scope = actor_and_scope(options["user"], options["org"])
        try:
            # Claimed as it is recorded, then run outside any transaction: each chunk commits on its own.
            result = start_and_run(lambda: scan_start(actor=actor, kind=options["kind"], org_unit=scope), self.stdout)
        except XuejiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str, indent=1))
