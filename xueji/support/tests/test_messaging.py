"""即时通讯 (issue 12, item 2): who may message whom (one rule, refusals change nothing), one-to-one and group
conversations, unread counts in one query, the poll from a cursor (only new messages; idle: 204 / 304 after one
query of the app), files under the proofs' checks, retries stored once, presence, and the same answers on the pages
and in the API."""

import datetime as dt
import re
import urllib.parse

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueji.accounts.middleware import TOUCHED_KEY
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import NotFound, ValidationFailed
from xueji.policy.models import PolicySetting
from xueji.support import selectors, services
from xueji.support.choices import ConversationKind
from xueji.support.models import Attachment, Conversation, Message, Presence
from xueji.testing.fingerprint import fingerprint

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
PDF = b"%PDF-1.4\n" + b"0" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    yield
    cache.clear()  # the presence guard and the menu's counts: keyed by user ids the next test's world reuses


def _file(name="screen.png", content=PNG, kind="image/png"):
    return SimpleUploadedFile(name, content, content_type=kind)


def _direct(world, a=("tunxi_primary", "registrar"), b=("tunxi", "registrar"), body="你好"):
    return services.conversation_start(actor=world.user(*a), participant_ids=[world.user(*b).pk], body=body)


def _support_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "support_" in q["sql"]]


# ---------------------------------------------------------------- who may message whom


def test_a_school_messages_its_own_unit_and_its_county_only(world):
    school = world.user("tunxi_primary", "registrar")
    reachable = set(selectors.contact_list(user=school).values_list("username", flat=True))
    assert reachable == {"tunxi_primary_leader", "tunxi_primary_sysadmin", "tunxi_registrar", "tunxi_leader",
                         "tunxi_admissions", "tunxi_sysadmin"}  # not the auditors nor the security administrators
    county = world.user("tunxi", "registrar")
    reachable = set(selectors.contact_list(user=county).values_list("org_unit__code", flat=True))
    assert reachable == {"341002", "3410021001", "3410021002", "341000"}  # its unit, its schools, its city


@pytest.mark.parametrize("actor, other", [
    (("tunxi_primary", "registrar"), ("tunxi_middle", "registrar")),  # a sibling school
    (("tunxi_primary", "registrar"), ("huangshan", "registrar")),  # two levels up
    (("tunxi_primary", "registrar"), ("shexian", "registrar")),  # another county
    (("tunxi_primary", "registrar"), ("xuanwu_primary", "registrar")),  # another province
    (("tunxi_primary", "registrar"), ("tunxi_primary", "auditor")),  # no messaging
    (("tunxi", "registrar"), ("anhui", "registrar")),
])
def test_a_message_outside_the_adjacent_levels_is_refused_and_changes_nothing(world, client, actor, other):
    user, target = world.user(*actor), world.user(*other)
    before = fingerprint()
    with pytest.raises(ValidationFailed) as refused:
        services.conversation_start(actor=user, participant_ids=[target.pk], body="越级")
    assert refused.value.code == "message_not_allowed" and refused.value.details == {"outside": [target.pk]}
    assert fingerprint() == before
    client.force_login(user)
    response = client.post(reverse("api:support-conversation-list"), {"participants": [target.pk], "body": "越级"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "message_not_allowed"
    assert f"#{target.pk}" in response.json()["message"]
    page = client.post(reverse("support:conversation_new"), {"participants": [target.pk], "body": "越级"})
    assert page.status_code == 200 and "不能向这些用户发消息" in page.content.decode()
    assert fingerprint() == before


def test_one_to_one_is_one_conversation_per_pair_and_a_county_group_holds_its_schools(world):
    first = _direct(world)
    again = services.conversation_start(actor=world.user("tunxi", "registrar"),
                                        participant_ids=[world.user("tunxi_primary", "registrar").pk], body="收到")
    assert again.pk == first.pk and first.kind == ConversationKind.DIRECT
    assert Message.objects.filter(conversation=first).count() == 2
    county = world.user("tunxi", "registrar")
    group = services.conversation_start(actor=county, title="屯溪区学籍群", participant_ids=[
        world.user("tunxi_primary", "registrar").pk, world.user("tunxi_middle", "registrar").pk])
    assert group.kind == ConversationKind.GROUP and group.participants.count() == 3
    # A school cannot open a group with a sibling school, even beside its county.
    with pytest.raises(ValidationFailed) as refused:
        services.conversation_start(actor=world.user("tunxi_primary", "registrar"), title="x", participant_ids=[
            county.pk, world.user("tunxi_middle", "registrar").pk])
    assert refused.value.details == {"outside": [world.user("tunxi_middle", "registrar").pk]}


def test_a_send_after_a_participant_moved_away_is_refused(world):
    conversation = _direct(world)
    county = world.user("tunxi", "registrar")
    county.org_unit = world.units["shexian"]
    county.save(update_fields=["org_unit"])
    count = Message.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.message_send(actor=world.user("tunxi_primary", "registrar"), conversation=conversation, body="在吗")
    assert refused.value.code == "message_not_allowed" and Message.objects.count() == count


def test_empty_and_too_long_messages_are_refused_with_their_reason(world):
    conversation = _direct(world)
    user = world.user("tunxi_primary", "registrar")
    with pytest.raises(ValidationFailed) as empty:
        services.message_send(actor=user, conversation=conversation, body="  ")
    with pytest.raises(ValidationFailed) as long:
        services.message_send(actor=user, conversation=conversation, body="长" * 5001)
    assert (empty.value.code, long.value.code) == ("message_empty", "message_too_long")
    assert "5001" in str(long.value.words)


# ---------------------------------------------------------------- unread counts


def test_unread_counts_per_conversation_and_in_total_in_one_query(world, client, django_assert_num_queries):
    school, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    direct = _direct(world, a=("tunxi", "registrar"), b=("tunxi_primary", "registrar"), body="一")
    for text in ("二", "三"):
        services.message_send(actor=county, conversation=direct, body=text)
    group = services.conversation_start(actor=county, title="群", participant_ids=[school.pk], body="群一")
    services.message_send(actor=school, conversation=group, body="我自己的")  # one's own: not unread
    with django_assert_num_queries(1):
        assert selectors.unread_messages(user=school) == 3  # the group's message came before the school's own
    assert selectors.unread_messages(user=county) == 1
    unread = {c.pk: c.unread for c in selectors.conversation_list(user=school)}
    assert unread == {direct.pk: 3, group.pk: 0}  # the school's own message marked the group read
    client.force_login(school)
    api = client.get(reverse("api:support-conversation-list")).json()
    assert api["unread_total"] == 3 and {c["id"]: c["unread"] for c in api["results"]} == unread
    page = client.get(reverse("support:conversation_list")).content.decode()
    assert 'data-testid="unread-total"' in page and 'data-unread="3"' in page
    assert client.get(reverse("api:support-conversation-list"), {"unread": "1"}).json()["count"] == 1
    client.get(reverse("support:conversation_detail", args=[direct.pk]))  # opening it reads it
    assert selectors.unread_messages(user=school) == 0
    services.message_send(actor=county, conversation=direct, body="四")
    response = client.post(reverse("api:support-conversation-read", args=[direct.pk]), {},
                           content_type="application/json")
    assert response.json() == {"last_read": Conversation.objects.get(pk=direct.pk).last_message_id,
                               "unread_total": 0}


# ---------------------------------------------------------------- the poll


def test_the_poll_returns_only_what_is_after_the_cursor_and_an_idle_poll_is_one_query(world, client):
    school, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    conversation = _direct(world)
    cursor = Conversation.objects.get(pk=conversation.pk).last_message_id
    client.force_login(county)
    page = client.get(reverse("support:conversation_detail", args=[conversation.pk])).content.decode()
    assert 'hx-trigger="load, every 2s' in page and f"after={cursor}" in page and "不支持语音和视频通话" in page
    poll = reverse("support:conversation_poll", args=[conversation.pk])
    token = re.search(r"&amp;t=([^\"]+)\"", client.get(poll, {"after": cursor}).content.decode()).group(1)
    with CaptureQueriesContext(connection) as idle:
        response = client.get(poll, {"after": cursor, "t": urllib.parse.unquote(token)})
    assert response.status_code == 204 and response.content == b""
    assert len(_support_queries(idle.captured_queries)) == 1, _support_queries(idle.captured_queries)
    assert len(idle.captured_queries) == 1  # the lean path: no session or user load (test_lean_poll.py)
    first = services.message_send(actor=school, conversation=conversation, body="新消息一")
    second = services.message_send(actor=school, conversation=conversation, body="新消息二")
    response = client.get(poll, {"after": cursor}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "新消息一" in body and "新消息二" in body and "你好" not in body
    assert f'data-cursor="{second.pk}"' in body and 'hx-swap-oob="beforeend:#message-list"' in body
    # A client back after a lost connection polls from its own cursor and gets everything it missed, once.
    again = client.get(poll, {"after": first.pk}).content.decode()
    assert "新消息二" in again and "新消息一" not in again
    assert selectors.unread_messages(user=county) == 0  # shown on the open page: read


def test_the_api_poll_answers_304_to_its_etag_after_one_query(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi", "registrar"))
    url = reverse("api:support-conversation-messages", args=[conversation.pk])
    full = client.get(url, {"after": 0})
    assert [m["body"] for m in full.json()["results"]] == ["你好"]
    newest = full.json()["newest"]
    first = client.get(url, {"after": newest})
    assert first.status_code == 200 and first.json()["results"] == []
    with CaptureQueriesContext(connection) as idle:
        response = client.get(url, {"after": newest}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert len(_support_queries(idle.captured_queries)) == 1
    services.message_send(actor=world.user("tunxi_primary", "registrar"), conversation=conversation, body="再来")
    fresh = client.get(url, {"after": newest}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and [m["body"] for m in fresh.json()["results"]] == ["再来"]


def test_a_poll_does_not_push_the_idle_timeout(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi", "registrar"))
    client.get(reverse("support:conversation_detail", args=[conversation.pk]))
    touched = client.session[TOUCHED_KEY]
    with clock.shifted(dt.timedelta(minutes=5)):
        client.get(reverse("support:conversation_poll", args=[conversation.pk]), {"after": 0})
        client.get(reverse("support:conversation_people", args=[conversation.pk]))
        assert client.session[TOUCHED_KEY] == touched
        client.get(reverse("support:conversation_list"))
        assert client.session[TOUCHED_KEY] > touched


# ---------------------------------------------------------------- sending, files, retries


def test_a_file_is_sent_downloaded_by_the_participants_and_both_are_audited(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi_primary", "registrar"))
    response = client.post(reverse("api:support-conversation-messages", args=[conversation.pk]),
                           {"body": "附件", "files": [_file("名单.pdf", PDF, "application/pdf")]})
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(message_id=response.json()["id"])
    assert attachment.content_type == "application/pdf"
    assert AuditEvent.objects.filter(action="support.message_send", object_id=str(response.json()["id"])).exists()
    client.force_login(world.user("tunxi", "registrar"))
    download = client.get(reverse("support:message_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")  # never shown inline
    assert b"".join(download.streaming_content) == PDF
    api = client.get(reverse("api:support-message-file", args=[attachment.pk]))
    assert api.status_code == 200
    downloads = AuditEvent.objects.filter(action="support.attachment_download", actor_username="tunxi_registrar")
    assert downloads.count() == 2
    client.force_login(world.user("tunxi", "leader"))  # in the county, not in the conversation
    assert client.get(reverse("support:message_attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("api:support-message-file", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize("upload, code", [
    (lambda: _file("big.png", PNG + b"0" * 2000), "file_too_large"),
    (lambda: _file("tool.png", b"MZ\x90\x00" + b"0" * 40), "unsupported_type"),
    (lambda: _file("scan.png", PDF), "type_mismatch"),
])
def test_a_file_too_large_or_of_the_wrong_type_is_refused_with_its_reason_and_nothing_is_kept(world, client, upload,
                                                                                             code, tmp_path):
    PolicySetting.objects.create(province_code="340000", key="proof.max_bytes", value=1024)
    conversation = _direct(world)
    client.force_login(world.user("tunxi_primary", "registrar"))
    before = fingerprint()
    # With a good file beside it: the whole message is refused, neither file is stored.
    response = client.post(reverse("api:support-conversation-messages", args=[conversation.pk]),
                           {"body": "附件", "files": [_file("ok.png"), upload()]})
    assert response.status_code == 400 and response.json()["code"] == code, response.content
    if code == "file_too_large":
        assert "big.png" in response.json()["message"] and "1.0\xa0KB" in response.json()["message"]
    assert fingerprint() == before
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    page = client.post(reverse("support:conversation_send", args=[conversation.pk]),
                       {"body": "保留的文字", "files": [upload()], "client_key": "k1"}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="send-errors"' in text and "保留的文字" in text
    assert 'value="k1"' in text  # the same key: sent again, it is stored once
    assert fingerprint() == before


def test_a_send_retried_after_a_lost_answer_is_stored_once(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi_primary", "registrar"))
    url = reverse("support:conversation_send", args=[conversation.pk])
    first = client.post(url, {"body": "只存一次", "client_key": "abc123"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and first["HX-Trigger"] == "messages-sent"
    assert 'value="abc123"' not in first.content.decode()  # a fresh key for the next message
    client.post(url, {"body": "只存一次", "client_key": "abc123"}, HTTP_HX_REQUEST="true")
    api = client.post(reverse("api:support-conversation-messages", args=[conversation.pk]),
                      {"body": "只存一次", "client_key": "abc123"}, content_type="application/json")
    assert api.status_code == 201
    assert Message.objects.filter(body="只存一次").count() == 1


def test_a_page_without_htmx_sends_and_comes_back(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi", "registrar"))
    response = client.post(reverse("support:conversation_send", args=[conversation.pk]), {"body": "普通表单"})
    assert response.status_code == 302 and Message.objects.filter(body="普通表单").exists()
    response = client.post(reverse("support:conversation_new"), {"participants": [
        world.user("tunxi_middle", "registrar").pk, world.user("tunxi_primary", "registrar").pk], "title": "两校",
        "body": "开会"})
    assert response.status_code == 302
    group = Conversation.objects.get(title="两校")
    assert response["Location"] == reverse("support:conversation_detail", args=[group.pk])


# ---------------------------------------------------------------- who sees a conversation


def test_someone_outside_a_conversation_gets_404_and_learns_nothing(world, client):
    conversation = services.conversation_start(actor=world.user("tunxi_primary", "registrar"), body="校内",
                                               participant_ids=[world.user("tunxi_primary", "leader").pk])
    with pytest.raises(NotFound):
        selectors.conversation_get(user=world.user("tunxi", "registrar"), pk=conversation.pk)
    client.force_login(world.user("tunxi", "registrar"))  # the school's county: in jurisdiction, not in it
    missing = Conversation.objects.order_by("-pk").first().pk + 100
    before = fingerprint()
    for pk in (conversation.pk, missing):
        for name in ("support:conversation_detail", "support:conversation_poll", "support:conversation_people"):
            assert client.get(reverse(name, args=[pk])).status_code == 404, name
        assert client.post(reverse("support:conversation_send", args=[pk]), {"body": "x"}).status_code == 404
        for name in ("api:support-conversation-detail", "api:support-conversation-messages"):
            answer = client.get(reverse(name, args=[pk]))
            assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert client.post(reverse("api:support-conversation-read", args=[pk]), {}).status_code == 404
    assert fingerprint() == before
    assert "校内" not in client.get(reverse("support:conversation_list")).content.decode()
    assert client.get(reverse("api:support-conversation-list")).json()["count"] == 0


# ---------------------------------------------------------------- presence, pages


@override_settings(XUEJI_SUPPORT_PRESENCE=True)
def test_presence_shows_who_is_online_and_a_county_leader_is_not_support_staff(world, client):
    conversation = _direct(world)
    client.force_login(world.user("tunxi_primary", "registrar"))
    client.get(reverse("support:conversation_list"))
    assert Presence.objects.get(user=world.user("tunxi_primary", "registrar")).staff is False
    client.force_login(world.user("tunxi", "leader"))
    client.get(reverse("support:conversation_list"))
    assert not services.online_at(world.units["tunxi"])  # a leader messages, but answers no support questions
    people = {p.user.username: p.online for p in selectors.participants(conversation=conversation)}
    assert people == {"tunxi_primary_registrar": True, "tunxi_registrar": False}
    client.force_login(world.user("tunxi", "registrar"))
    client.get(reverse("support:conversation_list"))
    assert services.online_at(world.units["tunxi"])
    api = client.get(reverse("api:support-conversation-detail", args=[conversation.pk])).json()
    assert {p["username"]: p["online"] for p in api["participants"]} == {"tunxi_primary_registrar": True,
                                                                         "tunxi_registrar": True}
    with clock.shifted(dt.timedelta(minutes=10)):  # nobody's request for ten minutes
        api = client.get(reverse("api:support-conversation-detail", args=[conversation.pk])).json()
    assert not any(p["online"] for p in api["participants"])


def test_the_messaging_pages_stay_within_their_query_budgets(world, client, django_assert_max_num_queries):
    county = world.user("tunxi", "registrar")
    schools = [world.user("tunxi_primary", role).pk for role in ("registrar", "leader", "sysadmin")]
    conversations = [services.conversation_start(actor=county, participant_ids=[pk], body="一") for pk in schools]
    conversations.append(services.conversation_start(actor=county, title="群", participant_ids=schools, body="群"))
    for n in range(30):
        services.message_send(actor=county, conversation=conversations[-1], body=f"消息{n}",
                              uploads=[_file()] if n % 10 == 0 else ())
    client.force_login(county)
    urls = [reverse("support:conversation_list"), reverse("support:conversation_detail", args=[conversations[-1].pk]),
            reverse("support:conversation_new"), reverse("api:support-conversation-list"),
            reverse("api:support-conversation-messages", args=[conversations[-1].pk])]
    for url in urls:
        assert client.get(url).status_code == 200, url
        with django_assert_max_num_queries(16, info=url):
            assert client.get(url).status_code == 200
    page = client.get(reverse("support:conversation_list")).content.decode()
    assert page.count("data-conversation=") == 4
    detail = client.get(reverse("support:conversation_detail", args=[conversations[-1].pk])).content.decode()
    assert detail.count("data-message=") == 31 and detail.count('data-person="') == 4
