"""The school and class lists' FilterSets: the page and the API answer the same rows for the same filters."""

import re

import pytest
from django.urls import reverse


def _page_ids(client, url_name, prefix, filters) -> set[int]:
    html = client.get(reverse(url_name), filters).content.decode()
    return {int(pk) for pk in re.findall(rf'href="/{prefix}/(\d+)/"', html)}


def _api_ids(client, path, filters) -> set[int]:
    response = client.get(path, {**filters, "page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("filters", "count"), [
    ({}, 4), ({"county": "tunxi"}, 2), ({"county": "tunxi", "q": "tunxi_mid"}, 1), ({"stage": "3"}, 0),
])
def test_the_school_page_and_api_list_the_same_schools(world, login, filters, count):
    client = login(world.user("anhui", "registrar"))
    filters = {k: world.units[v].pk if k == "county" else v for k, v in filters.items()}

    page = _page_ids(client, "schools:school_list", "schools", filters)

    assert page == _api_ids(client, "/api/v1/schools/", filters) and len(page) == count


@pytest.mark.parametrize(("filters", "count"), [({}, 4), ({"school": "tunxi_middle"}, 1), ({"cohort_year": 1995}, 0)])
def test_the_class_page_and_api_list_the_same_classes(world, login, filters, count):
    client = login(world.user("anhui", "registrar"))
    filters = {k: world.schools[v].pk if k == "school" else v for k, v in filters.items()}

    page = _page_ids(client, "schools:class_list", "classes", filters)

    assert page == _api_ids(client, "/api/v1/classes/", filters) and len(page) == count


@pytest.mark.parametrize("query", ["school=abc", "cohort_year=2024.5", "stage=9"])
def test_a_malformed_class_filter_answers_400_naming_the_field(world, login, query):
    response = login(world.user("tunxi", "registrar")).get(f"/api/v1/classes/?{query}")

    assert response.status_code == 400
    assert list(response.json()["details"]) == [query.split("=")[0]]
