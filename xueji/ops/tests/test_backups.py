"""Backups (issue 11, item 10): a backup and its restore bring every table and every file back identical, on the
database the suite runs on (SQLite's online backup API, PostgreSQL's pg_dump / pg_restore); a wrong key, a damaged
part or an altered manifest is refused precisely with nothing touched; the retention keeps N daily and M weekly;
the daily one runs once a day from the worker's maintenance; the promotion takes one before it starts."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xueji.accounts.models import User
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core.errors import XuejiError
from xueji.jobs.models import JobStatus
from xueji.jobs.services import job_run
from xueji.ops import backups, services
from xueji.ops.choices import BackupStatus
from xueji.ops.models import Backup
from xueji.ops.tests.conftest import file_state, table_state
from xueji.schools.models import School
from xueji.testing import build_world


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_every_table_and_every_file_back_identical(ops):
    world = build_world()
    files = Path(ops / "files")
    tables, kept_files = table_state(), file_state(files)
    backup = services.backup_create(reason="round trip")
    manifest = json.loads((Path(backup.path) / "manifest.json").read_text())
    assert manifest["vendor"] in ("sqlite", "postgresql") and manifest["files_count"] == 2
    assert manifest["migrations"]["ops"] == ["0001_initial", "0002_cache_table", "0003_integrity_alert"]
    assert manifest["key_id"] == backups.keys().key_id
    # Nothing of the dump is readable without the key: the parts are ciphertext.
    assert b"SQLite format" not in (Path(backup.path) / "database.enc").read_bytes()[:64]
    assert b"proof" not in (Path(backup.path) / "files.enc").read_bytes()

    # Then everything changes: rows updated, deleted and added (the audit log too), files altered, gone and new.
    School.objects.update(name="改了")
    User.objects.filter(pk=world.user("tunxi", "leader").pk).delete()
    audit_record(actor=None, username="system", action="test.after_backup", object_type="x")
    (files / "proofs" / "2026" / "proof.pdf").write_bytes(b"changed")
    (files / "uploads" / "名单.xlsx").unlink()
    (files / "new.txt").write_text("new")
    assert table_state() != tables and file_state(files) != kept_files

    result = services.backup_restore(path=Path(backup.path) / "manifest.json")
    assert result["files"] == 2
    after = table_state()
    assert [t for t in tables if after.get(t) != tables[t]] == []  # every table as it was, row for row
    assert set(after) == set(tables)
    assert file_state(files) == kept_files  # every file as it was, no more, no less

    # The restored database holds the rows of before the backup: the disk is recorded again, and audited.
    assert not Backup.objects.filter(name=backup.name).exists()
    services.restore_record(result=result)
    assert Backup.objects.get(name=backup.name).status == BackupStatus.OK
    assert AuditEvent.objects.filter(action="ops.restore", object_repr=backup.name).count() == 1


def _damaged(path: Path) -> bytes:
    original = path.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return original


@pytest.mark.django_db(transaction=True)
def test_a_wrong_key_a_damaged_part_or_an_altered_manifest_is_refused_with_nothing_touched(ops, settings):
    build_world(with_students=False)
    made = services.backup_create(reason="checks")
    folder = Path(made.path)
    School.objects.update(name="改了")  # what a restore would undo
    tables, kept = table_state(), file_state(ops / "files")

    key = settings.XUEJI_BACKUP_KEY
    settings.XUEJI_BACKUP_KEY = "another key"
    with pytest.raises(XuejiError) as refused:
        services.backup_restore(path=folder)
    assert refused.value.code == "backup_wrong_key" and "XUEJI_BACKUP_KEY" in str(refused.value)
    settings.XUEJI_BACKUP_KEY = key

    for part in ("database.enc", "files.enc"):
        original = _damaged(folder / part)
        with pytest.raises(CommandError, match=f"{part} does not match its checksum"):
            call_command("restore", str(folder), yes=True)
        (folder / part).write_bytes(original)

    manifest_path = folder / "manifest.json"
    text = manifest_path.read_text()
    manifest = json.loads(text)
    manifest["files_count"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(XuejiError) as refused:
        services.backup_restore(path=manifest_path)
    assert refused.value.code == "backup_bad_manifest"
    manifest_path.write_text(text)

    with pytest.raises(XuejiError) as missing:
        services.backup_restore(path=ops / "nothing-here")
    assert missing.value.code == "backup_not_found"
    assert table_state() == tables and file_state(ops / "files") == kept  # nothing restored by any of them


@pytest.mark.django_db(transaction=True)
def test_the_backup_command_records_audits_and_prunes(ops, capsys):
    build_world(with_students=False)
    call_command("backup", reason="by hand")
    backup = Backup.objects.get()
    assert backup.status == BackupStatus.OK and backup.reason == "by hand" and backup.size > 0
    assert backup.checksum == backups.manifest_checksum(Path(backup.path))
    assert AuditEvent.objects.filter(action="ops.backup", object_id=str(backup.pk), success=True).exists()
    assert backup.path in capsys.readouterr().out


def test_a_failed_backup_is_recorded_audited_and_alerted(db, ops, settings, mailoutbox):
    world = build_world(with_students=False)
    sysadmin = world.user("anhui", "sysadmin")
    User.objects.filter(pk=sysadmin.pk).update(email="admin@example.cn")
    blocker = ops / "not-a-folder"
    blocker.write_text("x")
    settings.XUEJI_BACKUP_DIR = blocker / "backups"
    with pytest.raises(XuejiError):
        services.backup_create(reason="doomed")
    failed = Backup.objects.get()
    assert failed.status == BackupStatus.FAILED and failed.error
    assert AuditEvent.objects.filter(action="ops.backup", success=False).count() == 1
    assert [m.to for m in mailoutbox] == [["admin@example.cn"]]


def _fake(root: Path, name: str, at: dt.datetime) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({
        "format": backups.FORMAT, "name": name, "created_at": at.isoformat(), "vendor": "sqlite",
        "parts": {"database": {"size": 1}, "files": {"size": 1}}}))


def test_the_retention_keeps_the_newest_of_n_days_and_m_weeks(db, ops, settings):
    settings.XUEJI_BACKUP_KEEP_DAILY, settings.XUEJI_BACKUP_KEEP_WEEKLY = 3, 2
    root = backups.backup_dir()
    now = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.UTC)  # a Wednesday
    for days in range(0, 30):
        for hour in (1, 3):  # two a day: the newer of each day is the one kept
            _fake(root, f"b-{days:02d}-{hour}", now - dt.timedelta(days=days, hours=hour))
    old_partial = root / "xueji-partial"
    old_partial.mkdir()
    os.utime(old_partial, (now.timestamp() - 3 * 86400,) * 2)
    pruned = services.backups_prune(now=now)
    left = sorted(p.name for p in root.iterdir() if p.is_dir())
    # the last three days, and the newest of this week (day 0) and of last week (Sunday, day 3)
    assert left == ["b-00-1", "b-01-1", "b-02-1", "b-03-1"]
    assert "xueji-partial" in pruned and len(pruned) == 60 - 4 + 1


@pytest.mark.django_db(transaction=True)
def test_the_daily_backup_runs_once_a_day_after_its_hour(ops, settings):
    build_world(with_students=False)
    settings.XUEJI_BACKUP_HOUR = 2
    night = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)  # 01:30 in Beijing
    assert services.backup_daily(now=night) is None
    morning = night + dt.timedelta(hours=1)  # 02:30
    first = services.backup_daily(now=morning)
    assert first and Backup.objects.filter(status=BackupStatus.OK).count() == 1
    assert services.backup_daily(now=morning + dt.timedelta(hours=5)) is None  # once a day
    settings.XUEJI_BACKUP_DAILY = False
    assert services.backup_daily(now=morning + dt.timedelta(days=1)) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_maintenance_runs_the_operations_work(ops, settings):
    from xueji.jobs.registry import periodic
    from xueji.jobs.services import jobs_maintain

    build_world(with_students=False)
    assert {"ops.backup_daily", "ops.cleanup", "ops.alerts"} <= set(periodic())
    settings.XUEJI_OPS_PERIODIC = True
    settings.XUEJI_BACKUP_HOUR = 0
    ran = jobs_maintain()["periodic"]
    assert ran["ops.backup_daily"]["backup"] == Backup.objects.get().name
    assert ran["ops.cleanup"]["log_files"] == 0 and ran["ops.alerts"]["backup_stale"] is False
    again = jobs_maintain()["periodic"]  # a minute later: nothing due
    assert again["ops.backup_daily"] is None and again["ops.cleanup"] is None
    settings.XUEJI_OPS_PERIODIC = False
    assert jobs_maintain()["periodic"]["ops.alerts"] is None


@pytest.mark.django_db(transaction=True)
def test_the_promotion_takes_a_full_backup_before_it_starts(ops, settings):
    from xueji.schoolyear import services as schoolyear

    world = build_world()
    settings.XUEJI_BACKUP_BEFORE_PROMOTION = True
    job = schoolyear.promotion_start(actor=world.user("anhui", "registrar"))
    done = job_run(job.pk)
    assert done.status == JobStatus.SUCCEEDED, done.error_detail
    backup = Backup.objects.get(name=done.result["full_backup"])
    assert backup.reason.startswith("promotion run") and backup.created_at <= done.finished_at
    promoted = AuditEvent.objects.filter(action="schoolyear.promote").order_by("pk").first()
    backed_up = AuditEvent.objects.get(action="ops.backup", object_id=str(backup.pk))
    assert promoted is None or backed_up.pk < promoted.pk


def test_a_promotion_whose_backup_fails_does_not_start(db, ops, settings):
    from xueji.schoolyear import services as schoolyear

    world = build_world()
    settings.XUEJI_BACKUP_BEFORE_PROMOTION = True
    (ops / "blocker").write_text("x")
    settings.XUEJI_BACKUP_DIR = ops / "blocker" / "backups"
    years = list(School.objects.order_by("pk").values_list("year_start", flat=True))
    job = schoolyear.promotion_start(actor=world.user("anhui", "registrar"))
    done = job_run(job.pk)
    assert done.status == JobStatus.FAILED
    assert list(School.objects.order_by("pk").values_list("year_start", flat=True)) == years
    assert not AuditEvent.objects.filter(action="schoolyear.promote").exists()


def test_the_sm4_stream_is_the_standard_cipher():
    """GB/T 32907-2016's example: key = plaintext = 0123456789abcdeffedcba9876543210 gives 681edf34...; CTR with a
    counter block P encrypts P as the keystream, so its XOR with the plaintext is the ciphertext."""
    from xueji.core.crypto import sm4_ctr

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    block = sm4_ctr(key, key).update(bytes(16))  # the counter block is the key itself: E(K, K)
    assert block.hex() == "681edf34d206965e86b3e94f536e4246"
