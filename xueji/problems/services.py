"""Problem records (问题学籍): found by verification and by the duplicate and error scans, resolved by the
schools and their authorities through the one approval engine.

Kinds and what each member school may do (every action is a request; default route: the school registrar
files, the county registrar approves; a province may change the route in policy):
- ID error (身份证件号错误, from verification or the error scan): change the data (`problem.correct`: the record
  is updated and verified again), delete the record (`problem.delete`: the only way a registered record is
  removed), or confirm with proof from the household register (`problem.confirm`: verify_status "proof").
- Duplicate ID number (身份证件号重复): the same three actions per record; only one record may keep the ID. When
  every record still holding it has had its confirmation approved, the dispute goes to the parties' common
  superior (`problem.arbitrate`, resolver "common_superior"): the arbiter names the record that keeps the ID;
  the others lose it (cleared, with an ID-error problem of their own, so their school must change them).
- Duplicate without ID (无身份证件号重复: same name, sex and birth date): the same three actions; once the
  authority has checked the proof of every record still in the group, they stand as distinct pupils.

Once a problem is resolved, its records that are cleared get their final number (clearance.issue_cleared).

Why one module of ~540 lines: it is the filing and the approval of these four request types, which share the
locking of a problem and its member (`_locked`), its re-evaluation after each decision (`_reevaluate`, which
starts the arbitration) and the deletion of a record; arbitration in a module of its own would import these
helpers and be imported by them (a cycle). Recording problems is in records.py, finding them in scans.py.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import org_in_jurisdiction
from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock, codes, idnumbers
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.core.messages import user_message
from xueji.policy.selectors import deletion_refusal
from xueji.problems.choices import ACTIVE_MEMBER_STATES, MemberState, ProblemKind, ProblemStatus, Resolution
from xueji.problems.clearance import issue_cleared
from xueji.problems.identity_check import identity_check
from xueji.problems.identity_keys import holds_id
from xueji.problems.models import DeletedRecord, Problem, ProblemMember, RetiredNumber
from xueji.problems.records import problem_event, problem_matches, problem_resolve, record_problems
from xueji.regions.models import OrgUnit
from xueji.registry.models import Student, VerifyStatus
from xueji.registry.services import (
    StudentArchive,
    identity_lock,
    identity_of,
    identity_require_unique,
    student_delete,
    student_revoke_id,
    student_set_identity,
    student_verify_confirm,
)
from xueji.registry.validation import validate_identity
from xueji.workflow.labels import LABELS
from xueji.workflow.labels import register_subject as label_subject
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.resolvers import common_superior
from xueji.workflow.services import (
    current_step,
    decision_data,
    may_decide,
    proof_add,
    request_decide,
    request_submit,
)
from xueji.workflow.types import RequestType, register, register_subject, step

logger = logging.getLogger(__name__)

SUBJECT = register_subject("registration.problem", _("problem record")).code
# A school's action on its record of a problem is about that member: one open action per member at a time.
MEMBER_SUBJECT = register_subject("registration.problem_member", _("record of a problem record")).code
# Security labels (control 10): a request about a problem record with a labelled member does not name its pupils to
# the uncleared (workflow/labels.py).
label_subject(SUBJECT, lambda key: Exists(ProblemMember.objects.filter(problem_id=key,
                                                                      student__security_label__in=LABELS)))
ACTIONS = ("correct", "delete", "confirm")
CORRECTABLE = ("name", "sex", "birth_date", "id_type", "id_number")


# Filing actions ---------------------------------------------------------------------------------------------

def clean_changes(*, student: Student, changes: dict[str, Any]) -> dict[str, Any]:
    """Check a correction: known items only, valid codes, a resident ID that agrees with the birth date and sex,
    an ID no other record holds. Returns only what changes, as JSON-able values."""
    import datetime as dt

    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationFailed(f"Only {', '.join(CORRECTABLE)} can be corrected here.", code="not_correctable",
                               field=sorted(unknown)[0])
    current = {"name": student.name, "sex": student.sex, "birth_date": student.birth_date,
               "id_type": student.id_type, "id_number": student.id_number or ""}
    new = dict(current)
    for key, value in changes.items():
        value = "" if value is None else value
        if key == "birth_date" and not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                raise ValidationFailed("Give the date of birth as YYYY-MM-DD.", code="invalid_date",
                                       field="birth_date") from None
        elif key == "id_number":
            value = idnumbers.normalise(str(value))
        elif isinstance(value, str):
            value = value.strip()
        new[key] = value
    refused: list[ValidationFailed] = []  # every reason at once, not one per submission
    if not new["name"] or len(new["name"]) > 64:
        refused.append(ValidationFailed("The name is required (64 characters at most).", code="invalid_name",
                                        field="name"))
    if new["sex"] not in codes.SEX.codes:
        refused.append(ValidationFailed(f"Unknown sex code {new['sex']!r}.", code="invalid_code", field="sex"))
    if new["id_type"] not in codes.ID_DOC_TYPE.codes:
        refused.append(ValidationFailed(f"Unknown ID document type {new['id_type']!r}.", code="invalid_code",
                                        field="id_type"))
    if new["birth_date"] > clock.today():
        refused.append(ValidationFailed("The date of birth is in the future.", code="future_date",
                                        field="birth_date"))
    if len(new["id_number"]) > 32:
        refused.append(ValidationFailed("The ID number is too long.", code="invalid_id", field="id_number"))
    elif new["id_type"] == "1" and new["id_number"]:
        try:
            parsed = idnumbers.parse(new["id_number"])
        except idnumbers.InvalidId as exc:
            refused.append(ValidationFailed(str(exc), code=exc.code, field="id_number"))
        else:
            contradicted = idnumbers.contradicts(parsed, birth_date=new["birth_date"], sex=new["sex"])
            if "birth_date" in contradicted:
                refused.append(ValidationFailed("The ID number's birth date differs from the date of birth.",
                                                code="id_birth_date_mismatch", field="id_number"))
            if "sex" in contradicted:
                refused.append(ValidationFailed("The ID number's sex digit differs from the sex.",
                                                code="id_sex_mismatch", field="id_number"))
    # The row validator's identity rules (name characters, formula-like cells, plausible birth date), on the items
    # the correction changes (what it leaves as it is is not held against it) and not said above already.
    said = {e.field for e in refused}
    refused += [ValidationFailed(e.message, code="invalid_identity", field=e.key)
                for e in validate_identity(new, today=clock.today())
                if new.get(e.key) != current.get(e.key) and e.key not in said]
    if refused:
        first = refused[0]
        details: dict[str, list[str]] = {}
        for error in refused:
            details.setdefault(error.field, []).append(user_message(error))
        raise ValidationFailed(first.words if first.words is not None else first.message, code=first.code,
                               field=first.field, details=details)
    # The one duplicate rule of every path that sets identity items (registry.services.identity_holders), for
    # what this correction changes: a record already a duplicate may be corrected in its other items.
    changes_identity = (new["id_number"] != current["id_number"] if new["id_number"]
                        else any(new[k] != current[k] for k in ("name", "sex", "birth_date", "id_number")))
    if changes_identity:
        identity_lock()  # until the transaction ends: no other path inserts this identity meanwhile
        identity_require_unique(school=student.school, identity=identity_of(new, exclude_pk=student.pk))
    out = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in new.items() if v != current[k]}
    if not out:
        raise ValidationFailed("The correction changes nothing.", code="no_change")
    return out


def _member_for(actor, problem: Problem, member_id: int | None) -> ProblemMember:
    members = list(problem.members.select_related("student", "school_org"))
    if member_id is not None:
        member = next((m for m in members if m.pk == member_id), None)
        if member is None or not org_in_jurisdiction(actor, member.school_org):
            raise NotFound("problem record member not found")
        return member
    own = [m for m in members if m.school_org_id == actor.org_unit_id and m.state in ACTIVE_MEMBER_STATES]
    if len(own) != 1:
        raise ValidationFailed("Name the record (member) this action is for.", code="member_required",
                               field="member")
    return own[0]


ACTION_LABELS = {"correct": "问题学籍更正", "delete": "问题学籍删除", "confirm": "问题学籍确认（户籍证明）"}


@transaction.atomic
def problem_action_file(*, actor, problem: Problem, action: str, member_id: int | None = None,
                        changes: dict[str, Any] | None = None, reason: str = "", uploads: Iterable = ()) -> Request:
    """The member's school registrar files a correction, a deletion or a confirmation with proof. The request
    goes the route of its type (default: county registrar approves); nothing changes until it is approved."""
    require_cap(actor, Cap.REQUEST_FILE)
    if action not in ACTIONS:
        raise ValidationFailed(f"Unknown action {action!r}.", code="unknown_action", field="action")
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    member = _member_for(actor, problem, member_id)
    if actor.org_unit_id != member.school_org_id:
        raise Forbidden("Problem records are acted on by the pupil's school; its authority approves.",
                        code="school_only")
    if problem.status == ProblemStatus.RESOLVED:
        raise Conflict("This problem record is already resolved.", code="problem_resolved")
    if problem.status == ProblemStatus.ARBITRATION:
        raise Conflict("This problem is under arbitration by the common superior authority.",
                       code="under_arbitration")
    if member.state != MemberState.OPEN:
        raise Conflict(f"This record's part is already settled ({member.get_state_display()}).",
                       code="member_settled")
    student = member.student
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    reason = (reason or "").strip()
    payload: dict[str, Any] = {"problem": problem.pk, "member": member.pk, "student": student.pk,
                               "kind": problem.kind, "reason": reason[:1000]}
    if action == "correct":
        payload["changes"] = clean_changes(student=student, changes=changes or {})
        payload["before"] = {k: (getattr(student, k).isoformat() if k == "birth_date" else getattr(student, k))
                             for k in payload["changes"]}
    elif action == "delete":
        if not reason:
            raise ValidationFailed("Give the reason for deleting the record.", code="reason_required", field="reason")
        refusal = deletion_refusal(student=student)  # a formal number, and the province's switch off
        if refusal is not None:
            raise refusal
    elif action == "confirm":
        if problem.kind != ProblemKind.DUPLICATE_NO_ID and not (holds_id(student)
                                                              and idnumbers.is_valid(student.id_number)):
            raise ValidationFailed("Only a well-formed resident ID number can be confirmed; correct it instead.",
                                   code="not_confirmable")
    school = member.school_org.name
    request = request_submit(actor=actor, type=f"problem.{action}",
                             title=f"{ACTION_LABELS[action]}：{student.name}（{school}）",
                             subject_type=SUBJECT, subject_id=str(problem.pk), payload=payload,
                             subjects=[(MEMBER_SUBJECT, member.pk)])  # the engine refuses a second open one
    for upload in uploads:
        proof_add(actor=actor, request=request, upload=upload, description="户籍证明")
    member.request = request
    member.save(update_fields=["request"])
    problem.updated_at = clock.now()
    problem.save(update_fields=["updated_at"])
    problem_event(problem, f"filed_{action}", actor=actor, member=member, request=request, note=reason)
    return request


# What approval does -----------------------------------------------------------------------------------------

def _locked(request: Request) -> tuple[Problem, ProblemMember, Student | None]:
    payload = request.payload or {}
    problem = Problem.objects.select_for_update().get(pk=payload["problem"])
    member = ProblemMember.objects.get(pk=payload["member"], problem=problem)
    student = Student.objects.select_for_update(of=("self",)).select_related("school__org_unit", "school__county") \
        .filter(pk=member.student_id).first() if member.student_id else None
    return problem, member, student


def _clear_numbers(members: Iterable[ProblemMember], actor) -> dict:
    ids = [m.student_id for m in members if m.student_id]
    return issue_cleared(student_ids=ids, actor=actor) if ids else {}


def _reevaluate(problem: Problem, actor, resolution: str, request: Request | None = None) -> None:
    """After a member's change: resolve when at most one record still holds the key; when every record still
    holding it is confirmed, a duplicate ID goes to arbitration and a duplicate without ID stands as distinct."""
    if problem.status != ProblemStatus.OPEN:
        return
    active = list(problem.members.filter(state__in=ACTIVE_MEMBER_STATES).order_by("pk"))
    if len(active) <= 1:
        problem_resolve(problem, resolution, actor, request=request)
        _clear_numbers(active, actor)
        return
    if all(m.state == MemberState.CONFIRMED for m in active):
        if problem.kind == ProblemKind.DUPLICATE_NO_ID:
            problem_resolve(problem, Resolution.CONFIRMED_DISTINCT, actor, request=request,
                     note="the authorities checked the proof of every record: distinct pupils")
            _clear_numbers(active, actor)
        elif problem.kind == ProblemKind.DUPLICATE_ID:
            _start_arbitration(problem, active, actor)


def arbitration_parties(members: list[ProblemMember]) -> list[int]:
    """The parties whose common superior arbitrates: the records' counties; within one county, the schools
    (their county decides); within one school, the school and its county (the county decides)."""
    counties = list(dict.fromkeys(m.county_org_id for m in members))
    if len(counties) >= 2:
        return counties
    schools = list(dict.fromkeys(m.school_org_id for m in members))
    return schools if len(schools) >= 2 else [schools[0], counties[0]]


def _start_arbitration(problem: Problem, active: list[ProblemMember], actor) -> Request:
    parties = arbitration_parties(active)
    request = request_submit(actor=actor, type=ARBITRATE.code,
                             title=f"重复身份证件号仲裁：{idnumbers.mask(problem.id_number)}（{len(active)} 条学籍）",
                             subject_type=SUBJECT, subject_id=str(problem.pk),
                             payload={"problem": problem.pk, "parties": parties, "members": [m.pk for m in active]})
    problem.status, problem.arbitration_request, problem.updated_at = (
        ProblemStatus.ARBITRATION, request, clock.now())
    problem.save(update_fields=["status", "arbitration_request", "updated_at"])
    problem_event(problem, "arbitration", actor=actor, request=request,
           note="both authorities approved their own record: sent to the common superior")
    return request


def _apply_correct(*, request: Request, actor) -> dict:
    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    try:  # checked again: another record may have taken the ID number since the request was filed
        changes = clean_changes(student=student, changes=request.payload.get("changes") or {})
    except ValidationFailed as exc:
        if exc.code != "no_change":
            raise
        changes = {}
    student = student_set_identity(actor=actor, student=student, changes=changes)
    verification = None
    if holds_id(student) and student.verify_status == VerifyStatus.UNVERIFIED:
        verification = identity_check(student_ids=[student.pk], actor=actor, resolution=Resolution.CORRECTED)
        student.refresh_from_db(fields=["verify_status"])
    problem.refresh_from_db()
    result = {"student": student.pk, "changed": sorted(changes), "verify_status": student.verify_status}
    if problem.kind == ProblemKind.ID_ERROR:
        if problem.status == ProblemStatus.OPEN:
            if student.verify_status in (VerifyStatus.VERIFIED, VerifyStatus.PROOF) or not holds_id(student):
                member.state = MemberState.CHANGED
                member.save(update_fields=["state"])
                problem_resolve(problem, Resolution.CORRECTED, actor, request=request)
            else:
                problem.detail = {**problem.detail, "reason": _reason_of(student.verify_status),
                                  "after_correction": True}
                problem.updated_at = clock.now()
                problem.save(update_fields=["detail", "updated_at"])
                problem_event(problem, "still_failing", actor=actor, member=member, request=request,
                       note=student.get_verify_status_display())
        else:
            member.state = MemberState.CHANGED
            member.save(update_fields=["state"])
    else:
        member.state = MemberState.OPEN if problem_matches(problem, student) else MemberState.CHANGED
        member.save(update_fields=["state"])
        problem_event(problem, "approved_correct", actor=actor, member=member, request=request)
        _reevaluate(problem, actor, Resolution.CORRECTED, request=request)
    _reevaluate_others(student, problem, actor, request)
    result["numbers"] = issue_cleared(student_ids=[student.pk], actor=actor)
    result["problem_status"] = problem.status
    if verification:
        result["verification"] = {k: v for k, v in verification.items() if k != "verified_ids"}
    return result


def _reason_of(verify_status: str) -> str:
    return {VerifyStatus.NOT_FOUND: "id_not_found", VerifyStatus.MISMATCH: "name_mismatch"}.get(verify_status,
                                                                                             "unverified")


def _reevaluate_others(student: Student | None, problem: Problem, actor, request: Request | None,
                       deleted_id: int | None = None) -> None:
    """A record changed or deleted through one problem may settle its other problems too."""
    sid = student.pk if student is not None else deleted_id
    for other in ProblemMember.objects.filter(student_id=sid, problem__status=ProblemStatus.OPEN,
                                              state__in=ACTIVE_MEMBER_STATES).exclude(problem=problem):
        locked = Problem.objects.select_for_update().get(pk=other.problem_id)
        if student is None:
            other.state = MemberState.DELETED
        elif not problem_matches(locked, student):
            other.state = MemberState.CHANGED
        else:
            continue
        other.save(update_fields=["state"])
        if locked.kind == ProblemKind.ID_ERROR:
            problem_resolve(locked, Resolution.DELETED if student is None else Resolution.CORRECTED, actor,
                            request=request)
        else:
            _reevaluate(locked, actor, Resolution.DELETED if student is None else Resolution.CORRECTED,
                        request=request)


def delete_record(*, student: Student, actor, problem: Problem | None, request: Request | None) -> DeletedRecord:
    """Remove a registered record. Its numbers are retired (findable, never issued again) and a snapshot kept."""
    def archive(kept: StudentArchive) -> dict:
        now = clock.now()
        record = DeletedRecord.objects.create(
            former_id=student.pk, province_code=student.province_code, school_org=student.school.org_unit,
            name=student.name, id_number=student.id_number or "", numbers=[n.number for n in kept.numbers],
            snapshot=kept.snapshot, problem=problem, request=request, deleted_by=actor, deleted_at=now)
        RetiredNumber.objects.bulk_create([RetiredNumber(number=n.number, kind=n.kind, record=record,
                                                         issued_at=n.issued_at, retired_at=now) for n in kept.numbers])
        archived.append(record)
        return {"deleted_record": record.pk, "retired_numbers": record.numbers,
                "problem": problem.pk if problem else None}

    archived: list[DeletedRecord] = []
    student_delete(actor=actor, student=student, archive=archive)
    return archived[0]


def _apply_delete(*, request: Request, actor) -> dict:
    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    sid = student.pk
    # Settle the record's part in every problem before it goes (the rows keep its name, school and county).
    member.state = MemberState.DELETED
    member.save(update_fields=["state"])
    record = delete_record(student=student, actor=actor, problem=problem, request=request)
    problem_event(problem, "approved_delete", actor=actor, member=member, request=request)
    if problem.status == ProblemStatus.OPEN:
        if problem.kind == ProblemKind.ID_ERROR:
            problem_resolve(problem, Resolution.DELETED, actor, request=request)
        else:
            _reevaluate(problem, actor, Resolution.DELETED, request=request)
    _reevaluate_others(None, problem, actor, request, deleted_id=sid)
    return {"deleted_record": record.pk, "retired_numbers": record.numbers, "problem_status": problem.status}


def _apply_confirm(*, request: Request, actor) -> dict:
    problem, member, student = _locked(request)
    if student is None:
        raise Conflict("The record no longer exists.", code="record_gone")
    if not request.proofs.exists():
        raise ValidationFailed("Attach the household-register proof before the confirmation is approved.",
                               code="proof_required")
    student_verify_confirm(actor=actor, student=student, request_id=request.pk)
    member.state = MemberState.CONFIRMED
    member.save(update_fields=["state"])
    problem_event(problem, "approved_confirm", actor=actor, member=member, request=request)
    if problem.status == ProblemStatus.OPEN:
        if problem.kind == ProblemKind.ID_ERROR:
            problem_resolve(problem, Resolution.CONFIRMED, actor, request=request)
            # The household register settles this record's other verification failures too.
            for other in ProblemMember.objects.filter(student=student, problem__kind=ProblemKind.ID_ERROR,
                                                      problem__status=ProblemStatus.OPEN).exclude(problem=problem):
                problem_resolve(Problem.objects.select_for_update().get(pk=other.problem_id), Resolution.CONFIRMED,
                                actor, request=request)
        else:
            _reevaluate(problem, actor, Resolution.CONFIRMED, request=request)
    numbers = issue_cleared(student_ids=[student.pk], actor=actor)
    return {"student": student.pk, "verify_status": VerifyStatus.PROOF, "problem_status": problem.status,
            "numbers": numbers}


def _apply_arbitrate(*, request: Request, actor) -> dict:
    payload = request.payload or {}
    problem = Problem.objects.select_for_update().get(pk=payload["problem"])
    keep = decision_data(request).get("keep_member")  # the arbiter's choice, carried by the decision
    if not keep:
        raise ValidationFailed("The arbiter names the record that keeps the ID number (the problem's arbitration "
                               "action).", code="choice_required", field="keep_member")
    members = list(problem.members.filter(pk__in=payload.get("members") or []).order_by("pk"))
    winner = next((m for m in members if m.pk == keep), None)
    if winner is None or winner.state != MemberState.CONFIRMED or winner.student_id is None:
        raise ValidationFailed("That record is not one of the disputed records.", code="invalid_choice",
                               field="keep_member")
    changed = []
    for member in members:
        if member.pk == winner.pk or member.state not in ACTIVE_MEMBER_STATES:
            continue
        student = Student.objects.select_for_update().filter(pk=member.student_id).first()
        member.state = MemberState.LOST
        member.save(update_fields=["state"])
        if student is None:
            continue
        student_revoke_id(actor=actor, student=student, reason={"problem": problem.pk})
        record_problems(kind=ProblemKind.ID_ERROR, province_code=problem.province_code,
                        groups={f"s{student.pk}": [student.pk]},
                        details={f"s{student.pk}": {"reason": "arbitration", "problem": problem.pk}},
                        source="arbitration", actor=actor)
        changed.append(student.pk)
    winner.state = MemberState.KEPT
    winner.save(update_fields=["state"])
    problem_event(problem, "arbitrated", actor=actor, member=winner, request=request,
           note=f"keeps the ID: {winner.student_name} ({winner.school_org.name})")
    problem_resolve(problem, Resolution.ARBITRATED, actor, request=request)
    numbers = issue_cleared(student_ids=[winner.student_id], actor=actor)
    return {"kept": winner.student_id, "must_change": changed, "numbers": numbers}


def _on_member_returned(*, request: Request, actor) -> None:
    problem = Problem.objects.filter(pk=(request.payload or {}).get("problem")).first()
    if problem is not None:
        problem_event(problem, "returned", actor=actor, request=request, note=request.reject_reason)


def _on_member_withdrawn(*, request: Request, actor) -> None:
    problem = Problem.objects.filter(pk=(request.payload or {}).get("problem")).first()
    if problem is not None:
        problem_event(problem, "withdrawn", actor=actor, request=request)


def _on_arbitration_withdrawn(*, request: Request, actor) -> None:
    """Arbitration taken back: the confirmations lapse and the schools act again."""
    problem = Problem.objects.select_for_update().filter(pk=(request.payload or {}).get("problem")).first()
    if problem is None or problem.status != ProblemStatus.ARBITRATION:
        return
    problem.members.filter(state=MemberState.CONFIRMED).update(state=MemberState.OPEN)
    problem.status, problem.arbitration_request, problem.updated_at = ProblemStatus.OPEN, None, clock.now()
    problem.save(update_fields=["status", "arbitration_request", "updated_at"])
    problem_event(problem, "arbitration_withdrawn", actor=actor, request=request)


def _arbitration_parties(request: Request) -> dict:
    """The arbiter: the common superior of the parties the problem named (its records' counties or schools)."""
    units = list(OrgUnit.objects.filter(pk__in=(request.payload or {}).get("parties") or []))
    if len(units) < 2:
        raise ValidationFailed("Arbitration needs two parties.", code="unresolvable_step")
    return {"common_superior": common_superior(units)}


def _check_arbitration(*, request: Request, step, data: dict) -> dict:
    """The arbiter's approval names the disputed record that keeps the ID number."""
    keep = data.get("keep_member")
    if not keep:
        raise ValidationFailed("The arbiter names the record that keeps the ID number (the problem's arbitration "
                               "action).", code="choice_required", field="keep_member")
    if keep not in (request.payload or {}).get("members", []):
        raise ValidationFailed("That record is not one of the disputed records.", code="invalid_choice",
                               field="keep_member")
    return {"keep_member": keep}


# The county registrar approves by default; a province may change the route (policy.route_set).
MEMBER_ROUTE = (step("filing_county", "registrar"),)
ARBITRATION_ROUTE = (step("common_superior", "registrar"),)

MEMBER_TYPES = ("problem.correct", "problem.delete", "problem.confirm")  # exclude each other on one member
CORRECT = register(RequestType(code="problem.correct", label=_("Correction of a problem record"),
                               default_route=MEMBER_ROUTE,
                               apply=_apply_correct, on_returned=_on_member_returned,
                               on_withdrawn=_on_member_withdrawn,
                               subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
DELETE = register(RequestType(code="problem.delete", label=_("Deletion of a problem record"),
                              default_route=MEMBER_ROUTE,
                              apply=_apply_delete, on_returned=_on_member_returned, on_withdrawn=_on_member_withdrawn,
                              subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
CONFIRM = register(RequestType(code="problem.confirm", label=_("Confirmation of a problem record (household proof)"),
                               default_route=MEMBER_ROUTE,
                               apply=_apply_confirm, on_returned=_on_member_returned,
                               on_withdrawn=_on_member_withdrawn,
                               subjects=(MEMBER_SUBJECT,), excludes=MEMBER_TYPES))
# Filed by the authority whose approval completed the dispute (registrar, or leader if a route says so).
ARBITRATE = register(RequestType(code="problem.arbitrate", label=_("Arbitration of a duplicate ID number"),
                                 default_route=ARBITRATION_ROUTE,
                                 apply=_apply_arbitrate, on_returned=_on_member_returned,
                                 on_withdrawn=_on_arbitration_withdrawn, filer_roles=("registrar", "leader"),
                                 subjects=(SUBJECT,), excludes=("problem.arbitrate",), parties=_arbitration_parties,
                                 check_decision=_check_arbitration))


@transaction.atomic
def problem_arbitrate(*, actor, problem: Problem, keep_member_id: int, comment: str = "") -> Request:
    """The arbiter (the current step of the arbitration request) names the record that keeps the ID number and
    approves; on the last approval the others lose the ID and must change it."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if problem.status != ProblemStatus.ARBITRATION or problem.arbitration_request_id is None:
        raise Conflict("This problem is not under arbitration.", code="not_in_arbitration")
    request = Request.objects.select_for_update().get(pk=problem.arbitration_request_id)
    if request.status != RequestStatus.PENDING:
        raise Conflict("The arbitration request is not pending.", code="already_decided")
    current = current_step(request)
    if not may_decide(actor, current):
        raise Forbidden("This arbitration is not yours to decide.", code="not_your_step")
    problem_event(problem, "arbitration_choice", actor=actor, request=request, note=f"member {keep_member_id}")
    # The choice travels with the decision (checked by the type, stored on the action).
    return request_decide(actor=actor, request=request, approve=True, comment=comment, step_id=current.pk,
                          data={"keep_member": keep_member_id})

