"""The request list's and the inbox's FilterSets: the page and the API answer the same requests."""

import re

import pytest
from django.urls import reverse

from xueji.workflow.tests.test_pages_inbox import _inbox_ids, _request

pytestmark = pytest.mark.django_db


def _api_request_ids(client, path, filters, *, of_step=False) -> set[int]:
    response = client.get(path, {**filters, "page_size": 500})
    assert response.status_code == 200, response.content
    return {row["request"]["id"] if of_step else row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("filters", "shown"), [
    ({}, {"tunxi_primary"}), ({"mine": "on"}, {"tunxi_primary"}), ({"mine": "0"}, {"tunxi_primary"}),
    ({"type": "registration.grade1"}, set()), ({"status": "approved"}, set()),
])
def test_the_request_page_and_api_list_the_same_requests(world, window, login, filters, shown):
    requests = {school: _request(world, n, school=school) for n, school in enumerate(["tunxi_primary", "tunxi_middle"])}
    client = login(world.user("tunxi_primary", "registrar"))
    html = client.get(reverse("workflow:request_list"), filters).content.decode()

    page = set(map(int, re.findall(r'href="/requests/(\d+)/"', html)))

    assert page == _api_request_ids(client, "/api/v1/requests/", filters) == {requests[s].pk for s in shown}


@pytest.mark.parametrize("filters", [{}, {"type": "registration.enrolled"}, {"type": "registration.grade1"},
                                     {"q": "no such title"}])
def test_the_inbox_page_and_api_list_the_same_requests(world, window, login, filters):
    _request(world, 1), _request(world, 2)
    client = login(world.user("tunxi_primary", "leader"))

    page = _inbox_ids(client.get(reverse("workflow:inbox"), filters).content.decode())

    assert page == _api_request_ids(client, "/api/v1/inbox/", filters, of_step=True)
