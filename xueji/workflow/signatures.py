"""Signed decisions (issue 11, item 2): every decision on a request (approve, return, reject, cancel, complete) is
signed with the deciding operator's SM2 key over the SM3 digest of a canonical form of what was decided: the
request, its type, the step, the decision, its data and comment, the status it led to, the actor, the time. The
timelines show each as verified or not; `manage.py verify_signatures <request id>` checks a request offline."""

import datetime as dt
import json
from collections.abc import Iterable

from xueji.signing import services as signing
from xueji.workflow.models import Action, ActionKind

SUBJECT = "workflow.action"
SIGNED_KINDS = frozenset({ActionKind.APPROVE, ActionKind.RETURN, ActionKind.REJECT, ActionKind.CANCEL,
                          ActionKind.COMPLETE})


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def action_payload(action: Action, request_type: str) -> dict:
    """What the decision said, as stored (the JSON data as its column gives it back)."""
    return {"request": action.request_id, "type": request_type, "step": action.step_id, "decision": action.kind,
            "data": json.loads(json.dumps(action.data)) if action.data is not None else None,
            "comment": action.comment, "status_after": action.status_after, "actor": action.actor_id,
            "org_unit": action.org_unit_id, "at": _utc(action.at)}


def action_sign(action: Action, *, request_type: str) -> None:
    if action.kind in SIGNED_KINDS:
        signing.sign(actor=action.actor, subject=SUBJECT, object_id=action.pk,
                     payload=action_payload(action, request_type))


def actions_verified(actions: Iterable[Action]) -> dict[int, bool | None]:
    """action id -> True (verified), False (not verified: changed since, or a bad signature), None (a kind that
    is not signed, or made before decisions were signed). One query for the signatures."""
    actions = list(actions)
    found = signing.signatures_of(SUBJECT, [a.pk for a in actions if a.kind in SIGNED_KINDS])
    return {a.pk: signing.verified(found.get(a.pk), action_payload(a, a.request.type))
            if a.kind in SIGNED_KINDS else None for a in actions}
