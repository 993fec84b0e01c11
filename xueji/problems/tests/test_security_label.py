"""Security labels (control 10) in the problem records (问题学籍): a problem stays visible through any of its members
(a city arbitrates a duplicate across its counties), but a member under special protection is named to cleared users
only; to anyone else its record is shown as one outside the jurisdiction (its school and county, never who the pupil
is), in the list, the page and the API, and a duplicate without ID keeps its key (name, sex, birth date) to itself."""

import pytest
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.problems.choices import ProblemKind
from xueji.problems.models import Problem
from xueji.registry.models import Student
from xueji.registry.services import student_set_label
from xueji.verification.tests.helpers import run

CLEARED, UNCLEARED = ("tunxi", "registrar"), ("huangshan", "registrar")


@pytest.fixture
def duplicate(world, login, settings, tmp_path):
    """tunxi_primary's pupil (labelled) and shexian_primary's share an ID number: one problem across two counties."""
    settings.MEDIA_ROOT = tmp_path
    a, b = world.students["tunxi_primary"], world.students["shexian_primary"]
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number, name="学生乙")
    Student.objects.filter(pk=a.pk).update(name="学生甲")
    response = login(world.user("anhui", "registrar")).post(reverse("api:problem-scan"), {"kind": "duplicates"},
                                                             content_type="application/json")
    run(Job.objects.get(pk=response.json()["id"]))
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=Student.objects.get(pk=a.pk),
                      label="special", reason="困境儿童")
    return Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)


@pytest.mark.parametrize(("who", "named"), [(CLEARED, True), (UNCLEARED, False), (("tunxi_primary", "leader"), True)])
def test_a_labelled_member_is_named_to_the_cleared_only(world, login, duplicate, who, named):
    client = login(world.user(*who))

    listing = client.get(reverse("problems:problem_list"))
    page = client.get(reverse("problems:problem_detail", args=[duplicate.pk]))
    api_list = client.get(reverse("api:problem-list"))
    api = client.get(reverse("api:problem-detail", kwargs={"pk": duplicate.pk}))

    assert (listing.status_code, page.status_code, api_list.status_code, api.status_code) == (200, 200, 200, 200)
    for body in (listing.content.decode(), page.content.decode(), api.content.decode()):
        assert ("学生甲" in body) is named
    assert "学生甲" not in api_list.content.decode()  # the API's list names no pupil at all
    members = {m["school_name"]: m for m in api.json()["members"]}
    assert (members["tunxi_primary"]["student"] is not None) is named
    assert members["tunxi_primary"]["school_name"] == "tunxi_primary"  # where the record is, always
    if who == UNCLEARED:  # the unlabelled member of the city's other county is still named in full
        assert members["shexian_primary"]["student"]["name"] == "学生乙"
        assert "学生乙" in page.content.decode()


@pytest.mark.parametrize(("who", "named"), [(CLEARED, True), (UNCLEARED, False)])
def test_the_key_of_a_duplicate_without_id_is_withheld_when_it_names_a_labelled_pupil(world, login, who, named):
    a, b = world.students["tunxi_primary"], world.students["shexian_primary"]
    Student.objects.filter(pk__in=[a.pk, b.pk]).update(id_number=None, id_type="9", name="无证甲",
                                                       birth_date=a.birth_date, sex="1")
    response = login(world.user("anhui", "registrar")).post(reverse("api:problem-scan"), {"kind": "duplicates"},
                                                             content_type="application/json")
    run(Job.objects.get(pk=response.json()["id"]))
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_NO_ID)
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=Student.objects.get(pk=a.pk),
                      label="special", reason="困境儿童")
    client = login(world.user(*who))

    api = client.get(reverse("api:problem-detail", kwargs={"pk": problem.pk})).json()
    page = client.get(reverse("problems:problem_detail", args=[problem.pk]))

    assert page.status_code == 200 and (page.context["key_shown"] != "") is named
    assert (api["key"] != "") is named
    members = {m["school_name"]: m for m in api["members"]}
    assert (members["tunxi_primary"]["student"] is not None) is named
