"""跨省转学撤销: the cancellation of a cross-province transfer approved on both sides, before the file retrieval
(调档). The receiving school files it; its own side's parties approve it in its province's engine (request type
`transfers.cancellation`, route key "receiving": destination school, destination county), then `transfers.cancel`
(B→A) opens the same request type in A (route key "sending": source school, source county), whose last approval
ends A's transfer cancelled and answers `transfers.cancelled` (A→B), which ends B's. The pupil stays in A.

Refused: before both approvals (`not_cancellable`: a transfer in approval is withdrawn instead, one awaiting the
sending side waits for its answer), after 调档 (`already_retrieved`), a second cancellation while one is open
(a double click: the open one is returned)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed
from xueji.hub.handlers import register_handler
from xueji.transfers import crossing
from xueji.transfers.checks import receiving_school
from xueji.transfers.choices import CANCELLATION_TYPE, Side, TransferState
from xueji.transfers.models import Transfer
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import request_submit


def _locked(pk: int) -> Transfer:
    return Transfer.objects.select_for_update(of=("self",)).select_related("cancellation").get(pk=pk)


@transaction.atomic
def cancellation_file(*, actor, transfer: Transfer, reason: str = "") -> Transfer:
    """The receiving school files the cancellation of a cross-province transfer awaiting 调档."""
    school = receiving_school(actor)
    transfer = _locked(transfer.pk)
    if transfer.side != Side.RECEIVING or transfer.destination_school_id != school.pk:
        raise ValidationFailed(_("Only the receiving school cancels a transfer from another province."),
                               code="receiving_school_only")
    if transfer.cancellation_id and transfer.cancellation.status in (RequestStatus.PENDING, RequestStatus.RETURNED,
                                                                     RequestStatus.APPROVED):
        return transfer  # filed already (a double click)
    if transfer.retrieval_at is not None or transfer.state == TransferState.COMPLETED:
        raise Conflict(_("The file was retrieved already: the transfer can no longer be cancelled."),
                       code="already_retrieved")
    if transfer.state != TransferState.AWAITING_RETRIEVAL:
        raise Conflict(_("Only a transfer approved by both provinces and not yet retrieved is cancelled; one in "
                         "approval is withdrawn."), code="not_cancellable", details={"state": transfer.state})
    return _open(transfer=transfer, actor=actor, reason=reason, side="receiving")


def cancellation_open(*, transfer: Transfer, actor, reason: str = "") -> Transfer:
    """A's side of the cancellation (the hub's `transfers.cancel`), filed in the sending school's name."""
    if actor is None:
        raise Conflict("The sending school has no registrar to handle it.", code="no_sending_registrar")
    return _open(transfer=transfer, actor=actor, reason=reason, side="sending")


def _open(*, transfer: Transfer, actor, reason: str, side: str) -> Transfer:
    payload = {"transfer": transfer.pk, "side": side, "reason": (reason or "").strip()[:255],
               "school_org": (transfer.destination_school.org_unit_id if side == "receiving"
                              else transfer.source_school.org_unit_id)}
    title = f"跨省转学撤销：{transfer.source_school_name} → {transfer.destination_school_name}"
    request = request_submit(actor=actor, type=CANCELLATION_TYPE, title=title, payload=payload)
    transfer.cancellation = request
    transfer.save(update_fields=["cancellation"])
    audit_record(actor=actor, action="transfer.cancellation_file", obj=transfer,
                 after={"request": request.pk, "side": side})
    return transfer


def cancellation_approved(*, request: Request, actor) -> dict:
    """The last approval of one side's cancellation: B asks A (`transfers.cancel`); A ends its transfer and
    answers (`transfers.cancelled`)."""
    transfer = _locked(request.payload["transfer"])
    if transfer.side == Side.RECEIVING:
        if transfer.retrieval_at is not None:
            raise Conflict(_("The file was retrieved already: the transfer can no longer be cancelled."),
                           code="already_retrieved")
        crossing._send(sender=transfer.destination_province_code, receiver=transfer.source_province_code, kind="cancel",
              subject=transfer.national_number, actor=actor,
              payload={"request": crossing.key_of(transfer.pk, transfer.destination_province_code),
                       "reason": request.payload.get("reason", "")})
        return {"transfer": transfer.pk, "state": transfer.state}
    transfer.state, transfer.decided_at = TransferState.CANCELLED, clock.now()
    transfer.save(update_fields=["state", "decided_at"])
    crossing._send(sender=transfer.source_province_code, receiver=transfer.destination_province_code, kind="cancelled",
          subject=transfer.national_number, actor=actor, payload={"request": transfer.peer_key})
    return {"transfer": transfer.pk, "state": transfer.state}


# The hub's messages of the cancellation ----------------------------------------------------------------------

def on_cancel(message) -> None:
    """B's side approved a cancellation: A's side decides it in A's engine (a cancellation request of A's
    parties), unless A's side has not opened (or ended): then it ends at once."""
    transfer = crossing._sending(message)
    if transfer.state == TransferState.CANCELLED:
        return
    if transfer.retrieval_at is not None or transfer.state == TransferState.COMPLETED:
        raise Conflict("The file was retrieved already.", code="already_retrieved")
    if transfer.cancellation_id:
        return  # opened already
    if transfer.state != TransferState.AWAITING_RETRIEVAL:
        raise crossing._wrong_state(transfer, "transfers.cancel")
    cancellation_open(transfer=transfer, actor=crossing._sending_filer(transfer.source_school),
                      reason=message.payload.get("reason", ""))


def on_cancelled(message) -> None:
    transfer = crossing._receiving(message)
    if transfer.state == TransferState.CANCELLED:
        return
    if transfer.state not in (TransferState.AWAITING_SOURCE, TransferState.AWAITING_RETRIEVAL):
        raise crossing._wrong_state(transfer, "transfers.cancelled")
    crossing._close(transfer, TransferState.CANCELLED)


def register() -> None:
    register_handler("transfers.cancel", on_cancel, label=_("Cross-province transfer cancellation"))
    register_handler("transfers.cancelled", on_cancelled, label=_("Cross-province transfer cancelled"))
