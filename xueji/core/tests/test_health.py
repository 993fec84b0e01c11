"""Issue 6 item 17: `/healthz` tells a load balancer whether this instance is ready (database, job worker, disk),
and an API error is JSON always: also a 500, also when the database does not answer."""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from xueji.registry.api.views import StudentListApi

ROOT = Path(__file__).resolve().parents[3]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _task(*, status="READY", waited_seconds=0, started_ago=None):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    task = DBTaskResult.objects.create(
        id=uuid.uuid4(), status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="xueji.jobs.tasks.run_job",
        queue_name="default", backend_name="default", run_after=now - dt.timedelta(seconds=waited_seconds),
        priority=0, started_at=now - dt.timedelta(seconds=started_ago) if started_ago is not None else None)
    return task


def test_a_ready_instance_answers_200_without_sign_in(db, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "worker": True, "disk": True, "worker_heartbeat": True}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@override_settings(TASKS=DB_TASKS)
def test_a_worker_that_takes_the_queue_is_ready(db, client):
    _task(status="RUNNING", started_ago=5)
    _task(waited_seconds=20)

    body = client.get("/healthz").json()

    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["detail"] == "working"


@override_settings(TASKS=DB_TASKS, XUEJI_HEALTH_QUEUE_WAIT_SECONDS=300)
def test_a_queue_no_worker_drains_is_503(db, client):
    _task(waited_seconds=900)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["worker"] == {
        "ok": False, "detail": "no worker takes the queued jobs", "last_activity": None, "oldest_waiting_seconds": 900}


@override_settings(XUEJI_HEALTH_MIN_FREE_MB=1024 ** 4)  # an exabyte
def test_a_full_disk_is_503(db, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["disk"]["ok"] is False


def test_an_unexpected_api_error_answers_json_not_the_html_page(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("/srv/xueji/secret/path exploded")

    monkeypatch.setattr(StudentListApi, "list_selector", staticmethod(broken))
    client = Client(raise_request_exception=False)
    client.force_login(world.user("anhui", "registrar"))

    response = client.get("/api/v1/students/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "server_error"
    assert body["request_id"] == response["X-Request-ID"]
    assert "secret" not in response.content.decode() and "RuntimeError" not in response.content.decode()
    assert "服务器" not in body["message"] and "server log" in body["message"]
    assert client.get("/students/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200  # pages are unaffected


def test_an_unexpected_api_error_is_in_chinese_by_default(world, monkeypatch):
    monkeypatch.setattr(StudentListApi, "list_selector", staticmethod(lambda **kwargs: 1 / 0))
    client = Client(raise_request_exception=False)
    client.force_login(world.user("anhui", "registrar"))

    body = client.get("/api/v1/students/").json()

    assert body["code"] == "server_error" and "服务器日志" in body["message"]


PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client(raise_request_exception=False)
out = {}
for url, headers in [("/healthz", {}), ("/api/v1/students/", {"HTTP_AUTHORIZATION": "Token abc"}),
                     ("/api/v1/auth/token/", {})]:
    r = c.post(url, {"username": "a", "password": "b"}) if url.endswith("token/") else c.get(url, **headers)
    out[url] = [r.status_code, r["Content-Type"], r.content.decode()]
print(json.dumps(out))
"""


def test_with_a_database_that_does_not_answer_healthz_is_503_and_the_api_answers_json(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])

    status, content_type, body = out["/healthz"]
    assert (status, content_type) == (503, "application/json")
    assert json.loads(body)["checks"]["database"] == {"ok": False, "detail": "the database does not answer"}
    for url in ("/api/v1/students/", "/api/v1/auth/token/"):
        status, content_type, body = out[url]
        assert (status, content_type) == (500, "application/json"), (url, body[:200])
        assert json.loads(body)["code"] == "server_error"
        assert "sqlite" not in body.lower() and "Traceback" not in body


@pytest.mark.parametrize("url", ["/healthz"])
def test_healthz_refuses_writes(db, client, url):
    assert client.post(url).status_code == 405


@override_settings(ALLOWED_HOSTS=["xueji.example.gov.cn"])
def test_a_request_django_refuses_before_any_view_is_json_under_the_api(db):
    client = Client(raise_request_exception=False)

    api = client.get("/api/v1/me/", HTTP_HOST="evil.example")
    page = client.get("/login/", HTTP_HOST="evil.example")

    assert (api.status_code, api["Content-Type"]) == (400, "application/json")
    assert api.json() == {"code": "bad_request", "message": "请求无效。"}
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_apps_add_their_own_checks_and_a_broken_check_means_not_ready(db, client, monkeypatch):
    from xueji.core import health

    monkeypatch.setattr(health, "CHECKS", dict(health.CHECKS))
    health.register("job_heartbeats")(lambda: {"ok": True, "running": 0})
    assert client.get("/healthz").json()["checks"]["job_heartbeats"] == {"ok": True, "running": 0}

    health.register("job_heartbeats")(lambda: 1 / 0)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["job_heartbeats"] == {"ok": False, "detail": "the check failed"}
