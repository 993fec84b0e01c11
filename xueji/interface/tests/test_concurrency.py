"""The feed on PostgreSQL with real concurrent transactions: a change whose transaction commits after a client read
a higher cursor is still handed out (cursors are stamped only once every transaction that could write a lower one
is over), so a client following the feed never skips one."""

import pytest
from django.db import connection

from xueji.interface.models import StudentChange
from xueji.interface.tests.helpers import caller, register
from xueji.interface.tests.test_feed import drain

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL transactions")]

_TOUCH = "UPDATE registry_student SET health = '30' WHERE id = %s"


def _open():
    other = connection.copy()
    other.ensure_connection()
    other.set_autocommit(False)
    return other


@pytest.mark.parametrize("b_first", [True, False], ids=["later-writer-has-older-xid", "later-writer-has-newer-xid"])
def test_a_change_committed_after_a_higher_one_was_read_is_not_skipped(transactional_db, world, b_first):
    client, secret = register(world, scope="tunxi")
    http = caller(client, secret)
    _changes, cursor, _entries = drain(http)
    a, b = world.students["tunxi_primary"], world.students["tunxi_middle"]
    conn_a, conn_b = _open(), _open()
    try:
        if b_first:  # B's transaction takes its id first (a write elsewhere), so B's id is below A's
            with conn_b.cursor() as sql:
                sql.execute("UPDATE schools_school SET name = name WHERE id = %s", [b.school_id])
        with conn_a.cursor() as sql:
            sql.execute(_TOUCH, [a.pk])  # A's change row takes the lower id, and A stays open
        with conn_b.cursor() as sql:
            sql.execute(_TOUCH, [b.pk])
        conn_b.commit()
        seen_first, cursor, _entries = drain(http, cursor)
        assert ("updated", a.pk) not in seen_first  # not committed: invisible
        conn_a.commit()
        seen_then, cursor, _entries = drain(http, cursor)
    finally:
        conn_a.close()
        conn_b.close()
    assert sorted(seen_first + seen_then) == sorted([("updated", a.pk), ("updated", b.pk)])
    rows = {row.student_id: row for row in StudentChange.objects.filter(student_id__in=[a.pk, b.pk], op="U")}
    assert rows[a.pk].id < rows[b.pk].id  # an id cursor would have passed A's change by when B's was read
    assert rows[a.pk].seq > rows[b.pk].seq or not seen_first  # the cursor put A after B, or held B back
