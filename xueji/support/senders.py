"""Pluggable senders of the platform's messages (the credentials of a bound account): each a class with
`send(*, user, subject, text) -> bool` (False: the user has no address for this channel), named by dotted path in
settings.XUEJI_MESSAGE_SENDERS. The demo and the tests use the console SMS sender and Django's e-mail backend
(console in the demo, locmem in the tests); a deployment names its SMS gateway's class."""

import logging
import sys

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleSmsSender:
    """Prints the SMS to standard output (the demo's and the tests' SMS gateway)."""

    channel = "sms"
    outbox: list[dict] = []  # the last messages sent in this process (the tests read it)
    KEEP = 100

    def send(self, *, user, subject: str, text: str) -> bool:
        if not user.phone:
            return False
        type(self).outbox.append({"to": user.phone, "text": text})
        del type(self).outbox[:-self.KEEP]
        sys.stdout.write(f"[SMS to {user.phone}] {subject}: {text}\n")
        return True


class EmailSender:
    """Sends through Django's e-mail backend (settings.EMAIL_BACKEND)."""

    channel = "email"

    def send(self, *, user, subject: str, text: str) -> bool:
        if not user.email:
            return False
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        return True


def senders() -> list:
    return [import_string(path)() for path in settings.XUEJI_MESSAGE_SENDERS]


def send_all(*, user, subject: str, text: str) -> list[str]:
    """Send through every configured sender; the channels that reached the user. A failing channel is logged and
    skipped (the others still go)."""
    reached = []
    for sender in senders():
        try:
            if sender.send(user=user, subject=subject, text=text):
                reached.append(getattr(sender, "channel", type(sender).__name__))
        except Exception:  # a gateway's failure must not hide the others' delivery
            logger.exception("message sender %s failed", type(sender).__name__)
    return reached
