"""SECURITY.md row 38 on the business windows and the province's limits (`core.versions`): each window and setting in
the API carries its `version`; a PATCH or PUT with a stale If-Match answers 412 and writes nothing; the edit page
opened before another save shows the error and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.policy import services
from xueji.policy.models import BusinessWindow, PolicySetting
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


def _settings(world) -> dict:
    return dict(PolicySetting.objects.filter(province_code="340000").values_list("key", "value"))


def test_a_stale_if_match_on_a_setting_answers_412_and_writes_nothing(world, login):
    admin = world.user("anhui", "sysadmin")
    client = login(admin)
    listed = {row["key"]: row["version"] for row in client.get("/api/v1/policy/settings/").json()}
    services.setting_set(actor=admin, key="proof.max_bytes", value=3 * 1024 * 1024)  # another administrator
    before, audits = _settings(world), AuditEvent.objects.filter(action="policy.setting").count()
    body = {"key": "proof.max_bytes", "value": 1024 * 1024}

    stale = client.put("/api/v1/policy/settings/", body, content_type="application/json",
                       headers={"If-Match": f'"{listed["proof.max_bytes"]}"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    assert _settings(world) == before and AuditEvent.objects.filter(action="policy.setting").count() == audits
    # Another setting's version is not stale: only what the PUT changes is compared.
    other = client.put("/api/v1/policy/settings/", {"key": "import.max_bytes", "value": 50 * 1024 * 1024},
                       content_type="application/json", headers={"If-Match": f'"{listed["import.max_bytes"]}"'})
    assert other.status_code == 200

    current = {row["key"]: row["version"] for row in client.get("/api/v1/policy/settings/").json()}
    saved = client.put("/api/v1/policy/settings/", body, content_type="application/json",
                       headers={"If-Match": f'"{current["proof.max_bytes"]}"'})
    assert saved.status_code == 200 and _settings(world)["proof.max_bytes"] == 1024 * 1024
    assert saved["ETag"] == f'"{saved.json()["version"]}"'


def test_the_settings_page_opened_before_another_save_shows_the_error_and_writes_nothing(world, login):
    admin = world.user("anhui", "sysadmin")
    client = login(admin)
    url = reverse("policy:setting_list")
    version = hidden_version(client.get(url).content.decode())
    services.setting_set(actor=admin, key="import.max_bytes", value=50 * 1024 * 1024)
    before = _settings(world)
    data = {"proof_max_mb": "1", "import_max_mb": "100", "version": version}

    refused = client.post(url, data)
    assert refused.status_code == 200 and STALE_WORDS in refused.content.decode()
    assert _settings(world) == before  # neither limit of the form was saved

    data["version"] = hidden_version(client.get(url).content.decode())
    assert client.post(url, data).status_code == 302
    assert _settings(world)["proof.max_bytes"] == 1024 * 1024
