"""`/healthz`: is this instance ready to serve? The database answers, the job worker drains its queue, the
disk has room. JSON for load balancers and monitoring; 503 when any check fails. It names no paths, hosts or
versions and needs no sign-in (it shows nothing about pupils or users).

The worker check reads django-tasks-db's queue: a task due for longer than XUEJI_HEALTH_QUEUE_WAIT_SECONDS
that no worker picked up means no worker runs. (An idle queue says nothing about the worker: it is "idle".)"""

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xueji.core import clock
from xueji.core.capabilities import PUBLIC, requires

logger = logging.getLogger(__name__)
DB_BACKEND = "django_tasks_db.DatabaseBackend"


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: the database does not answer")
        return {"ok": False, "detail": "the database does not answer"}
    return {"ok": True}


def check_worker() -> dict:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != DB_BACKEND:
        return {"ok": True, "detail": "tasks run without a worker"}
    try:
        from django.db.models import Max, Min, Q
        from django_tasks_db.models import DBTaskResult

        now = clock.now()
        stats = DBTaskResult.objects.aggregate(
            oldest_due=Min("run_after", filter=Q(status="READY", run_after__lte=now)),
            last_started=Max("started_at"), last_finished=Max("finished_at"))
    except Exception:
        logger.exception("health: the job queue cannot be read")
        return {"ok": False, "detail": "the job queue cannot be read"}
    activity = max((t for t in (stats["last_started"], stats["last_finished"]) if t), default=None)
    result = {"ok": True, "last_activity": activity.isoformat() if activity else None}
    if stats["oldest_due"] is None:
        return {**result, "detail": "idle"}
    waited = (now - stats["oldest_due"]).total_seconds()
    result["oldest_waiting_seconds"] = int(waited)
    if waited > settings.XUEJI_HEALTH_QUEUE_WAIT_SECONDS and (activity is None or now - activity > dt.timedelta(
            seconds=settings.XUEJI_HEALTH_QUEUE_WAIT_SECONDS)):
        return {**result, "ok": False, "detail": "no worker takes the queued jobs"}
    return {**result, "detail": "working"}


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> dict:
    minimum = settings.XUEJI_HEALTH_MIN_FREE_MB * 1024 * 1024
    try:
        free = shutil.disk_usage(_existing(Path(settings.MEDIA_ROOT))).free
    except OSError:
        logger.exception("health: the file storage cannot be read")
        return {"ok": False, "detail": "the file storage cannot be read"}
    result = {"ok": free >= minimum, "free_mb": free // (1024 * 1024), "min_free_mb": settings.XUEJI_HEALTH_MIN_FREE_MB}
    if not result["ok"]:
        logger.error("health: %s MiB free for files, below %s MiB", result["free_mb"], result["min_free_mb"])
    return result


CHECKS: dict[str, Callable[[], dict]] = {"database": check_database, "worker": check_worker, "disk": check_disk}


def register(name: str):
    """Add a readiness check from an app above core (core imports none of them), e.g. the jobs app's heartbeat of
    running jobs: `@health.register("job_heartbeats")` on a function returning {"ok": bool, ...}."""

    def decorator(check: Callable[[], dict]) -> Callable[[], dict]:
        CHECKS[name] = check
        return check

    return decorator


@requires(get=PUBLIC)  # load balancers and monitoring: no sign-in
@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception:  # a broken check says "not ready", never a 500
            logger.exception("health: check %s failed", name)
            checks[name] = {"ok": False, "detail": "the check failed"}
    ready = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)

