"""Parallel connections on PostgreSQL (SQLite takes no row locks): senders of one subject at the same moment get
distinct, gapless sequence numbers; two deliveries of one message at the same moment receive it once; two runners
apply it once."""

import pytest
from django.db import connection

from xueji.hub import services
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.hub.tests.conftest import ANHUI, JIANGSU, KIND, SUBJECT, envelope
from xueji.problems.tests.test_concurrency import parallel

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]


def _send():
    return services.message_send(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT, payload={})


def test_parallel_senders_of_one_subject_get_distinct_gapless_seqs(transactional_db, world, handler, settings):
    settings.XUEJI_HUB_AFTER_SEND = "none"
    results = parallel(*[_send for _ in range(6)])
    assert all(ok for ok, _value in results), results
    assert sorted(value.seq for _ok, value in results) == [1, 2, 3, 4, 5, 6]
    assert sorted(OutboxMessage.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_the_first_messages_of_a_new_subject_in_parallel_too(transactional_db, world, handler, settings):
    settings.XUEJI_HUB_AFTER_SEND = "none"
    results = parallel(_send, _send)  # both create the subject's counter at once
    assert sorted(value.seq for ok, value in results if ok) == [1, 2], results


def test_one_message_delivered_twice_at_once_is_received_once(transactional_db, world, handler):
    message = envelope()
    results = parallel(lambda: services.inbox_receive(message=message),
                       lambda: services.inbox_receive(message=dict(message)))
    assert all(ok for ok, _value in results), results
    assert InboxMessage.objects.count() == 1
    assert len({value[0].pk for _ok, value in results}) == 1


def test_two_runners_apply_each_message_once(transactional_db, world, handler):
    for seq in (1, 2, 3):
        services.inbox_receive(message=envelope(seq))
    parallel(lambda: services.inbox_process(limit=10), lambda: services.inbox_process(limit=10))
    assert handler.seqs == [1, 2, 3]
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {"applied"}
