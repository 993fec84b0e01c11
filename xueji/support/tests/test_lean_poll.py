"""The lean poll (xueji/support/polling.py, issue 12 item 2): an idle poll with its page's token is a 204 after one
query and none of the stack; news, a missing or expired token, a revoked session, a deactivated account, a rotated
stamp or a foreign token all go to the full path, which applies every rule."""

import datetime as dt
import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueji.core import clock
from xueji.support import polling, services

TOKEN_URL = re.compile(r'hx-get="([^"]+)"')


@pytest.fixture(autouse=True)
def _clear():
    yield
    cache.clear()


@pytest.fixture
def chat(world, client):
    school, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    conversation = services.conversation_start(actor=school, participant_ids=[county.pk], body="你好")
    client.force_login(county)
    page = client.get(reverse("support:conversation_detail", args=[conversation.pk])).content.decode()
    url = html.unescape(TOKEN_URL.search(page[page.index('id="poller"'):]).group(1))
    assert "&t=" in url
    return school, county, conversation, url


def test_an_idle_poll_with_its_token_is_one_query_and_no_session_or_user_load(chat, client):
    _school, _county, _conversation, url = chat
    with CaptureQueriesContext(connection) as idle:
        response = client.get(url)
    assert response.status_code == 204 and response.content == b""
    assert len(idle.captured_queries) == 1, [q["sql"] for q in idle.captured_queries]
    assert "support_participant" in idle.captured_queries[0]["sql"]


def test_news_goes_to_the_full_path_and_comes_back_with_a_fresh_poller(chat, client):
    school, _county, conversation, url = chat
    services.message_send(actor=school, conversation=conversation, body="新消息")
    response = client.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "新消息" in body
    again = html.unescape(TOKEN_URL.search(body).group(1))
    assert client.get(again).status_code == 204


def test_a_missing_or_expired_token_gets_a_new_poller_from_the_full_path(chat, client):
    _school, _county, conversation, url = chat
    bare = reverse("support:conversation_poll", args=[conversation.pk]) + url[url.index("?"):url.index("&t=")]
    fresh = client.get(bare)
    assert fresh.status_code == 200 and "&amp;t=" in fresh.content.decode()
    with clock.shifted(dt.timedelta(seconds=polling.TOKEN_SECONDS + 1)):
        with CaptureQueriesContext(connection) as expired:
            response = client.get(url)
        assert response.status_code == 200 and "&amp;t=" in response.content.decode()
        assert len(expired.captured_queries) > 1  # the full path: session, user...


def test_a_logged_out_session_a_deactivated_account_or_a_new_stamp_gets_nothing(chat, client, world):
    _school, county, _conversation, url = chat
    county.rotate_security_stamp()
    county.save(update_fields=["security_stamp"])
    assert client.get(url).status_code == 302  # the full path: the session's hash no longer matches, to sign-in
    client.force_login(county)
    county.is_active = False
    county.save(update_fields=["is_active"])
    assert client.get(url).status_code == 302
    client.logout()
    assert client.get(url).status_code == 302


def test_a_token_used_by_another_session_or_for_another_conversation_gets_nothing(chat, client, world):
    school, _county, conversation, url = chat
    client.force_login(world.user("huangshan", "registrar"))  # not in the conversation: another session
    assert client.get(url).status_code == 404
    client.force_login(school)  # in it, with another session: the token is not this session's
    response = client.get(url)
    assert response.status_code == 200 and "&amp;t=" in response.content.decode()
    other = services.conversation_start(actor=school, participant_ids=[world.user("tunxi", "registrar").pk],
                                        title="另一个", body="x")
    assert other.pk != conversation.pk
    moved = url.replace(f"/messages/{conversation.pk}/", f"/messages/{other.pk}/")
    assert client.get(moved).status_code == 200  # the token is not for that conversation: the full path


def test_other_paths_and_methods_go_to_django(chat, client):
    _school, _county, _conversation, url = chat
    assert client.get(url.replace("/poll/", "/nopoll/poll/")).status_code == 404
    assert client.post(url).status_code == 405
