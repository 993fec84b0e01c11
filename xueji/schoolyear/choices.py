"""Codes of the school year's turn (学年): graduates' destinations (去向), promotion states, settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xueji.registry.choices import StudentStatus

GRADUATION_WINDOW = "graduation.graduation"
PROMOTION_WINDOW = "graduation.promotion"
# The moment the province's promotion starts each year (Asia/Shanghai): "MM-DD HH:MM", 24:00 the day's end.
PROMOTION_MOMENT = "schoolyear.promotion_moment"
PROMOTION_MOMENT_DEFAULT = "08-10 24:00"

COMPULSORY = ("1", "2")  # 义务教育: the school graduates its final grade itself, without approval
# Who graduates: a pupil in school (在读, 复学); the transition table lets no other status become 毕业 or 结业.
GRADUATING = (StudentStatus.ENROLLED, StudentStatus.RESUMED)


class Destination(models.TextChoices):
    """去向 of a graduate: where the pupil went after the stage. Unknown is allowed: filled in when the pupil is
    admitted by a school of this database (`destinations_fill`)."""

    UNKNOWN = "00", _("Unknown")
    NEXT_STAGE = "10", _("Admitted to the next stage (升学)")
    VOCATIONAL = "20", _("Vocational school (中职)")
    OTHER_PROVINCE = "30", _("School in another province (外省就学)")
    ABROAD = "40", _("Abroad (出国出境)")
    WORK = "50", _("Employment (就业)")
    OTHER = "90", _("Other (其他)")


class LeaveKind(models.TextChoices):
    """毕业 or 结业: the status the final grade's pupils take."""

    GRADUATED = StudentStatus.GRADUATED.value, _("Graduated (毕业)")
    COMPLETED = StudentStatus.COMPLETED.value, _("Completed (结业)")


class RunStatus(models.TextChoices):
    OPEN = "open", _("Being prepared")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class SchoolState(models.TextChoices):
    PENDING = "pending", _("To be promoted")
    EXCLUDED = "excluded", _("Held back by an authority")
    BLOCKED = "blocked", _("Blocked")
    PROMOTED = "promoted", _("Promoted")
