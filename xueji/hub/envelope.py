"""The wire shape of a message between provinces (`hub/README.md`): a JSON object of exactly these fields,

    {"schema": 1, "key": "<uuid>", "kind": "transfers.filed", "sender": "340000", "receiver": "330000",
     "subject": "G341002201703010019", "seq": 1, "sent_at": "2026-12-01T09:30:00+00:00", "payload": {...}}

`parse` checks a received one field by field and refuses it with a precise code (`errors.py` has the words); what
only the receiving side can tell (is the kind known here, is the receiver a province served here) is checked by
`services.inbox_receive`. Pure: no database."""

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


def parse(raw: Any) -> Envelope:
    """A received envelope (a dict, or its JSON text) checked field by field; ValidationFailed with the first
    problem's code: bad_envelope, bad_schema, bad_key, bad_kind, bad_sender, bad_receiver, bad_subject, bad_seq,
    bad_sent_at, bad_payload, payload_too_large."""
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
    missing = [name for name in FIELDS if name not in raw]
    unknown = sorted(str(name)[:40] for name in raw if name not in FIELDS)
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
    seq = raw["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < 2**31:
        raise _refuse("bad_seq", f"seq must be a whole number from 1, got {str(seq)[:20]!r}.", "seq")
    sent_at = None
    if isinstance(raw["sent_at"], str):
        try:
            sent_at = dt.datetime.fromisoformat(raw["sent_at"])
        except ValueError:
            sent_at = None
    if sent_at is None or sent_at.tzinfo is None:
        raise _refuse("bad_sent_at", f"sent_at must be an ISO 8601 time with its offset, got "
                                     f"{str(raw['sent_at'])[:40]!r}.", "sent_at")
    return Envelope(schema=raw["schema"], key=key, kind=check_kind(raw["kind"]), sender=sender, receiver=receiver,
                    subject=check_subject(raw["subject"]), seq=seq, sent_at=sent_at,
                    payload=check_payload(raw["payload"]))
