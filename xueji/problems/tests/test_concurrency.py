"""Parallel connections on PostgreSQL (SQLite takes no row locks): exactly one outcome."""

import threading
import time

import pytest
from django.db import connection, connections

from xueji.core.errors import Conflict
from xueji.problems import scans as problem_scans
from xueji.problems import services as problems
from xueji.problems.choices import ProblemKind, ProblemStatus
from xueji.problems.clearance import issue_cleared
from xueji.problems.models import Problem
from xueji.registry.models import NationalNumber, Student, VerifyStatus
from xueji.verification.tests.helpers import proof_pdf
from xueji.workflow.models import Request, RequestStatus
from xueji.workflow.services import request_decide

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]


def parallel(*calls):
    """Run the calls at the same moment, each thread on its own connection; (ok, value or exception) each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait()
            results[index] = (True, call())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_parallel_issuance_gives_one_number(transactional_db, world, media):
    student = world.students["tunxi_primary"]
    Student.objects.filter(pk=student.pk).update(verify_status=VerifyStatus.VERIFIED)
    actor_a, actor_b = world.user("tunxi", "registrar"), world.user("anhui", "registrar")
    results = parallel(lambda: issue_cleared(student_ids=[student.pk], actor=actor_a),
                       lambda: issue_cleared(student_ids=[student.pk], actor=actor_b))
    assert all(ok for ok, _ in results), results
    assert sorted(value["G"] for _, value in results) == [0, 1]
    assert NationalNumber.objects.filter(student=student).count() == 1
    assert Student.objects.get(pk=student.pk).national_number == "G" + student.id_number


def _duplicate(world):
    a, b = world.students["tunxi_primary"], world.students["shexian_primary"]
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number)
    problem_scans.duplicate_scan(province_code="340000", scope=world.units["anhui"],
                                 actor=world.user("anhui", "registrar"))
    return Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)


def test_parallel_decisions_on_one_request_give_one_outcome(transactional_db, world, media):
    problem = _duplicate(world)
    request = problems.problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem,
                                           action="delete", reason="重复建籍")
    county = world.user("tunxi", "registrar")
    results = parallel(lambda: request_decide(actor=county, request=request, approve=True),
                       lambda: request_decide(actor=county, request=request, approve=False, comment="不同意"))
    outcomes = sorted(ok for ok, _ in results)
    assert outcomes == [False, True], results
    failure = next(value for ok, value in results if not ok)
    assert isinstance(failure, Conflict) and failure.code == "already_decided"
    request.refresh_from_db()
    assert request.status in (RequestStatus.APPROVED, RequestStatus.RETURNED)
    assert request.actions.filter(kind__in=["approve", "return"]).count() == 1
    gone = not Student.objects.filter(pk=world.students["tunxi_primary"].pk).exists()
    assert gone == (request.status == RequestStatus.APPROVED)


def test_parallel_approvals_of_both_confirmations_start_one_arbitration(transactional_db, world, media, monkeypatch):
    problem = _duplicate(world)
    req_a = problems.problem_action_file(actor=world.user("tunxi_primary", "registrar"), problem=problem,
                                         action="confirm", uploads=[proof_pdf()])
    req_b = problems.problem_action_file(actor=world.user("shexian_primary", "registrar"), problem=problem,
                                         action="confirm", uploads=[proof_pdf()])
    original = problems._locked

    def slow(request):  # hold the problem a moment, so that without its lock both would read the other as open
        locked = original(request)
        time.sleep(0.3)
        return locked

    monkeypatch.setattr(problems, "_locked", slow)
    results = parallel(lambda: request_decide(actor=world.user("tunxi", "registrar"), request=req_a, approve=True),
                       lambda: request_decide(actor=world.user("shexian", "registrar"), request=req_b, approve=True))
    assert all(ok for ok, _ in results), results
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ARBITRATION
    assert Request.objects.filter(type="problem.arbitrate", subject_id=str(problem.pk)).count() == 1
