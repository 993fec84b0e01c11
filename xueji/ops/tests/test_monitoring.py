"""Monitoring (issue 11, item 11): /metrics in Prometheus' format for allowed addresses or the token only, the
slow-request log, the system status page for the province's system administrator, and the alerts (failed jobs,
stale backups) mailed once and counted, never duplicated; the cleanup per retention (item 12)."""

import datetime as dt
import json
import logging
import os
from pathlib import Path

from django.urls import reverse

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.jobs.models import Job, JobStatus
from xueji.ops import services
from xueji.ops.choices import BackupStatus
from xueji.ops.models import Alert, Backup


def _metric(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, value = line.rsplit(" ", 1)
        if series.split("{")[0] != name:
            continue
        if all(f'{key}="{value_}"' in series for key, value_ in labels.items()):
            return float(value)
    return 0.0


def test_metrics_answer_the_allowed_address_and_the_token_only(db, client, settings):
    settings.XUEJI_METRICS_TOKEN = "scrape-token-123"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-token-123")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    settings.XUEJI_METRICS_ALLOWED = "10.0.0.0/8"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_count_requests_logins_and_the_job_queue(world, client):
    before = client.get("/metrics").content.decode()
    client.get(reverse("healthz"))
    client.post(reverse("accounts:login"), {"username": world.user("tunxi", "registrar").username,
                                             "password": "wrong-password"}, REMOTE_ADDR="198.51.100.7")
    user = world.user("tunxi", "registrar")
    Job.objects.create(kind="exchange.export", title="t", status=JobStatus.FAILED, created_by=user,
                       org_unit=user.org_unit, created_at=clock.now(), finished_at=clock.now())
    text = client.get("/metrics").content.decode()
    assert (_metric(text, "xueji_http_requests_total", view="healthz", method="GET", status="200")
            == _metric(before, "xueji_http_requests_total", view="healthz", method="GET", status="200") + 1)
    assert _metric(text, "xueji_http_request_duration_seconds_count", view="healthz") >= 1
    assert _metric(text, "xueji_login_failures_total") == _metric(before, "xueji_login_failures_total") + 1
    assert _metric(text, "xueji_jobs", status="failed") == 1
    assert _metric(text, "xueji_jobs_failed_last_day") == 1
    for name in ("xueji_job_queue_depth", "xueji_job_queue_oldest_seconds", "xueji_workers_alive",
                 "xueji_db_connections", "xueji_backup_last_success_timestamp_seconds", "xueji_alerts_open",
                 "xueji_logins_total"):
        assert f"\n{name}" in text or text.startswith(name) or f"# TYPE {name}" in text, name


def test_a_slow_request_is_logged_with_its_view_time_and_queries(world, client, settings, caplog):
    settings.XUEJI_SLOW_REQUEST_MS = 0
    with caplog.at_level(logging.WARNING, logger="xueji.slow_request"):
        client.get(reverse("healthz"))
    assert not caplog.records  # off
    settings.XUEJI_SLOW_REQUEST_MS = 0.001
    with caplog.at_level(logging.WARNING, logger="xueji.slow_request"):
        client.get(reverse("healthz"))
    line = json.loads(caplog.records[-1].getMessage())
    assert line["view"] == "healthz" and line["status"] in (200, 503) and line["queries"] >= 1 and line["ms"] > 0


def test_the_status_page_is_for_the_province_system_administrator(world, client, django_assert_max_num_queries):
    url = reverse("ops:status")
    for unit, role in (("anhui", "registrar"), ("tunxi", "sysadmin"), ("tunxi_primary", "sysadmin"),
                       ("anhui", "auditor")):
        client.force_login(world.user(unit, role))
        assert client.get(url).status_code == 403, (unit, role)
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world.user("anhui", "sysadmin"))
    with django_assert_max_num_queries(30):
        page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="version"' in text and 'data-testid="migrations"' in text
    assert "No complete backup yet." in text or "尚无完整备份" in text


def test_the_status_page_shows_the_last_backup_the_alerts_and_the_certificate(world, client, settings, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xueji.example.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=10))
            .sign(key, hashes.SHA256()))
    pem = tmp_path / "cert.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings.XUEJI_TLS_CERT_PATH = str(pem)
    services.alert_raise(kind="backup_stale", key="backup_stale", message="No complete backup in 26 hours")
    client.force_login(world.user("anhui", "sysadmin"))
    text = client.get(reverse("ops:status")).content.decode()
    assert 'data-alert="backup_stale"' in text
    certificate = text.split('data-testid="certificate"')[1].split("</dd>")[0]
    expiry = (now + dt.timedelta(days=10)).astimezone(clock.SHANGHAI).date()
    assert "text-danger" in certificate  # ten days left: shown as urgent, with the expiry date
    assert expiry.isoformat() in certificate or (expiry - dt.timedelta(days=1)).isoformat() in certificate


def test_alerts_for_failed_jobs_and_a_stale_backup_are_mailed_once(world, settings, mailoutbox, ops):
    sysadmin = world.user("anhui", "sysadmin")
    User.objects.filter(pk=sysadmin.pk).update(email="ops@anhui.example.cn")
    settings.XUEJI_BACKUP_DAILY = False  # no daily backups: no backup is stale
    assert services.alerts_check() == {"failed_jobs": 0, "backup_stale": None}  # marks the time
    assert not Alert.objects.exists()
    user = world.user("tunxi", "registrar")
    for n in range(2):
        Job.objects.create(kind="exchange.export", title=f"导出 {n}", status=JobStatus.FAILED, created_by=user,
                           org_unit=user.org_unit, created_at=clock.now(), finished_at=clock.now())
    settings.XUEJI_BACKUP_DAILY = True
    result = services.alerts_check(now=clock.now() + dt.timedelta(seconds=1))
    assert result == {"failed_jobs": 2, "backup_stale": True}
    assert set(Alert.objects.filter(resolved_at__isnull=True).values_list("key", flat=True)) == {
        "jobs_failed:exchange.export", "backup_stale"}
    assert len(mailoutbox) == 2 and all(m.to == ["ops@anhui.example.cn"] for m in mailoutbox)
    # Checked again: the same open alerts, counted, no new mail (idempotent).
    services.alerts_check(now=clock.now() + dt.timedelta(seconds=2))
    assert Alert.objects.get(key="backup_stale").count == 2 and len(mailoutbox) == 2
    assert Alert.objects.count() == 2
    assert AuditEvent.objects.filter(action="ops.alert").count() == 2
    # A fresh backup closes the stale-backup alert.
    folder = Path(settings.XUEJI_BACKUP_DIR) / "xueji-fresh"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({
        "format": "xueji-backup/1", "name": "xueji-fresh", "created_at": clock.now().isoformat(),
        "vendor": "sqlite", "parts": {"database": {"size": 1}, "files": {"size": 1}}}))
    services.alerts_check(now=clock.now() + dt.timedelta(seconds=3))
    assert Alert.objects.get(key="backup_stale").resolved_at is not None


def test_the_cleanup_deletes_what_is_past_its_retention_and_audits_one_row(world, ops, settings):
    settings.XUEJI_LOG_RETENTION_DAYS = 30  # never below 185: logs are kept six months (网络安全法)
    log = Path(settings.XUEJI_LOG_DIR)
    log.mkdir()
    old, recent, kept = log / "xueji.log.1", log / "xueji.log", log / "xueji.log.2"
    for path in (old, recent, kept):
        path.write_text("log line\n")
    stamp = (clock.now() - dt.timedelta(days=200)).timestamp()
    os.utime(old, (stamp, stamp))
    stamp = (clock.now() - dt.timedelta(days=100)).timestamp()
    os.utime(kept, (stamp, stamp))
    user = world.user("tunxi", "registrar")
    job = Job.objects.create(kind="exchange.export", title="导出", status=JobStatus.SUCCEEDED, created_by=user,
                             org_unit=user.org_unit, created_at=clock.now(), result_file="jobs/1/export.xlsx",
                             file_expires_at=clock.now() - dt.timedelta(days=1))
    Job.objects.filter(pk=job.pk).update(result_file=f"jobs/{job.pk}/export.xlsx")
    export = Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk) / "export.xlsx"
    export.parent.mkdir(parents=True)
    export.write_bytes(b"PK")
    result = services.cleanup_run()
    assert result["log_files"] == 1 and result["log_retention_days"] == 185 and result["job_result_files"] == 1
    assert not old.exists() and recent.exists() and kept.exists() and not export.exists()
    event = AuditEvent.objects.get(action="ops.cleanup")
    assert event.after["log_files"] == 1 and event.after["job_result_files"] == 1
    # Once a day from the worker: the second run the same day does nothing.
    assert services.cleanup_daily() is not None and services.cleanup_daily() is None
    assert Backup.objects.filter(status=BackupStatus.OK).count() == 0
