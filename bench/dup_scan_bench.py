#!/usr/bin/env python
"""The province-wide duplicate scan (查重) against a plain GROUP BY over the same table, on PostgreSQL.

    .venv/bin/python bench/dup_scan_bench.py                 # 1,000,000 pupils, 1,000 planted duplicate pairs
    .venv/bin/python bench/dup_scan_bench.py --pupils 200000 --keep

Creates a scratch database (default xueji_bench_dup) on --server, migrates it, and fills registry_student
with INSERT ... SELECT generate_series (about 1% of the pupils without ID). Planted: --pairs records that
repeat another record's ID number (half of them in another county) and --no-id-pairs pairs of pupils
without ID sharing name, sex and birth date. After VACUUM ANALYZE it times, in the same run:

- baseline: SELECT id_number, count(*) FROM registry_student GROUP BY id_number HAVING count(*) > 1
- scan, first run: xueji.problems.scans.duplicate_scan over the province, finding and filing the problems
  (problem rows, their records, one audit event per kind);
- scan, again: the same scan once the problems exist (idempotent: files nothing new).

Scan and baseline alternate, each scan's ratio taken against the mean of the baselines just before and after
it, so both see the same machine load: --repeat first runs (the problems emptied before each, so every run
finds and files them all), then --repeat runs with the problems filed. Medians are reported.
The Speed target (issue 3): the scan within 2x the plain GROUP BY. The scratch database is dropped unless --keep.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), times, result


def build_world(counties: int, schools_per_county: int):
    """A province, one city, counties and schools: (province unit, registrar, [school ids], {school: county})."""
    from xueji.accounts.models import Role, RoleAssignment, User
    from xueji.core import clock
    from xueji.regions.models import OrgKind, Region
    from xueji.regions.services import org_unit_create
    from xueji.schools.models import School

    Region.objects.get_or_create(code="340000", defaults={"name": "安徽省", "level": "province"})
    Region.objects.get_or_create(code="341000", defaults={"name": "黄山市", "level": "prefecture",
                                                          "parent_id": "340000"})
    ministry = org_unit_create(actor=None, kind=OrgKind.MINISTRY, name="教育部", code="000000", parent=None,
                               audit=False)
    province = org_unit_create(actor=None, kind=OrgKind.PROVINCE, name="安徽省教育厅", code="340000",
                               parent=ministry, region=Region.objects.get(code="340000"), audit=False)
    city = org_unit_create(actor=None, kind=OrgKind.CITY, name="黄山市教育局", code="341000", parent=province,
                           region=Region.objects.get(code="341000"), audit=False)
    school_ids, county_of = [], {}
    for c in range(counties):
        code = f"3410{c + 2:02d}"
        region, _ = Region.objects.get_or_create(code=code, defaults={"name": f"县{c}", "level": "county",
                                                                      "parent_id": "341000"})
        county = org_unit_create(actor=None, kind=OrgKind.COUNTY, name=f"县{c}教育局", code=code, parent=city,
                                 region=region, audit=False)
        for s in range(schools_per_county):
            school_code = f"{code}{s + 1:04d}"
            unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=f"县{c}第{s + 1}小学", code=school_code,
                                   parent=county, audit=False)
            school = School.objects.create(org_unit=unit, code=school_code, name=unit.name, county=county,
                                           running_type="211", stages="1")
            school_ids.append(school.pk)
            county_of[school.pk] = code
    user = User(username="bench_registrar", org_unit=province, password_changed_at=clock.now())
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.REGISTRAR)
    return province, user, school_ids, county_of


def fill(pupils: int, pairs: int, no_id_pairs: int, school_ids: list[int]) -> None:
    """registry_student: `pupils` rows in one INSERT ... SELECT generate_series, then the planted duplicates."""
    from django.db import connection

    from xueji.registry.models import Student

    first_school, schools = min(school_ids), len(school_ids)
    assert school_ids == list(range(first_school, first_school + schools))
    overrides = {
        "created_at": "now()", "updated_at": "now()",
        "school_id": f"{first_school} + (g % {schools})",
        "province_code": "'340000'",
        "name": "'学生' || g",
        "name_pinyin": "'xuesheng' || g",
        "sex": "CASE WHEN g % 2 = 0 THEN '2' ELSE '1' END",
        "birth_date": "DATE '2010-01-01' + (g % 3650)",
        # About 1% without ID (another document type, no number); the rest unique 18-character numbers.
        "id_type": "CASE WHEN g % 100 = 7 THEN 'Z' ELSE '1' END",
        "id_number": "CASE WHEN g % 100 = 7 THEN NULL ELSE '34' || lpad(g::text, 16, '0') END",
        "reg_status": "'registered'", "verify_status": "'unverified'", "status": "'01'",
    }
    columns, values = [], []
    for field in Student._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            values.append(overrides[field.column])
        elif field.null:
            values.append("NULL")
        else:
            default = field.get_default()
            values.append("false" if default is False else "true" if default is True else
                          "'" + str(default if default is not None else "").replace("'", "''") + "'")
    table = connection.ops.quote_name(Student._meta.db_table)
    names = ", ".join(columns)

    def insert(exprs: dict[str, str], series: str, where: str = "") -> None:
        select = ", ".join(exprs.get(c.strip('"'), v) for c, v in zip(columns, values, strict=True))
        with connection.cursor() as cursor:  # no parameters: the SQL's own % are modulo, not placeholders
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {series} {where}")  # noqa: S608

    insert(overrides, f"generate_series(1, {pupils}) AS g")
    # Planted: records repeating the ID number of record o = (g * 97) % pupils + 1, `shift` schools away (with 10
    # schools per county, odd g land in another county, even g in the same county).
    original = f"((g * 97) % {pupils} + 1)"
    insert(dict(overrides, id_type="'1'", name="'重号' || g", id_number=f"'34' || lpad({original}::text, 16, '0')",
                school_id=f"{first_school} + (({original} + CASE WHEN g % 2 = 1 THEN 10 ELSE 3 END) % {schools})"),
           f"generate_series(1, {pairs}) AS g", f"WHERE {original} % 100 <> 7")
    # Planted: pairs of pupils without ID sharing name, sex and birth date.
    insert(dict(overrides, id_type="'Z'", id_number="NULL", name="'无证' || g", name_pinyin="'wuzheng' || g",
                sex="'1'", birth_date="DATE '2012-05-01' + (g % 300)"),
           f"generate_series(1, {no_id_pairs}) AS g CROSS JOIN generate_series(1, 2) AS twin")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_bench_dup")
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=1000, help="records repeating another record's ID number")
    parser.add_argument("--no-id-pairs", type=int, default=500, help="pairs without ID sharing name, sex, birth")
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--schools-per-county", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (its problems are emptied)")
    args = parser.parse_args()

    if not args.reuse:
        admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
        admin(args.server, f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("XUEJI_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xueji.problems.models import Problem, ProblemKind
    from xueji.problems.scans import duplicate_scan

    try:
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        if args.reuse:
            from xueji.accounts.models import User
            from xueji.regions.models import OrgUnit

            province, user = OrgUnit.objects.get(code="340000"), User.objects.get(username="bench_registrar")
        else:
            province, user, school_ids, _county_of = build_world(args.counties, args.schools_per_county)
            fill(args.pupils, args.pairs, args.no_id_pairs, school_ids)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registry_student")
            cursor.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('registry_student')) "
                           "FROM registry_student")
            rows, size = cursor.fetchone()
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(f"PostgreSQL {version}; registry_student: {rows} rows, {size} with indexes; "
              f"filled in {time.perf_counter() - began:.1f} s", flush=True)

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute("SELECT id_number, count(*) FROM registry_student GROUP BY id_number "
                               "HAVING count(*) > 1")
                return len(cursor.fetchall())

        def scan():
            return duplicate_scan(province_code="340000", scope=province, actor=user)

        def reset():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM registration_problemevent; DELETE FROM registration_problemmember; "
                               "DELETE FROM registration_problem")

        # The machine may be shared: baseline and scan alternate, so both see the same load; each ratio is a
        # scan over the mean of the baselines just before and after it. "First run": the scan that finds and
        # files every problem (the problems are emptied before each); "again": with the problems filed.
        baseline()  # warm the cache for both
        base_times = [timed(baseline, 1)[0]]

        def alternate(runs: int, before=None):
            times, ratios, result = [], [], None
            for _ in range(runs):
                if before:
                    before()
                took, _, result = timed(scan, 1)
                after = timed(baseline, 1)[0]
                times.append(took)
                ratios.append(took / ((base_times[-1] + after) / 2))
                base_times.append(after)
            return times, ratios, result

        first_times, first_ratios, first = alternate(args.repeat, before=reset)
        scan_times, again_ratios, again = alternate(args.repeat)
        groups = baseline()
        base = statistics.median(base_times)
        first_time, first_ratio = statistics.median(first_times), statistics.median(first_ratios)
        again_median, again_ratio = statistics.median(scan_times), statistics.median(again_ratios)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN SELECT name, sex, birth_date FROM registry_student WHERE "
                           "(id_number IS NULL OR id_number = '' OR id_type <> '1') AND reg_status = 'registered' "
                           "GROUP BY name, sex, birth_date HAVING COUNT(*) > 1")
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"baseline GROUP BY id_number: median {base * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in base_times)}); {groups} groups")
        print(f"duplicate scan, first run:   median {first_time * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in first_times)}); "
              f"duplicate ID {first['duplicate_id']}, without ID {first['duplicate_no_id']}, "
              f"{len(first['by_county'])} counties listed; ratio median {first_ratio:.2f} "
              f"(each: {', '.join(f'{r:.2f}' for r in first_ratios)})")
        print(f"duplicate scan, again:       median {again_median * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in scan_times)}); duplicate ID {again['duplicate_id']}; "
              f"ratio median {again_ratio:.2f} (each: {', '.join(f'{r:.2f}' for r in again_ratios)})")
        print(f"problems: {Problem.objects.filter(kind=ProblemKind.DUPLICATE_ID).count()} duplicate ID, "
              f"{Problem.objects.filter(kind=ProblemKind.DUPLICATE_NO_ID).count()} without ID")
        print(f"plan of the no-ID grouping:\n    {plan}")
        ok = first_ratio <= 2 and again_ratio <= 2
        print("target (scan within 2x the plain GROUP BY):", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        connection.close()
        if not (args.keep or args.reuse):
            admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    sys.exit(main())
