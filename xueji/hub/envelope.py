"""The wire shape of a message between provinces (`hub/README.md`): a JSON object of exactly these fields,

    {"schema": 1, "key": "<uuid>", "kind": "transfers.filed", "sender": "340000", "receiver": "330000",
     "subject": "G341002201703010019", "seq": 1, "sent_at": "2026-12-01T09:30:00+00:00", "payload": {...}}

`parse` checks a received one field by field and refuses it with a precise code (`errors.py` has the words); what
only the receiving side can tell (is the kind known here, is the receiver a province served here) is checked by
`services.inbox_receive`.

A question one province asks another and waits for (`services.hub_ask`: a lookup) travels as a query, the same
fields without `seq` (a query is not ordered, not stored, not repeated), and its answer as

    {"schema": 1, "key": "<the query's key>", "answer": {...}}

(`parse_query`, `parse_answer`). Pure: no database."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from xueji.core.errors import ValidationFailed

SCHEMA = 1  # the version of this envelope; a change of its fields is a new version
SUPPORTED_SCHEMAS = frozenset({1})
FIELDS = ("schema", "key", "kind", "sender", "receiver", "subject", "seq", "sent_at", "payload")
QUERY_FIELDS = tuple(name for name in FIELDS if name != "seq")
ANSWER_FIELDS = ("schema", "key", "answer")
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_SUBJECT = 64
MAX_KIND = 64
PROVINCE = re.compile(r"^[1-9][0-9]0000$")  # a GB/T 2260 province-level code
KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # "<app>.<what>", e.g. transfers.filed
SUBJECT = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._:-]*$")  # a national number, or another plain identifier


@dataclass(frozen=True)
class Envelope:
    """A message as it travels, parsed; what a handler receives."""

    schema: int
    key: uuid.UUID
    kind: str
    sender: str
    receiver: str
    subject: str
    seq: int
    sent_at: dt.datetime
    payload: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        """The JSON object the transport carries."""
        return {"schema": self.schema, "key": str(self.key), "kind": self.kind, "sender": self.sender,
                "receiver": self.receiver, "subject": self.subject, "seq": self.seq,
                "sent_at": self.sent_at.isoformat(), "payload": self.payload}


@dataclass(frozen=True)
class Query:
    """A question to another province, parsed; what a query handler receives (`handlers.register_query`)."""

    schema: int
    key: uuid.UUID
    kind: str
    sender: str
    receiver: str
    subject: str
    sent_at: dt.datetime
    payload: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {"schema": self.schema, "key": str(self.key), "kind": self.kind, "sender": self.sender,
                "receiver": self.receiver, "subject": self.subject, "sent_at": self.sent_at.isoformat(),
                "payload": self.payload}


def _refuse(code: str, message: str, field: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def check_province(value: Any, *, field: str, code: str) -> str:
    if not isinstance(value, str) or not PROVINCE.match(value):
        raise _refuse(code, f"{field} must be a province code of GB/T 2260 (6 digits ending in 0000), got "
                            f"{str(value)[:20]!r}.", field)
    return value


def check_kind(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_KIND or not KIND.match(value):
        raise _refuse("bad_kind", f"kind must be '<app>.<what>' in lower case, got {str(value)[:70]!r}.", "kind")
    return value


def check_subject(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SUBJECT or not SUBJECT.match(value):
        raise _refuse("bad_subject", f"subject must be 1-{MAX_SUBJECT} letters, digits or . _ : -, got "
                                     f"{str(value)[:70]!r}.", "subject")
    return value


def check_payload(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse("bad_payload", "payload must be a JSON object.", "payload")
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise _refuse("bad_payload", f"payload must be plain JSON (strings, numbers, lists, objects): {exc}.",
                      "payload") from None
    if size > MAX_PAYLOAD_BYTES:
        raise _refuse("payload_too_large", f"payload is {size} bytes, more than {MAX_PAYLOAD_BYTES}.", "payload")
    return value


def _object(raw: Any) -> dict:
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _refuse("bad_envelope", "The message is not JSON.") from None
    if not isinstance(raw, dict):
        raise _refuse("bad_envelope", "The message must be a JSON object.")
    if "schema" in raw and (isinstance(raw["schema"], bool) or raw["schema"] not in SUPPORTED_SCHEMAS):
        raise _refuse("bad_schema", f"Schema {str(raw['schema'])[:10]!r} is not one this side reads "
                                    f"({', '.join(map(str, sorted(SUPPORTED_SCHEMAS)))}).", "schema")
    return raw


def _head(raw: Any, fields: tuple[str, ...]) -> tuple[dict, uuid.UUID, str, str]:
    """The object, its key, sender and receiver, checked: the fields a message and a query share, in order."""
    raw = _object(raw)
    missing = [name for name in fields if name not in raw]
    unknown = sorted(str(name)[:40] for name in raw if name not in fields)
    if missing or unknown:
        raise ValidationFailed(f"The envelope lacks {missing} or has unknown fields {unknown[:10]}.",
                               code="bad_envelope", details={"missing": missing, "unknown": unknown[:10]})
    try:
        key = uuid.UUID(str(raw["key"])) if isinstance(raw["key"], str) else None
    except ValueError:
        key = None
    if key is None:
        raise _refuse("bad_key", f"key must be a UUID, got {str(raw['key'])[:40]!r}.", "key")
    sender = check_province(raw["sender"], field="sender", code="bad_sender")
    receiver = check_province(raw["receiver"], field="receiver", code="bad_receiver")
    if sender == receiver:
        raise _refuse("bad_receiver", "A province does not send messages to itself.", "receiver")
    return raw, key, sender, receiver


def _sent_at(raw: dict) -> dt.datetime:
    sent_at = None
    if isinstance(raw["sent_at"], str):
        try:
            sent_at = dt.datetime.fromisoformat(raw["sent_at"])
        except ValueError:
            sent_at = None
    if sent_at is None or sent_at.tzinfo is None:
        raise _refuse("bad_sent_at", f"sent_at must be an ISO 8601 time with its offset, got "
                                     f"{str(raw['sent_at'])[:40]!r}.", "sent_at")
    return sent_at


def parse(raw: Any) -> Envelope:
    """A received envelope (a dict, or its JSON text) checked field by field; ValidationFailed with the first
    problem's code: bad_envelope, bad_schema, bad_key, bad_kind, bad_sender, bad_receiver, bad_subject, bad_seq,
    bad_sent_at, bad_payload, payload_too_large."""
    raw, key, sender, receiver = _head(raw, FIELDS)
    seq = raw["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < 2**31:
        raise _refuse("bad_seq", f"seq must be a whole number from 1, got {str(seq)[:20]!r}.", "seq")
    sent_at = _sent_at(raw)
    return Envelope(schema=raw["schema"], key=key, kind=check_kind(raw["kind"]), sender=sender, receiver=receiver,
                    subject=check_subject(raw["subject"]), seq=seq, sent_at=sent_at,
                    payload=check_payload(raw["payload"]))


def parse_query(raw: Any) -> Query:
    """A received query checked like an envelope (the same codes), without `seq`."""
    raw, key, sender, receiver = _head(raw, QUERY_FIELDS)
    sent_at = _sent_at(raw)
    return Query(schema=raw["schema"], key=key, kind=check_kind(raw["kind"]), sender=sender, receiver=receiver,
                 subject=check_subject(raw["subject"]), sent_at=sent_at, payload=check_payload(raw["payload"]))


def parse_answer(raw: Any, *, key: str) -> dict[str, Any]:
    """The answer to the query of `key`, checked: exactly `schema`, `key` (the query's) and `answer` (a plain JSON
    object); else ValidationFailed `bad_answer`."""
    try:
        raw = _object(raw)
    except ValidationFailed as exc:
        raise _refuse("bad_answer", f"The answer is not an answer of the hub: {exc.message}") from None
    if sorted(raw) != sorted(ANSWER_FIELDS) or str(raw["key"]) != str(key):
        raise _refuse("bad_answer", f"The answer has fields {sorted(raw)[:10]} or answers another query.")
    try:
        return check_payload(raw["answer"])
    except ValidationFailed as exc:
        raise _refuse("bad_answer", f"The answer's body is not a plain JSON object: {exc.message}") from None
