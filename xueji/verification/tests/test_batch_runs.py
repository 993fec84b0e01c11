"""Verification and number issuance as batch jobs over many pupils (issue 14, item 6): chunks that commit on their
own, a run killed midway that its rerun continues, the command that holds no transaction for the whole run, the
statistics refreshed after each phase, and the scan's SQL rule answering as the Python one on stored records."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xueji.audit.models import AuditEvent
from xueji.core import idnumbers
from xueji.core.db import bulk
from xueji.jobs.models import JobStatus
from xueji.jobs.services import job_rerun, job_run
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.problems.scans import error_scan
from xueji.registry.models import NationalNumber, Student, VerifyStatus
from xueji.verification import jobs
from xueji.verification.choices import BatchStatus
from xueji.verification.models import VerificationBatch, VerificationItem
from xueji.verification.register import LocalPopulationRegister
from xueji.verification.services import verification_start
from xueji.verification.tests.helpers import add_pupil, register_students


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _class_of_pupils(world, count: int = 9) -> list[Student]:
    """Pupils of tunxi_primary (besides the world's), all in the register but the second (not found) and the
    fifth (another name)."""
    pupils = [add_pupil(world, "tunxi_primary", name=f"学生{n}", birth=dt.date(2016, 3, 1 + n), seq=501 + 2 * n)
              for n in range(count)]
    register_students([world.students["tunxi_primary"], *pupils], skip={pupils[1].pk},
                      rename={pupils[4].pk: "别的名"})
    return pupils


def _state():
    """What a run leaves that users see: states, numbers, problems, the batch's counts."""
    return (sorted(Student.objects.values_list("pk", "verify_status", "national_number")),
            sorted(NationalNumber.objects.filter(superseded_at__isnull=True).values_list("student_id", "number")),
            sorted((p.kind, p.key, p.detail["reason"]) for p in Problem.objects.all()))


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_midway_keeps_its_chunks_and_the_rerun_continues(world, media, monkeypatch):
    _class_of_pupils(world)
    registrar = world.user("tunxi", "registrar")
    monkeypatch.setattr(jobs, "CHUNK", 3)  # 11 pupils of 屯溪区 to check: chunks of 3, 3, 3, 2

    def kill(number):
        if number == 2:
            raise RuntimeError("killed after chunk 2")

    monkeypatch.setattr(jobs, "after_chunk", kill)
    failed = job_run(verification_start(actor=registrar).pk)
    assert failed.status == JobStatus.FAILED
    batch = VerificationBatch.objects.get(job=failed)
    # The two chunks that committed stay, with the batch's counters; nothing past them was touched.
    assert batch.status == BatchStatus.RUNNING and (batch.total, batch.answered) == (11, 6)
    assert sum(batch.counts.values()) == 6
    assert VerificationItem.objects.filter(batch=batch).count() == 6
    assert Student.objects.filter(verify_status__in=[VerifyStatus.VERIFIED, VerifyStatus.NOT_FOUND,
                                                     VerifyStatus.MISMATCH]).count() == 6
    assert not NationalNumber.objects.exists()  # the numbers phase had not begun

    monkeypatch.setattr(jobs, "after_chunk", None)
    rerun = job_run(job_rerun(actor=registrar, job=failed).pk)
    assert rerun.status == JobStatus.SUCCEEDED, rerun.error
    batch.refresh_from_db()
    assert rerun.result["batch"] == batch.pk and rerun.result["resumed"] is True
    assert batch.status == BatchStatus.DONE and batch.job_id == rerun.pk
    assert (batch.total, batch.answered) == (11, 11)
    assert batch.counts == {"verified": 8, "id_not_found": 2, "name_mismatch": 1}
    assert (rerun.result["checked"], rerun.result["verified"]) == (11, 8)
    assert VerificationItem.objects.filter(batch=batch).count() == 11  # each pupil checked once
    assert VerificationBatch.objects.count() == 1
    after_rerun = _state()

    # The same as one run that was never interrupted, from the same start.
    Problem.objects.all().delete()
    VerificationBatch.objects.all().delete()
    from xueji.registry.services import student_verify_set

    student_verify_set(student_ids=list(Student.objects.values_list("pk", flat=True)), status=VerifyStatus.UNVERIFIED)
    with connection.cursor() as cursor:  # a test's reset: the numbers gone again
        cursor.execute("UPDATE registry_student SET national_number = NULL")
    NationalNumber.objects.all().delete()
    whole = job_run(verification_start(actor=registrar).pk)
    assert whole.status == JobStatus.SUCCEEDED
    assert _state() == after_rerun
    assert {k: whole.result[k] for k in ("checked", "verified", "id_not_found", "name_mismatch")} == {
        k: rerun.result[k] for k in ("checked", "verified", "id_not_found", "name_mismatch")}


class _WatchingRegister(LocalPopulationRegister):
    """Records whether the caller held a transaction while the register was asked."""

    in_transaction: list[bool] = []

    def check(self, items):
        type(self).in_transaction.append(connection.in_atomic_block)
        return super().check(items)


@pytest.mark.django_db(transaction=True)
def test_the_command_commits_chunk_by_chunk(world, media, settings, monkeypatch):
    _class_of_pupils(world)
    settings.XUEJI_POPULATION_REGISTER = f"{__name__}._WatchingRegister"
    _WatchingRegister.in_transaction = []
    monkeypatch.setattr(jobs, "CHUNK", 4)
    out = io.StringIO()
    call_command("verify_identities", "--user", "tunxi_registrar", stdout=out)
    assert '"checked": 11' in out.getvalue()
    # Three chunks, none asked inside an open transaction: no lock is held from one chunk to the next.
    assert _WatchingRegister.in_transaction == [False, False, False]
    assert AuditEvent.objects.filter(action="verification.apply").count() == 3
    job = VerificationBatch.objects.get().job
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100


def test_the_job_refreshes_the_statistics_of_the_tables_it_changed(world, media, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE runs on PostgreSQL (SQLite plans without statistics)")
    _class_of_pupils(world)
    # A test's tables are tiny: any change counts. Without the scale the decision rests on the rows the job says it
    # changed alone, not on the server's modification counters, which it flushes asynchronously (a loaded run saw
    # them late).
    monkeypatch.setattr(bulk, "ANALYZE_THRESHOLD", 0)
    monkeypatch.setattr(bulk, "ANALYZE_SCALE", 0)
    with CaptureQueriesContext(connection) as queries:
        job = job_run(verification_start(actor=world.user("tunxi", "registrar")).pk)
    assert job.status == JobStatus.SUCCEEDED
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert len(analyzed) == 2  # after checking, after numbering
    assert all('"registry_student"' in sql for sql in analyzed)
    assert '"registration_verificationitem"' in analyzed[0] and '"registration_problem"' in analyzed[0]
    assert '"registry_nationalnumber"' in analyzed[1]


def test_nothing_to_analyse_below_the_threshold(world):
    with CaptureQueriesContext(connection) as queries:
        assert bulk.analyze_changed({Student: 0}) == []
    assert not any(q["sql"].startswith("ANALYZE") for q in queries.captured_queries)


def test_the_error_scan_finds_what_the_python_rule_finds(world, media):
    """Stored numbers of every kind (sound, typo, impossible date, contradicting the record, not normalised):
    the scan's SQL answers as the Python rule, record by record."""
    sound = idnumbers.make("341002", dt.date(2016, 5, 6), 511)
    cases = [sound, sound[:17] + ("0" if sound[17] != "0" else "1"), sound[:16],
             "34100220160230" + "511" + idnumbers.check_char("34100220160230511"), sound.lower(), f" {sound}",
             idnumbers.make("341002", dt.date(2016, 5, 7), 511), idnumbers.make("341002", dt.date(2016, 5, 6), 512),
             "34100X" + sound[6:], "３４" + sound[2:]]
    pupils = [add_pupil(world, "tunxi_primary", name=f"号{n}", birth=dt.date(2016, 5, 6), sex="1", id_number=number)
              for n, number in enumerate(cases)]
    result = error_scan(province_code="340000", scope=world.units["anhui"], actor=world.user("anhui", "registrar"))
    filed = {p.key: p.detail["reason"] for p in Problem.objects.filter(kind=ProblemKind.ID_ERROR)}
    expected = {f"s{p.pk}": idnumbers.error_code(p.id_number, p.birth_date, p.sex) for p in pupils}
    assert filed == {key: code for key, code in expected.items() if code}
    assert result["id_error"]["new"] == len(filed) == 6  # the three not normalised are sound numbers
