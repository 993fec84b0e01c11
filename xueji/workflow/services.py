"""Filing, deciding, withdrawing and resubmitting requests; proof uploads. Every action is audited."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

from xueji.audit.services import audit_record
from xueji.core import clock, files
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, XuejiError
from xueji.policy.services import province_code_of, route_steps, setting_get, window_require
from xueji.workflow.models import Action, ActionKind, Proof, Request, RequestStatus, Step, StepStatus
from xueji.workflow.resolvers import resolve
from xueji.workflow.types import request_type

logger = logging.getLogger(__name__)
# Sent after commit whenever a request changes state (submit, decide, withdraw, resubmit).
request_changed = Signal()


def _notify(request: Request, what: str) -> None:
    request_id = request.pk
    transaction.on_commit(lambda: request_changed.send(sender=Request, request_id=request_id, what=what))


def _freeze_steps(request: Request) -> list[Step]:
    """Resolve the province's current route into concrete steps, frozen on this round of the request."""
    steps = []
    for order, spec in enumerate(route_steps(province_code=request.province_code, request_type=request.type),
                                 start=1):
        org_unit = resolve(request, spec["resolver"])
        steps.append(Step(request=request, round=request.round, order=order, resolver=spec["resolver"],
                          org_unit=org_unit, role=spec["role"],
                          status=StepStatus.PENDING if order == 1 else StepStatus.WAITING))
    return Step.objects.bulk_create(steps)


def _act(request: Request, actor, kind: str, step: Step | None = None, comment: str = "") -> None:
    Action.objects.create(request=request, step=step, kind=kind, actor=actor, org_unit=actor.org_unit,
                          comment=comment, at=clock.now())
    audit_record(actor=actor, action=f"request.{kind}", obj=request,
                 after={"type": request.type, "status": request.status, "round": request.round,
                        "step": step.order if step else None, "comment": comment or None})


@transaction.atomic
def request_submit(*, actor, type: str, title: str, payload: dict[str, Any] | None = None,  # noqa: A002
                   subject_type: str = "", subject_id: str = "") -> Request:
    """File a request: check the filer's role and the business window, freeze the route's steps."""
    kind = request_type(type)
    if not actor.has_role(*kind.filer_roles):
        raise Forbidden(f"Only {', '.join(kind.filer_roles)} may file {kind.label}.", code="permission_denied")
    province = province_code_of(actor.org_unit) or ""
    if kind.window_kind:
        window_require(province_code=province, kind=kind.window_kind)
    now = clock.now()
    request = Request.objects.create(type=type, title=title[:255], filer=actor, filer_org=actor.org_unit,
                                     province_code=province, subject_type=subject_type, subject_id=str(subject_id),
                                     payload=payload or {}, created_at=now, updated_at=now)
    _freeze_steps(request)
    _act(request, actor, ActionKind.SUBMIT)
    _notify(request, "submitted")
    return request


def _lock(request_id: int) -> Request:
    try:
        return Request.objects.select_for_update().get(pk=request_id)
    except Request.DoesNotExist:
        raise NotFound("request not found") from None


def current_step(request: Request) -> Step | None:
    return request.steps.filter(round=request.round, status=StepStatus.PENDING).select_related("org_unit").first()


def may_decide(actor, step: Step | None) -> bool:
    return step is not None and actor.org_unit_id == step.org_unit_id and actor.has_role(step.role)


@transaction.atomic
def request_decide(*, actor, request: Request, approve: bool, comment: str = "",
                   step_id: int | None = None) -> Request:
    """Approve or return the current step. Locks the request, so concurrent decisions give one outcome;
    on the last approval the type's effect is applied in this same transaction."""
    request = _lock(request.pk)
    if request.status != RequestStatus.PENDING:
        raise Conflict("This request is no longer pending; it was decided or withdrawn.", code="already_decided")
    step = current_step(request)
    if step_id is not None and (step is None or step.pk != step_id):
        raise Conflict("This step was already decided by someone else.", code="already_decided")
    if not may_decide(actor, step):
        raise Forbidden("This step is not yours to decide.", code="not_your_step")
    if actor.pk == request.filer_id:
        raise Forbidden("The filer cannot approve their own request.", code="separation_of_duties")
    comment = (comment or "").strip()
    now = clock.now()
    kind = request_type(request.type)
    if not approve:
        if not comment:
            raise ValidationFailed("Give a reason when returning a request.", code="reason_required",
                                   field="comment")
        step.status, step.decided_by, step.decided_at, step.comment = StepStatus.REJECTED, actor, now, comment
        step.save()
        request.steps.filter(round=request.round, status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
        request.status, request.reject_reason, request.updated_at = RequestStatus.RETURNED, comment, now
        request.save()
        if kind.on_returned:
            kind.on_returned(request=request, actor=actor)
        _act(request, actor, ActionKind.REJECT, step, comment)
        _notify(request, "returned")
        return request
    step.status, step.decided_by, step.decided_at, step.comment = StepStatus.APPROVED, actor, now, comment
    step.save()
    following = request.steps.filter(round=request.round, status=StepStatus.WAITING).order_by("order").first()
    if following is not None:
        following.status = StepStatus.PENDING
        following.save(update_fields=["status"])
    else:
        result = kind.apply(request=request, actor=actor)
        request.status, request.finished_at = RequestStatus.APPROVED, now
        request.result = result if isinstance(result, dict | list) else None
    request.updated_at = now
    request.save()
    _act(request, actor, ActionKind.APPROVE, step, comment)
    _notify(request, "approved" if following is None else "advanced")
    return request


@dataclass
class BulkOutcome:
    request_id: int
    ok: bool
    message: str = ""
    code: str = ""  # the refusal's stable code (user interfaces word it in the user's language)


def request_bulk_decide(*, actor, requests: list[Request], approve: bool, comment: str = "") -> list[BulkOutcome]:
    """Decide many requests; each in its own transaction, so one refusal does not undo the others."""
    outcomes = []
    for request in requests:
        try:
            request_decide(actor=actor, request=request, approve=approve, comment=comment)
        except XuejiError as exc:
            outcomes.append(BulkOutcome(request.pk, False, exc.message, exc.code))
        else:
            outcomes.append(BulkOutcome(request.pk, True))
    return outcomes


def _require_filer_side(actor, request: Request) -> None:
    if actor.org_unit_id != request.filer_org_id or not actor.has_role(*request_type(request.type).filer_roles):
        raise Forbidden("Only the filing unit's registrar may do this.", code="not_filer")


@transaction.atomic
def request_withdraw(*, actor, request: Request, comment: str = "") -> Request:
    """The filer takes a request back before anyone has decided on it."""
    request = _lock(request.pk)
    _require_filer_side(actor, request)
    if request.status not in (RequestStatus.PENDING, RequestStatus.RETURNED):
        raise Conflict("Only a pending or returned request can be withdrawn.", code="not_withdrawable")
    if request.status == RequestStatus.PENDING and request.steps.filter(
            round=request.round, status=StepStatus.APPROVED).exists():
        raise Conflict("Someone has already approved this request; it can no longer be withdrawn.",
                       code="already_decided")
    request.steps.filter(round=request.round, status__in=[StepStatus.PENDING, StepStatus.WAITING]).update(
        status=StepStatus.CANCELLED)
    request.status, request.updated_at, request.finished_at = RequestStatus.WITHDRAWN, clock.now(), clock.now()
    request.save()
    kind = request_type(request.type)
    if kind.on_withdrawn:
        kind.on_withdrawn(request=request, actor=actor)
    _act(request, actor, ActionKind.WITHDRAW, comment=comment)
    _notify(request, "withdrawn")
    return request


@transaction.atomic
def request_resubmit(*, actor, request: Request, payload: dict[str, Any] | None = None,
                     comment: str = "") -> Request:
    """After a return, the filer corrects and submits again: a new round with the route as it is now."""
    request = _lock(request.pk)
    _require_filer_side(actor, request)
    if request.status != RequestStatus.RETURNED:
        raise Conflict("Only a returned request can be resubmitted.", code="not_returned")
    kind = request_type(request.type)
    if kind.window_kind:
        window_require(province_code=request.province_code, kind=kind.window_kind)
    if payload is not None:
        request.payload = payload
    if kind.on_resubmit:
        kind.on_resubmit(request=request, actor=actor)
    request.round += 1
    request.status, request.reject_reason, request.updated_at = RequestStatus.PENDING, "", clock.now()
    request.save()
    _freeze_steps(request)
    _act(request, actor, ActionKind.RESUBMIT, comment=comment)
    _notify(request, "resubmitted")
    return request


# Proof materials ---------------------------------------------------------------------------------------

PROOF_KINDS = ("jpeg", "png", "pdf")  # photos and scans (core.files knows the signatures)


def sniff(head: bytes, filename: str) -> str:
    """The content type from the file's own bytes; the name's extension must agree with it."""
    extension = Path(filename).suffix.lower()
    kind = files.sniff(head)
    if kind is not None and kind.key in PROOF_KINDS:
        if extension not in kind.extensions:
            raise ValidationFailed(f"{filename}: the file is {kind.content_type} but named {extension or '(none)'}.",
                                   code="type_mismatch", field="file")
        return kind.content_type
    raise ValidationFailed(f"{filename}: only JPG, PNG and PDF files are accepted (checked by content).",
                           code="unsupported_type", field="file")


def proofs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "proofs"


def proof_storage_path(proof: Proof) -> Path:
    return proofs_root() / proof.stored_name


def may_add_proof(actor, request: Request) -> bool:
    """The filing unit, or whoever may decide the current step, adds proofs to an open request."""
    if request.status not in (RequestStatus.PENDING, RequestStatus.RETURNED):
        return False
    if actor.org_unit_id == request.filer_org_id:
        return True
    return may_decide(actor, current_step(request))


@transaction.atomic
def proof_add(*, actor, request: Request, upload, description: str = "") -> Proof:
    """Attach a JPG, PNG or PDF (size from policy, 2 MB by default; type sniffed from content)."""
    if request.status not in (RequestStatus.PENDING, RequestStatus.RETURNED):
        raise Conflict("Proofs can only be added to open requests.", code="request_closed")
    if not may_add_proof(actor, request):
        raise Forbidden("Only the filer or the current approver may add proofs.", code="permission_denied")
    limit = int(setting_get(province_code=request.province_code, key="proof.max_bytes"))
    name = Path(getattr(upload, "name", "") or "file").name[:200]
    if upload.size > limit:
        raise ValidationFailed(f"{name}: {upload.size / 1048576:.1f} MB is over the {limit / 1048576:.1f} MB limit.",
                               code="file_too_large", field="file")
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head, name)
    stored = f"{clock.now():%Y/%m}/{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    target = proofs_root() / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    upload.seek(0)
    written = 0
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > limit:  # a client that lied about the size
                fh.close()
                target.unlink(missing_ok=True)
                raise ValidationFailed(f"{name} is over the size limit.", code="file_too_large", field="file")
            digest.update(chunk)
            fh.write(chunk)
    proof = Proof.objects.create(request=request, original_name=name, stored_name=stored, content_type=content_type,
                                 size=written, sha256=digest.hexdigest(), description=description[:255],
                                 uploaded_by=actor, uploaded_at=clock.now())
    audit_record(actor=actor, action="request.proof_add", obj=request,
                 after={"proof": proof.pk, "name": name, "size": written, "sha256": proof.sha256})
    return proof


def proof_open(*, actor, proof: Proof) -> Path:
    """The stored file of a proof the actor may see (selectors checked that); the access is audited."""
    path = proof_storage_path(proof)
    if not path.exists():
        raise NotFound("The proof file is missing.")
    audit_record(actor=actor, action="request.proof_view", obj=proof.request, after={"proof": proof.pk})
    return path
