"""Replication-lag monitoring (SECURITY.md control 26, T-BAK-02's monitor): the standbys' lag read from the primary
(pg_stat_replication) and the replica (pg_last_xact_replay_timestamp), in /metrics and on the status page; an alert
when a standby lags over XUEJI_REPLICATION_LAG_ALERT_SECONDS or fewer standbys replicate than expected, closed when
the cause goes away; the failover drill (`manage.py failover_drill`, ops/failover.py) against a real primary and
standby."""

import contextlib
import datetime as dt
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess  # the PostgreSQL server binaries of a throw-away primary and standby, fixed argument lists
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from xueji.core import clock
from xueji.ops import replication, services
from xueji.ops.models import Alert
from xueji.ops.tests.test_monitoring import _metric

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's replication views")


def test_on_sqlite_there_is_no_replication_to_watch(db, client, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    settings.XUEJI_REPLICATION_STANDBYS = 1
    assert replication.status() is None and services.replication_check() is None
    assert "xueji_db_replication_lag" not in client.get("/metrics").content.decode()
    assert not Alert.objects.exists()


@on_postgres
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_primary_with_no_standby_reports_none_and_alerts_when_one_is_expected(world, settings, client):
    status = replication.status()
    assert status["role"] == "primary" and status["standbys"] == [] and status["replicating"] == 0
    assert status["max_lag"] is None and not status["missing"] and not status["lagging"]
    now = clock.now()
    assert services.replication_check(now=now)["missing"] is False and not Alert.objects.exists()

    settings.XUEJI_REPLICATION_STANDBYS = 1  # a standby is configured: none replicating is an alert
    settings.XUEJI_REPLICA_MONITOR = "replica"  # the tests' replica alias mirrors the primary: not in recovery
    result = services.replication_check(now=now + dt.timedelta(minutes=1))
    assert result == {"replicating": 0, "max_lag": None, "missing": True, "lagging": False}
    alert = Alert.objects.get(key="replication_down", resolved_at__isnull=True)
    assert "1" in alert.message and "not a standby" in alert.message
    text = client.get("/metrics").content.decode()
    assert _metric(text, "xueji_db_standbys_replicating") == 0 and _metric(text, "xueji_db_standbys_expected") == 1
    client.force_login(world.user("anhui", "sysadmin"))
    page = client.get(reverse("ops:status")).content.decode()
    shown = page.split('data-testid="replication"')[1].split("</div>\n  </div></div></div>")[0]
    assert "text-danger" in shown and "not a standby" in shown

    settings.XUEJI_REPLICATION_STANDBYS, settings.XUEJI_REPLICA_MONITOR = 0, ""
    services.replication_check(now=now + dt.timedelta(minutes=2))
    assert Alert.objects.get(key="replication_down").resolved_at is not None


@on_postgres
def test_a_lag_over_the_threshold_raises_an_alert_closed_when_it_recovers(world, settings, client, monkeypatch):
    lag = {"value": 45.0}

    def standbys(cursor):
        cursor.execute(replication.PRIMARY_SQL)  # the real query (no rows here), then a standby behind
        return [{"name": "walreceiver", "client": "10.0.0.22", "state": "streaming", "sync_state": "sync",
                 "lag_seconds": lag["value"], "lag_bytes": 1024.0, "source": "primary"}]

    monkeypatch.setattr(replication, "primary_standbys", standbys)
    settings.XUEJI_REPLICATION_STANDBYS, settings.XUEJI_REPLICATION_LAG_ALERT_SECONDS = 1, 30
    now = clock.now()
    assert services.replication_check(now=now)["lagging"] is True
    alert = Alert.objects.get(key="replication_lag", resolved_at__isnull=True)
    assert "45" in alert.message and "30" in alert.message
    assert not Alert.objects.filter(key="replication_down").exists()
    assert services.replication_check(now=now) is None  # another worker this minute: done already
    text = client.get("/metrics").content.decode()
    assert _metric(text, "xueji_db_replication_lag_seconds", standby="walreceiver", source="primary") == 45
    assert _metric(text, "xueji_db_replication_lag_max_seconds") == 45
    lag["value"] = 2.0
    services.replication_check(now=now + dt.timedelta(minutes=1))
    assert Alert.objects.get(key="replication_lag").resolved_at is not None


# ------------------------------------------------------------------------------------------------ a real standby

def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), reverse=True)
    for candidate in [os.environ.get("XUEJI_PG_BIN_DIR", ""), *[str(Path(p).parent) for p in found]]:
        if candidate and all((Path(candidate) / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _primary_and_standby(*, synchronous: bool = False):
    """initdb a primary (wal_level=replica) on a free port, pg_basebackup -R a hot standby, start both; yields
    (folder, primary port, standby port); both stopped (immediate) and removed afterwards."""
    bindir = _bin_dir()
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="xueji-pgrepl-"))
    if os.geteuid() == 0:  # initdb refuses root: the clusters run as the postgres account
        as_user = ["runuser", "-u", "postgres", "--"]
        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
    primary, standby = _free_port(), _free_port()

    def run(*args):
        subprocess.run([*as_user, *map(str, args)], check=True, capture_output=True, timeout=60)  # noqa: S603

    started = []
    try:
        run(bindir / "initdb", "-D", folder / "p", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        with (folder / "p" / "postgresql.conf").open("a") as conf:
            conf.write(f"port={primary}\nlisten_addresses='127.0.0.1'\nunix_socket_directories='{folder}'\n"
                       "wal_level=replica\nmax_wal_senders=4\nfsync=off\n")
        run(bindir / "pg_ctl", "-D", folder / "p", "-l", folder / "p.log", "-w", "start")
        started.append("p")
        run(bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", primary, "-U", "postgres", "-D", folder / "r",
            "-R", "-X", "stream")
        with (folder / "r" / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port={standby}\n")
        run(bindir / "pg_ctl", "-D", folder / "r", "-l", folder / "r.log", "-w", "start")
        started.append("r")
        if synchronous:  # a commit returns once the standby has it (README, Failover drill, step 1)
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 user=postgres dbname=postgres port={primary}",
                                 autocommit=True) as main:
                main.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                main.execute("SELECT pg_reload_conf()")
        yield folder, primary, standby
    finally:
        for name in reversed(started):
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(folder / name), "-m", "immediate",  # noqa: S603
                            "stop"], capture_output=True, timeout=30, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.skipif(_bin_dir() is None, reason="PostgreSQL server binaries (initdb, pg_basebackup) not installed")
def test_a_streaming_replica_of_a_temporary_primary_reports_its_lag():
    """A real primary and hot standby: the primary sees one streaming standby with its lag, the standby its replay
    lag (0 once it replayed everything)."""
    import psycopg

    with _primary_and_standby() as (_folder, primary, standby):
        dsn = "host=127.0.0.1 user=postgres dbname=postgres port="
        with psycopg.connect(dsn + str(primary), autocommit=True) as main:
            main.execute("CREATE TABLE pupils (id int)")
            main.execute("INSERT INTO pupils SELECT generate_series(1, 100)")
            deadline = time.monotonic() + 10
            while True:
                standbys = replication.primary_standbys(main.cursor())
                if standbys and standbys[0]["state"] == "streaming" and standbys[0]["lag_bytes"] == 0:
                    break
                assert time.monotonic() < deadline, standbys
                time.sleep(0.1)
            assert len(standbys) == 1 and standbys[0]["lag_seconds"] is not None
            assert 0 <= standbys[0]["lag_seconds"] < 5 and standbys[0]["sync_state"] == "async"
            with psycopg.connect(dsn + str(standby), autocommit=True) as replica:
                lagged = replication.replica_lag(replica.cursor())
                assert lagged["in_recovery"] is True and lagged["lag_seconds"] == 0
                assert replica.execute("SELECT count(*) FROM pupils").fetchone() == (100,)
            # The primary's own connection is no standby.
            assert replication.replica_lag(main.cursor())["in_recovery"] is False


@pytest.mark.postgres
@pytest.mark.skipif(_bin_dir() is None, reason="PostgreSQL server binaries (initdb, pg_basebackup) not installed")
def test_the_failover_drill_loses_no_acknowledged_write_and_the_application_writes_on_the_promoted_standby(
        tmp_path):
    """`manage.py failover_drill` against a real primary and synchronous standby with the application migrated on
    it: writes under load, the primary crashed (pg_ctl -m immediate stop), the standby promoted, the application
    pointed at it. Every row committed before is there, no acknowledged write is lost (RPO 0 with a synchronous
    standby), the audit chain verifies, the application writes again, and the RTO and RPO are recorded there."""
    import psycopg

    with _primary_and_standby(synchronous=True) as (folder, primary, standby):
        url = "postgres://postgres@127.0.0.1:{}/xueji_drill"
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname=postgres port={primary}", autocommit=True) as main:
            main.execute("CREATE DATABASE xueji_drill")
        env = {**os.environ, "DATABASE_URL": url.format(primary), "XUEJI_VAR_DIR": str(tmp_path),
               "DJANGO_SETTINGS_MODULE": "config.settings.dev"}  # commits as deployed (the test settings turn
        # synchronous_commit off)
        env.pop("DATABASE_REPLICA_URL", None)
        env.pop("DATABASE_OWNER_URL", None)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, capture_output=True,  # noqa: S603
                       timeout=900)
        done = subprocess.run([*manage, "failover_drill", "--standby-url", url.format(standby),  # noqa: S603
                               "--primary-datadir", str(folder / "p"), "--writes", "100", "--json"],
                              env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print("failover drill:", {k: v for k, v in result.items() if k != "short_tables"})  # the figures, with -s
        assert result["ok"] and result["sync_state"] == "sync" and result["short_tables"] == {}
        assert result["acknowledged"] >= 100 and result["rpo_rows"] == 0
        assert result["survived"] == result["acknowledged"]
        assert result["chain_ok"] and 0 < result["promote_seconds"] <= result["rto_seconds"]
        with pytest.raises(psycopg.OperationalError):  # the old primary is gone
            psycopg.connect(f"host=127.0.0.1 user=postgres dbname=xueji_drill port={primary}", connect_timeout=3)
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname=xueji_drill port={standby}") as promoted:
            assert promoted.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
            recorded = promoted.execute("SELECT after FROM audit_auditevent WHERE action = 'ops.failover_drill' "
                                        "AND id = %s", (result["record_id"],)).fetchone()[0]
            assert recorded["rto_seconds"] == result["rto_seconds"] and recorded["rpo_rows"] == 0
            writes = promoted.execute("SELECT count(*) FROM audit_auditevent WHERE action = %s",
                                      ("ops.failover_drill.write",)).fetchone()[0]
            assert writes >= result["acknowledged"]
