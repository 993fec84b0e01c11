"""SECURITY.md row 22: what travels between provinces is signed (HMAC-SM3 under the hub's shared key) and checked on
receipt. A changed byte, a missing MAC or another key: refused with `bad_mac`, audited, nothing received or
applied; the sender's outbox row stays pending with the code."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.core.errors import XuejiError
from xueji.hub import integrity, services
from xueji.hub.handlers import register_query
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.hub.tests.conftest import ANHUI, JIANGSU, KIND, SUBJECT, envelope
from xueji.hub.transport import LocalTransport

pytestmark = pytest.mark.django_db


class Tampering(LocalTransport):
    """A hop on the way that changes one character of the payload (and leaves the MAC as it was)."""

    def deliver(self, message):
        super().deliver({**message, "payload": {**message["payload"], "school": "3201020001"}})

    def ask(self, query):
        return super().ask({**query, "subject": query["subject"][:-1] + "8"})


class ForgedAnswer(LocalTransport):
    def ask(self, query):
        answer = super().ask(query)
        return {**answer, "answer": {**answer["answer"], "by": "110000"}}


def test_a_message_changed_on_the_way_is_refused_and_nothing_is_applied(world, handler, settings):
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_integrity.Tampering"
    sent = services.message_send(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT,
                                 payload={"school": "3410020001"})
    assert services.hub_run() == {"delivered": 0, "failed": 1, "applied": 0, "refused": 0, "held": 0, "errors": 0}
    sent.refresh_from_db()
    assert (sent.state, sent.error_code) == ("pending", "bad_mac")  # tried again later, never applied
    assert not InboxMessage.objects.exists() and handler.calls == []
    assert AuditEvent.objects.filter(action="hub.deliver", success=False, after__code="bad_mac").exists()
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.transport.LocalTransport"  # the hop repaired: the retry goes through
    assert services.hub_run()["applied"] == 1 and handler.calls == [(SUBJECT, 1, {"school": "3410020001"})]


@pytest.mark.parametrize("change", [
    lambda m: {**m, "payload": {"n": 2}},  # a changed byte of the payload
    lambda m: {**m, "seq": 2},  # of the envelope
    lambda m: {k: v for k, v in m.items() if k != "mac"},  # no MAC at all
    lambda m: {**m, "mac": integrity.mac_of(m, purpose="query")},  # a query's MAC replayed on a message
], ids=["payload", "seq", "missing", "other-purpose"])
def test_a_tampered_envelope_is_refused_audited_and_not_received(world, handler, change):
    with pytest.raises(XuejiError) as refused:
        services.inbox_receive(message=change(envelope(1)))
    assert refused.value.code == "bad_mac"
    assert not InboxMessage.objects.exists()
    event = AuditEvent.objects.get(action="hub.tampered")
    assert not event.success and event.after["sender"] == JIANGSU and event.org_unit == world.units["anhui"]


def test_another_key_does_not_verify(world, handler, settings):
    message = envelope(1)
    settings.XUEJI_HUB_KEY = "11" * 32
    with pytest.raises(XuejiError) as refused:
        services.inbox_receive(message=message)
    assert refused.value.code == "bad_mac" and not InboxMessage.objects.exists()


@pytest.fixture
def asked():
    calls = []
    register_query("hubtest.question", lambda query: calls.append(query) or {"by": query.receiver},
                   label="测试查询", replace=True)
    yield calls
    from xueji.hub import handlers

    handlers._queries.pop("hubtest.question", None)


def _ask():
    return services.hub_ask(sender=ANHUI, receiver=JIANGSU, kind="hubtest.question", subject=SUBJECT, payload={})


def test_a_question_and_its_answer_are_signed_and_checked(world, asked, settings):
    assert _ask() == {"by": JIANGSU}
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_integrity.Tampering"
    with pytest.raises(XuejiError) as refused:
        _ask()
    assert refused.value.code == "bad_mac" and len(asked) == 1  # the changed query was not answered
    assert AuditEvent.objects.filter(action="hub.tampered", object_type="hub.query").exists()
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_integrity.ForgedAnswer"
    with pytest.raises(XuejiError) as refused:
        _ask()
    assert refused.value.code == "bad_mac"
    assert not OutboxMessage.objects.exists()
