"""django-tasks-db's `db_worker` with a maintenance thread: every MAINTAIN_SECONDS it marks jobs whose worker died
as interrupted and deletes expired result files (xueji.jobs.services.jobs_maintain). Several workers may run
side by side: the reaper claims each dead job with a conditional UPDATE."""

import logging
import threading

from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from xueji.jobs.registry import startup
from xueji.jobs.services import jobs_maintain, worker_beat, worker_name

logger = logging.getLogger(__name__)
MAINTAIN_SECONDS = 60  # also the worker's heartbeat: /healthz wants one within WORKER_BEAT_STALE_SECONDS


def run_startup() -> dict:
    """The apps' work for a worker's start (registry.register_startup), each on its own: one failing stops nothing."""
    ran = {}
    for key, fn in startup().items():
        try:
            ran[key] = fn()
        except Exception:
            logger.exception("start-up work %s failed", key)
            ran[key] = None
    return ran


def _maintain_forever(stop: threading.Event) -> None:
    name = worker_name()
    run_startup()
    while True:  # at start (a restarted worker finds what its predecessor left running), then every minute
        try:
            worker_beat(name=name)  # /healthz: a worker is alive (xueji.jobs.health)
            jobs_maintain()
        except Exception:  # the worker goes on; the next round tries again
            logger.exception("job maintenance failed")
        finally:
            connections.close_all()
        if stop.wait(MAINTAIN_SECONDS):
            return


class Command(DbWorkerCommand):
    help = "Run the job worker (django-tasks-db) with the reaper of interrupted jobs and the file cleanup."

    def handle(self, *args, **options):
        stop = threading.Event()
        threading.Thread(target=_maintain_forever, args=(stop,), name="jobs-maintain", daemon=True).start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
