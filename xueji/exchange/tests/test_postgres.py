"""PostgreSQL only: the writer thread with its own connection, COPY, and two imports racing on the same pupils.

These tests commit, so the job runs as soon as import_start's transaction commits (the test settings use
django-tasks' immediate backend), as the worker would run it."""

import threading

import pytest
from django.db import connection, connections

from xueji.exchange import pipeline
from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
from xueji.jobs.models import Job, JobStatus
from xueji.registry import integrity
from xueji.registry.models import FamilyMember, Student, StudentDetail, StudentMac

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("COPY, the writer thread and advisory locks need PostgreSQL")
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 25)
    threads = []
    real = pipeline.ThreadedWriter.__init__

    def spy(self, write):
        threads.append(self)
        real(self, write)

    monkeypatch.setattr(pipeline.ThreadedWriter, "__init__", spy)
    return threads


def _import(registrar, school, rows, name="学生.csv") -> ImportBatch:
    batch = import_start(actor=registrar, school=school, upload=upload(name, csv_bytes(rows)))
    batch.refresh_from_db()
    return batch


def test_the_writer_thread_copies_chunks_while_rows_are_checked(world, media, registrar, school, class_name,
                                                                _postgres_only):
    rows = [pupil(n, class_name=class_name) for n in range(120)]
    rows[7]["ethnic"] = "X"
    rows[50].update({key: rows[3][key] for key in ("id_number", "birth_date", "sex")})  # the same pupil twice
    batch = _import(registrar, school, rows)
    assert _postgres_only, "the job ran with the writer thread"
    assert batch.status == ImportStatus.SUCCEEDED, batch.failure
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows, batch.duplicate_rows) == (120, 118, 1, 1)
    assert Job.objects.get(pk=batch.job_id).progress == 100
    numbers = [r["id_number"] for i, r in enumerate(rows) if i not in (7, 50)]
    students = Student.objects.filter(id_number__in=numbers)
    assert students.count() == 118 and set(students.values_list("reg_status", flat=True)) == {"draft"}
    assert StudentDetail.objects.filter(student__in=students).count() == 118
    assert FamilyMember.objects.filter(student__in=students).count() == 236
    assert StudentMac.objects.filter(student_id__in=students.values("pk")).count() == 118
    assert integrity.verify().mismatched == []  # the MACs written with the COPY match the rows as stored
    # The same file again: everything already imported, nothing written twice.
    again = _import(registrar, school, rows)
    assert (again.valid_rows, again.already_imported_rows, again.invalid_rows, again.duplicate_rows) == (0, 118, 1, 1)
    assert Student.objects.filter(id_number__in=numbers).count() == 118


def test_a_failing_writer_marks_the_batch_failed_and_keeps_whole_chunks(world, media, registrar, school,
                                                                        class_name, monkeypatch):
    rows = [pupil(n, class_name=class_name) for n in range(60)]
    real = pipeline.students_copy_write
    calls = []

    def fail_third(prepared, keep=None):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("磁盘已满")
        return real(prepared, keep)

    monkeypatch.setattr(pipeline, "students_copy_write", fail_third)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 20)
    batch = _import(registrar, school, rows)
    assert batch.status == ImportStatus.FAILED and "内部错误" in batch.failure
    assert "磁盘已满" not in batch.failure  # the exception text goes to the log only
    assert Job.objects.get(pk=batch.job_id).status == JobStatus.FAILED
    assert (batch.total_rows, batch.valid_rows) == (40, 40)
    numbers = [r["id_number"] for r in rows]
    assert Student.objects.filter(id_number__in=numbers).count() == 40
    assert StudentDetail.objects.filter(student__id_number__in=numbers).count() == 40
    monkeypatch.setattr(pipeline, "students_copy_write", real)
    again = _import(registrar, school, rows)
    assert (again.valid_rows, again.already_imported_rows) == (20, 40)
    assert Student.objects.filter(id_number__in=numbers).count() == 60


def test_two_imports_of_the_same_file_at_once_write_each_pupil_once(world, media, registrar, school, class_name):
    rows = [pupil(n, class_name=class_name) for n in range(80)]
    barrier = threading.Barrier(2)
    failures = []

    def run(n):
        try:
            barrier.wait()
            _import(registrar, school, rows, name=f"学生{n}.csv")
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    for row in rows:
        assert Student.objects.filter(id_number=row["id_number"]).count() == 1
    done = list(ImportBatch.objects.all())
    assert len(done) == 2 and all(b.status == ImportStatus.SUCCEEDED and b.duplicate_rows == 0 for b in done)
    assert sum(b.valid_rows for b in done) == 80
    assert sum(b.already_imported_rows for b in done) == 80
