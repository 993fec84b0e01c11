"""The lean poll (issue 12, item 2): a conversation page polls every 2 s, and an idle poll must cost next to nothing.

The page is issued a poll token with its poller (`issue`): signed (django.core.signing), bound to the user, the
conversation, the session (a keyed hash of its key, never the key) and the account's session auth hash (password
and security stamp: a password change, reset, deactivation or second-factor change rotates it), and expiring after
TOKEN_SECONDS or at the session's absolute end, whichever comes first. `LeanPollMiddleware`
(xueji/support/middleware.py), near the top of the middleware stack, answers a poll that carries a valid token and
has nothing new with an empty 204 after one indexed query (`selectors.poll_newest`: the participant's row, the
conversation's newest id, the account's active flag and stamp, and the session's row unexpired) and without the rest
of the stack (session decoding, user and roles, second factor, CSP, locale, messages, templates). Everything else
goes on to Django as before: a poll with news (the view then applies every rule and renders the messages), a poll
whose token is missing, expired, foreign or revoked (the view authenticates it, and an idle one gets a fresh token
in a new poller), and every other path.

What the lean path can ever say is "nothing newer than your cursor" to the session that was given the token for a
conversation its user is still in: no content, no names. A logged-out session (its row deleted), an idle-expired one
(its row's expiry), a deactivated account or a rotated stamp gets nothing from it at once; a role taken away or the
absolute session end is noticed when the token expires (TOKEN_SECONDS at most).

Served by gunicorn, the same check runs one step earlier: `config.wsgi.application` asks `wsgi_idle` before
Django's handler, so an idle poll skips the request object, the request signals (and with them the connection's
per-request health check, a second round trip) and the middleware too. One rule (`idle`), two callers: the WSGI
entry and the middleware (the test client, ASGI, anything that does not come through config.wsgi).

On a threaded server with PostgreSQL the WSGI entry holds an idle poll instead of answering it (support/notify.py):
after the same check it waits up to XUEJI_SUPPORT_HOLD_SECONDS for an announced message of its conversation, then
hands the poll to Django (which answers with the news from the database), or, with none, answers the 204. The
check is made before the wait, so a poll that fails it is never held; the listener's generation is read before the
check, so a message committed after the check's snapshot is never missed (notify.py)."""

import hmac
import re
import threading
import time
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signing
from django.db import Error as DatabaseError
from django.db import connection
from django.utils.crypto import salted_hmac

SALT = "xueji.support.poll"
TOKEN_SECONDS = 300  # a poller asks the full path for a new token once in this time (200 pollers: 0.7 a second)
PATH = re.compile(r"^/support/messages/(\d+)/poll/$")


def _hash(value: str) -> str:
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:24]


def issue(*, user_id: int, conversation_id: int, session_key: str, auth_hash: str, now: float,
          ends_at: float | None = None) -> str:
    """A poll token for this user, conversation and session, valid TOKEN_SECONDS from `now` (POSIX time) or until
    `ends_at` (the session's absolute end) if sooner."""
    expires = now + TOKEN_SECONDS if ends_at is None else min(now + TOKEN_SECONDS, ends_at)
    return signing.dumps([user_id, conversation_id, _hash(session_key), _hash(auth_hash), int(expires)], salt=SALT,
                         compress=False)


def read(token: str, *, conversation_id: int, session_key: str, now: float) -> tuple[int, str] | None:
    """The token's user id and account hash if it is genuine, unexpired, for this conversation and this session;
    else None."""
    if not token or not session_key or len(token) > 300:
        return None
    try:
        user_id, conversation, session, account, expires = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if conversation != conversation_id or expires <= now or not hmac.compare_digest(session, _hash(session_key)):
        return None
    return user_id, account


def account_matches(account: str, auth_hash: str) -> bool:
    return hmac.compare_digest(account, _hash(auth_hash))


def valid(token: str, *, user, conversation_id: int, session_key: str, now: float) -> bool:
    """The full path's check of a token (the view, with the request's user): genuine, unexpired, this conversation,
    session, user and account hash."""
    found = read(token, conversation_id=conversation_id, session_key=session_key, now=now)
    return found is not None and found[0] == user.pk and account_matches(found[1], user.get_session_auth_hash())


def idle(*, conversation_id: int, after: str, token: str, session_key: str) -> bool:
    """Whether this poll may be answered "nothing new" (204) at once: a genuine token for this session and
    conversation, its account still active, in the conversation and with the same account hash, the session
    unexpired, and no message newer than `after`. One indexed query."""
    from xueji.accounts.models import User
    from xueji.core import clock
    from xueji.support.selectors import poll_newest

    if not after.isdigit() or not token or not session_key or len(session_key) > 64:
        return False
    now = clock.now()
    found = read(token, conversation_id=conversation_id, session_key=session_key, now=now.timestamp())
    if found is None:
        return False
    user_id, account = found
    row = poll_newest(user_id=user_id, pk=conversation_id, session_key=session_key, now=now)
    if row is None:
        return False
    newest, password, stamp = row
    if not account_matches(account, User(password=password, security_stamp=stamp).get_session_auth_hash()):
        return False
    return (newest or 0) <= int(after)


def idle_headers(*, secure: bool) -> list[tuple[str, str]]:
    """The 204's headers: what SecurityMiddleware would add to it (HSTS on HTTPS, nosniff, the referrer and opener
    policies), and no-store."""
    headers = [("Cache-Control", "no-store"), ("Content-Length", "0")]
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers


def _secure(environ) -> bool:
    if environ.get("wsgi.url_scheme") == "https":
        return True
    header = settings.SECURE_PROXY_SSL_HEADER
    return bool(header) and environ.get(header[0]) == header[1]


def _cookie(environ, name: str) -> str:
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip()
    return ""


def wsgi_idle(environ) -> list[tuple[str, str]] | None:
    """At the WSGI entry, before Django: the 204's headers when this request is an idle poll (`idle`), else None
    (Django then serves it as any request, through LeanPollMiddleware again). Never answers what SecurityMiddleware
    would redirect to HTTPS, and never on a connection Django would close first (past its CONN_MAX_AGE; a pooled one
    goes back to the pool after the check); a database error closes the connection and leaves the request to Django,
    which connects again. On a threaded server with a listener (`_holder`) an idle poll is held first: None when a
    message of its conversation is announced meanwhile (or the listener lost its connection), the 204 at the end."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    match = PATH.match(environ.get("PATH_INFO", ""))
    if match is None:
        return None
    secure = _secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    pooled = "pool" in connection.settings_dict.get("OPTIONS", {})
    if not pooled and connection.close_at is not None and time.monotonic() >= connection.close_at:
        return None
    try:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), max_num_fields=8))
    except ValueError:
        return None
    conversation_id, after = int(match.group(1)), query.get("after", "")
    holder = _holder(environ)
    generation = holder.generation() if holder is not None else None
    if generation is not None and not _holds.acquire(blocking=False):
        generation = None  # this process holds as many as it may: answered at once, as on a sync worker
    try:
        try:
            answer = idle(conversation_id=conversation_id, after=after, token=query.get("t", ""),
                          session_key=_cookie(environ, settings.SESSION_COOKIE_NAME))
        except DatabaseError:
            connection.close()
            return None
        finally:
            if pooled or generation is not None:
                connection.close()  # back to the pool (or closed): a held poll keeps no connection while it waits
        if not answer:
            return None
        if generation is not None:
            news = holder.wait(conversation_id=conversation_id, after=int(after), generation=generation,
                               timeout=settings.XUEJI_SUPPORT_HOLD_SECONDS)
            if news is not False:
                return None  # news, or the listener lost its connection meanwhile: the full path reads the database
        return idle_headers(secure=secure)
    finally:
        if generation is not None:
            _holds.release()


def _holder(environ):
    """The listener that may hold this poll (xueji/support/notify.py): on a threaded server (a sync worker would be
    blocked) with holding on and a listener connected; else None (answered at once)."""
    if not environ.get("wsgi.multithread") or settings.XUEJI_SUPPORT_HOLD_SECONDS <= 0:
        return None
    from xueji.support import notify

    return notify.listener()


_holds = threading.BoundedSemaphore(max(1, getattr(settings, "XUEJI_SUPPORT_HOLDS", 48)))
