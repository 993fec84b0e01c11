import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xueji.core.errors import XuejiError
from xueji.problems.management.commands._jobrun import actor_and_scope, run_now
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
            # Run before the commit that enqueues it, so a worker finds it done and never runs it twice.
            with transaction.atomic():
                job = scan_start(actor=actor, kind=options["kind"], org_unit=scope)
                result = run_now(job, self.stdout)
        except XuejiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str, indent=1))
