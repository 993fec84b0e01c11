"""The import list's FilterSet: the page and the API answer the same batches for the same filters."""

import re

import pytest
from django.urls import reverse

from xueji.core import clock
from xueji.exchange.models import ImportBatch, ImportStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("filters", "shown"), [
    ({}, {"tunxi_primary", "tunxi_middle"}), ({"status": "failed"}, {"tunxi_middle"}),
    ({"status": "succeeded", "kind": "enrolled"}, {"tunxi_primary"}),
])
def test_the_import_page_and_api_list_the_same_batches(world, login, filters, shown):
    batches = {school: ImportBatch.objects.create(
        school=world.schools[school], file_name="a.csv", file_size=10, file_type="csv", sha256="0" * 64,
        status=status, created_by=world.user(school, "registrar"), created_at=clock.now())
        for school, status in (("tunxi_primary", ImportStatus.SUCCEEDED), ("tunxi_middle", ImportStatus.FAILED),
                               ("xuanwu_primary", ImportStatus.FAILED))}
    client = login(world.user("tunxi", "registrar"))
    html = client.get(reverse("exchange:import_list"), filters).content.decode()

    page = set(map(int, re.findall(r'href="/imports/(\d+)/"', html)))
    response = client.get("/api/v1/imports/", {**filters, "page_size": 500})

    assert page == {row["id"] for row in response.json()["results"]} == {batches[s].pk for s in shown}
