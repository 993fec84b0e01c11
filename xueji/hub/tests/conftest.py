"""A test-only kind of message and its handler, which records what it was given and does what the test asks."""

import datetime as dt
import uuid

import pytest

from xueji.audit.services import audit_record
from xueji.core.errors import ValidationFailed
from xueji.hub.handlers import register_handler, unregister_handler

KIND = "hubtest.note"
ANHUI, JIANGSU = "340000", "320000"
SUBJECT = "G341002201703010019"


class Recorder:
    """The test handler: records each call; `refuse` / `fail` (sets of seq) make it refuse or raise; `write` makes
    it leave an audit row (to see whether its writes survive); `reply` makes it answer the sender."""

    def __init__(self):
        self.calls: list[tuple[str, int, dict]] = []
        self.refuse: set[int] = set()
        self.fail: set[int] = set()
        self.write = False
        self.reply = False

    def __call__(self, message):
        self.calls.append((message.subject, message.seq, message.payload))
        if self.write:
            audit_record(actor=None, username="hubtest", action="hubtest.wrote", object_repr=str(message.seq))
        if message.seq in self.fail:
            self.fail.discard(message.seq)
            raise RuntimeError("the database of the test went away")
        if message.seq in self.refuse:
            raise ValidationFailed("Not this one.", code="hubtest_refused")
        if self.reply and message.kind == KIND:
            from xueji.hub.services import message_send

            message_send(sender=message.receiver, receiver=message.sender, kind="hubtest.reply",
                         subject=message.subject, payload={"to": str(message.key)})

    @property
    def seqs(self) -> list[int]:
        return [seq for _subject, seq, _payload in self.calls]


@pytest.fixture
def handler():
    recorder = Recorder()
    replies = Recorder()
    register_handler(KIND, recorder, label="测试消息", replace=True)
    register_handler("hubtest.reply", replies, replace=True)
    recorder.replies = replies
    yield recorder
    unregister_handler(KIND)
    unregister_handler("hubtest.reply")


def envelope(seq: int = 1, **overrides) -> dict:
    """A valid wire envelope from 江苏 to 安徽 (the test world's two provinces), signed (`hub/integrity.py`)."""
    from xueji.hub import integrity

    message = {"schema": 1, "key": str(uuid.uuid4()), "kind": KIND, "sender": JIANGSU, "receiver": ANHUI,
               "subject": SUBJECT, "seq": seq, "sent_at": dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC).isoformat(),
               "payload": {"n": seq}}
    message.update(overrides)
    return integrity.signed(message, purpose="message")
