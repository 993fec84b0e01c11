"""The schools and classes of each county authority (`CountyTally`), kept by the services that open them, so that
an authority's counts (the menu, the workbench) are a SUM over its counties' few rows, never a COUNT over its
schools or classes (issue 14).

Writing: `add(county_id=, schools=, classes=)` in the caller's transaction, one `INSERT ... ON CONFLICT DO UPDATE
SET n = n + k` (the county's path looked up in the same statement): `schools.services` for a school or a class
opened one at a time; set-based writers (the demo generator, fixtures) call `rebuild` after their bulk insert.
Nothing else writes these rows. `differences` compares them with a fresh COUNT (`manage.py rebuild_counts`)."""

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from xueji.schools.models import CountyTally, School, SchoolClass


def _names() -> tuple[str, str, str, str]:
    org = School._meta.get_field("county").related_model
    return tuple(connection.ops.quote_name(m._meta.db_table) for m in (CountyTally, School, SchoolClass, org))


def add(*, county_id: int, schools: int = 0, classes: int = 0) -> None:
    """Schools and classes opened (+) under a county, in the caller's transaction."""
    if not schools and not classes:
        return
    tally, _school, _class, org = _names()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tally} (county_id, path, schools, classes) "  # noqa: S608
            f"VALUES (%s, (SELECT o.path FROM {org} o WHERE o.id = %s), %s, %s) ON CONFLICT (county_id) "
            f"DO UPDATE SET schools = {tally}.schools + excluded.schools, classes = {tally}.classes + excluded.classes",
            [county_id, county_id, schools, classes])


def fresh() -> dict[int, tuple[int, int]]:
    """county id -> (schools, classes) counted now."""
    schools = dict(School.objects.order_by().values_list("county_id").annotate(n=Count("pk")))
    classes = dict(SchoolClass.objects.order_by().values_list("school__county_id").annotate(n=Count("pk")))
    return {county: (schools.get(county, 0), classes.get(county, 0)) for county in set(schools) | set(classes)}


def stored() -> dict[int, tuple[int, int]]:
    return {county: (s, c) for county, s, c in CountyTally.objects.values_list("county_id", "schools", "classes")
            if s or c}


def differences() -> dict[int, tuple[tuple[int, int], tuple[int, int]]]:
    """county id -> (stored, counted) where they differ."""
    have, want = stored(), fresh()
    return {county: (have.get(county, (0, 0)), want.get(county, (0, 0))) for county in sorted(set(have) | set(want))
            if have.get(county, (0, 0)) != want.get(county, (0, 0))}


@transaction.atomic
def rebuild() -> int:
    """Recompute every county's row from the schools and classes, set-based; returns the counties written."""
    tally, school, klass, org = _names()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {tally} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {tally}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {tally} (county_id, path, schools, classes) "  # noqa: S608
            f"SELECT o.id, o.path, (SELECT COUNT(*) FROM {school} s WHERE s.county_id = o.id), "
            f"(SELECT COUNT(*) FROM {klass} c JOIN {school} s ON s.id = c.school_id WHERE s.county_id = o.id) "
            f"FROM {org} o WHERE o.id IN (SELECT county_id FROM {school})")
        return cursor.rowcount


def total(rows: QuerySet, column: str) -> int:
    """The SUM of `column` ("schools" or "classes") over these rows (already restricted)."""
    return rows.aggregate(n=Sum(column))["n"] or 0
