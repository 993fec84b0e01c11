"""Two receiving schools filing for one pupil at the same moment, each on its own connection (PostgreSQL: SQLite
takes no row locks): one transfer is filed, the other is refused naming it. Two approvals of one step at the same
moment (a double click): one takes effect, the other changes nothing. The last approval twice at once: the record
moves once."""

import pytest
from django.db import connection
from django.utils import translation

from xueji.core.errors import Conflict
from xueji.core.messages import user_message
from xueji.problems.tests.test_concurrency import parallel
from xueji.registry.models import StudentHistory
from xueji.transfers import services
from xueji.transfers.choices import TransferState
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import add_school, certificate, open_transfer_windows
from xueji.transfers.tests.helpers import file_transfer, pupil, token_for
from xueji.workflow.models import Action, Request
from xueji.workflow.services import request_decide

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]


@pytest.fixture
def scene(transactional_db, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    open_transfer_windows()
    add_school(world, "tunxi_second", "tunxi", "3410021009")
    return world


def test_two_schools_filing_for_one_pupil_at_once_one_wins(scene):
    world = scene
    tokens = {school: token_for(world, school) for school in ("tunxi_second", "shexian_primary")}

    def filing(school):
        return lambda: services.transfer_file(actor=world.user(school, "registrar"), token=tokens[school],
                                              proofs={"certificate": [certificate(f"{school}.pdf")]})

    results = parallel(filing("tunxi_second"), filing("shexian_primary"))
    assert sorted(ok for ok, _ in results) == [False, True], results
    filed = next(value for ok, value in results if ok)
    refused = next(value for ok, value in results if not ok)
    assert isinstance(refused, Conflict) and refused.code == "request_in_progress"
    assert refused.details["request"] == filed.pk
    with translation.override("zh-hans"):
        assert "办理中" in user_message(refused)  # the clear message: a transfer in progress, its number
    assert list(Transfer.objects.values_list("pk", flat=True)) == [filed.pk]
    assert list(Request.objects.filter(type="transfers.transfer").values_list("pk", flat=True)) == [filed.pk]


def test_a_double_click_on_approve_changes_nothing_the_second_time(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    step = request.steps.get(order=1)
    leader = world.user("tunxi_second", "leader")
    data = {"school_class": world.classes["tunxi_second"].pk}
    results = parallel(*[lambda: request_decide(actor=leader, request=request, approve=True, step_id=step.pk,
                                                data=data)] * 2)
    assert sorted(ok for ok, _ in results) == [False, True], results
    refused = next(value for ok, value in results if not ok)
    assert isinstance(refused, Conflict) and refused.code == "already_decided"
    assert Action.objects.filter(request=request, kind="approve").count() == 1


def test_the_last_approval_twice_at_once_moves_the_record_once(scene):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    request = Request.objects.get(pk=transfer.pk)
    request_decide(actor=world.user("tunxi_second", "leader"), request=request, approve=True,
                   data={"school_class": world.classes["tunxi_second"].pk})
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    county = world.user("tunxi", "registrar")
    results = parallel(*[lambda: request_decide(actor=county, request=request, approve=True)] * 2)
    assert sorted(ok for ok, _ in results) == [False, True], results
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.COMPLETED
    assert pupil(world).school_id == world.schools["tunxi_second"].pk
    assert StudentHistory.objects.filter(student_id=transfer.student_id, kind="placement").count() == 1


def test_across_provinces_two_schools_filing_at_once_and_a_double_retrieval(scene):
    """Two receiving schools of 安徽 filing for one pupil of 江苏 at once (B holds no record of it: the engine
    claims its national number): one wins. Then 调档 twice at once: one retrieval, one file, the record moved once."""
    from xueji.hub.models import OutboxMessage
    from xueji.hub.services import hub_run
    from xueji.registry.models import Student
    from xueji.transfers import crossing, finder
    from xueji.transfers.tests.helpers import approve_all

    world = scene
    from xueji.transfers.tests.test_across import NUMBER
    number = NUMBER
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(national_number=number)
    tokens = {school: finder.pupil_find(actor=world.user(school, "registrar"), national_number=number,
                                        source_province="320000").token for school in ("tunxi_primary", "tunxi_second")}

    def filing(school):
        return lambda: services.transfer_file(actor=world.user(school, "registrar"), token=tokens[school],
                                              proofs={"certificate": [certificate(f"{school}.pdf")]})

    results = parallel(filing("tunxi_primary"), filing("tunxi_second"))
    assert sorted(ok for ok, _ in results) == [False, True], results
    filed = next(value for ok, value in results if ok)
    loser = next(value for ok, value in results if not ok)
    assert loser.code == "request_in_progress" and loser.details["request"] == filed.pk  # the number's claim
    assert filed.student_id is None and list(Transfer.objects.values_list("pk", flat=True)) == [filed.pk]
    approve_all(world, filed)
    hub_run()
    approve_all(world, Transfer.objects.get(side="sending"))
    hub_run()
    school = filed.destination_school.code
    registrar = world.user("tunxi_primary" if school == "3410021001" else "tunxi_second", "registrar")
    klass = world.classes["tunxi_primary" if school == "3410021001" else "tunxi_second"]
    results = parallel(*[lambda: crossing.transfer_retrieve(actor=registrar, transfer=filed, school_class=klass)] * 2)
    assert all(ok for ok, _ in results), results
    assert OutboxMessage.objects.filter(kind="transfers.retrieve").count() == 1
    hub_run()
    assert Transfer.objects.get(pk=filed.pk).state == TransferState.COMPLETED
    assert Student.objects.get(pk=world.students["xuanwu_primary"].pk).school_class_id == klass.pk
