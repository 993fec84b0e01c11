"""The pupil counts (`StudentCount`): summary rows per class (per school for pupils without a class) by status and
registration state, kept by the registry's door in the same transaction as each change, and read by the menu, the
workbench, the list's total and the class lists instead of a COUNT over the pupils (issue 14).

Writing: `registry/services.py` calls `add` with the change of every group it touches (a pupil entered: +1 in its
group; a status change: -1 in the old group, +1 in the new one; a set-based move: the groups of its pupils before
and after, `moved`). One statement per batch: `INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + k`, the groups
in key order, so two transactions changing the same class's counts wait for each other's row and never lose an
update (nor deadlock). Nothing else writes these rows, except `rebuild` (`manage.py rebuild_counts`, the demo
generator after its COPY) which recomputes them from the pupils and says which groups differed.

Reading: `total(queryset)` is the SUM over the rows of a restricted queryset of StudentCount (the jurisdiction is a
join to the org paths, as for pupils); `filters_allow` says which list filters the rows can answer."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from xueji.registry.models import Student, StudentCount

# A group of pupils: (school id, class id or None, status, registration state).
Key = tuple[int, int | None, str, str]

_CHUNK = 150  # groups per INSERT (6 parameters each: within SQLite's limit)


def key_of(student: Student) -> Key:
    return (student.school_id, student.school_class_id, student.status, student.reg_status)


def _upsert_sql(rows: int) -> str:
    table = connection.ops.quote_name(StudentCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
    return (f"INSERT INTO {table} (school_id, school_class_id, class_key, status, reg_status, n) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (school_id, class_key, status, reg_status) "
            f"DO UPDATE SET n = {table}.n + excluded.n")


def add(changes: Mapping[Key, int]) -> None:
    """Add each group's change (+ entered or moved in, - left or moved out) to its summary row, in the caller's
    transaction: one upsert per 150 groups, in key order (two transactions lock the same rows in the same order)."""
    merged: Counter = Counter()
    for (school, klass, status, reg), n in changes.items():  # plain values: a choice's member hashes by its name
        merged[(int(school), int(klass or 0), int(klass) if klass else None, str(status), str(reg))] += n
    rows = sorted((key, n) for key, n in merged.items() if n)
    if not rows:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            params = [value for (school, key, klass, status, reg), n in chunk
                      for value in (school, klass, key, status, reg, n)]
            cursor.execute(_upsert_sql(len(chunk)), params)


def one(before: Key | None, after: Key | None) -> None:
    """One pupil moved from group `before` to `after` (None: not there: entered, deleted)."""
    if before == after:
        return
    changes: Counter = Counter()
    if before is not None:
        changes[before] -= 1
    if after is not None:
        changes[after] += 1
    add(changes)


def groups(ids: Sequence[int]) -> Counter:
    """The groups of these pupils as they stand (in the caller's transaction; the caller holds their locks)."""
    out: Counter = Counter()
    for start in range(0, len(ids), 5000):
        rows = (Student.objects.filter(pk__in=ids[start:start + 5000]).order_by()
                .values_list("school_id", "school_class_id", "status", "reg_status").annotate(c=Count("pk")))
        for school, klass, status, reg, c in rows:
            out[(school, klass, status, reg)] += c
    return out


def moved(before: Counter, after: Counter) -> None:
    """Pupils whose groups were `before` (`groups` read before the change) are now `after` (read after it)."""
    changes: Counter = Counter(after)
    changes.subtract(before)
    add(changes)


def counted(rows: Iterable[Key]) -> Counter:
    """The groups of new pupils, one key per pupil."""
    return Counter(rows)


# ---------------------------------------------------------------- rebuilding and checking

def fresh() -> dict[tuple, int]:
    """The groups counted from the pupils now (a COUNT over the whole table): what the summary must say."""
    rows = (Student.objects.order_by().values_list("school_id", "school_class_id", "status", "reg_status")
            .annotate(c=Count("pk")))
    return {(school, klass, status, reg): c for school, klass, status, reg, c in rows}


def stored() -> dict[tuple, int]:
    """The non-zero summary rows."""
    return {(school, klass, status, reg): n for school, klass, status, reg, n in StudentCount.objects.exclude(n=0)
            .values_list("school_id", "school_class_id", "status", "reg_status", "n")}


def differences() -> dict[tuple, tuple[int, int]]:
    """The groups where the summary disagrees with the pupils: key -> (stored, counted)."""
    have, want = stored(), fresh()
    return {key: (have.get(key, 0), want.get(key, 0)) for key in sorted(set(have) | set(want), key=repr)
            if have.get(key, 0) != want.get(key, 0)}


@transaction.atomic
def rebuild() -> int:
    """Recompute every summary row from the pupils, set-based (one INSERT ... SELECT ... GROUP BY), with writes to
    the pupils held off meanwhile (PostgreSQL: the pupil table locked in SHARE mode). Returns the groups written."""
    student, counts = (connection.ops.quote_name(m._meta.db_table) for m in (Student, StudentCount))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {student} IN SHARE MODE")
            cursor.execute(f"LOCK TABLE {counts} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {counts}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {counts} (school_id, school_class_id, class_key, status, reg_status, n) "  # noqa: S608
            f"SELECT school_id, school_class_id, COALESCE(school_class_id, 0), status, reg_status, COUNT(*) "
            f"FROM {student} GROUP BY school_id, school_class_id, status, reg_status")
        return cursor.rowcount


# ---------------------------------------------------------------- reading

def total(rows: QuerySet[StudentCount]) -> int:
    """The pupils the summary rows of `rows` (already restricted and narrowed) count: one SUM."""
    return rows.aggregate(n=Sum("n"))["n"] or 0
