"""Cross-province entry after graduation (毕业后跨省就学): a graduate (毕业/结业) of province A enters a school of
province B. The receiving school files, its authority approves, the graduating school's authority approves, then
the receiving school retrieves the record (调档); a pupil A holds no record of gets a new record in B.

It is the cross-province transfer's hop (xueji/transfers/crossing.py, README there) for a pupil off the roll:
each province's engine holds only its own parties and everything that crosses the border is a hub message, with
the pupil's national number as its subject (its ID number when the school knows no number). The record travels
in the transfer's file (`crossing.file_of` on A's side, `crossing.file_apply` on B's: imported, not copied).

Why one module: both provinces' sides of one hop, their hub handlers and the request types' effects share the
entry's states and its refusals; split by side, each half would import the other's states and messages.

| engine | request type | default route (a province adds steps on the policy routes page) |
|---|---|---|
| B | `admissions.entry` | the receiving school's county (registrar) |
| A | `admissions.entry_release` | the graduating school's county (registrar) |

The messages (`request` is always B's request key "<B>:<id>", `release` A's), kind: from, when, payload:
- `admissions.entry_requested`: B→A at B's last approval; request, national_number, id_number (when the school
  gave one), name, birth_date, receiving_school {code, name}, stage;
- `admissions.entry_opened`: A→B, A opened its side; request, release;
- `admissions.entry_refused`: A→B, A cannot open it; request, code (`no_record`, `pupil_mismatch`,
  `pupil_not_graduated`, ...), reason;
- `admissions.entry_approved` / `admissions.entry_rejected`: A→B at A's last approval / rejection; request,
  release (and the reason);
- `admissions.entry_retrieve`: B→A, 调档; request;
- `admissions.entry_file`: A→B, the answer to `retrieve`; request, file (the transfer's file, version 1);
- `admissions.entry_received`: B→A, B applied the file; request.

States of B's row: filed → awaiting_source (B approved) → awaiting_retrieval (A approved) → completed (the file
applied: the record in B's class, in school 在读, with its history); or no_record (A holds no record of the pupil:
the receiving school creates a new record, a draft of its own that it registers, as admission does) → completed;
or rejected (either side) / withdrawn. A's row: filed → awaiting_retrieval → completed (the graduate's unknown
destination becomes "school in another province"), or rejected.

Idempotency as in the transfer's hop: the hub applies a message once per key, in order per subject; every handler
checks its row's state besides, so a message the row is past changes nothing, and one that makes no sense in the
row's state is refused `wrong_state`. A double click on 调档 changes nothing."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xueji.accounts.models import User
from xueji.admissions.choices import (
    ENTRY_OPEN,
    ENTRY_RELEASE_TYPE,
    ENTRY_TYPE,
    EntrySide,
    EntryState,
)
from xueji.admissions.models import Entry
from xueji.audit.services import audit_record
from xueji.core import clock, codes, idnumbers
from xueji.core.errors import Conflict, ValidationFailed, XuejiError
from xueji.hub.handlers import register_handler
from xueji.hub.services import message_send
from xueji.regions.models import province_code_of
from xueji.registry.choices import ON_ROLL, StudentStatus
from xueji.registry.guards import room_in
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import identity_lock, student_set_status, students_insert
from xueji.registry.validation import CleanStudent
from xueji.schools.models import School, SchoolClass
from xueji.schoolyear.services import destinations_fill_other_province
from xueji.transfers.checks import receiving_school
from xueji.transfers.crossing import file_apply, file_of, key_of
from xueji.transfers.finder import NATIONAL_NUMBER as NUMBER_SHAPE
from xueji.transfers.lookup import pupil_ask, students_by_number
from xueji.transfers.services import NATIONAL_NUMBER, PUPIL
from xueji.workflow.models import Request
from xueji.workflow.services import request_submit
from xueji.workflow.types import register_subject

# A pupil named by ID number only (the school knows no national number): the subject its entry claims.
ENTRANT_ID = register_subject("admissions.entrant_id", _("ID number of an entrant"), personal=True).code
LEFT = (StudentStatus.GRADUATED, StudentStatus.COMPLETED)  # 毕业, 结业: who may enter after graduation
KINDS = ("requested", "opened", "refused", "approved", "rejected", "retrieve", "file", "received")


def _send(*, sender: str, receiver: str, kind: str, subject: str, payload: dict, actor=None) -> None:
    message_send(sender=sender, receiver=receiver, kind=f"admissions.entry_{kind}", subject=subject,
                 payload=payload, actor=actor)


def _wrong_state(entry: Entry, kind: str) -> Conflict:
    return Conflict(f"A {kind} message does not apply to an entry in state {entry.state}.", code="wrong_state",
                    details={"state": entry.state})


def _close(entry: Entry, state: str, outcome: str = "") -> None:
    entry.state, entry.decided_at = state, entry.decided_at or clock.now()
    entry.outcome = (outcome or "")[:255]
    entry.save(update_fields=["state", "decided_at", "outcome"])


def subject_of(entry: Entry) -> str:
    """The hub's subject of an entry's messages: the pupil's national number, else its ID number."""
    return entry.national_number or entry.id_number


def own_province(entry: Entry) -> str:
    return province_code_of(entry.school.org_unit) or ""


# B: the receiving side ---------------------------------------------------------------------------------------------

def _class_of(school: School, school_class, *, stage_above: str = "") -> SchoolClass:
    """The class the pupil joins: an active class of the receiving school (of a stage above the one the pupil
    graduated from, when known), with a seat left under its cap (the door checks it again, locked)."""
    pk = school_class.pk if isinstance(school_class, SchoolClass) else school_class
    found = (SchoolClass.objects.select_related("school").filter(school=school, is_active=True, pk=pk).first()
             if pk else None)
    if found is None:
        raise ValidationFailed(_("Choose one of your school's classes."), code="wrong_class", field="school_class")
    if stage_above and found.stage <= stage_above:
        raise Conflict(_("A graduate enters a class of a later stage than the one it graduated from."),
                       code="wrong_stage", field="school_class", details={"stage": stage_above})
    left = room_in([found.pk], lock=False).get(found.pk)
    if left is not None and left.left <= 0:
        raise Conflict(_("This class is full (class-size cap): choose another class."), code="class_full",
                       field="school_class")
    return found


def _number_of(raw: str) -> str:
    number = idnumbers.normalise(raw or "")
    if number and not NUMBER_SHAPE.match(number):
        raise ValidationFailed(_("This is not a national student number (G, J or L followed by its digits)."),
                               code="national_number_invalid", field="national_number")
    return number


def _identity(*, name: str, sex: str, birth_date, id_number: str) -> dict:
    """The identity of a pupil the graduating province cannot find by number: all four items, a valid ID."""
    name = (name or "").strip()
    number = idnumbers.normalise(id_number or "")
    missing = [f for f, v in (("name", name), ("sex", sex), ("birth_date", birth_date), ("id_number", number)) if not v]
    if missing:
        raise ValidationFailed(_("The graduating province does not know this pupil by national student number: "
                                 "give the name, sex, date of birth and ID number."), code="identity_required",
                               field=missing[0], details={"missing": missing})
    if sex not in codes.SEX:
        raise ValidationFailed(_("Unknown sex code."), code="invalid_code", field="sex")
    if not idnumbers.is_valid(number):
        raise ValidationFailed(_("This ID number is not valid (its length, date or check digit)."),
                               code="invalid_id_number", field="id_number")
    return {"name": name, "sex": sex, "birth_date": birth_date.isoformat(), "id_number": number}


def _in_school_here(province: str, number: str, id_number: str) -> None:
    """Refused when the receiving province holds the pupil on a school's roll already."""
    qs = Student.objects.filter(province_code=province, status__in=ON_ROLL)
    found = (number and qs.filter(national_number=number).exists()) or (id_number and qs.filter(
        id_number=id_number).exists())
    if found:
        raise Conflict(_("The pupil is already in school in this province."), code="already_in_school")


@transaction.atomic
def entry_file(*, actor, province: str, school_class: SchoolClass | int, national_number: str = "",
               name: str = "", sex: str = "", birth_date: dt.date | None = None, id_number: str = "",
               reason: str = "") -> Entry:
    """毕业后跨省就学: the receiving school's registrar files the entry of a graduate of `province` into one of its
    classes, naming the pupil by national number (the graduating province is asked at once: it must hold the
    pupil as graduated or completed), or, for a pupil it does not know by number, by name, sex, date of birth and
    ID number. The engine claims the number (one open entry per pupil) and checks the admission window."""
    school = receiving_school(actor)
    here = province_code_of(actor.org_unit) or ""
    province = (province or "").strip()
    if not (len(province) == 6 and province.isdigit() and province.endswith("0000")) or province == here:
        raise ValidationFailed(_("Choose the province the pupil graduated in."), code="source_province_invalid",
                               field="province")
    number = _number_of(national_number)
    peer = pupil_ask(school=school, province=province, national_number=number) if number else None
    if peer is not None:
        if peer.status not in LEFT:
            raise Conflict(_("The pupil has not graduated or completed there (still in school: file a transfer)."),
                           code="pupil_not_graduated", details={"status": peer.status})
        klass = _class_of(school, school_class, stage_above=peer.stage)
        pupil, id_given = peer.stored(), ""
    else:
        klass = _class_of(school, school_class)
        pupil = {**_identity(name=name, sex=sex, birth_date=birth_date, id_number=id_number),
                 "national_number": number}
        id_given = pupil["id_number"]
    _in_school_here(here, number or "", id_given)
    subjects = [(ENTRANT_ID, id_given)] if id_given and number else []
    payload = {"province": province, "national_number": number, "school": school.pk, "school_class": klass.pk,
               "reason": (reason or "").strip()[:255], "name": pupil["name"],
               "peer_school": (pupil.get("school") or {}).get("name", "")}
    title = f"毕业后跨省就学：{pupil['name']}（{payload['peer_school'] or province} → {school.name}）"
    request = request_submit(actor=actor, type=ENTRY_TYPE, title=title,
                             subject_type=NATIONAL_NUMBER if number else ENTRANT_ID, subject_id=number or id_given,
                             subjects=subjects, payload=payload)
    entry = Entry.objects.create(
        request=request, side=EntrySide.RECEIVING, state=EntryState.FILED, school=school, school_class=klass,
        # The full number is kept sealed in id_number; the pupil as known holds it masked, as the peer's answer does.
        pupil={**pupil, "id_number": idnumbers.mask(pupil.get("id_number") or "")} if id_given else pupil,
        national_number=number, id_number=id_given, name=pupil["name"], peer_province_code=province,
        peer_school_name=payload["peer_school"], reason=payload["reason"], filed_at=clock.now())
    audit_record(actor=actor, action="admission.entry_file", obj=entry,
                 after={"request": request.pk, "province": province, "class": klass.pk,
                        "by": "national_number" if number else "identity", "found": peer is not None})
    return entry


def _locked(pk: int) -> Entry:
    return Entry.objects.select_for_update(of=("self",)).select_related("school__org_unit", "school_class").get(pk=pk)


def entry_approved(*, request: Request, actor) -> dict:
    """B's last approval (the engine's effect of admissions.entry): ask the graduating province to open its side."""
    entry = _locked(request.pk)
    if entry.state != EntryState.FILED:
        return {"entry": entry.pk, "state": entry.state}
    here = own_province(entry)
    _send(sender=here, receiver=entry.peer_province_code, kind="requested", subject=subject_of(entry), actor=actor,
          payload={"request": key_of(entry.pk, here), "national_number": entry.national_number,
                   "id_number": entry.id_number, "name": entry.name, "birth_date": entry.pupil.get("birth_date", ""),
                   "receiving_school": {"code": entry.school.code, "name": entry.school.name},
                   "stage": entry.school_class.stage if entry.school_class else ""})
    entry.state = EntryState.AWAITING_SOURCE
    entry.save(update_fields=["state"])
    return {"entry": entry.pk, "state": entry.state}


def entry_closed(*, request: Request, state: str) -> None:
    """B's request rejected or withdrawn before it left the province: the row closes (A never heard of it)."""
    entry = _locked(request.pk)
    if entry.state == EntryState.FILED:
        _close(entry, state)


def _receiving(message) -> Entry:
    key = (message.payload or {}).get("request", "")
    province, _sep, pk = key.partition(":")
    found = (Entry.objects.select_for_update(of=("self",)).select_related("school__org_unit", "school_class")
             .filter(side=EntrySide.RECEIVING, pk=int(pk) if pk.isdigit() else 0).first())
    if found is None or province != message.receiver:
        raise ValidationFailed("No receiving entry has this key here.", code="unknown_entry")
    return found


def on_opened(message) -> None:
    entry = _receiving(message)
    if not entry.peer_key:
        entry.peer_key = (message.payload.get("release") or "")[:32]
        entry.save(update_fields=["peer_key"])


def on_refused(message) -> None:
    """A cannot open its side. "No record" there lets the receiving school create a new record (when it gave the
    pupil's identity); any other refusal closes the entry with A's code and reason."""
    entry = _receiving(message)
    if entry.state != EntryState.AWAITING_SOURCE:
        return  # answered already
    code, reason = message.payload.get("code", ""), message.payload.get("reason", "")
    if code == "no_record" and entry.id_number:
        entry.state, entry.decided_at, entry.outcome = EntryState.NO_RECORD, clock.now(), f"{code}: {reason}"[:255]
        entry.save(update_fields=["state", "decided_at", "outcome"])
    else:
        _close(entry, EntryState.REJECTED, f"{code}: {reason}")
    audit_record(actor=None, username="hub", action="admission.entry_refused", obj=entry,
                 after={"code": code, "state": entry.state})


def on_approved(message) -> None:
    entry = _receiving(message)
    if entry.state == EntryState.AWAITING_SOURCE:
        entry.state = EntryState.AWAITING_RETRIEVAL
        entry.peer_key = entry.peer_key or (message.payload.get("release") or "")[:32]
        entry.save(update_fields=["state", "peer_key"])
        audit_record(actor=None, username="hub", action="admission.entry_approved_there", obj=entry,
                     after={"state": entry.state})
    elif entry.state not in (EntryState.AWAITING_RETRIEVAL, EntryState.COMPLETED):
        raise _wrong_state(entry, "admissions.entry_approved")


def on_rejected(message) -> None:
    entry = _receiving(message)
    if entry.state == EntryState.AWAITING_SOURCE:
        _close(entry, EntryState.REJECTED, message.payload.get("reason", ""))
    elif entry.state != EntryState.REJECTED:
        raise _wrong_state(entry, "admissions.entry_rejected")


def _new_record(entry: Entry, klass: SchoolClass) -> Student:
    """The graduating province holds no record: a draft of the receiving school in the class, from the identity
    the school gave, which the school registers (temporary number, verification, the duplicate check)."""
    identity_lock()  # nobody else creates the same pupil meanwhile
    _in_school_here(own_province(entry), "", entry.id_number)
    if Student.objects.filter(id_number=entry.id_number, province_code=own_province(entry)).exists():
        raise Conflict(_("A record with this ID number exists in this province now: admit the pupil through "
                         "admission instead."), code="record_since")
    pupil = entry.pupil
    clean = CleanStudent(student={"name": pupil["name"], "sex": pupil["sex"],
                                  "birth_date": dt.date.fromisoformat(pupil["birth_date"]), "id_type": "1",
                                  "id_number": entry.id_number, "entry_date": clock.today()})
    (pk,) = students_insert(school=entry.school, rows=[(klass, clean)], reg_status=RegStatus.DRAFT)
    return Student.objects.get(pk=pk)


@transaction.atomic
def entry_retrieve(*, actor, entry: Entry, school_class: SchoolClass | int | None = None) -> Entry:
    """调档: the receiving school, after both provinces' approvals, asks for the record (it enters the class named
    at filing, or the one named now); for a pupil the graduating province holds no record of, it creates a new
    record (a draft in the class). A second click changes nothing; before the approvals: `not_approved`."""
    school = receiving_school(actor)
    entry = _locked(entry.pk)
    if entry.side != EntrySide.RECEIVING or entry.school_id != school.pk:
        raise ValidationFailed(_("Only the receiving school retrieves the record."), code="receiving_school_only")
    if entry.retrieval_at is not None or entry.state == EntryState.COMPLETED:
        return entry  # asked already (a double click)
    if entry.state not in (EntryState.AWAITING_RETRIEVAL, EntryState.NO_RECORD):
        raise Conflict(_("The record is retrieved once both provinces have approved the entry."),
                       code="not_approved", details={"state": entry.state})
    klass = _class_of(school, school_class or entry.school_class_id)
    here = own_province(entry)
    entry.school_class = klass
    if entry.state == EntryState.NO_RECORD:
        student = _new_record(entry, klass)
        entry.student, entry.state, entry.completed_at = student, EntryState.COMPLETED, clock.now()
        entry.save(update_fields=["school_class", "student", "state", "completed_at"])
        audit_record(actor=actor, action="admission.entry_new_record", obj=entry,
                     after={"student": student.pk, "class": klass.pk})
        return entry
    entry.retrieval_at = clock.now()
    entry.save(update_fields=["school_class", "retrieval_at"])
    _send(sender=here, receiver=entry.peer_province_code, kind="retrieve", subject=subject_of(entry), actor=actor,
          payload={"request": key_of(entry.pk, here)})
    audit_record(actor=actor, action="admission.entry_retrieve", obj=entry, after={"class": klass.pk})
    return entry


def on_file(message) -> None:
    """The record arrives: it enters the class (the transfer's file_apply: one database, A's row moved; else
    created with its history), then is in school again (在读, through the door: the class-size cap checked)."""
    entry = _receiving(message)
    if entry.state == EntryState.COMPLETED:
        return
    if entry.state != EntryState.AWAITING_RETRIEVAL or entry.retrieval_at is None:
        raise _wrong_state(entry, "admissions.entry_file")
    file = message.payload.get("file") or {}
    student = file_apply(file=file, school_class=entry.school_class, request_id=entry.pk)
    if student.status not in ON_ROLL:
        student = student_set_status(actor=None, student=student, status=StudentStatus.ENROLLED,
                                     reason="毕业后跨省就学", request_id=entry.pk)
    entry.student, entry.state, entry.completed_at = student, EntryState.COMPLETED, clock.now()
    entry.national_number = entry.national_number or (student.national_number or "")
    entry.save(update_fields=["student", "state", "completed_at", "national_number"])
    audit_record(actor=None, username="hub", action="admission.entry_complete", obj=entry,
                 after={"student": student.pk, "class": entry.school_class_id})
    here = own_province(entry)
    _send(sender=here, receiver=entry.peer_province_code, kind="received", subject=message.subject,
          payload={"request": key_of(entry.pk, here)})


# A: the graduating side ---------------------------------------------------------------------------------------------

def _by_peer(peer_key: str) -> Entry | None:
    return (Entry.objects.select_for_update(of=("self",)).select_related("school__org_unit")
            .filter(side=EntrySide.SENDING, peer_key=peer_key).order_by("-filed_at").first())


def _refuse(message, code: str, reason) -> None:
    _send(sender=message.receiver, receiver=message.sender, kind="refused", subject=message.subject,
          payload={"request": message.payload.get("request", ""), "code": code, "reason": str(reason)})


def _filer(school: School) -> User | None:
    """Who A's side is filed in the name of: the graduating school's first active registrar (the hub carries no
    user across the border)."""
    return (User.objects.filter(org_unit_id=school.org_unit_id, is_active=True, role_assignments__role="registrar")
            .order_by("pk").first())


def _graduate_of(message) -> Student | None:
    payload = message.payload
    qs = (Student.objects.filter(province_code=message.receiver, reg_status=RegStatus.REGISTERED)
          .select_related("school__org_unit", "school_class").order_by("pk"))
    number, id_number = payload.get("national_number") or "", payload.get("id_number") or ""
    found = students_by_number(qs, number) if number else []
    if not found and id_number:
        found = list(qs.filter(id_number=id_number)[:2])
    return found[0] if len(found) == 1 else None


def on_requested(message) -> None:
    """A opens its side (its county authority approves), or answers `refused`: no record of the pupil here
    (`no_record`), another pupil by name or date of birth (`pupil_mismatch`), not graduated or completed here
    (`pupil_not_graduated`), no national number to carry the file (`national_number_missing`), or the engine's refusal
    (another entry open on the pupil, the admission window closed, ...)."""
    payload = message.payload
    if _by_peer(payload.get("request", "")) is not None:
        return  # opened already (a repeated message)
    student = _graduate_of(message)
    if student is None:
        return _refuse(message, "no_record", _("This province holds no record of the pupil."))
    if student.name != payload.get("name") or student.birth_date.isoformat() != payload.get("birth_date"):
        return _refuse(message, "pupil_mismatch", _("The name or date of birth does not match the pupil's record."))
    if student.status not in LEFT:
        return _refuse(message, "pupil_not_graduated", _("The pupil has not graduated or completed here."))
    if not student.national_number:
        return _refuse(message, "national_number_missing", _("The pupil's record has no national student number "
                                                             "yet: the file cannot travel."))
    filer = _filer(student.school)
    if filer is None:
        return _refuse(message, "no_sending_registrar", _("The graduating school has no registrar to handle it."))
    receiving = payload.get("receiving_school") or {}
    title = f"毕业后跨省就学（转出）：{student.name}（{student.school.name} → {receiving.get('name', '')}）"
    try:
        with transaction.atomic():
            request = request_submit(
                actor=filer, type=ENTRY_RELEASE_TYPE, title=title, subject_type=PUPIL, subject_id=str(student.pk),
                payload={"student": student.pk, "school": student.school_id, "school_org": student.school.org_unit_id,
                         "peer": payload.get("request", ""), "receiving_school_name": receiving.get("name", ""),
                         "receiving_province": message.sender, "national_number": student.national_number})
            Entry.objects.create(
                request=request, side=EntrySide.SENDING, state=EntryState.FILED, school=student.school,
                # B's names of the pupil, so that A's replies keep the subject B's request came with.
                school_class=student.school_class, student=student,
                national_number=(payload.get("national_number") or "")[:24],
                id_number=(payload.get("id_number") or "")[:32], name=student.name, peer_province_code=message.sender,
                peer_school_name=(receiving.get("name") or "")[:128], peer_key=(payload.get("request") or "")[:32],
                filed_at=clock.now())
    except XuejiError as exc:
        return _refuse(message, exc.code, getattr(exc, "words", None) or exc.message)
    _send(sender=message.receiver, receiver=message.sender, kind="opened", subject=message.subject,
          payload={"request": payload.get("request", ""), "release": key_of(request, message.receiver)})
    return None


def release_approved(*, request: Request, actor) -> dict:
    """A's last approval (the effect of admissions.entry_release): tell B; the record stays until 调档."""
    entry = _locked(request.pk)
    if entry.state != EntryState.FILED:
        return {"entry": entry.pk, "state": entry.state}
    entry.state, entry.decided_at = EntryState.AWAITING_RETRIEVAL, clock.now()
    entry.save(update_fields=["state", "decided_at"])
    here = own_province(entry)
    _send(sender=here, receiver=entry.peer_province_code, kind="approved", subject=subject_of(entry),
          actor=actor, payload={"request": entry.peer_key, "release": key_of(request, here)})
    return {"entry": entry.pk, "state": entry.state}


def release_rejected(*, request: Request, actor) -> None:
    entry = _locked(request.pk)
    if entry.state not in ENTRY_OPEN:
        return
    _close(entry, EntryState.REJECTED)
    here = own_province(entry)
    reason = (request.actions.exclude(comment="").order_by("-pk").values_list("comment", flat=True).first() or "")
    _send(sender=here, receiver=entry.peer_province_code, kind="rejected", subject=subject_of(entry),
          actor=actor, payload={"request": entry.peer_key, "release": key_of(request, here), "reason": reason})


def _sending(message) -> Entry:
    entry = _by_peer(message.payload.get("request", ""))
    if entry is None:
        raise ValidationFailed("No graduating side's entry has this key here.", code="unknown_entry")
    return entry


def on_retrieve(message) -> None:
    """A sends the file: the record and its full history, as it is now (the transfer's file)."""
    entry = _sending(message)
    if entry.state == EntryState.COMPLETED or entry.retrieval_at is not None:
        return  # sent already
    if entry.state != EntryState.AWAITING_RETRIEVAL:
        raise _wrong_state(entry, "admissions.entry_retrieve")
    student = Student.objects.select_related("school").get(pk=entry.student_id)
    if student.school_id != entry.school_id or student.status not in LEFT:
        _close(entry, EntryState.REJECTED, "record_moved")
        return _refuse(message, "record_moved", _("The pupil's record changed since the filing (in school again, or "
                                                   "in another school): the entry cannot take effect."))
    entry.retrieval_at = clock.now()
    entry.save(update_fields=["retrieval_at"])
    _send(sender=message.receiver, receiver=message.sender, kind="file", subject=message.subject,
          payload={"request": entry.peer_key, "file": file_of(student, province=message.receiver)})
    return None


def on_received(message) -> None:
    """B holds the pupil: A's side ends, and the graduate's unknown destination (去向) becomes "school in another
    province" (the graduate stays off A's roll: graduated or completed)."""
    entry = _sending(message)
    if entry.state == EntryState.COMPLETED:
        return
    if entry.state != EntryState.AWAITING_RETRIEVAL or entry.retrieval_at is None:
        raise _wrong_state(entry, "admissions.entry_received")
    entry.state, entry.completed_at = EntryState.COMPLETED, clock.now()
    entry.save(update_fields=["state", "completed_at"])
    filled = destinations_fill_other_province(student_ids=[entry.student_id])
    audit_record(actor=None, username="hub", action="admission.entry_released", obj=entry,
                 after={"state": entry.state, "destination_filled": filled})


def register() -> None:
    handlers = {"requested": (on_requested, _("Entry after graduation requested")),
                "opened": (on_opened, _("Entry after graduation opened by the graduating side")),
                "refused": (on_refused, _("Entry after graduation refused by the graduating side")),
                "approved": (on_approved, _("Entry after graduation approved by the graduating side")),
                "rejected": (on_rejected, _("Entry after graduation rejected by the graduating side")),
                "retrieve": (on_retrieve, _("Record of a graduate asked for (调档)")),
                "file": (on_file, _("Record of a graduate (调档)")),
                "received": (on_received, _("Record of a graduate received"))}
    for kind, (fn, label) in handlers.items():
        register_handler(f"admissions.entry_{kind}", fn, label=label)
