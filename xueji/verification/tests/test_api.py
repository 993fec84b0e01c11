"""Identity verification over the API: a run through the adapter (its ID errors then resolved as problem records,
the L number superseded by G), the file exchange and the register load."""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.core import idnumbers
from xueji.jobs.models import Job
from xueji.registry.models import Student
from xueji.registry.numbers import issue_temporary
from xueji.verification.tests.helpers import proof_pdf, register_students, run


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _job(response):
    assert response.status_code == 202, response.content
    return run(Job.objects.get(pk=response.json()["id"]))


def test_verification_problem_and_number_flow_over_the_api(world, media, login):
    first = world.students["tunxi_primary"]
    issue_temporary(students=[Student.objects.select_related("school__county").get(pk=first.pk)],
                    actor=world.user("tunxi", "registrar"))
    temporary = Student.objects.get(pk=first.pk).national_number
    register_students(world.students.values(), skip={world.students["tunxi_middle"].pk})

    client = login(world.user("tunxi", "registrar"))
    job = _job(client.post(reverse("api:verification-run"), {}, content_type="application/json"))
    assert job.result["verified"] == 1 and job.result["id_not_found"] == 1

    listed = client.get(reverse("api:problem-list"), {"kind": "id_error", "status": "open"}).json()
    assert listed["count"] == 1
    pk = listed["results"][0]["id"]
    assert listed["results"][0]["schools"] == ["tunxi_middle"]
    assert client.get(reverse("api:problem-list"), {"status": "nonsense"}).status_code == 400
    summary = client.get(reverse("api:problem-summary")).json()
    assert summary == [{"county": world.units["tunxi"].pk, "name": world.units["tunxi"].name, "code": "341002",
                        "unresolved": {"id_error": 1}}]
    detail = client.get(reverse("api:problem-detail", kwargs={"pk": pk})).json()
    assert detail["detail"] == {"reason": "id_not_found"} and detail["actions"] == []
    # Masked for the registrar too (control 29: in full through the unmask action only).
    assert detail["members"][0]["student"]["id_number"] == idnumbers.mask(world.students["tunxi_middle"].id_number)

    # Another county: 404; the school's leader sees it with masked ID numbers, and may not file.
    assert login(world.user("shexian", "registrar")).get(reverse("api:problem-detail", kwargs={"pk": pk})
                                                          ).status_code == 404
    leader = login(world.user("tunxi_middle", "leader"))
    shown = leader.get(reverse("api:problem-detail", kwargs={"pk": pk})).json()
    assert "*" in shown["members"][0]["student"]["id_number"]
    assert leader.post(reverse("api:problem-delete", kwargs={"pk": pk}), {"reason": "x"},
                       content_type="application/json").status_code == 403

    school = login(world.user("tunxi_middle", "registrar"))
    assert school.get(reverse("api:problem-detail", kwargs={"pk": pk})).json()["actions"] == [
        "correct", "delete", "confirm"]
    filed = school.post(reverse("api:problem-confirm", kwargs={"pk": pk}),
                        {"reason": "户籍证明", "file": proof_pdf()})
    assert filed.status_code == 201, filed.content
    request_id = filed.json()["id"]
    assert filed.json()["type"] == "problem.confirm"
    again = school.post(reverse("api:problem-correct", kwargs={"pk": pk}), {"name": "改名"},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "request_in_progress"

    county = login(world.user("tunxi", "registrar"))
    decided = county.post(reverse("api:request-decide", kwargs={"pk": request_id}), {"approve": True},
                          content_type="application/json")
    assert decided.status_code == 200, decided.content
    resolved = county.get(reverse("api:problem-detail", kwargs={"pk": pk})).json()
    assert resolved["status"] == "resolved" and resolved["resolution"] == "confirmed"
    kinds = [e["kind"] for e in resolved["events"]]
    assert kinds[0] == "found" and kinds[-1] == "resolved" and "filed_confirm" in kinds
    assert resolved["requests"][0]["id"] == request_id

    # Numbers: the L number is still found after G was issued; outside the jurisdiction it is 404.
    found = county.post(reverse("api:number-lookup"), {"number": temporary.lower()},
                        content_type="application/json").json()
    assert found["current"] is False and found["student"]["national_number"] == "G" + idnumbers.mask(first.id_number)
    assert login(world.user("yaohai", "registrar")).post(
        reverse("api:number-lookup"), {"number": temporary}, content_type="application/json").status_code == 404


def test_batch_exchange_and_register_load_over_the_api(world, media, login):
    province = login(world.user("anhui", "registrar"))
    ids = [s for s in world.students.values() if s.province_code == "340000"]
    body = "id_number,name\n" + "".join(f"{s.id_number},{s.name}\n" for s in ids)
    job = _job(province.post(reverse("api:register-load"),
                             {"file": SimpleUploadedFile("register.csv", body.encode(), content_type="text/csv")}))
    assert job.result["loaded"] == 4
    county = login(world.user("tunxi", "registrar"))
    assert county.post(reverse("api:register-load"), {"file": SimpleUploadedFile("r.csv", b"x")}).status_code == 403

    export = _job(county.post(reverse("api:verification-export"), {"org_unit": world.units["tunxi_primary"].pk},
                              content_type="application/json"))
    batch = export.result["batch"]
    download = county.get(reverse("api:verification-batch-file", kwargs={"pk": batch}))
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    rows = list(csv.reader(b"".join(download.streaming_content).decode().splitlines()))[1:]
    assert login(world.user("tunxi", "leader")).get(
        reverse("api:verification-batch-file", kwargs={"pk": batch})).status_code == 403
    county = login(world.user("tunxi", "registrar"))
    assert len(rows) == 1
    answers = "".join(f"{ref},{number},1\n" for ref, number, _name in rows)
    response = county.post(reverse("api:verification-answers", kwargs={"pk": batch}),
                           {"file": SimpleUploadedFile("answers.csv", answers.encode(), content_type="text/csv")})
    applied = _job(response)
    assert applied.result["verified"] == 1
    listed = county.get(reverse("api:verification-batch-list")).json()
    assert listed["results"][0]["status"] == "done"
    assert county.get(reverse("api:verification-batch-detail", kwargs={"pk": batch})).json()["answered"] == 1
    assert login(world.user("shexian", "registrar")).get(
        reverse("api:verification-batch-detail", kwargs={"pk": batch})).status_code == 404
    county = login(world.user("tunxi", "registrar"))  # one test client: sign the county in again
    assert county.post(reverse("api:verification-run"), {"org_unit": world.units["shexian"].pk},
                       content_type="application/json").status_code == 404


def test_the_batch_list_filters_by_mode_and_status_and_refuses_unknown_values(world, media, login):
    from xueji.verification.tests.helpers import matrix_scene

    matrix_scene(world)  # a file batch awaiting answers at tunxi_primary (and one at xuanwu_primary)
    county = login(world.user("tunxi", "registrar"))
    url = reverse("api:verification-batch-list")
    assert county.get(url).json()["count"] == 1  # the other batch lies outside the jurisdiction
    assert county.get(url, {"mode": "file", "status": "sent"}).json()["count"] == 1
    assert county.get(url, {"mode": "adapter"}).json()["count"] == 0
    assert county.get(url, {"status": "done"}).json()["count"] == 0
    refused = county.get(url, {"status": "nonsense", "mode": "telex"})
    assert refused.status_code == 400
    assert set(refused.json()["details"]) == {"status", "mode"}
