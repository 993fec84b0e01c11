"""The audit log is append-only: the application cannot change or delete a row, and neither can plain SQL.

Runs on SQLite and PostgreSQL (DATABASE_URL=postgres://... pytest): each has its own triggers."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from xueji.audit.maintenance import audit_maintenance
from xueji.audit.models import AuditEvent
from xueji.audit.services import audit_record
from xueji.core.errors import Forbidden

TABLE = AuditEvent._meta.db_table


@pytest.fixture
def event(db):
    return audit_record(actor=None, username="system", action="test.event", object_repr="before")


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _unchanged(event):
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.action, row.object_repr) == ("test.event", "before")


def test_a_saved_event_cannot_be_saved_again(event):
    event.object_repr = "after"

    with pytest.raises(Forbidden):
        event.save()

    _unchanged(event)


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(Forbidden):
        event.delete()

    _unchanged(event)


def test_querysets_cannot_update_or_delete(event):
    with pytest.raises(Forbidden):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="after")
    with pytest.raises(Forbidden):
        AuditEvent.objects.all().delete()
    event.object_repr = "after"
    with pytest.raises(Forbidden), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["object_repr"])

    _unchanged(event)


def test_the_database_refuses_a_raw_update(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(f"UPDATE {TABLE} SET object_repr = %s WHERE id = %s", ["after", event.pk])

    _unchanged(event)


def test_the_database_refuses_a_raw_delete(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])

    _unchanged(event)


def test_the_database_refuses_emptying_the_table(event):
    # PostgreSQL's TRUNCATE skips row triggers, so it has its own; SQLite has no TRUNCATE.
    statement = f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}"

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(statement)

    _unchanged(event)


def test_the_query_planner_shortcut_is_blocked_too(event):
    """Django's _raw_delete issues a plain DELETE without model checks; the trigger still says no."""
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)

    _unchanged(event)


def test_the_maintenance_door_deletes_but_never_updates(event):
    """Emptying a test database (flush) and purging past retention are the only reasons to open it."""
    with audit_maintenance():
        with pytest.raises(DatabaseError), transaction.atomic():
            _raw(f"UPDATE {TABLE} SET object_repr = %s WHERE id = %s", ["after", event.pk])
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])

    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    other = audit_record(actor=None, username="system", action="test.event", object_repr="before")
    with pytest.raises(DatabaseError), transaction.atomic():  # the door closes after the block
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [other.pk])


def test_flush_can_empty_a_test_database(event):
    """Live-server and PostgreSQL concurrency tests end with Django's flush (see conftest.py)."""
    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_write_audit_rows():
    """This test's teardown flushes the database; it used to fail on the audit triggers."""
    audit_record(actor=None, username="system", action="test.event")

    assert AuditEvent.objects.count() == 1
