"""Signed decisions (issue 11, item 2): each decision signed with the operator's SM2 key over the SM3 digest of
its canonical form; a decision's data changed in the database shows "not verified" on the request's and the
pupil's timelines and fails `verify_signatures`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import crypto
from xueji.signing.models import Signature, SigningKey
from xueji.signing.services import _unseal
from xueji.workflow.models import Action, ActionKind
from xueji.workflow.services import request_decide
from xueji.workflow.signatures import SUBJECT, actions_verified
from xueji.workflow.tests.test_engine import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(world, window):
    request = submit(world)
    leader = world.user("tunxi_primary", "leader")
    request_decide(actor=leader, request=request, approve=True, comment="同意")
    return request, leader


def test_a_decision_is_signed_with_the_operators_key_and_verifies(decided):
    request, leader = decided
    approve = Action.objects.get(request=request, kind=ActionKind.APPROVE)
    signature = Signature.objects.get(subject=SUBJECT, object_id=approve.pk)
    key = SigningKey.objects.get(user=leader)
    assert signature.signer == leader and signature.public_key == key.public_key
    assert crypto.sm2_public_key(_unseal(key.sealed_private_key)) == key.public_key  # sealed, not in the clear
    assert key.sealed_private_key and _unseal(key.sealed_private_key) not in key.sealed_private_key
    assert actions_verified(Action.objects.filter(request=request).select_related("request"))[approve.pk] is True
    # The filing is not a decision: not signed.
    submitted = Action.objects.get(request=request, kind=ActionKind.SUBMIT)
    assert not Signature.objects.filter(subject=SUBJECT, object_id=submitted.pk).exists()
    assert AuditEvent.objects.filter(action="signing.key_created", actor=leader).count() == 1


def test_the_operator_keeps_one_key(decided, world):
    request, leader = decided
    other = submit(world, offset=7)
    request_decide(actor=leader, request=other, approve=True)
    assert SigningKey.objects.filter(user=leader).count() == 1
    assert AuditEvent.objects.filter(action="signing.key_created", actor=leader).count() == 1


def test_tampered_decision_data_is_not_verified_on_the_pages_and_by_the_command(decided, world, login, capsys):
    request, leader = decided
    call_command("verify_signatures", str(request.pk))
    assert f"Every decision of request #{request.pk} verifies." in capsys.readouterr().out
    client = login(leader)
    html = client.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert 'data-testid="signature-verified"' in html and 'data-testid="signature-not-verified"' not in html

    approve = Action.objects.get(request=request, kind=ActionKind.APPROVE)
    Action.objects.filter(pk=approve.pk).update(comment="不同意", data={"class": 99})  # behind the app's back

    with pytest.raises(CommandError) as refused:
        call_command("verify_signatures", str(request.pk))
    assert refused.value.returncode == 1
    assert "NOT VERIFIED" in capsys.readouterr().out
    html = client.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert 'data-testid="signature-not-verified"' in html
    from xueji.registry.models import Student

    student = Student.objects.filter(registration_request_id=request.pk).first()
    timeline = client.get(reverse("registry:student_timeline", args=[student.pk])).content.decode()
    assert 'data-testid="signature-not-verified"' in timeline


def test_a_forged_signature_is_not_verified(decided):
    request, _ = decided
    approve = Action.objects.get(request=request, kind=ActionKind.APPROVE)
    other = crypto.sm2_generate_key()
    Signature.objects.filter(object_id=approve.pk).update(public_key=other.public_key)
    assert actions_verified(Action.objects.filter(pk=approve.pk).select_related("request"))[approve.pk] is False


def test_verify_signatures_of_an_unknown_request_exits_2(db):
    with pytest.raises(CommandError) as refused:
        call_command("verify_signatures", "999999")
    assert refused.value.returncode == 2


def test_a_sealed_key_changed_or_sealed_otherwise_is_refused(decided, settings):
    _, leader = decided
    key = SigningKey.objects.get(user=leader)
    settings.XUEJI_SIGNING_SEAL_KEY = "another seal key"
    with pytest.raises(ValueError, match="sealed"):
        _unseal(key.sealed_private_key)
