"""Issue 6 item 17: /healthz knows whether a job worker lives from the worker's own heartbeat, not only from a
queue that happens to be busy."""

import datetime as dt
import threading
from unittest import mock

from django.test import override_settings

from xueji.core import clock
from xueji.jobs.management.commands.jobs_worker import _maintain_forever
from xueji.jobs.models import WorkerBeat
from xueji.jobs.services import WORKER_BEAT_STALE_SECONDS, worker_beat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DB_TASKS)
def test_no_worker_beat_is_not_ready(db, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker_heartbeat"]["ok"] is False


@override_settings(TASKS=DB_TASKS)
def test_the_workers_maintenance_thread_beats_and_healthz_sees_it(db, client):
    stop = threading.Event()
    stop.set()  # one round, then return
    with mock.patch("xueji.jobs.management.commands.jobs_worker.connections"):  # the test's connection stays open
        _maintain_forever(stop)

    assert WorkerBeat.objects.count() == 1
    body = client.get("/healthz").json()
    assert body["checks"]["worker_heartbeat"] == {"ok": True, "alive": 1,
                                                  "last_beat": WorkerBeat.objects.get().beat_at.isoformat()}


@override_settings(TASKS=DB_TASKS)
def test_a_worker_silent_too_long_is_taken_for_dead_and_old_beats_go(db, client):
    worker_beat(name="old:1")
    WorkerBeat.objects.filter(name="old:1").update(
        beat_at=clock.now() - dt.timedelta(seconds=WORKER_BEAT_STALE_SECONDS + 1))
    worker_beat(name="gone:2")
    WorkerBeat.objects.filter(name="gone:2").update(beat_at=clock.now() - dt.timedelta(days=2))

    assert client.get("/healthz").status_code == 503
    worker_beat(name="new:3")
    assert set(WorkerBeat.objects.values_list("name", flat=True)) == {"old:1", "new:3"}
    assert client.get("/healthz").json()["checks"]["worker_heartbeat"]["alive"] == 1
