"""Writes to the registry: entering pupils (one or many), correcting drafts, exports."""

from collections.abc import Sequence

from django.db import transaction

from xueji.accounts.jurisdiction import require_org_within
from xueji.accounts.permissions import Cap, require_cap
from xueji.audit.services import audit_record, snapshot
from xueji.core.errors import Conflict, ValidationFailed
from xueji.jobs.models import Job
from xueji.jobs.services import job_start
from xueji.policy.services import province_code_of
from xueji.regions.selectors import org_unit_get
from xueji.registry.models import FamilyMember, RegStatus, Student, StudentDetail
from xueji.registry.validation import CleanStudent
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import class_get, school_get

GUARDIAN_FIELDS = {f.name for f in FamilyMember._meta.concrete_fields} - {"id", "student"}


def students_export_start(*, actor, filters: dict) -> Job:
    """Start an audited export of the students the actor may see (ID numbers masked unless the role needs them)."""
    require_cap(actor, Cap.STUDENT_VIEW)
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    # A filter naming a school, class or county outside the jurisdiction answers 404, like a detail page.
    if "school" in clean:
        school_get(user=actor, pk=clean["school"])
    if "school_class" in clean:
        class_get(user=actor, pk=clean["school_class"])
    if "county" in clean:
        org_unit_get(user=actor, pk=clean["county"])
    return job_start(actor=actor, kind="registry.export_students", title="导出学生名单", params={"filters": clean})


def build_rows(*, school: School, school_class: SchoolClass | None, clean: CleanStudent,
               reg_status: str = RegStatus.DRAFT) -> tuple[Student, StudentDetail, list[FamilyMember]]:
    """Unsaved model instances for one pupil (used by single entry and by the bulk writer on SQLite)."""
    student = Student(school=school, school_class=school_class, province_code=province_code_of(school.org_unit) or "",
                      reg_status=reg_status, **clean.student)
    detail = StudentDetail(student=student, **clean.detail)
    family = [FamilyMember(student=student, **{k: v for k, v in g.items() if k in GUARDIAN_FIELDS})
              for g in clean.guardians]
    return student, detail, family


def students_insert(*, school: School, rows: Sequence[tuple[SchoolClass | None, CleanStudent]],
                    reg_status: str = RegStatus.DRAFT) -> list[int]:
    """Insert many pupils set-based (no per-row save). Callers hold the transaction and audit the batch."""
    built = [build_rows(school=school, school_class=klass, clean=clean, reg_status=reg_status)
             for klass, clean in rows]
    students = Student.objects.bulk_create([b[0] for b in built], batch_size=1000)
    for student, detail, family in built:
        detail.student_id = student.pk
        for member in family:
            member.student_id = student.pk
    StudentDetail.objects.bulk_create([b[1] for b in built], batch_size=1000)
    FamilyMember.objects.bulk_create([m for b in built for m in b[2]], batch_size=1000)
    return [s.pk for s in students]


def _require_school_registrar(actor, school: School) -> None:
    require_cap(actor, Cap.STUDENT_EDIT)
    require_org_within(actor, school.org_unit)
    if not actor.org_unit.is_school:
        raise ValidationFailed("Pupils are entered by their school.", code="school_only")


def _existing_duplicate(school: School, clean: CleanStudent) -> Student | None:
    data = clean.student
    if data.get("id_number"):
        return Student.objects.filter(id_number=data["id_number"]).first()
    return Student.objects.filter(school=school, name=data["name"], sex=data["sex"],
                                  birth_date=data["birth_date"]).first()


@transaction.atomic
def student_enter(*, actor, school: School, school_class: SchoolClass | None, clean: CleanStudent) -> Student:
    """A school registrar enters one pupil (a draft until submitted for registration)."""
    _require_school_registrar(actor, school)
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationFailed("The class belongs to another school.", code="wrong_class", field="school_class")
    duplicate = _existing_duplicate(school, clean)
    if duplicate is not None:
        where = "本校" if duplicate.school_id == school.pk else "其他学校"
        same = "身份证件号" if clean.student.get("id_number") else "姓名、性别和出生日期"
        raise Conflict(f"{where}已有相同{same}的学籍（{duplicate.name}）。", code="duplicate_student")
    (pk,) = students_insert(school=school, rows=[(school_class, clean)])
    student = Student.objects.get(pk=pk)
    audit_record(actor=actor, action="student.enter", obj=student, after=snapshot(student))
    return student


EDITABLE_STATES = (RegStatus.DRAFT,)


@transaction.atomic
def student_correct(*, actor, student: Student, clean: CleanStudent,
                    school_class: SchoolClass | None = None) -> Student:
    """Correct a draft (or a pupil of a returned registration request) before it is submitted again."""
    from xueji.workflow.models import RequestStatus

    _require_school_registrar(actor, student.school)
    returned = student.registration_request_id and student.registration_request.status == RequestStatus.RETURNED
    if student.reg_status not in EDITABLE_STATES and not returned:
        raise Conflict("Only drafts and pupils of a returned request can be corrected here.", code="not_editable")
    before = snapshot(student)
    for key, value in clean.student.items():
        setattr(student, key, value)
    if school_class is not None:
        student.school_class = school_class
    student.save()
    StudentDetail.objects.update_or_create(student=student, defaults=clean.detail)
    FamilyMember.objects.filter(student=student).delete()
    FamilyMember.objects.bulk_create([FamilyMember(student=student, **{k: v for k, v in g.items()
                                                                      if k in GUARDIAN_FIELDS})
                                      for g in clean.guardians])
    audit_record(actor=actor, action="student.correct", obj=student, before=before, after=snapshot(student))
    return student


@transaction.atomic
def student_delete_draft(*, actor, student: Student) -> None:
    _require_school_registrar(actor, student.school)
    if student.reg_status != RegStatus.DRAFT:
        raise Conflict("Only drafts can be deleted; registered records change through status changes.",
                       code="not_draft")
    audit_record(actor=actor, action="student.delete_draft", obj=student, before=snapshot(student))
    student.delete()
