"""The change feed at scale (xueji/interface): the cost of a page by the cursor index at 100,000 and 1,000,000
changes, and the triggers' cost on a set-based UPDATE of every pupil. Run on a PostgreSQL database of its own:

    createdb -h 127.0.0.1 -U postgres xueji_feedbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_feedbench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py shell < bench/interface_feed_bench.py

Results: bench/results/interface-feed.md."""

import time

from django.db import connection

from xueji.interface import services, triggers
from xueji.registry.models import Student
from xueji.testing import build_world


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else None


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def fill(count: int, model_pk: int) -> float:
    """`count` copies of one pupil by one INSERT ... SELECT (the triggers fire once, over the transition table)."""
    columns = [f.column for f in Student._meta.concrete_fields if f.column != "id"]
    # No national number (unique through its blind index: the copies get none, nor its indexes).
    chosen = ", ".join("NULL" if c.startswith("national_number") else c for c in columns)
    return timed(lambda: sql(f"INSERT INTO {triggers.STUDENT_TABLE} ({', '.join(columns)}) SELECT {chosen} "  # noqa: S608
                             f"FROM {triggers.STUDENT_TABLE}, generate_series(1, %s) WHERE id = %s",
                             [count, model_pk]))


def triggers_enabled(enable: bool) -> None:
    for name in ("interface_student_inserted", "interface_student_updated", "interface_student_deleted"):
        sql(f"ALTER TABLE {triggers.STUDENT_TABLE} {'ENABLE' if enable else 'DISABLE'} TRIGGER {name}")


def main() -> None:
    if not Student.objects.exists():
        build_world()
    first = Student.objects.order_by("pk").first().pk
    page = f"SELECT * FROM {triggers.CHANGE_TABLE} WHERE seq > %s ORDER BY seq LIMIT 1000"  # noqa: S608
    for target in (100_000, 1_000_000):
        have = Student.objects.count()
        if have < target:
            print(f"insert {target - have} pupils, triggers on: {fill(target - have, first):.1f} s")
        print(f"stamp: {timed(lambda: services.changes_stamp(limit=10_000_000)):.1f} s")
        _count, head = sql(f"SELECT count(*), max(seq) FROM {triggers.CHANGE_TABLE}")[0]  # noqa: S608
        for cursor in (0, head // 2, head - 500):
            print(f"  a page at cursor {cursor}: {1000 * timed(lambda c=cursor: sql(page, [c])):.1f} ms")
        for line in sql(f"EXPLAIN (ANALYZE, BUFFERS) {page}", [head // 2])[:4]:
            print("  " + line[0])
    for enable in (False, True):
        triggers_enabled(enable)
        seconds = timed(lambda: sql(f"UPDATE {triggers.STUDENT_TABLE} "  # noqa: S608
                                    "SET health = CASE WHEN health = '10' THEN '20' ELSE '10' END"))
        print(f"UPDATE of every pupil, triggers {'on' if enable else 'off'}: {seconds:.1f} s")
    print(f"stamp: {timed(lambda: services.changes_stamp(limit=10_000_000)):.1f} s")


main()
