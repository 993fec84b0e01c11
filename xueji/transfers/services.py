"""Writes of transfers (转学) within a province.

- `transfer_file`: the receiving school files the transfer of a pupil it found (`finder.pupil_find`) with the
  stamped transfer certificate (and the proofs the province requires), optionally naming the class; the engine
  claims the pupil (no other transfer or status change open on it) and freezes the route of the distance.
- `decision_check`: the receiving school's step names the class (the other steps carry nothing).
- `transfer_complete`: the effect within a province, at the last approval (types.py), and what the file retrieval
  (调档) of a cross-province transfer will call: the record moves through the registry's door (school and class,
  the class-size cap, the history row, the pupil counts), the open problem records follow the pupil.
- `transfers_escalate_overdue`: past the sending side's consent deadline (a function switch), its step goes to the
  common superior authority.

Across provinces (`_file_across`) the receiving side reads no record of the other province: the pupil is that
province's answer to the lookup (`lookup.pupil_ask`), kept on the transfer; the request claims the national number
(the engine's subject `registry.national_number`), and the hop (crossing.py) does the rest.
The rules shared with the finder and the pages are in checks.py. Every refusal changes nothing."""

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.policy.services import route_steps, setting_get, window_require
from xueji.problems.records import problem_members_follow
from xueji.regions.models import OrgUnit, province_code_of
from xueji.registry.models import Student
from xueji.registry.services import student_place
from xueji.schools.models import SchoolClass
from xueji.transfers import rules
from xueji.transfers.checks import (
    class_require,
    pupil_of,
    pupil_refusal,
    receiving_school,
    stage_of,
    transfer_refusal,
)
from xueji.transfers.choices import (
    ACROSS_PROVINCES,
    ESCALATION_PARTY,
    ESCALATION_ROLE,
    OPEN_STATES,
    PROOF_KINDS,
    RELEASE_TYPE,
    SOURCE_PARTIES,
    TRANSFER_TYPE,
    TRANSFER_WINDOW,
    TransferState,
    proof_label,
)
from xueji.transfers.finder import Lookup, findable_by, lookup_of_token, pupil_of_lookup
from xueji.transfers.models import Transfer
from xueji.workflow.models import Request, RequestStatus, Step, StepStatus
from xueji.workflow.resolvers import distance_key
from xueji.workflow.services import decision_data, proof_add, request_submit, sniff, step_escalate
from xueji.workflow.types import register_subject

PUPIL = register_subject("registry.student", _("pupil")).code  # the kind registration declares
# A pupil of another province, on the receiving side of a cross-province transfer (which holds no record of it).
NATIONAL_NUMBER = register_subject("registry.national_number", _("national student number"), personal=True).code


def _system_words(text) -> str:
    """Words stored on a row (a title, a proof's description): in the system's language, the same for everyone."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# Filing ---------------------------------------------------------------------------------------------------------

def _locked(pk: int) -> Student:
    found = (Student.objects.select_for_update(of=("self",))
             .select_related("school__org_unit", "school__county", "school_class").filter(pk=pk).first())
    if found is None:
        raise Conflict(_("The record no longer exists."), code="record_gone")
    return found


def proofs_require(*, province_code: str, proofs: Mapping[str, Sequence]) -> list[tuple[str, object]]:
    """(kind, file) of every proof, checked before anything is written: the kinds the province requires present
    (the transfer certificate always), each file a JPG, PNG or PDF by content within the province's size limit."""
    unknown = sorted(set(proofs) - set(PROOF_KINDS))
    if unknown:
        raise ValidationFailed(_("Unknown kind of proof."), code="unknown_proof_kind", field="proofs",
                               details={"unknown": unknown})
    missing = [kind for kind in rules.required_proofs(province_code) if not proofs.get(kind)]
    if missing:
        raise ValidationFailed(format_lazy(_("The transfer is filed with: {kinds}. Attach them."),
                                           kinds="、".join(proof_label(k) for k in missing)),
                               code="proof_required", field=f"proof_{missing[0]}", details={"missing": missing})
    limit = int(setting_get(province_code=province_code, key="proof.max_bytes"))
    files = []
    for kind in PROOF_KINDS:
        for upload in proofs.get(kind) or ():
            name = getattr(upload, "name", "") or "file"
            if upload.size > limit:
                raise ValidationFailed(format_lazy(_("{name}: {size:.1f} MB is over the {limit:.1f} MB limit for "
                                                     "proofs."), name=name, size=upload.size / 1048576,
                                                   limit=limit / 1048576), code="file_too_large", field=f"proof_{kind}")
            upload.seek(0)
            try:
                sniff(upload.read(16), name)
            except ValidationFailed as exc:
                raise ValidationFailed(exc.message, code=exc.code, field=f"proof_{kind}") from None
            upload.seek(0)
            files.append((kind, upload))
    return files


def _route_names_destination_school(province_code: str, route_key: str) -> bool:
    return any(step["resolver"] == "destination_school"
               for step in route_steps(province_code=province_code, request_type=TRANSFER_TYPE, route_key=route_key))


@transaction.atomic
def transfer_file(*, actor, token: str, proofs: Mapping[str, Sequence], school_class: SchoolClass | int | None = None,
                  migrant: bool = False, reason: str = "") -> Transfer:
    """The receiving school's registrar files the transfer of a pupil it found (`token`), with the stamped transfer
    certificate (and the proofs its province requires), optionally naming the class (else its leader names it at
    its step). Both sides' business windows must be open. The engine refuses a second transfer or status change
    open on the pupil, naming the open one."""
    school = receiving_school(actor)
    lookup = lookup_of_token(actor=actor, token=token)
    if lookup.cross:  # the other province is asked again: its answer now is what the transfer keeps
        return _file_across(actor=actor, school=school, lookup=lookup, proofs=proofs, school_class=school_class,
                            migrant=migrant, reason=reason)
    student = _locked(lookup.pk)
    if not findable_by(actor, student):  # labelled since the lookup (control 10): as if it did not exist
        raise NotFound("student not found")
    refusal = transfer_refusal(student, school)
    if refusal is not None:
        raise refusal
    source = student.school
    province = province_code_of(actor.org_unit) or ""
    window_require(kind=TRANSFER_WINDOW, unit=source.org_unit)  # the sending side's (the engine checks the filer's)
    files = proofs_require(province_code=province, proofs=proofs)
    klass = class_require(school, student, school_class) if school_class else None
    distance = distance_key(source.org_unit, actor.org_unit)
    if klass is None and not _route_names_destination_school(province, distance):
        raise ValidationFailed(_("Name the class the pupil joins at the receiving school."), code="class_required",
                               field="school_class")
    payload = {"student": student.pk, "source_school": source.pk, "source_school_org": source.org_unit_id,
               "source_class": student.school_class_id, "destination_school": school.pk,
               "school_class": klass.pk if klass else None, "distance": distance, "migrant": bool(migrant),
               "reason": (reason or "").strip()[:255], "national_number": student.national_number or "",
               "source_province": student.province_code, "destination_province": province,
               "proofs": sorted({kind for kind, _f in files})}
    title = f"转学：{student.name}（{source.name} → {school.name}）"
    request = request_submit(actor=actor, type=TRANSFER_TYPE, title=title, subject_type=PUPIL,
                             subject_id=str(student.pk), payload=payload)
    now = clock.now()
    transfer = Transfer.objects.create(
        request=request, student=student, source_school=source, source_school_name=source.name,
        source_class_id=student.school_class_id, destination_school=school, destination_school_name=school.name,
        destination_class=klass, distance=distance, migrant=bool(migrant), state=TransferState.FILED,
        source_province_code=student.province_code, destination_province_code=province,
        national_number=student.national_number or "", reason=payload["reason"], filed_at=now)
    for kind, upload in files:
        proof_add(actor=actor, request=request, upload=upload, description=_system_words(proof_label(kind)))
    audit_record(actor=actor, action="transfer.file", obj=transfer,
                 after={"request": request.pk, "student": student.pk, "from": source.pk, "to": school.pk,
                        "class": klass.pk if klass else None, "distance": distance, "migrant": bool(migrant)})
    return transfer


def _file_across(*, actor, school, lookup: Lookup, proofs, school_class, migrant: bool, reason: str) -> Transfer:
    """A transfer from another province (B files for a pupil of A): B's request routes B's parties only and claims
    the pupil's national number; at its last approval the hub asks A to open its side (crossing.py). What B knows
    of the pupil is A's answer to the lookup, kept on B's row (`pupil`); B's row names no record until 调档. A
    checks it all again when the request arrives."""
    from xueji.transfers.choices import Side

    peer = pupil_of_lookup(school=school, lookup=lookup)
    refusal = transfer_refusal(peer, school)
    if refusal is not None:
        raise refusal
    if not peer.national_number:
        raise ValidationFailed(_("A transfer from another province is filed with the pupil's national student "
                                 "number."), code="national_number_required", field="national_number")
    province = province_code_of(actor.org_unit) or ""
    files = proofs_require(province_code=province, proofs=proofs)
    klass = class_require(school, peer, school_class) if school_class else None
    payload = {"student": None, "source_school": None, "source_school_name": peer.school_name,
               "source_school_code": peer.school_code, "destination_school": school.pk,
               "school_class": klass.pk if klass else None, "distance": ACROSS_PROVINCES, "migrant": bool(migrant),
               "reason": (reason or "").strip()[:255], "national_number": peer.national_number,
               "source_province": peer.province_code, "destination_province": province,
               "proofs": sorted({kind for kind, _f in files})}
    title = f"跨省转学：{peer.name}（{peer.school_name} → {school.name}）"
    request = request_submit(actor=actor, type=TRANSFER_TYPE, title=title, subject_type=NATIONAL_NUMBER,
                             subject_id=peer.national_number, payload=payload)
    transfer = Transfer.objects.create(
        request=request, student=None, pupil=peer.stored(), side=Side.RECEIVING, source_school=None,
        source_school_name=peer.school_name, destination_school=school, destination_school_name=school.name,
        destination_class=klass, distance=ACROSS_PROVINCES, migrant=bool(migrant), state=TransferState.FILED,
        source_province_code=peer.province_code, destination_province_code=province,
        national_number=peer.national_number, reason=payload["reason"], filed_at=clock.now())
    for kind, upload in files:
        proof_add(actor=actor, request=request, upload=upload, description=_system_words(proof_label(kind)))
    audit_record(actor=actor, action="transfer.file", obj=transfer,
                 after={"request": request.pk, "national_number": peer.national_number,
                        "from_province": peer.province_code, "from_school": peer.school_code, "to": school.pk,
                        "distance": ACROSS_PROVINCES, "migrant": bool(migrant)})
    return transfer


def transfer_recheck(*, request: Request) -> None:
    """A returned transfer filed again: the same rules on the record and the windows as they are now."""
    transfer = Transfer.objects.select_related("destination_school__org_unit").get(pk=request.pk)
    across = transfer.distance == ACROSS_PROVINCES  # the sending side's rules are checked on its side
    student = pupil_of(transfer) if across and not transfer.student_id else _locked(transfer.student_id)
    if not across and student.school_id != transfer.source_school_id:
        raise Conflict(_("The pupil's record changed since the filing (another school, or off the roll): the "
                         "transfer cannot take effect."), code="record_moved")
    refusal = transfer_refusal(student, transfer.destination_school)
    if refusal is not None:
        raise refusal
    if not across:
        window_require(kind=TRANSFER_WINDOW, unit=student.school.org_unit)
    if transfer.destination_class_id:
        class_require(transfer.destination_school, student, transfer.destination_class_id)


# Deciding ------------------------------------------------------------------------------------------------------

def decision_check(*, request: Request, step: Step, data: dict) -> dict:
    """What an approval carries: at the receiving school's step, the class the pupil joins (`school_class`,
    required unless the filing named one; of the pupil's grade, with a seat left); the other steps carry nothing."""
    if step.resolver != "destination_school":
        if data:
            raise ValidationFailed(_("This step takes no data."), code="unexpected_data", field="data")
        return {}
    if set(data) - {"school_class"}:
        raise ValidationFailed(_("This step takes no data but the class."), code="unexpected_data", field="data")
    transfer = Transfer.objects.select_related("destination_school", "student__school", "student__school_class").get(
        pk=request.pk)
    student = pupil_of(transfer)
    chosen = data.get("school_class")
    if not chosen:
        if transfer.destination_class_id or decision_data(request).get("school_class"):
            return {}
        if transfer.distance == ACROSS_PROVINCES:  # named at the file retrieval (调档), when the seat is taken
            return {}
        raise ValidationFailed(_("Name the class the pupil joins at the receiving school."), code="class_required",
                               field="school_class")
    try:
        chosen = int(chosen)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Choose a class from the list."), code="wrong_class", field="school_class") from None
    klass = class_require(transfer.destination_school, student, chosen)
    return {"school_class": klass.pk}


def _transfer_locked(pk: int) -> Transfer:
    found = (Transfer.objects.select_for_update(of=("self",)).select_related("destination_school__org_unit",
                                                                             "destination_school__county")
             .filter(pk=pk).first())
    if found is None:
        raise NotFound("transfer not found")
    return found


def transfer_approved(*, request: Request, actor) -> dict:
    """The last approval (in the engine's transaction): within a province the record moves now; across provinces
    the transfer waits for the file retrieval (调档) of the hop to come."""
    transfer = _transfer_locked(request.pk)
    now = clock.now()
    transfer.decided_at = now
    if transfer.distance == ACROSS_PROVINCES:  # B's side approved: the hub asks A to open its side
        from xueji.transfers.crossing import requested_send

        transfer.save(update_fields=["decided_at"])
        requested_send(transfer=transfer, actor=actor)
        return {"transfer": transfer.pk, "state": transfer.state}
    transfer.state = TransferState.APPROVED
    transfer.save(update_fields=["state", "decided_at"])
    done = transfer_complete(transfer=transfer, actor=actor)
    return {"transfer": done.pk, "state": done.state, "student": done.student_id, "school": done.destination_school_id,
            "class": done.destination_class_id}


@transaction.atomic
def transfer_complete(*, transfer: Transfer, actor, school_class: SchoolClass | int | None = None) -> Transfer:
    """The record moves (转学生效): into the receiving school and the class its school named (the door checks the
    class-size cap under lock and writes the placement history and the pupil counts), and the pupil's open problem
    records follow it to the new school and county. Idempotent: a completed transfer is returned unchanged. Called
    at the last approval within a province, and by the file retrieval (调档) of a cross-province transfer."""
    transfer = _transfer_locked(transfer.pk)
    if transfer.state == TransferState.COMPLETED:
        return transfer
    if transfer.state not in (TransferState.APPROVED, TransferState.AWAITING_RETRIEVAL):
        raise Conflict(_("Only an approved transfer takes effect."), code="not_approved",
                       details={"state": transfer.state})
    request = transfer.request
    student = _locked(transfer.student_id)
    if student.school_id != transfer.source_school_id or pupil_refusal(student) is not None:
        raise Conflict(_("The pupil's record changed since the filing (another school, or off the roll): the "
                         "transfer cannot take effect."), code="record_moved",
                       details={"school": student.school_id, "status": student.status})
    destination = transfer.destination_school
    chosen = (school_class or decision_data(request).get("school_class") or (request.payload or {}).get("school_class")
              or transfer.destination_class_id)
    if not chosen:
        raise Conflict(_("Name the class the pupil joins at the receiving school."), code="class_required")
    klass = class_require(destination, student, chosen, room=False)  # the door checks the seat, locked
    before = {"school": student.school_id, "class": student.school_class_id}
    student_place(actor=actor, student=student.pk, school_class=klass, request_id=request.pk)
    followed = problem_members_follow(student_id=student.pk, school_org=destination.org_unit,
                                      county_org=destination.county, actor=actor, request=request,
                                      note=f"转学：{transfer.source_school_name} → {destination.name}")
    transfer.state, transfer.destination_class, transfer.completed_at = TransferState.COMPLETED, klass, clock.now()
    transfer.save(update_fields=["state", "destination_class", "completed_at"])
    audit_record(actor=actor, action="transfer.complete", obj=transfer, before=before,
                 after={"school": destination.pk, "class": klass.pk, "request": request.pk,
                        "problems_followed": followed})
    return transfer


def transfer_closed(*, request: Request, state: str) -> None:
    """Rejected for good or withdrawn: the transfer ends, the pupil stays where it is."""
    transfer = _transfer_locked(request.pk)
    if transfer.state in OPEN_STATES:
        transfer.state, transfer.decided_at = state, clock.now()
        transfer.save(update_fields=["state", "decided_at"])


# The consent deadline -------------------------------------------------------------------------------------------

def _stage_of_transfer(transfer: Transfer) -> str:
    if transfer.source_class_id and transfer.source_class is not None:
        return transfer.source_class.stage
    return stage_of(pupil_of(transfer))


def overdue_steps(*, today: dt.date | None = None) -> list[tuple[Step, int]]:
    """The sending side's steps of pending transfers (a sending province's release of a cross-province transfer too)
    past their province's consent deadline for the pupil's stage,
    with the deadline's working days. A step's clock starts when it was reached (the request's last action)."""
    today = today or clock.today()
    steps = (Step.objects.filter(status=StepStatus.PENDING, resolver__in=SOURCE_PARTIES,
                                 request__type__in=(TRANSFER_TYPE, RELEASE_TYPE),
                                 request__status=RequestStatus.PENDING)
             .select_related("request__transfer__source_class", "request__transfer__student__school",
                             "request__transfer__student__school_class")
             .order_by("request_id"))
    due = []
    for step in steps:
        transfer = step.request.transfer
        days = rules.consent_deadline(transfer.source_province_code, _stage_of_transfer(transfer))
        if days is None:
            continue
        since = step.request.updated_at.astimezone(clock.SHANGHAI).date()
        if rules.working_days_between(since, today) > days:
            due.append((step, days))
    return due


def transfers_escalate_overdue(*, today: dt.date | None = None) -> int:
    """Past the consent deadline, the sending side's step goes to the common superior authority of both sides
    (which decides for the rest of the sending side too); each transfer in its own transaction. A step already
    with the common superior (within one county, the county's own step) is left as it is. Returns how many."""
    done = 0
    for step, days in overdue_steps(today=today):
        with transaction.atomic():
            transfer = _transfer_locked(step.request_id)
            superior = transfer.request.parties.filter(name=ESCALATION_PARTY).values_list("org_unit_id",
                                                                                         flat=True).first()
            if superior is None or superior == step.org_unit_id:
                continue
            reason = (f"转出方逾期{days}个工作日未办理，转共同上级教育行政部门办理"
                      f"（原办理单位：{OrgUnit.objects.get(pk=step.org_unit_id).name}）")
            try:
                step_escalate(request=transfer.request, party=ESCALATION_PARTY, role=ESCALATION_ROLE, reason=reason,
                              replaces=SOURCE_PARTIES, step_id=step.pk)
            except Conflict:  # decided meanwhile
                continue
            transfer.escalated_at, transfer.escalated_from_id = clock.now(), step.org_unit_id
            transfer.save(update_fields=["escalated_at", "escalated_from"])
            done += 1
    return done
