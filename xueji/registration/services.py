"""Registration flows: submitting drafts for registration (在校生注册, 小学新生注册, 来华归国学生注册),
grade-1 entry-age control, pre-school takeover and the whole-system search for returning pupils."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xueji.accounts.jurisdiction import within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record
from xueji.core import idnumbers
from xueji.core.errors import Conflict, NotFound, ValidationFailed
from xueji.policy.selectors import registration_open_require, switch
from xueji.policy.services import province_code_of, window_require
from xueji.policy.switches import ENTRY_AGE
from xueji.registration.choices import REQUEST_TYPE_OF
from xueji.registration.models import PreschoolRecord
from xueji.registry.choices import ON_ROLL, StudentStatus, status_change_allowed
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_take_over, students_registration_submit
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start
from xueji.workflow.models import Request
from xueji.workflow.services import request_submit
from xueji.workflow.types import request_type as request_type_of

KINDS = REQUEST_TYPE_OF  # kind -> request type code


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def entry_age_problems(*, students: list[Student], province_code: str | None) -> list[str]:
    """Grade-1 entry age: at least N full years on 31 August of the entry year (the province's function switch of
    the primary stage: on or off, and the age)."""
    control = switch(province_code=province_code, stage="1", key=ENTRY_AGE)
    if not control.get("enabled"):
        return []
    cutoff = dt.date(current_school_year_start(), 8, 31)
    minimum = int(control.get("min_age", 6))
    return [str(format_lazy(_("{name} ({birth}) is not {age} full years old on {cutoff}"), name=s.name,
                            birth=f"{s.birth_date:%Y-%m-%d}", age=minimum, cutoff=f"{cutoff:%Y-%m-%d}"))
            for s in students if age_on(s.birth_date, cutoff) < minimum]


def in_first_grade(school_class: SchoolClass | None) -> bool:
    """A class of the first grade of primary school in the current school year (小学一年级)."""
    return (school_class is not None and school_class.stage == "1"
            and school_class.cohort_year == current_school_year_start(school_class.school_id))


def _grade1_problems(students: list[Student]) -> list[str]:
    return [str(format_lazy(_("{name} is not in a grade-1 class of this school year"), name=s.name))
            for s in students if not in_first_grade(s.school_class)]


def stages_of(students: list[Student]) -> set[str]:
    """The stages these pupils are registered in: their classes', else their schools' first."""
    return {s.school_class.stage if s.school_class is not None else (s.school.stages or "1")[0] for s in students}


def grade1_rules_require(*, kind: str, students: list[Student], unit) -> None:
    """The grade-1 rules, whatever the kind of registration: a pupil placed in the first grade of primary school
    this school year enters within the grade-1 window and meets the entry-age control; a 小学新生注册 holds only
    such pupils. (Filing a first-grader as 在校生注册 or as a returning pupil does not step round them.)

    When they are checked: whenever the school files, i.e. at submit and again at resubmission after a return
    (the pupils may have been corrected, even moved to a first-grade class, in between), under the policy in force
    at that moment. An approval does not re-check them: like the route, the rules a request was filed under are
    frozen with it, so a policy change (the age switch, a window closing) never strands a request in flight; the
    approver returns it when it must change. `unit`: the filing school's org unit (its windows and province)."""
    province_code = province_code_of(unit)
    first_graders = students if kind == "grade1" else [s for s in students if in_first_grade(s.school_class)]
    problems = _grade1_problems(students) if kind == "grade1" else []
    if first_graders:
        if kind != "grade1":
            window_require(unit=unit, kind=request_type_of(KINDS["grade1"]).window_kind)
        problems += entry_age_problems(students=first_graders, province_code=province_code)
    if problems:
        raise ValidationFailed(format_lazy(_("The grade-1 rules are not met: {problems}"),
                                           problems="；".join(problems[:20])), code="entry_age", details=problems)


def registration_resubmit_check(*, request: Request, actor) -> None:
    """A returned registration filed again: the same rules as at submit (the stage open for registration, the
    grade-1 rules), under the policy now in force."""
    students = list(Student.objects.filter(registration_request_id=request.pk).select_related("school_class"))
    kind = next((key for key, value in KINDS.items() if value == request.type), "")
    takeover = (request.payload or {}).get("takeover")
    if takeover:  # the record taken over, placed in the class it would join
        student = Student.objects.filter(pk=takeover).first()
        if student is None:
            raise Conflict("The record no longer exists.", code="record_gone")
        student.school_class = SchoolClass.objects.filter(pk=request.payload.get("class")).first()
        students = [student]
    registration_open_require(province_code=request.province_code, stages=stages_of(students))
    grade1_rules_require(kind=kind, students=students, unit=request.filer_org)


@transaction.atomic
def registration_submit(*, actor, kind: str, student_ids: list[int]) -> Request:
    """Submit drafts of the actor's school for registration: one request, approved by the school leader and
    the county (or the province's route). Outside the business window (the province's, narrowed by the city or
    county) it is refused, and the window shown; so is a stage whose new-student registration the province
    closed."""
    require_cap(actor, Cap.REQUEST_FILE)
    if kind not in KINDS:
        raise ValidationFailed(f"Unknown registration kind {kind!r}.", code="unknown_kind", field="kind")
    ids = sorted(set(student_ids))
    if not ids:
        raise ValidationFailed("Choose at least one pupil.", code="no_students", field="student_ids")
    students = list(within(Student.objects.select_for_update(of=("self",)).filter(pk__in=ids), actor)
                    .select_related("school_class"))
    if len(students) != len(ids):
        raise NotFound("Some of these pupils are not in your jurisdiction.")
    if not actor.org_unit.is_school:
        raise ValidationFailed("Registration is filed by the pupil's school.", code="school_only")
    request_type = request_type_of(KINDS[kind])
    window_require(unit=actor.org_unit, kind=request_type.window_kind)
    not_drafts = [s.name for s in students if s.reg_status != RegStatus.DRAFT]
    if not_drafts:
        raise Conflict(f"Already submitted or registered: {'、'.join(not_drafts[:10])}", code="not_draft")
    registration_open_require(province_code=province_code_of(actor.org_unit), stages=stages_of(students))
    grade1_rules_require(kind=kind, students=students, unit=actor.org_unit)
    title = f"{request_type.stored_label()}：{actor.org_unit.name} {len(students)} 人"
    request = request_submit(actor=actor, type=request_type.code, title=title, subject_type="registry.student",
                             payload={"count": len(students), "student_ids": ids[:1000]})
    students_registration_submit(actor=actor, student_ids=ids, request_id=request.pk)
    return request


# Returning pupils (来华归国) -------------------------------------------------------------------------------

def in_school(student: Student) -> bool:
    """On a school's roll (在读, 休学, 停学, 复学): such a record moves by a transfer (转学), never by a takeover."""
    return student.reg_status != RegStatus.DRAFT and student.status in ON_ROLL


@dataclass(frozen=True)
class ReturningMatch:
    """What the search answers about a record outside the searcher's jurisdiction: only what the takeover
    needs. Not the pupil's name, school, class or national number; the ID number masked."""

    pk: int
    county: str  # the county authority holding the record
    in_school: bool  # still on a school's roll: a transfer, not a takeover
    id_number: str  # masked


def returning_search(*, actor, id_number: str = "", name: str = "", sex: str = "",
                     birth_date: dt.date | None = None) -> list[ReturningMatch]:
    """Search the whole system (not only the jurisdiction) for an existing record of a returning pupil (来华归国):
    by ID number, or by name, sex and date of birth. The answer is masked whatever the searcher's role (the
    records lie outside the jurisdiction), and the search is audited with the records it found."""
    require_cap(actor, Cap.REQUEST_FILE)
    qs = Student.objects.select_related("school__county").exclude(reg_status=RegStatus.DRAFT).order_by("pk")
    if id_number:
        found = list(qs.filter(id_number=idnumbers.normalise(id_number))[:5])
    elif name and sex and birth_date:
        found = list(qs.filter(name=name.strip(), sex=sex, birth_date=birth_date)[:5])
    else:
        raise ValidationFailed("Search by ID number, or by name, sex and date of birth.", code="search_terms")
    audit_record(actor=actor, action="registration.returning_search", object_type="registry.student",
                 after={"by": "id" if id_number else "name_sex_birth", "found": len(found),
                        "records": [s.pk for s in found], "in_school": sum(in_school(s) for s in found)})
    return [ReturningMatch(pk=s.pk, county=s.school.county.name, in_school=in_school(s),
                           id_number=idnumbers.mask(s.id_number)) for s in found]


def returning_match_get(*, actor, pk, id_number: str = "", name: str = "",
                        birth_date: dt.date | None = None) -> Student:
    """A record found by the whole-system search. The caller must repeat what found it (the ID number, or
    name and date of birth), so record ids cannot be walked to take over strangers' records."""
    require_cap(actor, Cap.REQUEST_FILE)
    try:
        student = Student.objects.select_related("school").exclude(reg_status=RegStatus.DRAFT).get(pk=pk)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise NotFound("student not found") from None
    by_id = id_number and student.id_number == id_number.strip().upper()
    by_name = name and birth_date and student.name == name.strip() and student.birth_date == birth_date
    if not (by_id or by_name):
        raise NotFound("student not found")
    return student


@transaction.atomic
def returning_takeover_submit(*, actor, student: Student, school_class: SchoolClass) -> Request:
    """Take over an existing record found by the search: approved like a registration, then the record
    moves to this school and class and is enrolled again, keeping its national number."""
    require_cap(actor, Cap.REQUEST_FILE)
    if not actor.org_unit.is_school:
        raise ValidationFailed("Registration is filed by the pupil's new school.", code="school_only")
    if school_class.school.org_unit_id != actor.org_unit_id:
        raise NotFound("class not found")
    if in_school(student):
        raise Conflict("The record is still on a school's roll; use a transfer instead.", code="still_enrolled")
    if not status_change_allowed(student.status, StudentStatus.ENROLLED):  # the registry's transition table
        raise Conflict(_("A record with this status cannot be enrolled again."), code="status_not_allowed")
    placed = Student(name=student.name, birth_date=student.birth_date, school_class=school_class)
    registration_open_require(province_code=province_code_of(actor.org_unit), stages={school_class.stage})
    grade1_rules_require(kind="returning", students=[placed], unit=actor.org_unit)
    return request_submit(actor=actor, type=KINDS["returning"], title=f"来华归国学生注册（接收原学籍）：{student.name}",
                          subject_type="registry.student", subject_id=str(student.pk),
                          payload={"takeover": student.pk, "class": school_class.pk,
                                   "from_school": student.school_id, "from_status": student.status})


def apply_takeover(*, request, actor) -> int:
    payload = request.payload
    klass = SchoolClass.objects.select_related("school").get(pk=payload["class"])
    student_take_over(actor=actor, student=int(payload["takeover"]), school_class=klass, request_id=request.pk)
    return 1


# Pre-school takeover (小学新生) --------------------------------------------------------------------------

def preschool_lookup(*, actor, id_number: str) -> PreschoolRecord | None:
    require_cap(actor, Cap.STUDENT_EDIT)
    if not actor.org_unit.is_school:
        raise ValidationFailed("Pre-school records are taken over by the pupil's new school.", code="school_only")
    record = PreschoolRecord.objects.filter(id_number=id_number.strip().upper(), taken_over_by__isnull=True).first()
    audit_record(actor=actor, action="registration.preschool_lookup", object_type="registration.preschoolrecord",
                 object_id=str(record.pk) if record else "", after={"found": record is not None})
    return record


@transaction.atomic
def preschool_mark_taken(*, actor, record: PreschoolRecord, student: Student) -> None:
    if record.taken_over_by_id:
        raise Conflict("This pre-school record was already taken over.", code="already_taken")
    record.taken_over_by = student
    record.save(update_fields=["taken_over_by"])
    audit_record(actor=actor, action="registration.preschool_takeover", obj=student,
                 after={"preschool_record": record.pk, "kindergarten": record.kindergarten})


@transaction.atomic
def pupil_enter(*, actor, school_class: SchoolClass, clean, preschool_id_number: str = "") -> Student:
    """Enter one pupil as a draft; when the form was prefilled from a pre-school record with the same ID
    number, that record is taken over in the same transaction (小学新生)."""
    from xueji.registry.services import student_enter

    student = student_enter(actor=actor, school=school_class.school, school_class=school_class, clean=clean)
    wanted = (preschool_id_number or "").strip().upper()
    if wanted and clean.student.get("id_number") == wanted:
        record = preschool_lookup(actor=actor, id_number=wanted)
        if record is not None:
            preschool_mark_taken(actor=actor, record=record, student=student)
    return student
