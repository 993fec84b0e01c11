"""Students through the API: a school sees its own pupils, an authority its subtree; IDs masked by role."""

import pytest

from xueji.core import idnumbers


def _students(client, query=""):
    response = client.get(f"/api/v1/students/?page_size=500{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(("unit", "schools"), [
    ("tunxi_primary", {"tunxi_primary"}),
    ("tunxi", {"tunxi_primary", "tunxi_middle"}),
    ("huangshan", {"tunxi_primary", "tunxi_middle", "shexian_primary"}),
    ("anhui", {"tunxi_primary", "tunxi_middle", "shexian_primary", "yaohai_primary"}),
    ("jiangsu", {"xuanwu_primary"}),
])
def test_students_are_listed_within_the_jurisdiction(world, login, unit, schools):
    client = login(world.user(unit, "registrar"))

    assert {row["id"] for row in _students(client)} == {world.students[s].pk for s in schools}


def test_a_student_outside_the_jurisdiction_answers_404(world, login):
    client = login(world.user("tunxi_primary", "registrar"))

    assert client.get(f"/api/v1/students/{world.students['tunxi_primary'].pk}/").status_code == 200
    for other in ("tunxi_middle", "xuanwu_primary"):
        response = client.get(f"/api/v1/students/{world.students[other].pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "student not found."}


def test_filtering_by_a_school_outside_shows_nothing(world, login):
    client = login(world.user("tunxi", "registrar"))

    assert _students(client, f"&school={world.schools['xuanwu_primary'].pk}") == []
    assert len(_students(client, f"&school={world.schools['tunxi_primary'].pk}")) == 1


def test_registrars_and_leaders_read_id_numbers_masked(world, login):
    """Control 29: the registrar too, without the unmask action's reason (test_unmask.py)."""
    student = world.students["tunxi_primary"]

    registrar_view = login(world.user("tunxi_primary", "registrar")).get(f"/api/v1/students/{student.pk}/").json()
    leader_view = login(world.user("tunxi", "leader")).get(f"/api/v1/students/{student.pk}/").json()

    assert registrar_view["id_number"] == idnumbers.mask(student.id_number)
    assert registrar_view["family"][0]["id_number"].count("*") == 10
    assert leader_view["id_number"] == idnumbers.mask(student.id_number)
    assert student.id_number[6:14] not in leader_view["id_number"]  # the birth date stays hidden
    assert leader_view["family"][0]["id_number"].count("*") == 10
    assert _students(login(world.user("tunxi", "leader")), "&q=学生1")[0]["id_number"].count("*") == 10


@pytest.mark.parametrize("query", ["school=abc", "school_class=1.5", "county=tunxi"])
def test_malformed_filters_answer_400(world, login, query):
    client = login(world.user("tunxi", "registrar"))

    response = client.get(f"/api/v1/students/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["details"]) == [query.split("=")[0]]
