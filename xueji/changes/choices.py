"""What record maintenance (学籍信息修改) and status changes (非转学异动) are: the request types' codes, the route
keys of a record change, and the table of status-change kinds, each with its JY/T 1001 type (学籍异动类别), the
reasons (学籍异动原因) it takes, the statuses it starts from and leads to, where it places the pupil, whether a proof
is required, and its default route.

The kinds are keyed by a word (`suspend`, `resume`, ...): the API's value and the route key a province may give
its own route. Two kinds have no JY/T type of their own and file as 99 其他: 辍学 (dropping out: the pupil's status
becomes 06 流失, and the record stays on the county's dropout list until the pupil returns) and the plain 其他.
Study abroad (出境学习) is 19 保留学籍: the record is kept, with the pupil suspended from the class (status 02 休学,
no seat), for the years the province sets (setting `changes.abroad_keep_years`); the return is 08 回国复学 (status
05 复学, into a class with room) within that period. A plain suspension (11 休学) ends with 12 复学."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xueji.core import codes
from xueji.registry.choices import StudentStatus
from xueji.workflow.types import step

S = StudentStatus

RECORD_TYPE = "changes.record"  # 学籍信息变更: the controlled items of one edit
STATUS_TYPE = "changes.status"  # 学籍异动 (not transfers): one status change
RECORD_WINDOW, STATUS_WINDOW = "changes.record", "changes.status"  # their business windows (policy)
# A pupil has at most one open request that moves it or changes its status: the status changes exclude each other
# and the transfers (xueji.transfers, when it comes: the exclusion is symmetric, so naming it here is enough).
STATUS_EXCLUDES = (STATUS_TYPE, "transfers.transfer")

# The identity items (ID type, ID number, name, sex, birth date): their change needs household-register proof, runs
# the duplicate check again, and routes as the "identity" case (a province may route it differently).
IDENTITY_ITEMS = ("id_type", "id_number", "name", "sex", "birth_date")
IDENTITY_ROUTE, ITEMS_ROUTE = "identity", "items"
# Items a school never edits itself: derived from others (the pinyin of the name).
DERIVED_ITEMS = frozenset({"name_pinyin"})

# After graduation (毕业, 结业, 肄业) the record's basic items are locked; a deceased pupil's record is closed.
LOCKED_STATUSES = frozenset({S.GRADUATED, S.COMPLETED, S.LEFT_UNFINISHED})
CLOSED_STATUSES = frozenset({S.DECEASED})
COMPULSORY_STAGES = ("1", "2")  # 义务教育: a pupil dropping out of it is on the county's dropout list

SCHOOL_LEADER = step("filing_school", "leader")
COUNTY = step("filing_county", "registrar")
SCHOOL_AND_COUNTY = (SCHOOL_LEADER, COUNTY)


class Placement(models.TextChoices):
    """Where a status change puts the pupil."""

    NONE = "", _("stays in the class")
    KEEP = "keep", _("back into a class of the school (the current one unless another is named)")
    SAME_GRADE = "same_grade", _("another class of the same grade")
    LOWER_GRADE = "lower_grade", _("a class of the next lower grade")
    HIGHER_GRADE = "higher_grade", _("a class of the next higher grade")


@dataclass(frozen=True)
class Kind:
    key: str
    label: object  # translated (lazy)
    type_code: str  # JY/T 1001 学籍异动类别
    from_statuses: frozenset[str]
    to_status: str | None  # None: the status stays
    reasons: tuple[str, ...]  # JY/T 1001 学籍异动原因 offered for it
    placement: str = Placement.NONE
    proof_required: bool = True
    route: tuple[dict[str, str], ...] = SCHOOL_AND_COUNTY
    help: object = ""

    @property
    def type_label(self) -> str:
        return str(codes.STATUS_CHANGE_TYPE.label(self.type_code))

    @property
    def needs_class(self) -> bool:
        return self.placement in (Placement.SAME_GRADE, Placement.LOWER_GRADE, Placement.HIGHER_GRADE)

    @property
    def places(self) -> bool:
        return self.placement != Placement.NONE


SEATED_ON_ROLL = frozenset({S.ENROLLED, S.RESUMED})  # in the classroom: may suspend, repeat, skip, change class
ON_ROLL = frozenset({S.ENROLLED, S.RESUMED, S.SUSPENDED, S.STOPPED})
ILLNESS = ("10", "11", "12", "19")
DEATH_REASONS = tuple(c for c in codes.STATUS_CHANGE_REASON.codes if "40" <= c <= "89")
WITHDRAWAL_REASONS = ("21", "22", "23", "26", "27", "28", "29", "31", "33", "34", "39", "99")

# The kinds' names are in their own context (the engine's "Withdraw" is a request's, not a pupil's 退学).
KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("suspend", pgettext_lazy("status change kind", "Suspend study"), "11", SEATED_ON_ROLL, S.SUSPENDED,
         (*ILLNESS, "26", "27", "99"),
         help=_("The pupil leaves the class for a while (illness, family reasons) and keeps the record.")),
    Kind("resume", pgettext_lazy("status change kind", "Resume study"), "12", frozenset({S.SUSPENDED}), S.RESUMED,
         (*ILLNESS, "26", "27", "99"), placement=Placement.KEEP, proof_required=False,
         help=_("A suspended pupil comes back into a class that has room.")),
    Kind("repeat", pgettext_lazy("status change kind", "Repeat a grade"), "02", SEATED_ON_ROLL, None,
         (*ILLNESS, "22", "99"), placement=Placement.LOWER_GRADE,
         help=_("The pupil moves to a class of the next lower grade.")),
    Kind("skip", pgettext_lazy("status change kind", "Skip a grade"), "04", SEATED_ON_ROLL, None, ("01", "99"),
         placement=Placement.HIGHER_GRADE, help=_("The pupil moves to a class of the next higher grade.")),
    Kind("change_class", pgettext_lazy("status change kind", "Change class"), "29", SEATED_ON_ROLL, None, ("99",),
         placement=Placement.SAME_GRADE, proof_required=False, route=(SCHOOL_LEADER,),
         help=_("Another class of the same grade in the school.")),
    Kind("abroad", pgettext_lazy("status change kind", "Study abroad"), "19", SEATED_ON_ROLL, S.SUSPENDED,
         ("28", "30", "99"),
         help=_("The record is kept (保留学籍) for the period the province sets; the pupil returns by 回国复学.")),
    Kind("return", pgettext_lazy("status change kind", "Return from abroad"), "08", frozenset({S.SUSPENDED}),
         S.RESUMED, ("28", "30", "99"), placement=Placement.KEEP,
         help=_("A pupil back from studying abroad, within the period the record is kept.")),
    Kind("dropout", pgettext_lazy("status change kind", "Drop out"), "99", ON_ROLL, S.DROPPED_OUT,
         ("21", "22", "26", "27", "39", "99"), proof_required=False,
         help=_("The record is kept; in compulsory education the pupil is on the county's dropout list "
                "(控辍保学) until they return.")),
    Kind("withdraw", pgettext_lazy("status change kind", "Withdraw"), "31", ON_ROLL, S.WITHDRAWN,
         WITHDRAWAL_REASONS),
    Kind("expel", pgettext_lazy("status change kind", "Expel"), "42", frozenset({S.ENROLLED, S.RESUMED, S.STOPPED}),
         S.EXPELLED, ("23", "99")),
    Kind("death", pgettext_lazy("status change kind", "Death"), "51",
         frozenset({*ON_ROLL, S.DROPPED_OUT, S.WHEREABOUTS_UNKNOWN, S.OTHER}), S.DECEASED, DEATH_REASONS,
         help=_("The record is closed: nothing can be filed on it afterwards.")),
    Kind("restore", pgettext_lazy("status change kind", "Restore the record"), "17",
         frozenset({S.WITHDRAWN, S.DROPPED_OUT, S.EXPELLED, S.WHEREABOUTS_UNKNOWN, S.OTHER}), S.ENROLLED, ("99",),
         placement=Placement.KEEP, proof_required=False,
         help=_("A pupil off the roll (dropped out, withdrawn, ...) is enrolled again, into a class that has room.")),
    Kind("other", pgettext_lazy("status change kind", "Other"), "99", ON_ROLL, S.OTHER, ("99",)),
)}
# The kinds that need no JY/T type of their own file as 99 其他: the labels say what they are.
KIND_CHOICES = [(k.key, k.label) for k in KINDS.values()]


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def reason_label(code: str) -> str:
    return str(codes.STATUS_CHANGE_REASON.label(code))
