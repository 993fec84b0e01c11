"""No list serves more than XUEJI_MAX_PAGE_SIZE rows per page (100 by default): not the web tables' ?per_page,
not the API's ?page_size. Bulk data leaves only through audited exports."""

import re

import pytest
from django.test import override_settings

from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record


@pytest.fixture
def many_events(world):
    auditor = world.user("anhui", "auditor")
    for n in range(130):
        audit_record(actor=world.user("tunxi_primary", "registrar"), action="class.create", object_repr=f"e{n}")
    assert AuditEvent.objects.count() >= 130
    return auditor


def _rows(html: str) -> int:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr[ >]", body))


@pytest.mark.parametrize("query", ["?page_size=20000", "?page_size=101", "?per_page=20000"])
def test_an_api_list_serves_at_most_100_rows_a_page(many_events, login, query):
    response = login(many_events).get(f"/api/v1/audit-events/{query}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == (100 if "page_size" in query else 50)
    assert response.json()["next"]  # the rest is on the next pages


def test_a_web_table_serves_at_most_100_rows_a_page(many_events, login):
    client = login(many_events)

    assert _rows(client.get("/audit/?per_page=20000").content.decode()) == 100
    assert _rows(client.get("/audit/").content.decode()) == 50


@override_settings(XUEJI_MAX_PAGE_SIZE=30)
def test_the_cap_is_a_deployment_setting(many_events, login):
    client = login(many_events)

    assert len(client.get("/api/v1/audit-events/?page_size=20000").json()["results"]) == 30
    assert len(client.get("/api/v1/audit-events/").json()["results"]) == 30  # the default page shrinks too
    assert _rows(client.get("/audit/?per_page=20000").content.decode()) == 30
    assert _rows(client.get("/audit/").content.decode()) == 30
