"""Each distance's route, its parties in order, and the move at the last approval: the record changes school and
class through the door (history, counts), the open problem records follow it, the transfer is completed."""

import pytest

from xueji.policy.services import route_set
from xueji.problems.choices import ProblemKind
from xueji.problems.models import ProblemMember
from xueji.problems.records import record_problems
from xueji.registry import counts
from xueji.registry.models import StudentCount, StudentHistory
from xueji.transfers.choices import TransferState
from xueji.transfers.tests.helpers import approve_all, file_transfer, pupil, route_of
from xueji.transfers.types import TRANSFER
from xueji.workflow.models import Request, RequestParty
from xueji.workflow.resolvers import distance_key


@pytest.mark.parametrize(("receiving", "distance", "route"), [
    ("tunxi_second", "same_county", [("destination_school", "tunxi_second", "leader"),
                                     ("source_school", "tunxi_primary", "leader"),
                                     ("source_county", "tunxi", "registrar")]),
    ("shexian_primary", "across_counties", [("destination_school", "shexian_primary", "leader"),
                                            ("destination_county", "shexian", "registrar"),
                                            ("source_school", "tunxi_primary", "leader"),
                                            ("source_county", "tunxi", "registrar")]),
    ("yaohai_primary", "across_cities", [("destination_school", "yaohai_primary", "leader"),
                                         ("destination_county", "yaohai", "registrar"),
                                         ("source_school", "tunxi_primary", "leader"),
                                         ("source_county", "tunxi", "registrar")]),
])
def test_each_distance_runs_its_route_and_moves_the_record(scene, receiving, distance, route):
    world = scene
    target = world.classes[receiving]
    transfer = file_transfer(world, receiving, migrant=True, reason="随父母工作调动")
    assert transfer.distance == distance and transfer.state == TransferState.FILED and transfer.migrant
    assert route_of(world, transfer) == route
    # The sending school sees the transfer from the filing on, not only from its own step.
    assert RequestParty.objects.get(request_id=transfer.pk, name="source_school").sees

    done = approve_all(world, transfer, school_class=target)

    assert done.state == TransferState.COMPLETED and done.destination_class_id == target.pk
    assert done.completed_at is not None and done.decided_at is not None
    moved = pupil(world)
    assert (moved.school_id, moved.school_class_id) == (world.schools[receiving].pk, target.pk)
    history = StudentHistory.objects.filter(student=moved, kind="placement").get()
    assert history.request_id == transfer.pk
    assert history.changes["school_id"] == [world.schools["tunxi_primary"].pk, world.schools[receiving].pk]
    assert Request.objects.get(pk=transfer.pk).status == "approved"
    kept = _counts()
    counts.rebuild()
    assert _counts() == kept  # the door kept the counts: a fresh count from the pupils finds the same


def test_a_province_adds_the_cities_to_the_across_cities_route(scene):
    world = scene
    route_set(actor=world.user("anhui", "sysadmin"), request_type="transfers.transfer", route_key="across_cities",
              steps=[{"resolver": "destination_school", "role": "leader"},
                     {"resolver": "destination_county", "role": "registrar"},
                     {"resolver": "destination_city", "role": "registrar"},
                     {"resolver": "source_school", "role": "leader"},
                     {"resolver": "source_county", "role": "registrar"},
                     {"resolver": "source_city", "role": "registrar"}])
    transfer = file_transfer(world, "yaohai_primary")
    assert [(party, unit) for party, unit, _role in route_of(world, transfer)] == [
        ("destination_school", "yaohai_primary"), ("destination_county", "yaohai"), ("destination_city", "hefei"),
        ("source_school", "tunxi_primary"), ("source_county", "tunxi"), ("source_city", "huangshan")]
    assert approve_all(world, transfer, school_class=world.classes["yaohai_primary"]).state == "completed"


def test_across_provinces_each_engine_routes_its_own_side(scene):
    """The receiving province's request names its side only (the sending side is the other province's
    transfers.release, opened by the hub); four approvals in all, in the seed's order."""
    from xueji.transfers.types import RELEASE

    world = scene
    source, destination = world.units["xuanwu_primary"], world.units["tunxi_primary"]
    assert distance_key(source, destination) == "across_provinces"
    assert [s["resolver"] for s in TRANSFER.route_for("across_provinces")] == [
        "destination_school", "destination_county"]
    assert [s["resolver"] for s in RELEASE.route_for("across_provinces")] == ["source_school", "source_county"]
    parties = TRANSFER.parties(Request(filer_org=destination, payload={}))
    assert (parties["destination_school"], parties["destination_county"]) == (destination, world.units["tunxi"])
    assert not any(name.startswith("source") for name in parties)
    released = RELEASE.parties(Request(filer_org=source, payload={"source_school_org": source.pk}))
    assert (released["source_school"], released["source_county"]) == (source, world.units["xuanwu"])


def test_open_problem_records_follow_the_pupil(scene):
    world = scene
    student = pupil(world)
    record_problems(kind=ProblemKind.ID_ERROR, province_code="340000", groups={f"s{student.pk}": [student.pk]},
                    details={f"s{student.pk}": {"reason": "id_not_found"}}, source="verification")
    transfer = file_transfer(world, "shexian_primary")
    approve_all(world, transfer, school_class=world.classes["shexian_primary"])
    member = ProblemMember.objects.get(student=student)
    assert (member.school_org_id, member.county_org_id) == (world.units["shexian_primary"].pk,
                                                            world.units["shexian"].pk)
    assert member.problem.events.filter(kind="member_moved", request_id=transfer.pk).exists()


def test_the_class_named_at_filing_is_kept_when_the_leader_names_none(scene):
    world = scene
    second = world.classes["tunxi_second_2"]
    transfer = file_transfer(world, "tunxi_second", school_class=second)
    assert approve_all(world, transfer).destination_class_id == second.pk
    assert pupil(world).school_class_id == second.pk


def _counts() -> list:
    return sorted(StudentCount.objects.exclude(n=0).values_list("school_id", "school_class_id", "status",
                                                               "reg_status", "n"))
