import json

from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import XuejiError
from xueji.problems.management.commands._jobrun import actor_and_scope, start_and_run
from xueji.verification.services import verification_start


class Command(BaseCommand):
    help = ("Identity verification (公安身份核查) as a registrar would start it: check the unverified registered "
            "pupils of the user's jurisdiction (or of --org within it) against the population register, file ID "
            "errors as problem records and issue final numbers (G, or J without usable ID). Runs now, audited "
            "as that user.")

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of a registrar (province, city, county or school)")
        parser.add_argument("--org", help="org unit code within the user's jurisdiction (default: all of it)")

    def handle(self, *args, **options):
        actor, scope = actor_and_scope(options["user"], options["org"])
        try:
            # Claimed as it is recorded, then run outside any transaction: each chunk commits on its own.
            result = start_and_run(lambda: verification_start(actor=actor, org_unit=scope), self.stdout)
        except XuejiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
