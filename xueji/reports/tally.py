"""The pupil tally (`PupilTally`): pupils per county by stage, cohort, status, registration state, identity check,
number kind, sex, ethnic group, hukou, migrant and left-behind; the summary every dashboard reads.

Writing: a watcher of the registry's doors (`registry.counts.Watcher`, registered in apps.py): each door reads the
groups of the pupils it writes before and after (`read`), and the difference is added here (`apply`) in the same
transaction: one `INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` per 60 groups, in key order (two
transactions changing the same county's groups wait for each other's row, never lose an update, never deadlock on
these rows). `rebuild` (`manage.py reports_rebuild`, and every `registry.counts.rebuild`) recomputes the table with
one INSERT ... SELECT ... GROUP BY; `differences` compares the stored rows with a fresh count (the test and the
command check they agree)."""

from collections import Counter
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce

from xueji.core.db import int_array, upsert_add
from xueji.regions.models import OrgUnit
from xueji.registry.choices import ON_ROLL, RegStatus
from xueji.registry.models import Student
from xueji.reports import classes
from xueji.reports.models import TALLY_KEY, PupilFigure, PupilTally
from xueji.schools.models import School, SchoolClass

Key = tuple  # (county id, stage, cohort, status, reg, verify, number kind, sex, ethnic, hukou, migrant, left-behind)

_TALLY_TYPE = {"county_id": "bigint", "cohort": "integer", "migrant": "boolean", "left_behind": "boolean",
               "n": "integer"}
_CHUNK = 60  # groups per upsert (14 parameters each: within SQLite's limit of 999)
_IDS = 5000  # pupils per read


def _norm(row) -> Key:
    county, stage, cohort, status, reg, verify, kind, sex, ethnic, hukou, migrant, left = row
    return (int(county), stage or "", int(cohort or 0), str(status), str(reg), str(verify), kind or "", sex or "",
            ethnic or "", hukou or "", bool(migrant), bool(left))


def _grouped(queryset) -> Counter:
    rows = (queryset.order_by()
            .annotate(k_stage=Coalesce(F("school_class__stage"), Value("")),
                      k_cohort=Coalesce(F("school_class__cohort_year"), Value(0)),
                      k_kind=Coalesce(F("national_number_kind"), Value("")))  # the number is sealed
            .values_list("school__county_id", "k_stage", "k_cohort", "status", "reg_status", "verify_status",
                         "k_kind", "sex", "ethnic", "hukou_nature", "is_migrant", "is_left_behind")
            .annotate(c=Count("pk")))
    out: Counter = Counter()
    for *key, c in rows:
        out[_norm(key)] += c
    return out


def read(ids: Sequence[int]) -> Counter:
    """The groups of these pupils as they stand (the caller's transaction). On PostgreSQL the ids travel as one
    array (`id = ANY(...)`): an IN list of thousands of parameters costs more to build and split than the read."""
    out: Counter = Counter()
    for start in range(0, len(ids), _IDS):
        chunk = ids[start:start + _IDS]
        if connection.vendor == "postgresql":
            pupils = Student.objects.extra(where=[f"{connection.ops.quote_name(Student._meta.db_table)}.id = "  # noqa: S610
                                                  "ANY(%s::bigint[])"], params=[int_array(chunk)])
        else:
            pupils = Student.objects.filter(pk__in=chunk)
        out.update(_grouped(pupils))
    return out


def restatus(groups: Counter, status: str) -> Counter:
    """The same pupils' groups with another status (the key's fourth item): a door that changed only the status."""
    out: Counter = Counter()
    for key, n in groups.items():
        out[(*key[:3], str(status), *key[4:])] += n
    return out


_ROLL = frozenset(str(s) for s in ON_ROLL)


def figures_of(key: Key) -> list[tuple[str, str]]:
    """The (dim, value) figures a group of pupils counts in (see PupilFigure)."""
    county, stage, cohort, status, reg, verify, _kind, sex, ethnic, hukou, migrant, left = key
    if status not in _ROLL:
        return []
    out = [("reg", reg)]
    if reg == RegStatus.REGISTERED:
        out += [("all", ""), ("stage", stage), ("cohort", f"{stage}:{cohort}"), ("sex", sex), ("ethnic", ethnic),
                ("hukou", hukou), ("verify", verify)]
        if migrant:
            out.append(("migrant", "1"))
        if left:
            out.append(("left_behind", "1"))
    return out


def _figures(changes) -> Counter:
    out: Counter = Counter()
    for key, n in changes.items():
        for dim, value in figures_of(key):
            out[(key[0], dim, value)] += n
    return out


def _apply_figures(changes: Counter) -> None:
    rows = sorted((key, n) for key, n in changes.items() if n)
    if not rows:
        return
    table, org = (connection.ops.quote_name(m._meta.db_table) for m in (PupilFigure, OrgUnit))
    if connection.vendor == "postgresql":  # arrays, not thousands of placeholders; the path by a join
        upsert_add(PupilFigure._meta.db_table, ("county_id", "path", "dim", "value", "n"),
                   ("bigint", "text", "text", "integer"), ("county_id", "dim", "value"),
                   [(county, dim, val, n) for (county, dim, val), n in rows],
                   select="u.c0, o.path, u.c1, u.c2, u.c3", join=f"JOIN {org} o ON o.id = u.c0")
        return
    value = f"(%s, (SELECT o.path FROM {org} o WHERE o.id = %s), %s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 150):
            chunk = rows[start:start + 150]
            cursor.execute(
                f"INSERT INTO {table} (county_id, path, dim, value, n) VALUES {', '.join([value] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT (county_id, dim, value) DO UPDATE SET n = {table}.n + excluded.n",
                [item for (county, dim, val), n in chunk for item in (county, county, dim, val, n)])


def apply(changes: Counter) -> None:
    """Add each group's change to its row, and to the figures it counts in (the county's path looked up in the
    same statement); the tally's rows first, then the figures', each in key order."""
    rows = sorted((key, n) for key, n in changes.items() if n)
    if not rows:
        return
    _apply_tally(rows)
    _apply_figures(_figures(dict(rows)))


def _apply_tally(rows: list) -> None:
    table, org = (connection.ops.quote_name(m._meta.db_table) for m in (PupilTally, OrgUnit))
    columns = ("county_id", "path", *TALLY_KEY[1:], "n")
    if connection.vendor == "postgresql":  # arrays, not thousands of placeholders; the path by a join
        types = [_TALLY_TYPE.get(name, "text") for name in (*TALLY_KEY, "n")]
        upsert_add(PupilTally._meta.db_table, columns, types, TALLY_KEY, [(*key, n) for key, n in rows],
                   select=", ".join(["u.c0", "o.path", *(f"u.c{i}" for i in range(1, len(types)))]),
                   join=f"JOIN {org} o ON o.id = u.c0")
        return
    value = f"(%s, (SELECT o.path FROM {org} o WHERE o.id = %s), {', '.join(['%s'] * len(TALLY_KEY))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([value] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({', '.join(TALLY_KEY)}) DO UPDATE SET n = {table}.n + excluded.n",
                [item for key, n in chunk for item in (key[0], key[0], *key[1:], n)])


@transaction.atomic
def rebuild() -> int:
    """Recompute the tally from the pupils: one DELETE and one INSERT ... SELECT ... GROUP BY (PostgreSQL: the pupils
    held in SHARE mode meanwhile, so no write slips between). Returns the groups written."""
    table, student, school, klass = (connection.ops.quote_name(m._meta.db_table)
                                     for m in (PupilTally, Student, School, SchoolClass))
    org = connection.ops.quote_name(OrgUnit._meta.db_table)
    key = ("s.county_id, COALESCE(c.stage, ''), COALESCE(c.cohort_year, 0), p.status, p.reg_status, "
           "p.verify_status, COALESCE(SUBSTR(p.national_number, 1, 1), ''), p.sex, p.ethnic, p.hukou_nature, "
           "p.is_migrant, p.is_left_behind")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {student} IN SHARE MODE")
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (county_id, path, {', '.join(TALLY_KEY[1:])}, n) "  # noqa: S608
            f"SELECT s.county_id, o.path, {key.split(', ', 1)[1]}, COUNT(*) FROM {student} p "
            f"JOIN {school} s ON s.id = p.school_id JOIN {org} o ON o.id = s.county_id "
            f"LEFT JOIN {klass} c ON c.id = p.school_class_id GROUP BY o.path, {key}")
        groups = cursor.rowcount
    rebuild_figures()
    classes.rebuild()
    return groups


def rebuild_figures() -> int:
    """The figures recomputed from the tally's rows (one INSERT ... SELECT ... GROUP BY per dimension)."""
    table, tally = (connection.ops.quote_name(m._meta.db_table) for m in (PupilFigure, PupilTally))
    roll = ", ".join(f"'{s}'" for s in sorted(_ROLL))
    registered = f"status IN ({roll}) AND reg_status = '{RegStatus.REGISTERED}'"
    sources = [("reg", "reg_status", f"status IN ({roll})"), ("all", "''", registered),
               ("stage", "stage", registered),
               ("cohort", "stage || ':' || CAST(cohort AS VARCHAR(8))", registered),
               ("sex", "sex", registered), ("ethnic", "ethnic", registered), ("hukou", "hukou", registered),
               ("verify", "verify_status", registered), ("migrant", "'1'", f"{registered} AND migrant"),
               ("left_behind", "'1'", f"{registered} AND left_behind")]
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for dim, value, where in sources:
            cursor.execute(
                f"INSERT INTO {table} (county_id, path, dim, value, n) "  # noqa: S608
                f"SELECT county_id, path, '{dim}', {value}, SUM(n) FROM {tally} WHERE n <> 0 AND {where} "
                f"GROUP BY county_id, path{'' if value.startswith(chr(39)) else ', ' + value}")
            written += cursor.rowcount
    return written


def fresh() -> dict[Key, int]:
    """The groups counted from the pupils now (a COUNT over the whole table)."""
    return dict(_grouped(Student.objects.all()))


def stored() -> dict[Key, int]:
    return {_norm(row[:-1]): row[-1] for row in PupilTally.objects.exclude(n=0).values_list(*TALLY_KEY, "n")}


def stored_figures() -> dict[tuple, int]:
    return {(county, dim, value): n for county, dim, value, n in PupilFigure.objects.exclude(n=0)
            .values_list("county_id", "dim", "value", "n")}


def differences() -> dict[tuple, tuple[int, int]]:
    """Where the tally or the figures disagree with the pupils: key -> (stored, counted); a figure's key is
    ("figure", county, dim, value)."""
    want = fresh()
    out = {}
    for have, wanted, tag in ((stored(), want, ()),
                              (stored_figures(), {k: n for k, n in _figures(want).items() if n}, ("figure",))):
        for key in sorted(set(have) | set(wanted), key=repr):
            if have.get(key, 0) != wanted.get(key, 0):
                out[(*tag, *key)] = (have.get(key, 0), wanted.get(key, 0))
    for key, pair in classes.differences().items():
        out[("class_band", *key)] = pair
    return out
