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


def test_an_api_page_reads_one_row_more_and_counts_at_most_the_cap(many_events, login, monkeypatch,
                                                                     django_assert_max_num_queries):
    """Issue 14: no COUNT over the whole list before a page. A list past COUNT_CAP says "at least" (count_exact
    false); its last page knows the exact count from the rows it read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xueji.core import paging

    client = login(many_events)
    # Each read of the audit log is itself audited (audit.query): set aside here, so the list stays the same length.
    monkeypatch.setattr("xueji.audit.api.views.audit_query_record", lambda **kwargs: None)
    total = AuditEvent.objects.count()
    first = client.get("/api/v1/audit-events/?page_size=50").json()
    assert (first["count"], first["count_exact"], first["previous"]) == (total, True, None)
    assert "page=2" in first["next"] and len(first["results"]) == 50

    monkeypatch.setattr(paging, "COUNT_CAP", 60)
    with CaptureQueriesContext(connection) as queries:
        capped = client.get("/api/v1/audit-events/?page_size=50").json()
    assert (capped["count"], capped["count_exact"]) == (60, False)  # at least 60
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 61" in counts[0]  # never over the whole list

    last_page = (total - 1) // 50 + 1
    last = client.get(f"/api/v1/audit-events/?page_size=50&page={last_page}").json()
    assert (last["count"], last["count_exact"], last["next"]) == (total, True, None)
    assert f"page={last_page - 1}" in last["previous"] or last_page == 2
    assert client.get(f"/api/v1/audit-events/?page_size=50&page={last_page + 1}").status_code == 404
    assert client.get("/api/v1/audit-events/?page=x").status_code == 404
