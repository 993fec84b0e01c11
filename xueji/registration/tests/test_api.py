import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.registration.tests.helpers import proof_pdf, register_students, run
from xueji.registry.models import Student
from xueji.registry.numbers import issue_temporary


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
    assert detail["members"][0]["student"]["id_number"] == world.students["tunxi_middle"].id_number

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
    assert found["current"] is False and found["student"]["national_number"] == "G" + first.id_number
    assert login(world.user("yaohai", "registrar")).post(
        reverse("api:number-lookup"), {"number": temporary}, content_type="application/json").status_code == 404


def test_correct_and_arbitrate_over_the_api(world, media, login):
    a, b = world.students["tunxi_primary"], world.students["shexian_primary"]
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number)
    province = login(world.user("anhui", "registrar"))
    job = _job(province.post(reverse("api:problem-scan"), {"kind": "duplicates"}, content_type="application/json"))
    assert job.result["duplicate_id"]["new"] == 1
    assert {row["name"] for row in job.result["by_county"]} == {world.units["tunxi"].name,
                                                                 world.units["shexian"].name}
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)
    for school, county in (("tunxi_primary", "tunxi"), ("shexian_primary", "shexian")):
        filed = login(world.user(school, "registrar")).post(reverse("api:problem-confirm", kwargs={"pk": problem.pk}),
                                                            {"file": proof_pdf()})
        assert filed.status_code == 201, filed.content
        login(world.user(county, "registrar")).post(reverse("api:request-decide", kwargs={"pk": filed.json()["id"]}),
                                                    {"approve": True}, content_type="application/json")
    city = login(world.user("huangshan", "registrar"))
    detail = city.get(reverse("api:problem-detail", kwargs={"pk": problem.pk})).json()
    assert detail["status"] == "arbitration" and detail["actions"] == ["arbitrate"]
    assert detail["arbitration"]["arbiter"] == world.units["huangshan"].name
    keep = next(m["id"] for m in detail["members"] if m["school_name"] == "tunxi_primary")
    inbox = city.get(reverse("api:inbox")).json()
    assert [item["request"]["type"] for item in inbox["results"]] == ["problem.arbitrate"]
    response = city.post(reverse("api:problem-arbitrate", kwargs={"pk": problem.pk}),
                         {"keep_member": keep, "comment": "户籍证明"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert list(Student.objects.filter(id_number=a.id_number).values_list("pk", flat=True)) == [a.pk]

    # The losing school corrects its record through the ID-error problem it got.
    follow_up = Problem.objects.get(kind=ProblemKind.ID_ERROR, members__student=b)
    from xueji.core import idnumbers

    right = idnumbers.make("341021", b.birth_date, 333)
    response = login(world.user("shexian_primary", "registrar")).post(
        reverse("api:problem-correct", kwargs={"pk": follow_up.pk}), {"id_type": "1", "id_number": right},
        content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["payload"]["changes"] == {"id_number": right}
    bad = login(world.user("shexian_primary", "registrar")).post(
        reverse("api:problem-correct", kwargs={"pk": follow_up.pk}), {"birth_date": "soon"},
        content_type="application/json")
    assert bad.status_code == 400


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
