"""The pupil counts (`StudentCount`): summary rows per class (per school for pupils without a class) by status and
registration state, kept by the registry's door in the same transaction as each change, and read by the menu, the
workbench, the list's total and the class lists instead of a COUNT over the pupils (issue 14).

Writing: `registry/services.py` calls `add` with the change of every group it touches (a pupil entered: +1 in its
group; a status change: -1 in the old group, +1 in the new one; a set-based move: the groups of its pupils before
and after, `moved`). One statement per batch: `INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + k`, the groups
in key order, so two transactions changing the same class's counts wait for each other's row and never lose an
update (nor deadlock). Nothing else writes these rows, except `rebuild` (`manage.py rebuild_counts`, the demo
generator after its COPY) which recomputes them from the pupils and says which groups differed.

Three tables, each kept by its own upsert in that order (class, school, county; each in key order, so every
transaction locks the rows of all three in one global order): `StudentCount` per class (a class list's counts, a
class filter), `SchoolStudentCount` per school with the school's org path (a school's totals, a school filter) and
`CountyStudentCount` per county authority with the county's path (an authority's totals: a county reads its own
few rows, a city or the province its counties' rows, found by the path index; none of them grows with the number
of schools or classes). The county of a change is looked up in the same statement for one school's changes (the
common case: a pupil's door, an import), by one query per batch for several schools' (a move between schools).

Reading: `total(queryset)` is the SUM over the rows of a restricted queryset of any of them
(registry.selectors.student_count picks the coarsest table that answers the user and the filters)."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from xueji.core.db import upsert_add
from xueji.registry.models import CountyStudentCount, SchoolStudentCount, Student, StudentCount
from xueji.schools.models import School

# A group of pupils: (school id, class id or None, status, registration state).
Key = tuple[int, int | None, str, str]

_CHUNK = 150  # groups per INSERT (6 parameters each: within SQLite's limit)


def key_of(student: Student) -> Key:
    return (student.school_id, student.school_class_id, student.status, student.reg_status)


_SQL_TYPE = {"n": "integer"}


def _upsert(table: str, columns: Sequence[str], key: Sequence[str], rows: list[tuple], *,
            value: str = "") -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n, `rows` already in key order, by chunks;
    `value`: the SQL of one row's VALUES (default: a placeholder per column)."""
    if connection.vendor == "postgresql" and not value:  # many groups (a graduation): arrays, not placeholders
        upsert_add(table, columns, [_SQL_TYPE.get(c, "bigint" if c.endswith(("_id", "_key")) else "text")
                                    for c in columns], key, rows)
        return
    quoted = connection.ops.quote_name(table)
    value = value or "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            cursor.execute(f"INSERT INTO {quoted} ({', '.join(columns)}) VALUES {', '.join([value] * len(chunk))} "  # noqa: S608
                           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {quoted}.n + excluded.n",
                           [item for row in chunk for item in row])


def _paths(school_ids) -> dict[int, str]:
    return dict(School.objects.filter(pk__in=list(school_ids)).values_list("pk", "org_unit__path"))


def _path_of_school() -> str:
    """A scalar subquery giving the org path of the school whose id is its parameter."""
    school, org = (connection.ops.quote_name(m._meta.db_table)
                   for m in (School, School._meta.get_field("org_unit").related_model))
    return f"(SELECT o.path FROM {school} s JOIN {org} o ON o.id = s.org_unit_id WHERE s.id = %s)"  # noqa: S608


def add(changes: Mapping[Key, int]) -> None:
    """Add each group's change (+ entered or moved in, - left or moved out) to its summary rows, per class, per
    school and per county, in the caller's transaction: one upsert per table (per 150 groups), in key order, so two
    transactions lock the same rows in the same order."""
    merged: Counter = Counter()
    for (school, klass, status, reg), n in changes.items():  # plain values: a choice's member hashes by its name
        merged[(int(school), int(klass or 0), int(klass) if klass else None, str(status), str(reg))] += n
    rows = sorted((key, n) for key, n in merged.items() if n)
    if not rows:
        return
    _upsert(StudentCount._meta.db_table, ("school_id", "class_key", "school_class_id", "status", "reg_status", "n"),
            ("school_id", "class_key", "status", "reg_status"), [(*key, n) for key, n in rows])
    for watcher in _WATCHERS.values():
        if watcher.classes is not None:
            watcher.classes(rows)
    by_school: Counter = Counter()
    for (school, _key, _klass, status, reg), n in rows:
        by_school[(school, status, reg)] += n
    columns, key = ("school_id", "status", "reg_status", "path", "n"), ("school_id", "status", "reg_status")
    if len(by_school) > _CHUNK:
        # Many schools' (a graduation of a province): their org paths read once, not a subquery per row.
        paths = _paths({school for school, _status, _reg in by_school})
        schools = [(*key_, paths[key_[0]], n) for key_, n in sorted(by_school.items()) if n]
        _upsert(SchoolStudentCount._meta.db_table, columns, key, schools)
    else:
        schools = [(*key_, key_[0], n) for key_, n in sorted(by_school.items()) if n]
        _upsert(SchoolStudentCount._meta.db_table, columns, key, schools,
                value=f"(%s, %s, %s, {_path_of_school()}, %s)")
    _add_counties([(school, status, reg, n) for school, status, reg, _school, n in schools])


def _county_of_school() -> tuple[str, str]:
    """Scalar subqueries giving the county id and the county's org path of the school whose id is the parameter."""
    school, org = (connection.ops.quote_name(m._meta.db_table)
                   for m in (School, School._meta.get_field("org_unit").related_model))
    return (f"(SELECT s.county_id FROM {school} s WHERE s.id = %s)",  # noqa: S608
            f"(SELECT o.path FROM {school} s JOIN {org} o ON o.id = s.county_id WHERE s.id = %s)")  # noqa: S608


def _add_counties(schools: list[tuple[int, str, str, int]]) -> None:
    """The schools' changes (school, status, registration state, n), added to their counties' rows. One school's
    (nearly every call): its county found in the upsert itself, each group once (so no row is affected twice).
    Several schools': their counties read first (one query), the changes summed per county and upserted in the
    county's key order, so that two transactions lock the same county rows in the same order."""
    if not schools:  # a move between classes of one school
        return
    columns, key = ("county_id", "path", "status", "reg_status", "n"), ("county_id", "status", "reg_status")
    if len({school for school, *_rest in schools}) == 1:
        county, path = _county_of_school()
        _upsert(CountyStudentCount._meta.db_table, columns, key,
                [(school, school, status, reg, n) for school, status, reg, n in schools],
                value=f"({county}, {path}, %s, %s, %s)")
        return
    where = {pk: (county, path) for pk, county, path in School.objects.filter(
        pk__in={school for school, *_rest in schools}).values_list("pk", "county_id", "county__path")}
    by_county: Counter = Counter()
    for school, status, reg, n in schools:
        by_county[(*where[school], status, reg)] += n
    _upsert(CountyStudentCount._meta.db_table, columns, key,
            [(*group, n) for group, n in sorted(by_county.items()) if n])


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


def groups(ids: Sequence[int], **narrow) -> Counter:
    """The groups of these pupils as they stand (in the caller's transaction; the caller holds their locks), of
    those matching `narrow` (e.g. reg_status="draft") when given."""
    out: Counter = Counter()
    for start in range(0, len(ids), 5000):
        rows = (Student.objects.filter(pk__in=ids[start:start + 5000], **narrow).order_by()
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
    """The non-zero summary rows per class."""
    return {(school, klass, status, reg): n for school, klass, status, reg, n in StudentCount.objects.exclude(n=0)
            .values_list("school_id", "school_class_id", "status", "reg_status", "n")}


def _schools_of(groups: Mapping[tuple, int]) -> dict[tuple, int]:
    paths = _paths({key[0] for key in groups})
    out: Counter = Counter()
    for (school, _klass, status, reg), n in groups.items():
        out[(school, paths.get(school, ""), status, reg)] += n
    return {key: n for key, n in out.items() if n}


def stored_schools() -> dict[tuple, int]:
    """The non-zero summary rows per school, keyed (school, path, status, registration state)."""
    return {(school, path, status, reg): n for school, path, status, reg, n in SchoolStudentCount.objects
            .exclude(n=0).values_list("school_id", "path", "status", "reg_status", "n")}


def _counties_of(groups: Mapping[tuple, int]) -> dict[tuple, int]:
    where = {pk: (county, path) for pk, county, path in School.objects.filter(pk__in={key[0] for key in groups})
             .values_list("pk", "county_id", "county__path")}
    out: Counter = Counter()
    for (school, _klass, status, reg), n in groups.items():
        out[(*where[school], status, reg)] += n
    return {key: n for key, n in out.items() if n}


def stored_counties() -> dict[tuple, int]:
    """The non-zero summary rows per county, keyed (county, path, status, registration state)."""
    return {(county, path, status, reg): n for county, path, status, reg, n in CountyStudentCount.objects
            .exclude(n=0).values_list("county_id", "path", "status", "reg_status", "n")}


def differences() -> dict[tuple, tuple[int, int]]:
    """The groups where the summary disagrees with the pupils: key -> (stored, counted); a school's row is keyed
    ("school", school id, path, status, registration state), a county's ("county", county id, path, status,
    registration state)."""
    counted = fresh()
    out = {}
    for have, want, tag in ((stored(), counted, ()), (stored_schools(), _schools_of(counted), ("school",)),
                            (stored_counties(), _counties_of(counted), ("county",))):
        for key in sorted(set(have) | set(want), key=repr):
            if have.get(key, 0) != want.get(key, 0):
                out[(*tag, *key)] = (have.get(key, 0), want.get(key, 0))
    return out


# ---------------------------------------------------------------- watchers: the summaries of the apps above

@dataclass(frozen=True)
class Watcher:
    """A summary of pupils kept by an app above the registry (reports: pupils by county, stage, cohort, sex, ethnic
    group, hukou, ...), registered from its AppConfig.ready: `read(ids)` the groups of these pupils as they stand
    (its own key), `apply(changes)` adds a Counter of group changes to its rows in the caller's transaction,
    `rebuild()` recomputes them from scratch (called by `rebuild` below)."""

    name: str
    read: Callable[[Sequence[int]], Counter]
    apply: Callable[[Counter], None]
    rebuild: Callable[[], int]
    # the per-class changes `add` writes ((school, class key, class or None, status, registration), n), in key order
    classes: Callable[[list], None] | None = None
    # the same groups with another status (its own key), so that a door changing only the status of every pupil it
    # read before does not read them again (`after(..., status=)`)
    restatus: Callable[[Counter, str], Counter] | None = None


_WATCHERS: dict[str, Watcher] = {}


def watch(watcher: Watcher) -> None:
    _WATCHERS[watcher.name] = watcher


@dataclass
class Watched:
    """The watchers' groups of some pupils read before a door's write (`before`), for `after`."""

    ids: list[int]
    groups: list[Counter]


def merged(one: Watched, other: Watched) -> Watched:
    """Two reads of `before` (of disjoint pupils) as one, for one `after` of a door's whole batch."""
    if not one.groups:
        return other
    groups = []
    for a, b in zip(one.groups, other.groups, strict=True):
        total = Counter(a)
        total.update(b)
        groups.append(total)
    return Watched([*one.ids, *other.ids], groups)


def before(ids: Iterable[int] = ()) -> Watched:
    """Before a door writes these pupils (inside its transaction, their rows locked or about to be changed by one
    statement): the watchers' groups of them as they stand."""
    ids = sorted({int(pk) for pk in ids})
    return Watched(ids, [w.read(ids) if ids else Counter() for w in _WATCHERS.values()])


def after(seen: Watched, new: Iterable[int] = (), *, status: str | None = None, macs: bool = True) -> None:
    """After the write: the pupils' groups read again (with `new`: pupils the door inserted), the difference added
    to each watcher's summary. A deleted pupil has no group after. `status`: the door changed only the status of
    every pupil read before, to this one: a watcher that can restate its groups (`restatus`) is not read again.
    The record MACs of the pupils written are refreshed (`integrity.refresh`) unless `macs` is False (a door that
    writes none of their items: status, registration, identity-check state) or only the status changed."""
    ids = sorted(set(seen.ids) | {int(pk) for pk in new})
    if macs and (status is None or new):  # the record MACs of what the door wrote (integrity.py)
        from xueji.registry import integrity

        integrity.refresh(ids)
    for watcher, was in zip(_WATCHERS.values(), seen.groups, strict=True):
        if status is not None and watcher.restatus is not None and not new:
            changes = watcher.restatus(was, status)
        else:
            changes = watcher.read(ids) if ids else Counter()
        changes.subtract(was)
        watcher.apply(changes)


@transaction.atomic
def rebuild() -> int:
    """Recompute every summary row from the pupils, set-based (one INSERT ... SELECT ... GROUP BY per table), with
    writes to the pupils held off meanwhile (PostgreSQL: the pupil table locked in SHARE mode). Returns the groups
    (per class) written."""
    student, counts, schools, counties, school, org = (connection.ops.quote_name(m._meta.db_table) for m in (
        Student, StudentCount, SchoolStudentCount, CountyStudentCount, School,
        School._meta.get_field("org_unit").related_model))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {student} IN SHARE MODE")
            cursor.execute(f"LOCK TABLE {counts}, {schools}, {counties} IN EXCLUSIVE MODE")
        for table in (counts, schools, counties):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {counts} (school_id, school_class_id, class_key, status, reg_status, n) "  # noqa: S608
            f"SELECT school_id, school_class_id, COALESCE(school_class_id, 0), status, reg_status, COUNT(*) "
            f"FROM {student} GROUP BY school_id, school_class_id, status, reg_status")
        groups = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {schools} (school_id, path, status, reg_status, n) "  # noqa: S608
            f"SELECT c.school_id, o.path, c.status, c.reg_status, SUM(c.n) FROM {counts} c "
            f"JOIN {school} s ON s.id = c.school_id JOIN {org} o ON o.id = s.org_unit_id "
            f"GROUP BY c.school_id, o.path, c.status, c.reg_status")
        cursor.execute(
            f"INSERT INTO {counties} (county_id, path, status, reg_status, n) "  # noqa: S608
            f"SELECT s.county_id, o.path, c.status, c.reg_status, SUM(c.n) FROM {schools} c "
            f"JOIN {school} s ON s.id = c.school_id JOIN {org} o ON o.id = s.county_id "
            f"GROUP BY s.county_id, o.path, c.status, c.reg_status")
    for watcher in _WATCHERS.values():
        watcher.rebuild()
    return groups


# ---------------------------------------------------------------- reading

def total(rows: QuerySet) -> int:
    """The pupils the summary rows of `rows` (already restricted and narrowed) count: one SUM."""
    return rows.aggregate(n=Sum("n"))["n"] or 0
