"""The approval engine: frozen routes, who may decide, returns, withdrawals, bulk decisions, proofs, inbox."""

import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse

from xueji.core.errors import Conflict, Forbidden, ValidationFailed
from xueji.policy.services import route_set
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import enter
from xueji.workflow import selectors
from xueji.workflow.models import Request, RequestStatus, StepStatus
from xueji.workflow.services import proof_add, request_bulk_decide, request_decide, request_withdraw


def submit(world, n=1, offset=0):
    students = enter(world, n, offset=offset)
    return registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                               student_ids=[s.pk for s in students])


def test_steps_are_resolved_and_frozen_at_submit(world, window):
    first = submit(world)
    assert [(s.org_unit.code, s.role) for s in first.steps.all()] == [("3410021001", "leader"), ("341002", "registrar")]
    # The province adds city approval: requests in flight keep their steps, new ones get three.
    route_set(actor=world.user("anhui", "sysadmin"), request_type="registration.enrolled",
              steps=[{"resolver": "filing_school", "role": "leader"},
                     {"resolver": "filing_county", "role": "registrar"},
                     {"resolver": "filing_city", "role": "registrar"}])
    assert first.steps.count() == 2
    other = enter(world, 1, offset=40)[0]
    second = registration_submit(actor=world.user("tunxi_primary", "registrar"), kind="enrolled",
                                 student_ids=[other.pk])
    assert [s.org_unit.code for s in second.steps.order_by("order")] == ["3410021001", "341002", "341000"]


def test_only_the_current_party_decides_and_the_filer_never(world, window):
    request = submit(world)
    for user in (world.user("tunxi", "registrar"), world.user("tunxi_primary", "registrar"),
                 world.user("shexian_primary", "leader"), world.user("tunxi_primary", "sysadmin")):
        with pytest.raises(Forbidden):
            request_decide(actor=user, request=request, approve=True)
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    with pytest.raises(Forbidden):  # the leader's step is done; the county's is pending
        request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)


def test_withdraw_only_before_the_first_decision(world, window):
    request = submit(world)
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    with pytest.raises(Conflict):
        request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=request)
    fresh = submit(world, offset=20)
    assert request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=fresh).status == "withdrawn"


def test_stale_step_is_refused(world, window):
    request = submit(world)
    step = request.steps.get(order=1)
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True, step_id=step.pk)
    with pytest.raises(Conflict):
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True, step_id=step.pk)


def test_inbox_and_bulk_approval(world, window):
    requests = [submit(world)]
    leader = world.user("tunxi_primary", "leader")
    assert selectors.inbox_count(user=leader) == 1
    assert selectors.inbox_count(user=world.user("tunxi", "registrar")) == 0
    outcomes = request_bulk_decide(actor=leader, requests=requests, approve=True)
    assert all(o.ok for o in outcomes)
    assert selectors.inbox_count(user=leader) == 0
    assert selectors.inbox_count(user=world.user("tunxi", "registrar")) == 1
    # A second bulk run reports, per request, why it was refused.
    outcomes = request_bulk_decide(actor=leader, requests=requests, approve=True)
    assert not outcomes[0].ok and outcomes[0].message


def test_requests_are_visible_to_filer_and_approvers_only(world, window):
    request = submit(world)
    for unit in ("tunxi_primary", "tunxi", "huangshan", "anhui"):
        assert selectors.request_list(user=world.user(unit, "registrar")).filter(pk=request.pk).exists()
    for unit in ("shexian", "tunxi_middle", "jiangsu", "yaohai_primary"):
        assert not selectors.request_list(user=world.user(unit, "registrar")).filter(pk=request.pk).exists()


@pytest.mark.parametrize(("name", "content", "code"), [
    ("scan.jpg", b"%PDF-1.7 really a pdf", "type_mismatch"),
    ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"x" * 50, "type_mismatch"),  # a .pdf that is a PNG
    ("page.html", b"<html><script>alert(1)</script></html>", "unsupported_type"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "unsupported_type"),
    ("notes.txt", b"hello", "unsupported_type"),
    ("big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), "file_too_large"),
])
def test_bad_proofs_are_refused(world, window, settings, tmp_path, name, content, code):
    settings.MEDIA_ROOT = tmp_path
    request = submit(world)
    with pytest.raises(ValidationFailed) as excinfo:
        proof_add(actor=world.user("tunxi_primary", "registrar"), request=request,
                  upload=SimpleUploadedFile(name, content))
    assert excinfo.value.code == code
    assert not request.proofs.exists()


def test_proofs_are_stored_outside_the_web_root_and_served_to_viewers_only(world, window, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "files"
    request = submit(world)
    proof = proof_add(actor=world.user("tunxi_primary", "registrar"), request=request,
                      upload=SimpleUploadedFile("户口簿.png", b"\x89PNG\r\n\x1a\n" + b"x" * 100))
    assert proof.content_type == "image/png" and proof.size == 108
    assert (tmp_path / "files" / "proofs" / proof.stored_name).exists()
    client.force_login(world.user("tunxi", "registrar"))
    response = client.get(f"/api/v1/proofs/{proof.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(world.user("shexian", "registrar"))
    assert client.get(f"/api/v1/proofs/{proof.pk}/").status_code == 404


def test_a_proof_is_stored_under_a_generated_name_and_served_as_an_attachment_never_inline(world, window, settings,
                                                                                          tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "files"
    request = submit(world)
    proof = proof_add(actor=world.user("tunxi_primary", "registrar"), request=request,
                      upload=SimpleUploadedFile("../../../etc/户口簿.pdf", b"%PDF-1.4\n<script>x</script>"))
    assert proof.original_name == "户口簿.pdf" and ".." not in proof.stored_name
    assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.pdf", proof.stored_name)
    assert list((tmp_path / "files").rglob("*.pdf")) == [tmp_path / "files" / "proofs" / proof.stored_name]
    client.force_login(world.user("tunxi", "registrar"))
    for url in (f"/api/v1/proofs/{proof.pk}/", reverse("workflow:proof_download", args=[proof.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_give_exactly_one_outcome(world, window):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    request = submit(world)
    leader = world.user("tunxi_primary", "leader")
    barrier = threading.Barrier(4)
    results: list[str] = []

    def decide(approve: bool):
        try:
            barrier.wait()
            request_decide(actor=leader, request=Request.objects.get(pk=request.pk), approve=approve,
                           comment="并发测试")
            results.append("approved" if approve else "returned")
        except (Conflict, Forbidden) as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if r in ("approved", "returned")]
    assert len(winners) == 1, results
    request.refresh_from_db()
    first = request.steps.get(round=1, order=1)
    assert first.status in (StepStatus.APPROVED, StepStatus.REJECTED)
    assert request.actions.filter(kind__in=["approve", "return"]).count() == 1
    expected = RequestStatus.PENDING if winners[0] == "approved" else RequestStatus.RETURNED
    assert request.status == expected
