"""Labels and states of the pupil record (学籍): registration, identity check, number kinds, and the JY/T 1001
student status with its transition table (the one door, `registry.services.student_set_status`, reads it)."""

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from xueji.core import codes

# The national table (JY/T 1001 XSDQZT) holds the words in both languages; the choices follow the active language.
_status_label = lazy(codes.STUDENT_STATUS.label, str)


class StudentStatus(models.TextChoices):
    """学生当前状态 (JY/T 1001): what the school's roll says of the pupil."""

    ENROLLED = "01", _status_label("01")
    SUSPENDED = "02", _status_label("02")
    WITHDRAWN = "03", _status_label("03")
    STOPPED = "04", _status_label("04")
    RESUMED = "05", _status_label("05")
    DROPPED_OUT = "06", _status_label("06")
    GRADUATED = "07", _status_label("07")
    COMPLETED = "08", _status_label("08")
    LEFT_UNFINISHED = "09", _status_label("09")
    TRANSFERRED_OUT = "10", _status_label("10")
    DECEASED = "11", _status_label("11")
    ADMISSION_RESERVED = "12", _status_label("12")
    ABROAD_SPONSORED = "13", _status_label("13")
    EXPELLED = "14", _status_label("14")
    WHEREABOUTS_UNKNOWN = "15", _status_label("15")
    OTHER = "99", _status_label("99")


S = StudentStatus

# On a school's roll (在读, 休学, 停学, 复学): such a record moves by a transfer (转学), never by a takeover.
ON_ROLL = frozenset({S.ENROLLED, S.SUSPENDED, S.STOPPED, S.RESUMED})
# Holding a seat in the class (what a class-size cap counts): on the roll and in the classroom. A suspended pupil
# (休学) leaves the class for the time being; resuming (复学) takes a seat again, so it needs room.
SEATED = frozenset({S.ENROLLED, S.STOPPED, S.RESUMED})

_LEAVING = {S.WITHDRAWN, S.DROPPED_OUT, S.GRADUATED, S.COMPLETED, S.LEFT_UNFINISHED, S.TRANSFERRED_OUT, S.DECEASED,
            S.ABROAD_SPONSORED, S.EXPELLED, S.WHEREABOUTS_UNKNOWN, S.OTHER}

# Allowed status changes (as django-oscar's order pipeline): from -> the statuses it may become. A pupil on the roll
# may leave it or pause; a paused pupil resumes or leaves; a pupil off the roll may be enrolled again (a returning
# pupil's record taken over, 来华归国), except a deceased one; a record kept off the roll (流失, 下落不明, 其他)
# may also be closed by a death. Anything else is refused by `student_set_status`.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    S.ENROLLED: frozenset(_LEAVING | {S.SUSPENDED, S.STOPPED}),
    S.RESUMED: frozenset(_LEAVING | {S.SUSPENDED, S.STOPPED, S.ENROLLED}),
    S.SUSPENDED: frozenset({S.RESUMED, S.WITHDRAWN, S.DROPPED_OUT, S.DECEASED, S.WHEREABOUTS_UNKNOWN, S.OTHER}),
    S.STOPPED: frozenset({S.RESUMED, S.WITHDRAWN, S.DROPPED_OUT, S.EXPELLED, S.DECEASED, S.WHEREABOUTS_UNKNOWN,
                          S.OTHER}),
    **{status: frozenset({S.ENROLLED}) for status in S if status not in ON_ROLL and status != S.DECEASED},
    # A record kept off the roll but not closed (流失: on the county's dropout list; 下落不明; 其他) is closed by a
    # death (死亡) too.
    **{status: frozenset({S.ENROLLED, S.DECEASED}) for status in (S.DROPPED_OUT, S.WHEREABOUTS_UNKNOWN, S.OTHER)},
    S.DECEASED: frozenset(),
}


def status_change_allowed(old: str, new: str) -> bool:
    return new in STATUS_TRANSITIONS.get(old, frozenset())


class RegStatus(models.TextChoices):
    DRAFT = "draft", _("Entered, not yet submitted")
    PENDING = "pending", _("Awaiting registration approval")
    REGISTERED = "registered", _("Registered")


# Registration (注册): a draft is submitted (pending), then approved (registered) or given back (draft again).
REG_TRANSITIONS: dict[str, frozenset[str]] = {
    RegStatus.DRAFT: frozenset({RegStatus.PENDING}),
    RegStatus.PENDING: frozenset({RegStatus.REGISTERED, RegStatus.DRAFT}),
    RegStatus.REGISTERED: frozenset(),
}


class VerifyStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not yet checked")
    SENT = "sent", _("Sent for checking")
    VERIFIED = "verified", _("Verified")
    NOT_FOUND = "not_found", _("ID number does not exist")
    MISMATCH = "mismatch", _("Name and ID number do not match")
    PROOF = "proof", _("Confirmed by household register")


class NumberKind(models.TextChoices):
    G = "G", _("From the verified ID number")
    J = "J", _("Built for a pupil with no usable ID")
    L = "L", _("Temporary, before verification")


class ChangeKind(models.TextChoices):
    """Which state a history row records."""

    STATUS = "status", _("student status")
    REGISTRATION = "registration", _("registration")
    PLACEMENT = "placement", _("school and class")
    ITEMS = "items", _("record items")
    IDENTITY = "identity", _("identity items")
    FAMILY = "family", _("family members")
    VERIFICATION = "verification", _("identity check")
    LABEL = "label", _("security label")
