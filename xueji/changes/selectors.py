"""Reads of record maintenance and status changes, each from the user's jurisdiction (accounts.jurisdiction):
the pupil to maintain, its family members, the kinds of status change offered for it, the classes it may move to,
the change requests, the status changes that took effect and the county's dropout list (控辍保学)."""

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from xueji.accounts.jurisdiction import access, restrict
from xueji.accounts.permissions import Cap, require_cap
from xueji.changes import rules, services
from xueji.changes.choices import COMPULSORY_STAGES, KINDS, RECORD_TYPE, STATUS_TYPE, Kind
from xueji.changes.filters import ChangeRequestFilterSet, DropoutFilterSet, StatusChangeFilterSet
from xueji.changes.models import StatusChange
from xueji.regions.models import OrgUnit
from xueji.registry.models import FamilyMember, RegStatus, Student, StudentStatus
from xueji.workflow import labels
from xueji.workflow.models import OPEN_STATUSES, Request

CHANGE_TYPES = (RECORD_TYPE, STATUS_TYPE)


def access_student_by_id(*, user, pk, cap: Cap = Cap.STUDENT_VIEW) -> Student:
    """A pupil the user may see (404 outside the jurisdiction), for its maintenance pages."""
    return access(Student.objects.select_related("school__org_unit", "school_class"), user, cap, pk=pk)


def access_member_by_id(*, user, pk) -> FamilyMember:
    """A family member of a pupil the user may see and edit (404 outside the jurisdiction)."""
    return access(FamilyMember.objects.select_related("student__school__org_unit"), user, Cap.STUDENT_EDIT, pk=pk)


def family_of(*, user, student: Student) -> QuerySet[FamilyMember]:
    return restrict(FamilyMember.objects.filter(student=student), user, Cap.STUDENT_VIEW).order_by("pk")


# Record items ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemControl:
    key: str
    controlled: bool
    by: OrgUnit | None  # the level that controls it (None with controlled: the province's default)


def item_controls(*, student: Student) -> dict[str, ItemControl]:
    """Each editable item of the pupil's record, and whether (and by which level) it is controlled: a controlled
    item's edit becomes a change request."""
    controlled = rules.controlled_items(student.school)
    from xueji.changes.checks import EDITABLE

    return {key: ItemControl(key, key in controlled, controlled.get(key)) for key in EDITABLE}


def open_requests(*, user, student: Student) -> QuerySet[Request]:
    """The pupil's open change and status-change requests the user may see."""
    return labels.annotate(restrict(Request.objects.filter(type__in=CHANGE_TYPES, subject_type=services.PUPIL,
                                                           subject_id=str(student.pk), status__in=OPEN_STATUSES),
                                    user, Cap.REQUEST_VIEW).select_related("filer_org"), user)


# Status changes offered -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindOption:
    kind: Kind
    refusal: object | None  # why it is not possible now (None: it is)

    @property
    def possible(self) -> bool:
        return self.refusal is None


def kind_options(*, student: Student) -> list[KindOption]:
    """The kinds of status change the province allows for the pupil's stage (the others are not offered at all),
    each with the reason it is not possible from the pupil's state now, if it is not."""
    allowed = rules.allowed_types(province_code=student.province_code, stage=services.stage_of(student))
    options = []
    for kind in KINDS.values():
        if kind.type_code not in allowed:
            continue
        refusal = services.kind_refusal(kind, student)
        options.append(KindOption(kind, refusal.words or refusal.message if refusal else None))
    return options


def target_classes(*, student: Student, kind: Kind):
    return services.target_classes(kind, student).order_by("-cohort_year", "number")


# Lists ----------------------------------------------------------------------------------------------------------

def change_request_list(*, user, filters: dict | None = None) -> QuerySet[Request]:
    """变更与异动申请: record-change and status-change requests the user may see, newest first."""
    qs = restrict(Request.objects.filter(type__in=CHANGE_TYPES).select_related("filer", "filer_org"), user,
                  Cap.REQUEST_VIEW)
    return ChangeRequestFilterSet.narrow(labels.annotate(qs, user), filters, user=user)  # titles withheld: labels


def status_change_list(*, user, filters: dict | None = None) -> QuerySet[StatusChange]:
    """学籍异动记录: the status changes that took effect in the user's jurisdiction, newest first."""
    qs = restrict(StatusChange.objects.select_related("student", "school", "old_class", "new_class"), user,
                  Cap.STUDENT_VIEW)
    return StatusChangeFilterSet.narrow(qs, filters, user=user)


def _latest_dropout(field: str) -> Subquery:
    rows = StatusChange.objects.filter(student=OuterRef("pk"), kind="dropout").order_by("-at", "-id")
    return Subquery(rows.values(field)[:1])


def dropout_list(*, user, filters: dict | None = None) -> QuerySet[Student]:
    """控辍保学: the registered pupils of compulsory education (primary and junior) in the jurisdiction whose status
    is 流失 (dropped out), with when and why, until they return (恢复学籍 or 复学 takes them off the list)."""
    require_cap(user, Cap.DROPOUT_VIEW)
    qs = restrict(Student.objects.filter(status=StudentStatus.DROPPED_OUT, reg_status=RegStatus.REGISTERED,
                                         school_class__stage__in=COMPULSORY_STAGES), user)
    qs = qs.select_related("school", "school__county", "school_class").annotate(
        dropped_on=_latest_dropout("effective_date"), dropout_reason=_latest_dropout("reason_code"))
    return DropoutFilterSet.narrow(qs, filters, user=user)
