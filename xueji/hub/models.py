"""Messages between provinces (省际消息): each province's side keeps an outbox of what it sends and an inbox of what
it receives. While both provinces live in one database both boxes are tables here and the transport is an insert
into the receiver's inbox; when the national hub puts each province on its own database, each keeps its own two
tables and only the transport changes (`hub/README.md`).

Two tables, not one with a direction: the two boxes have their own states, timestamps and keys (the outbox's key is
unique among what this side sent, the inbox's among what it received: in one database the same message is a row of
each), and they are the shape each province keeps when they are apart; the transport reads one and writes the
other, and the processing of the inbox never scans what was sent.

Every row belongs to its province's side (`side`: the province authority's org unit, the jurisdiction of the
province's system administrator); the other province is named by its GB/T 2260 code only (`peer`), since on
separate databases it is no org unit here. `seq` numbers the messages of one sender to one receiver about one
subject (a pupil's national number) 1, 2, 3 ...: the inbox applies them in that order."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.fields import SealedJSONField
from xueji.hub.choices import InboxState, OutboxState


class Message(models.Model):
    """What both boxes hold of a message: its envelope (`hub/README.md`) and how handling it went."""

    jurisdiction_path = "side__path"

    key = models.UUIDField(_("key"), unique=True, help_text=_("Globally unique: delivering a message twice is a no-op"))
    side = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("province side"))
    peer = models.CharField(_("peer province"), max_length=6)
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=64)
    seq = models.PositiveIntegerField(_("sequence number"))
    schema = models.PositiveSmallIntegerField(_("schema version"), default=1)
    # The ID numbers and national numbers of the payload (a record sent across: its ID, its guardians' IDs) sealed at
    # rest (core.fields.ID_KEYS); the envelope's MAC covers the values as sent, read back open.
    payload = SealedJSONField(_("payload"), default=dict)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} #{self.seq}"


class OutboxMessage(Message):
    """A message this province sends (发件箱): `side` is the sender, `peer` the receiver."""

    state = models.CharField(_("state"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [models.UniqueConstraint(fields=["side", "peer", "subject", "seq"], name="hub_outbox_seq")]
        indexes = [models.Index(fields=["state", "id"], name="hub_outbox_state")]

    @property
    def sender(self) -> str:
        return self.side.code

    @property
    def receiver(self) -> str:
        return self.peer


class InboxMessage(Message):
    """A message this province received (收件箱): `side` is the receiver, `peer` the sender."""

    state = models.CharField(_("state"), max_length=16, choices=InboxState.choices, default=InboxState.RECEIVED)
    sent_at = models.DateTimeField(_("sent"))  # the sender's, from the envelope
    received_at = models.DateTimeField(_("received"))
    applied_at = models.DateTimeField(_("applied or refused"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        constraints = [models.UniqueConstraint(fields=["side", "peer", "subject", "seq"], name="hub_inbox_seq")]
        indexes = [models.Index(fields=["state", "attempts"], name="hub_inbox_state")]

    @property
    def sender(self) -> str:
        return self.peer

    @property
    def receiver(self) -> str:
        return self.side.code


class SubjectSequence(models.Model):
    """The last seq handed out per (sender, receiver, subject): taken under its row lock by `message_send`, in the
    sender's transaction, so no two messages of one subject get the same number and a rolled-back send leaves no
    gap."""

    sender = models.CharField(max_length=6)
    receiver = models.CharField(max_length=6)
    subject = models.CharField(max_length=64)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sender", "receiver", "subject"], name="hub_sequence_subject")]

    def __str__(self) -> str:
        return f"{self.sender}->{self.receiver} {self.subject}: {self.last}"
