"""Sending, delivering, receiving and applying messages between the test world's two provinces (安徽 340000 and
江苏 320000, both served by this database): each message applied once, in order per subject, refusals and
failures recorded."""

import pytest
from django.core.management import call_command
from django.db import transaction

from xueji.audit.models import AuditEvent
from xueji.core.errors import ValidationFailed
from xueji.hub import services
from xueji.hub.models import InboxMessage, OutboxMessage, SubjectSequence
from xueji.hub.tests.conftest import ANHUI, JIANGSU, KIND, SUBJECT, envelope
from xueji.jobs.services import jobs_maintain

pytestmark = pytest.mark.django_db


def send(seq_subject=SUBJECT, sender=ANHUI, receiver=JIANGSU, **payload):
    return services.message_send(sender=sender, receiver=receiver, kind=KIND, subject=seq_subject,
                                 payload=payload or {"x": 1})


def test_a_message_goes_from_one_outbox_to_the_other_inbox_and_is_applied_once(world, handler):
    sent = send(note="你好")
    assert (sent.state, sent.seq, sent.side, sent.peer) == ("pending", 1, world.units["anhui"], JIANGSU)
    assert sent.payload == {"note": "你好"} and sent.schema == 1
    assert handler.calls == []  # nothing happens before delivery

    assert services.outbox_deliver(limit=10) == {"delivered": 1, "failed": 0}
    sent.refresh_from_db()
    assert (sent.state, sent.attempts, sent.error_code) == ("sent", 1, "") and sent.sent_at is not None
    received = InboxMessage.objects.get()
    assert (received.key, received.side, received.peer, received.seq, received.state) == (
        sent.key, world.units["jiangsu"], ANHUI, 1, "received")

    assert services.inbox_process(limit=10) == {"applied": 1, "refused": 0, "held": 0, "errors": 0}
    received.refresh_from_db()
    assert received.state == "applied" and received.applied_at is not None and received.attempts == 1
    assert handler.calls == [(SUBJECT, 1, {"note": "你好"})]
    # Nothing more to do: running again changes nothing.
    assert services.hub_run() == {"delivered": 0, "failed": 0, "applied": 0, "refused": 0, "held": 0, "errors": 0}
    assert len(handler.calls) == 1
    actions = list(AuditEvent.objects.filter(action__startswith="hub.").values_list("action", flat=True))
    assert sorted(actions) == ["hub.apply", "hub.receive", "hub.send"]


def test_seq_counts_per_sender_receiver_and_subject(world, handler):
    assert [send().seq for _ in range(3)] == [1, 2, 3]
    assert send("G320102201703010015").seq == 1  # another subject starts at 1
    assert send(sender=JIANGSU, receiver=ANHUI).seq == 1  # the other direction too
    assert SubjectSequence.objects.get(sender=ANHUI, receiver=JIANGSU, subject=SUBJECT).last == 3


def test_a_send_rolled_back_leaves_no_message_and_no_gap(world, handler):
    send()
    with pytest.raises(RuntimeError), transaction.atomic():
        send()
        raise RuntimeError("the caller's work failed")
    assert list(OutboxMessage.objects.values_list("seq", flat=True)) == [1]
    assert send().seq == 2


def test_a_message_delivered_twice_is_applied_once(world, handler):
    message = envelope()
    first, created = services.inbox_receive(message=message)
    again, created_again = services.inbox_receive(message=dict(message))
    assert created and not created_again and again.pk == first.pk
    assert InboxMessage.objects.count() == 1
    services.inbox_process(limit=10)
    services.inbox_receive(message=message)  # after it was applied too
    services.inbox_process(limit=10)
    assert handler.seqs == [1] and InboxMessage.objects.get().state == "applied"
    assert AuditEvent.objects.filter(action="hub.receive").count() == 1

    # An outbox row delivered again (a retry after a lost answer) is received once as well.
    sent = send()
    services.outbox_deliver(limit=10)
    OutboxMessage.objects.filter(pk=sent.pk).update(state="pending")
    assert services.outbox_deliver(limit=10) == {"delivered": 1, "failed": 0}
    assert InboxMessage.objects.filter(key=sent.key).count() == 1


def test_out_of_order_the_later_message_is_held_until_its_predecessor_arrives(world, handler):
    first, second, third = envelope(1), envelope(2), envelope(3)
    services.inbox_receive(message=third)
    services.inbox_receive(message=second)
    assert services.inbox_process(limit=10)["held"] == 2
    assert handler.calls == []
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {"held"}
    assert services.inbox_process(limit=10)["held"] == 0  # held rows whose predecessor is missing are not retried

    services.inbox_receive(message=first)
    assert services.inbox_process(limit=10) == {"applied": 3, "refused": 0, "held": 0, "errors": 0}
    assert handler.seqs == [1, 2, 3]  # in order, in one run
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {"applied"}


def test_order_is_per_subject_a_missing_message_holds_only_its_own_subject(world, handler):
    services.inbox_receive(message=envelope(2))
    services.inbox_receive(message=envelope(1, subject="G320102201703010015"))
    services.inbox_process(limit=10)
    assert handler.calls == [("G320102201703010015", 1, {"n": 1})]
    assert InboxMessage.objects.get(subject=SUBJECT).state == "held"


def test_a_refusal_is_recorded_undoes_the_handlers_writes_and_lets_the_next_one_go(world, handler):
    handler.refuse, handler.write = {1}, True
    services.inbox_receive(message=envelope(2))
    services.inbox_receive(message=envelope(1))
    assert services.inbox_process(limit=10) == {"applied": 1, "refused": 1, "held": 0, "errors": 0}
    refused = InboxMessage.objects.get(seq=1)
    assert (refused.state, refused.error_code, refused.error_message) == ("refused", "hubtest_refused", "Not this one.")
    assert refused.applied_at is not None
    # Its writes were rolled back; the next message's stayed. Nothing was sent by the refusal itself.
    assert list(AuditEvent.objects.filter(action="hubtest.wrote").values_list("object_repr", flat=True)) == ["2"]
    assert not OutboxMessage.objects.exists()
    refusal = AuditEvent.objects.get(action="hub.refuse")
    assert not refusal.success and refusal.after["code"] == "hubtest_refused" and refusal.actor_username == "hub"
    assert InboxMessage.objects.get(seq=2).state == "applied"


def test_an_unexpected_error_leaves_it_received_and_it_is_retried_later(world, handler):
    handler.fail = {1}
    services.inbox_receive(message=envelope(1))
    services.inbox_receive(message=envelope(2))
    assert services.inbox_process(limit=10) == {"applied": 0, "refused": 0, "held": 1, "errors": 1}
    failed = InboxMessage.objects.get(seq=1)
    assert (failed.state, failed.attempts, failed.error_code) == ("received", 1, "internal")
    assert "RuntimeError: the database of the test went away" in failed.error_message
    assert InboxMessage.objects.get(seq=2).state == "held"

    assert services.inbox_process(limit=10) == {"applied": 2, "refused": 0, "held": 0, "errors": 0}
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.error_code, failed.error_message) == ("applied", 2, "", "")
    assert handler.seqs == [1, 1, 2]


def test_a_handler_may_answer_with_a_message_of_its_own(world, handler):
    handler.reply = True
    send()
    done = services.hub_run()
    assert (done["delivered"], done["applied"]) == (2, 2)  # the message, then the reply in the next round
    reply = InboxMessage.objects.get(kind="hubtest.reply")
    assert (reply.side, reply.peer, reply.state) == (world.units["anhui"], JIANGSU, "applied")
    assert handler.replies.calls == [(SUBJECT, 1, {"to": str(OutboxMessage.objects.get(kind=KIND).key)})]


class _Refusing:
    def deliver(self, message):
        raise ValidationFailed("The national hub is closed for maintenance.", code="hub_closed")


class _Unreachable:
    def deliver(self, message):
        raise ConnectionError("connection refused")


def test_a_failed_delivery_stays_pending_with_its_error_and_is_delivered_later(world, handler, settings):
    sent = send()
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_flow._Refusing"
    assert services.outbox_deliver(limit=10) == {"delivered": 0, "failed": 1}
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_flow._Unreachable"
    services.outbox_deliver(limit=10)
    services.outbox_deliver(limit=10)
    sent.refresh_from_db()
    assert (sent.state, sent.attempts, sent.error_code) == ("pending", 3, "unreachable")
    assert "ConnectionError" in sent.error_message and not InboxMessage.objects.exists()
    # One audit row per new reason, not per retry.
    assert [e.after["code"] for e in AuditEvent.objects.filter(action="hub.deliver").order_by("id")] == [
        "hub_closed", "unreachable"]

    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.transport.LocalTransport"
    assert services.hub_run()["applied"] == 1
    sent.refresh_from_db()
    assert (sent.state, sent.attempts, sent.error_code) == ("sent", 4, "")


def test_the_receivers_refusal_of_the_envelope_is_recorded_on_the_outbox(world, handler):
    sent = send()
    OutboxMessage.objects.filter(pk=sent.pk).update(peer="110000")  # a province this database does not serve
    services.outbox_deliver(limit=10)
    sent.refresh_from_db()
    assert (sent.state, sent.error_code) == ("pending", "wrong_receiver")
    assert not InboxMessage.objects.exists()


@pytest.mark.parametrize(("change", "code"), [
    ({"sender": "110000"}, "unknown_sender"),  # not served here
    ({"sender": "34000"}, "bad_sender"),
    ({"receiver": ANHUI}, "bad_receiver"),  # to itself
    ({"receiver": "341000"}, "bad_receiver"),  # a city, not a province
    ({"kind": "hubtest.unknown"}, "unknown_message_kind"),
    ({"kind": "Hub Test"}, "bad_kind"),
    ({"subject": ""}, "bad_subject"),
    ({"subject": "G 3410"}, "bad_subject"),
    ({"payload": {"when": object()}}, "bad_payload"),
    ({"payload": ["not", "an", "object"]}, "bad_payload"),
    ({"payload": {"big": "x" * 70_000}}, "payload_too_large"),
])
def test_a_bad_send_is_refused_and_sends_nothing(world, handler, change, code):
    values = {"sender": ANHUI, "receiver": JIANGSU, "kind": KIND, "subject": SUBJECT, "payload": {"x": 1}, **change}
    with pytest.raises(ValidationFailed) as refused:
        services.message_send(**values)
    assert refused.value.code == code
    assert not OutboxMessage.objects.exists() and not SubjectSequence.objects.exists()


def test_after_the_senders_commit_it_is_delivered_and_applied_at_once(world, handler, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.XUEJI_HUB_AFTER_SEND = "run"
    with django_capture_on_commit_callbacks(execute=True):
        send()
    assert InboxMessage.objects.get().state == "applied" and handler.seqs == [1]


@pytest.mark.parametrize("mode", ["none", "enqueue"])
def test_the_after_send_hook_can_be_left_to_the_worker(world, handler, settings, django_capture_on_commit_callbacks,
                                                        mode):
    settings.XUEJI_HUB_AFTER_SEND = mode
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # a queue nobody runs
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send()
    assert len(callbacks) == 1
    assert OutboxMessage.objects.get().state == "pending" and not InboxMessage.objects.exists()
    # The worker's periodic work (every minute) and the command do it then.
    assert jobs_maintain()["periodic"]["hub"]["applied"] == 1
    send()
    call_command("hub_run")
    assert handler.seqs == [1, 2]


def test_the_background_task_delivers_and_processes(world, handler):
    from xueji.hub.tasks import hub_run_task

    send()
    result = hub_run_task.enqueue()  # the test settings' backend runs it at once
    assert result.return_value["applied"] == 1 and handler.seqs == [1]
