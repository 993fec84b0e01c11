"""SECURITY.md row 22: what travels between provinces is signed (HMAC-SM3 under the hub's shared key) and checked on
receipt. A changed byte, a missing MAC or another key: refused with `bad_mac`, audited, nothing received or
applied; the sender's outbox row stays pending with the code."""

import datetime as dt
import json

import pytest

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.crypto import hmac_sm3
from xueji.core.errors import XuejiError
from xueji.hub import checks, integrity, services
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


# ---------------------------------------------------------------- a key per pair of provinces

ZHEJIANG = "330000"
K_OLD, K_NEW, K_OTHER = "a1" * 32, "b2" * 32, "c3" * 32


def _key_file(tmp_path, settings, pairs) -> None:
    path = tmp_path / "hub-keys.json"
    path.write_text(json.dumps({"pairs": pairs}), encoding="utf-8")
    settings.XUEJI_HUB_KEYS_FILE = str(path)


def _signed_with(message: dict, key_hex: str) -> dict:
    body = {k: v for k, v in message.items() if k != "mac"}
    mac = hmac_sm3(bytes.fromhex(key_hex), b"message\0" + integrity.canonical(body)).hex()
    return {**body, "mac": mac}


def test_each_pair_of_provinces_signs_with_its_own_key(world, handler, settings, tmp_path):
    _key_file(tmp_path, settings, {"320000-340000": [{"id": "js-ah", "key": K_NEW}],
                                   "330000-340000": [{"id": "zj-ah", "key": K_OTHER}]})
    message = envelope(1)
    assert message == _signed_with(message, K_NEW)  # the pair's key, whichever way the message goes
    assert integrity.pair_of(ANHUI, JIANGSU) == integrity.pair_of(JIANGSU, ANHUI) == "320000-340000"
    row, created = services.inbox_receive(message=message)
    assert created and row.seq == 1


def test_a_message_signed_with_another_pairs_key_is_refused_and_audited(world, handler, settings, tmp_path):
    _key_file(tmp_path, settings, {"320000-340000": [{"id": "js-ah", "key": K_NEW}],
                                   "330000-340000": [{"id": "zj-ah", "key": K_OTHER}]})
    # 浙江 holds the key of 浙江-安徽 and signs a message that claims to come from 江苏
    forged = _signed_with(envelope(1), K_OTHER)
    with pytest.raises(XuejiError) as refused:
        services.inbox_receive(message=forged)
    assert refused.value.code == "bad_mac" and not InboxMessage.objects.exists() and handler.calls == []
    event = AuditEvent.objects.get(action="hub.tampered")
    assert not event.success and event.after["other_pair"] == "330000-340000" and event.after["sender"] == JIANGSU
    assert integrity.verified(_signed_with(envelope(1, sender=ZHEJIANG), K_OTHER), purpose="message")


def test_a_rotated_key_is_accepted_until_the_end_of_its_grace_period(world, handler, settings, tmp_path):
    switch = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    grace_end = switch + dt.timedelta(days=7)
    _key_file(tmp_path, settings, {"320000-340000": [
        {"id": "2027", "key": K_NEW, "not_before": switch.isoformat()},
        {"id": "2026", "key": K_OLD, "not_after": grace_end.isoformat()}]})
    with clock.frozen(switch - dt.timedelta(hours=1)):  # before the switch the old key signs
        assert integrity.signing_key("320000-340000").id == "2026"
    with clock.frozen(switch + dt.timedelta(days=1)):  # the overlap: the new key signs, the old one still verifies
        assert integrity.signing_key("320000-340000").id == "2027"
        assert services.inbox_receive(message=_signed_with(envelope(1), K_OLD))[1]
        assert services.inbox_receive(message=_signed_with(envelope(2), K_NEW))[1]
    with clock.frozen(grace_end + dt.timedelta(seconds=1)):  # after the grace period the old key is refused
        with pytest.raises(XuejiError) as refused:
            services.inbox_receive(message=_signed_with(envelope(3), K_OLD))
        assert refused.value.code == "bad_mac"
        assert services.inbox_receive(message=_signed_with(envelope(3), K_NEW))[1]
    assert list(InboxMessage.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.filter(action="hub.tampered").count() == 1


def test_a_pair_the_key_file_does_not_list_sends_nothing_and_accepts_nothing(world, handler, settings, tmp_path):
    _key_file(tmp_path, settings, {"330000-340000": [{"id": "zj-ah", "key": K_OTHER}]})
    sent = services.message_send(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT, payload={"n": 1})
    assert services.hub_run()["failed"] == 1
    sent.refresh_from_db()
    assert (sent.state, sent.error_code) == ("pending", "no_pair_key") and not InboxMessage.objects.exists()
    settings.XUEJI_HUB_KEYS_FILE = ""
    shared = envelope(1)  # signed under the development key of the pair
    _key_file(tmp_path, settings, {"330000-340000": [{"id": "zj-ah", "key": K_OTHER}]})
    with pytest.raises(XuejiError) as refused:
        services.inbox_receive(message=shared)
    assert refused.value.code == "bad_mac" and not InboxMessage.objects.exists()


def test_without_the_key_file_the_single_shared_key_serves_every_pair(world, handler, settings):
    settings.XUEJI_HUB_KEY = K_OLD  # the first version's one key: the fallback (the deployment check warns)
    message = envelope(1)
    assert message == _signed_with(message, K_OLD)
    assert services.inbox_receive(message=message)[1]
    assert [m.id for m in checks.hub_keys_per_pair()] == ["xueji.W040"]
    settings.XUEJI_HUB_KEY = ""  # neither: a key per pair derived from SECRET_KEY, different for each pair
    assert integrity.pair_keys("320000-340000")[0].key != integrity.pair_keys("330000-340000")[0].key
    assert checks.hub_keys_per_pair() == []


def test_a_malformed_key_file_fails_the_deployment_check(settings, tmp_path):
    _key_file(tmp_path, settings, {"340000-320000": [{"key": K_NEW}]})  # not in ascending order
    assert [m.id for m in checks.hub_keys_per_pair()] == ["xueji.E040"]
    _key_file(tmp_path, settings, {"320000-340000": [{"key": "12"}]})  # too short
    assert [m.id for m in checks.hub_keys_per_pair()] == ["xueji.E040"]
