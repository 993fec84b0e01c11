"""What a user does to download a job's file: open the job's page, follow its single-use link."""

import re

from django.urls import reverse


def download_url(client, job) -> str:
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    found = re.search(r'href="([^"]+)" data-testid="job-download"', page)
    assert found, "no download button on the job's page"
    return found.group(1).replace("&amp;", "&")


def download(client, job):
    return client.get(download_url(client, job))
