"""Issue 6 item 24: an import that imported nothing showed a green 成功, and the batch badge stayed 运行中 until
the page was reloaded."""

import pytest
from django.urls import reverse

from xueji.exchange.models import ImportBatch, ImportStatus
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil, upload
from xueji.jobs.services import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _badge(html: str) -> str:
    start = html.index('data-testid="import-status"')
    return html[html.rindex("<span", 0, start):html.index("</span>", start)]


def test_an_import_that_imported_nothing_is_no_green_success(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    batch = import_start(actor=registrar, school=world.schools["tunxi_primary"],
                         upload=upload("错.csv", csv_bytes([pupil(n, class_name="没有这个班") for n in range(3)])))
    job_run(batch.job_id)
    client = login(registrar)

    page = client.get(reverse("exchange:import_detail", args=[batch.pk])).content.decode()
    listing = client.get(reverse("exchange:import_list")).content.decode()

    batch.refresh_from_db()
    assert (batch.status, batch.valid_rows, batch.outcome) == (ImportStatus.SUCCEEDED, 0, "nothing")
    for html in (page, listing):
        badge = _badge(html)
        assert "text-bg-danger" in badge and "未导入任何学生" in badge and "text-bg-success" not in badge
    assert "bg-success" not in page  # neither badge nor progress bar is green
    assert 'data-testid="import-nothing"' in page
    assert client.get(f"/api/v1/imports/{batch.pk}/").json()["outcome"] == "nothing"


def test_the_badge_follows_the_progress_poll(world, login):
    registrar = world.user("tunxi_primary", "registrar")
    class_name = world.classes["tunxi_primary"].display_name
    batch = import_start(actor=registrar, school=world.schools["tunxi_primary"],
                         upload=upload("学生.csv", csv_bytes([pupil(n, class_name=class_name) for n in range(2)])))
    client = login(registrar)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    page = client.get(reverse("exchange:import_detail", args=[batch.pk])).content.decode()
    assert 'id="import-status"' in page and 'data-outcome="running"' in _badge(page)

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)  # the worker takes it now
    job_run(batch.job_id)
    fragment = client.get(reverse("exchange:import_progress", args=[batch.pk]), headers={"HX-Request": "true"})

    html = fragment.content.decode()
    oob = html[html.index('<div id="import-status" hx-swap-oob="true">'):]
    assert 'data-outcome="imported"' in oob and "text-bg-success" in oob  # the header badge is swapped too
