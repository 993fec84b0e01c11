"""The audit log's FilterSet: the page and the API answer the same events for the same filters."""

import re

import pytest
from django.urls import reverse

from xueji.audit.tests.test_api import events  # noqa: F401 - the fixture


@pytest.mark.parametrize(("filters", "count"), [
    ({"action": "class."}, 2), ({"success": "0"}, 1), ({"success": "1", "ip": "10.0.0.1"}, 1),
    ({"actor": "tunxi_primary_leader"}, 1), ({"object": "tunxi school.create"}, 1), ({"until": "2000-01-01"}, 0),
])
def test_the_audit_page_and_api_list_the_same_events(events, login, filters, count):  # noqa: F811
    client = login(events.user("huangshan", "auditor"))
    html = client.get(reverse("audit:audit_list"), filters).content.decode()

    page = set(map(int, re.findall(r'href="/audit/(\d+)/"', html)))
    response = client.get("/api/v1/audit-events/", {**filters, "page_size": 500})

    assert page == {row["id"] for row in response.json()["results"]} and len(page) == count


@pytest.mark.parametrize("query", ["ip=10.0.0", "since=yesterday", "success=maybe"])
def test_a_malformed_audit_filter_answers_400_naming_the_field(events, login, query):  # noqa: F811
    response = login(events.user("huangshan", "auditor")).get(f"/api/v1/audit-events/?{query}")

    assert response.status_code == 400
    assert list(response.json()["details"]) == [query.split("=")[0]]
