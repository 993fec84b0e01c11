"""The job list's FilterSet: the page and the API answer the same jobs for the same filters."""

import re

import pytest
from django.urls import reverse

from xueji.jobs.services import job_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("filters", "shown"), [
    ({}, {"mine", "colleague"}), ({"mine": "on"}, {"mine"}), ({"mine": "0"}, {"mine", "colleague"}),
    ({"status": "failed"}, set()),
])
def test_the_job_page_and_api_list_the_same_jobs(world, login, filters, shown):
    me, colleague = world.user("tunxi", "registrar"), world.user("tunxi", "leader")
    jobs = {"mine": job_start(actor=me, kind="registry.export_students", title="mine", params={}),
            "colleague": job_start(actor=colleague, kind="registry.export_students", title="theirs", params={})}
    client = login(me)

    html = client.get(reverse("jobs:job_list"), filters).content.decode()
    page = set(map(int, re.findall(r'href="/jobs/(\d+)/"', html)))
    response = client.get("/api/v1/jobs/", {**filters, "page_size": 500})

    assert page == {row["id"] for row in response.json()["results"]} == {jobs[name].pk for name in shown}
