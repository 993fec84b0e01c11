"""The approval engine: filing, deciding, returning, rejecting, withdrawing, resubmitting, cancelling and
completing follow-up work on requests; proof uploads. Every change of status goes through `_set_status`,
which checks the one transition table and writes the action and the audit row.

Why one module of ~530 lines: the filing, every decision and the proofs share the request's lock (`_lock`), the
transition table and `_set_status`, and the rules of who holds a step (`current_step`, `may_decide`) that decide
who may add a proof; split, each part would import these from the others and the one door of a request's status
would have several frames."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.audit.services import audit_record
from xueji.core import clock, files, malware
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, XuejiError
from xueji.policy.services import province_code_of, route_steps, setting_get, window_require
from xueji.workflow.gates import APPROVE, FILE, require_gates
from xueji.workflow.models import (
    OPEN_STATUSES,
    Action,
    ActionKind,
    Proof,
    Request,
    RequestParty,
    RequestStatus,
    RequestSubject,
    Step,
    StepStatus,
    Subject,
)
from xueji.workflow.resolvers import resolve
from xueji.workflow.signatures import action_sign
from xueji.workflow.types import RequestType, request_type, subject_key, subject_kind

logger = logging.getLogger(__name__)
# Sent after commit whenever a request changes state (submit, decide, withdraw, resubmit, ...).
request_changed = Signal()

S = RequestStatus
# The one transition table: from a status, the statuses a request may go to. PENDING -> PENDING is a step
# approved with more to follow; FOLLOW_UP: approved, its effect applied, the type's follow-up work open.
NEW = ""  # a request being filed, inside request_submit's transaction only
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({S.PENDING}),
    S.PENDING: frozenset({S.PENDING, S.RETURNED, S.REJECTED, S.WITHDRAWN, S.APPROVED, S.FOLLOW_UP}),
    S.RETURNED: frozenset({S.PENDING, S.WITHDRAWN}),
    S.FOLLOW_UP: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL = (S.APPROVED, S.REJECTED, S.WITHDRAWN, S.CANCELLED)



def _notify(request: Request, what: str) -> None:
    request_id = request.pk
    transaction.on_commit(lambda: request_changed.send(sender=Request, request_id=request_id, what=what))


def _require_transition(request: Request, status: str) -> None:
    if status not in TRANSITIONS[request.status]:
        raise Conflict("This request is no longer pending; it was decided or withdrawn.", code="already_decided")


def _set_status(request: Request, status: str, *, actor, action: str, step: Step | None = None,
                comment: str = "", data: dict | None = None, **fields) -> Action:
    """The one door for a request's status: checks the transition table, saves the request (with `fields`),
    writes the action (with the data the decision carried) and the audit row."""
    _require_transition(request, status)
    before = request.status
    now = clock.now()
    request.status, request.updated_at = status, now
    if status in FINAL:
        request.finished_at = now
    for name, value in fields.items():
        setattr(request, name, value)
    request.save()
    done = Action.objects.create(request=request, step=step, kind=action, actor=actor, org_unit=actor.org_unit,
                                 comment=comment, data=data, status_after=status, at=now)
    action_sign(done, request_type=request.type)  # a decision is signed by its operator (signatures.py)
    audit_record(actor=actor, action=f"request.{action}", obj=request,
                 before={"status": before} if before not in (status, NEW) else None,
                 after={"type": request.type, "status": status, "round": request.round,
                        "route_key": request.route_key or None, "step": step.order if step else None,
                        "comment": comment or None, "data": data})
    return done


def _parties(request: Request, kind: RequestType) -> dict:
    """The type's parties of this request (from its subject), frozen on the request with who of them sees it."""
    parties = kind.parties(request) if kind.parties else {}
    RequestParty.objects.filter(request=request).delete()
    RequestParty.objects.bulk_create([
        RequestParty(request=request, name=name, org_unit=unit,
                     sees=kind.visible_parties is None or name in kind.visible_parties)
        for name, unit in parties.items()])
    return parties


def _freeze_steps(request: Request, kind: RequestType) -> list[Step]:
    """Resolve the route for this case (the type's route key; the province's route for it, else the default)
    into concrete steps, frozen on this round of the request."""
    parties = _parties(request, kind)
    request.route_key = kind.route_key(request) if kind.route_key else ""
    request.save(update_fields=["route_key"])
    steps = []
    route = route_steps(province_code=request.province_code, request_type=request.type, route_key=request.route_key)
    for order, spec in enumerate(route, start=1):
        org_unit = resolve(request, spec["resolver"], parties)
        steps.append(Step(request=request, round=request.round, order=order, resolver=spec["resolver"],
                          org_unit=org_unit, role=spec["role"],
                          status=StepStatus.PENDING if order == 1 else StepStatus.WAITING))
    return Step.objects.bulk_create(steps)


def _in_progress(other: Request) -> Conflict:
    """The refusal of a second request on a subject: it names the open one (its kind, number, status and filing
    unit; not its title, which may name a pupil the filer does not see), so the filer knows what to wait for."""
    try:
        kind = request_type(other.type).label
    except ValidationFailed:  # a type no longer registered: its code
        kind = other.type
    words = format_lazy(_("A request for this record is already in progress: {kind} no. {number} ({status}, filed "
                          "by {unit}). Wait for its decision, or have it withdrawn, before filing another."),
                        kind=kind, number=other.pk, status=RequestStatus(other.status).label,
                        unit=other.filer_org.name)
    return Conflict(words, code="request_in_progress",
                    details={"request": other.pk, "type": other.type, "status": other.status})


def _claim_subjects(request: Request, kind: RequestType, subjects: list[tuple[str, Any]]) -> None:
    """Link the request to its subjects, locking each subject's row; refuse if a request of a type that excludes
    this one is open on any of them (so domains write no "already pending" check of their own)."""
    keys = sorted({(code, subject_key(code, key)) for code, key in subjects if key not in (None, "")})
    if not keys:
        return
    for code, _key in keys:
        subject_kind(code)
        if code not in kind.subjects:
            raise ValidationFailed(_("A request of this type is not about this kind of subject."),
                                   code="unknown_subject_kind")
    rows = [Subject.objects.get_or_create(kind=code, key=key)[0] for code, key in keys]
    locked = list(Subject.objects.select_for_update().filter(pk__in=[r.pk for r in rows]).order_by("pk"))
    excluding = kind.excluding()
    holding = RequestSubject.objects.filter(
        subject__in=locked, request__status__in=OPEN_STATUSES, request__type__in=excluding).exclude(
        request=request).select_related("request__filer_org").order_by("request_id").first() if excluding else None
    if holding is not None:
        raise _in_progress(holding.request)
    RequestSubject.objects.bulk_create([RequestSubject(request=request, subject=s) for s in locked])


def _filing_role(actor, kind: RequestType) -> str:
    return next((role for role in kind.filer_roles if actor.has_role(role)), "")


@transaction.atomic
def request_submit(*, actor, type: str, title: str, payload: dict[str, Any] | None = None,  # noqa: A002
                   subject_type: str = "", subject_id: str = "",
                   subjects: list[tuple[str, Any]] | None = None) -> Request:
    """File a request: check the filer's role and the business window, claim its subjects (refused while an
    excluding request is open on one), compute its parties and freeze the route's steps for its case.
    `subject_type`/`subject_id` name the main subject (shown on the request); `subjects` adds others."""
    kind = request_type(type)
    if not actor.has_role(*kind.filer_roles):
        raise Forbidden(f"Only {', '.join(kind.filer_roles)} may file {kind.label}.", code="permission_denied")
    require_gates(actor=actor, action=FILE, role=_filing_role(actor, kind))
    province = province_code_of(actor.org_unit) or ""
    if kind.window_kind:
        window_require(unit=actor.org_unit, kind=kind.window_kind)
    now = clock.now()
    request = Request(type=type, title=title[:255], filer=actor, filer_org=actor.org_unit, status=NEW,
                      province_code=province, subject_type=subject_type,
                      subject_id=subject_key(subject_type, subject_id),
                      payload=payload or {}, created_at=now, updated_at=now)
    request.save()
    # The main subject (shown on the request) is claimed when the type declares its kind; `subjects` always.
    main = [(subject_type, subject_id)] if subject_type in kind.subjects and subject_id not in (None, "") else []
    _claim_subjects(request, kind, main + list(subjects or []))
    _freeze_steps(request, kind)
    _set_status(request, S.PENDING, actor=actor, action=ActionKind.SUBMIT)
    _notify(request, "submitted")
    return request


def _lock(request_id: int) -> Request:
    try:
        return Request.objects.select_for_update().get(pk=request_id)
    except Request.DoesNotExist:
        raise NotFound("request not found") from None


def current_step(request: Request) -> Step | None:
    """The step waiting now: an approval step of a pending request, or the follow-up step of one in follow-up."""
    return request.steps.filter(round=request.round, status=StepStatus.PENDING).select_related("org_unit").first()


def may_decide(actor, step: Step | None) -> bool:
    return step is not None and actor.org_unit_id == step.org_unit_id and actor.has_role(step.role)


def _require_decider(actor, request: Request, step_id: int | None, *, status: str = S.PENDING) -> Step:
    """The current step, if the actor holds it (its unit and role) and it is the one they saw; never the filer."""
    if request.status != status:
        raise Conflict("This request is no longer pending; it was decided or withdrawn.", code="already_decided")
    step = current_step(request)
    if step_id is not None and (step is None or step.pk != step_id):
        raise Conflict("This step was already decided by someone else.", code="already_decided")
    if not may_decide(actor, step):
        raise Forbidden("This step is not yours to decide.", code="not_your_step")
    if actor.pk == request.filer_id and status == S.PENDING:  # follow-up work may well be the filer's own
        raise Forbidden("The filer cannot approve their own request.", code="separation_of_duties")
    return step


def _close_step(step: Step, status: str, actor, comment: str) -> None:
    step.status, step.decided_by, step.decided_at, step.comment = status, actor, clock.now(), comment
    step.save()


def _reason(comment: str, message) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(message, code="reason_required", field="comment")
    return comment


def _check_decision(kind: RequestType, request: Request, step: Step, data: dict | None) -> dict | None:
    if kind.check_decision is not None:
        return kind.check_decision(request=request, step=step, data=dict(data or {})) or None
    if data:
        raise ValidationFailed(_("This step takes no data."), code="unexpected_data", field="data")
    return None


def _open_follow_up(request: Request, kind: RequestType, after: Step) -> None:
    follow = kind.follow_up
    parties = {p.name: p.org_unit for p in request.parties.select_related("org_unit")}
    Step.objects.create(request=request, round=request.round, order=after.order + 1, resolver=follow.party,
                        org_unit=resolve(request, follow.party, parties), role=follow.role,
                        status=StepStatus.PENDING)


def request_decide(*, actor, request: Request, approve: bool, comment: str = "",
                   step_id: int | None = None, data: dict | None = None) -> Request:
    """Approve or return the current step. Locks the request, so concurrent decisions give one outcome;
    an approval may carry data the type checks (stored on the action); on the last approval the type's effect
    is applied in this same transaction, and its follow-up work (if any) opens.

    A refusal undoes the whole decision. When the type's effect refuses with work that must stay all the same
    (`types.refusal_leaving`: the problem record of an identity another record took meanwhile), that work runs
    after the rollback, in a transaction of its own, and the refusal is raised on."""
    try:
        return _decide(actor=actor, request=request, approve=approve, comment=comment, step_id=step_id, data=data)
    except XuejiError as refused:
        left = getattr(refused, "after_rollback", None)
        if left is not None:
            with transaction.atomic():
                left()
        raise


@transaction.atomic
def _decide(*, actor, request: Request, approve: bool, comment: str, step_id: int | None,
            data: dict | None) -> Request:
    request = _lock(request.pk)
    step = _require_decider(actor, request, step_id)
    comment = (comment or "").strip()
    kind = request_type(request.type)
    if not approve:
        comment = _reason(comment, "Give a reason when returning a request.")
        _close_step(step, StepStatus.REJECTED, actor, comment)
        request.steps.filter(round=request.round, status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
        _set_status(request, S.RETURNED, actor=actor, action=ActionKind.RETURN, step=step, comment=comment,
                    reject_reason=comment)
        if kind.on_returned:
            kind.on_returned(request=request, actor=actor)
        _notify(request, "returned")
        return request
    require_gates(actor=actor, action=APPROVE, role=step.role)
    cleaned = _check_decision(kind, request, step, data)
    _close_step(step, StepStatus.APPROVED, actor, comment)
    following = request.steps.filter(round=request.round, status=StepStatus.WAITING).order_by("order").first()
    if following is not None:
        following.status = StepStatus.PENDING
        following.save(update_fields=["status"])
        _set_status(request, S.PENDING, actor=actor, action=ActionKind.APPROVE, step=step, comment=comment,
                    data=cleaned)
        _notify(request, "advanced")
        return request
    status = S.FOLLOW_UP if kind.follow_up else S.APPROVED
    # The action first, so the effect reads the decision's data (decision_data); one transaction either way.
    _set_status(request, status, actor=actor, action=ActionKind.APPROVE, step=step, comment=comment, data=cleaned)
    result = kind.apply(request=request, actor=actor)
    request.result = result if isinstance(result, dict | list) else None
    request.save(update_fields=["result"])
    if kind.follow_up:
        _open_follow_up(request, kind, step)
    _notify(request, "approved")
    return request


def decision_data(request: Request) -> dict:
    """What the decisions of this round carried (the arbiter's choice, the class a receiving school names), a
    later step's item over an earlier one's: for the type's effect at the last approval."""
    merged: dict = {}
    for data in request.actions.filter(kind__in=[ActionKind.APPROVE, ActionKind.COMPLETE], step__round=request.round,
                                       data__isnull=False).order_by("at", "id").values_list("data", flat=True):
        merged.update(data or {})
    return merged


@transaction.atomic
def request_reject(*, actor, request: Request, comment: str, step_id: int | None = None) -> Request:
    """The current step rejects the request for good (unlike a return, the filer cannot resubmit it)."""
    request = _lock(request.pk)
    step = _require_decider(actor, request, step_id)
    comment = _reason(comment, _("Give a reason when rejecting a request."))
    _close_step(step, StepStatus.REJECTED, actor, comment)
    request.steps.filter(round=request.round, status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
    _set_status(request, S.REJECTED, actor=actor, action=ActionKind.REJECT, step=step, comment=comment,
                reject_reason=comment)
    kind = request_type(request.type)
    if kind.on_rejected:
        kind.on_rejected(request=request, actor=actor)
    _notify(request, "rejected")
    return request


def _last_approval(request: Request) -> Step | None:
    return request.steps.filter(round=request.round, status=StepStatus.APPROVED).order_by("-order").first()


def may_cancel(actor, request: Request) -> bool:
    """Whoever gave the final approval (its unit and role) may cancel an approved request whose type can undo."""
    if request.status not in (S.APPROVED, S.FOLLOW_UP) or request_type(request.type).undo is None:
        return False
    last = _last_approval(request)
    return may_decide(actor, last) and actor.pk != request.filer_id


@transaction.atomic
def request_cancel(*, actor, request: Request, comment: str) -> Request:
    """Cancel an approved request (撤销): the type's undo reverses its effect, in this same transaction. Only the
    party of the final approval does it, with a reason; a type without an undo cannot be cancelled."""
    request = _lock(request.pk)
    kind = request_type(request.type)
    if request.status not in (S.APPROVED, S.FOLLOW_UP):
        raise Conflict(_("Only an approved request can be cancelled."), code="not_cancellable")
    if kind.undo is None:
        raise Conflict(_("Requests of this type cannot be cancelled after approval."), code="not_cancellable")
    last = _last_approval(request)
    if not may_decide(actor, last) or actor.pk == request.filer_id:
        raise Forbidden(_("Only the authority of the final approval may cancel it."), code="not_your_step")
    comment = _reason(comment, _("Give a reason when cancelling a request."))
    request.steps.filter(round=request.round, status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
    _set_status(request, S.CANCELLED, actor=actor, action=ActionKind.CANCEL, comment=comment)
    kind.undo(request=request, actor=actor)
    _notify(request, "cancelled")
    return request


@transaction.atomic
def request_complete(*, actor, request: Request, comment: str = "", data: dict | None = None,
                     step_id: int | None = None) -> Request:
    """The follow-up party completes the work after approval (调档); the type's part runs in this transaction."""
    request = _lock(request.pk)
    step = _require_decider(actor, request, step_id, status=S.FOLLOW_UP)
    kind = request_type(request.type)
    _close_step(step, StepStatus.APPROVED, actor, (comment or "").strip())
    _set_status(request, S.APPROVED, actor=actor, action=ActionKind.COMPLETE, step=step,
                comment=(comment or "").strip(), data=data or None)
    outcome = kind.follow_up.complete(request=request, actor=actor, data=dict(data or {}))
    if isinstance(outcome, dict) and isinstance(request.result, dict | None):
        request.result = {**(request.result or {}), "follow_up": outcome}
        request.save(update_fields=["result"])
    _notify(request, "completed")
    return request


@transaction.atomic
def step_escalate(*, request: Request, party: str, role: str, reason: str,
                  replaces: tuple[str, ...] = (), step_id: int | None = None) -> Step:
    """Hand the current step of a pending request to another of its parties: a deadline passed, so the common
    superior authority decides in place of a side that did not answer (逾期未办，报共同上级). The waiting steps of
    the parties in `replaces` are cancelled (the new holder decides for them too). No user acts: the step keeps
    the reason, the audit row names the system; the request's updated time restarts the new holder's clock."""
    request = _lock(request.pk)
    if request.status != S.PENDING:
        raise Conflict("This request is no longer pending; it was decided or withdrawn.", code="already_decided")
    step = current_step(request)
    if step is None or (step_id is not None and step.pk != step_id):
        raise Conflict("This step was already decided by someone else.", code="already_decided")
    parties = {p.name: p.org_unit for p in request.parties.select_related("org_unit")}
    unit = resolve(request, party, parties)
    before = {"step": step.order, "resolver": step.resolver, "org_unit": step.org_unit_id, "role": step.role}
    step.resolver, step.org_unit, step.role, step.comment = party, unit, role, reason[:2000]
    step.save(update_fields=["resolver", "org_unit", "role", "comment"])
    cancelled = request.steps.filter(round=request.round, status=StepStatus.WAITING, resolver__in=replaces).update(
        status=StepStatus.CANCELLED) if replaces else 0
    now = clock.now()
    Request.objects.filter(pk=request.pk).update(updated_at=now)
    request.updated_at = now
    audit_record(actor=None, username="system", action="request.escalate", obj=request, org_unit=unit,
                 before=before, after={"step": step.order, "resolver": party, "org_unit": unit.pk, "role": role,
                                       "reason": reason, "cancelled_steps": cancelled})
    _notify(request, "escalated")
    return step


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


def is_filer_side(actor, request: Request) -> bool:
    return actor.org_unit_id == request.filer_org_id and actor.has_role(*request_type(request.type).filer_roles)


def _require_filer_side(actor, request: Request) -> None:
    if not is_filer_side(actor, request):
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
    _set_status(request, S.WITHDRAWN, actor=actor, action=ActionKind.WITHDRAW, comment=comment)
    kind = request_type(request.type)
    if kind.on_withdrawn:
        kind.on_withdrawn(request=request, actor=actor)
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
    require_gates(actor=actor, action=FILE, role=_filing_role(actor, kind))
    if kind.window_kind:
        window_require(unit=request.filer_org, kind=kind.window_kind)
    if payload is not None:
        request.payload = payload
    if kind.on_resubmit:
        kind.on_resubmit(request=request, actor=actor)
    request.round += 1
    _set_status(request, S.PENDING, actor=actor, action=ActionKind.RESUBMIT, comment=comment, reject_reason="")
    _freeze_steps(request, kind)
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
    malware.check_upload(upload, name=name)  # infected: refused, nothing stored (issue 11, item 9)
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
