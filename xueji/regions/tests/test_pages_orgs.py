"""The org tree's pages: a unit's children and schools, the list by kind."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_org_detail_shows_children_and_schools(world, login):
    client = login(world.user("anhui", "leader"))
    html = client.get(reverse("regions:org_detail", args=[world.units["huangshan"].pk])).content.decode()
    assert "tunxi authority" in html and "shexian authority" in html
    assert "tunxi_primary" in html and "shexian_primary" in html and "yaohai_primary" not in html
    html = client.get(reverse("regions:org_list"), {"kind": "county"}).content.decode()
    assert f'href="/orgs/{world.units["tunxi"].pk}/"' in html
    assert f'href="/orgs/{world.units["huangshan"].pk}/"' not in html
