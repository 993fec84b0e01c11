"""Writes of the school year's turn (学年): graduation and completion of a compulsory stage's final grade (毕业/结业,
by the school itself, in bulk with exceptions, no approval), graduates' destinations (去向) and a mistaken
graduation reverted; the province's yearly promotion (升级): prepared (schools held back), scheduled for the
configured moment or started at once, run school by school, a school held back promoted later.

Every pupil's status goes through the registry's door (`registry.services.students_set_status_bulk`: counted,
audited, its history rows); the promotion writes no pupil at all (a grade follows from the class's cohort and the
school's year in effect): it advances each school's year and closes the classes that left their stage, through the
schools app's set-based writes. A refused write changes nothing.

Why one module of ~700 lines: graduation, its revert and the destinations share the final-grade reads and the
window checks, and the promotion's preparation, run and later promotion of a held-back school share its per-school
rows; splitting graduation from promotion (two modules of about 350 lines) is the next step when this grows."""

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import require_org_within, within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.backups import backup_before
from xueji.core.db import insert_rows, int_array, update_rows
from xueji.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from xueji.jobs.models import Job
from xueji.jobs.services import job_start
from xueji.policy.services import setting_get, window_require, window_require_many
from xueji.regions.models import OrgKind, OrgUnit
from xueji.registry.choices import ON_ROLL, StudentStatus
from xueji.registry.models import Student, StudentCount
from xueji.registry.services import students_set_status_bulk
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.schools.services import classes_close, school_year_turn, schools_year_advance, schools_year_pin
from xueji.schoolyear import selectors
from xueji.schoolyear.choices import (
    COMPULSORY,
    GRADUATING,
    GRADUATION_WINDOW,
    PROMOTION_MOMENT,
    PROMOTION_MOMENT_DEFAULT,
    Destination,
    LeaveKind,
    RunStatus,
    SchoolState,
)
from xueji.schoolyear.models import ExamResult, Graduate, GraduationBatch, PromotionRun, PromotionSchool
from xueji.schoolyear.signatures import batch_sign, close_sign

# ---------------------------------------------------------------- graduation (毕业/结业), compulsory stages


def _own_school(actor, school: School) -> None:
    require_cap(actor, Cap.GRADUATION_MANAGE)
    if getattr(actor.org_unit, "pk", None) != school.org_unit_id:
        raise Forbidden(_("Only the pupil's own school does this."), code="own_school_only")


def _destination(code: str | None) -> str:
    code = code or Destination.UNKNOWN
    if code not in Destination.values:
        raise ValidationFailed(_("Unknown destination code."), code="unknown_destination", field="destination",
                               details={"destination": code})
    return code


def _eligible_many(schools: Sequence[School], *, ids: list[int] | None = None,
                   stages: Sequence[str] = COMPULSORY) -> dict[int, tuple]:
    """The pupils in school (在读, 复学), registered, in the final grade of one of `stages` at these schools (of
    `ids` when given): pupil id -> (school id, stage, ID number, status, class), what their graduate rows keep.
    One read per school year in effect (one or two), without a lock: the status change checks status and class
    again in its UPDATE, and the graduation is refused whole if any pupil moved meanwhile."""
    by_year: dict[int, list[int]] = {}
    current = current_school_year_start()
    for pk, own in School.objects.filter(pk__in=[s.pk for s in schools]).values_list("pk", "year_start"):
        by_year.setdefault(own or current, []).append(pk)  # read again: a promotion may have moved it
    found: dict[int, tuple] = {}
    for year, school_ids in by_year.items():
        rows = (Student.objects.filter(school_id__in=school_ids, status__in=GRADUATING, reg_status="registered")
                .filter(selectors.final_grade_q(year, prefix="school_class__", stages=stages)))
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        found.update((pk, (school, stage, id_number or "", status, klass))
                     for pk, school, stage, id_number, status, klass in
                     rows.order_by("pk").values_list("pk", "school_id", "school_class__stage", "id_number_index",
                                                     "status", "school_class_id"))
    return found


def _eligible(school: School, ids: list[int], stages: Sequence[str]) -> dict[int, tuple]:
    """Of these pupils, those in school in the final grade of one of `stages` at this school."""
    return _eligible_many([school], ids=ids, stages=stages)


def _refuse_not_final(school: School, refused: list[int]) -> None:
    names = list(Student.objects.filter(pk__in=refused, school=school).values_list("name", flat=True)[:20])
    raise Conflict(format_lazy(_("Not in school in the final grade of a compulsory stage here: {names}."),
                               names="、".join(names) or ", ".join(map(str, refused[:20]))),
                   code="not_final_grade", field="students", details={"students": refused})


_CHUNK = 5000  # pupils per statement (within SQLite's parameter limit)


def _graduates_insert(batch_of: dict[int, int], eligible: dict[int, tuple]) -> None:
    """One graduate row per pupil (school, the ID number's blind index, status before), set-based. PostgreSQL:
    INSERT ... SELECT from the pupils by one id array per 50,000 and the schools' batches as two arrays (nothing
    formatted per pupil in Python; the blind index copied as stored); the status change that follows checks each
    pupil's status again and the whole graduation is refused if one changed. Elsewhere from what the read gave
    (`insert_rows`). (Written in the status change's own statements instead, a data-modifying WITH, it measured
    slower in one run: 58 s against 49 s for 251,212 graduates.)"""
    if connection.vendor != "postgresql":
        insert_rows(Graduate, ["batch_id", "student_id", "school_id", "id_number", "previous_status", "destination"],
                    [(batch_of[school], pk, school, id_number, status, str(Destination.UNKNOWN))
                     for pk, (school, _stage, id_number, status, _class) in sorted(eligible.items())])
        return
    graduate, student = (connection.ops.quote_name(m._meta.db_table) for m in (Graduate, Student))
    schools = sorted(batch_of)
    ids = sorted(eligible)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 50000):
            cursor.execute(
                f"INSERT INTO {graduate} (batch_id, student_id, school_id, id_number, previous_status, destination) "  # noqa: S608
                f"SELECT b.batch_id, s.id, s.school_id, s.id_number_index, s.status, %s FROM {student} s "
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS b(school_id, batch_id) ON b.school_id = s.school_id "
                "WHERE s.id = ANY(%s::bigint[])",
                [str(Destination.UNKNOWN), int_array(schools), int_array([batch_of[k] for k in schools]),
                 int_array(ids[start:start + 50000])])


def _graduate_many(*, actor, eligible: dict[int, tuple], schools: dict[int, School], kind: str,
                   destinations: dict[int, str] | None = None, request_id: int | None = None,
                   action: str = "schoolyear.graduation") -> list[GraduationBatch]:
    """The write of a graduation of one or many schools, its pupils read by `_eligible_many`: one
    batch per school, one graduate row per pupil (set-based), their status through the registry's door (its
    set-based change: counts, one audit event; no history row per pupil: the graduate rows keep the status before
    and are the timeline's and the as-of record's source, schoolyear/timeline.py), the chosen destinations; one
    audit event. A pupil
    whose status or class changed under us refuses the whole graduation (nothing is written)."""
    now = clock.now()
    ids = sorted(eligible)
    per_school: dict[int, list[int]] = {}
    for pk in ids:
        per_school.setdefault(eligible[pk][0], []).append(pk)
    stage_of = {school: min(eligible[pk][1] for pk in pks) for school, pks in per_school.items()}
    current = current_school_year_start()
    years = dict(School.objects.filter(pk__in=list(per_school)).values_list("pk", "year_start"))
    batches = GraduationBatch.objects.bulk_create([
        GraduationBatch(school=schools[school], stage=stage_of[school], kind=kind, count=len(pks),
                        year=years.get(school) or current, created_by=actor, created_at=now)
        for school, pks in per_school.items()], batch_size=1000)
    if any(b.pk is None for b in batches):  # a backend without RETURNING from a bulk insert
        batches = list(GraduationBatch.objects.filter(school_id__in=list(per_school), created_at=now,
                                                      created_by=actor, kind=kind))
    _graduates_insert({b.school_id: b.pk for b in batches}, eligible)
    changed = students_set_status_bulk(actor=actor, student_ids=ids, old=GRADUATING, status=kind,
                                       reason="graduation", action="schoolyear.graduate",
                                       detail={"batches": [b.pk for b in batches[:200]], "request": request_id},
                                       classes=sorted({row[4] for row in eligible.values()}), history=False,
                                       was={pk: row[3] for pk, row in eligible.items()})
    if len(changed) != len(ids):  # a pupil changed status under us: the whole graduation is refused
        raise Conflict(_("Some of these pupils changed status meanwhile; nothing was graduated."),
                       code="not_final_grade")
    by_destination: dict[str, list[int]] = {}
    for pk, code in (destinations or {}).items():
        if code != Destination.UNKNOWN and pk in eligible:
            by_destination.setdefault(code, []).append(pk)
    for code, pks in by_destination.items():
        for start in range(0, len(pks), _CHUNK):
            Graduate.objects.filter(batch__in=batches, student_id__in=pks[start:start + _CHUNK]).update(
                destination=code)
    after = {"kind": kind, "count": len(ids), "schools": len(batches), "request": request_id,
             "stages": sorted(set(stage_of.values()))}
    if len(batches) == 1:
        audit_record(actor=actor, action=action, obj=batches[0], after={**after, "year": batches[0].year})
        batch_sign(batches[0], actor=actor, student_ids=ids, request_id=request_id)  # the registrar signs it
    else:
        audit_record(actor=actor, action=action, object_type="schoolyear.graduationbatch",
                     object_repr=f"{len(batches)} graduations",
                     after={**after, "batches": [b.pk for b in batches[:200]]})
        batch_of = {b.school_id: b.pk for b in batches}
        students: dict[int, list[int]] = {}
        for pk in ids:
            students.setdefault(batch_of[eligible[pk][0]], []).append(pk)
        close_sign(batches, actor=actor, students=students)  # the authority signs the whole close once
    return batches


def _chosen(actor, student_ids: Sequence[int], kind: str, destinations: dict | None) -> tuple[list[int], dict]:
    if kind not in LeaveKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", code="invalid_code", field="kind")
    ids = sorted({int(pk) for pk in student_ids})
    if not ids:
        raise ValidationFailed(_("No pupil was chosen to graduate."), code="nothing_to_graduate", field="students")
    chosen = {int(k): _destination(v) for k, v in (destinations or {}).items()}
    if len(within(Student.objects.filter(pk__in=ids), actor).values_list("pk", flat=True)) != len(ids):
        raise NotFound("student not found")  # a pupil outside the school's jurisdiction, as if absent
    return ids, chosen


@transaction.atomic
def graduation_graduate(*, actor, school: School, student_ids: Sequence[int], kind: str = LeaveKind.GRADUATED,
                        destinations: dict[int, str] | None = None) -> GraduationBatch:
    """The school graduates (毕业) or completes (结业) the chosen pupils of its final grade at once, without
    approval, inside the business window of graduation (closing by the province's deadline). Every chosen pupil
    must be in school in the final grade of a compulsory stage of this school; otherwise the whole batch is
    refused, naming them, and nothing changes. Destinations (去向) per pupil; unknown by default. Senior high
    graduates with approval (`senior_graduation_file`)."""
    _own_school(actor, school)
    ids, chosen = _chosen(actor, student_ids, kind, destinations)
    window_require(kind=GRADUATION_WINDOW, unit=school)
    eligible = _eligible(school, ids, COMPULSORY)
    refused = [pk for pk in ids if pk not in eligible]
    if refused:
        senior = set(_eligible(school, refused, ("3",)))
        if senior and len(senior) == len(refused):
            raise Conflict(_("Senior high graduation is approved by the authority."), code="not_compulsory",
                           details={"students": refused})
        _refuse_not_final(school, refused)
    return _graduate_many(actor=actor, eligible=eligible, schools={school.pk: school}, kind=kind,
                          destinations=chosen)[0]


@transaction.atomic
def graduation_close(*, actor, school_ids: Sequence[int] | None = None,
                     kind: str = LeaveKind.GRADUATED) -> dict:
    """统一毕业: at the close of the graduation window an authority (county, city, province) graduates, for the
    chosen schools of its area (all of them by default), every pupil still in school in the final grade of a
    compulsory stage, the destination unknown (the school records it later; admission fills it). The pupils who
    do not graduate have left the final grade before (留级, 转学 ... through their status change). Set-based across
    the schools, one transaction: one read of the pupils per school year in effect, one batch per school, the
    graduate rows, the status change and the counts in chunked statements, one audit event. Inside each county's
    graduation window; a school outside the area is as if absent."""
    require_cap(actor, Cap.PROMOTION_MANAGE)
    if kind not in LeaveKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", code="invalid_code", field="kind")
    schools = within(School.objects.filter(is_active=True), actor).select_related("county", "org_unit")
    if school_ids is not None:
        wanted = {int(pk) for pk in school_ids}
        schools = schools.filter(pk__in=wanted)
    schools = {school.pk: school for school in schools}
    if school_ids is not None and len(schools) != len(wanted):
        raise NotFound("school not found")
    window_require_many(kind=GRADUATION_WINDOW,  # one school per county: the windows of all in two queries
                        units={school.county_id: school for school in schools.values()}.values())
    eligible = _eligible_many(list(schools.values()))
    if not eligible:
        raise ValidationFailed(_("No pupil of these schools is left to graduate."), code="nothing_to_graduate",
                               field="schools")
    batches = _graduate_many(actor=actor, eligible=eligible, schools=schools, kind=kind,
                             action="schoolyear.graduation_close")
    return {"schools": len(batches), "pupils": len(eligible), "batches": [b.pk for b in batches]}


# ---------------------------------------------------------------- senior high graduation, with approval

SENIOR_TYPE = "schoolyear.senior_graduation"
REQUIRED_SUBJECTS = "schoolyear.senior_required_subjects"


def conditions_unmet(*, province_code: str | None, student_ids: Sequence[int]) -> dict[int, list[str]]:
    """The 学业水平考试 subjects the province requires that each pupil has not passed (pupils who meet every
    condition are left out): one grouped read of the results."""
    required = list(setting_get(province_code=province_code, key=REQUIRED_SUBJECTS) or [])
    if not required:
        return {}
    passed: dict[int, set] = {}
    for pk, subject in ExamResult.objects.filter(student_id__in=list(student_ids), subject__in=required,
                                                 passed=True).values_list("student_id", "subject"):
        passed.setdefault(pk, set()).add(subject)
    return {pk: [s for s in required if s not in passed.get(pk, set())] for pk in student_ids
            if set(required) - passed.get(pk, set())}


def _refuse_unmet(unmet: dict[int, list[str]]) -> None:
    names = dict(Student.objects.filter(pk__in=list(unmet)).values_list("pk", "name"))
    raise Conflict(format_lazy(_("Not every required exam subject is passed: {names}."),
                               names="、".join(names.get(pk, str(pk)) for pk in list(unmet)[:20])),
                   code="conditions_not_met", field="students",
                   details={"students": {str(pk): subjects for pk, subjects in unmet.items()}})


@transaction.atomic
def senior_graduation_file(*, actor, school: School, student_ids: Sequence[int], kind: str = LeaveKind.GRADUATED,
                           destinations: dict[int, str] | None = None):
    """普通高中毕业: the school files its final-grade pupils for the authority's approval (the school leader, then
    the county registrar), inside the graduation window. Every pupil must be in school in the senior final grade
    and have passed the subjects the province requires; otherwise refused, naming them, nothing filed. At the
    last approval the conditions are checked again and the pupils graduate (`types.py`)."""
    from xueji.workflow.services import request_submit

    _own_school(actor, school)
    ids, chosen = _chosen(actor, student_ids, kind, destinations)
    window_require(kind=GRADUATION_WINDOW, unit=school)
    eligible = _eligible(school, ids, ("3",))
    refused = [pk for pk in ids if pk not in eligible]
    if refused:
        raise Conflict(_("Only pupils in school in the senior final grade are filed here."), code="not_final_grade",
                       field="students", details={"students": refused})
    unmet = conditions_unmet(province_code=school.county.code[:2] + "0000", student_ids=ids)
    if unmet:
        _refuse_unmet(unmet)
    title = gettext("Senior high graduation: %(school)s, %(count)s pupils") % {"school": school.name,
                                                                               "count": len(ids)}
    return request_submit(actor=actor, type=SENIOR_TYPE, title=title,
                          payload={"school": school.pk, "students": ids, "kind": kind,
                                   "destinations": {str(k): v for k, v in chosen.items()}},
                          subject_type="schools.school", subject_id=str(school.pk),
                          subjects=[("registry.student", pk) for pk in ids])


def senior_graduation_apply(*, request, actor) -> dict:
    """The effect at the last approval: the pupils still in the senior final grade and meeting the conditions
    graduate; any that no longer do refuse the approval (the request stays at its step), nothing changed."""
    payload = request.payload or {}
    school = School.objects.select_related("county").get(pk=payload["school"])
    ids = sorted(int(pk) for pk in payload.get("students") or [])
    eligible = _eligible(school, ids, ("3",))
    refused = [pk for pk in ids if pk not in eligible]
    if refused:
        raise Conflict(_("Only pupils in school in the senior final grade are filed here."), code="not_final_grade",
                       details={"students": refused})
    unmet = conditions_unmet(province_code=school.county.code[:2] + "0000", student_ids=ids)
    if unmet:
        _refuse_unmet(unmet)
    batch = _graduate_many(actor=actor, eligible=eligible, schools={school.pk: school},
                           kind=payload.get("kind", LeaveKind.GRADUATED), request_id=request.pk,
                           destinations={int(k): v for k, v in (payload.get("destinations") or {}).items()})[0]
    return {"batch": batch.pk, "count": batch.count}


RESULT_WORDS = {"合格": True, "通过": True, "pass": True, "passed": True, "1": True,
                "不合格": False, "未通过": False, "fail": False, "failed": False, "0": False}


@transaction.atomic
def exam_results_load(*, actor, rows: Sequence[dict]) -> dict:
    """An authority loads 学业水平考试 results (rows of national number or ID number, subject, result, score), as
    the exam office's file gives them: every row checked first and every error reported in one pass (row,
    field, message), nothing written while any row is wrong; then one set-based upsert. Loading the same file
    again leaves the same results (idempotent)."""
    from xueji.policy.choices import EXAM_SUBJECTS

    require_cap(actor, Cap.PROMOTION_MANAGE)
    keys = {str(r.get("number") or "").strip().upper() for r in rows} - {""}
    students: dict[str, int] = {}
    scoped = within(Student.objects.all(), actor)
    for start_list in (list(keys)[i:i + 2000] for i in range(0, len(keys), 2000)):
        for pk, number, id_number in scoped.filter(Q(national_number__in=start_list) | Q(id_number__in=start_list)) \
                .values_list("pk", "national_number", "id_number"):
            for key in (number, id_number):
                if key:
                    students[key.upper()] = pk
    errors, clean, seen = [], {}, {}
    for index, row in enumerate(rows, start=1):
        number = str(row.get("number") or "").strip().upper()
        subject = str(row.get("subject") or "").strip()
        result = str(row.get("result") or "").strip().lower()
        if number not in students:
            errors.append({"row": index, "field": "number", "message": str(_("No pupil of yours has this number."))})
        if subject not in EXAM_SUBJECTS:
            errors.append({"row": index, "field": "subject", "message": str(_("Unknown exam subject."))})
        if result not in RESULT_WORDS:
            errors.append({"row": index, "field": "result", "message": str(_("The result is 合格 or 不合格."))})
        if number in students and subject in EXAM_SUBJECTS:
            key = (students[number], subject)
            if key in seen:
                errors.append({"row": index, "field": "subject", "message": str(format_lazy(
                    _("The same pupil and subject as row {row}."), row=seen[key]))})
            seen[key] = index
            if result in RESULT_WORDS:
                clean[key] = (RESULT_WORDS[result], str(row.get("score") or "")[:16])
    if errors:
        raise ValidationFailed(_("The file has errors; nothing was loaded."), code="invalid_rows",
                               details={"rows": errors})
    now = clock.now()
    pairs = list(clean)
    existing = {(s, subj): pk for pk, s, subj in ExamResult.objects.filter(
        student_id__in={s for s, _subj in pairs}).values_list("pk", "student_id", "subject")}
    ExamResult.objects.bulk_create([ExamResult(student_id=s, subject=subj, passed=clean[(s, subj)][0],
                                               score=clean[(s, subj)][1], loaded_at=now)
                                    for s, subj in pairs if (s, subj) not in existing], batch_size=2000)
    update_rows(ExamResult, "id", ["passed", "score", "loaded_at"],
                [(existing[key], clean[key][0], clean[key][1], now) for key in pairs if key in existing])
    audit_record(actor=actor, action="schoolyear.exam_results", object_type="schoolyear.examresult",
                 object_repr=f"{len(pairs)} results", after={"rows": len(rows), "results": len(pairs)})
    return {"rows": len(rows), "results": len(pairs), "updated": sum(1 for key in pairs if key in existing)}


@transaction.atomic
def graduate_destination_set(*, actor, graduate: Graduate, destination: str,
                             destination_school: School | None = None) -> Graduate:
    """The school records (or corrects) a graduate's destination (去向)."""
    _own_school(actor, graduate.school)
    code = _destination(destination)
    before = {"destination": graduate.destination, "school": graduate.destination_school_id}
    Graduate.objects.filter(pk=graduate.pk).update(destination=code, destination_school=destination_school)
    graduate.destination, graduate.destination_school = code, destination_school
    audit_record(actor=actor, action="schoolyear.destination", obj=graduate, before=before,
                 after={"destination": code, "school": getattr(destination_school, "pk", None)})
    return graduate


def _revert(*, actor, graduate: Graduate, reason: str = "", request_id: int | None = None) -> Graduate:
    """The write of a revert, in the caller's transaction: refused once the pupil has been admitted elsewhere (the
    record sits in another school, or is on a roll again), or when reverted already; nothing changes then."""
    locked = Graduate.objects.select_for_update().filter(pk=graduate.pk).first()
    if locked is None or locked.reverted_at is not None:
        raise Conflict(_("This graduation was reverted already."), code="already_reverted")
    student = Student.objects.select_for_update(of=("self",)).get(pk=locked.student_id)
    if student.school_id != locked.school_id:
        raise Conflict(_("The pupil has been admitted by another school since: the graduation can no longer be "
                         "reverted."), code="admitted_elsewhere",
                       details={"school": student.school_id})
    if student.status not in (StudentStatus.GRADUATED, StudentStatus.COMPLETED):
        raise Conflict(_("The pupil is no longer graduated."), code="not_graduated",
                       details={"status": student.status})
    back = StudentStatus.ENROLLED  # the transition table's one way back from 毕业/结业
    students_set_status_bulk(actor=actor, student_ids=[student.pk], old=[student.status], status=back,
                             reason=(reason or "graduation reverted")[:255], action="schoolyear.graduation_revert",
                             detail={"graduate": locked.pk, "request": request_id})
    now = clock.now()
    Graduate.objects.filter(pk=locked.pk).update(reverted_at=now, reverted_by=actor)
    GraduationBatch.objects.filter(pk=locked.batch_id, count__gt=0).update(count=F("count") - 1)
    audit_record(actor=actor, action="schoolyear.revert", obj=locked, before={"status": student.status},
                 after={"status": back, "reason": reason, "request": request_id})
    locked.reverted_at, locked.reverted_by = now, actor
    return locked


@transaction.atomic
def graduation_revert(*, actor, graduate: Graduate, reason: str = "") -> Graduate:
    """A mistaken graduation of a compulsory stage reverted to in school (在读) by the school itself; a senior high
    graduation is reverted only with approval (`senior_revert_file`)."""
    _own_school(actor, graduate.school)
    if graduate.batch.stage == "3":
        raise Conflict(_("A senior high graduation is reverted with the authority's approval."),
                       code="revert_needs_approval")
    return _revert(actor=actor, graduate=graduate, reason=reason)


SENIOR_REVERT_TYPE = "schoolyear.senior_revert"


@transaction.atomic
def senior_revert_file(*, actor, graduate: Graduate, reason: str = ""):
    """The school files the revert of a mistaken senior high graduation for approval (school leader, county
    registrar); refused at once when it could not be applied (admitted elsewhere, reverted already)."""
    from xueji.workflow.services import request_submit

    _own_school(actor, graduate.school)
    with transaction.atomic():  # the same checks as the effect, rolled back: a refusal says why now
        _revert(actor=actor, graduate=graduate, reason=reason)
        transaction.set_rollback(True)
    return request_submit(actor=actor, type=SENIOR_REVERT_TYPE,
                          title=gettext("Revert of a senior high graduation: %(name)s") % {
                              "name": graduate.student.name},
                          payload={"graduate": graduate.pk, "student": graduate.student_id,
                                   "reason": (reason or "")[:255]},
                          subject_type="registry.student", subject_id=str(graduate.student_id))


def senior_revert_apply(*, request, actor) -> dict:
    payload = request.payload or {}
    graduate = Graduate.objects.select_related("batch").get(pk=payload["graduate"])
    _revert(actor=actor, graduate=graduate, reason=payload.get("reason", ""), request_id=request.pk)
    return {"graduate": graduate.pk}


def destinations_fill(*, student_ids: Sequence[int] | None = None) -> int:
    """Fill the unknown destinations (去向) of graduates from where the pupil now sits: the same record, or a record
    with the same ID number, in school (on a roll) in another school of this database. Set-based: one UPDATE per
    rule over the graduates still unknown (admissions calls it after admitting). Returns the graduates filled."""
    unknown = Graduate.objects.filter(destination=Destination.UNKNOWN, reverted_at__isnull=True)
    if student_ids is not None:
        ids = list(student_ids)
        if not ids:
            return 0
        unknown = unknown.filter(student_id__in=ids)
    now = clock.now()
    same_record = Student.objects.filter(pk=OuterRef("student_id"), status__in=ON_ROLL).exclude(
        school_id=OuterRef("school_id"))
    filled = unknown.filter(Exists(same_record)).update(
        destination=Destination.NEXT_STAGE, destination_filled_at=now,
        destination_school=Subquery(same_record.values("school_id")[:1]))
    # By ID number: a graduate row holds the blind index of the number (core.sealing), compared with the pupils'
    # own index; the latest record on roll elsewhere than the graduation's school and record.
    candidates = list(unknown.exclude(id_number="").values_list("pk", "id_number", "student_id", "school_id"))
    if candidates:
        holders: dict[str, list[tuple[int, int]]] = {}
        for pk, number, school in (Student.objects.filter(id_number_index__in={c[1] for c in candidates},
                                                          status__in=ON_ROLL)
                                   .order_by("-pk").values_list("pk", "id_number_index", "school_id")):
            holders.setdefault(number, []).append((pk, school))
        by_school: dict[int, list[int]] = {}
        for pk, number, student_id, school_id in candidates:
            match = next((s for p, s in holders.get(number, []) if p != student_id and s != school_id), None)
            if match is not None:
                by_school.setdefault(match, []).append(pk)
        for school, pks in sorted(by_school.items()):
            filled += unknown.model.objects.filter(pk__in=pks).update(
                destination=Destination.NEXT_STAGE, destination_filled_at=now, destination_school_id=school)
    return filled


def destinations_fill_other_province(*, student_ids: Sequence[int]) -> int:
    """The rule of `destinations_fill` for a graduate who entered a school of another province (毕业后跨省就学,
    admissions/entry.py): its unknown destination (去向) becomes "school in another province" (that school is no
    school of this database). One UPDATE over the graduates still unknown. Returns the graduates filled."""
    ids = list(student_ids)
    if not ids:
        return 0
    return Graduate.objects.filter(destination=Destination.UNKNOWN, reverted_at__isnull=True,
                                   student_id__in=ids).update(destination=Destination.OTHER_PROVINCE,
                                                              destination_filled_at=clock.now())


# ---------------------------------------------------------------- promotion (升级)

CHUNK = 500  # schools per transaction of the run: a crash loses at most the chunk in flight
# A step a test (or an operator's fault injection) may hook between two chunks: called with the chunk's number
# after it committed.
after_chunk = None


def _province_require(actor) -> OrgUnit:
    require_cap(actor, Cap.PROMOTION_MANAGE)
    province = selectors.province_of(actor)
    if province is None:
        raise Forbidden(_("The province's promotion is run by the province's authority."),
                        code="promotion_province_only")
    return province


def _province_only(actor) -> OrgUnit:
    province = _province_require(actor)
    if actor.org_unit.kind != OrgKind.PROVINCE:
        raise Forbidden(_("The province's promotion is run by the province's authority."),
                        code="promotion_province_only")
    return province


def _schools_of(province: OrgUnit):
    return School.objects.filter(org_unit__path__startswith=province.path, is_active=True)


def _rows_ensure(run: PromotionRun) -> None:
    """One row per active school of the province (schools opened since the run was prepared included)."""
    have = set(PromotionSchool.objects.filter(run=run).values_list("school_id", flat=True))
    missing = [pk for pk in _schools_of(run.org_unit).values_list("pk", flat=True) if pk not in have]
    PromotionSchool.objects.bulk_create([PromotionSchool(run=run, school_id=pk) for pk in missing], batch_size=2000,
                                        ignore_conflicts=True)


@transaction.atomic
def promotion_prepare(*, actor, province: OrgUnit | None = None) -> PromotionRun:
    """The run of the actor's province into the next school year, made when first asked for (check, dry run, a
    school held back), with one row per school."""
    province = province or _province_require(actor)
    to_year = selectors.target_year()
    run, made = PromotionRun.objects.get_or_create(
        province_code=province.code, to_year=to_year,
        defaults={"org_unit": province, "from_year": to_year - 1, "created_at": clock.now()})
    if run.status != RunStatus.DONE:
        _rows_ensure(run)
    if made:
        audit_record(actor=actor, action="schoolyear.promotion_prepare", obj=run,
                     after={"from": run.from_year, "to": run.to_year})
    return run


def _row_of(actor, run: PromotionRun, school: School) -> PromotionSchool:
    require_org_within(actor, school.org_unit)
    row = PromotionSchool.objects.select_for_update().filter(run=run, school=school).first()
    if row is None:
        row = PromotionSchool.objects.create(run=run, school=school)
    return row


@transaction.atomic
def promotion_exclude(*, actor, school: School, reason: str = "") -> PromotionSchool:
    """An authority holds one of its schools back from the province's promotion (to be promoted later)."""
    run = promotion_prepare(actor=actor)
    row = _row_of(actor, run, school)
    if row.state == SchoolState.PROMOTED:
        raise Conflict(_("This school has been promoted already."), code="promotion_done")
    before = row.state
    PromotionSchool.objects.filter(pk=row.pk).update(state=SchoolState.EXCLUDED, excluded_by=actor,
                                                     reason=(reason or "")[:255])
    row.refresh_from_db()
    audit_record(actor=actor, action="schoolyear.promotion_exclude", obj=row, before={"state": before},
                 after={"state": row.state, "reason": row.reason})
    return row


@transaction.atomic
def promotion_include(*, actor, school: School) -> PromotionSchool:
    """A school held back goes with the province's promotion again (before it ran)."""
    run = promotion_prepare(actor=actor)
    row = _row_of(actor, run, school)
    if row.state != SchoolState.EXCLUDED:
        raise Conflict(_("This school is not held back."), code="promotion_not_excluded")
    PromotionSchool.objects.filter(pk=row.pk).update(state=SchoolState.PENDING, excluded_by=None, reason="")
    row.refresh_from_db()
    audit_record(actor=actor, action="schoolyear.promotion_include", obj=row, before={"state": "excluded"},
                 after={"state": row.state})
    return row


def _moment(run: PromotionRun) -> dt.datetime:
    """The configured moment of the run (default 10 August 24:00 Asia/Shanghai of its target year)."""
    value = str(setting_get(province_code=run.province_code, key=PROMOTION_MOMENT) or PROMOTION_MOMENT_DEFAULT)
    found = re.fullmatch(r"(\d{2})-(\d{2}) (\d{2}):(\d{2})", value.strip())
    if not found:
        raise ValidationFailed(_("The promotion moment is written MM-DD HH:MM."), code="invalid_moment")
    month, day, hour, minute = map(int, found.groups())
    base = dt.datetime(run.to_year, month, day, tzinfo=clock.SHANGHAI)
    return base + dt.timedelta(hours=hour, minutes=minute)


def promotion_moment(run: PromotionRun) -> dt.datetime:
    return _moment(run)


@transaction.atomic
def promotion_schedule(*, actor) -> PromotionRun:
    """The province's registrar schedules the run for the configured moment: the periodic hook starts it then."""
    province = _province_only(actor)
    run = promotion_prepare(actor=actor, province=province)
    if run.status in (RunStatus.RUNNING, RunStatus.DONE):
        raise Conflict(_("The promotion is running; wait for it to finish."), code="promotion_running")
    PromotionRun.objects.filter(pk=run.pk).update(status=RunStatus.SCHEDULED, scheduled_by=actor)
    run.refresh_from_db()
    audit_record(actor=actor, action="schoolyear.promotion_schedule", obj=run,
                 after={"moment": _moment(run).isoformat()})
    return run


@transaction.atomic
def promotion_start(*, actor, run: PromotionRun | None = None) -> Job:
    """Start the province's promotion now as one background job (the check runs per school inside it: a blocked
    school stays behind, reported). A run already running is refused; a run that stopped (crash, failure) is
    started again and continues where it stopped."""
    province = _province_only(actor)
    run = run or promotion_prepare(actor=actor, province=province)
    locked = PromotionRun.objects.select_for_update().get(pk=run.pk)
    if locked.status == RunStatus.RUNNING and locked.job_id and Job.objects.filter(
            pk=locked.job_id, status__in=("queued", "running")).exists():
        raise Conflict(_("The promotion is running; wait for it to finish."), code="promotion_running")
    title = gettext("Promotion %(from)s → %(to)s") % {"from": f"{locked.from_year}-{locked.from_year + 1}",
                                                       "to": f"{locked.to_year}-{locked.to_year + 1}"}
    job = job_start(actor=actor, kind="schoolyear.promotion", params={"run": locked.pk}, title=title)
    PromotionRun.objects.filter(pk=locked.pk).update(status=RunStatus.RUNNING, job=job,
                                                     started_at=locked.started_at or clock.now())
    return job


def backup_write(run: PromotionRun) -> str:
    """Before its first write, the run keeps what it will change: every column the promotion writes (each
    school's year in effect, each class's active flag) of the province's schools and classes, in one JSON file
    under XUEJI_VAR_DIR/backups, with the run and the time. The promotion writes nothing else (no pupil row), so
    this file restores the province as it was (`promotion_backup_restore`); a dump of the pupil table would be
    the size of the province for no gain. Written once per run: a rerun keeps the first one."""
    if run.backup_file and Path(run.backup_file).exists():
        return run.backup_file
    folder = Path(settings.VAR_DIR) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"promotion-{run.province_code}-{run.to_year}-{run.pk}.json"
    schools = _schools_of(run.org_unit)
    data = {"run": run.pk, "province": run.province_code, "from_year": run.from_year, "to_year": run.to_year,
            "at": clock.now().isoformat(),
            # Every school's year (the deployment's year moves at the end: schools without one get pinned), and
            # the deployment's current year.
            "current_year": current_school_year_start(),
            "schools": list(School.objects.values_list("pk", "year_start")),
            "classes": list(SchoolClass.objects.filter(school__in=schools).values_list("pk", "is_active"))}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
    PromotionRun.objects.filter(pk=run.pk).update(backup_file=str(path))
    run.backup_file = str(path)
    return str(path)


@transaction.atomic
def promotion_backup_restore(*, path: str, actor=None) -> dict:
    """Put the province back as a run's backup file kept it (an operator's command after a mistaken run:
    `manage.py promotion_restore FILE`): the schools' years, the classes' active flags and the deployment's current
    year; the run is open again, its schools to be promoted (held-back ones stay held back), so it can run anew.
    No pupil is touched (the promotion writes none). Audited."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    from xueji.schools.models import SchoolYear

    update_rows(School, "id", ["year_start"], [tuple(row) for row in data["schools"]])
    update_rows(SchoolClass, "id", ["is_active"], [tuple(row) for row in data["classes"]])
    current = data.get("current_year")
    if current is not None and SchoolYear.objects.filter(start_year=current).exists():
        SchoolYear.objects.exclude(start_year=current).filter(is_current=True).update(is_current=False)
        SchoolYear.objects.filter(start_year=current).update(is_current=True)
    run = PromotionRun.objects.filter(pk=data["run"]).first()
    reset = 0
    if run is not None:
        reset = PromotionSchool.objects.filter(run=run).exclude(state=SchoolState.EXCLUDED).update(
            state=SchoolState.PENDING, promoted_at=None, blockers={})
        PromotionRun.objects.filter(pk=run.pk).update(status=RunStatus.OPEN, job=None, finished_at=None)
    result = {"schools": len(data["schools"]), "classes": len(data["classes"]), "current_year": current,
              "run": data["run"], "rows_reset": reset}
    audit_record(actor=actor, action="schoolyear.promotion_restore", object_type="schoolyear.promotionrun",
                 object_repr=f"run {data['run']}", after={**result, "file": Path(path).name})
    return result


@transaction.atomic
def _promote_chunk(*, run: PromotionRun, row_ids: list[int], actor, force: bool = False) -> Counter:
    """Promote the schools of these rows, in one transaction: rows locked and still to do, what blocks each read
    set-based (a blocked school stays behind with its blockers), then for the clear ones one conditional UPDATE of
    their year (a school advanced already is left alone: never twice) and one UPDATE closing their classes whose
    cohort left the stage with nobody left on the roll."""
    current = current_school_year_start()
    rows = list(PromotionSchool.objects.select_for_update().filter(pk__in=row_ids).exclude(
        state=SchoolState.PROMOTED).select_related("school").order_by("pk"))
    if not force:
        rows = [r for r in rows if r.state != SchoolState.EXCLUDED]
    outcome: Counter = Counter()
    if not rows:
        return outcome
    at_from = [r for r in rows if r.school.year_in_effect(current) == run.from_year]
    already = [r for r in rows if r.school.year_in_effect(current) == run.to_year]
    elsewhere = [r for r in rows if r.school.year_in_effect(current) not in (run.from_year, run.to_year)]
    found = selectors.blockers_of([r.school_id for r in at_from], run.from_year)
    clear = [r for r in at_from if not found.get(r.school_id)]
    # The blocked rows with what blocks each: one set-based UPDATE (per-row values).
    blocked = [(r.pk, found[r.school_id]) for r in at_from if found.get(r.school_id)]
    blocked += [(r.pk, {"year": r.school.year_in_effect(current)}) for r in elsewhere]
    if blocked:
        PromotionSchool.objects.filter(pk__in=[pk for pk, _b in blocked]).update(state=SchoolState.BLOCKED)
        update_rows(PromotionSchool, "id", ["blockers"], blocked)
        outcome["blocked"] += len(blocked)
    advanced = set(schools_year_advance(school_ids=[r.school_id for r in clear], from_year=run.from_year,
                                        to_year=run.to_year, current=current))
    now = clock.now()
    if advanced:
        # Classes past their stage with nobody left on the roll, and the pupils promoted: both from the pupil
        # counts per class (summary rows the registry's door keeps), so the turn reads classes, not pupils.
        on_roll = StudentCount.objects.filter(school_class=OuterRef("pk"), status__in=ON_ROLL, n__gt=0)
        left = list(SchoolClass.objects.filter(school_id__in=advanced, is_active=True)
                    .filter(selectors.left_stage_q(run.to_year)).exclude(Exists(on_roll))
                    .values_list("pk", "school_id"))
        classes_close(class_ids=[pk for pk, _school in left])
        closed = Counter(school for _pk, school in left)
        pupils = dict(StudentCount.objects.filter(school_id__in=advanced, status__in=ON_ROLL).order_by()
                      .values_list("school_id").annotate(total=Sum("n")))
        promoted = [r for r in clear if r.school_id in advanced]
        PromotionSchool.objects.filter(pk__in=[r.pk for r in promoted]).update(
            state=SchoolState.PROMOTED, promoted_at=now, blockers={})
        update_rows(PromotionSchool, "id", ["classes_closed", "pupils"],
                    [(r.pk, closed[r.school_id], pupils.get(r.school_id, 0)) for r in promoted])
        outcome["promoted"] += len(promoted)
        outcome["classes_closed"] += sum(closed[r.school_id] for r in promoted)
        outcome["pupils"] += sum(pupils.get(r.school_id, 0) for r in promoted)
    # In the new year already (advanced by an earlier run or by hand): recorded as promoted, never written twice.
    again = [r.pk for r in already + [r for r in clear if r.school_id not in advanced]]
    if again:
        PromotionSchool.objects.filter(pk__in=again).update(state=SchoolState.PROMOTED, promoted_at=now, blockers={})
        outcome["already"] += len(again)
    if outcome["promoted"]:
        audit_record(actor=actor, action="schoolyear.promote", obj=run,
                     after={"schools": sorted(advanced)[:500], "count": len(advanced),
                            "classes_closed": outcome["classes_closed"], "pupils": outcome["pupils"]})
    return outcome


def promotion_execute(*, run: PromotionRun, actor, progress=None) -> dict:
    """The province's run: the backup, then the schools to do chunk by chunk (each chunk its own transaction, so
    a crash loses at most the chunk in flight and a new start continues with the schools left); the schools held
    back are pinned to the year they stay in. Running it again changes nothing. Before anything, a full backup of
    the database and the files (xueji.ops registers the taker in core.backups; a failed backup stops the run)."""
    full = backup_before(reason=f"promotion run {run.pk}")
    if progress and full:
        progress(0, f"full backup {full.get('name', '')}")
    backup = backup_write(run)
    todo = list(PromotionSchool.objects.filter(run=run, state__in=(SchoolState.PENDING, SchoolState.BLOCKED))
                .order_by("pk").values_list("pk", flat=True))
    held = list(PromotionSchool.objects.filter(run=run, state=SchoolState.EXCLUDED).values_list("school_id",
                                                                                              flat=True))
    behind = PromotionSchool.objects.filter(run=run).exclude(state=SchoolState.PROMOTED)
    totals: Counter = Counter()
    for number, start in enumerate(range(0, len(todo), CHUNK), start=1):
        totals.update(_promote_chunk(run=run, row_ids=todo[start:start + CHUNK], actor=actor))
        if progress:
            progress(int(100 * min(len(todo), start + CHUNK) / max(len(todo), 1)),
                     f"schools promoted {totals['promoted']}, blocked {totals['blocked']}")
        if after_chunk is not None:
            after_chunk(number)
    with transaction.atomic():
        # The schools left behind (held back, blocked) keep their year whatever the deployment's current year does.
        schools_year_pin(school_ids=list(behind.values_list("school_id", flat=True)), year=run.from_year)
        # The deployment's current school year follows the province (its schools promoted carry the new one).
        school_year_turn(actor=actor, from_year=run.from_year, to_year=run.to_year)
        PromotionRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=clock.now())
    return {"run": run.pk, "backup": backup, "full_backup": (full or {}).get("name"),
            "promoted": totals["promoted"], "blocked": totals["blocked"],
            "already": totals["already"], "excluded": len(held), "pupils": totals["pupils"],
            "classes_closed": totals["classes_closed"]}


@transaction.atomic
def promotion_school_now(*, actor, school: School) -> PromotionSchool:
    """An authority promotes one school later (held back, or blocked until now), once the province's run has
    run; refused with what blocks it, nothing changed."""
    require_cap(actor, Cap.PROMOTION_MANAGE)
    province = selectors.province_of(actor)
    run = PromotionRun.objects.filter(province_code=getattr(province, "code", None),
                                      to_year=selectors.target_year()).first()
    if run is None or run.status != RunStatus.DONE:
        raise Conflict(_("The province's promotion has not run yet: the school is promoted with it."),
                       code="promotion_not_run")
    row = _row_of(actor, run, school)
    if row.state == SchoolState.PROMOTED:
        raise Conflict(_("This school has been promoted already."), code="promotion_done")
    year = current_school_year_start(school.pk)  # read again: the run may have pinned it meanwhile
    found = selectors.blockers_of([school.pk], run.from_year).get(school.pk) if year == run.from_year else {
        "year": year}
    if found:
        raise Conflict(_("This school cannot be promoted yet: resolve what blocks it first."),
                       code="promotion_blocked", details={"blockers": found})
    outcome = _promote_chunk(run=run, row_ids=[row.pk], actor=actor, force=True)
    row.refresh_from_db()
    audit_record(actor=actor, action="schoolyear.promote_school", obj=row, after=dict(outcome))
    return row


def promotion_due() -> dict:
    """The periodic hook (the job worker's maintenance, every minute): start each scheduled run whose moment has
    come, as the registrar who scheduled it. Cheap when nothing is due; a run started is no longer scheduled."""
    started = []
    now = clock.now()
    for run in PromotionRun.objects.filter(status=RunStatus.SCHEDULED).select_related("scheduled_by"):
        if _moment(run) <= now and run.scheduled_by is not None:
            job = promotion_start(actor=run.scheduled_by, run=run)
            started.append(job.pk)
    return {"started": started}
