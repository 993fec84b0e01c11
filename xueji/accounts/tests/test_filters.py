"""The user list's FilterSet: the page and the API answer the same accounts for the same filters."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filters", [{}, {"role": "registrar"}, {"is_active": "1"}, {"is_active": "0"},
                                     {"q": "tunxi_primary"}, {"q": "tunxi", "role": "leader"}])
def test_the_user_page_and_api_list_the_same_accounts(world, login, filters):
    client = login(world.user("huangshan", "sysadmin"))
    html = client.get(reverse("accounts:user_list"), {**filters, "per_page": 100}).content.decode()

    page = set(map(int, re.findall(r'href="/users/(\d+)/edit/"', html)))
    response = client.get("/api/v1/users/", {**filters, "page_size": 500})

    assert page == {row["id"] for row in response.json()["results"]}
    assert page or filters.get("is_active") == "0"
