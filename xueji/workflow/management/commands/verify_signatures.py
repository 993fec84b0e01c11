"""`manage.py verify_signatures <request id>`: verify a request's chain of signed decisions offline (from the
database alone: each decision's canonical form, its SM3 digest, the operator's SM2 signature and public key).
Exit status 0 when every decision verifies, 1 when one does not (or a decision that must be signed is not)."""

from django.core.management.base import BaseCommand, CommandError

from xueji.signing.services import signatures_of
from xueji.workflow.models import Action, Request
from xueji.workflow.signatures import SIGNED_KINDS, SUBJECT, actions_verified


class Command(BaseCommand):
    help = "Verify the SM2 signatures of a request's decisions; exit 1 if any does not verify."

    def add_arguments(self, parser):
        parser.add_argument("request_id", type=int)

    def handle(self, *args, request_id: int, **options):
        request = Request.objects.filter(pk=request_id).first()
        if request is None:
            raise CommandError(f"No request #{request_id}.", returncode=2)
        actions = list(Action.objects.filter(request=request).select_related("request", "actor")
                       .order_by("at", "id"))
        verdicts = actions_verified(actions)
        found = signatures_of(SUBJECT, [a.pk for a in actions])
        bad = 0
        for action in actions:
            verdict = verdicts[action.pk]
            if action.kind not in SIGNED_KINDS:
                state = "not signed (filing side)"
            elif verdict is None:
                state, bad = "NOT SIGNED", bad + 1
            elif verdict:
                state = f"verified (SM2, key {found[action.pk].public_key[:18]}...)"
            else:
                state, bad = "NOT VERIFIED: the decision or its signature was changed", bad + 1
            self.stdout.write(f"#{action.pk} {action.at:%Y-%m-%d %H:%M:%S} {action.kind} by "
                              f"{action.actor.username}: {state}")
        if bad:
            raise CommandError(f"{bad} decision(s) of request #{request_id} do not verify.", returncode=1)
        self.stdout.write(f"Every decision of request #{request_id} verifies.")
