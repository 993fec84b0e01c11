"""Security labels (control 10) in the approval engine and the transfers: a request about a pupil under special
protection stays with its filer, parties and approvers, but a viewer without the clearance (a city's registrar) reads
no pupil in it: the request's title names the type only, its payload is not shown, the transfer's rows and page name
no pupil, and a search by the pupil's name finds nothing. A cleared viewer (the county's registrar) reads it all."""

import pytest
from django.urls import reverse

from xueji.registry.services import student_set_label
from xueji.transfers.models import Transfer
from xueji.transfers.tests.helpers import file_transfer, holder_of, pupil
from xueji.workflow.models import Request
from xueji.workflow.services import request_decide

CLEARED, UNCLEARED = ("tunxi", "registrar"), ("huangshan", "registrar")


def _label(world):
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=pupil(world), label="special",
                      reason="困境儿童")


@pytest.mark.parametrize(("who", "named"), [(CLEARED, True), (UNCLEARED, False)])
def test_a_labelled_pupils_transfer_names_the_pupil_to_the_cleared_only(scene, login, who, named):
    world = scene
    transfer = file_transfer(world, "tunxi_second")  # within the county: the county decides
    _label(world)
    name = pupil(world).name
    client = login(world.user(*who))

    pages = [client.get(reverse("workflow:request_list")), client.get(reverse("transfers:transfer_list")),
             client.get(reverse("transfers:transfer_detail", args=[transfer.pk])),
             client.get(reverse("api:request-list")), client.get(reverse("api:request-detail", args=[transfer.pk])),
             client.get(reverse("api:transfer-list")), client.get(reverse("api:transfer-detail", args=[transfer.pk]))]

    assert [page.status_code for page in pages] == [200] * len(pages)  # the request and the transfer stay in view
    for page in pages:
        assert (name in page.content.decode()) is named, page.request["PATH_INFO"]
    detail = pages[4].json()
    assert detail["id"] == transfer.pk and detail["type"] == "transfers.transfer"
    assert (detail["payload"] != {}) is named
    assert (pages[6].json()["student"] is not None) is named
    if not named:
        assert detail["title"] == "转学：特殊保护学生"
    found = client.get(reverse("api:request-list"), {"q": name}).json()["results"]
    assert [row["id"] for row in found] == ([transfer.pk] if named else [])
    found = client.get(reverse("api:transfer-list"), {"q": name}).json()["results"]
    assert [row["id"] for row in found] == ([transfer.pk] if named else [])


def test_an_uncleared_approver_decides_without_reading_the_pupil(scene, login, settings):
    """The province adds the cities to the route across cities; the pupil is labelled after the filing: the
    receiving city's registrar (no clearance) finds the step in its inbox under the type's title, decides it on the
    transfer's page, and reads the pupil nowhere on the way."""
    from xueji.policy.services import route_set

    world = scene
    route_set(actor=world.user("anhui", "sysadmin"), request_type="transfers.transfer", route_key="across_cities",
              steps=[{"resolver": "destination_school", "role": "leader"},
                     {"resolver": "destination_county", "role": "registrar"},
                     {"resolver": "destination_city", "role": "registrar"},
                     {"resolver": "source_school", "role": "leader"},
                     {"resolver": "source_county", "role": "registrar"}])
    transfer = file_transfer(world, "yaohai_primary", school_class=world.classes["yaohai_primary"])
    _label(world)
    name = pupil(world).name
    request = Request.objects.get(pk=transfer.pk)
    for _ in range(2):  # the receiving school's leader and county (cleared by their roles) approve
        step = request.steps.filter(status="pending").order_by("order").first()
        request = request_decide(actor=holder_of(world, step), request=request, approve=True)
    city = login(world.user("hefei", "registrar"))

    inbox = city.get(reverse("workflow:inbox")).content.decode()
    api_inbox = city.get(reverse("api:inbox")).json()["results"]
    transfers_inbox = city.get(reverse("transfers:transfer_inbox")).content.decode()
    assert "转学：特殊保护学生" in inbox and name not in inbox
    assert [item["request"]["id"] for item in api_inbox] == [transfer.pk]
    assert api_inbox[0]["request"]["title"] == "转学：特殊保护学生" and api_inbox[0]["request"]["payload"] == {}
    assert name not in transfers_inbox and "特殊保护学生" in transfers_inbox

    step = request.steps.get(status="pending")
    response = city.post(reverse("transfers:transfer_decide", args=[transfer.pk]),
                         {"decision": "approve", "step": step.pk, "comment": "同意"}, follow=True)
    assert response.status_code == 200 and name not in response.content.decode()
    assert Transfer.objects.get(pk=transfer.pk).request.steps.get(pk=step.pk).status == "approved"
