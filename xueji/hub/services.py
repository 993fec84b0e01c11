"""The messages between provinces: sending into the outbox, delivering through the transport, receiving into the
inbox and applying in order (`hub/README.md` has the envelope and the guarantees).

- `message_send` writes to the sender's outbox in the caller's transaction: the message leaves if and only if the
  caller's work commits (the transactional outbox). Its `seq` is the next of (sender, receiver, subject), taken
  under the row lock of that subject's counter (`SubjectSequence`): no two messages of one subject share a number.
- `outbox_deliver` hands pending outbox rows to the transport (`XUEJI_HUB_TRANSPORT`; `transport.LocalTransport`
  for one database: an insert into the receiver's inbox), each in its own savepoint: a refused or failed delivery
  stays pending with its error and is tried again. At least once: a delivery may repeat, the inbox makes it once.
- `inbox_receive` is what the transport calls: the envelope checked (`envelope.parse`, then what only the receiver
  can tell: the kind has a handler here, the receiver is a province served here), then inserted with ON CONFLICT
  DO NOTHING on its key, so a message delivered twice is received once.
- `inbox_process` applies received messages through their kind's handler (`handlers.register_handler`), strictly in
  seq order per (sender, subject): a message whose predecessor is neither applied nor refused is held until it is,
  and applied in the same run as its predecessor when that arrives. A handler's refusal (XuejiError) marks it
  refused with its code; any other exception leaves it received with attempts + 1 and the error, to be tried again.
- `hub_ask` asks another province a question and returns its answer (a lookup: the pupil of a national number),
  through the transport's `ask`; `query_answer` is what the transport calls on the receiving side: the query
  checked, its kind's query handler (`handlers.register_query`) answers, the answer audited (`hub.answer`). Nothing
  of a query is stored by the hub: no outbox, no order, no retry; the asker audits what it asked for.
- `hub_run` does both until nothing moves: after every send (`transaction.on_commit`, setting
  XUEJI_HUB_AFTER_SEND: "run" at once in this process, "enqueue" the background task, "none"), in the job worker
  every minute (its periodic work: the retries), and from `manage.py hub_run`.
"""

import json
import logging
import threading
import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.module_loading import import_string

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed, XuejiError
from xueji.hub import envelope as wire
from xueji.hub import integrity
from xueji.hub.choices import DONE, OPEN, InboxState, OutboxState
from xueji.hub.handlers import handler_for, query_handler_for
from xueji.hub.models import InboxMessage, OutboxMessage, SubjectSequence
from xueji.regions.models import OrgKind, OrgUnit

logger = logging.getLogger(__name__)
SYSTEM = "hub"  # the audit log's name for the hub's own work (no user delivers or applies)
MAX_ERROR = 2000
DEFAULT_TRANSPORT = "xueji.hub.transport.LocalTransport"


def province_side(code: str) -> OrgUnit | None:
    """The org unit of a province served by this system (its authority), or None."""
    return OrgUnit.objects.filter(kind=OrgKind.PROVINCE, code=code, is_active=True).first()


def get_transport():
    """The transport of this deployment (XUEJI_HUB_TRANSPORT, a dotted path to a class: `transport.Transport`)."""
    return import_string(getattr(settings, "XUEJI_HUB_TRANSPORT", DEFAULT_TRANSPORT))()


# ---------------------------------------------------------------- sending


def _next_seq(*, sender: str, receiver: str, subject: str) -> int:
    """The next seq of (sender, receiver, subject), under the counter's row lock until the caller commits."""
    SubjectSequence.objects.get_or_create(sender=sender, receiver=receiver, subject=subject)
    counter = SubjectSequence.objects.select_for_update().get(sender=sender, receiver=receiver, subject=subject)
    SubjectSequence.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return counter.last + 1


@transaction.atomic
def message_send(*, sender: str, receiver: str, kind: str, subject: str, payload: dict[str, Any],
                 actor=None) -> OutboxMessage:
    """Put a message to another province into the sender's outbox, in the caller's transaction. `sender` and
    `receiver` are province codes (the sender served here), `kind` one a handler is registered for, `subject` what
    the message is about (a pupil's national number: the messages of one subject arrive in order), `payload` plain
    JSON. `actor`: the user whose work sends it, for the audit log (None: the system's)."""
    wire.check_province(sender, field="sender", code="bad_sender")
    wire.check_province(receiver, field="receiver", code="bad_receiver")
    if sender == receiver:
        raise ValidationFailed("A province does not send messages to itself.", code="bad_receiver", field="receiver")
    wire.check_kind(kind)
    if handler_for(kind) is None:
        raise ValidationFailed(f"No handler is registered for messages of kind {kind}.", code="unknown_message_kind",
                               field="kind")
    wire.check_subject(subject)
    payload = json.loads(json.dumps(wire.check_payload(payload), ensure_ascii=False))  # exactly as it travels
    side = province_side(sender)
    if side is None:
        raise ValidationFailed(f"Province {sender} is not served by this system.", code="unknown_sender",
                               field="sender")
    seq = _next_seq(sender=sender, receiver=receiver, subject=subject)
    message = OutboxMessage.objects.create(key=uuid.uuid4(), side=side, peer=receiver, kind=kind, subject=subject,
                                           seq=seq, schema=wire.SCHEMA, payload=payload, created_at=clock.now())
    audit_record(actor=actor, username="" if getattr(actor, "is_authenticated", False) else SYSTEM,
                 action="hub.send", obj=message, org_unit=side,
                 after={"key": str(message.key), "kind": kind, "receiver": receiver, "subject": subject, "seq": seq})
    transaction.on_commit(_after_send, robust=True)
    return message


def _after_send() -> None:
    """After the sender's commit: deliver and process at once (one database: the demo feels immediate), or leave it
    to the background task, or to the worker's periodic run (XUEJI_HUB_AFTER_SEND: run, enqueue, none)."""
    mode = getattr(settings, "XUEJI_HUB_AFTER_SEND", "run")
    if mode == "run":
        hub_run()
    elif mode == "enqueue":
        from xueji.hub.tasks import hub_run_task

        hub_run_task.enqueue()


# ---------------------------------------------------------------- delivering


def wire_of(message: OutboxMessage, *, sent_at=None) -> dict[str, Any]:
    """The envelope of an outbox row, as the transport carries it: signed (`integrity`, its `mac` last)."""
    return integrity.signed(wire.Envelope(
        schema=message.schema, key=message.key, kind=message.kind, sender=message.side.code, receiver=message.peer,
        subject=message.subject, seq=message.seq, sent_at=sent_at or clock.now(), payload=message.payload).wire(),
        purpose="message")


def outbox_deliver(*, limit: int = 100) -> dict[str, int]:
    """Hand up to `limit` pending outbox rows to the transport (fresh ones first, then retries, oldest first). Each
    delivery runs in its own savepoint: the receiver's refusal (a XuejiError: its code) or a failure to reach it
    leaves the row pending with attempts + 1 and the error; rows another runner holds are skipped."""
    transport = get_transport()
    done = {"delivered": 0, "failed": 0}
    with transaction.atomic():
        rows = list(OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",)).select_related("side")
                    .filter(state=OutboxState.PENDING).order_by("attempts", "id")[:limit])
        for row in rows:
            now = clock.now()
            try:
                with transaction.atomic():
                    transport.deliver(wire_of(row, sent_at=now))
            except Exception as exc:  # refused or unreachable: recorded on the row, tried again later
                code, text = (exc.code, exc.message) if isinstance(exc, XuejiError) else (
                    "unreachable", f"{type(exc).__name__}: {exc}")
                if not isinstance(exc, XuejiError):
                    logger.exception("hub: delivering message %s failed", row.key)
                OutboxMessage.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, error_code=code,
                                                               error_message=text[:MAX_ERROR])
                if code != row.error_code:  # a new reason is audited, not every retry of the same one
                    audit_record(actor=None, username=SYSTEM, action="hub.deliver", obj=row, org_unit=row.side,
                                 success=False, after={"key": str(row.key), "code": code, "attempt": row.attempts + 1})
                done["failed"] += 1
            else:
                OutboxMessage.objects.filter(pk=row.pk).update(state=OutboxState.SENT, sent_at=now,
                                                               attempts=F("attempts") + 1, error_code="",
                                                               error_message="")
                done["delivered"] += 1
    return done


# ---------------------------------------------------------------- receiving


def _same(row: InboxMessage, message: wire.Envelope, side: OrgUnit) -> bool:
    return (row.side_id == side.pk and row.peer == message.sender and row.kind == message.kind
            and row.subject == message.subject and row.seq == message.seq and row.schema == message.schema
            and row.payload == message.payload)


def _unsigned(raw: Any, *, purpose: str, pair: str | None = None) -> tuple[dict[str, Any], bool, dict[str, Any]]:
    """The object of a received envelope, query or answer without its `mac`, whether the MAC verifies under a key
    of its pair of provinces in force now (`integrity`), and the object as received."""
    obj = wire._object(raw)
    return ({k: v for k, v in obj.items() if k != integrity.FIELD}, integrity.verified(obj, purpose=purpose, pair=pair),
            obj)


def _tampered(parsed, received: dict[str, Any], *, what: str) -> ValidationFailed:
    """A message or query whose MAC does not verify: audited on the receiving side (when the caller commits: the
    transport's endpoint), refused with `bad_mac`; nothing of it is received, applied or answered. The audit names
    the other pair whose key made the MAC, when one of the key file did (`other_pair`: a key used out of its pair)."""
    side = province_side(parsed.receiver)
    other = integrity.signed_by_other_pair(received, purpose=what)
    audit_record(actor=None, username=SYSTEM, action="hub.tampered", object_type=f"hub.{what}",
                 object_id=str(parsed.key), org_unit=side, success=False,
                 after={"key": str(parsed.key), "kind": parsed.kind, "sender": parsed.sender,
                        "subject": parsed.subject, "code": "bad_mac",
                        **({"other_pair": other} if other else {})})
    logger.warning("hub: %s %s from %s does not verify (bad_mac%s)", what, parsed.key, parsed.sender,
                   f": signed with the key of {other}" if other else "")
    return ValidationFailed(f"The {what} {parsed.key} from {parsed.sender} does not verify: changed on the way, or "
                            f"signed with another key.", code="bad_mac", field=integrity.FIELD)


def inbox_receive(*, message: dict[str, Any] | str | bytes) -> tuple[InboxMessage, bool]:
    """Receive one message in the wire shape (what the transport calls). Returns the inbox row and whether it is
    new; a message received before (the same key, the same contents) is a no-op. Refused with a precise code
    (ValidationFailed: the envelope's codes, bad_mac for a MAC that does not verify (audited `hub.tampered`),
    unknown_message_kind, wrong_receiver; Conflict: key_reused for a key seen with other contents, seq_taken for a
    seq another key holds), receiving nothing."""
    body, authentic, received = _unsigned(message, purpose="message")
    parsed = wire.parse(body)
    if not authentic:
        raise _tampered(parsed, received, what="message")
    return _receive(parsed)


@transaction.atomic
def _receive(parsed: wire.Envelope) -> tuple[InboxMessage, bool]:
    if handler_for(parsed.kind) is None:
        raise ValidationFailed(f"No handler here knows messages of kind {parsed.kind}.",
                               code="unknown_message_kind", field="kind")
    side = province_side(parsed.receiver)
    if side is None:
        raise ValidationFailed(f"Province {parsed.receiver} is not served here.", code="wrong_receiver",
                               field="receiver")
    now = clock.now()
    row = InboxMessage.objects.filter(key=parsed.key).first()
    if row is None:
        InboxMessage.objects.bulk_create([InboxMessage(
            key=parsed.key, side=side, peer=parsed.sender, kind=parsed.kind, subject=parsed.subject, seq=parsed.seq,
            schema=parsed.schema, payload=parsed.payload, sent_at=parsed.sent_at, received_at=now)],
            ignore_conflicts=True)  # ON CONFLICT DO NOTHING: a parallel delivery of the same key inserts once
        row = InboxMessage.objects.filter(key=parsed.key).first()
        if row is None:  # the insert met another key's row holding this seq
            raise Conflict(f"Seq {parsed.seq} of {parsed.subject} from {parsed.sender} is held by another message.",
                           code="seq_taken", field="seq")
    if not _same(row, parsed, side):
        raise Conflict(f"Key {parsed.key} was received before with other contents.", code="key_reused", field="key")
    created = row.received_at == now
    if created:
        audit_record(actor=None, username=SYSTEM, action="hub.receive", obj=row, org_unit=side,
                     after={"key": str(row.key), "kind": row.kind, "sender": row.peer, "subject": row.subject,
                            "seq": row.seq})
    return row, created


# ---------------------------------------------------------------- processing


def envelope_of(row: InboxMessage) -> wire.Envelope:
    return wire.Envelope(schema=row.schema, key=row.key, kind=row.kind, sender=row.peer, receiver=row.side.code,
                         subject=row.subject, seq=row.seq, sent_at=row.sent_at, payload=row.payload)


def _ready(limit: int) -> list[int]:
    """Received rows, and held rows whose predecessor is done: fresh before retried, in seq order per subject."""
    predecessor_done = InboxMessage.objects.filter(side=OuterRef("side"), peer=OuterRef("peer"),
                                                   subject=OuterRef("subject"), seq=OuterRef("seq") - 1,
                                                   state__in=DONE)
    ready = InboxMessage.objects.filter(Q(state=InboxState.RECEIVED)
                                        | Q(Exists(predecessor_done), state=InboxState.HELD))
    return list(ready.order_by("attempts", "side_id", "peer", "subject", "seq").values_list("pk", flat=True)[:limit])


def _predecessor_done(row: InboxMessage) -> bool:
    return row.seq == 1 or InboxMessage.objects.filter(side_id=row.side_id, peer=row.peer, subject=row.subject,
                                                       seq=row.seq - 1, state__in=DONE).exists()


def _process_one(pk: int) -> tuple[str | None, int | None]:
    """Apply one message, if it is still open and its turn has come. Returns what happened (applied, refused, held,
    errors; None: nothing to do) and, after an answer, the id of the next message of its subject waiting."""
    with transaction.atomic():
        row = (InboxMessage.objects.select_for_update(of=("self",)).select_related("side")
               .filter(pk=pk, state__in=OPEN).first())
        if row is None:  # another runner took it
            return None, None
        if not _predecessor_done(row):
            if row.state != InboxState.HELD:
                InboxMessage.objects.filter(pk=row.pk).update(state=InboxState.HELD)
            return "held", None
        handler = handler_for(row.kind)
        if handler is None:  # received when it had one: a deployment without it now; tried again later
            _record_failure(row, "unknown_message_kind", f"No handler here knows messages of kind {row.kind}.")
            return "errors", None
        try:
            with transaction.atomic():  # the handler's writes, undone if it refuses or fails
                handler(envelope_of(row))
        except XuejiError as exc:
            outcome, state, code, text = "refused", InboxState.REFUSED, exc.code, exc.message
        except Exception as exc:  # a passing failure: the message stays received and is tried again
            logger.exception("hub: message %s (%s) failed", row.key, row.kind)
            _record_failure(row, "internal", f"{type(exc).__name__}: {exc}")
            return "errors", None
        else:
            outcome, state, code, text = "applied", InboxState.APPLIED, "", ""
        InboxMessage.objects.filter(pk=row.pk).update(state=state, applied_at=clock.now(), attempts=F("attempts") + 1,
                                                      error_code=code, error_message=text[:MAX_ERROR])
        audit_record(actor=None, username=SYSTEM, action=f"hub.{'apply' if state == InboxState.APPLIED else 'refuse'}",
                     obj=row, org_unit=row.side, success=state == InboxState.APPLIED,
                     after={"key": str(row.key), "kind": row.kind, "sender": row.peer, "subject": row.subject,
                            "seq": row.seq, **({"code": code} if code else {})})
        successor = (InboxMessage.objects.filter(side_id=row.side_id, peer=row.peer, subject=row.subject,
                                                 seq=row.seq + 1, state__in=OPEN).values_list("pk", flat=True).first())
    return outcome, successor


def _record_failure(row: InboxMessage, code: str, text: str) -> None:
    InboxMessage.objects.filter(pk=row.pk).update(state=InboxState.RECEIVED, attempts=F("attempts") + 1,
                                                  error_code=code, error_message=text[:MAX_ERROR])


def inbox_process(*, limit: int = 100) -> dict[str, int]:
    """Apply up to `limit` received messages in order (see the module). Returns how many were applied, refused,
    held (their predecessor not yet done) and failed (errors: tried again on a later run)."""
    counts = dict.fromkeys(("applied", "refused", "held", "errors"), 0)
    budget = limit
    for pk in _ready(limit):
        following: int | None = pk
        while following is not None and budget > 0:  # a message answered lets its successor go at once
            outcome, following = _process_one(following)
            if outcome is None:
                break
            counts[outcome] += 1
            budget -= 1
        if budget <= 0:
            break
    return counts


# ---------------------------------------------------------------- asking


def hub_ask(*, sender: str, receiver: str, kind: str, subject: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Ask province `receiver` a question of `kind` about `subject` and return its answer (a plain JSON object).
    Refused with the receiving side's code (a XuejiError: wrong_receiver for a province not served there,
    unknown_query_kind, the handler's own), `peer_unreachable` (Conflict) when it cannot be reached, `bad_answer`
    when what came back is no answer to this query. Not in the outbox: a question waits for its answer."""
    wire.check_province(sender, field="sender", code="bad_sender")
    wire.check_province(receiver, field="receiver", code="bad_receiver")
    if sender == receiver:
        raise ValidationFailed("A province does not ask itself.", code="bad_receiver", field="receiver")
    query = integrity.signed(wire.Query(
        schema=wire.SCHEMA, key=uuid.uuid4(), kind=wire.check_kind(kind), sender=sender, receiver=receiver,
        subject=wire.check_subject(subject), sent_at=clock.now(),
        payload=json.loads(json.dumps(wire.check_payload(payload), ensure_ascii=False))).wire(), purpose="query")
    try:
        answer = get_transport().ask(query)
    except XuejiError:
        raise
    except Exception as exc:  # the other side could not be reached: the asker may try again
        logger.exception("hub: asking %s (%s) failed", receiver, kind)
        raise Conflict(f"Province {receiver} could not be reached: {type(exc).__name__}.",
                       code="peer_unreachable") from None
    try:
        body, authentic, _received = _unsigned(answer, purpose="answer", pair=integrity.pair_of(sender, receiver))
    except ValidationFailed:
        body, authentic = answer, True  # not even an object: parse_answer says bad_answer
    parsed = wire.parse_answer(body, key=query["key"])
    if not authentic:
        logger.warning("hub: the answer of %s to %s does not verify (bad_mac)", receiver, query["key"])
        raise ValidationFailed(f"The answer of province {receiver} does not verify: changed on the way, or signed "
                               f"with another key.", code="bad_mac", field=integrity.FIELD)
    return parsed


def query_answer(*, query: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """Answer a question in the wire shape (what the transport calls on the receiving side): the query checked
    (`envelope.parse_query`: the envelope's codes), its kind answered here (`unknown_query_kind`), the receiver a
    province served here (`wrong_receiver`); then its query handler answers. Every answer and refusal is audited
    (`hub.answer`, user `hub`, on the receiving province's side): who asked what of this province's records."""
    body, authentic, received = _unsigned(query, purpose="query")
    parsed = wire.parse_query(body)
    if not authentic:
        raise _tampered(parsed, received, what="query")
    handler = query_handler_for(parsed.kind)
    if handler is None:
        raise ValidationFailed(f"No handler here answers questions of kind {parsed.kind}.",
                               code="unknown_query_kind", field="kind")
    side = province_side(parsed.receiver)
    if side is None:
        raise ValidationFailed(f"Province {parsed.receiver} is not served here.", code="wrong_receiver",
                               field="receiver")
    facts = {"key": str(parsed.key), "kind": parsed.kind, "sender": parsed.sender, "subject": parsed.subject}
    try:
        answer = wire.check_payload(handler(parsed))
    except XuejiError as exc:
        audit_record(actor=None, username=SYSTEM, action="hub.answer", object_type="hub.query",
                     object_id=str(parsed.key), org_unit=side, success=False, after={**facts, "code": exc.code})
        raise
    audit_record(actor=None, username=SYSTEM, action="hub.answer", object_type="hub.query",
                 object_id=str(parsed.key), org_unit=side, after=facts)
    return integrity.signed({"schema": parsed.schema, "key": str(parsed.key), "answer": answer}, purpose="answer",
                            pair=integrity.pair_of(parsed.sender, parsed.receiver))


# ---------------------------------------------------------------- both

_running = threading.local()


def hub_run(*, limit: int = 100, rounds: int = 20) -> dict[str, int]:
    """Deliver and process until nothing moves (a handler's reply is delivered in the next round), at most `rounds`
    rounds of `limit` messages each. A send inside a running round (a handler's reply) does not start another run
    in this thread: the running one takes it."""
    if getattr(_running, "active", False):
        return {}
    _running.active = True
    totals: Counter[str] = Counter()
    try:
        for _round in range(rounds):
            delivered = outbox_deliver(limit=limit)
            processed = inbox_process(limit=limit)
            totals.update(delivered)
            totals.update(processed)
            if not (delivered["delivered"] or processed["applied"] or processed["refused"]):
                break
    finally:
        _running.active = False
    return {key: totals[key] for key in ("delivered", "failed", "applied", "refused", "held", "errors")}
