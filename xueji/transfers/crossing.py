"""The cross-province hop of a transfer (跨省转学): each province's engine holds only its own parties, and everything
that crosses the border is a hub message (xueji/hub), so that the national-hub issue can put the two provinces on
separate databases by replacing the hub's transport alone.

Province B (receiving) and province A (sending); every message has the pupil's national number (学籍号) as its
subject, so the hub keeps them in order per pupil. The kinds, their payloads and their order: README.md of this
app ("Across provinces"). `request` in every payload is B's request key ("<B>:<request id>"), the one name both
sides share; `release` is A's.

Order and idempotency: the hub delivers each message at least once and applies it once (its key), in `seq`
order per (sender, receiver, subject). Every handler checks the state of its side's row besides: a message that
comes when the row is past it (a repeated `approved`, a `file` for a completed transfer) changes nothing and is
applied as a no-op; a message that makes no sense in the row's state is refused with a code (`wrong_state`), and
refusing answers nothing. A double click on 调档 or 撤销 finds the row already past it and changes nothing.

What each side keeps: B its Transfer row (side "receiving": destination school, the source school by name and
province code only, no Student row until 调档: the pupil is A's answer to the lookup, kept as `pupil`) and its
request in its engine (its subject the national number); A its Transfer row (side "sending": source school and its
pupil, the destination by name and province code) and its `transfers.release` request. The file's application
(`file_apply`) gives B's row its record: while both live in one database it moves A's Student row through the
registry's door (school, class, province: one transaction, the pupil is never in two schools nor in none) and
recognises the history it already holds; on separate databases it creates the record and its history from the
file, each history row keyed by its origin ("<A>:history:<id>"), so a file applied twice creates nothing twice.

Looking the pupil up in A at filing is a hub question (`lookup.pupil_ask`, answered by A's `lookup.pupil_answer`);
`transfers.requested` checks it all again on A's side, so a stale or wrong answer at filing cannot open a wrong
transfer."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import User
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, ValidationFailed, XuejiError
from xueji.hub.handlers import register_handler
from xueji.hub.services import message_send, province_side
from xueji.regions.models import province_code_of
from xueji.registry.choices import StudentStatus
from xueji.registry.models import (
    Student,
    StudentDetail,
    StudentHistory,
)
from xueji.registry.services import (
    student_create_from_file,
    student_history_receive,
    student_place,
    student_set_status,
)
from xueji.schools.models import School, SchoolClass
from xueji.transfers.checks import class_require, pupil_of, pupil_refusal
from xueji.transfers.choices import (
    ACROSS_PROVINCES,
    OPEN_STATES,
    PUPIL,
    RELEASE_TYPE,
    Side,
    TransferState,
)
from xueji.transfers.lookup import students_by_number
from xueji.transfers.models import Transfer
from xueji.workflow.models import Request
from xueji.workflow.services import request_submit

FILE_VERSION = 1
KINDS = ("requested", "opened", "refused", "approved", "rejected", "retrieve", "file", "received", "cancel",
         "cancelled")


def key_of(request_or_pk, province: str) -> str:
    pk = getattr(request_or_pk, "pk", request_or_pk)
    return f"{province}:{pk}"


def _send(*, sender: str, receiver: str, kind: str, subject: str, payload: dict, actor=None) -> None:
    message_send(sender=sender, receiver=receiver, kind=f"transfers.{kind}", subject=subject, payload=payload,
                 actor=actor)


def _by_peer(peer_key: str, side: str) -> Transfer | None:
    return (Transfer.objects.select_for_update(of=("self",)).select_related("request", "destination_school",
                                                                            "source_school")
            .filter(side=side, peer_key=peer_key).order_by("-filed_at").first())


def _receiving(message) -> Transfer:
    """B's row named by a message from A (its own request key)."""
    key = (message.payload or {}).get("request", "")
    province, _sep, pk = key.partition(":")
    found = (Transfer.objects.select_for_update(of=("self",)).select_related("request", "destination_school")
             .filter(side=Side.RECEIVING, pk=int(pk) if pk.isdigit() else 0, destination_province_code=province)
             .first())
    if found is None:
        raise ValidationFailed("No receiving transfer has this key here.", code="unknown_transfer")
    return found


def _wrong_state(transfer: Transfer, kind: str) -> Conflict:
    return Conflict(f"A {kind} message does not apply to a transfer in state {transfer.state}.", code="wrong_state",
                    details={"state": transfer.state})


# B: the receiving side ---------------------------------------------------------------------------------------------

def requested_send(*, transfer: Transfer, actor) -> None:
    """B's last approval (in the engine's transaction): ask A to open its side (the pupil as A's lookup told)."""
    pupil = pupil_of(transfer)
    payload = {"request": key_of(transfer.pk, transfer.destination_province_code),
               "national_number": transfer.national_number, "name": pupil.name,
               "birth_date": pupil.birth_date.isoformat(),
               "destination_school": {"code": transfer.destination_school.code,
                                      "name": transfer.destination_school_name},
               "destination_province": transfer.destination_province_code, "distance": ACROSS_PROVINCES,
               "migrant": transfer.migrant, "reason": transfer.reason}
    _send(sender=transfer.destination_province_code, receiver=transfer.source_province_code, kind="requested",
          subject=transfer.national_number, payload=payload, actor=actor)
    transfer.state = TransferState.AWAITING_SOURCE
    transfer.save(update_fields=["state"])


def _close(transfer: Transfer, state: str, outcome: str = "") -> None:
    transfer.state, transfer.decided_at = state, transfer.decided_at or clock.now()
    transfer.outcome = (outcome or "")[:255]
    transfer.save(update_fields=["state", "decided_at", "outcome"])


def on_opened(message) -> None:
    transfer = _receiving(message)
    if not transfer.peer_key:
        transfer.peer_key = message.payload.get("release", "")
        transfer.save(update_fields=["peer_key"])


def on_refused(message) -> None:
    transfer = _receiving(message)
    if transfer.state in OPEN_STATES:
        payload = message.payload
        _close(transfer, TransferState.REJECTED, f"{payload.get('code', '')}: {payload.get('reason', '')}")
        audit_record(actor=None, action="transfer.refused_by_source", obj=transfer,
                     after={"code": message.payload.get("code", "")})


def on_approved(message) -> None:
    transfer = _receiving(message)
    if transfer.state == TransferState.AWAITING_SOURCE:
        transfer.state = TransferState.AWAITING_RETRIEVAL
        transfer.peer_key = transfer.peer_key or message.payload.get("release", "")
        transfer.save(update_fields=["state", "peer_key"])
        audit_record(actor=None, action="transfer.approved_by_source", obj=transfer, after={"state": transfer.state})
    elif transfer.state not in (TransferState.AWAITING_RETRIEVAL, TransferState.COMPLETED, TransferState.CANCELLED):
        raise _wrong_state(transfer, "transfers.approved")


def on_rejected(message) -> None:
    transfer = _receiving(message)
    if transfer.state == TransferState.AWAITING_SOURCE:
        _close(transfer, TransferState.REJECTED, message.payload.get("reason", ""))
    elif transfer.state != TransferState.REJECTED:
        raise _wrong_state(transfer, "transfers.rejected")


@transaction.atomic
def transfer_retrieve(*, actor, transfer: Transfer, school_class: SchoolClass | int | None = None) -> Transfer:
    """调档: the receiving school, after both provinces' approvals, names the class (of the pupil's grade, with a
    seat left) and asks A for the file. A second click changes nothing; before the last approval: `not_approved`."""
    from xueji.transfers.checks import receiving_school

    school = receiving_school(actor)
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("destination_school").get(
        pk=transfer.pk)
    if transfer.side != Side.RECEIVING or transfer.destination_school_id != school.pk:
        raise ValidationFailed(_("Only the receiving school retrieves the file of a transfer from another province."),
                               code="receiving_school_only")
    if transfer.retrieval_at is not None or transfer.state == TransferState.COMPLETED:
        return transfer  # asked already (a double click)
    if transfer.state != TransferState.AWAITING_RETRIEVAL:
        raise Conflict(_("The file is retrieved once both provinces have approved the transfer."),
                       code="not_approved", details={"state": transfer.state})
    from xueji.workflow.services import decision_data

    chosen = (school_class or transfer.destination_class_id or decision_data(transfer.request).get("school_class")
              or (transfer.request.payload or {}).get("school_class"))
    if not chosen:
        raise ValidationFailed(_("Name the class the pupil joins at the receiving school."), code="class_required",
                               field="school_class")
    klass = class_require(school, pupil_of(transfer), chosen)
    transfer.destination_class, transfer.retrieval_at = klass, clock.now()
    transfer.save(update_fields=["destination_class", "retrieval_at"])
    _send(sender=transfer.destination_province_code, receiver=transfer.source_province_code, kind="retrieve",
          subject=transfer.national_number, actor=actor,
          payload={"request": key_of(transfer.pk, transfer.destination_province_code),
                   "school_class": {"id": klass.pk, "name": klass.display_name}})
    audit_record(actor=actor, action="transfer.retrieve", obj=transfer, after={"class": klass.pk})
    return transfer


def on_file(message) -> None:
    transfer = _receiving(message)
    if transfer.state == TransferState.COMPLETED:
        return
    if transfer.state != TransferState.AWAITING_RETRIEVAL or transfer.retrieval_at is None:
        raise _wrong_state(transfer, "transfers.file")
    klass = transfer.destination_class
    student = file_apply(file=message.payload["file"], school_class=klass, request_id=transfer.pk)
    transfer.student = student
    transfer.state, transfer.completed_at = TransferState.COMPLETED, clock.now()
    transfer.save(update_fields=["student", "state", "completed_at"])
    audit_record(actor=None, action="transfer.complete", obj=transfer,
                 after={"school": transfer.destination_school_id, "class": klass.pk, "student": student.pk})
    _send(sender=transfer.destination_province_code, receiver=transfer.source_province_code, kind="received",
          subject=transfer.national_number,
          payload={"request": key_of(transfer.pk, transfer.destination_province_code)})


# A: the sending side -----------------------------------------------------------------------------------------------

def _sending_filer(school: School) -> User | None:
    """Who A's side is filed in the name of: the sending school's registrar (the first active one). On separate
    databases this is A's own account; the hub carries no user across the border."""
    return (User.objects.filter(org_unit_id=school.org_unit_id, is_active=True, role_assignments__role="registrar")
            .order_by("pk").first())


def _refuse(message, code: str, reason) -> None:
    _send(sender=message.receiver, receiver=message.sender, kind="refused", subject=message.subject,
          payload={"request": message.payload.get("request", ""), "code": code, "reason": str(reason)})


def on_requested(message) -> None:
    """A opens its side, or answers `refused` with the reason (the refusal itself is a reply, the message is
    applied: B's transfer closes)."""
    payload = message.payload
    if _by_peer(payload.get("request", ""), Side.SENDING) is not None:
        return  # opened already (a repeated message)
    number = payload.get("national_number", "")
    found = students_by_number(Student.objects.select_related("school__org_unit", "school_class")
                               .filter(province_code=message.receiver).order_by("pk"), number) if number else []
    student = found[0] if found else None
    if student is None:
        return _refuse(message, "pupil_not_found", _("No pupil of this province has this national student number."))
    if student.name != payload.get("name") or student.birth_date.isoformat() != payload.get("birth_date"):
        return _refuse(message, "pupil_mismatch", _("The name or date of birth does not match the pupil's record."))
    refusal = pupil_refusal(student)
    if refusal is not None:
        return _refuse(message, refusal.code, refusal.words or refusal.message)
    filer = _sending_filer(student.school)
    if filer is None:
        return _refuse(message, "no_sending_registrar", _("The sending school has no registrar to handle it."))
    destination = payload.get("destination_school") or {}
    release_payload = {"student": student.pk, "source_school": student.school_id,
                       "source_school_org": student.school.org_unit_id, "source_class": student.school_class_id,
                       "destination_school_name": destination.get("name", ""),
                       "destination_province": payload.get("destination_province", message.sender),
                       "peer": payload.get("request", ""), "distance": ACROSS_PROVINCES,
                       "migrant": bool(payload.get("migrant")), "reason": payload.get("reason", ""),
                       "national_number": number}
    title = f"跨省转出：{student.name}（{student.school.name} → {destination.get('name', '')}）"
    try:
        with transaction.atomic():
            request = request_submit(actor=filer, type=RELEASE_TYPE, title=title, subject_type=PUPIL,
                                     subject_id=str(student.pk), payload=release_payload)
            Transfer.objects.create(
                request=request, student=student, side=Side.SENDING, peer_key=payload.get("request", ""),
                source_school=student.school, source_school_name=student.school.name,
                source_class_id=student.school_class_id, destination_school=None,
                destination_school_name=destination.get("name", ""), distance=ACROSS_PROVINCES,
                migrant=bool(payload.get("migrant")), state=TransferState.FILED,
                source_province_code=message.receiver, destination_province_code=message.sender,
                national_number=number, reason=(payload.get("reason") or "")[:255], filed_at=clock.now())
    except XuejiError as exc:  # another request open on the pupil, the window closed ...
        return _refuse(message, exc.code, getattr(exc, "words", None) or exc.message)
    _send(sender=message.receiver, receiver=message.sender, kind="opened", subject=number,
          payload={"request": payload.get("request", ""), "release": key_of(request, message.receiver)})
    return None


def release_approved(*, request: Request, actor) -> dict:
    """A's last approval (the engine's effect of transfers.release): tell B; the pupil stays until 调档."""
    transfer = Transfer.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if transfer.state != TransferState.FILED:
        return {"transfer": transfer.pk, "state": transfer.state}
    transfer.state, transfer.decided_at = TransferState.AWAITING_RETRIEVAL, clock.now()
    transfer.save(update_fields=["state", "decided_at"])
    _send(sender=transfer.source_province_code, receiver=transfer.destination_province_code, kind="approved",
          subject=transfer.national_number, actor=actor,
          payload={"request": transfer.peer_key, "release": key_of(request, transfer.source_province_code)})
    return {"transfer": transfer.pk, "state": transfer.state}


def release_rejected(*, request: Request, actor) -> None:
    transfer = Transfer.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if transfer.state not in OPEN_STATES:
        return
    _close(transfer, TransferState.REJECTED)
    _send(sender=transfer.source_province_code, receiver=transfer.destination_province_code, kind="rejected",
          subject=transfer.national_number, actor=actor,
          payload={"request": transfer.peer_key, "release": key_of(request, transfer.source_province_code),
                   "reason": request.actions.exclude(comment="").order_by("-pk").values_list("comment", flat=True)
                   .first() or ""})


def _sending(message) -> Transfer:
    transfer = _by_peer(message.payload.get("request", ""), Side.SENDING)
    if transfer is None:
        raise ValidationFailed("No sending transfer has this key here.", code="unknown_transfer")
    return transfer


def on_retrieve(message) -> None:
    """A sends the file: the record and its full history, as it is now."""
    transfer = _sending(message)
    if transfer.state == TransferState.COMPLETED or transfer.retrieval_at is not None:
        return  # sent already
    if transfer.state != TransferState.AWAITING_RETRIEVAL:
        raise _wrong_state(transfer, "transfers.retrieve")
    student = Student.objects.select_related("school").get(pk=transfer.student_id)
    if student.school_id != transfer.source_school_id or pupil_refusal(student) is not None:
        _close(transfer, TransferState.CANCELLED, "record_moved")
        return _refuse(message, "record_moved", _("The pupil's record changed since the filing (another school, or "
                                                   "off the roll): the transfer cannot take effect."))
    transfer.retrieval_at = clock.now()
    transfer.save(update_fields=["retrieval_at"])
    _send(sender=message.receiver, receiver=message.sender, kind="file", subject=message.subject,
          payload={"request": transfer.peer_key, "file": file_of(student, province=message.receiver)})
    return None


def on_received(message) -> None:
    """B holds the pupil: A's side ends. In one database the row moved already (school, class, province: the
    counts with it); on separate databases A's row goes off its roll (转出)."""
    transfer = _sending(message)
    if transfer.state == TransferState.COMPLETED:
        return
    if transfer.state != TransferState.AWAITING_RETRIEVAL or transfer.retrieval_at is None:
        raise _wrong_state(transfer, "transfers.received")
    student = Student.objects.get(pk=transfer.student_id)
    if student.province_code == transfer.source_province_code and student.school_id == transfer.source_school_id:
        student_set_status(actor=None, student=student, status=StudentStatus.TRANSFERRED_OUT,
                           reason="跨省转出", request_id=transfer.pk)
    transfer.state, transfer.completed_at = TransferState.COMPLETED, clock.now()
    transfer.save(update_fields=["state", "completed_at"])
    audit_record(actor=None, action="transfer.released", obj=transfer, after={"state": transfer.state})


# The file (调档) -------------------------------------------------------------------------------------------------

_RECORD_FIELDS = ("name", "name_pinyin", "sex", "birth_date", "ethnic", "nationality", "id_type", "id_number",
                  "status", "entry_date", "hukou_nature", "health", "address", "phone", "is_left_behind",
                  "is_migrant", "national_number")
_FAMILY_FIELDS = ("relation", "name", "id_type", "id_number", "phone", "is_guardian", "employer", "relation_note",
                  "ethnic", "address", "hukou_location", "job_title")


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "quantize"):
        return str(value)
    return value


def file_of(student: Student, *, province: str) -> dict:
    """The record and its full history in the file's shape (version FILE_VERSION, plain JSON): items, details,
    family members, national numbers, history rows (placements, status changes, item changes) each with its
    stable key "<province>:history:<id>"."""
    detail = StudentDetail.objects.filter(student=student).values().first() or {}
    detail.pop("student_id", None)
    return {
        "version": FILE_VERSION, "province": province, "origin": f"{province}:student:{student.pk}",
        "record": {f: _plain(getattr(student, f)) for f in _RECORD_FIELDS},
        "detail": {k: _plain(v) for k, v in detail.items()},
        "family": [{f: _plain(getattr(m, f)) for f in _FAMILY_FIELDS} for m in student.family.order_by("pk")],
        "numbers": [{"number": n.number, "kind": n.kind, "issued_at": _plain(n.issued_at),
                     "superseded_at": _plain(n.superseded_at)} for n in student.numbers.order_by("pk")],
        "history": [{"key": f"{province}:history:{h.pk}", "kind": h.kind, "old": h.old, "new": h.new,
                     "changes": h.changes, "reason": h.reason, "at": _plain(h.at)}
                    for h in StudentHistory.objects.filter(student=student).order_by("at", "pk")],
    }


def _held_history_keys(student: Student, province_here: str) -> set[str]:
    keys = {f"{province_here}:history:{pk}" for pk in StudentHistory.objects.filter(student=student)
            .values_list("pk", flat=True)}
    keys |= {h.get("file_key") for h in StudentHistory.objects.filter(student=student, changes__has_key="file_key")
             .values_list("changes", flat=True)}
    return keys


def file_apply(*, file: dict, school_class: SchoolClass, request_id: int | None) -> Student:
    """The record from the file, in the receiving school and class (one transaction: the caller's). A record this
    database holds (one database for both provinces) moves through the registry's door, its history recognised
    by key and not copied; else (separate databases) it is created with its history, each row keeping its origin
    key, so applying a file twice creates nothing twice."""
    if file.get("version") != FILE_VERSION:
        raise ValidationFailed("This file version is not read here.", code="bad_file_version")
    province_here = province_code_of(school_class.school.org_unit) or ""
    record = file["record"]
    existing = Student.objects.filter(national_number=record["national_number"]).first()
    if existing is not None:
        student = student_place(actor=None, student=existing, school_class=school_class, request_id=request_id,
                                province_code=province_here)
    else:
        student = student_create_from_file(school_class=school_class, province_code=province_here,
                                           record=file["record"], detail=file.get("detail") or {},
                                           family=file.get("family") or (), numbers=file.get("numbers") or (),
                                           request_id=request_id)
    held = _held_history_keys(student, file.get("province", ""))
    student_history_receive(student=student, rows=[h for h in file.get("history") or () if h["key"] not in held],
                            request_id=request_id)
    return student


def served(code: str) -> bool:
    return province_side(code) is not None


def register() -> None:
    handlers = {"requested": (on_requested, _("Cross-province transfer requested")),
                "opened": (on_opened, _("Cross-province transfer opened by the sending side")),
                "refused": (on_refused, _("Cross-province transfer refused by the sending side")),
                "approved": (on_approved, _("Cross-province transfer approved by the sending side")),
                "rejected": (on_rejected, _("Cross-province transfer rejected by the sending side")),
                "retrieve": (on_retrieve, _("File retrieval asked (调档)")),
                "file": (on_file, _("Pupil's file (调档)")),
                "received": (on_received, _("Pupil's file received"))}
    for kind, (fn, label) in handlers.items():
        register_handler(f"transfers.{kind}", fn, label=label)


__all__ = ["FILE_VERSION", "KINDS", "file_apply", "file_of", "register", "transfer_retrieve"]
