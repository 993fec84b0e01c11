"""The request types of record maintenance and status changes, and what their approval does.

- `changes.record` (学籍信息变更): the controlled items of one edit. Route: the school leader, then the county
  registrar (a province may route the "identity" case, and the "items" case, its own way). At the last approval
  the items change through the registry's door (`student_update_items` with the request), in the approval's
  transaction with its history and audit rows. An identity change runs the duplicate rule again there: if another
  record took the identity since the filing, the approval is refused, the request stays pending at its step, and a
  problem record (问题学籍: duplicate ID, or duplicate without ID) is filed for the records concerned; the approver
  returns the request to the school, or approves once the problem record is resolved.
- `changes.status` (学籍异动): one status change; the route key is its kind (choices.KINDS: suspend, resume, ...), so a
  province routes each kind its own way. A school step may name another class for a kind that moves the pupil
  (`check_decision`: {"school_class": id}). At the last approval the pupil is placed (class-size caps: the door
  refuses a full class) and its status changes through the door's transition table; a `StatusChange` row keeps the
  type, the reason and, for a pupil abroad, the day the record is kept until."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from xueji.audit.services import audit_record
from xueji.changes import checks, rules, services
from xueji.changes.choices import (
    IDENTITY_ROUTE,
    ITEMS_ROUTE,
    KINDS,
    RECORD_TYPE,
    RECORD_WINDOW,
    SCHOOL_AND_COUNTY,
    STATUS_EXCLUDES,
    STATUS_TYPE,
    STATUS_WINDOW,
    kind_label,
    reason_label,
)
from xueji.changes.models import StatusChange
from xueji.core import clock, codes
from xueji.core.errors import Conflict, ValidationFailed
from xueji.problems.choices import ProblemKind
from xueji.problems.identity_keys import no_id_key
from xueji.problems.records import record_problems
from xueji.regions.models import OrgKind
from xueji.registry.models import Student
from xueji.registry.services import identity_holders, student_place, student_set_status, student_update_items
from xueji.schools.models import SchoolClass
from xueji.workflow.services import decision_data
from xueji.workflow.types import RequestType, refusal_leaving, register

# Record changes ------------------------------------------------------------------------------------------------


def _from_json(key: str, value):
    item = checks.EDITABLE[key]
    if value is None or value == "":
        return checks.empty_value(item) if value == "" else None
    if item.kind in ("date", "yearmonth"):
        return dt.date.fromisoformat(value)
    if item.kind == "decimal":
        return Decimal(value)
    return value


def _student_of(request) -> Student:
    student = Student.objects.select_related("school__org_unit", "school_class").filter(
        pk=(request.payload or {}).get("student")).first()
    if student is None:
        raise Conflict(_("The record no longer exists."), code="record_gone")
    return student


def _record_clash(request, student: Student, changes: dict, actor) -> None:
    """Another record holds the identity the change asks for: a problem record for them all (the records holding
    it and this pupil, which asks for it), found by the change request."""
    identity = services.identity_after(student, changes)
    holders = identity_holders(school=student.school, identities=[identity])[0]
    if not holders:
        return
    if identity.id_number:
        kind, key = ProblemKind.DUPLICATE_ID, identity.id_number
    else:
        kind, key = ProblemKind.DUPLICATE_NO_ID, no_id_key(identity.name, identity.sex, identity.birth_date)
    record_problems(kind=kind, province_code=student.province_code,
                    groups={key: sorted({h.pk for h in holders} | {student.pk})},
                    details={key: {"reason": "change_request", "request": request.pk, "claimed_by": student.pk}},
                    source="changes", actor=actor)


def _apply_record(*, request, actor) -> dict:
    student = _student_of(request)
    services.record_lock_require(student)
    changes = {key: _from_json(key, value) for key, value in (request.payload.get("changes") or {}).items()}
    items, detail = services.split_items(changes)
    try:
        student_update_items(actor=actor, student=student.pk, items=items, detail=detail, request_id=request.pk,
                             reason=(request.payload.get("reason") or "学籍信息变更申请")[:255],
                             action="changes.record_approved")
    except Conflict as exc:
        if exc.code != "duplicate_student":
            raise
        refusal = Conflict(_("Not approved: another record holds this identity now (it was taken after the change "
                             "was filed). A problem record was filed for the records concerned; the request stays "
                             "pending. Return it to the school, or approve it once the problem record is "
                             "resolved."), code="identity_clash", field=exc.field,
                           details={"request": request.pk, "student": student.pk})
        raise refusal_leaving(refusal, lambda: _record_clash(request, student, changes, actor)) from exc
    return {"student": student.pk, "changed": sorted(changes)}


def _record_resubmit(*, request, actor) -> None:
    """Resubmitted after a return: the record may not have been locked since, nor its identity taken."""
    student = _student_of(request)
    services.record_lock_require(student)
    changes = {key: _from_json(key, value) for key, value in (request.payload.get("changes") or {}).items()}
    if services.changes_identity(student, changes):
        conflict = services.identity_conflict(school=student.school,
                                              identity=services.identity_after(student, changes))
        if conflict is not None:
            raise conflict


def _present_record(payload: dict, presenter) -> dict:
    keys = ("student", "changes", "before", "identity", "reason")
    return presenter.mapping({key: payload[key] for key in keys if key in payload})


RECORD = register(RequestType(
    code=RECORD_TYPE, label=_("Record change (controlled items)"), default_route=SCHOOL_AND_COUNTY,
    routes={IDENTITY_ROUTE: SCHOOL_AND_COUNTY, ITEMS_ROUTE: SCHOOL_AND_COUNTY},
    route_key=lambda r: services.record_route_key((r.payload or {}).get("changes") or {}),
    apply=_apply_record, on_resubmit=_record_resubmit, window_kind=RECORD_WINDOW, present_payload=_present_record,
    subjects=(services.PUPIL,), excludes=(RECORD_TYPE,),
    extra={"route_labels": {IDENTITY_ROUTE: _("identity items"), ITEMS_ROUTE: _("record items")}}))


# Status changes ------------------------------------------------------------------------------------------------

def _class_label(pk) -> str:
    klass = SchoolClass.objects.filter(pk=pk).first() if pk else None
    return klass.display_name if klass else ""


def _check_status(*, request, step, data: dict) -> dict:
    """A school step may name the class the pupil moves to, for a kind that moves it; the other steps carry
    nothing."""
    payload = request.payload or {}
    kind = KINDS[payload["kind"]]
    if not data:
        return {}
    if set(data) - {"school_class"} or step.org_unit.kind != OrgKind.SCHOOL or not kind.places:
        raise ValidationFailed(_("This step takes no data."), code="unexpected_data", field="data")
    student = _student_of(request)
    klass = services.target_class(kind, student, data.get("school_class"))
    return {"school_class": klass.pk} if klass else {}


def _apply_status(*, request, actor) -> dict:
    payload = request.payload
    kind = KINDS[payload["kind"]]
    student = _student_of(request)
    services.record_lock_require(student)
    refusal = services.kind_refusal(kind, student)
    if refusal is not None:  # the pupil's status changed since the filing
        raise refusal
    old_status, old_class = student.status, student.school_class_id
    target = decision_data(request).get("school_class") or payload.get("school_class")
    klass = SchoolClass.objects.select_related("school").get(pk=target) if target and kind.places else None
    reason = _stored_reason(kind, payload["reason"])  # the history's words, in the system's language
    if klass is not None and klass.pk != old_class:
        student_place(actor=actor, student=student.pk, school_class=klass, request_id=request.pk)
    new_status = kind.to_status or old_status
    if new_status != old_status:
        student_set_status(actor=actor, student=student.pk, status=new_status, reason=reason, request_id=request.pk)
    effective = dt.date.fromisoformat(payload["effective_date"])
    keep_until = None
    if kind.key == "abroad":
        years = rules.abroad_keep_years(student.province_code)
        keep_until = _years_after(effective, years)
    row = StatusChange.objects.create(
        student=student, school=student.school, kind=kind.key, type_code=kind.type_code,
        reason_code=payload["reason"], note=payload.get("note", ""), effective_date=effective,
        old_status=old_status, new_status=new_status, old_class_id=old_class,
        new_class_id=klass.pk if klass is not None else old_class, keep_until=keep_until, request=request,
        actor=actor if getattr(actor, "pk", None) else None, at=clock.now())
    audit_record(actor=actor, action="changes.status_change", obj=row,
                 before={"status": old_status, "class": old_class},
                 after={"kind": kind.key, "type": kind.type_code, "reason": payload["reason"], "status": new_status,
                        "class": row.new_class_id, "keep_until": keep_until, "request": request.pk})
    return {"student": student.pk, "kind": kind.key, "type": kind.type_code, "status": new_status,
            "class": row.new_class_id, "keep_until": keep_until.isoformat() if keep_until else None}


def _stored_reason(kind, reason: str) -> str:
    """学籍异动 11 休学（10 疾病）: the JY/T 1001 type and reason as the pupil's history keeps them (stored text, in the
    system's language, so it reads the same to everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        type_label, label = str(codes.STATUS_CHANGE_TYPE.label(kind.type_code)), kind_label(kind.key)
        named = type_label if label == type_label else f"{type_label}（{label}）"  # 99 其他（辍学）
        return f"学籍异动 {kind.type_code} {named}：{reason} {reason_label(reason)}"[:255]


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _status_resubmit(*, request, actor) -> None:
    """Resubmitted after a return: the same checks as at filing, on the record as it is now."""
    payload = request.payload or {}
    kind = KINDS[payload["kind"]]
    student = _student_of(request)
    services.record_lock_require(student)
    services.type_require(kind, student)
    refusal = services.kind_refusal(kind, student)
    if refusal is not None:
        raise refusal
    if payload.get("school_class") and kind.places:
        services.target_class(kind, student, payload["school_class"])


def _present_status(payload: dict, presenter) -> dict:
    """The kind with its JY/T type and reason, and the status and class before and after (labels, not codes)."""
    kind = payload.get("kind", "")
    shown = {"kind": kind, "kind_label": kind_label(kind), "type": payload.get("type"),
             "type_label": str(codes.STATUS_CHANGE_TYPE.label(payload.get("type", ""))),
             "reason": f"{payload.get('reason', '')} {reason_label(payload.get('reason', ''))}".strip()
             + (f" — {payload['note']}" if payload.get("note") else ""),
             "effective_date": payload.get("effective_date"), "school_class": payload.get("school_class")}
    before = {str(_("Status")): str(codes.STUDENT_STATUS.label(payload.get("from_status", "")))}
    after = {str(_("Status")): str(codes.STUDENT_STATUS.label(payload.get("to_status", "")))}
    if payload.get("school_class") and payload.get("school_class") != payload.get("from_class"):
        before[str(_("Class"))] = _class_label(payload.get("from_class"))
        after[str(_("Class"))] = _class_label(payload.get("school_class"))
    return presenter.mapping({**shown, "before": before, "changes": after})


STATUS = register(RequestType(
    code=STATUS_TYPE, label=_("Status change of a pupil"), default_route=SCHOOL_AND_COUNTY,
    routes={kind.key: kind.route for kind in KINDS.values()}, route_key=lambda r: (r.payload or {}).get("kind", ""),
    apply=_apply_status, on_resubmit=_status_resubmit, check_decision=_check_status, window_kind=STATUS_WINDOW,
    present_payload=_present_status, subjects=(services.PUPIL,), excludes=STATUS_EXCLUDES,
    extra={"route_labels": {kind.key: kind.label for kind in KINDS.values()}}))  # the policy routes page names them

