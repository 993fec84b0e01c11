"""Finding, filing and deciding in the transfers tests."""

from xueji.registry.models import Student, StudentCount, StudentHistory
from xueji.transfers import finder, services
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import certificate
from xueji.workflow.models import Proof, Request, Step
from xueji.workflow.services import request_decide


def pupil(world, school: str = "tunxi_primary") -> Student:
    return Student.objects.select_related("school", "school_class").get(pk=world.students[school].pk)


def token_for(world, receiving: str, school: str = "tunxi_primary") -> str:
    found = finder.pupil_find(actor=world.user(receiving, "registrar"), id_number=pupil(world, school).id_number)
    assert found is not None
    return found.token


def file_transfer(world, receiving: str, school: str = "tunxi_primary", *, proofs=None, **kwargs) -> Transfer:
    return services.transfer_file(actor=world.user(receiving, "registrar"), token=token_for(world, receiving, school),
                                  proofs=proofs if proofs is not None else {"certificate": [certificate()]},
                                  **kwargs)


def holder_of(world, step: Step):
    unit = next(name for name, u in world.units.items() if u.pk == step.org_unit_id)
    return world.user(unit, step.role)


def unit_name(world, pk: int) -> str:
    return next(name for name, u in world.units.items() if u.pk == pk)


def route_of(world, transfer: Transfer) -> list[tuple[str, str, str]]:
    """(party, unit name, role) of each step of the current round, in order."""
    request = Request.objects.get(pk=transfer.pk)
    return [(s.resolver, unit_name(world, s.org_unit_id), s.role)
            for s in request.steps.filter(round=request.round).order_by("order")]


def approve_all(world, transfer: Transfer, *, school_class=None) -> Transfer:
    """Every waiting step of the round, in order, by its holder; the receiving school's step names the class."""
    request = Request.objects.get(pk=transfer.pk)
    while True:
        step = request.steps.filter(round=request.round, status="pending").order_by("order").first()
        if step is None or request.status != "pending":
            break
        data = {"school_class": school_class.pk} if step.resolver == "destination_school" and school_class else None
        request = request_decide(actor=holder_of(world, step), request=request, approve=True, data=data)
    return Transfer.objects.get(pk=transfer.pk)


def snapshot(pk: int) -> tuple:
    """What a refused transfer must leave as it was: the pupil's row, its history, the counts, the requests, the
    transfers and the proofs."""
    row = Student.objects.filter(pk=pk).values().first()
    row.pop("updated_at", None)
    return (row, StudentHistory.objects.filter(student_id=pk).count(),
            sorted(StudentCount.objects.values_list("school_id", "school_class_id", "status", "n")),
            Request.objects.count(), Transfer.objects.count(), Proof.objects.count())


# The jurisdiction matrix (xueji/ui/tests/test_matrix.py) ----------------------------------------------------------

MATRIX_SCHOOL = "3410021099"


def matrix_transfers(world) -> None:
    """Two transfers, of pupils outside the world's dicts (the other cases' pupils stay free of requests): one from
    yaohai_primary into shexian_primary (seen by 黄山市 above shexian, not by 屯溪区), one from tunxi_primary into a
    second primary school of 屯溪区 (seen by tunxi_primary as the sending school). Made after every other request
    of the scene, so the cases on requests pick the others first."""
    import datetime as dt

    from xueji.core import idnumbers
    from xueji.registry import counts
    from xueji.transfers.tests.conftest import add_school, open_transfer_windows

    open_transfer_windows(kinds=("transfers.transfer",))
    shadow = type(world)()  # the second school's rows, kept out of the world's dicts
    shadow.units = dict(world.units)
    add_school(shadow, "tunxi_matrix", "tunxi", MATRIX_SCHOOL)
    pupils = {}
    for school, sequence in (("yaohai_primary", 801), ("tunxi_primary", 803)):
        birth = dt.date(2017, 6, 1)
        area = world.schools[school].county.code
        pupils[school] = Student.objects.create(
            school=world.schools[school], school_class=world.classes[school], province_code="340000",
            name=f"矩阵转学{sequence}", sex="1", birth_date=birth, id_number=idnumbers.make(area, birth, sequence))
    counts.rebuild()
    for receiving, school in ((world.user("shexian_primary", "registrar"), "yaohai_primary"),
                              (shadow.user("tunxi_matrix", "registrar"), "tunxi_primary")):
        found = finder.pupil_find(actor=receiving, id_number=pupils[school].id_number)
        services.transfer_file(actor=receiving, token=found.token, proofs={"certificate": [certificate()]})


def matrix_objects(world) -> list:
    """(owning org unit, transfer): the unit whose subtree is exactly who sees it among the matrix's actors."""
    owners = {"shexian_primary": world.units["shexian_primary"], MATRIX_SCHOOL: world.units["tunxi_primary"]}
    rows = Transfer.objects.select_related("destination_school").order_by("pk")
    return [(owners.get(t.destination_school.name) or owners[t.destination_school.code], t) for t in rows]


def matrix_token(user) -> str:
    """A lookup's token for the matrix's filing cases: shexian_primary's pupil of the world (a user who may not look
    up gets none)."""
    from xueji.core.errors import XuejiError

    pupil = Student.objects.filter(school__code="3410211001").order_by("pk").first()
    try:
        found = finder.pupil_find(actor=user, id_number=pupil.id_number)
    except XuejiError:
        return "none"
    return found.token if found is not None else "none"
