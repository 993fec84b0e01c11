#!/usr/bin/env python
"""The dashboards at scale (issue 13, "Speed"), on PostgreSQL: the time of an authority's whole dashboard
(`reports.selectors.dashboard`, every chart) over a province of 1, 5 and 16 million pupils.

    .venv/bin/python bench/reports_bench.py                       # 1 M, 5 M, 16 M; bench/results/reports-dashboard.md
    .venv/bin/python bench/reports_bench.py --sizes 20000 --no-write   # a quick check that it works

The dashboards read summary rows only (the pupil tally per county and group, the pupil counts per class and per
school, the pending steps), never the pupils, so the province is built as those rows: its schools (one per 400
pupils), classes (one per 45 pupils, 12 cohorts of three stages), counties (100 at 1 M, 130 at 5 M, 160 at 16 M: a
large province has more counties, not thousands), the per-class and per-school counts, and the tally rows a
province of that size holds: for each county, each group (stage and cohort, sex, 8 ethnic groups, hukou, migrant,
left-behind, identity check, number kind) whose expected number of pupils (from fixed shares) draws at least one
pupil (a Poisson draw) - so a bigger province holds somewhat more of the rare groups, up to all of them. No pupil
rows: what they cost to keep is the registry's doors' (tests/test_tally.py, bench/load.py). One database,
`xueji_reports_bench`, migrated once and refilled for each size (untimed), then the dashboard of the province's,
a city's and a county's registrar, each `--repeat` times (the median; the first, cold run reported apart). The
pupil charts read the county figures (`PupilFigure`, derived from the tally), whose rows grow with the counties
only; the class sizes read the counties' size bands (`ClassBand`, kept from the per-class count changes); the
oversized schools read the registry's per-school counts (rows grow with the schools).

`--generator` builds each province instead with the demo generator itself (`manage.py demo_data`: pupil rows,
details, guardians, national numbers, classes, the registry's counts), one database per size
(`xueji_reports_gen`, dropped afterwards unless `--keep`), then `manage.py reports_rebuild` (the tally, the county
figures and the class bands recomputed from the pupils), then measures the same dashboards of a province's, a
city's and a county's registrar. The generator's and the rebuild's wall times are reported (the generator's rate
decides which sizes are reasonable on a machine: about 1 hour for 16 M at 4,000 pupils/s). Results are added to
the same file under their own heading (the summary-row table above them is kept).

    .venv/bin/python bench/reports_bench.py --generator --sizes 1000000         # + 5000000 if time and disk allow
    .venv/bin/python bench/reports_bench.py --generator --sizes 20000 --no-write"""

import argparse
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import import_bench as ib  # noqa: E402 - the database helpers

NAME = "xueji_reports_bench"
ETHNIC = [("01", 0.92), ("02", 0.02), ("03", 0.015), ("04", 0.01), ("05", 0.01), ("06", 0.01), ("07", 0.01),
          ("08", 0.005)]
STAGE_COHORTS = [("1", 6), ("2", 3), ("3", 3)]
STAGE_SHARE = {"1": 0.55, "2": 0.27, "3": 0.18}


def counties_for(pupils: int) -> int:
    return 100 if pupils <= 1_000_000 else 130 if pupils <= 5_000_000 else 160


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def fill(pupils: int, seed: int = 2026) -> dict:
    """Untimed: the province's org tree, schools, classes and summary rows for `pupils` pupils."""
    from django.db import connection, transaction

    from xueji.accounts.models import RoleAssignment, User
    from xueji.core import clock
    from xueji.regions.models import OrgKind, OrgUnit
    from xueji.registry.models import StudentCount
    from xueji.reports import classes as classes_module
    from xueji.reports import tally as tally_module
    from xueji.reports.models import PupilTally
    from xueji.schools.models import School, SchoolClass, SchoolYear

    rng = random.Random(seed)
    year = SchoolYear.start_year_for(clock.today())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_pupiltally, reports_pupilfigure, reports_classsize, reports_classband, "
                       "registry_studentcount, "
                       "registry_schoolstudentcount, "
                       "registry_countystudentcount, schools_schoolclass, schools_school, accounts_roleassignment, "
                       "accounts_user, regions_orgunit, schools_schoolyear CASCADE")
        SchoolYear.objects.create(start_year=year, start_date=f"{year}-09-01", end_date=f"{year + 1}-08-31",
                                  is_current=True)
        province = OrgUnit.objects.create(kind=OrgKind.PROVINCE, name="基准省", code="410000", path="")
        province.path = f"/{province.pk}/"
        province.save(update_fields=["path"])
        n_counties = counties_for(pupils)
        n_cities = max(1, n_counties // 10)
        cities = OrgUnit.objects.bulk_create([OrgUnit(kind=OrgKind.CITY, name=f"市{i}", code=f"41{i + 1:02d}00",
                                                      parent=province, path="") for i in range(n_cities)])
        for c in cities:
            c.path = f"{province.path}{c.pk}/"
        OrgUnit.objects.bulk_update(cities, ["path"])
        counties = OrgUnit.objects.bulk_create([
            OrgUnit(kind=OrgKind.COUNTY, name=f"县{i}", code=f"41{i % n_cities + 1:02d}{i // n_cities + 1:02d}",
                    parent=cities[i % n_cities], path="") for i in range(n_counties)])
        for c in counties:
            c.path = f"{c.parent.path}{c.pk}/"
        OrgUnit.objects.bulk_update(counties, ["path"])
        n_schools = max(len(counties), pupils // 400)
        units = OrgUnit.objects.bulk_create([
            OrgUnit(kind=OrgKind.SCHOOL, name=f"学校{i}", code=f"41{i:08d}", parent=counties[i % n_counties],
                    path="") for i in range(n_schools)], batch_size=5000)
        for u in units:
            u.path = f"{u.parent.path}{u.pk}/"
        OrgUnit.objects.bulk_update(units, ["path"], batch_size=5000)
        schools = School.objects.bulk_create([
            School(org_unit=u, code=u.code, name=u.name, county=u.parent, running_type="345", stages="123")
            for u in units], batch_size=5000)
        per_class = 45
        n_classes = max(len(schools), pupils // per_class)
        cohorts = [(stage, year - k) for stage, years in STAGE_COHORTS for k in range(years)]
        classes = SchoolClass.objects.bulk_create([
            SchoolClass(school=schools[i % n_schools], stage=cohorts[(i // n_schools) % len(cohorts)][0],
                        cohort_year=cohorts[(i // n_schools) % len(cohorts)][1], number=1 + i // (n_schools * 12))
            for i in range(n_classes)], batch_size=5000)
        sizes = [max(1, round(rng.gauss(per_class, 8))) for _ in classes]
        StudentCount.objects.bulk_create([
            StudentCount(school_id=k.school_id, school_class_id=k.pk, class_key=k.pk, status="01",
                         reg_status="registered", n=n) for k, n in zip(classes, sizes, strict=True)], batch_size=5000)
        cursor.execute("INSERT INTO registry_schoolstudentcount (school_id, path, status, reg_status, n) "
                       "SELECT c.school_id, o.path, c.status, c.reg_status, SUM(c.n) FROM registry_studentcount c "
                       "JOIN schools_school s ON s.id = c.school_id JOIN regions_orgunit o ON o.id = s.org_unit_id "
                       "GROUP BY c.school_id, o.path, c.status, c.reg_status")
        cursor.execute("INSERT INTO registry_countystudentcount (county_id, path, status, reg_status, n) "
                       "SELECT s.county_id, o.path, c.status, c.reg_status, SUM(c.n) "
                       "FROM registry_schoolstudentcount c "
                       "JOIN schools_school s ON s.id = c.school_id JOIN regions_orgunit o ON o.id = s.county_id "
                       "GROUP BY s.county_id, o.path, c.status, c.reg_status")
        tally = []
        per_county = pupils / n_counties
        groups = [(stage, cohort, sex, eth, hukou, mig, lb, verify, kind, share)
                  for stage, cohort in cohorts
                  for sex in "12" for eth, pe in ETHNIC for hukou, ph in (("1", 0.6), ("2", 0.4))
                  for mig, pm in ((False, 0.9), (True, 0.1)) for lb, pl in ((False, 0.85), (True, 0.15))
                  for verify, kind, pv in (("verified", "G", 0.97), ("unverified", "L", 0.02),
                                           ("mismatch", "", 0.01))
                  for share in [STAGE_SHARE[stage] / dict(STAGE_COHORTS)[stage] * 0.5 * pe * ph * pm * pl * pv]]
        for county in counties:
            for stage, cohort, sex, eth, hukou, mig, lb, verify, kind, share in groups:
                n = poisson(rng, per_county * share)
                if n:
                    tally.append(PupilTally(county=county, path=county.path, stage=stage, cohort=cohort, status="01",
                                            reg_status="registered", verify_status=verify, number_kind=kind, sex=sex,
                                            ethnic=eth, hukou=hukou, migrant=mig, left_behind=lb, n=n))
        PupilTally.objects.bulk_create(tally, batch_size=5000)
        figures = tally_module.rebuild_figures()  # what the doors' apply keeps from the same changes
        classes_module.rebuild()  # the class sizes and their bands per county, from the per-class counts
        users = {}
        for label, unit in (("province", province), ("city", cities[0]), ("county", counties[0])):
            user = User.objects.create(username=f"bench_{label}", full_name=label, org_unit=unit,
                                       password_changed_at=clock.now())
            RoleAssignment.objects.create(user=user, role="registrar")
            users[label] = user.pk
    cursor = connection.cursor()
    cursor.execute("ANALYZE")
    return {"pupils": sum(t.n for t in tally), "counties": n_counties, "schools": n_schools, "classes": n_classes,
            "tally_rows": len(tally), "figure_rows": figures, "class_rows": len(classes), "users": users}


def measure(users: dict, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from xueji.accounts.models import User
    from xueji.reports import selectors

    out = {}
    for label, pk in users.items():
        user = User.objects.select_related("org_unit").get(pk=pk)
        times, first = [], None
        for i in range(repeat + 1):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                charts = selectors.dashboard(user=user)
                took = (time.perf_counter() - began) * 1000
            if i == 0:
                first = took
            else:
                times.append(took)
        per_chart = {}
        for key in selectors.CHART_KEYS:
            began = time.perf_counter()
            selectors.dashboard(user=user, only=key)
            per_chart[key] = round((time.perf_counter() - began) * 1000, 1)
        out[label] = {"median_ms": round(statistics.median(times), 1), "cold_ms": round(first, 1),
                      "queries": len(queries), "per_chart_ms": per_chart,
                      "pupils_shown": sum(r[1] for r in next(c for c in charts if c.key == "region").rows)}
    return out


def child(args) -> None:
    import json

    ib.setup_django(f"{args.server}/{NAME}")
    began = time.perf_counter()
    built = fill(args.child)
    built["fill_s"] = round(time.perf_counter() - began, 1)
    built["results"] = measure(built.pop("users"), args.repeat)
    print("RESULT " + json.dumps(built), flush=True)


GEN_NAME = "xueji_reports_gen"
GEN_MARKER = "## Provinces built by the generator"


def gen_child(args) -> None:
    """In the generated database: a registrar of the province, a city and a county; the rows the dashboards
    read; the dashboards measured."""
    import json

    ib.setup_django(f"{args.server}/{GEN_NAME}")
    from xueji.accounts.models import RoleAssignment, User
    from xueji.core import clock
    from xueji.regions.models import OrgKind, OrgUnit
    from xueji.registry.models import SchoolStudentCount, Student
    from xueji.reports.models import ClassBand, PupilFigure, PupilTally
    from xueji.schools.models import School, SchoolClass

    province = OrgUnit.objects.get(kind=OrgKind.PROVINCE, code=args.province)
    units = {"province": province,
             "city": OrgUnit.objects.filter(kind=OrgKind.CITY, path__startswith=province.path).order_by("pk").first(),
             "county": OrgUnit.objects.filter(kind=OrgKind.COUNTY, path__startswith=province.path)
             .order_by("pk").first()}
    users = {}
    for label, unit in units.items():
        user, _ = User.objects.get_or_create(username=f"bench_{label}", defaults={
            "full_name": label, "org_unit": unit, "password_changed_at": clock.now()})
        RoleAssignment.objects.get_or_create(user=user, role="registrar")
        users[label] = user.pk
    built = {"pupils": Student.objects.count(), "counties": OrgUnit.objects.filter(kind=OrgKind.COUNTY).count(),
             "schools": School.objects.count(), "classes": SchoolClass.objects.count(),
             "tally_rows": PupilTally.objects.count(), "figure_rows": PupilFigure.objects.count(),
             "band_rows": ClassBand.objects.count(), "school_count_rows": SchoolStudentCount.objects.count()}
    built["results"] = measure(users, args.repeat)
    print("RESULT " + json.dumps(built), flush=True)


def generated(args, size: int) -> dict:
    """Build a province of `size` pupils with the generator, rebuild the reports' rows, measure."""
    import json

    url = f"{args.server}/{GEN_NAME}"
    ib.admin(args.server, f'DROP DATABASE IF EXISTS "{GEN_NAME}"')
    ib.admin(args.server, f'CREATE DATABASE "{GEN_NAME}"')
    ib.manage(url, "migrate", "-v0")
    counties = counties_for(size)
    cities, schools = max(1, counties // 10), max(counties, size // 400)  # as the summary-row provinces
    print(f"  generating {size:,} pupils ({cities} cities, {counties} counties, {schools:,} schools) ...", flush=True)
    began = time.perf_counter()
    out = ib.manage(url, "demo_data", "--cities", str(cities), "--counties", str(counties), "--schools",
                    str(schools), "--pupils", str(size), "--no-second-province")
    generate_s = time.perf_counter() - began
    steps = [line.strip() for line in out.splitlines() if line.strip().startswith(("Demo data", "steps"))]
    print(f"  generated in {generate_s:.0f} s ({size / generate_s:,.0f} pupils/s); reports_rebuild ...", flush=True)
    began = time.perf_counter()
    rebuilt = ib.manage(url, "reports_rebuild")
    rebuild_s = time.perf_counter() - began
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    done = subprocess.run([sys.executable, __file__, "--server", args.server, "--gen-child", "--province",
                           args.province, "--repeat", str(args.repeat)], capture_output=True, text=True,
                          check=False, cwd=ROOT, env={**os.environ, "XUEJI_LOG_LEVEL": "WARNING"})
    if done.returncode:
        sys.exit(f"the measurement at {size:,} pupils failed:\n{done.stderr[-3000:]}")
    result = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))[len("RESULT "):])
    result.update(size=size, generate_s=round(generate_s, 1), rebuild_s=round(rebuild_s, 1), db_size=db_size,
                  steps=steps, rebuilt=rebuilt.strip().splitlines()[-1:], load_avg=os.getloadavg())
    if not args.keep:
        ib.admin(args.server, f'DROP DATABASE IF EXISTS "{GEN_NAME}"')
    return result


def render_generated(args, rows: list[dict]) -> str:
    lines = [GEN_MARKER, "",
             f"`bench/reports_bench.py --generator`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{platform.node()} ({os.cpu_count()} cores, shared with other work). Each province is built by "
             "`manage.py demo_data` (pupil rows, their details, two guardians each, national numbers; sealing on), "
             "then `manage.py reports_rebuild` recomputes the tally, the county figures and the class bands from "
             f"the pupils, then the same whole dashboard is measured (median of {args.repeat} warm runs; cold: the "
             "first, after VACUUM ANALYZE).", "",
             "| pupils | counties | schools | classes | tally rows | figure rows | generator | reports_rebuild | "
             "province: median (cold) | city | county | queries |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        res = r["results"]
        lines.append(f"| {r['pupils']:,} | {r['counties']} | {r['schools']:,} | {r['classes']:,} | "
                     f"{r['tally_rows']:,} | {r['figure_rows']:,} | {r['generate_s']:.0f} s "
                     f"({r['size'] / r['generate_s']:,.0f} pupils/s) | {r['rebuild_s']:.1f} s | "
                     f"{res['province']['median_ms']} ms ({res['province']['cold_ms']} ms) | "
                     f"{res['city']['median_ms']} ms | {res['county']['median_ms']} ms | "
                     f"{res['province']['queries']} |")
    lines += ["", "Per chart, the province's registrar (ms, one run each):", "",
              "| chart | " + " | ".join(f"{r['pupils']:,}" for r in rows) + " |", "|---|" + "---:|" * len(rows)]
    for key in rows[0]["results"]["province"]["per_chart_ms"]:
        lines.append(f"| {key} | " + " | ".join(str(r["results"]["province"]["per_chart_ms"][key]) for r in rows)
                     + " |")
    lines += ["", "Each size: database size, load average (1, 5, 15 min) after the measurement, the generator's "
              "own summary:", ""]
    for r in rows:
        lines.append(f"- {r['size']:,}: {r['db_size']}, load {', '.join(f'{x:.1f}' for x in r['load_avg'])}; "
                     + " ".join(r["steps"]))
    return "\n".join(lines) + "\n"


def main_generated(args) -> None:
    import json

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"{size:,} pupils, built by the generator ...", flush=True)
        rows.append(generated(args, size))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    text = render_generated(args, rows)
    print(text)
    if args.no_write:
        return
    out = ROOT / "bench" / "results" / "reports-dashboard.md"
    kept = out.read_text(encoding="utf-8").split(GEN_MARKER, 1)[0].rstrip() if out.exists() else ""
    out.write_text((kept + "\n\n" if kept else "") + text, encoding="utf-8")
    print(f"written {out}")


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--sizes", default="1000000,5000000,16000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--generator", action="store_true",
                        help="build each province with the demo generator (pupil rows), then reports_rebuild")
    parser.add_argument("--province", default="340000", help="with --generator: the generated province's code")
    parser.add_argument("--keep", action="store_true", help="with --generator: keep the last database")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--gen-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.gen_child:
        gen_child(args)
        return
    if args.generator:
        main_generated(args)
        return
    if not ib.exists(args.server, NAME):
        ib.admin(args.server, f'CREATE DATABASE "{NAME}"')
    print("migrating ...", flush=True)
    ib.manage(f"{args.server}/{NAME}", "migrate", "-v0")
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"{size:,} pupils ...", flush=True)
        done = subprocess.run([sys.executable, __file__, "--server", args.server, "--child", str(size), "--repeat",
                               str(args.repeat)], capture_output=True, text=True, check=False, cwd=ROOT,
                              env={**os.environ, "XUEJI_LOG_LEVEL": "WARNING"})
        if done.returncode:
            sys.exit(f"the run of {size:,} pupils failed:\n{done.stderr[-3000:]}")
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
        result = json.loads(line[len("RESULT "):])
        result["size"] = size
        rows.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.no_write:
        return
    lines = ["# Dashboards at scale (issue 13)", "",
             f"`bench/reports_bench.py`, {time.strftime('%Y-%m-%d')}, {platform.node()} "
             f"({os.cpu_count()} cores), PostgreSQL at {args.server.rsplit('@', 1)[-1]}. The whole dashboard "
             "(13 charts: `reports.selectors.dashboard`), median of "
             f"{args.repeat} warm runs (cold: the first run after the fill and ANALYZE).", "",
             "| pupils | counties | schools | classes | tally rows | figure rows | province: median (cold) | city | "
             "county | queries |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        res = r["results"]
        lines.append(f"| {r['pupils']:,} | {r['counties']} | {r['schools']:,} | {r['classes']:,} | "
                     f"{r['tally_rows']:,} | {r['figure_rows']:,} | "
                     f"{res['province']['median_ms']} ms ({res['province']['cold_ms']} ms) | "
                     f"{res['city']['median_ms']} ms | {res['county']['median_ms']} ms | "
                     f"{res['province']['queries']} |")
    lines += ["", "Per chart, the province's registrar (ms, one run each):", "",
              "| chart | " + " | ".join(f"{r['pupils']:,}" for r in rows) + " |",
              "|---|" + "---:|" * len(rows)]
    for key in rows[0]["results"]["province"]["per_chart_ms"]:
        lines.append(f"| {key} | " + " | ".join(str(r["results"]["province"]["per_chart_ms"][key]) for r in rows)
                     + " |")
    out = ROOT / "bench" / "results" / "reports-dashboard.md"
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    generated_part = GEN_MARKER + previous.split(GEN_MARKER, 1)[1] if GEN_MARKER in previous else ""
    out.write_text("\n".join(lines) + "\n" + ("\n" + generated_part if generated_part else ""), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
