"""Reads of transfers, each from the user's jurisdiction (accounts.jurisdiction): a transfer is seen by both schools
and the authorities above them (Transfer.jurisdiction_paths), and by whoever holds one of its steps (the engine's
inbox). Each row carries who holds it now and since when (one query for the list, subqueries per column), and
the pupil through the presenter: in full only for a user whose jurisdiction holds the pupil's record (the receiving
side of a cross-province transfer holds none before 调档: the sending province's answer to the lookup, masked)."""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext as _

from xueji.accounts.jurisdiction import access, cleared, org_in_jurisdiction, restrict
from xueji.accounts.permissions import Cap, has_cap
from xueji.core import clock, codes
from xueji.registry.presenters import Presenter, presenter_for
from xueji.schools.models import SchoolClass
from xueji.transfers import checks
from xueji.transfers.choices import CANCELLATION_TYPE, RELEASE_TYPE, TRANSFER_TYPE
from xueji.transfers.filters import TransferFilterSet
from xueji.transfers.models import Transfer
from xueji.workflow.labels import LABELS
from xueji.workflow.models import RequestStatus, Step, StepStatus
from xueji.workflow.selectors import inbox, request_permissions
from xueji.workflow.services import decision_data

# The requests a transfer row stands on: the transfer itself, across provinces the sending side's release, and a
# cancellation (跨省转学撤销) once filed: the inbox lists a row while any of them waits for the user.
TRANSFER_TYPES = (TRANSFER_TYPE, RELEASE_TYPE, CANCELLATION_TYPE)
_BASE = ("student", "source_school", "destination_school", "destination_class", "source_class", "request")


def _pending(field: str) -> Subquery:
    """A field of the step holding the row now: its request's pending step, or its cancellation's (the transfer's
    own request is approved by then, so at most one of them has a pending step)."""
    steps = Step.objects.filter(Q(request_id=OuterRef("request_id")) | Q(request_id=OuterRef("cancellation_id")),
                                status=StepStatus.PENDING).order_by("order")
    return Subquery(steps.values(field)[:1])


def _with_holder(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """Who holds each transfer now (the pending step's unit, role and party) and since when (the request's last
    action: when its current step was reached)."""
    return qs.select_related(*_BASE).annotate(
        holder_name=_pending("org_unit__name"), holder_role=_pending("role"), holder_party=_pending("resolver"),
        holder_unit=_pending("org_unit_id"), held_since=_pending("request__updated_at"))


def _withheld(qs: QuerySet[Transfer], user) -> QuerySet[Transfer]:
    """Security labels (control 10): a transfer of a labelled pupil stays in the lists of its parties and approvers
    (a city or province may hold a step), but to a viewer without the clearance it names no pupil
    (`pupil_withheld`: the pupil's items, the title and the search by name leave it out)."""
    if cleared(user):
        return qs.annotate(pupil_withheld=Value(False, output_field=BooleanField()))
    return qs.annotate(pupil_withheld=ExpressionWrapper(Q(student__security_label__in=LABELS),
                                                        output_field=BooleanField()))


def transfer_list(*, user, filters: dict | None = None) -> QuerySet[Transfer]:
    """转学: the transfers of the user's jurisdiction (either school in it), newest first."""
    qs = _withheld(_with_holder(restrict(Transfer.objects.all(), user, Cap.REQUEST_VIEW)), user)
    return TransferFilterSet.narrow(qs, filters, user=user)


def transfer_inbox(*, user, filters: dict | None = None) -> QuerySet[Transfer]:
    """转学待办: the transfers whose current step waits for this user (their unit, one of their roles), oldest
    waiting first."""
    if not has_cap(user, Cap.REQUEST_VIEW):
        return Transfer.objects.none()
    waiting = inbox(user=user).filter(request__type__in=TRANSFER_TYPES).values("request_id")
    qs = _withheld(_with_holder(Transfer.objects.filter(Q(request_id__in=waiting) | Q(cancellation_id__in=waiting))),
                   user)
    return TransferFilterSet.narrow(qs, filters, user=user).order_by("request__updated_at", "request_id")


def waiting_count(*, user) -> int:
    return inbox(user=user).filter(request__type__in=TRANSFER_TYPES).count()


def access_transfer_by_id(*, user, pk) -> Transfer:
    """A transfer the user may see (404 outside the jurisdiction, as if absent)."""
    qs = _with_holder(Transfer.objects.all()).select_related("student__school__org_unit", "escalated_from",
                                                             "destination_school__org_unit")
    transfer = access(_withheld(qs, user), user, Cap.REQUEST_VIEW, pk=pk)
    transfer.request.pupil_withheld = transfer.pupil_withheld  # its title (Request.shown_title)
    return transfer


def transfer_presenter(user, transfer: Transfer) -> Presenter:
    """Masked unless the user's jurisdiction holds the pupil's record now (the receiving school sees the pupil of
    another school masked, whatever its role)."""
    school = transfer.student.school if transfer.student_id else None
    if school is not None and org_in_jurisdiction(user, school.org_unit):
        return presenter_for(user)
    return presenter_for(None)


def withheld_name() -> str:
    return _("A pupil under special protection")


@dataclass(frozen=True)
class PupilShown:
    """The pupil of a transfer as its pages, form and API show it (its record, or the sending province's answer),
    through the viewer's presenter."""

    name: str
    sex: str
    birth_date: object
    national_number: str
    id_number: str
    grade: str


def pupil_shown(user, transfer: Transfer) -> PupilShown:
    if getattr(transfer, "pupil_withheld", False):
        return PupilShown(name=withheld_name(), sex="", birth_date=None, national_number="", id_number="", grade="")
    shown = transfer_presenter(user, transfer)
    pupil = checks.pupil_of(transfer)
    return PupilShown(name=pupil.name, sex=str(codes.SEX.label(pupil.sex)), birth_date=pupil.birth_date,
                      national_number=shown.national_number(transfer.national_number),
                      id_number=shown.id_number(pupil.id_number), grade=checks.grade_label(pupil))


def held_for(transfer: Transfer):
    """How long the current holder has held the transfer (None when nobody does)."""
    if transfer.request.status != RequestStatus.PENDING:
        return None
    return clock.now() - transfer.request.updated_at


@dataclass(frozen=True)
class DecisionContext:
    """What the user may do with a transfer now, and the classes offered at the receiving school's step."""

    permissions: object
    choose_class: bool
    class_options: list


def decision_context(*, user, transfer: Transfer) -> DecisionContext:
    permitted = request_permissions(user=user, request=transfer.request)
    step = permitted.step
    choose = bool(permitted.approve and step is not None and step.resolver == "destination_school"
                  and transfer.destination_school_id)
    options = checks.class_options(transfer.destination_school, checks.pupil_of(transfer)) if choose else []
    return DecisionContext(permitted, choose, options)


def class_names(ids) -> dict[int, str]:
    """The names of the classes decisions named (a transfer's history), one query."""
    ids = {pk for pk in ids if pk}
    return {c.pk: c.display_name for c in SchoolClass.objects.filter(pk__in=ids)} if ids else {}


def class_after(transfer: Transfer) -> SchoolClass | None:
    """The class the pupil joins: the one it joined, else the one the receiving school named (at filing or at its
    step: the decision's data), before the record moves."""
    if transfer.destination_class_id:
        return transfer.destination_class
    named = decision_data(transfer.request).get("school_class") or (transfer.request.payload or {}).get("school_class")
    return SchoolClass.objects.filter(pk=named).first() if named else None


@dataclass(frozen=True)
class AcrossContext:
    """A cross-province transfer as its side shows it: which side, the other province, where the hop stands,
    and what the receiving school may do now (调档, 撤销), with the classes offered for 调档."""

    side: str
    peer_province: str
    stage: str
    may_retrieve: bool
    may_cancel: bool
    class_options: list


def across_context(*, user, transfer: Transfer) -> AcrossContext | None:
    from xueji.transfers.choices import ACROSS_PROVINCES, Side, TransferState

    if transfer.distance != ACROSS_PROVINCES or transfer.side == Side.BOTH:
        return None
    receiving = transfer.side == Side.RECEIVING
    own = (receiving and has_cap(user, Cap.TRANSFER_FILE) and transfer.destination_school_id is not None
           and user.org_unit_id == transfer.destination_school.org_unit_id)
    waiting = transfer.state == TransferState.AWAITING_RETRIEVAL and transfer.retrieval_at is None
    cancel_open = bool(transfer.cancellation_id) and transfer.cancellation.status in (
        RequestStatus.PENDING, RequestStatus.RETURNED, RequestStatus.APPROVED)
    if transfer.state == TransferState.AWAITING_SOURCE:
        stage = "awaiting_source"
    elif waiting and cancel_open:
        stage = "cancelling"
    elif waiting:
        stage = "awaiting_retrieval"
    elif transfer.state == TransferState.AWAITING_RETRIEVAL:
        stage = "retrieving"
    else:
        stage = transfer.state
    options = checks.class_options(transfer.destination_school, checks.pupil_of(transfer)) if own and waiting else []
    peer = transfer.source_province_code if receiving else transfer.destination_province_code
    may = own and waiting and not cancel_open
    return AcrossContext(side=transfer.side, stage=stage, peer_province=peer, may_retrieve=may, may_cancel=may,
                         class_options=options)
