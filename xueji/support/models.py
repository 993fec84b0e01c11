"""服务支持: consultation and tickets that escalate up the org tree (school → county → city → province →
ministry), the FAQ made from solved tickets, the support staff's presence, and announcements (公告) with their
audience and read receipts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.core.models import ClockDateTimeField
from xueji.support.choices import (
    AnnouncementStatus,
    Category,
    ConversationKind,
    EventKind,
    MemberEvent,
    Outcome,
    TicketStatus,
)
from xueji.support.platform_models import AccountReport, AccountReportStatus  # noqa: F401 (平台账号)


class Presence(models.Model):
    """When a support person last made a request (at most one write a minute per user: `presence_touch`). "Online"
    is a recent one; the org unit is kept beside it so the question "is anyone of this level online" is one indexed
    query."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="support_presence")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.CASCADE, related_name="+")
    last_seen = models.DateTimeField()
    # Whether the user is support staff of their level (a live question goes to them); every messaging user's
    # presence is kept too (online/offline beside a conversation's participants).
    staff = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["org_unit", "last_seen"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_seen:%Y-%m-%d %H:%M}"


class Conversation(models.Model):
    """即时通讯: a conversation, one-to-one (`pair`: the two users' ids, one conversation per pair) or a group with a
    title. Who may be in it is the service's one rule (users of one unit and of the units directly above and below
    it). `last_message_id` is the newest message's id, written with it: the idle poll reads it and nothing else."""

    kind = models.CharField(_("kind"), max_length=8, choices=ConversationKind.choices)
    title = models.CharField(_("title"), max_length=100, blank=True)
    pair = models.CharField(max_length=41, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    last_message_id = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class Participant(models.Model):
    """A user in a conversation; `last_read_id`: the newest message id they have seen (the unread ones are the
    messages after it, by the index on (conversation, id))."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    # The messages after this id are the participant's: a member added to a group later reads from the moment
    # of joining, not what was said before (0: the conversation's own participants read all of it).
    since_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="support_participant_once")]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    """One message, written in one transaction before the answer (nothing is lost when the client goes away);
    `client_key`: the sending page's key for this message, so a send retried after a lost answer is stored once."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField()
    client_key = models.CharField(max_length=64, blank=True)
    # A change of the group's members (by `sender`, of the members named in `body` at that moment), shown as a
    # line of the conversation; blank for a message.
    event = models.CharField(_("member change"), max_length=8, choices=MemberEvent.choices, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="support_message_cursor")]
        constraints = [models.UniqueConstraint(fields=["sender", "client_key"], condition=~models.Q(client_key=""),
                                               name="support_message_key_once")]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.pk}"


class Ticket(models.Model):
    """A question, as a live conversation or a ticket from the problem-record template (问题记录单). It sits at one
    support level (`level_org`: the authority above the asker's unit at first) until it is taken there, or moves up
    with its history when its response time (`due_at`) is over or its staff pass it up."""

    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_tickets")
    asker_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    level_org = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("support level"))
    status = models.CharField(_("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    category = models.CharField(_("problem category"), max_length=16, choices=Category.choices,
                                default=Category.OTHER)
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    steps = models.TextField(_("steps to reproduce"), blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    # What the question is about, linked only if the asker could see it when asking.
    student = models.ForeignKey("registry.Student", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    request = models.ForeignKey("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    solved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    arrived_at = models.DateTimeField(_("at this level since"))
    due_at = models.DateTimeField(_("to be taken by"), null=True, blank=True)
    # The moment of the escalation run that last moved it up (the history rows of that run are written from it).
    escalated_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = ClockDateTimeField(_("asked"), auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("support ticket")
        indexes = [models.Index(fields=["level_org", "status"]), models.Index(fields=["asker_org", "status"]),
                   models.Index(fields=["status", "due_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1,
                                                                                                   rating__lte=5),
                                              name="support_ticket_rating_1_5")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class TicketLevel(models.Model):
    """A ticket's stay at one support level: when it arrived, was taken (response time), solved (solve time), and
    how it left."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="levels")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["arrived_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.org_unit_id}"

    @property
    def response_time(self):
        return self.taken_at - self.arrived_at if self.taken_at else None

    @property
    def solve_time(self):
        return self.solved_at - self.arrived_at if self.solved_at else None


class TicketEvent(models.Model):
    """One entry of a ticket's thread and history (messages, answers, taking, escalation...)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")  # the level then
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Attachment(models.Model):
    """A screenshot or file of a ticket (its asking or one of its messages), of an announcement or of a conversation's
    message; checked as the workflow's proofs are (type by content, size from policy), stored under a generated
    name."""

    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="attachments")
    announcement = models.ForeignKey("Announcement", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class FaqEntry(models.Model):
    """A solved ticket published by its solver as a question and answer, edited free of personal data. Seen by the
    users of the publishing unit and every unit below it."""

    ticket = models.OneToOneField(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="faq")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("problem category"), max_length=16, choices=Category.choices)
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("FAQ entry")

    def __str__(self) -> str:
        return self.question


class Announcement(models.Model):
    """公告: published by a level to chosen regions below it (`targets`), roles and school stages (empty: all)."""

    jurisdiction_path = "org_unit__path"

    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("publishing unit"))
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    pinned = models.BooleanField(_("pinned"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # ",registrar,leader," and ",1,2,": searched with a plain contains on SQLite and PostgreSQL alike.
    roles = models.CharField(_("roles"), max_length=100, blank=True)
    stages = models.CharField(_("school stages"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AnnouncementStatus.choices)
    request = models.ForeignKey("workflow.Request", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pinned", "-published_at", "-id"]
        verbose_name = _("announcement")

    def __str__(self) -> str:
        return self.title

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]

    @property
    def stage_list(self) -> list[str]:
        return [s for s in self.stages.split(",") if s]


class AnnouncementTarget(models.Model):
    """A region (an org unit below the publisher: an authority's whole area, or one school) an announcement goes to."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="targets")
    org_unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "org_unit"], name="support_target_once")]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.org_unit_id}"


class AnnouncementRead(models.Model):
    """A read receipt: the user opened the announcement."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="support_read_once")]

    def __str__(self) -> str:
        return f"{self.announcement_id} read by {self.user_id}"
