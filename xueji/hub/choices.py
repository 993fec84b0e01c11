"""The states of the messages between provinces: an outbox row is pending until the transport handed it to the
receiver (sent); an inbox row is received, held while its predecessor (the same sender and subject, the seq before)
is not yet applied or refused, then applied or refused by its kind's handler."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")


class InboxState(models.TextChoices):
    RECEIVED = "received", _("Received, to be processed")
    HELD = "held", _("Held: waits for an earlier message")
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


# A message whose predecessor is in one of these states may be processed: a refusal is an answer too.
DONE = (InboxState.APPLIED, InboxState.REFUSED)
OPEN = (InboxState.RECEIVED, InboxState.HELD)
