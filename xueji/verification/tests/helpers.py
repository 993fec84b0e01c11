"""Helpers for the verification and problem-record tests (and the jurisdiction matrix's scene)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock, idnumbers
from xueji.jobs.models import JobStatus
from xueji.jobs.services import job_run
from xueji.registry.models import RegStatus, Student
from xueji.verification.models import RegisterEntry

PDF = b"%PDF-1.4 household register page"


def proof_pdf(name: str = "hukou.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def run(job):
    """Run a job now (tests hold a transaction, so the on-commit enqueue never fires) and insist it succeeded."""
    job = job_run(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def register_students(students, *, rename: dict[int, str] | None = None, skip: set[int] | None = None) -> None:
    """Put these pupils in the local population register (optionally under another name, or not at all)."""
    rename, skip = rename or {}, skip or set()
    RegisterEntry.objects.bulk_create([
        RegisterEntry(id_number=s.id_number, name=rename.get(s.pk, s.name), sex=s.sex, birth_date=s.birth_date,
                      loaded_at=clock.now())
        for s in students if s.id_number and s.pk not in skip])


def add_pupil(world, school: str, *, name: str = "新生", sex: str = "1", birth: dt.date = dt.date(2016, 9, 1),
              id_number: str | None = "auto", id_type: str = "1", seq: int = 501) -> Student:
    """A registered pupil of a world school (ID built from the school's county unless told otherwise)."""
    sch = world.schools[school]
    if id_number == "auto":
        id_number = idnumbers.make(sch.county.code, birth, seq if sex == "1" else seq + 1)
    return Student.objects.create(school=sch, school_class=world.classes[school],
                                  province_code=sch.county.code[:2] + "0000", name=name, sex=sex, birth_date=birth,
                                  id_type=id_type, id_number=id_number, reg_status=RegStatus.REGISTERED)


def matrix_scene(world) -> None:
    """For the jurisdiction matrix (xueji/ui/tests/test_matrix.py): an ID-error problem and a verification batch
    awaiting answers at tunxi_primary and at xuanwu_primary, and an L number for every world pupil."""
    from xueji.problems.choices import ProblemKind
    from xueji.problems.records import record_problems
    from xueji.registry.numbers import issue_temporary
    from xueji.verification.choices import BatchMode, BatchStatus
    from xueji.verification.models import VerificationBatch

    issue_temporary(students=list(Student.objects.filter(pk__in=[s.pk for s in world.students.values()])
                                  .select_related("school__county")), actor=world.user("ministry", "registrar"))
    for school in ("tunxi_primary", "xuanwu_primary"):
        student = world.students[school]
        record_problems(kind=ProblemKind.ID_ERROR, province_code=student.province_code,
                        groups={f"s{student.pk}": [student.pk]}, details={f"s{student.pk}": {"reason": "id_not_found"}},
                        source="verification")
        batch = VerificationBatch.objects.create(org_unit=world.units[school], province_code=student.province_code,
                                                 mode=BatchMode.FILE, status=BatchStatus.SENT, total=1,
                                                 created_by=world.user(school, "registrar"), created_at=clock.now())
        path = Path(settings.MEDIA_ROOT) / "verification" / str(batch.pk) / "export.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"reference,id_number,name\n{batch.pk}-{student.pk},{student.id_number},{student.name}\n")
        VerificationBatch.objects.filter(pk=batch.pk).update(file=str(path.relative_to(settings.MEDIA_ROOT)))
