#!/usr/bin/env python
"""Admission-results import benchmark on PostgreSQL (issue 10, "Speed": the admission-result import reaches the
registration import's rows per second). In one run, each on its own fresh copy of the same base database:

  (a) the registration import (bench/import_bench.py's "ours": a school registrar's file of N new pupils, the
      whole pipeline with its writer thread);
  (b) the admission-results import of N admitted pupils without a record (an office's file: every row checked
      against the province's records, the plans, the classes and the earlier admissions, then written), and,
      separately, the admission run (录取生效) that gives those N pupils their new records;

and report rows per second of each and their ratio.

    .venv/bin/python bench/admission_bench.py                      # N = 100,000 on the 1M-pupil base of import_bench
    .venv/bin/python bench/admission_bench.py --rows 2000 --pupils 20000 --base xueji_admission_small

The base database is import_bench's (built once with the demo generator, kept; --rebuild-base to redo it). Results
go to bench/results/admission-<N>.md.
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import import_bench  # noqa: E402 - the base database, fresh copies, the registration file and its child

PYTHON = sys.executable
OFFICE = "city_admissions"  # the demo's admissions office of 黄山市
BENCH_AREA = "349902"  # not a demo county, nor import_bench's: the admitted pupils' IDs collide with nothing


def admission_rows(count: int, school_code: str):
    """Rows of the admission-results template: N pupils without a record, unique valid ID numbers."""
    from xueji.core import idnumbers

    first_day = dt.date(2010, 9, 1)
    for n in range(count):
        day, sequence = divmod(n, 450)
        birth = first_day + dt.timedelta(days=day % 3600)
        male = n % 2 == 0
        number = idnumbers.make(BENCH_AREA, birth, 2 * sequence + (1 if male else 2))
        yield [number, f"录取{n}", "男" if male else "女", birth.isoformat(), "", school_code, "高中", ""]


def child_admission(url: str, file: Path, rows: int) -> dict:
    """The office's import of the file, then the admission run, each timed; the entering classes and the plan are
    made beforehand (not timed), with no class-size cap (as import_bench's registration import)."""
    import_bench.setup_django(url)
    from django.core.files import File

    from xueji.accounts.models import User
    from xueji.admissions import importing, services
    from xueji.core import clock
    from xueji.policy.models import BusinessWindow, ClassCap
    from xueji.schools.models import SchoolClass
    from xueji.schools.selectors import current_school_year_start

    office = User.objects.select_related("org_unit").get(username=OFFICE)
    school = _senior_school(office)
    year = current_school_year_start()
    ClassCap.objects.all().delete()
    today = clock.today()
    BusinessWindow.objects.create(province_code="340000", kind="admissions.admission",
                                  start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=1))
    have = SchoolClass.objects.filter(school=school, stage="3", cohort_year=year).count()
    SchoolClass.objects.bulk_create([SchoolClass(school=school, stage="3", cohort_year=year, number=have + k + 1)
                                     for k in range(math.ceil(rows / 50))])
    services.plan_set(actor=office, school=school, stage="3", year=year, quota=min(rows + 10, services.MAX_QUOTA))
    began = time.perf_counter()
    with file.open("rb") as handle:
        batch = importing.results_import(actor=office, upload=File(handle, name=file.name), year=year)
    imported = time.perf_counter() - began
    began = time.perf_counter()
    applied = services.admissions_apply(actor=office, year=year)
    run = time.perf_counter() - began
    return {"import_s": imported, "status": batch.status, "admitted": batch.admitted_rows,
            "errors": batch.error_count, "first_errors": (batch.errors or [])[:5], "apply_s": run, "applied": applied}


def _senior_school(office):
    from xueji.accounts.jurisdiction import restrict
    from xueji.schools.models import School

    return restrict(School, office).filter(stages__contains="3").order_by("code").first()


def run_child(url: str, file: Path, rows: int) -> dict:
    began = time.perf_counter()
    done = subprocess.run([PYTHON, __file__, "--child", "--url", url, "--file", str(file), "--rows", str(rows)],
                          cwd=ROOT, check=True, capture_output=True, text=True)
    line = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    result = json.loads(line)
    result["child_wall_s"] = time.perf_counter() - began
    result["load_avg"] = os.getloadavg()
    return result


def write_admission_csv(path: Path, rows: int, url: str) -> Path:
    import_bench.setup_django(url)
    from django.db import connections

    from xueji.accounts.models import User
    from xueji.admissions.importing import COLUMNS

    school = _senior_school(User.objects.select_related("org_unit").get(username=OFFICE))
    connections.close_all()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([title for _key, title, _required in COLUMNS])
        writer.writerows(admission_rows(rows, school.code))
    return path


def ensure_base(args) -> None:
    """import_bench's base for the large run; a small base (the demo's 60 schools) for a check at a small size."""
    if args.pupils >= 1_000_000 or (import_bench.exists(args.server, args.base) and not args.rebuild_base):
        import_bench.ensure_base(args)
        return
    print(f"building {args.base}: {args.pupils:,} pupils, the demo's schools ...", flush=True)
    import_bench.admin(args.server, f'DROP DATABASE IF EXISTS "{args.base}"')
    import_bench.admin(args.server, f'CREATE DATABASE "{args.base}"')
    url = f"{args.server}/{args.base}"
    import_bench.manage(url, "migrate", "-v0")
    import_bench.manage(url, "demo_data", "--pupils", str(args.pupils), "--no-second-province")


def report(args, figures: dict) -> str:
    ours = figures["registration"]
    reg_rate = args.rows / ours["wall_s"]
    adm = figures["admission"]
    adm_rate = args.rows / adm["import_s"]
    return "\n".join([
        f"# Admission-results import vs the registration import ({args.rows:,} rows, {args.pupils:,} pupils stored)",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({os.cpu_count()} cores), PostgreSQL, "
        f"each on a fresh copy of `{args.base}`; load average after the runs "
        f"{', '.join(f'{x:.2f}' for x in adm['load_avg'])}.",
        "",
        "| import | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
        f"| registration (school registrar, bench/import_bench.py's pipeline) | {args.rows:,} | {ours['wall_s']:.2f} "
        f"| {reg_rate:,.0f} |",
        f"| admission results (office; status {adm['status']}, {adm['admitted']:,} admitted, {adm['errors']} errors) "
        f"| {args.rows:,} | {adm['import_s']:.2f} | {adm_rate:,.0f} |",
        f"| admission run (录取生效: {adm['applied']}) | {args.rows:,} | {adm['apply_s']:.2f} "
        f"| {args.rows / adm['apply_s']:,.0f} |" if adm["apply_s"] else "",
        "",
        f"Ratio admission / registration: **{adm_rate / reg_rate:.2f}** (the goal: at least 1).",
        "",
        "The admission import reads, checks (the records by ID number, plans, classes and earlier admissions: one "
        "query per kind per 5,000 rows) and writes admissions in one transaction; the new records themselves are "
        "written by the admission run, through the registry's door (`students_insert`: COPY on PostgreSQL).",
        ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--base", default="xueji_import_base")
    parser.add_argument("--database", default="xueji_admission_bench")
    parser.add_argument("--pupils", type=int, default=1_000_000, help="pupils stored in the base")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of each imported file")
    parser.add_argument("--rebuild-base", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_admission(args.url, Path(args.file), args.rows), default=str))
        return 0

    ensure_base(args)
    work = ROOT / "var" / "bench-admission"
    work.mkdir(parents=True, exist_ok=True)
    base_url = f"{args.server}/{args.base}"
    import_bench.setup_django(base_url)
    from django.db import connections

    _actor, _school, classes = import_bench.demo_school()
    connections.close_all()
    registration_file = import_bench.write_csv(work / f"pupils-{args.rows}.csv", args.rows, classes)
    admission_file = write_admission_csv(work / f"admitted-{args.rows}.csv", args.rows, base_url)
    figures = {}
    print("registration import ...", flush=True)
    url = import_bench.fresh_copy(args, args.database)
    figures["registration"] = import_bench.run_child("ours", url, registration_file)
    print("admission import ...", flush=True)
    url = import_bench.fresh_copy(args, args.database)
    figures["admission"] = run_child(url, admission_file, args.rows)
    import_bench.admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    text = report(args, figures)
    print(text)
    if not args.no_write:
        out = ROOT / "bench" / "results" / f"admission-{args.rows}.md"
        out.write_text(text + "\n<details><summary>raw figures</summary>\n\n```json\n"
                       + json.dumps(figures, indent=1, default=str) + "\n```\n</details>\n", encoding="utf-8")
        print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
