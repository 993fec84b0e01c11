"""The organisation-unit list's FilterSet: the page and the API answer the same units for the same filters."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("filters", "count"), [({"kind": "school"}, 3), ({"kind": "county"}, 2),
                                                ({"q": "tunxi"}, 3), ({"q": "no such unit"}, 0)])
def test_the_org_page_and_api_list_the_same_units(world, login, filters, count):
    client = login(world.user("huangshan", "registrar"))
    html = client.get(reverse("regions:org_list"), filters).content.decode()

    page = set(map(int, re.findall(r'href="/orgs/(\d+)/"', html)))
    response = client.get("/api/v1/org-units/", {**filters, "page_size": 500})

    assert page == {row["id"] for row in response.json()["results"]} and len(page) == count
