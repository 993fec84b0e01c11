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
absolute session end is noticed when the token expires (TOKEN_SECONDS at most)."""

import hmac
import re

from django.core import signing
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
