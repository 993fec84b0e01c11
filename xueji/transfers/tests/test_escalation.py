"""The consent deadline (a function switch per stage): past N working days (Monday to Friday) at a step of the
sending side, the transfer goes to the common superior authority, which decides for the sending side."""

import datetime as dt

import pytest

from xueji.core import clock
from xueji.jobs.services import jobs_maintain
from xueji.policy.services import switch_set
from xueji.transfers import rules, services
from xueji.transfers.choices import TransferState
from xueji.transfers.models import Transfer
from xueji.transfers.tests.helpers import approve_all, file_transfer, route_of
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide

MONDAY = clock.today() - dt.timedelta(days=clock.today().weekday())


def _day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def test_working_days_are_monday_to_friday():
    friday, monday = _day(4), _day(7)
    assert rules.working_days_between(friday, monday) == 1
    assert rules.working_days_between(monday, monday) == 0
    assert rules.working_days_between(_day(0), _day(7)) == 5
    assert rules.working_days_between(_day(5), _day(6)) == 0  # Saturday to Sunday
    assert rules.working_days_after(friday, 1) == monday
    assert rules.working_days_after(_day(0), 10) == _day(14)


def _deadline(world, days: int = 3, stage: str = "1") -> None:
    switch_set(actor=world.user("anhui", "sysadmin"), stage=stage, key="transfers.consent_deadline",
               value={"enabled": True, "working_days": days})


def _to_the_sending_school(world, receiving: str) -> Transfer:
    """Filed on a Monday; the receiving side approves the same day: the sending school holds it from then."""
    with clock.frozen(_day(0)):
        transfer = file_transfer(world, receiving)
        request = Request.objects.get(pk=transfer.pk)
        request_decide(actor=world.user(receiving, "leader"), request=request, approve=True,
                       data={"school_class": world.classes[receiving].pk})
        if transfer.distance != "same_county":
            county = "shexian" if receiving == "shexian_primary" else "yaohai"
            request_decide(actor=world.user(county, "registrar"), request=request, approve=True)
    return transfer


def test_past_the_deadline_the_common_superior_decides_for_the_sending_side(scene):
    world = scene
    _deadline(world, 3)
    transfer = _to_the_sending_school(world, "shexian_primary")
    with clock.frozen(_day(3)):  # Thursday: three working days have passed, not more
        assert services.transfers_escalate_overdue() == 0
    with clock.frozen(_day(4)):  # Friday: past the deadline
        assert services.transfers_escalate_overdue() == 1
        assert services.transfers_escalate_overdue() == 0  # once
    steps = [(party, unit, role, status) for (party, unit, role), status in zip(
        route_of(world, transfer), Request.objects.get(pk=transfer.pk).steps.order_by("order")
        .values_list("status", flat=True), strict=True)]
    assert steps == [("destination_school", "shexian_primary", "leader", "approved"),
                     ("destination_county", "shexian", "registrar", "approved"),
                     ("common_superior", "huangshan", "registrar", "pending"),
                     ("source_county", "tunxi", "registrar", "cancelled")]
    escalated = Transfer.objects.get(pk=transfer.pk)
    assert escalated.escalated_from_id == world.units["tunxi_primary"].pk and escalated.escalated_at is not None
    done = approve_all(world, escalated)
    assert done.state == TransferState.COMPLETED


def test_within_one_county_the_county_decides_once(scene):
    world = scene
    _deadline(world, 2)
    transfer = _to_the_sending_school(world, "tunxi_second")
    with clock.frozen(_day(7)):  # the next Monday: 5 working days
        assert services.transfers_escalate_overdue() == 1
    assert [(party, unit) for party, unit, _role in route_of(world, transfer)] == [
        ("destination_school", "tunxi_second"), ("common_superior", "tunxi"), ("source_county", "tunxi")]
    request = Request.objects.get(pk=transfer.pk)
    assert list(request.steps.order_by("order").values_list("status", flat=True)) == [
        "approved", "pending", "cancelled"]
    request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.COMPLETED


@pytest.mark.parametrize("switch", [None, "2"])
def test_no_deadline_without_the_switch_for_the_pupils_stage(scene, switch):
    world = scene
    if switch:
        _deadline(world, 1, stage=switch)  # the junior stage only: the pupil is in primary
    _to_the_sending_school(world, "shexian_primary")
    with clock.frozen(_day(30)):
        assert services.transfers_escalate_overdue() == 0


def test_the_job_worker_runs_the_deadline_every_round(scene):
    world = scene
    _deadline(world, 1)
    _to_the_sending_school(world, "shexian_primary")
    with clock.frozen(_day(4)):
        assert jobs_maintain()["periodic"]["transfers.escalated"] == 1


def test_a_sending_provinces_release_past_the_deadline_goes_to_its_province(scene):
    """Across provinces the sending side's steps are its own province's (transfers.release); past that province's
    deadline its school's step goes to the sending province's authority (the two provinces' common superior, the
    ministry, is outside a province's system), which decides for the rest of the sending side."""
    from xueji.hub.services import hub_run
    from xueji.registry.models import Student
    from xueji.transfers.tests.test_across import NUMBER, file_across, sending_row

    world = scene
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(national_number=NUMBER)
    switch_set(actor=world.user("jiangsu", "sysadmin"), stage="1", key="transfers.consent_deadline",
               value={"enabled": True, "working_days": 2})
    with clock.frozen(_day(0)):
        transfer = file_across(world)
        approve_all(world, transfer)
        hub_run()
        release = sending_row(transfer)
    with clock.frozen(_day(2)):
        assert services.transfers_escalate_overdue() == 0
    with clock.frozen(_day(3)):
        assert services.transfers_escalate_overdue() == 1
        assert services.transfers_escalate_overdue() == 0
    assert [(party, unit, role) for party, unit, role in route_of(world, release)] == [
        ("common_superior", "jiangsu", "registrar"), ("source_county", "xuanwu", "registrar")]
    assert list(Request.objects.get(pk=release.pk).steps.order_by("order").values_list("status", flat=True)) == [
        "pending", "cancelled"]
    with clock.frozen(_day(3)):
        approve_all(world, release)
        hub_run()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.AWAITING_RETRIEVAL
