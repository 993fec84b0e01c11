"""Class sizes in bands per county (`ClassSize`, `ClassBand`), kept from the registry's per-class count changes (the
`classes` hook of the reports watcher, registry.counts.add) in the same transaction: each touched class's seated
pupils moved by one upsert ... RETURNING the new total (the row lock orders concurrent writers), and each class
whose band changed moves one class between its county's bands (one upsert in key order). Rebuilt from the per-class
counts by `rebuild` (reports_rebuild, registry.counts.rebuild)."""

from collections import Counter

from django.db import connection
from django.db.models import Sum

from xueji.regions.models import OrgUnit
from xueji.registry.choices import SEATED
from xueji.registry.models import StudentCount
from xueji.reports.models import ClassBand, ClassSize
from xueji.schools.models import School, SchoolClass

# (low, high) per band; the last is open-ended (its high only labels it: a class of any size above 65 is in it,
# as in `rebuild`'s CASE ... ELSE).
BANDS = ((0, 45), (46, 55), (56, 65), (66, 10_000))
_SEATED = frozenset(str(s) for s in SEATED)


def band_of(total: int) -> int | None:
    if total <= 0:
        return None
    return next((low for low, high in BANDS[:-1] if total <= high), BANDS[-1][0])


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_UPSERT = 400  # classes per upsert (two parameters each: within SQLite's limit of 999)


def changed(rows: list) -> None:
    """The per-class changes of registry.counts.add: ((school, class key, class, status, reg), n), in key order."""
    delta: Counter = Counter()
    for (_school, _key, klass, status, _reg), n in rows:
        if klass is not None and status in _SEATED:
            delta[int(klass)] += n
    delta = Counter({k: n for k, n in delta.items() if n})
    if not delta:
        return
    table = _q(ClassSize)
    moves: Counter = Counter()
    classes = sorted(delta)
    with connection.cursor() as cursor:
        for start in range(0, len(classes), _UPSERT):  # in key order, a few hundred classes a statement
            chunk = classes[start:start + _UPSERT]
            cursor.execute(f"INSERT INTO {table} (school_class_id, seated) VALUES "  # noqa: S608
                           f"{', '.join(['(%s, %s)'] * len(chunk))} "
                           f"ON CONFLICT (school_class_id) DO UPDATE SET seated = {table}.seated + excluded.seated "
                           f"RETURNING school_class_id, seated", [v for klass in chunk for v in (klass, delta[klass])])
            for klass, new in cursor.fetchall():
                old = new - delta[klass]
                if band_of(old) != band_of(new):
                    if band_of(old) is not None:
                        moves[(klass, band_of(old))] -= 1
                    if band_of(new) is not None:
                        moves[(klass, band_of(new))] += 1
        if not moves:
            return
        county_of = dict(SchoolClass.objects.filter(pk__in={k for k, _b in moves})
                         .values_list("pk", "school__county_id"))
        by_county: Counter = Counter()
        for (klass, band), n in moves.items():
            by_county[(county_of[klass], band)] += n
        bands, org = _q(ClassBand), _q(OrgUnit)
        for (county, band), n in sorted(by_county.items()):
            if n:
                cursor.execute(f"INSERT INTO {bands} (county_id, path, band, classes) VALUES "  # noqa: S608
                               f"(%s, (SELECT path FROM {org} WHERE id = %s), %s, %s) ON CONFLICT (county_id, band) "
                               f"DO UPDATE SET classes = {bands}.classes + excluded.classes", [county, county, band, n])


def rebuild() -> None:
    """Both tables recomputed from the registry's per-class counts (two INSERT ... SELECT)."""
    sizes, bands, counts, school, klass, org = (_q(m) for m in (ClassSize, ClassBand, StudentCount, School,
                                                                 SchoolClass, OrgUnit))
    seated = ", ".join(f"'{s}'" for s in sorted(_SEATED))
    case = " ".join(f"WHEN z.seated <= {high} THEN {low}" for low, high in BANDS[:-1])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {sizes}")  # noqa: S608
        cursor.execute(f"DELETE FROM {bands}")  # noqa: S608
        cursor.execute(f"INSERT INTO {sizes} (school_class_id, seated) SELECT school_class_id, SUM(n) "  # noqa: S608
                       f"FROM {counts} WHERE school_class_id IS NOT NULL AND status IN ({seated}) "
                       f"GROUP BY school_class_id")
        cursor.execute(f"INSERT INTO {bands} (county_id, path, band, classes) "  # noqa: S608
                       f"SELECT s.county_id, o.path, CASE {case} ELSE {BANDS[-1][0]} END, COUNT(*) FROM {sizes} z "
                       f"JOIN {klass} c ON c.id = z.school_class_id JOIN {school} s ON s.id = c.school_id "
                       f"JOIN {org} o ON o.id = s.county_id WHERE z.seated > 0 "
                       f"GROUP BY s.county_id, o.path, CASE {case} ELSE {BANDS[-1][0]} END")


def differences() -> dict:
    """Stored bands against bands counted from the per-class counts now: (county, band) -> (stored, counted)."""
    totals: Counter = Counter()
    for klass, n in (StudentCount.objects.filter(school_class__isnull=False, status__in=_SEATED)
                     .values_list("school_class_id").annotate(t=Sum("n"))
                     .order_by()):
        totals[klass] = n
    county_of = dict(SchoolClass.objects.filter(pk__in=list(totals)).values_list("pk", "school__county_id"))
    want: Counter = Counter()
    for klass, n in totals.items():
        if band_of(n) is not None:
            want[(county_of[klass], band_of(n))] += 1
    have = {(c, b): n for c, b, n in ClassBand.objects.exclude(classes=0).values_list("county_id", "band", "classes")}
    return {k: (have.get(k, 0), want.get(k, 0)) for k in set(have) | set(want) if have.get(k, 0) != want.get(k, 0)}
