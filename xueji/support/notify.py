"""Held conversation polls (issue 12, "Speed and reliability"): a new message wakes the polls waiting on its
conversation, so an open conversation page costs one request in XUEJI_SUPPORT_HOLD_SECONDS instead of one every 2 s.

Sending: `announce` (called by services._append, inside the message's transaction) issues a PostgreSQL NOTIFY on
CHANNEL with "<conversation>:<message id>"; PostgreSQL delivers it when the transaction commits, never for one rolled
back. Nothing on SQLite (development: the page polls every 2 s as before).

Waiting: every server process that holds polls has one `Listener`, a daemon thread with its own connection (not
Django's, not PgBouncer's: LISTEN needs a session of its own, DATABASE_LISTEN_URL) that LISTENs on CHANNEL and keeps
the newest announced id of each conversation in memory. A held poll (support.polling.wsgi_idle) reads the
listener's `generation` before its database check, and `wait`s after it: a message committed after the check's
snapshot is announced to a listener that was already listening, so the poll wakes (or finds it in the map at once);
if the listener lost its connection meanwhile (the generation moved: what was announced in the gap is unknown), the
poll is answered by the full path, which reads the database. Nothing is ever concluded from a missing announcement
but "no news yet"; the client's cursor is the truth and every answer with news comes from the database."""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection, connections

log = logging.getLogger(__name__)

CHANNEL = "xueji_support_message"
APPLICATION_NAME = "xueji-support-listener"  # how its connection shows in pg_stat_activity
KEEPALIVE_SECONDS = 30  # the listener checks its connection this often
WAKE_SECONDS = 1.0  # and looks up from its wait this often (to stop)
RETRY_SECONDS = 2  # after a lost connection
MAP_LIMIT = 200_000  # conversations remembered; past it the map starts again (a new generation)


def announce(*, conversation_id: int, message_id: int) -> None:
    """Tell the held polls of `conversation_id` (on every server) that `message_id` is its newest message, when the
    current transaction commits. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, f"{conversation_id}:{message_id}"])


def _connect_params() -> dict | None:
    """How the listener connects: DATABASE_LISTEN_URL (a direct connection when the application goes through
    PgBouncer, whose transaction mode cannot LISTEN), else the default database's own parameters; None when there
    is no way (not PostgreSQL, or PgBouncer without a direct URL)."""
    listen_url = getattr(settings, "XUEJI_SUPPORT_LISTEN_URL", "")
    if listen_url:
        return {"conninfo": listen_url, "application_name": APPLICATION_NAME}
    database = connections["default"]
    if database.vendor != "postgresql" or getattr(settings, "XUEJI_DATABASE_PGBOUNCER", False):
        return None
    params = database.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(key, None)
    return {**params, "application_name": APPLICATION_NAME}


class Listener:
    """One thread per process: LISTEN on CHANNEL, the newest announced id per conversation, and the waiting polls
    woken on their conversation's announcement (each waits on an Event of its own: a message wakes the polls of its
    conversation, not all)."""

    def __init__(self, params: dict) -> None:
        self._params = params
        self._lock = threading.Lock()
        self._newest: dict[int, int] = {}
        self._waiters: dict[int, set[threading.Event]] = {}
        self._generation = 0
        self._ready = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xueji-support-listener", daemon=True)
        self._thread.start()

    # -- the waiting side

    def generation(self) -> int | None:
        """The listener's current connection (a number that changes at every new one), or None while it has none."""
        with self._lock:
            return self._generation if self._ready else None

    def ready(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the first connection (tests; a server does not wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.generation() is not None:
                return True
            time.sleep(0.01)
        return False

    def wait(self, *, conversation_id: int, after: int, generation: int, timeout: float) -> bool | None:
        """True when a message newer than `after` was announced for the conversation (at once if it already was),
        False when none was within `timeout` seconds, None when the listener's connection is not `generation` any
        more (what was announced meanwhile is unknown: ask the database)."""
        event = threading.Event()
        with self._lock:
            if not self._ready or self._generation != generation:
                return None
            if self._newest.get(conversation_id, 0) > after:
                return True
            self._waiters.setdefault(conversation_id, set()).add(event)
        try:
            event.wait(timeout)
        finally:
            with self._lock:
                waiting = self._waiters.get(conversation_id)
                if waiting is not None:
                    waiting.discard(event)
                    if not waiting:
                        del self._waiters[conversation_id]
        with self._lock:
            if not self._ready or self._generation != generation:
                return None
            return self._newest.get(conversation_id, 0) > after

    # -- the listening side

    def _announced(self, payload: str) -> None:
        conversation, _sep, message = payload.partition(":")
        if not (conversation.isdigit() and message.isdigit()):
            return
        conversation_id, message_id = int(conversation), int(message)
        with self._lock:
            if len(self._newest) >= MAP_LIMIT:
                self._new_generation(ready=True)
            if message_id > self._newest.get(conversation_id, 0):
                self._newest[conversation_id] = message_id
            for event in self._waiters.get(conversation_id, ()):
                event.set()

    def _new_generation(self, *, ready: bool) -> None:
        """(With the lock.) Forget the map and wake every waiting poll: each one asks the database again."""
        self._generation += 1
        self._ready = ready
        self._newest.clear()
        for waiting in self._waiters.values():
            for event in waiting:
                event.set()

    def _run(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(**self._params, autocommit=True) as conn:
                    conn.execute("LISTEN " + CHANNEL)  # a constant identifier
                    with self._lock:
                        self._new_generation(ready=True)
                    checked = time.monotonic()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=WAKE_SECONDS):
                            if note.channel == CHANNEL:
                                self._announced(note.payload)
                        if time.monotonic() - checked >= KEEPALIVE_SECONDS:
                            conn.execute("SELECT 1")  # a connection lost while nothing was announced shows here
                            checked = time.monotonic()
            except Exception:  # noqa: BLE001 - any failure: a new connection, and the waiting polls ask the database
                if not self._stopping.is_set():
                    log.warning("support listener: connection lost; reconnecting", exc_info=True)
            finally:
                with self._lock:
                    self._new_generation(ready=False)
            self._stopping.wait(RETRY_SECONDS)

    def stop(self) -> None:
        """End the thread and its connection (tests)."""
        self._stopping.set()
        self._thread.join(timeout=30)


_listener: Listener | None = None
_listener_pid = 0
_start_lock = threading.Lock()


def listener() -> Listener | None:
    """This process's listener, started on first use (in a gunicorn worker, after the fork); None when polls cannot
    be held here (SQLite, PgBouncer without DATABASE_LISTEN_URL)."""
    global _listener, _listener_pid
    if _listener is not None and _listener_pid == os.getpid():
        return _listener
    with _start_lock:
        if _listener is None or _listener_pid != os.getpid():
            params = _connect_params()
            if params is None:
                return None
            _listener, _listener_pid = Listener(params), os.getpid()
    return _listener


def reset() -> None:
    """Stop this process's listener (tests: a test database that goes away)."""
    global _listener
    with _start_lock:
        if _listener is not None:
            _listener.stop()
        _listener = None
