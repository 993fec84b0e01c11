"""The rules that always hold: each refused with its stable code and precise words, nothing changed."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from xueji.changes import services as changes
from xueji.core import clock
from xueji.core.errors import Conflict, Forbidden, ValidationFailed, XuejiError
from xueji.core.messages import user_message
from xueji.policy.models import BusinessWindow
from xueji.policy.services import cap_set, setting_set
from xueji.registry.models import Student
from xueji.transfers import finder, services
from xueji.transfers.choices import TransferState
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import add_school, certificate, png
from xueji.transfers.tests.helpers import approve_all, file_transfer, holder_of, pupil, snapshot, token_for
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide, request_reject, request_resubmit, request_withdraw


def _refused(world, call, code: str, words: str | None = None):
    before = snapshot(world.students["tunxi_primary"].pk)
    with pytest.raises(XuejiError) as refused:
        call()
    assert refused.value.code == code, (refused.value.code, refused.value.message)
    if words is not None:
        with translation.override("zh-hans"):
            assert words in user_message(refused.value), user_message(refused.value)
    assert snapshot(world.students["tunxi_primary"].pk) == before
    return refused.value


def test_no_transfer_into_ones_own_school(scene):
    world = scene
    found = finder.pupil_find(actor=world.user("tunxi_primary", "registrar"),
                                id_number=pupil(world).id_number)
    assert found.refusal and "已在本校" in found.refusal
    _refused(world, lambda: file_transfer(world, "tunxi_primary"), "own_school", "已在本校")


def test_no_transfer_into_a_school_without_the_pupils_stage(scene):
    world = scene  # tunxi_middle teaches the junior stage only; the pupil is in primary grade 2
    _refused(world, lambda: file_transfer(world, "tunxi_middle"), "wrong_stage", "不设")


def test_no_transfer_into_a_school_without_a_class_of_the_pupils_grade(scene):
    world = scene
    start = clock.today().year
    add_school(world, "tunxi_small", "tunxi", "3410021008", classes=(("1", start + 5, 1),))
    _refused(world, lambda: file_transfer(world, "tunxi_small"), "no_class_of_grade", "没有")


def test_no_transfer_into_a_full_class(scene):
    world = scene
    cap_set(actor=world.user("shexian", "sysadmin"), stage="1", cap=1)  # shexian_primary's one class holds one pupil
    _refused(world, lambda: file_transfer(world, "shexian_primary"), "classes_full", "已满")


def test_a_class_filled_meanwhile_refuses_the_last_approval(scene):
    world = scene
    target = world.classes["tunxi_second"]
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    request_decide(actor=world.user("tunxi_second", "leader"), request=request, approve=True,
                   data={"school_class": target.pk})
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    cap_set(actor=world.user("tunxi", "sysadmin"), stage="1", cap=1)
    other = Student.objects.create(school=target.school, school_class=target, province_code="340000", name="占位",
                                   sex="1", birth_date=dt.date(2017, 5, 5))
    assert other.pk
    from xueji.registry import counts

    counts.rebuild()
    before = snapshot(world.students["tunxi_primary"].pk)
    with pytest.raises(XuejiError) as refused:
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert refused.value.code == "class_full"
    assert snapshot(world.students["tunxi_primary"].pk) == before
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.FILED
    assert Request.objects.get(pk=transfer.pk).status == "pending"


@pytest.mark.parametrize("status", ["07", "11", "03", "06"])
def test_no_transfer_of_a_pupil_off_the_roll(scene, status):
    world = scene
    token = token_for(world, "tunxi_second")
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(status=status)
    _refused(world, lambda: services.transfer_file(actor=world.user("tunxi_second", "registrar"), token=token,
                                                   proofs={"certificate": [certificate()]}),
             "not_transferable", "在籍")


def test_no_second_transfer_while_one_is_open(scene):
    world = scene
    first = file_transfer(world, "tunxi_second")
    refused = _refused(world, lambda: file_transfer(world, "shexian_primary"), "request_in_progress", "办理中")
    assert refused.details["request"] == first.pk


def test_no_transfer_while_a_status_change_is_open_and_the_reverse(scene):
    world = scene
    suspension = changes.status_change_file(actor=world.user("tunxi_primary", "registrar"),
                                            student=world.students["tunxi_primary"], kind="suspend", reason="10",
                                            proofs=[certificate("诊断.pdf")])
    refused = _refused(world, lambda: file_transfer(world, "tunxi_second"), "request_in_progress")
    assert refused.details["request"] == suspension.pk
    request_withdraw(actor=world.user("tunxi_primary", "registrar"), request=suspension)
    transfer = file_transfer(world, "tunxi_second")
    with pytest.raises(Conflict) as again:
        changes.status_change_file(actor=world.user("tunxi_primary", "registrar"),
                                   student=world.students["tunxi_primary"], kind="suspend", reason="10",
                                   proofs=[certificate("诊断.pdf")])
    assert again.value.code == "request_in_progress" and again.value.details["request"] == transfer.pk


@pytest.mark.parametrize("closed", ["tunxi", "shexian"])
def test_the_business_window_of_each_side_applies(scene, closed):
    world = scene
    BusinessWindow.objects.create(province_code="340000", org_unit=world.units[closed], kind="transfers.transfer",
                                  start_date=clock.today() - dt.timedelta(days=30),
                                  end_date=clock.today() - dt.timedelta(days=20))
    _refused(world, lambda: file_transfer(world, "shexian_primary"), "outside_business_window", "业务时间")


def test_the_transfer_certificate_is_required_and_the_provinces_extra_proofs(scene):
    world = scene
    _refused(world, lambda: file_transfer(world, "tunxi_second", proofs={}), "proof_required", "转学证明")
    setting_set(actor=world.user("anhui", "sysadmin"), key="transfers.extra_proofs", value=["hukou"])
    _refused(world, lambda: file_transfer(world, "tunxi_second"), "proof_required", "户口簿")
    bad = SimpleUploadedFile("户口簿.pdf", b"not a pdf at all", content_type="application/pdf")
    _refused(world, lambda: file_transfer(world, "tunxi_second", proofs={"certificate": [certificate()],
                                                                          "hukou": [bad]}), "unsupported_type")
    transfer = file_transfer(world, "tunxi_second", proofs={"certificate": [certificate()], "hukou": [png()]})
    descriptions = sorted(Request.objects.get(pk=transfer.pk).proofs.values_list("description", flat=True))
    assert descriptions == sorted(["转学证明（转入学校盖章）", "户口簿"])


def test_a_transfer_from_another_province_needs_the_national_number(scene):
    world = scene
    registrar = world.user("tunxi_second", "registrar")
    other = world.students["xuanwu_primary"]
    with pytest.raises(ValidationFailed) as refused:
        finder.pupil_find(actor=registrar, id_number=other.id_number, source_province="320000")
    assert refused.value.code == "national_number_required"
    with pytest.raises(ValidationFailed) as refused:
        finder.pupil_find(actor=registrar, national_number="G123", source_province="320000")
    assert refused.value.code == "national_number_invalid"
    wrong = "G" + other.id_number[:17] + ("0" if other.id_number[17] != "0" else "1")
    with pytest.raises(ValidationFailed) as refused:  # a G number is G + the ID number: its check character
        finder.pupil_find(actor=registrar, national_number=wrong, source_province="320000")
    assert refused.value.code == "national_number_check"
    assert finder.pupil_find(actor=registrar, national_number="G" + other.id_number, source_province="320000") is None
    Student.objects.filter(pk=other.pk).update(national_number="G" + other.id_number)
    found = finder.pupil_find(actor=registrar, national_number="G" + other.id_number, source_province="320000")
    assert found.cross_province and found.distance == "across_provinces"
    assert found.national_number != "G" + other.id_number  # masked
    transfer = services.transfer_file(actor=registrar, token=found.token, proofs={"certificate": [certificate()]})
    assert (transfer.side, transfer.distance, transfer.national_number) == ("receiving", "across_provinces",
                                                                           "G" + other.id_number)
    # Within the province, a pupil of another province is not found at all.
    assert finder.pupil_find(actor=registrar, id_number=other.id_number) is None


def test_a_lookup_files_only_for_the_user_who_made_it(scene):
    world = scene
    token = token_for(world, "tunxi_second")
    _refused(world, lambda: services.transfer_file(actor=world.user("shexian_primary", "registrar"), token=token,
                                                   proofs={"certificate": [certificate()]}), "find_expired")
    _refused(world, lambda: services.transfer_file(actor=world.user("tunxi_second", "registrar"), token=token + "x",
                                                   proofs={"certificate": [certificate()]}), "find_expired")


def test_only_a_school_registrar_files(scene):
    world = scene
    for user in (world.user("tunxi_second", "leader"), world.user("tunxi", "registrar")):
        with pytest.raises(Forbidden):
            finder.pupil_find(actor=user, id_number=pupil(world).id_number)


def test_the_class_named_at_the_receiving_schools_step_is_checked(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    leader = world.user("tunxi_second", "leader")
    for data, code in (({}, "class_required"), ({"school_class": world.classes["shexian_primary"].pk}, "wrong_class"),
                       ({"school_class": world.classes["tunxi_second"].pk, "x": 1}, "unexpected_data")):
        before = snapshot(world.students["tunxi_primary"].pk)
        with pytest.raises(ValidationFailed) as refused:
            request_decide(actor=leader, request=request, approve=True, data=data)
        assert refused.value.code == code
        assert snapshot(world.students["tunxi_primary"].pk) == before
    request_decide(actor=leader, request=request, approve=True, data={"school_class": world.classes["tunxi_second"].pk})
    with pytest.raises(ValidationFailed) as refused:  # the sending school's step carries nothing
        request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True,
                       data={"school_class": world.classes["tunxi_second"].pk})
    assert refused.value.code == "unexpected_data"


def test_an_approval_by_the_wrong_party_or_out_of_order_is_refused(scene):
    world = scene
    transfer = file_transfer(world, "shexian_primary")
    request = Request.objects.get(pk=transfer.pk)
    for user in (world.user("tunxi_primary", "leader"), world.user("tunxi", "registrar"),
                 world.user("shexian_primary", "registrar")):
        before = snapshot(world.students["tunxi_primary"].pk)
        with pytest.raises(Forbidden) as refused:
            request_decide(actor=user, request=request, approve=True)
        assert refused.value.code == "not_your_step"
        assert snapshot(world.students["tunxi_primary"].pk) == before


def test_approving_twice_changes_nothing_the_second_time(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    step = request.steps.get(order=1)
    leader = world.user("tunxi_second", "leader")
    data = {"school_class": world.classes["tunxi_second"].pk}
    request_decide(actor=leader, request=request, approve=True, step_id=step.pk, data=data)
    before = (snapshot(world.students["tunxi_primary"].pk), list(request.actions.values_list("pk", flat=True)))
    with pytest.raises(Conflict) as refused:
        request_decide(actor=leader, request=request, approve=True, step_id=step.pk, data=data)
    assert refused.value.code == "already_decided"
    assert (snapshot(world.students["tunxi_primary"].pk), list(request.actions.values_list("pk", flat=True))) == before


def test_a_record_that_moved_off_the_roll_before_the_last_approval_does_not_move(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    request_decide(actor=world.user("tunxi_second", "leader"), request=request, approve=True,
                   data={"school_class": world.classes["tunxi_second"].pk})
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(status="11")
    before = snapshot(world.students["tunxi_primary"].pk)
    with pytest.raises(Conflict) as refused:
        request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert refused.value.code == "record_moved"
    assert snapshot(world.students["tunxi_primary"].pk) == before


def test_a_rejected_or_withdrawn_transfer_leaves_the_pupil_where_it_is(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request_reject(actor=world.user("tunxi_second", "leader"), request=Request.objects.get(pk=transfer.pk),
                   comment="材料不全")
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.REJECTED
    assert pupil(world).school_id == world.schools["tunxi_primary"].pk
    again = file_transfer(world, "tunxi_second")  # nothing open any more
    request_withdraw(actor=world.user("tunxi_second", "registrar"), request=Request.objects.get(pk=again.pk))
    assert Transfer.objects.get(pk=again.pk).state == TransferState.WITHDRAWN


def test_a_returned_transfer_filed_again_is_checked_again(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    request_decide(actor=world.user("tunxi_second", "leader"), request=request, approve=False, comment="补充材料")
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.FILED  # still open: returned to the filer
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(status="07")
    with pytest.raises(Conflict) as refused:
        request_resubmit(actor=world.user("tunxi_second", "registrar"), request=request)
    assert refused.value.code == "not_transferable"
    Student.objects.filter(pk=world.students["tunxi_primary"].pk).update(status="01")
    request_resubmit(actor=world.user("tunxi_second", "registrar"), request=request)
    done = approve_all(world, transfer, school_class=world.classes["tunxi_second"])
    assert done.state == TransferState.COMPLETED


def test_the_effect_is_idempotent(scene):
    world = scene
    transfer = approve_all(world, file_transfer(world, "tunxi_second"), school_class=world.classes["tunxi_second"])
    before = snapshot(world.students["tunxi_primary"].pk)
    again = services.transfer_complete(transfer=transfer, actor=holder_of(world, Request.objects.get(
        pk=transfer.pk).steps.order_by("-order").first()))
    assert again.state == TransferState.COMPLETED
    assert snapshot(world.students["tunxi_primary"].pk) == before
