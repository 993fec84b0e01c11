"""Operations' writes: backups (make, restore, record, prune, the daily one), the cleanup per retention, and the
alerts for the system administrators. Each is audited; the periodic ones (registered in apps.py into the job
worker's maintenance, `jobs.registry.register_periodic`) are cheap when there is nothing to do, and idempotent."""

import datetime as dt
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils.translation import gettext as _

from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import XuejiError
from xueji.ops import backups, integrity, replication, retention
from xueji.ops.choices import AlertKind, BackupStatus
from xueji.ops.models import Alert, Backup, IntegrityCheck, Mark

logger = logging.getLogger(__name__)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def periodic(fn):
    """The worker's maintenance runs `fn` unless XUEJI_OPS_PERIODIC is off (the tests, whose other apps run the
    maintenance and must not find backups, cleanups and alerts in it; the ops tests call the work themselves)."""

    def run() -> Any:
        return fn() if _setting("XUEJI_OPS_PERIODIC", True) else None

    run.__name__ = getattr(fn, "__name__", "periodic")
    return run


# ------------------------------------------------------------------------------------------------ backups

def _record(made: backups.Made, *, reason: str, seconds: float) -> Backup:
    backup, _created = Backup.objects.update_or_create(name=made.name, defaults={
        "status": BackupStatus.OK, "reason": reason[:128], "vendor": made.manifest["vendor"], "size": made.size,
        "checksum": made.checksum, "path": str(made.folder), "error": "", "seconds": round(seconds, 3),
        "created_at": dt.datetime.fromisoformat(made.manifest["created_at"])})
    return backup


def backup_create(*, reason: str = "manual", actor=None) -> Backup:
    """Take a full backup now (database and files, encrypted, checksummed), record and audit it. A failure is
    recorded (a failed row, an audit row, an alert) and raised."""
    began = time.monotonic()
    try:
        with backups.Lock():
            made = backups.make(reason=reason)
    except Exception as exc:
        logger.exception("backup (%s) failed", reason)
        now = clock.now()
        with transaction.atomic():
            failed = Backup.objects.create(name=f"failed-{now:%Y%m%dT%H%M%S}-{time.monotonic_ns() % 100000}",
                                           status=BackupStatus.FAILED, reason=reason[:128],
                                           vendor=connection.vendor, path="", created_at=now,
                                           error=f"{type(exc).__name__}: {exc}"[:4000],
                                           seconds=round(time.monotonic() - began, 3))
            audit_record(actor=actor, username="system", action="ops.backup", obj=failed, success=False,
                         after={"reason": reason, "error": str(exc)[:500]})
            alert_raise(kind=AlertKind.BACKUP_FAILED, key="backup_failed",
                        message=_("The backup failed: %(error)s") % {"error": str(exc)[:300]},
                        detail={"reason": reason, "backup": failed.pk})
        if isinstance(exc, XuejiError):
            raise
        raise XuejiError(f"The backup failed: {exc}", code="backup_failed") from exc
    with transaction.atomic():
        backup = _record(made, reason=reason, seconds=time.monotonic() - began)
        audit_record(actor=actor, username="system", action="ops.backup", obj=backup,
                     after={"name": made.name, "reason": reason, "size": made.size, "checksum": made.checksum,
                            "files": made.manifest["files_count"]})
        alerts_resolve(keys=["backup_failed", "backup_stale"])
    return backup


def backup_restore(*, path: str | Path) -> dict:
    """Overwrite the database and the files with a backup's (checked first: key, checksums). Writes nothing of its
    own: the database is the backup's now. `restore_record` audits it and records the backups on disk again."""
    folder, manifest = backups.read_manifest(path)
    began = time.monotonic()
    with backups.Lock():
        result = backups.restore(folder, manifest)
    # The recovery time (RTO) of this restore, from the check of the parts to the files in place.
    return {**result, "seconds": round(time.monotonic() - began, 3)}


def restore_record(*, result: dict, actor=None) -> None:
    """After a restore: the backups on disk recorded again (the restored rows are the backup's), one audit row."""
    synced = backups_sync()
    audit_record(actor=actor, username="system", action="ops.restore", object_type="ops.backup",
                 object_repr=result["name"], after={**result, "synced": synced})


def backups_sync() -> dict:
    """Record what the disk holds (the source of truth): every complete backup a row, rows of folders gone pruned."""
    seen, added = set(), 0
    for folder, manifest in backups.list_manifests():
        seen.add(manifest["name"])
        size = sum(part["size"] for part in manifest["parts"].values())
        _backup, created = Backup.objects.update_or_create(name=manifest["name"], defaults={
            "status": BackupStatus.OK, "vendor": manifest["vendor"], "size": size, "path": str(folder),
            "checksum": backups.manifest_checksum(folder), "reason": manifest.get("reason", "")[:128],
            "created_at": dt.datetime.fromisoformat(manifest["created_at"])})
        added += created
    gone = Backup.objects.filter(status=BackupStatus.OK).exclude(name__in=seen).update(status=BackupStatus.PRUNED)
    return {"on_disk": len(seen), "added": added, "gone": gone}


def keep_set(manifests: list[dict], *, daily: int, weekly: int) -> set[str]:
    """The retention policy: the newest backup of each of the last `daily` days that have one, and of each of the
    last `weekly` ISO weeks (days and weeks in Beijing time)."""
    days: dict[dt.date, str] = {}
    weeks: dict[tuple[int, int], str] = {}
    for manifest in sorted(manifests, key=lambda m: m["created_at"], reverse=True):
        local = dt.datetime.fromisoformat(manifest["created_at"]).astimezone(clock.SHANGHAI)
        days.setdefault(local.date(), manifest["name"])
        weeks.setdefault(tuple(local.isocalendar())[:2], manifest["name"])
    keep = {days[day] for day in sorted(days, reverse=True)[:daily]}
    keep |= {weeks[week] for week in sorted(weeks, reverse=True)[:weekly]}
    return keep


def backups_prune(*, now: dt.datetime | None = None) -> list[str]:
    """Delete the backups the policy no longer keeps (XUEJI_BACKUP_KEEP_DAILY, XUEJI_BACKUP_KEEP_WEEKLY), and
    folders of backups that never completed (no manifest) older than a day."""
    now = now or clock.now()
    found = backups.list_manifests()
    keep = keep_set([m for _f, m in found], daily=_setting("XUEJI_BACKUP_KEEP_DAILY", 7),
                    weekly=_setting("XUEJI_BACKUP_KEEP_WEEKLY", 4))
    pruned = []
    for folder, manifest in found:
        if manifest["name"] not in keep:
            shutil.rmtree(folder, ignore_errors=True)
            pruned.append(manifest["name"])
    root = backups.backup_dir()
    if root.is_dir():
        for folder in root.iterdir():
            if (folder.is_dir() and not (folder / backups.MANIFEST).exists()
                    and dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC) < now - dt.timedelta(days=1)):
                shutil.rmtree(folder, ignore_errors=True)
                pruned.append(folder.name)
    if pruned:
        Backup.objects.filter(name__in=pruned).update(status=BackupStatus.PRUNED)
    return pruned


def last_backup() -> dict | None:
    """The newest complete backup, from the disk (the source of truth)."""
    found = backups.list_manifests()
    if not found:
        return None
    folder, manifest = found[0]
    return {"name": manifest["name"], "created_at": dt.datetime.fromisoformat(manifest["created_at"]),
            "size": sum(part["size"] for part in manifest["parts"].values()), "path": str(folder),
            "reason": manifest.get("reason", "")}


def backup_daily(*, now: dt.datetime | None = None) -> dict | None:
    """The worker's daily backup: once a day after XUEJI_BACKUP_HOUR (Beijing time), then the retention's prune.
    Off with XUEJI_BACKUP_DAILY = False (the tests)."""
    if not _setting("XUEJI_BACKUP_DAILY", True):
        return None
    now = now or clock.now()
    local = now.astimezone(clock.SHANGHAI)
    if local.hour < _setting("XUEJI_BACKUP_HOUR", 2):
        return None
    last = last_backup()
    if last and last["created_at"].astimezone(clock.SHANGHAI).date() >= local.date():
        return None
    if Backup.objects.filter(status=BackupStatus.FAILED, created_at__gte=now - dt.timedelta(hours=1)).exists():
        return None  # a failure is tried again an hour later, not every minute
    if not _due("backup.daily", every=dt.timedelta(hours=1), now=now):
        return None  # another worker (on this node or another) took it within the hour
    backup = backup_create(reason="daily")
    return {"backup": backup.name, "pruned": backups_prune(now=now)}


def backup_before_work(*, reason: str) -> dict | None:
    """The taker of core.backups (the yearly promotion calls it before it starts). Off with
    XUEJI_BACKUP_BEFORE_PROMOTION = False; a failed backup raises and the work does not start."""
    if not _setting("XUEJI_BACKUP_BEFORE_PROMOTION", True):
        return None
    backup = backup_create(reason=reason)
    return {"name": backup.name, "size": backup.size, "checksum": backup.checksum}


# ------------------------------------------------------------------------------------------------ cleanup

def _old_files(folder: Path, *, cutoff: dt.datetime) -> list[Path]:
    if not folder.is_dir():
        return []
    return [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()
            and dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < cutoff]


def _sessions_clear(*, now: dt.datetime) -> int:
    """Delete the sessions past their expiry (the idle timeout moves it forward): Django's clearsessions, at the
    system's clock. An engine without a session table (cache, signed cookies) clears its own."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    model = getattr(engine.SessionStore, "get_model_class", None)
    if model is None:
        engine.SessionStore.clear_expired()
        return 0
    deleted, _by_model = model().objects.filter(expire_date__lt=now).delete()
    return deleted


def cleanup_run(*, now: dt.datetime | None = None, actor=None) -> dict:
    """Everything past its retention (the schedule: ops/retention.py), in one pass and one audit row with the
    counts: application log files older
    than XUEJI_LOG_RETENTION_DAYS (at least 185 days: 网络安全法 keeps logs six months) in XUEJI_LOG_DIR, the job
    files and expired exports (the jobs' own cleanup: result files past their expiry, kept inputs), the backups
    the retention policy drops and the expired sessions. The audit log itself is not purged here (`purge_audit_log`)."""
    from xueji.jobs.services import job_files_cleanup

    now = now or clock.now()
    days = max(int(_setting("XUEJI_LOG_RETENTION_DAYS", 185)), 185)
    log_dir = Path(_setting("XUEJI_LOG_DIR", None) or Path(settings.VAR_DIR) / "log")
    logs = _old_files(log_dir, cutoff=now - dt.timedelta(days=days))
    for path in logs:
        path.unlink(missing_ok=True)
    jobs = job_files_cleanup(now=now)
    pruned = backups_prune(now=now)
    sessions = _sessions_clear(now=now)
    schedule = retention.purge(now=now)
    result = {"log_files": len(logs), "log_retention_days": days, "job_result_files": jobs["result_files"],
              "job_inputs": jobs["inputs"], "backups_pruned": len(pruned), "sessions": sessions, **schedule}
    audit_record(actor=actor, username="system", action="ops.cleanup", object_type="ops.cleanup",
                 object_repr=f"{len(logs)} log files, {jobs['result_files']} job files, {len(pruned)} backups, "
                             f"{sessions} sessions, {schedule['messages']} messages, {schedule['problems']} problem "
                             f"records, {schedule['pupils_anonymised']} pupils anonymised",
                 after={**result, "logs": [p.name for p in logs][:200], "backups": pruned[:200]})
    return result


def _due(name: str, *, every: dt.timedelta, now: dt.datetime) -> bool:
    """Whether periodic work `name` is due, marking it done when it is (one conditional UPDATE: of two workers
    only one wins)."""
    if Mark.objects.filter(name=name, at__lte=now - every).update(at=now):
        return True
    _mark, created = Mark.objects.get_or_create(name=name, defaults={"at": now})
    return created


def cleanup_daily(*, now: dt.datetime | None = None) -> dict | None:
    now = now or clock.now()
    if not _due("cleanup", every=dt.timedelta(hours=24), now=now):
        return None
    return cleanup_run(now=now)


def record_macs_daily(*, now: dt.datetime | None = None) -> dict | None:
    """Once a day in the worker's maintenance: the record MACs of every pupil and role assignment verified
    (`registry.integrity.verify_all`, SECURITY.md row 23); rows that do not match raise the alert
    `integrity_mismatch` (one open alert, counting), naming the first of them."""
    from xueji.registry import integrity

    now = now or clock.now()
    if not _due("record_macs", every=dt.timedelta(hours=24), now=now):
        return None
    found = integrity.verify_all(by="ops.record_macs_daily")
    if found["students_mismatched"] or found["roles_mismatched"]:
        alert_raise(kind=AlertKind.INTEGRITY_MISMATCH, key="integrity_mismatch",
                    message=_("%(students)s pupil record(s) and %(roles)s role assignment(s) do not match their "
                              "integrity codes: changed outside the system (manage.py record_macs names them).")
                    % {"students": len(found["students_mismatched"]), "roles": len(found["roles_mismatched"])},
                    detail={"students": found["students_mismatched"][:100], "roles": found["roles_mismatched"][:100]})
    return found


# ------------------------------------------------------------------------------------------------ alerts

def _recipients() -> list[str]:
    """The system administrators of the deployment's top level (province, ministry) with an address, and ADMINS."""
    from xueji.accounts.models import Role, User

    mails = set(User.objects.filter(is_active=True, role_assignments__role=Role.SYSADMIN,
                                    org_unit__kind__in=("province", "ministry")).exclude(email="")
                .values_list("email", flat=True))
    mails |= {address for _name, address in getattr(settings, "ADMINS", [])}
    return sorted(mails)


def alert_raise(*, kind: str, key: str, message: str, detail: dict | None = None) -> tuple[Alert, bool]:
    """Open the alert `key`, or count one more occurrence of the open one (idempotent: never two open alerts of one
    key, and one mail per alert, when it opens)."""
    now = clock.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(key=key, resolved_at__isnull=True).first()
        if alert is not None:
            Alert.objects.filter(pk=alert.pk).update(count=alert.count + 1, last_at=now, message=message,
                                                     detail=detail or {})
            return alert, False
        alert = Alert.objects.create(kind=kind, key=key, message=message, detail=detail or {}, opened_at=now,
                                     last_at=now)
        audit_record(actor=None, username="system", action="ops.alert", obj=alert,
                     after={"kind": kind, "key": key, "message": message})
    recipients = _recipients()
    if recipients:
        try:
            send_mail(subject=f"[Xueji] {alert.get_kind_display()}", message=message, from_email=None,
                      recipient_list=recipients, fail_silently=False)
            Alert.objects.filter(pk=alert.pk).update(mailed_to=len(recipients))
        except Exception:  # the alert stays open and on the status page
            logger.exception("alert %s: mail failed", key)
    logger.error("ALERT %s: %s", key, message)
    return alert, True


def alerts_resolve(*, keys: list[str]) -> int:
    return Alert.objects.filter(key__in=keys, resolved_at__isnull=True).update(resolved_at=clock.now())


def alerts_check(*, now: dt.datetime | None = None) -> dict:
    """Every minute in the worker's maintenance: jobs that failed since the last check (one open alert per kind of
    job, counting), and a stale backup (none complete within XUEJI_BACKUP_STALE_HOURS while the daily backup is
    on; closed by the next backup)."""
    from xueji.jobs.models import Job, JobStatus

    now = now or clock.now()
    mark, _created = Mark.objects.get_or_create(name="alerts.jobs", defaults={"at": now})
    # Several workers run this every minute: the one whose conditional UPDATE moves the mark from what it read
    # takes the window (mark, now]; the others find it taken and count nothing twice.
    claimed = Mark.objects.filter(name="alerts.jobs", at=mark.at).update(at=now) if mark.at < now else 0
    failed = list(Job.objects.filter(status=JobStatus.FAILED, finished_at__gt=mark.at, finished_at__lte=now)
                  .order_by("finished_at").values("pk", "kind", "title")) if claimed else []
    by_kind: dict[str, list[dict]] = {}
    for job in failed:
        by_kind.setdefault(job["kind"], []).append(job)
    for kind, jobs in by_kind.items():
        alert_raise(kind=AlertKind.JOBS_FAILED, key=f"jobs_failed:{kind}",
                    message=_("%(count)s job(s) of kind %(kind)s failed, the last: %(title)s (job %(pk)s).")
                    % {"count": len(jobs), "kind": kind, "title": jobs[-1]["title"], "pk": jobs[-1]["pk"]},
                    detail={"jobs": [j["pk"] for j in jobs][:100]})
    stale = None
    if _setting("XUEJI_BACKUP_DAILY", True):
        hours = _setting("XUEJI_BACKUP_STALE_HOURS", 26)
        last = last_backup()
        stale = last is None or last["created_at"] < now - dt.timedelta(hours=hours)
        if stale:
            alert_raise(kind=AlertKind.BACKUP_STALE, key="backup_stale",
                        message=_("No complete backup in the last %(hours)s hours (the last: %(last)s).")
                        % {"hours": hours, "last": last["created_at"].astimezone(clock.SHANGHAI).strftime(
                            "%Y-%m-%d %H:%M") if last else _("none")})
        else:
            alerts_resolve(keys=["backup_stale"])
    return {"failed_jobs": len(failed), "backup_stale": stale}


# ------------------------------------------------------------------------------------------------ trusted verification

def _host() -> str:
    import socket

    return socket.gethostname()[:50]


def integrity_verify(*, source: str, root: Path | None = None, manifest: Path | None = None,
                     now: dt.datetime | None = None) -> IntegrityCheck | None:
    """Trusted verification (可信验证) of this machine's files against the SM3 manifest (xueji/ops/integrity.py):
    recorded (the status page shows the last) and audited (`ops.integrity`); a changed, added or removed file, or
    an unreadable manifest, is an alarm: the audit row fails and the security administrators get an intrusion
    alert naming the files (accounts.alerts.integrity_alert). No manifest (development): None, nothing recorded."""
    from xueji.accounts.alerts import integrity_alert

    result = integrity.verify(Path(root or settings.BASE_DIR),
                              Path(manifest or _setting("XUEJI_INTEGRITY_MANIFEST", "")))
    if result.status == "no_manifest":
        return None
    now = now or clock.now()
    host = _host()
    detail = result.as_dict()
    with transaction.atomic():
        check = IntegrityCheck.objects.create(
            host=host, source=source[:16], status=result.status, at=now, files=result.files,
            manifest_digest=result.manifest_digest,
            differences={key: detail[key] for key in ("changed", "added", "removed", "error") if detail[key]})
        event = audit_record(actor=None, username="system", action="ops.integrity", obj=check, success=result.ok,
                             after={"host": host, "source": source, **detail})
        if not result.ok:
            integrity_alert(host=host, evidence=detail, audit_id=getattr(event, "pk", None), now=now)
    if not result.ok:
        logger.error("ALERT integrity on %s (%s): changed %s, added %s, removed %s %s", host, source,
                     result.changed[:20], result.added[:20], result.removed[:20], result.error)
    return check


def integrity_on_start() -> IntegrityCheck | None:
    """The job worker's start (jobs.registry.register_startup): every worker process verifies its machine once."""
    return integrity_verify(source="start")


def integrity_periodic(*, now: dt.datetime | None = None) -> dict | None:
    """The maintenance's verification every XUEJI_INTEGRITY_MINUTES: once per machine (the files are each
    machine's own, so the mark is per host; of the workers on one host, one takes it)."""
    if not Path(_setting("XUEJI_INTEGRITY_MANIFEST", "")).is_file():
        return None
    now = now or clock.now()
    if not _due(f"integrity:{_host()}", every=dt.timedelta(minutes=_setting("XUEJI_INTEGRITY_MINUTES", 60)),
                now=now):
        return None
    check = integrity_verify(source="periodic", now=now)
    return {"status": check.status, "files": check.files} if check else None


def integrity_last() -> list[IntegrityCheck]:
    """The last verification of each machine (the status page), newest first."""
    seen, last = set(), []
    for check in IntegrityCheck.objects.order_by("-at", "-id")[:200]:
        if check.host not in seen:
            seen.add(check.host)
            last.append(check)
    return last


# ------------------------------------------------------------------------------------------------ replication

def replication_check(*, now: dt.datetime | None = None) -> dict | None:
    """Every minute in the worker's maintenance (one worker a minute): the replicas' lag (xueji/ops/replication.py).
    An alert when a standby lags more than XUEJI_REPLICATION_LAG_ALERT_SECONDS, and one when fewer standbys than
    XUEJI_REPLICATION_STANDBYS replicate (or the replica of DATABASE_REPLICA_URL does not answer); each closed
    when its cause goes away. Nothing on SQLite, nor with no standby expected and none there."""
    now = now or clock.now()
    status = replication.status()
    if status is None or not _due("replication", every=dt.timedelta(seconds=55), now=now):
        return None
    if status["missing"]:
        alert_raise(kind=AlertKind.REPLICATION_DOWN, key="replication_down",
                    message=_("%(expected)s standby(s) expected, %(found)s replicating. %(error)s")
                    % {"expected": status["expected"], "found": status["replicating"],
                       "error": status["error"] or ""}, detail={"standbys": status["standbys"]})
    else:
        alerts_resolve(keys=["replication_down"])
    if status["lagging"]:
        alert_raise(kind=AlertKind.REPLICATION_LAG, key="replication_lag",
                    message=_("Replication lag %(lag)s s, over the limit of %(limit)s s.")
                    % {"lag": round(status["max_lag"], 1), "limit": status["threshold"]},
                    detail={"standbys": status["standbys"]})
    else:
        alerts_resolve(keys=["replication_lag"])
    return {"replicating": status["replicating"], "max_lag": status["max_lag"], "missing": status["missing"],
            "lagging": status["lagging"]}
