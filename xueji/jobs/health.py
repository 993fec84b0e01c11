"""The job worker's part of `/healthz` (xueji.core.health): with the database queue, a deployment is ready only when
a worker beats (manage.py jobs_worker writes its heartbeat every minute, with or without work). Without a worker
(tasks run in the web process, as in the tests) there is nothing to check."""

from django.conf import settings

from xueji.core import health
from xueji.jobs.services import WORKER_BEAT_STALE_SECONDS, worker_status


@health.register("worker_heartbeat")
def check_worker_heartbeat() -> dict:
    if settings.TASKS.get("default", {}).get("BACKEND", "") != health.DB_BACKEND:
        return {"ok": True, "detail": "tasks run without a worker"}
    status = worker_status()
    if not status["alive"]:
        return {"ok": False, "detail": f"no job worker beat in the last {WORKER_BEAT_STALE_SECONDS} s", **status}
    return {"ok": True, **status}
