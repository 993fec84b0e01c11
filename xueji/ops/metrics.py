"""`/metrics` in Prometheus' text format (prometheus_client), for the deployment's monitoring, never public: only
from the addresses of XUEJI_METRICS_ALLOWED (networks, default the host itself) or with the bearer token
XUEJI_METRICS_TOKEN; anyone else gets 404.

Two kinds of series:
- counted in the web processes (requests by view, method and status; their latency; slow requests; sign-ins and
  failed sign-ins): with several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied at each
  start) and every worker writes there; a scrape sums them (prometheus_client's multiprocess mode);
- read from the database at scrape time, so the same from whichever process answers: the job queue's depth and
  the age of its oldest due task, running and failed jobs, the workers' heartbeats, the database connections, the
  last backup, the open alerts, the standbys' replication lag and each machine's last trusted verification."""

import datetime as dt
import ipaddress
import logging
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from xueji.core import clock
from xueji.core.capabilities import PUBLIC, requires
from xueji.core.crypto import digests_equal
from xueji.core.middleware import client_ip

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("xueji_http_requests", "HTTP requests answered, by view, method and status.",
                   ["view", "method", "status"], registry=REGISTRY)
LATENCY = Histogram("xueji_http_request_duration_seconds", "Time to answer a request, by view.", ["view"],
                    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=REGISTRY)
SLOW = Counter("xueji_http_slow_requests", "Requests slower than XUEJI_SLOW_REQUEST_MS, by view.", ["view"],
               registry=REGISTRY)
LOGINS = Counter("xueji_logins", "Successful sign-ins.", registry=REGISTRY)
LOGIN_FAILURES = Counter("xueji_login_failures", "Failed sign-ins.", registry=REGISTRY)


def on_login(sender, **kwargs) -> None:
    LOGINS.inc()


def on_login_failed(sender, **kwargs) -> None:
    LOGIN_FAILURES.inc()


class DatabaseCollector:
    """The series read at scrape time (a few indexed queries)."""

    def collect(self):
        from django.db import connection
        from django.db.models import Count, Min, Q
        from django_tasks_db.models import DBTaskResult

        from xueji.jobs.models import Job, JobStatus, WorkerBeat
        from xueji.jobs.services import WORKER_BEAT_STALE_SECONDS
        from xueji.ops.choices import BackupStatus
        from xueji.ops.models import Alert, Backup

        now = clock.now()
        queue = DBTaskResult.objects.aggregate(
            ready=Count("pk", filter=Q(status="READY")), running=Count("pk", filter=Q(status="RUNNING")),
            oldest=Min("run_after", filter=Q(status="READY", run_after__lte=now)))
        yield GaugeMetricFamily("xueji_job_queue_depth", "Tasks waiting in the job queue.", value=queue["ready"])
        yield GaugeMetricFamily("xueji_job_queue_oldest_seconds", "Age of the oldest due task still waiting.",
                                value=(now - queue["oldest"]).total_seconds() if queue["oldest"] else 0)
        by_status = dict(Job.objects.order_by().values_list("status").annotate(n=Count("pk")))
        jobs = GaugeMetricFamily("xueji_jobs", "Jobs by status.", labels=["status"])
        for status in JobStatus.values:
            jobs.add_metric([status], by_status.get(status, 0))
        yield jobs
        yield GaugeMetricFamily("xueji_jobs_failed_last_day", "Jobs that failed in the last 24 hours.",
                                value=Job.objects.filter(status=JobStatus.FAILED,
                                                         finished_at__gte=now - dt.timedelta(days=1)).count())
        alive = WorkerBeat.objects.filter(beat_at__gte=now - dt.timedelta(seconds=WORKER_BEAT_STALE_SECONDS))
        yield GaugeMetricFamily("xueji_workers_alive", "Job workers that beat recently.", value=alive.count())
        connections, maximum = 1, 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*), current_setting('max_connections')::int FROM pg_stat_activity "
                               "WHERE datname = current_database()")
                connections, maximum = cursor.fetchone()
        yield GaugeMetricFamily("xueji_db_connections", "Open connections to the database.", value=connections)
        yield GaugeMetricFamily("xueji_db_connections_max", "The database's connection limit.", value=maximum)
        last = Backup.objects.filter(status=BackupStatus.OK).order_by("-created_at").first()
        yield GaugeMetricFamily("xueji_backup_last_success_timestamp_seconds", "When the last complete backup was "
                                "taken (Unix time; 0: never).", value=last.created_at.timestamp() if last else 0)
        yield GaugeMetricFamily("xueji_backup_last_size_bytes", "Size of the last complete backup.",
                                value=last.size if last else 0)
        yield GaugeMetricFamily("xueji_alerts_open", "Open alerts for the system administrators.",
                                value=Alert.objects.filter(resolved_at__isnull=True).count())
        yield from self.replication()
        yield from self.integrity()

    def replication(self):
        from xueji.ops import replication

        status = replication.status()
        if status is None:  # SQLite: no replication
            return
        yield GaugeMetricFamily("xueji_db_standbys_replicating", "Standbys replicating from the primary (streaming "
                                "in pg_stat_replication, or the replica of DATABASE_REPLICA_URL in recovery).",
                                value=status["replicating"])
        yield GaugeMetricFamily("xueji_db_standbys_expected", "Standbys expected (XUEJI_REPLICATION_STANDBYS).",
                                value=status["expected"])
        lag = GaugeMetricFamily("xueji_db_replication_lag_seconds", "Replay lag of each standby (seconds), as the "
                                "primary sees it or as the replica says.", labels=["standby", "source"])
        for standby in status["standbys"]:
            if standby["lag_seconds"] is not None:
                lag.add_metric([standby["name"] or standby["client"], "primary"], standby["lag_seconds"])
        if status["replica"] and status["replica"]["lag_seconds"] is not None:
            lag.add_metric([status["replica"]["alias"], "replica"], status["replica"]["lag_seconds"])
        yield lag
        if status["max_lag"] is not None:
            yield GaugeMetricFamily("xueji_db_replication_lag_max_seconds", "The largest replay lag of the standbys.",
                                    value=status["max_lag"])

    def integrity(self):
        from xueji.ops.services import integrity_last

        ok = GaugeMetricFamily("xueji_integrity_ok", "Trusted verification: 1 when the machine's files matched "
                               "their SM3 manifest at its last check, 0 when not.", labels=["host"])
        at = GaugeMetricFamily("xueji_integrity_last_check_timestamp_seconds", "When each machine last verified "
                               "its files (Unix time).", labels=["host"])
        for check in integrity_last():
            ok.add_metric([check.host], 1 if check.status == "ok" else 0)
            at.add_metric([check.host], check.at.timestamp())
        yield ok
        yield at


def _networks() -> list:
    value = getattr(settings, "XUEJI_METRICS_ALLOWED", "127.0.0.1/32,::1/128")
    items = value.split(",") if isinstance(value, str) else value
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def allowed(request) -> bool:
    token = getattr(settings, "XUEJI_METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and digests_equal(header[7:].strip().encode(), token.encode()):
        return True
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(address in network for network in _networks())


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(counted) + generate_latest(database)


@requires(PUBLIC)  # no sign-in: the scraper is a machine; `allowed` is its check (addresses or token)
@never_cache
@require_GET
def metrics(request):
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
