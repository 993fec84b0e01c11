"""The lean poll (xueji/support/polling.py, issue 12 item 2): an idle poll with its page's token is a 204 after one
query and none of the stack; news, a missing or expired token, a revoked session, a deactivated account, a rotated
stamp or a foreign token all go to the full path, which applies every rule."""

import datetime as dt
import html
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections
from django.test import override_settings
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


def _served(url: str, cookie: str, **extra) -> tuple[str, dict, bytes]:
    """The request as gunicorn hands it to config.wsgi.application."""
    from config.wsgi import application

    path, _, query = url.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "HTTP_COOKIE": cookie,
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", **extra}
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers=dict(headers))

    # As Django's test client does: the request signals must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        getattr(response, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answered["status"], answered["headers"], body


def test_served_by_wsgi_an_idle_poll_is_answered_before_django_and_news_is_not(chat, client, monkeypatch):
    school, _county, conversation, url = chat
    monkeypatch.setattr(connections["default"], "close_at", None)  # persistent, as production's CONN_MAX_AGE
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    started = []

    def count(**_kwargs):
        started.append(1)

    request_started.connect(count)
    try:
        with CaptureQueriesContext(connection) as idle:
            status, headers, body = _served(url, cookie)
        assert status.startswith("204") and body == b"" and not started  # no request object, no signals
        assert len(idle.captured_queries) == 1 and "support_participant" in idle.captured_queries[0]["sql"]
        assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"
        with override_settings(SECURE_SSL_REDIRECT=True):  # plain HTTP where HTTPS is required: left to Django
            _served(url, cookie)                        # (its SecurityMiddleware redirects)
        assert started
        assert _served(url, "")[0].startswith("302")  # no session: Django, to sign in
        monkeypatch.setattr(connections["default"], "close_at", 0.0)  # one Django would close first: left to it
        path, _, query = url.partition("?")
        assert polling.wsgi_idle({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                                  "HTTP_COOKIE": cookie, "wsgi.url_scheme": "http"}) is None
        monkeypatch.setattr(connections["default"], "close_at", None)
        services.message_send(actor=school, conversation=conversation, body="新消息")
        status, _headers, body = _served(url, cookie, HTTP_HX_REQUEST="true")
        assert status.startswith("200") and "新消息" in body.decode()
    finally:
        request_started.disconnect(count)


def test_a_fragment_builds_no_menu(chat, client):
    """The conversation's news is an htmx fragment: the menu and its waiting work (a dozen counts) are lazy, and a
    fragment that shows no menu counts none of them."""
    school, _county, conversation, url = chat
    services.message_send(actor=school, conversation=conversation, body="新消息")
    with CaptureQueriesContext(connection) as news:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    menu_tables = ("workflow_", "registration_problem", "support_announcement", "support_ticket")
    assert not [q["sql"] for q in news.captured_queries if any(table in q["sql"] for table in menu_tables)]
