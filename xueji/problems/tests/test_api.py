"""Problem records over the API: a duplicate confirmed by both schools goes to arbitration by the common superior;
the losing record is corrected through the ID-error problem it got."""

import pytest
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.registry.models import Student
from xueji.verification.tests.helpers import proof_pdf, run


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _job(response):
    assert response.status_code == 202, response.content
    return run(Job.objects.get(pk=response.json()["id"]))


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
    assert response.json()["payload"]["changes"] == {"id_number": idnumbers.mask(right)}  # masked (control 29)
    bad = login(world.user("shexian_primary", "registrar")).post(
        reverse("api:problem-correct", kwargs={"pk": follow_up.pk}), {"birth_date": "soon"},
        content_type="application/json")
    assert bad.status_code == 400
