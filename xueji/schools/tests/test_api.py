"""Schools, classes and school years through the API: each user sees and touches only its jurisdiction."""

import pytest

from xueji.audit.models import AuditEvent
from xueji.schools.models import SchoolClass, SchoolYear
from xueji.schools.selectors import current_school_year_start


def _names(client, url):
    response = client.get(f"{url}?page_size=500")
    assert response.status_code == 200, response.content
    return {row["name"] if "name" in row and row["name"] else row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("unit", "expected"), [
    ("tunxi_primary", {"tunxi_primary"}),
    ("tunxi", {"tunxi_primary", "tunxi_middle"}),
    ("huangshan", {"tunxi_primary", "tunxi_middle", "shexian_primary"}),
    ("anhui", {"tunxi_primary", "tunxi_middle", "shexian_primary", "yaohai_primary"}),
    ("jiangsu", {"xuanwu_primary"}),
    ("ministry", {"tunxi_primary", "tunxi_middle", "shexian_primary", "yaohai_primary", "xuanwu_primary"}),
])
def test_schools_and_classes_are_listed_within_the_jurisdiction(world, login, unit, expected):
    client = login(world.user(unit, "leader"))

    assert _names(client, "/api/v1/schools/") == expected
    classes = client.get("/api/v1/classes/?page_size=500").json()["results"]
    assert {row["school"] for row in classes} == {world.schools[s].pk for s in expected}


def test_a_class_for_a_school_of_another_county_answers_404_and_writes_nothing(world, login):
    client = login(world.user("tunxi", "registrar"))

    response = client.post("/api/v1/classes/", {"school": world.schools["shexian_primary"].pk, "stage": "1",
                                                "cohort_year": 2024, "number": 7}, content_type="application/json")

    assert response.status_code == 404
    assert not SchoolClass.objects.filter(cohort_year=2024, number=7).exists()
    assert not AuditEvent.objects.exclude(action__startswith="auth.").exclude(action="access.denied").exists()


def test_a_county_registrar_opens_a_school_and_the_school_sees_it(world, login):
    client = login(world.user("tunxi", "registrar"))

    response = client.post("/api/v1/schools/", {"code": "3410021099", "name": "新安小学", "running_type": "312",
                                                "county": world.units["tunxi"].pk}, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["stages"] == "12"
    assert "新安小学" in _names(client, "/api/v1/schools/")


def test_class_rules_answer_400_with_the_field(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    school = world.schools["tunxi_primary"].pk

    wrong_stage = client.post("/api/v1/classes/", {"school": school, "stage": "3", "cohort_year": 2024, "number": 1},
                              content_type="application/json")
    duplicate = client.post("/api/v1/classes/", {"school": school, "stage": "1", "cohort_year": 2024, "number": 1},
                            content_type="application/json")
    again = client.post("/api/v1/classes/", {"school": school, "stage": "1", "cohort_year": 2024, "number": 1},
                        content_type="application/json")

    assert (wrong_stage.status_code, wrong_stage.json()["code"]) == (400, "stage_not_taught")
    assert list(wrong_stage.json()["details"]) == ["stage"]
    assert duplicate.status_code == 201
    assert (again.status_code, again.json()["code"]) == (400, "class_exists")


def test_the_grade_shown_follows_the_current_school_year(world, login):
    start = current_school_year_start()
    klass = world.classes["tunxi_primary"]
    year = SchoolYear.objects.create(start_year=start + 1, start_date=f"{start + 1}-09-01",
                                     end_date=f"{start + 2}-08-31")
    client = login(world.user("tunxi_primary", "registrar"))
    assert client.get(f"/api/v1/classes/{klass.pk}/").json()["grade"] == "12"

    switched = login(world.user("anhui", "registrar")).post(f"/api/v1/school-years/{year.pk}/set-current/")
    assert switched.status_code == 200

    client = login(world.user("tunxi_primary", "registrar"))
    assert client.get(f"/api/v1/classes/{klass.pk}/").json()["grade"] == "13"
    years = client.get("/api/v1/school-years/").json()["results"]
    assert [y["start_year"] for y in years if y["is_current"]] == [start + 1]


def test_only_the_province_sets_the_current_year(world, login):
    year = SchoolYear.objects.get(is_current=True)
    client = login(world.user("tunxi", "registrar"))

    assert client.post(f"/api/v1/school-years/{year.pk}/set-current/").status_code == 403
    assert client.post("/api/v1/school-years/99999/set-current/").status_code == 403  # no capability, no lookup
