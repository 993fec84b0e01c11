"""The inbox (待办), request pages and proofs: filters, bulk approval with per-request outcomes, stale decisions,
proof uploads checked by content, audited downloads, and foreign ids answering 404."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.registration.services import registration_submit
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.workflow.models import Proof, RequestStatus
from xueji.workflow.services import proof_add, request_decide

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _request(world, n: int, school: str = "tunxi_primary", kind: str = "enrolled"):
    clean, errors = validate_row(pupil_row(n), today=clock.today(), require_class=False)
    assert not errors
    registrar = world.user(school, "registrar")
    student = student_enter(actor=registrar, school=world.schools[school], school_class=world.classes[school],
                            clean=clean)
    return registration_submit(actor=registrar, kind=kind, student_ids=[student.pk])


def _inbox_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="requests" value="(\d+)"', html)}


def test_inbox_lists_only_the_steps_the_user_decides(world, window, login):
    first, second = _request(world, 1), _request(world, 2)
    foreign = _request(world, 3, school="xuanwu_primary")
    leader = login(world.user("tunxi_primary", "leader"))
    assert _inbox_ids(leader.get(reverse("workflow:inbox")).content.decode()) == {first.pk, second.pk}
    # The county sees nothing yet: its step waits for the school leader.
    assert _inbox_ids(login(world.user("tunxi", "registrar")).get(reverse("workflow:inbox")).content.decode()) == set()
    # The registrar who filed sees the requests but has no step.
    registrar = login(world.user("tunxi_primary", "registrar"))
    assert _inbox_ids(registrar.get(reverse("workflow:inbox")).content.decode()) == set()
    listing = registrar.get(reverse("workflow:request_list"), {"mine": "on"}).content.decode()
    assert first.title in listing and foreign.title not in listing


def test_inbox_filters(world, window, login):
    enrolled = _request(world, 1)
    leader = login(world.user("tunxi_primary", "leader"))
    html = leader.get(reverse("workflow:inbox"), {"type": "registration.grade1"}).content.decode()
    assert _inbox_ids(html) == set()
    html = leader.get(reverse("workflow:inbox"), {"type": "registration.enrolled", "q": "tunxi"}).content.decode()
    assert _inbox_ids(html) == {enrolled.pk}
    assert 'data-testid="filters"' in html and "在校生注册" in html


def test_bulk_approval_reports_each_outcome(world, window, login):
    first, second = _request(world, 1), _request(world, 2)
    # Someone else decided the second one meanwhile: the bulk approval approves the first and says why not
    # the second.
    request_decide(actor=world.user("tunxi_primary", "leader"), request=second, approve=False, comment="缺材料")
    client = login(world.user("tunxi_primary", "leader"))
    response = client.post(reverse("workflow:inbox_decide"), {"requests": [first.pk, second.pk], "comment": "批量"})
    assert response["Location"] == reverse("workflow:inbox")
    html = client.get(response["Location"]).content.decode()
    assert "已核办 1 件申请。" in html
    assert f"未能核办：{second.title}" in html and "该申请已被核办、退回或撤回" in html
    first.refresh_from_db()
    assert first.status == RequestStatus.PENDING and first.steps.get(order=1).comment == "批量"
    # Nothing chosen: a message, nothing decided.
    assert "请至少选择一件申请。" in client.post(reverse("workflow:inbox_decide"), {}, follow=True).content.decode()


def test_bulk_approval_of_a_foreign_request_is_404_and_decides_nothing(world, window, login):
    own, foreign = _request(world, 1), _request(world, 2, school="xuanwu_primary")
    client = login(world.user("tunxi_primary", "leader"))
    assert client.post(reverse("workflow:inbox_decide"), {"requests": [own.pk, foreign.pk]}).status_code == 404
    own.refresh_from_db()
    assert own.steps.get(order=1).status == "pending"


def test_only_the_steps_party_sees_the_decision_buttons(world, window, login):
    request = _request(world, 1)
    url = reverse("workflow:request_detail", args=[request.pk])
    county = login(world.user("tunxi", "registrar"))
    html = county.get(url).content.decode()
    assert 'data-testid="decision"' not in html  # visible, but not its step yet
    decide = reverse("workflow:request_decide", args=[request.pk])
    assert county.post(decide, {"decision": "approve"}).status_code == 403
    html = login(world.user("tunxi_primary", "leader")).get(url).content.decode()
    assert 'data-testid="decision"' in html


def test_a_stale_decision_is_refused_on_the_page(world, window, login):
    request = _request(world, 1)
    step = request.steps.get(order=1)
    client = login(world.user("tunxi_primary", "leader"))
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    html = client.post(reverse("workflow:request_decide", args=[request.pk]),
                       {"decision": "approve", "step": step.pk}).content.decode()
    # The county's step is now current, not the leader's.
    assert "该审核环节已由他人办理" in html


def test_proof_upload_is_checked_by_content(world, window, login):
    request = _request(world, 1)
    client = login(world.user("tunxi_primary", "registrar"))
    url = reverse("workflow:proof_upload", args=[request.pk])
    renamed = SimpleUploadedFile("户口簿.jpg", b"%PDF-1.4 really a pdf", content_type="image/jpeg")
    response = client.post(url, {"file": renamed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "文件内容与扩展名不符" in html and 'data-testid="proof-form"' in html
    assert not Proof.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("hukou.png", PNG, content_type="image/png"),
                                 "description": "户口簿首页"})
    assert response["Location"] == reverse("workflow:request_detail", args=[request.pk])
    proof = Proof.objects.get()
    assert (proof.content_type, proof.description) == ("image/png", "户口簿首页")
    # The approver downloads it (audited); the file is served as what it is.
    leader = login(world.user("tunxi_primary", "leader"))
    html = leader.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert reverse("workflow:proof_download", args=[proof.pk]) in html
    download = leader.get(reverse("workflow:proof_download", args=[proof.pk]))
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="request.proof_view", actor_username="tunxi_primary_leader").exists()


def test_proofs_of_foreign_requests_are_404(world, window, login):
    foreign = _request(world, 1, school="xuanwu_primary")
    proof = proof_add(actor=world.user("xuanwu_primary", "registrar"), request=foreign,
                      upload=SimpleUploadedFile("p.png", PNG, content_type="image/png"))
    client = login(world.user("anhui", "registrar"))
    assert client.get(reverse("workflow:proof_download", args=[proof.pk])).status_code == 404
    assert client.post(reverse("workflow:proof_upload", args=[foreign.pk]),
                       {"file": SimpleUploadedFile("p.png", PNG)}).status_code == 404
    for name in ("workflow:request_detail",):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    for name in ("workflow:request_decide", "workflow:request_withdraw", "workflow:request_resubmit"):
        assert client.post(reverse(name, args=[foreign.pk]), {"decision": "approve"}).status_code == 404


def test_request_list_filters_by_status(world, window, login):
    pending, returned = _request(world, 1), _request(world, 2)
    request_decide(actor=world.user("tunxi_primary", "leader"), request=returned, approve=False, comment="退回")
    client = login(world.user("tunxi", "registrar"))
    html = client.get(reverse("workflow:request_list"), {"status": "returned"}).content.decode()
    assert returned.title in html and f'href="{reverse("workflow:request_detail", args=[pending.pk])}"' not in html
    assert "已退回" in html
