"""The support app's labels: ticket statuses, problem categories, event kinds, announcement statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    LIVE = "live", _("Live conversation")  # a support person of the level was online when it was asked
    OPEN = "open", _("Waiting to be taken")
    TAKEN = "taken", _("In hand")
    ASKED_BACK = "asked_back", _("Asked back")  # waiting for the asker
    SOLVED = "solved", _("Solved")  # waiting for the asker's confirmation
    CONFIRMED = "confirmed", _("Confirmed")  # closed: the asker confirmed and rated


# Not yet taken by anyone at the level: the escalation job moves these up when their response time is over.
WAITING = (TicketStatus.LIVE, TicketStatus.OPEN)
# Still to be finished at the level (the staff's queue).
ACTIVE = (TicketStatus.LIVE, TicketStatus.OPEN, TicketStatus.TAKEN, TicketStatus.ASKED_BACK)
CLOSED = (TicketStatus.CONFIRMED,)


class ConversationKind(models.TextChoices):
    DIRECT = "direct", _("One-to-one")
    GROUP = "group", _("Group")


class MemberEvent(models.TextChoices):
    """A change of a group's members, written into the conversation as a line of its own."""

    ADDED = "added", _("added to the group")
    REMOVED = "removed", _("removed from the group")
    LEFT = "left", _("left the group")


class Category(models.TextChoices):
    """The problem record template's categories (问题记录单: 问题类别)."""

    ACCOUNT = "account", _("Account and sign-in")
    REGISTRATION = "registration", _("Registration")
    CHANGE = "change", _("Record change or status change")
    TRANSFER = "transfer", _("Transfer")
    PROBLEM = "problem", _("Problem record or duplicate")
    DATA = "data", _("Import, export and data")
    SYSTEM = "system", _("System fault")
    OTHER = "other", _("Other")


class EventKind(models.TextChoices):
    ASKED = "asked", _("Asked")
    MESSAGE = "message", _("Message")  # the asker writes (a reply to a question back, or in a live conversation)
    TAKEN = "taken", _("Taken")
    ANSWER = "answer", _("Answer")
    ASK_BACK = "ask_back", _("Question back")
    SOLVED = "solved", _("Solved")
    ESCALATED = "escalated", _("Escalated (response time over)")
    PASSED_UP = "passed_up", _("Passed up")
    REOPENED = "reopened", _("Not solved: reopened")
    CONFIRMED = "confirmed", _("Confirmed and rated")


class Outcome(models.TextChoices):
    """How a ticket left a level (or ended there)."""

    ESCALATED = "escalated", _("Escalated")
    PASSED_UP = "passed_up", _("Passed up")
    SOLVED = "solved", _("Solved")


class AnnouncementStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


ANNOUNCEMENT_TYPE = "support.announcement"
