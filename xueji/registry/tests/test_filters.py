"""The student list's one FilterSet: the page and the API answer the same pupils for the same filters."""

import re

import pytest
from django.urls import reverse

from xueji.registry.filters import StudentFilterSet
from xueji.schools.selectors import school_list


def _page_ids(client, filters) -> set[int]:
    html = client.get(reverse("registry:student_list"), filters).content.decode()
    return {int(pk) for pk in re.findall(r'href="/students/(\d+)/"', html)}


def _api_ids(client, filters) -> set[int]:
    response = client.get("/api/v1/students/", {**filters, "page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("filters", "count"), [
    ({}, 4), ({"sex": "2"}, 0), ({"sex": "1"}, 4), ({"school": "shexian_primary"}, 1),
    ({"school": "tunxi_middle", "school_class": "tunxi_middle"}, 1),
])
def test_the_page_and_the_api_list_the_same_students(world, login, filters, count):
    client = login(world.user("anhui", "registrar"))
    filters = {k: world.schools[v].pk if k == "school" else world.classes[v].pk if k == "school_class" else v
               for k, v in filters.items()}

    page = _page_ids(client, filters)

    assert page == _api_ids(client, filters) and len(page) == count


def test_the_page_form_offers_the_users_schools_and_keeps_the_api_only_filters_off_it(world):
    form = StudentFilterSet({}, page=True, choices={"school": school_list(user=world.user("tunxi", "registrar"))}).form

    assert list(form.fields) == ["q", "school", "school_class", "status", "sex"]
    assert set(form.fields["school"].queryset.values_list("pk", flat=True)) == {
        world.schools["tunxi_primary"].pk, world.schools["tunxi_middle"].pk}
