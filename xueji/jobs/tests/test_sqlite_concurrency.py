"""Issue 6 item 16: on SQLite a job that reads a large query while reporting progress failed with "database is
locked" as soon as anyone else wrote (the progress UPDATE ran on the connection holding the read snapshot).
Here on a file-backed SQLite database with the production options (WAL, busy timeout), a writer thread commits
while the job iterates; the job's progress goes through its own connection and the job succeeds."""

import sqlite3
import threading

import pytest
from django.db import connection, connections

from xueji.jobs import registry
from xueji.jobs.models import Job, JobStatus
from xueji.jobs.services import job_run

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def file_sqlite(tmp_path, monkeypatch):
    """Move the test database into a file for one test (a copy made with SQLite's backup API)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    path = tmp_path / "xueji.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original = connections["default"]
    settings_dict = {**connections.settings["default"], "NAME": str(path), "TEST": {"NAME": str(path)}}
    monkeypatch.setitem(connections.settings, "default", settings_dict)
    moved = connections.create_connection("default")
    connections["default"] = moved
    try:
        yield path
    finally:
        moved.close()
        connections["default"] = original


def test_a_job_reading_many_rows_survives_a_concurrent_writer(world, file_sqlite, monkeypatch):
    user = world.user("tunxi_primary", "registrar")
    with connection.cursor() as cursor:  # the production options of config/settings/base.py
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 20_000
    Job.objects.bulk_create([Job(kind="test.row", title=f"row {n}", created_by=user, org_unit=user.org_unit,
                                 created_at=user.date_joined, status=JobStatus.SUCCEEDED) for n in range(3000)])
    wrote = threading.Event()
    errors = []

    def writer():
        try:
            for n in range(5):
                Job.objects.create(kind="test.other", title=f"other {n}", created_by=user, org_unit=user.org_unit,
                                   created_at=user.date_joined)
            wrote.set()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            wrote.set()
        finally:
            connections.close_all()

    def export(ctx):
        rows = 0
        for rows, _job in enumerate(Job.objects.filter(kind="test.row").iterator(chunk_size=500), start=1):
            if rows == 500:  # the read snapshot is open: now someone else writes and commits
                thread = threading.Thread(target=writer)
                thread.start()
                wrote.wait(30)
                thread.join()
            if rows % 500 == 0:
                ctx.progress(rows * 100 // 3000, f"{rows}/3000")
        return {"rows": rows}

    monkeypatch.setitem(registry._handlers, "test.export", export)
    job = Job.objects.create(kind="test.export", title="导出", created_by=user, org_unit=user.org_unit,
                             created_at=user.date_joined)

    job = job_run(job.pk)

    assert errors == []
    assert (job.status, job.result, job.error_detail) == (JobStatus.SUCCEEDED, {"rows": 3000}, "")
    assert "3000/3000" in job.log
    assert Job.objects.filter(kind="test.other").count() == 5
