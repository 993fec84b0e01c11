"""Operations' reads: the system status (系统状态) of the deployment for its system administrators."""

import datetime as dt
import functools
import shutil
import subprocess  # `git describe` with a fixed argument list, once per process
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xueji.accounts.permissions import Cap, require_cap
from xueji.core import clock
from xueji.ops import replication, services
from xueji.ops.models import Alert, Backup


@functools.cache
def version() -> str:
    """XUEJI_VERSION, else a VERSION file at the top of the project, else `git describe`, else the package's."""
    if getattr(settings, "XUEJI_VERSION", ""):
        return settings.XUEJI_VERSION
    base = Path(settings.BASE_DIR)
    if (base / "VERSION").is_file():
        return (base / "VERSION").read_text(encoding="utf-8").strip()
    git = shutil.which("git")
    if git and (base / ".git").exists():
        try:
            done = subprocess.run([git, "-C", str(base), "describe", "--always", "--dirty", "--tags"],  # noqa: S603
                                  capture_output=True, text=True, timeout=5, check=False)
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return "0.1.0"


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _disk(label: str, path: Path) -> dict:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    return {"label": label, "path": str(path), "free": usage.free, "total": usage.total,
            "percent_free": round(100 * usage.free / usage.total, 1) if usage.total else 0,
            "low": usage.free < settings.XUEJI_HEALTH_MIN_FREE_MB * 1024 * 1024}


def certificate() -> dict | None:
    """The TLS certificate's expiry, when XUEJI_TLS_CERT_PATH names the PEM file the proxy serves."""
    path = getattr(settings, "XUEJI_TLS_CERT_PATH", "")
    if not path:
        return None
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return {"path": path, "error": str(exc)[:200]}
    expires = cert.not_valid_after_utc
    days = (expires - clock.now()).days
    return {"path": path, "subject": cert.subject.rfc4514_string()[:200], "expires": expires, "days_left": days,
            "warn": days < getattr(settings, "XUEJI_TLS_WARN_DAYS", 30)}


def status_report(*, user) -> dict:
    """Everything the status page shows; only for a system administrator of the province (or the ministry)."""
    require_cap(user, Cap.OPS_VIEW)
    from django.db.models import Min, Q
    from django_tasks_db.models import DBTaskResult

    from xueji.jobs.models import Job, JobStatus
    from xueji.jobs.services import WORKER_BEAT_STALE_SECONDS, worker_status

    now = clock.now()
    last = services.last_backup()
    stale_hours = getattr(settings, "XUEJI_BACKUP_STALE_HOURS", 26)
    oldest = DBTaskResult.objects.aggregate(oldest=Min("run_after", filter=Q(status="READY",
                                                                           run_after__lte=now)))["oldest"]
    workers = worker_status()
    return {
        "version": version(),
        "database": connection.vendor,
        "unapplied": unapplied_migrations(),
        "workers": workers, "worker_stale_seconds": WORKER_BEAT_STALE_SECONDS,
        "queue_depth": DBTaskResult.objects.filter(status="READY").count(),
        "queue_oldest_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "failed_last_day": Job.objects.filter(status=JobStatus.FAILED,
                                              finished_at__gte=now - dt.timedelta(days=1)).count(),
        "disks": [_disk(label, Path(path)) for label, path in (
            ("database and logs", settings.VAR_DIR), ("files", settings.MEDIA_ROOT),
            ("backups", services.backups.backup_dir()))],
        "last_backup": last,
        "backup_age_hours": round((now - last["created_at"]).total_seconds() / 3600, 1) if last else None,
        "backup_stale": last is None or now - last["created_at"] > dt.timedelta(hours=stale_hours),
        "backup_stale_hours": stale_hours,
        "backups": list(Backup.objects.all()[:20]),
        "last_restore": last_restore(),
        "certificate": certificate(),
        "alerts": list(Alert.objects.filter(resolved_at__isnull=True)[:50]),
        "integrity": services.integrity_last(),
        "integrity_manifest": Path(getattr(settings, "XUEJI_INTEGRITY_MANIFEST", "")).is_file(),
        "replication": replication.status(),
    }


def last_restore() -> dict | None:
    """The latest restore (its audit row): which backup, when, and how long it took (the RTO of that drill)."""
    from xueji.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action="ops.restore").order_by("-pk").only(
        "created_at", "object_repr", "after").first()
    if event is None:
        return None
    return {"name": event.object_repr, "at": event.created_at, "seconds": (event.after or {}).get("seconds")}


def open_alert_count(*, user) -> int:
    return Alert.objects.filter(resolved_at__isnull=True).count()
