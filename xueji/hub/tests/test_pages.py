"""The boxes' page and API for the province's system administrator: its own side only, totals by state, filters,
subjects masked, no payload; refused to everyone else."""

import pytest
from django.urls import reverse

from xueji.hub import services
from xueji.hub.models import InboxMessage
from xueji.hub.tests.conftest import ANHUI, JIANGSU, KIND, SUBJECT, envelope
from xueji.registry.presenters import mask_national_number
from xueji.testing.cases import Action, ApiCase, ViewCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def traffic(world, handler):
    """安徽 sent two notes to 江苏 (one delivered and applied, one pending), and received three from it (one applied,
    one refused, one held)."""
    services.message_send(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT, payload={"secret": "家庭住址"})
    services.hub_run()
    services.message_send(sender=ANHUI, receiver=JIANGSU, kind=KIND, subject=SUBJECT, payload={})
    services.inbox_receive(message=envelope(1, subject="G320102201703010015"))
    services.inbox_process(limit=10)  # applied
    handler.refuse = {1}
    services.inbox_receive(message=envelope(3))
    services.inbox_receive(message=envelope(1))
    services.inbox_process(limit=10)  # seq 1 refused, seq 3 held (seq 2 is missing)
    return world


def test_the_inbox_page_shows_the_sides_messages_with_totals_and_masked_subjects(traffic, login,
                                                                                django_assert_max_num_queries):
    client = login(traffic.user("anhui", "sysadmin"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("hub:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-total="all">全部 <span class="badge text-bg-light">3</span>' in html
    assert 'data-total="refused"' in html and 'data-state="refused"' in html and 'data-state="held"' in html
    assert mask_national_number(SUBJECT) in html and SUBJECT not in html
    assert "家庭住址" not in html  # no payload
    assert "hubtest_refused" in html and "测试消息" in html  # the error's code, the kind's label
    filtered = client.get(reverse("hub:inbox"), {"state": "held"}).content.decode()
    assert filtered.count('data-state="held"') == 1 and 'data-state="refused"' not in filtered.split("<table")[1]


def test_the_outbox_page_and_its_filters(traffic, login):
    client = login(traffic.user("anhui", "sysadmin"))
    html = client.get(reverse("hub:outbox")).content.decode()
    assert 'data-state="sent"' in html and 'data-state="pending"' in html
    assert 'data-total="pending">待发送 <span class="badge text-bg-light">1</span>' in html
    assert client.get(reverse("hub:outbox"), {"peer": "999"}).status_code == 200  # an invalid filter is dropped


def test_each_province_sees_its_own_side_only(traffic, login):
    anhui = login(traffic.user("anhui", "sysadmin")).get("/api/v1/hub/inbox/").json()
    assert anhui["count"] == 3 and {row["receiver"] for row in anhui["results"]} == {ANHUI}
    jiangsu_client = login(traffic.user("jiangsu", "sysadmin"))
    jiangsu = jiangsu_client.get("/api/v1/hub/inbox/").json()
    assert jiangsu["count"] == 1 and jiangsu["results"][0]["sender"] == ANHUI
    assert jiangsu_client.get("/api/v1/hub/outbox/").json()["count"] == 0
    assert 'data-total="all">全部 <span class="badge text-bg-light">0</span>' in \
        jiangsu_client.get(reverse("hub:outbox")).content.decode()


def test_the_api_lists_masked_without_payload_and_filters(traffic, login):
    client = login(traffic.user("anhui", "sysadmin"))
    rows = client.get("/api/v1/hub/inbox/", {"state": "refused"}).json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert "payload" not in row
    assert row["subject"] == mask_national_number(SUBJECT) and row["seq"] == 1
    assert (row["state"], row["error_code"], row["kind_label"]) == ("refused", "hubtest_refused", "测试消息")
    assert client.get("/api/v1/hub/inbox/", {"subject": "G320102201703010015"}).json()["count"] == 1
    assert client.get("/api/v1/hub/inbox/", {"failing": "true"}).json()["count"] == 1
    outbox = client.get("/api/v1/hub/outbox/", {"state": "pending"}).json()
    assert outbox["count"] == 1 and outbox["results"][0]["receiver"] == JIANGSU
    bad = client.get("/api/v1/hub/outbox/", {"peer": "34"})
    assert (bad.status_code, bad.json()["details"].keys()) == (400, {"peer"})
    assert InboxMessage.objects.count() == 4


def test_the_workbench_card_counts_what_waits(traffic, login):
    html = login(traffic.user("anhui", "sysadmin")).get(reverse("ui:workbench")).content.decode()
    assert 'data-count="hub_messages">2<' in html  # one pending out, one held in


ACTIONS = [Action("inbox page", "/hub/inbox/", "hub.view"), Action("outbox page", "/hub/outbox/", "hub.view")]


class TestPageAccess(ViewCase):
    actions = ACTIONS


class TestApiAccess(ApiCase):
    actions = [Action("inbox list", "/api/v1/hub/inbox/", "hub.view"),
               Action("outbox list", "/api/v1/hub/outbox/", "hub.view")]
