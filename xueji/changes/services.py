"""Writes of record maintenance (学籍信息修改) and status changes (非转学异动). Every change of a pupil goes through the
registry's door (registry.services), which writes the history row (before and after) and the audit event in the
caller's transaction; the controlled items and the status changes go through the approval engine first.

- `record_edit`: a school registrar edits a registered pupil's items. What no level controls changes at once;
  the controlled items (policy) become one change request (`changes.record`), with household-register proof when
  an identity item changes, applied at the last approval (types.py). Not windowed: a direct edit is everyday work;
  the change request is filed within the business window of `changes.record`.
- `family_add`, `family_update`, `family_remove`: the school maintains the family members and guardians.
- `status_change_file`: the school registrar files a status change (`changes.status`) with proof; the state
  machine (choices.KINDS and the registry's transition table) says what is possible from the pupil's status.
- `record_lock_require`: after graduation the record's items are locked; a deceased pupil's record is closed.

Every check of an edit is the one row validator's (checks.py); every refusal changes nothing."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.permissions import Cap, require_cap
from xueji.changes import checks, rules
from xueji.changes.choices import (
    CLOSED_STATUSES,
    IDENTITY_ITEMS,
    IDENTITY_ROUTE,
    ITEMS_ROUTE,
    KINDS,
    LOCKED_STATUSES,
    RECORD_TYPE,
    STATUS_TYPE,
    Kind,
    Placement,
    kind_label,
)
from xueji.changes.models import StatusChange
from xueji.core import clock, codes, versions
from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.policy.services import setting_get
from xueji.registry.models import FamilyMember, RegStatus, Student, StudentDetail, StudentStatus
from xueji.registry.services import (
    Identity,
    family_member_remove,
    family_member_save,
    identity_conflict,
    student_update_items,
)
from xueji.registry.versions import version_require
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.workflow.models import Request
from xueji.workflow.services import proof_add, request_submit, sniff
from xueji.workflow.types import register_subject

PUPIL = register_subject("registry.student", _("pupil")).code  # the same kind registration declares


# The lock and the filer ------------------------------------------------------------------------------------------

def record_lock_require(student: Student) -> None:
    """After graduation (毕业, 结业, 肄业) a record's items are locked (record_locked); a deceased pupil's record is
    closed (record_closed): no edit, no family change and no request on it. A graduation reverted (through the
    registry's door) unlocks the record again."""
    status = StudentStatus(student.status) if student.status in StudentStatus.values else None
    if student.status in CLOSED_STATUSES:
        raise Conflict(_("The pupil's record is closed (deceased): nothing can be changed or filed on it."),
                       code="record_closed", details={"status": student.status})
    if student.status in LOCKED_STATUSES:
        raise Conflict(format_lazy(_("The record is locked since the pupil's {status}: its items can no longer be "
                                     "changed. A mistaken graduation is reverted first."),
                                   status=status.label if status else student.status),
                       code="record_locked", details={"status": student.status})


def _locked(student: Student | int) -> Student:
    """The pupil's row, locked until the transaction ends (the door locks it again to write)."""
    pk = student if isinstance(student, int) else student.pk
    found = (Student.objects.select_for_update(of=("self",)).select_related("school__org_unit", "school_class")
             .filter(pk=pk).first())
    if found is None:
        raise Conflict(_("The record no longer exists."), code="record_gone")
    return found


def _require_school(actor, student: Student, cap: Cap) -> None:
    """The pupil's own school maintains its record (its authorities approve, they do not edit)."""
    require_cap(actor, cap)
    if actor.org_unit_id != student.school.org_unit_id:
        raise Forbidden(_("Only the pupil's own school maintains its record; its authorities approve."),
                        code="pupil_school_only")


def _require_registered(student: Student) -> None:
    if student.reg_status != RegStatus.REGISTERED:
        raise Conflict(_("Only a registered record is maintained here; a draft or a pupil awaiting registration "
                         "is corrected among the drafts."), code="not_registered")


def _invalid(errors: list) -> ValidationFailed:
    """Every error of an edit at once, in the serializer's shape (item -> reasons)."""
    details: dict[str, list[str]] = {}
    for error in errors:
        details.setdefault(error.key or "non_field_errors", []).append(
            f"{error.column}：{error.message}" if error.column and error.column != error.key else error.message)
    first = next((e.key for e in errors if e.key), None)
    return ValidationFailed(_("The items are invalid: see each item."), code="invalid", field=first, details=details)


def proofs_check(*, province_code: str, uploads: Sequence) -> None:
    """Every proof's size and type before anything is written (the engine's rules: JPG, PNG or PDF by content,
    the province's size limit), so a refused upload leaves no file and no request behind."""
    limit = int(setting_get(province_code=province_code, key="proof.max_bytes"))
    for upload in uploads:
        name = getattr(upload, "name", "") or "file"
        if upload.size > limit:
            raise ValidationFailed(format_lazy(_("{name}: {size:.1f} MB is over the {limit:.1f} MB limit for proofs."),
                                               name=name, size=upload.size / 1048576, limit=limit / 1048576),
                                   code="file_too_large", field="proofs")
        upload.seek(0)
        try:
            sniff(upload.read(16), name)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, code=exc.code, field="proofs") from None
        upload.seek(0)


def _attach(actor, request: Request, uploads: Sequence, description: str) -> None:
    for upload in uploads:
        proof_add(actor=actor, request=request, upload=upload, description=description)


# Record maintenance (学籍信息修改) ------------------------------------------------------------------------------------

def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


@dataclass
class RecordEdit:
    """What an edit did: the items changed at once (key -> [before, after]) and the change request filed for the
    controlled ones (None when there were none)."""

    applied: dict[str, list]
    request: Request | None
    filed: dict[str, list]


def _current(student: Student, detail: StudentDetail | None, key: str) -> Any:
    item = checks.EDITABLE[key]
    source = student if item.target == "student" else detail
    return getattr(source, item.field, None) if source is not None else checks.empty_value(item)


def split_items(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Items of the record itself and of its detail row, by field name."""
    items, detail = {}, {}
    for key, value in values.items():
        item = checks.EDITABLE[key]
        (items if item.target == "student" else detail)[item.field] = value
    return items, detail


def identity_after(student: Student, changes: dict[str, Any]) -> Identity:
    current = {key: getattr(student, key) for key in IDENTITY_ITEMS}
    new = {**current, **{k: v for k, v in changes.items() if k in IDENTITY_ITEMS}}
    return Identity(id_number=new["id_number"] or None, name=new["name"], sex=new["sex"],
                    birth_date=new["birth_date"], exclude_pk=student.pk)


def changes_identity(student: Student, changes: dict[str, Any]) -> bool:
    """Whether the change moves the pupil's identity as the duplicate rule reads it (the door's rule)."""
    after = identity_after(student, changes)
    if after.id_number:
        return after.id_number != student.id_number
    return any(changes.get(k, getattr(student, k)) != getattr(student, k) for k in ("name", "sex", "birth_date",
                                                                                   "id_number"))


@transaction.atomic
def record_edit(*, actor, student: Student | int, values: dict[str, Any], reason: str = "",
                proofs: Sequence = (), version: str | None = None) -> RecordEdit:
    """A school registrar edits a registered pupil's items (`values`: item key -> value, as the form or the API
    sends it). The items no level controls change at once (audited, history before and after); the controlled
    ones become one change request with their before and after, filed in the business window of record changes,
    with household-register proof when an identity item changes; nothing changes when anything is refused.
    `version` (the API's If-Match, the page's hidden field: `registry.versions`): the edit is refused with 412
    stale_version when the record changed since that version was read (under the row lock: no lost update)."""
    require_cap(actor, Cap.STUDENT_EDIT)
    locked = _locked(student)
    _require_school(actor, locked, Cap.STUDENT_EDIT)
    _require_registered(locked)
    record_lock_require(locked)
    detail = StudentDetail.objects.filter(student=locked).first()
    version_require(locked, detail, version)
    family = list(FamilyMember.objects.filter(student=locked).order_by("pk"))
    check = checks.edit_check(student=locked, detail=detail, family=family, values=values)
    if check.errors:
        raise _invalid(check.errors)
    changed = {key: value for key, value in check.values.items() if value != _current(locked, detail, key)}
    if not changed:
        raise ValidationFailed(_("The edit changes nothing."), code="no_change")
    controlled = rules.controlled_items(locked.school)
    filed = {key: value for key, value in changed.items() if key in controlled}
    direct = {key: value for key, value in changed.items() if key not in controlled}
    if not filed and proofs:
        raise ValidationFailed(_("Proofs go with a change request; these items change at once."),
                               code="proofs_not_needed", field="proofs")
    request = _record_request(actor=actor, student=locked, detail=detail, changes=filed, reason=reason,
                              proofs=proofs) if filed else None
    applied: dict[str, list] = {}
    if direct:
        items, detail_items = split_items(direct)
        before = {key: _current(locked, detail, key) for key in direct}
        student_update_items(actor=actor, student=locked.pk, items=items, detail=detail_items,
                             reason=(reason or "")[:255], action="changes.record_edit")
        applied = {key: [_json(before[key]), _json(value)] for key, value in direct.items()}
    return RecordEdit(applied=applied, request=request,
                      filed={key: [_json(_current(locked, detail, key)), _json(v)] for key, v in filed.items()})


def _record_request(*, actor, student: Student, detail, changes: dict[str, Any], reason: str,
                    proofs: Sequence) -> Request:
    identity = sorted(set(changes) & set(IDENTITY_ITEMS))
    if identity and not proofs:
        raise ValidationFailed(format_lazy(_("A change of {items} needs household-register proof (户口簿): attach it."),
                                           items="、".join(checks.EDITABLE[k].title for k in identity)),
                               code="proof_required", field="proofs", details={"proofs": [str(_(
                                   "Household-register proof is required for a change of identity items."))]})
    proofs_check(province_code=student.province_code, uploads=proofs)
    if identity and changes_identity(student, changes):
        conflict = identity_conflict(school=student.school, identity=identity_after(student, changes))
        if conflict is not None:  # the same duplicate rule as entry and import: refused at filing already
            raise conflict
    before = {key: _json(_current(student, detail, key)) for key in changes}
    payload = {"student": student.pk, "changes": {k: _json(v) for k, v in changes.items()}, "before": before,
               "identity": identity, "reason": (reason or "").strip()[:1000]}
    titles = "、".join(checks.EDITABLE[k].title for k in changes)
    request = request_submit(actor=actor, type=RECORD_TYPE, title=f"学籍信息变更：{student.name}（{titles}）",
                             subject_type=PUPIL, subject_id=str(student.pk), payload=payload)
    _attach(actor, request, proofs, "户籍证明" if identity else "证明材料")
    return request


def record_route_key(changes: dict) -> str:
    """The case of a record change: identity items route as "identity", every other controlled item as "items"."""
    return IDENTITY_ROUTE if set(changes) & set(IDENTITY_ITEMS) else ITEMS_ROUTE


# Family members and guardians (家庭成员/监护人) --------------------------------------------------------------------

def _family_context(actor, student: Student | int):
    require_cap(actor, Cap.STUDENT_EDIT)
    locked = _locked(student)
    _require_school(actor, locked, Cap.STUDENT_EDIT)
    _require_registered(locked)
    record_lock_require(locked)
    detail = StudentDetail.objects.filter(student=locked).first()
    family = list(FamilyMember.objects.filter(student=locked).order_by("pk"))
    return locked, detail, family


def _member_of(family: list[FamilyMember], member: FamilyMember | int) -> FamilyMember:
    pk = member if isinstance(member, int) else member.pk
    found = next((m for m in family if m.pk == pk), None)
    if found is None:
        raise ValidationFailed(_("The family member belongs to another pupil."), code="wrong_member", field="member")
    return found


@transaction.atomic
def family_add(*, actor, student: Student | int, values: dict[str, Any]) -> FamilyMember:
    """The school adds a family member or guardian to a registered pupil (audited, history)."""
    locked, detail, family = _family_context(actor, student)
    check = checks.member_check(student=locked, detail=detail, family=family, member=None, values=values)
    if check.errors:
        raise _invalid(check.errors)
    return family_member_save(actor=actor, student=locked.pk, values=check.values)


@transaction.atomic
def family_update(*, actor, member: FamilyMember, values: dict[str, Any], version: str | None = None) -> FamilyMember:
    """`version` (If-Match, the page's hidden field; `core.versions`): refused 412 stale_version when the member
    changed since it was read (checked under the pupil's row lock, which every family write takes)."""
    locked, detail, family = _family_context(actor, member.student_id)
    current = _member_of(family, member)
    versions.version_require(versions.version_of(current), version)
    check = checks.member_check(student=locked, detail=detail, family=family, member=current, values=values)
    if check.errors:
        raise _invalid(check.errors)
    changed = {k: v for k, v in check.values.items() if getattr(current, checks.MEMBER_ITEMS[k].field) != v}
    if not changed:
        raise ValidationFailed(_("The edit changes nothing."), code="no_change")
    return family_member_save(actor=actor, student=locked.pk, member=current, values=changed)


@transaction.atomic
def family_remove(*, actor, member: FamilyMember) -> None:
    locked, detail, family = _family_context(actor, member.student_id)
    current = _member_of(family, member)
    check = checks.member_check(student=locked, detail=detail, family=family, member=current, values=None)
    if check.errors:
        raise _invalid(check.errors)
    family_member_remove(actor=actor, member=current)


# Status changes (学籍异动) ---------------------------------------------------------------------------------------

def stage_of(student: Student) -> str:
    """The stage the pupil's record belongs to: its class's, else its school's first."""
    if student.school_class_id and student.school_class is not None:
        return student.school_class.stage
    return (student.school.stages or "1")[0]


def latest_change(student: Student) -> StatusChange | None:
    return StatusChange.objects.filter(student=student).order_by("-at", "-id").first()


def _status_label(code: str) -> str:
    return str(codes.STUDENT_STATUS.label(code))


def kind_refusal(kind: Kind, student: Student, *, today: dt.date | None = None) -> Conflict | None:
    """Why this kind of status change is not possible from the pupil's state now (None: it is): the state machine
    of the record (choices.KINDS, over the registry's transition table), and the rules of study abroad."""
    if student.status not in kind.from_statuses:
        if kind.key in ("resume", "return"):
            words = format_lazy(_("Only a suspended pupil resumes; this pupil's status is “{status}”."),
                                status=_status_label(student.status))
        else:
            words = format_lazy(_("{kind} is not possible for a pupil whose status is “{status}”."),
                                kind=kind.label, status=_status_label(student.status))
        return Conflict(words, code="status_not_allowed", field="kind",
                        details={"kind": kind.key, "status": student.status})
    if kind.key in ("resume", "return"):
        last = latest_change(student)
        abroad = last is not None and last.kind == "abroad"
        if kind.key == "resume" and abroad:
            return Conflict(_("This pupil is suspended to study abroad: the return is filed as 回国复学."),
                            code="abroad_return", field="kind")
        if kind.key == "return" and not abroad:
            return Conflict(_("This pupil is not studying abroad: a suspended pupil resumes by 复学."),
                            code="not_abroad", field="kind")
        if abroad and last.keep_until and (today or clock.today()) > last.keep_until:
            return Conflict(format_lazy(_("The record was kept until {day} for the pupil's return from abroad; the "
                                          "period is over. Close the record (其他) and register the pupil again "
                                          "as returning from abroad."), day=f"{last.keep_until:%Y-%m-%d}"),
                            code="abroad_keep_expired", field="kind", details={"keep_until": str(last.keep_until)})
    return None


def type_allowed(kind: Kind, student: Student) -> bool:
    return kind.type_code in rules.allowed_types(province_code=student.province_code, stage=stage_of(student))


def type_require(kind: Kind, student: Student) -> None:
    if not type_allowed(kind, student):
        stage = stage_of(student)
        raise Conflict(format_lazy(_("{kind} ({type}) is not allowed for pupils of the {stage} stage in this "
                                     "province."), kind=kind.label, type=f"{kind.type_code} {kind.type_label}",
                                   stage=codes.STAGE.label(stage)),
                       code="status_change_not_allowed", field="kind",
                       details={"kind": kind.key, "type": kind.type_code, "stage": stage})


def target_classes(kind: Kind, student: Student):
    """The classes a status change of this kind may put the pupil in: of the pupil's school and active; the same
    grade (another class), the next lower or higher grade of the same stage (cohort year one later or earlier), or
    for a return into the school (resume, return, restore) any class of the pupil's stage."""
    qs = SchoolClass.objects.filter(school_id=student.school_id, is_active=True).select_related("school")
    current = student.school_class
    if not kind.places:
        return qs.none()
    if current is None:
        return qs.filter(stage=stage_of(student)) if kind.placement == Placement.KEEP else qs.none()
    start = current_school_year_start(student.school_id)
    if kind.placement == Placement.KEEP:
        return qs.filter(stage=current.stage)
    if kind.placement == Placement.SAME_GRADE:
        return qs.filter(stage=current.stage, cohort_year=current.cohort_year).exclude(pk=current.pk)
    cohort = current.cohort_year + (1 if kind.placement == Placement.LOWER_GRADE else -1)
    year = start - cohort + 1
    if not 1 <= year <= codes.STAGE_YEARS[current.stage]:
        return qs.none()
    return qs.filter(stage=current.stage, cohort_year=cohort)


def target_class(kind: Kind, student: Student, school_class: SchoolClass | int | None) -> SchoolClass | None:
    """The class named for the pupil (None when the kind places nowhere, or keeps the current class)."""
    if not kind.places:
        if school_class:
            raise ValidationFailed(_("This kind of status change does not move the pupil to another class."),
                                   code="unexpected_class", field="school_class")
        return None
    pk = school_class.pk if isinstance(school_class, SchoolClass) else school_class
    if not pk:
        if kind.needs_class:
            raise ValidationFailed(format_lazy(_("Name the class the pupil moves to ({where})."),
                                               where=Placement(kind.placement).label),
                                   code="class_required", field="school_class")
        return student.school_class if student.school_class_id else None
    found = target_classes(kind, student).filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(format_lazy(_("This class does not fit: the pupil moves to {where}."),
                                           where=Placement(kind.placement).label),
                               code="wrong_class", field="school_class")
    return found


def kind_of(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise ValidationFailed(_("Unknown kind of status change."), code="unknown_kind", field="kind")
    return kind


def reason_require(kind: Kind, reason: str) -> None:
    if reason not in kind.reasons:
        raise ValidationFailed(format_lazy(_("“{reason}” is not a reason for {kind}; choose one of its reasons."),
                                           reason=reason, kind=kind.label),
                               code="invalid_reason", field="reason", details={"reason": list(kind.reasons)})


@transaction.atomic
def status_change_file(*, actor, student: Student | int, kind: str, reason: str,
                       school_class: SchoolClass | int | None = None, effective_date: dt.date | None = None,
                       note: str = "", proofs: Sequence = ()) -> Request:
    """The school registrar files a status change of a registered pupil with its JY/T 1001 type and reason (and
    the class it moves to, where it moves); the school leader approves, and the county where the route says. The
    engine refuses a second open status change (or transfer) of the pupil, naming the open one."""
    require_cap(actor, Cap.REQUEST_FILE)
    locked = _locked(student)
    _require_school(actor, locked, Cap.REQUEST_FILE)
    _require_registered(locked)
    record_lock_require(locked)
    chosen = kind_of(kind)
    type_require(chosen, locked)
    refusal = kind_refusal(chosen, locked)
    if refusal is not None:
        raise refusal
    reason_require(chosen, reason)
    klass = target_class(chosen, locked, school_class)
    effective = effective_date or clock.today()
    if effective > clock.today():
        raise ValidationFailed(_("The date of the change cannot be after today."), code="future_date",
                               field="effective_date")
    if chosen.proof_required and not proofs:
        raise ValidationFailed(format_lazy(_("{kind} is filed with proof: attach it."), kind=chosen.label),
                               code="proof_required", field="proofs")
    proofs_check(province_code=locked.province_code, uploads=proofs)
    payload = {"student": locked.pk, "kind": chosen.key, "type": chosen.type_code, "reason": reason,
               "note": (note or "").strip()[:255], "effective_date": effective.isoformat(),
               "from_status": locked.status, "to_status": chosen.to_status or locked.status,
               "from_class": locked.school_class_id, "school_class": klass.pk if klass else None}
    request = request_submit(actor=actor, type=STATUS_TYPE,
                             title=f"学籍异动（{chosen.type_code} {_zh(chosen)}）：{locked.name}",
                             subject_type=PUPIL, subject_id=str(locked.pk), payload=payload)
    _attach(actor, request, proofs, f"{_zh(chosen)}证明材料")
    return request


def _zh(kind: Kind) -> str:
    """The kind's label in the system's language (stored on the request: it reads the same to everyone)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return kind_label(kind.key)
