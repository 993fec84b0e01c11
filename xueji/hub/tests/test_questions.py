"""Questions between provinces (hub_ask / query_answer): asked through the transport, answered at once by the
receiving side's query handler, refused with precise codes, every answer audited there; nothing stored."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.core.errors import XuejiError
from xueji.hub import envelope as wire
from xueji.hub import services
from xueji.hub.handlers import register_query
from xueji.hub.models import InboxMessage, OutboxMessage
from xueji.hub.tests.conftest import ANHUI, JIANGSU, SUBJECT, envelope
from xueji.hub.transport import LocalTransport

pytestmark = pytest.mark.django_db
KIND = "hubtest.question"


class Asked:
    def __init__(self):
        self.queries = []

    def __call__(self, query):
        self.queries.append(query)
        if query.payload.get("refuse"):
            raise XuejiError("Not this one.", code="hubtest_refused")
        return {"echo": query.payload, "by": query.receiver}


@pytest.fixture
def asked():
    handler = Asked()
    register_query(KIND, handler, label="测试查询", replace=True)
    yield handler
    from xueji.hub import handlers

    handlers._queries.pop(KIND, None)


class Recording(LocalTransport):
    seen: list = []

    def ask(self, query):
        Recording.seen.append(query)
        return super().ask(query)


class Unreachable(LocalTransport):
    def ask(self, query):
        raise ConnectionError("the national hub is down")


def ask(**payload):
    return services.hub_ask(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT, payload=payload or {"x": 1})


def test_a_question_is_answered_at_once_through_the_transport_and_audited_where_answered(world, asked, settings):
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_questions.Recording"
    Recording.seen = []
    assert ask(n="你好") == {"echo": {"n": "你好"}, "by": JIANGSU}
    (query,) = Recording.seen
    assert sorted(query) == sorted((*wire.QUERY_FIELDS, "mac")) and "seq" not in query  # the envelope without seq
    assert (query["sender"], query["receiver"], query["subject"], query["kind"]) == (ANHUI, JIANGSU, SUBJECT, KIND)
    assert asked.queries[0].key == wire.parse_query({k: v for k, v in query.items() if k != "mac"}).key
    event = AuditEvent.objects.get(action="hub.answer")
    assert (event.org_unit, event.object_id, event.success) == (world.units["jiangsu"], query["key"], True)
    assert not OutboxMessage.objects.exists() and not InboxMessage.objects.exists()  # a question is not stored


def test_refusals_of_a_question(world, asked, settings):
    with pytest.raises(XuejiError) as refused:
        ask(refuse=True)
    assert refused.value.code == "hubtest_refused"  # the answering side's own code reaches the asker
    assert AuditEvent.objects.get(action="hub.answer").success is False
    for kwargs, code in (({"kind": "hubtest.unknown"}, "unknown_query_kind"),
                         ({"receiver": "110000"}, "wrong_receiver"), ({"receiver": ANHUI}, "bad_receiver")):
        with pytest.raises(XuejiError) as refused:
            services.hub_ask(**{"sender": ANHUI, "receiver": JIANGSU, "kind": KIND, "subject": SUBJECT,
                                "payload": {}, **kwargs})
        assert refused.value.code == code
    settings.XUEJI_HUB_TRANSPORT = "xueji.hub.tests.test_questions.Unreachable"
    with pytest.raises(XuejiError) as refused:
        ask()
    assert refused.value.code == "peer_unreachable" and refused.value.status_code == 409


@pytest.mark.parametrize(("query", "code"), [
    (envelope(), "bad_envelope"),  # a message's envelope (with seq) is no query
    ({k: v for k, v in envelope(kind=KIND).items() if k != "seq"} | {"schema": 2}, "bad_schema"),
    ({k: v for k, v in envelope(kind=KIND, key="nope").items() if k != "seq"}, "bad_key"),
])
def test_a_malformed_query_is_refused_on_receipt(world, asked, query, code):
    with pytest.raises(XuejiError) as refused:
        services.query_answer(query=query)
    assert refused.value.code == code and asked.queries == []


@pytest.mark.parametrize("answer", ["text", {"schema": 1, "key": "other", "answer": {}},
                                    {"schema": 1, "key": "K", "answer": []}, {"schema": 1, "key": "K"}])
def test_what_is_no_answer_to_the_query_is_refused(answer):
    with pytest.raises(XuejiError) as refused:
        wire.parse_answer(answer, key="K")
    assert refused.value.code == "bad_answer"
