from xueji.changes import services
from xueji.changes.tests.conftest import pdf
from xueji.workflow.services import request_decide


def test_smoke(scene):
    world = scene
    registrar = world.user("tunxi_primary", "registrar")
    pupil = world.students["tunxi_primary"]
    result = services.record_edit(actor=registrar, student=pupil, values={"phone": "13912345678"})
    assert result.applied == {"phone": ["", "13912345678"]}, result
    result = services.record_edit(actor=registrar, student=pupil, values={"name": "新名字"}, proofs=[pdf()])
    assert result.request is not None
    request = services.status_change_file(actor=registrar, student=pupil, kind="suspend", reason="10", proofs=[pdf()])
    request_decide(actor=world.user("tunxi_primary", "leader"), request=request, approve=True)
    request_decide(actor=world.user("tunxi", "registrar"), request=request, approve=True)
    pupil.refresh_from_db()
    assert pupil.status == "02"
