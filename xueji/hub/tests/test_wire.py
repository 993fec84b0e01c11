"""The wire envelope checked on receipt: each malformed or misdirected message refused with its own code, and
nothing received."""

import json

import pytest

from xueji.core.errors import Conflict, ValidationFailed
from xueji.core.messages import user_message
from xueji.hub import envelope as wire
from xueji.hub import integrity, services
from xueji.hub.models import InboxMessage
from xueji.hub.tests.conftest import ANHUI, JIANGSU, envelope

pytestmark = pytest.mark.django_db


def _without(field):
    message = envelope()
    message.pop(field)
    return message


@pytest.mark.parametrize(("message", "code"), [
    ("not json", "bad_envelope"),
    (["a", "list"], "bad_envelope"),
    (_without("seq"), "bad_envelope"),
    (envelope(extra="field"), "bad_envelope"),
    (envelope(schema=2), "bad_schema"),
    (envelope(schema="1"), "bad_schema"),
    (envelope(schema=True), "bad_schema"),
    (envelope(key="not-a-uuid"), "bad_key"),
    (envelope(key=12345), "bad_key"),
    (envelope(kind="transfers"), "bad_kind"),
    (envelope(kind="hubtest.unknown"), "unknown_message_kind"),
    (envelope(sender="32000X"), "bad_sender"),
    (envelope(receiver="341002"), "bad_receiver"),
    (envelope(sender=ANHUI), "bad_receiver"),  # to itself
    (envelope(receiver="110000"), "wrong_receiver"),  # a province this side does not serve
    (envelope(subject=""), "bad_subject"),
    (envelope(subject="x" * 65), "bad_subject"),
    (envelope(seq=0), "bad_seq"),
    (envelope(seq="1"), "bad_seq"),
    (envelope(seq=True), "bad_seq"),
    (envelope(sent_at="2026-12-01T09:30:00"), "bad_sent_at"),  # no offset
    (envelope(sent_at="yesterday"), "bad_sent_at"),
    (envelope(payload="text"), "bad_payload"),
    (envelope(payload={"big": "字" * 30_000}), "payload_too_large"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_malformed_message_is_refused_with_its_code_and_nothing_is_received(world, handler, message, code):
    with pytest.raises(ValidationFailed) as refused:
        services.inbox_receive(message=message)
    assert refused.value.code == code
    assert user_message(refused.value) != "The operation was refused."  # every code has its words
    assert not InboxMessage.objects.exists()


def test_missing_and_unknown_fields_are_named(world, handler):
    message = _without("payload") | {"color": "red"}
    with pytest.raises(ValidationFailed) as refused:
        services.inbox_receive(message=message)
    assert refused.value.details == {"missing": ["payload"], "unknown": ["color"]}


def test_the_json_text_of_an_envelope_is_received_like_the_object(world, handler):
    row, created = services.inbox_receive(message=json.dumps(envelope(), ensure_ascii=False).encode())
    assert created and row.sender == JIANGSU and row.receiver == ANHUI


def test_a_key_received_again_with_other_contents_is_refused(world, handler):
    message = envelope()
    services.inbox_receive(message=message)
    with pytest.raises(Conflict) as refused:
        services.inbox_receive(message=integrity.signed({**message, "payload": {"n": 99}}, purpose="message"))
    assert refused.value.code == "key_reused"
    assert InboxMessage.objects.get().payload == {"n": 1}


def test_a_seq_another_key_holds_is_refused(world, handler):
    services.inbox_receive(message=envelope(1))
    with pytest.raises(Conflict) as refused:
        services.inbox_receive(message=envelope(1))  # a new key, the same sender, subject and seq
    assert refused.value.code == "seq_taken"
    assert InboxMessage.objects.count() == 1


def test_the_wire_shape_is_the_documented_one(world, handler):
    sent = services.message_send(sender=ANHUI, receiver=JIANGSU, kind="hubtest.note", subject="L34100220170301001",
                                 payload={"a": [1, "二"]})
    message = services.wire_of(sent)
    assert list(message) == [*wire.FIELDS, "mac"]  # signed, the MAC last (hub/integrity.py)
    assert message["schema"] == 1 and message["key"] == str(sent.key) and message["seq"] == 1
    body = {k: v for k, v in message.items() if k != "mac"}
    assert wire.parse(json.loads(json.dumps(body))).wire() == body  # what travels parses back to itself
    assert integrity.verified(json.loads(json.dumps(message)), purpose="message")
