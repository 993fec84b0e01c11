"""SECURITY.md row 38 on the business windows (`core.versions`): each window in the API carries its `version`; a PATCH
with a stale If-Match answers 412 and writes nothing; the edit page opened before another save shows the error and
writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.policy import services
from xueji.policy.models import BusinessWindow
from xueji.testing.versions import STALE_WORDS, hidden_version, row_of

pytestmark = pytest.mark.django_db


def _window() -> BusinessWindow:
    today = clock.today()
    return BusinessWindow.objects.create(province_code="340000", kind="changes.record", start_date=today,
                                         end_date=today + dt.timedelta(days=30))


def _listed_version(client, window) -> str:
    body = client.get("/api/v1/policy/windows/?page_size=500").json()
    rows = body["results"] if isinstance(body, dict) else body
    return next(row["version"] for row in rows if row["id"] == window.pk)


def test_a_stale_if_match_on_a_window_answers_412_and_writes_nothing(world, login):
    window, admin = _window(), world.user("anhui", "sysadmin")
    client = login(admin)
    version = _listed_version(client, window)
    services.window_update(actor=admin, window=window, note="另一位管理员")  # someone else saves meanwhile
    before, audits = row_of(window), AuditEvent.objects.filter(action="policy.window_update").count()
    url = f"/api/v1/policy/windows/{window.pk}/"

    stale = client.patch(url, {"note": "延长"}, content_type="application/json", headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert row_of(window) == before and AuditEvent.objects.filter(action="policy.window_update").count() == audits

    current = _listed_version(client, window)
    saved = client.patch(url, {"note": "延长"}, content_type="application/json", headers={"If-Match": f'"{current}"'})
    assert saved.status_code == 200 and row_of(window)["note"] == "延长"
    assert saved["ETag"] == f'"{_listed_version(client, window)}"'


def test_a_window_form_opened_before_another_save_shows_the_error_and_writes_nothing(world, login):
    window, admin = _window(), world.user("anhui", "sysadmin")
    client = login(admin)
    url = reverse("policy:window_edit", args=[window.pk])
    version = hidden_version(client.get(url).content.decode())
    services.window_update(actor=admin, window=window, note="另一位管理员")
    before = row_of(window)
    data = {"start_date": window.start_date.isoformat(),
            "end_date": (window.end_date + dt.timedelta(days=5)).isoformat(), "note": "延长", "version": version}

    refused = client.post(url, data)
    assert refused.status_code == 200 and STALE_WORDS in refused.content.decode()
    assert row_of(window) == before

    data["version"] = hidden_version(client.get(url).content.decode())
    assert client.post(url, data).status_code == 302 and row_of(window)["note"] == "延长"
