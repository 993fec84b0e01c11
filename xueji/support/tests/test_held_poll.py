"""Held conversation polls (xueji/support/notify.py, issue 12 "Speed and reliability"): on a threaded server with
PostgreSQL an idle poll waits for its conversation's next message instead of being asked again every 2 s. A new
message wakes it and the full path delivers it; a poll for a conversation its user is not in is never held; a client
that comes back with an old cursor, or a listener that lost its connection, loses nothing. On SQLite a poll is
answered at once, as before."""

import html
import re
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from xueji.support import notify, polling, services
from xueji.support.models import Message

TOKEN_URL = re.compile(r'hx-get="([^"]+)"')
DATA = re.compile(r'data-message="(\d+)"')


def _poller_url(body: str) -> str:
    return html.unescape(TOKEN_URL.search(body[body.index('id="poller"'):]).group(1))


def _page(client, conversation) -> str:
    page = client.get(reverse("support:conversation_detail", args=[conversation.pk])).content.decode()
    url = _poller_url(page)
    assert "&t=" in url
    return url


class Poll(threading.Thread):
    """One poll as gunicorn's threaded worker hands it to config.wsgi (support.polling.wsgi_idle), on a thread of its
    own (its own database connection, closed at the end). `answer`: the 204's headers, or None (the full path)."""

    def __init__(self, url: str, cookie: str) -> None:
        super().__init__(daemon=True)
        path, _sep, query = url.partition("?")
        self.environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "HTTP_COOKIE": cookie,
                        "wsgi.url_scheme": "http", "wsgi.multithread": True}
        self.answer = "not answered"

    def run(self) -> None:
        try:
            self.answer = polling.wsgi_idle(self.environ)
        finally:
            connection.close()

    def answered(self, timeout: float = 30):
        self.join(timeout)
        assert not self.is_alive(), "the poll is still held"
        return self.answer


def _cookie(client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _held(poll: Poll) -> None:
    """Wait until the poll is held (its thread waits on the listener)."""
    poll.start()
    listener = notify.listener()
    for _ in range(3000):  # up to 30 s on a busy machine
        with listener._lock:
            if listener._waiters:
                return
        poll.join(0.01)
        assert poll.is_alive(), f"answered at once: {poll.answer!r}"
    raise AssertionError("the poll was never held")


@pytest.fixture
def chat(world, client):
    school, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    conversation = services.conversation_start(actor=school, participant_ids=[county.pk], body="你好")
    client.force_login(county)
    return school, county, conversation, _page(client, conversation)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestOnPostgres:
    @pytest.fixture(autouse=True)
    def _listening(self):
        if connection.vendor != "postgresql":
            pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
        notify.reset()
        assert notify.listener().ready(10)
        with override_settings(XUEJI_SUPPORT_HOLD_SECONDS=60):
            yield
        notify.reset()
        for _ in range(100):  # its connection gone before the next test (and the test database's end)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                               "AND datname = current_database()", [notify.APPLICATION_NAME])
                if not cursor.fetchone()[0]:
                    break
            time.sleep(0.1)

    def test_a_held_poll_wakes_on_a_new_message_and_the_full_path_delivers_it(self, chat, client):
        school, _county, conversation, url = chat
        poll = Poll(url, _cookie(client))
        _held(poll)
        sent = services.message_send(actor=school, conversation=conversation, body="新消息")
        assert poll.answered() is None  # woken well before its 60 s: handed to Django, which reads the database
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and DATA.findall(response.content.decode()) == [str(sent.pk)]
        assert "新消息" in response.content.decode()

    def test_a_message_of_another_conversation_does_not_wake_it_and_nothing_new_is_a_204(self, chat, client, world):
        school, _county, _conversation, url = chat
        other = services.conversation_start(actor=school, participant_ids=[world.user("tunxi", "registrar").pk],
                                            title="另一个", body="x")
        with override_settings(XUEJI_SUPPORT_HOLD_SECONDS=2):
            poll = Poll(url, _cookie(client))
            _held(poll)
            services.message_send(actor=school, conversation=other, body="别处的消息")
            headers = poll.answered()
        assert headers is not None and dict(headers)["Cache-Control"] == "no-store"  # the 204, at the hold's end

    def test_a_poll_for_a_conversation_its_user_is_not_in_is_refused_and_never_held(self, chat, client, world):
        school, county, conversation, url = chat
        outsider = world.user("huangshan", "registrar")
        client.force_login(outsider)  # the county's token in the outsider's session
        poll = Poll(url, _cookie(client))
        poll.start()
        assert poll.answered() is None  # at once, to the full path
        assert client.get(url).status_code == 404
        mine = services.conversation_start(actor=outsider, participant_ids=[world.user("shexian", "registrar").pk],
                                           body="x")
        forged = url.replace(f"/messages/{conversation.pk}/", f"/messages/{mine.pk}/")
        client.force_login(county)  # the county's own session, another conversation's path
        poll = Poll(forged, _cookie(client))
        poll.start()
        assert poll.answered() is None
        assert client.get(forged).status_code == 404
        services.message_send(actor=school, conversation=conversation, body="给县里")
        assert Message.objects.filter(conversation=mine).count() == 1  # nothing of the other conversation leaked

    def test_a_client_back_from_an_old_cursor_gets_every_message_once(self, chat, client):
        school, _county, conversation, url = chat
        sent = [services.message_send(actor=school, conversation=conversation, body=f"离线时的消息{n}").pk
                for n in range(3)]  # while the county's page was away
        poll = Poll(url, _cookie(client))
        poll.start()
        assert poll.answered() is None  # news at once: not held
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert DATA.findall(response.content.decode()) == [str(pk) for pk in sent]
        again = _poller_url(response.content.decode())
        assert f"after={sent[-1]}" in again
        with override_settings(XUEJI_SUPPORT_HOLD_SECONDS=1):
            poll = Poll(again, _cookie(client))
            _held(poll)
            assert poll.answered() is not None  # from the new cursor: nothing new, nothing twice

    def test_a_listener_that_loses_its_connection_hands_the_held_polls_to_the_database(self, chat, client):
        school, _county, conversation, url = chat
        poll = Poll(url, _cookie(client))
        _held(poll)
        before = notify.listener().generation()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s "
                           "AND datname = current_database()", [notify.APPLICATION_NAME])
        assert poll.answered() is None  # what was announced meanwhile is unknown: the full path
        sent = services.message_send(actor=school, conversation=conversation, body="断线时的消息")  # perhaps unheard
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert DATA.findall(response.content.decode()) == [str(sent.pk)]
        for _ in range(300):  # and it listens again, on a new connection
            if notify.listener().generation() not in (None, before):
                break
            time.sleep(0.1)
        assert notify.listener().generation() not in (None, before)


def test_on_sqlite_a_poll_is_answered_at_once(chat, client):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback of a database without LISTEN")
    _school, _county, _conversation, url = chat
    assert notify.listener() is None
    path, _sep, query = url.partition("?")
    connection.close_at = None  # as production's persistent connection (the test's own, in its transaction)
    headers = polling.wsgi_idle({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                                 "HTTP_COOKIE": _cookie(client), "wsgi.url_scheme": "http",
                                 "wsgi.multithread": True})
    assert headers is not None  # the 204 of today's poll, not held
