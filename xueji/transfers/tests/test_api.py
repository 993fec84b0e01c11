"""The API: find (masked, 404 when nothing matches, 429 past the limit), file (multipart with the certificate),
the list, the inbox, one transfer with its steps and the classes offered, and deciding through the engine's
endpoint with the class as the decision's data."""

from django.urls import reverse

from xueji.transfers.choices import TransferState
from xueji.transfers.models import Transfer
from xueji.transfers.tests.conftest import certificate
from xueji.transfers.tests.helpers import file_transfer, holder_of, pupil
from xueji.workflow.models import Request


def test_find_and_file_through_the_api(scene, login):
    world = scene
    client = login(world.user("yaohai_primary", "registrar"))
    student = pupil(world)
    missing = client.post(reverse("api:transfer-find"), {"id_number": "11010519491231002X"},
                          content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "pupil_not_found"
    terms = client.post(reverse("api:transfer-find"), {"name": "学生1"}, content_type="application/json")
    assert terms.status_code == 400 and terms.json()["code"] == "find_terms"
    found = client.post(reverse("api:transfer-find"), {"id_number": student.id_number},
                        content_type="application/json")
    body = found.json()
    assert found.status_code == 200 and body["distance"] == "across_cities" and body["refusal"] is None
    assert body["id_number"] != student.id_number and "*" in body["id_number"]
    refused = client.post(reverse("api:transfer-file"), {"token": body["token"]})
    assert refused.status_code == 400 and refused.json()["code"] == "proof_required"
    filed = client.post(reverse("api:transfer-file"), {"token": body["token"], "proof_certificate": certificate(),
                                                      "migrant": "true"})
    assert filed.status_code == 201, filed.json()
    data = filed.json()
    assert data["state"] == "filed" and data["migrant"] and data["distance"] == "across_cities"
    assert data["holder"]["unit_name"] == "yaohai_primary" and data["holder"]["role"] == "leader"


def test_the_lookup_limit_answers_429(scene, login, settings):
    world = scene
    settings.XUEJI_TRANSFER_FINDS_PER_HOUR = 1
    client = login(world.user("yaohai_primary", "registrar"))
    student = pupil(world)
    assert client.post(reverse("api:transfer-find"), {"id_number": student.id_number},
                       content_type="application/json").status_code == 200
    limited = client.post(reverse("api:transfer-find"), {"id_number": student.id_number},
                          content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "find_limit"


def test_decide_through_the_engine_with_the_class(scene, login):
    world = scene
    transfer = file_transfer(world, "tunxi_second")
    leader = login(world.user("tunxi_second", "leader"))
    detail = leader.get(reverse("api:transfer-detail", args=[transfer.pk])).json()
    assert "approve" in detail["permitted"]
    assert [o["id"] for o in detail["class_options"]] == [world.classes["tunxi_second_1"].pk,
                                                          world.classes["tunxi_second_2"].pk]
    assert [s["resolver"] for s in detail["steps"]] == ["destination_school", "source_school", "source_county"]
    inbox = leader.get(reverse("api:transfer-inbox")).json()
    assert [row["id"] for row in inbox["results"]] == [transfer.pk]
    refused = leader.post(reverse("api:request-decide", args=[transfer.pk]), {"approve": True},
                          content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "class_required"
    step = detail["steps"][0]["id"]
    decided = leader.post(reverse("api:request-decide", args=[transfer.pk]),
                          {"approve": True, "step": step, "data": {"school_class": detail["class_options"][1]["id"]}},
                          content_type="application/json")
    assert decided.status_code == 200
    again = leader.post(reverse("api:request-decide", args=[transfer.pk]),
                        {"approve": True, "step": step, "data": {"school_class": detail["class_options"][1]["id"]}},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    request = Request.objects.get(pk=transfer.pk)
    for _ in range(2):
        step = request.steps.filter(status="pending").get()
        client = login(holder_of(world, step))
        assert client.post(reverse("api:request-decide", args=[transfer.pk]), {"approve": True},
                           content_type="application/json").status_code == 200
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.COMPLETED
    listed = login(world.user("tunxi", "registrar")).get(reverse("api:transfer-list"), {"state": "completed"}).json()
    assert [row["id"] for row in listed["results"]] == [transfer.pk]
    assert listed["results"][0]["destination_class_name"] == world.classes["tunxi_second_2"].display_name
