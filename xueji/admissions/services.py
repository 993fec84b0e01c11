"""Admission services (招生): plans and their changes, duplicate admissions, and the admission taking effect (入学).

Every write is keyword-only, atomic and audited; who may do it is checked first (the admissions office of an
authority over the school: Cap.ADMISSION_MANAGE and the jurisdiction). The import of admission results lives in
`importing.py`. Pupils' records change only through the registry's door (`students_admit`, `students_insert`)."""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import org_in_jurisdiction, require_org_within, restrict
from xueji.accounts.permissions import Cap, require_cap
from xueji.admissions.choices import COUNTED, PENDING, PLAN_CHANGE_TYPE, WINDOW_KIND, AdmissionStatus
from xueji.admissions.models import Admission, AdmissionPlan
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.db import update_rows
from xueji.core.errors import Conflict, ValidationFailed
from xueji.policy.services import window_require
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import identity_lock, students_admit, students_insert
from xueji.registry.validation import CleanStudent
from xueji.schools.models import School
from xueji.schoolyear.services import destinations_fill
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide, request_submit

MAX_QUOTA = 100_000


def require_office(actor, school: School) -> None:
    """The admissions office of an authority over the school (招生部门); a school outside its area is a 404."""
    require_cap(actor, Cap.ADMISSION_MANAGE)
    require_org_within(actor, school.org_unit)


def _year_require(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The year is not a valid admission year."), code="plan_invalid_year",
                               field="year") from None
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("The year is not a valid admission year."), code="plan_invalid_year", field="year")
    return year


def _plan_values(school: School, stage: str, year, quota) -> tuple[str, int, int]:
    problems = {}
    if stage not in (school.stages or ""):
        problems["stage"] = [str(_("The school does not teach this stage."))]
    try:
        year = _year_require(year)
    except ValidationFailed as exc:
        problems["year"] = [str(exc.message)]
    try:
        quota = int(quota)
        if not 0 <= quota <= MAX_QUOTA:
            raise ValueError
    except (TypeError, ValueError):
        problems["quota"] = [str(_("The number of places must be a whole number of 0 or more."))]
    if problems:  # every error of the form at once
        field = next(iter(problems))
        raise ValidationFailed(problems[field][0], code="invalid", field=field, details=problems)
    return stage, year, quota


def admitted_count(*, school: School, stage: str, year: int) -> int:
    """The pupils a school's plan already holds: admitted, held as duplicates, or in school by admission."""
    return Admission.objects.filter(school=school, stage=stage, year=year, status__in=COUNTED).count()


def _plan_write(*, actor, school: School, stage: str, year: int, quota: int, note: str = "",
                request_id: int | None = None) -> AdmissionPlan:
    taken = admitted_count(school=school, stage=stage, year=year)
    if quota < taken:
        raise Conflict(format_lazy(_("The plan cannot be smaller than the {count} pupils already admitted."),
                                   count=taken), code="plan_below_admitted", field="quota")
    plan = AdmissionPlan.objects.select_for_update().filter(school=school, stage=stage, year=year).first()
    before = {"quota": plan.quota, "note": plan.note} if plan else None
    now = clock.now()
    if plan is None:
        plan = AdmissionPlan.objects.create(school=school, stage=stage, year=year, quota=quota, note=note,
                                            updated_by=actor, updated_at=now)
    else:
        plan.quota, plan.note, plan.updated_by, plan.updated_at = quota, note, actor, now
        plan.save(update_fields=["quota", "note", "updated_by", "updated_at"])
    audit_record(actor=actor, action="admission.plan_set", obj=plan, org_unit=school.org_unit, before=before,
                 after={"school": school.pk, "stage": stage, "year": year, "quota": quota, "note": note,
                        "request": request_id})
    return plan


@transaction.atomic
def plan_set(*, actor, school: School, stage: str, year: int, quota: int, note: str = "") -> AdmissionPlan:
    """招生计划: the office sets a school's places for a stage and year (created or changed; never below the pupils
    already admitted)."""
    require_office(actor, school)
    stage, year, quota = _plan_values(school, stage, year, quota)
    return _plan_write(actor=actor, school=school, stage=stage, year=year, quota=quota, note=(note or "")[:255])


def plan_subject(school: School, stage: str, year: int) -> str:
    return f"{school.pk}:{stage}:{year}"


@transaction.atomic
def plan_change_file(*, actor, stage: str, year: int, quota: int, reason: str) -> Request:
    """A school asks its admissions office to change its plan (计划调整): one request, approved by the office of the
    school's county (or the province's route); the last approval writes the plan."""
    require_cap(actor, Cap.REQUEST_FILE)
    if not actor.org_unit.is_school:
        raise ValidationFailed(_("A plan change is filed by the school itself."), code="plan_school_only")
    school = School.objects.select_related("org_unit").get(org_unit=actor.org_unit)
    stage, year, quota = _plan_values(school, stage, year, quota)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the plan should change."), code="reason_required", field="reason")
    plan = AdmissionPlan.objects.filter(school=school, stage=stage, year=year).first()
    if plan is not None and plan.quota == quota:
        raise ValidationFailed(_("The plan already has this number of places."), code="plan_no_change",
                               field="quota")
    taken = admitted_count(school=school, stage=stage, year=year)
    if quota < taken:
        raise Conflict(format_lazy(_("The plan cannot be smaller than the {count} pupils already admitted."),
                                   count=taken), code="plan_below_admitted", field="quota")
    title = f"招生计划调整：{school.name} {year} 年 {stage} 学段 {plan.quota if plan else 0} → {quota}"
    return request_submit(actor=actor, type=PLAN_CHANGE_TYPE, title=title, subject_type="admissions.plan",
                          subject_id=plan_subject(school, stage, year),
                          payload={"school": school.pk, "stage": stage, "year": year, "quota": quota,
                                   "before": plan.quota if plan else None, "reason": reason[:1000]})


def plan_change_apply(*, request, actor) -> dict:
    """The last approval of a plan change: the plan gets the places asked for (the engine checked the decider)."""
    payload = request.payload
    school = School.objects.select_related("org_unit").get(pk=payload["school"])
    plan = _plan_write(actor=actor, school=school, stage=payload["stage"], year=int(payload["year"]),
                       quota=int(payload["quota"]), note=str(payload.get("reason", ""))[:255],
                       request_id=request.pk)
    return {"plan": plan.pk, "quota": plan.quota}


# Duplicate admissions (重复招生) ------------------------------------------------------------------------------

def _group(admission: Admission) -> list[Admission]:
    """Every admission of this pupil this year that is not withdrawn, locked, in id order."""
    return list(Admission.objects.select_for_update().select_related("school__org_unit").filter(
        year=admission.year, id_number=admission.id_number).exclude(status=AdmissionStatus.WITHDRAWN).order_by("pk"))


@transaction.atomic
def duplicate_keep(*, actor, admission: Admission) -> Admission:
    """Resolve a duplicate admission: keep this one (it becomes admitted and takes effect with the next admission
    run), withdraw the pupil's other admissions of the year. Decided by an admissions office whose area holds every
    school that admitted the pupil (their common superior when they lie in different counties)."""
    require_cap(actor, Cap.ADMISSION_MANAGE)
    group = _group(admission)
    kept = next((a for a in group if a.pk == admission.pk), None)
    if kept is None or kept.status != AdmissionStatus.HELD:
        raise Conflict(_("This admission is not held as a duplicate."), code="admission_not_held")
    if not all(org_in_jurisdiction(actor, a.school.org_unit) for a in group):
        raise Conflict(_("Only an admissions office whose area holds every school that admitted the pupil decides "
                         "which admission to keep."), code="admission_not_yours")
    now = clock.now()
    others = [a.pk for a in group if a.pk != kept.pk]
    Admission.objects.filter(pk__in=others).update(status=AdmissionStatus.WITHDRAWN, decided_by=actor,
                                                    decided_at=now)
    Admission.objects.filter(pk=kept.pk).update(status=AdmissionStatus.ADMITTED, decided_by=actor, decided_at=now)
    audit_record(actor=actor, action="admission.duplicate_keep", obj=kept, org_unit=kept.school.org_unit,
                 after={"kept": kept.pk, "school": kept.school_id, "withdrawn": others})
    kept.refresh_from_db()
    return kept


@transaction.atomic
def admission_withdraw(*, actor, admission: Admission) -> Admission:
    """An office gives up one of its admissions that has not taken effect (the pupil chose another school): when
    one admission of a held pupil is left, it is admitted again."""
    require_office(actor, admission.school)
    group = _group(admission)
    mine = next((a for a in group if a.pk == admission.pk), None)
    if mine is None or mine.status not in PENDING:
        raise Conflict(_("Only an admission that has not taken effect can be withdrawn."),
                       code="admission_not_withdrawable")
    now = clock.now()
    Admission.objects.filter(pk=mine.pk).update(status=AdmissionStatus.WITHDRAWN, decided_by=actor, decided_at=now)
    left = [a for a in group if a.pk != mine.pk]
    released = None
    if len(left) == 1 and left[0].status == AdmissionStatus.HELD:
        released = left[0].pk
        Admission.objects.filter(pk=released).update(status=AdmissionStatus.ADMITTED)
    audit_record(actor=actor, action="admission.withdraw", obj=mine, org_unit=mine.school.org_unit,
                 after={"withdrawn": mine.pk, "released": released})
    mine.refresh_from_db()
    return mine


# The admission taking effect (入学) ---------------------------------------------------------------------------

def _after_admission(student_ids: list[int]) -> None:
    """What else follows once admitted pupils sit in their new school: the unknown destination (去向) of their
    graduation from their former school is filled in from where they sit now (set-based, schoolyear)."""
    destinations_fill(student_ids=student_ids)


def _new_record(admission: Admission) -> CleanStudent:
    """The items an admission knows of a pupil without a record: the identity; the receiving school completes the
    draft and registers it (在校生注册: temporary number, identity verification, the duplicate check)."""
    return CleanStudent(student={"name": admission.name, "sex": admission.sex, "birth_date": admission.birth_date,
                                 "id_type": "1", "id_number": admission.id_number,
                                 "entry_date": dt.date(admission.year, 9, 1)})


@transaction.atomic
def admissions_apply(*, actor, year: int, school: School | None = None) -> dict:
    """录取生效 (入学): every admission of the year in the office's area that is admitted (not held as a duplicate)
    takes effect: a pupil with a record enters the receiving school's class (one UPDATE per class through the
    registry's door, the class-size caps checked there); a pupil without one gets a new record, a draft of the
    receiving school in its class, which the school registers. Refused whole when a record cannot enter (nothing
    changed), e.g. it was put on another school's roll since the import."""
    require_cap(actor, Cap.ADMISSION_MANAGE)
    year = _year_require(year)
    window_require(unit=actor.org_unit, kind=WINDOW_KIND)
    qs = restrict(Admission.objects.select_for_update(of=("self",)), actor).filter(
        year=year, status=AdmissionStatus.ADMITTED)
    if school is not None:
        require_office(actor, school)
        qs = qs.filter(school=school)
    due = list(qs.select_related("school_class", "school__org_unit").order_by("pk"))
    if not due:
        return {"enrolled": 0, "new_records": 0}
    identity_lock()  # the records without one are created below: nobody else creates them meanwhile
    newcomers = [a.id_number for a in due if not a.student_id]
    taken = sorted(set(Student.objects.filter(id_number__in=newcomers).values_list("id_number", flat=True)))
    if taken:  # registered elsewhere since the import: the admission names no record, so it cannot take effect
        raise Conflict(format_lazy(_("{count} admitted pupils without a record have one now (registered since the "
                                     "import): withdraw and import them again."), count=len(taken)),
                       code="admission_record_since", details={"count": len(taken)})
    with_record = [a for a in due if a.student_id]
    placed = students_admit(actor=actor, placements=[(a.student_id, a.school_class) for a in with_record],
                            audit_after={"admissions": [a.pk for a in with_record][:200], "year": year})
    created: list[int] = []
    by_school: dict[int, list[Admission]] = defaultdict(list)
    for a in due:
        if not a.student_id:
            by_school[a.school_id].append(a)
    for members in by_school.values():
        school_of = members[0].school
        ids = students_insert(school=school_of, rows=[(a.school_class, _new_record(a)) for a in members],
                              reg_status=RegStatus.DRAFT)
        for a, pk in zip(members, ids, strict=True):
            a.student_id = pk
        created += ids
    now = clock.now()
    for a in due:
        a.status, a.enrolled_at = AdmissionStatus.ENROLLED, now
    # Set-based (bulk_update's CASE per row grows with the square of its batch: most of a 100,000-row run).
    update_rows(Admission, "id", ["status", "enrolled_at", "student"],
                [(a.pk, a.status, now, a.student_id) for a in due])
    audit_record(actor=actor, action="admission.apply", object_type="admissions.admission",
                 object_repr=f"{len(due)} admissions", org_unit=actor.org_unit,
                 after={"year": year, "enrolled": len(placed), "new_records": len(created),
                        "admissions": [a.pk for a in due][:200]})
    _after_admission(placed + created)
    return {"enrolled": len(placed), "new_records": len(created)}


def plan_change_decide(*, actor, request: Request, approve: bool, comment: str = "") -> Request:
    """The admissions office approves a school's plan change, or returns it with a reason (the engine checks that
    the office holds the request's current step; the last approval writes the plan)."""
    require_cap(actor, Cap.ADMISSION_MANAGE)
    return request_decide(actor=actor, request=request, approve=approve, comment=comment)
