"""Searchable selects over large sets (issue 14): the choices endpoints answer at most 20 schools or classes of
the user's jurisdiction matching ?q=, and the list pages carry only the chosen school and class, never the
jurisdiction's whole list."""

import pytest
from django.urls import reverse

from xueji.regions.models import OrgKind
from xueji.regions.services import org_unit_create
from xueji.schools.models import School, SchoolClass

pytestmark = pytest.mark.django_db


def _many_schools(world, n=25):
    county = world.units["tunxi"]
    for i in range(n):
        code = f"34100279{i:02d}"
        unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=f"选择小学{i}", code=code, parent=county,
                               audit=False)
        School.objects.create(org_unit=unit, code=code, name=f"选择小学{i}", county=county, running_type="211",
                              stages="1")


def test_school_choices_are_the_jurisdiction_s_matching_at_most_20(world, login):
    _many_schools(world)
    url = reverse("api:school-choices")
    county = login(world.user("tunxi", "registrar"))

    found = county.get(url, {"q": "选择"}).json()["results"]
    assert len(found) == 20 and all(row["text"].startswith("选择小学") for row in found)
    assert county.get(url, {"q": "3410027901"}).json()["results"] == [
        {"id": School.objects.get(code="3410027901").pk, "text": "选择小学1 (3410027901)"}]
    assert county.get(url, {"q": "xuanwu"}).json()["results"] == []  # another province's school
    other = login(world.user("shexian", "registrar"))
    assert other.get(url, {"q": "选择"}).json()["results"] == []  # another county's


def test_class_choices_of_a_school_and_outside_the_jurisdiction(world, login):
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    SchoolClass.objects.create(school=school, stage=klass.stage, cohort_year=klass.cohort_year, number=7)
    url = reverse("api:class-choices")
    county = login(world.user("tunxi", "registrar"))

    rows = county.get(url, {"school": school.pk}).json()["results"]
    assert {r["id"] for r in rows} == set(SchoolClass.objects.filter(school=school).values_list("pk", flat=True))
    assert [r["text"] for r in county.get(url, {"school": school.pk, "q": "7"}).json()["results"]] == [
        f"tunxi_primary · 小学 {klass.cohort_year}级7班"]
    assert county.get(url, {"school": world.schools["xuanwu_primary"].pk}).json()["results"] == []
    assert county.get(url, {"school": "x"}).status_code == 400


def test_the_student_list_carries_only_the_chosen_school(world, login):
    _many_schools(world)
    client = login(world.user("anhui", "registrar"))
    school = world.schools["tunxi_middle"]

    html = client.get(reverse("registry:student_list")).content.decode()
    assert "选择小学" not in html and 'data-remote="/api/v1/schools/choices/"' in html
    assert 'data-remote="/api/v1/classes/choices/" data-depends="school"' in html

    chosen = client.get(reverse("registry:student_list"), {"school": school.pk}).content.decode()
    assert f'<option value="{school.pk}" selected>tunxi_middle ({school.code})</option>' in chosen
    assert "选择小学" not in chosen
    foreign = client.get(reverse("schools:class_list"), {"school": world.schools["xuanwu_primary"].pk})
    assert "xuanwu_primary" not in foreign.content.decode()  # an id outside the jurisdiction is refused


def test_the_class_and_problem_lists_load_their_schools_on_demand(world, login):
    _many_schools(world)
    client = login(world.user("anhui", "registrar"))
    for name in ("schools:class_list", "problems:problem_list"):
        html = client.get(reverse(name)).content.decode()
        assert "选择小学" not in html and 'data-remote="/api/v1/schools/choices/"' in html, name
