"""`manage.py purge_audit_log`: the one way audit rows leave, past 185 days at least, itself audited.
Runs on SQLite and PostgreSQL (as the owner; the application's role is refused: test_db_roles.py)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from xueji.audit.models import AuditEvent
from xueji.core import clock


@pytest.fixture(autouse=True)
def archive_key(settings, tmp_path):
    """The purge archives what it deletes, signed: a key for these tests."""
    from xueji.core.crypto import sm2_generate_key

    settings.XUEJI_AUDIT_ARCHIVE_KEY = sm2_generate_key().private_key
    settings.XUEJI_AUDIT_ARCHIVE_DIR = tmp_path


@pytest.fixture
def ages(db):
    now = clock.now()
    return {days: AuditEvent.objects.create(created_at=now - dt.timedelta(days=days), action=f"test.age{days}").pk
            for days in (400, 186, 184, 1)}


def _left(ages):
    return sorted(days for days, pk in ages.items() if AuditEvent.objects.filter(pk=pk).exists())


def test_purge_deletes_rows_past_retention_only_and_audits_itself(ages, capsys):
    call_command("purge_audit_log")

    assert _left(ages) == [1, 184]
    assert "Deleted 2 audit rows older than 185 days" in capsys.readouterr().out
    purge = AuditEvent.objects.get(action="audit.purge")
    assert (purge.actor_username, purge.after["deleted"], purge.after["retention_days"]) == ("system", 2, 185)


def test_a_longer_retention_keeps_more(ages):
    call_command("purge_audit_log", days=365)

    assert _left(ages) == [1, 184, 186]


@pytest.mark.parametrize("days", [184, 30, 0, -1])
def test_retention_below_185_days_is_refused_and_deletes_nothing(ages, days):
    with pytest.raises(CommandError, match="at least 185 days"):
        call_command("purge_audit_log", days=days)

    assert _left(ages) == [1, 184, 186, 400]
    assert not AuditEvent.objects.filter(action="audit.purge").exists()


@override_settings(XUEJI_AUDIT_RETENTION_DAYS=90)
def test_a_configured_retention_below_185_days_is_refused_too(ages):
    with pytest.raises(CommandError, match="at least 185 days"):
        call_command("purge_audit_log")

    assert _left(ages) == [1, 184, 186, 400]


def test_a_dry_run_counts_and_deletes_nothing(ages, capsys):
    call_command("purge_audit_log", dry_run=True)

    assert "2 audit rows are older than 185 days" in capsys.readouterr().out
    assert _left(ages) == [1, 184, 186, 400]


def test_the_door_closes_after_the_purge(ages):
    call_command("purge_audit_log")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")  # noqa: S608
    assert _left(ages) == [1, 184]


def test_the_deployment_check_warns_when_the_application_owns_the_tables():
    from xueji.audit.checks import owner_role_warnings

    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "xueji", "USER": "xueji"}
    assert [w.id for w in owner_role_warnings(pg, None)] == ["xueji.W001"]
    assert [w.id for w in owner_role_warnings(pg, {**pg})] == ["xueji.W001"]
    assert owner_role_warnings(pg, {**pg, "USER": "xueji_owner"}) == []
    assert owner_role_warnings({"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3"}, None) == []
