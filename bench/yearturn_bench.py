#!/usr/bin/env python
"""The school year's turn at scale (issue 10, "Speed"), on PostgreSQL, each figure against the database doing the
same rows in one plain statement in the same run:

    .venv/bin/python bench/yearturn_bench.py --pupils 1000000     # results in bench/results/yearturn-1000000.md
    .venv/bin/python bench/yearturn_bench.py --pupils 2000000     # the ratio must not grow from 1 M to 2 M
    .venv/bin/python bench/yearturn_bench.py --pupils 20000 --no-write   # a quick check that it works

- promotion (升级): the province's job (`schoolyear.promotion`: the backup, then school by school the blockers read
  set-based, one conditional UPDATE of the schools' year, one UPDATE closing the classes past their stage),
  against one plain UPDATE of every pupil in school (what a per-pupil grade column would cost each year). Goal:
  at most 0.1x, and the ratio must not grow with the pupils (the job grows with the schools and classes);
- graduation (毕业): every school's compulsory final grade graduated through the service (`graduation_close`, the
  province's 统一毕业; a school's own graduation is the same path for one school: the door's set-based status
  change, history rows, counts, graduate rows), against one plain UPDATE of those pupils' status. Goal: at most
  1.5x;
- the dry run of the province (`selectors.promotion_dry_run`, read from the pupil counts). Goal: under a minute.

Databases (--server, trust auth): a base per size (`xueji_yearturn_<N>`) built once with the demo generator (200
pupils per school), reused; every measurement in a fresh copy (CREATE DATABASE ... TEMPLATE) so none sees another's
writes, in a child process (config.settings.base). Before timing, in each copy, untimed: the open requests and
problem records that would block schools are closed, and for the promotion the final grades are graduated in plain
SQL, so every school can be promoted.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import import_bench as ib  # noqa: E402 - the database helpers

SCRATCH = "xueji_yearturn_bench"
PROVINCE_USER = "province_registrar"
ON_ROLL = "('01', '02', '04', '05')"
SEATED = "('01', '04', '05')"


def base_name(pupils: int) -> str:
    return f"xueji_yearturn_{pupils}"


def ensure_base(args) -> str:
    name = base_name(args.pupils)
    if ib.exists(args.server, name) and not args.rebuild_base:
        return name
    schools = max(20, args.pupils // 200)
    counties = max(2, schools // 50)
    cities = max(1, counties // 20)
    print(f"building {name}: {args.pupils:,} pupils, {schools:,} schools (once) ...", flush=True)
    ib.admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    ib.admin(args.server, f'CREATE DATABASE "{name}"')
    url = f"{args.server}/{name}"
    ib.manage(url, "migrate", "-v0")
    began = time.perf_counter()
    ib.manage(url, "demo_data", "--cities", str(cities), "--counties", str(counties), "--schools", str(schools),
              "--pupils", str(args.pupils), "--no-second-province")
    print(f"  built in {time.perf_counter() - began:.0f} s", flush=True)
    return name


def _final_grade_sql(year_sql: str = "%(year)s") -> str:
    """Pupils (alias s) whose class (c) is the final grade of its stage in the school year `year`."""
    return (f"((c.stage = '1' AND c.cohort_year = {year_sql} - 5) OR (c.stage IN ('2', '3') AND "
            f"c.cohort_year = {year_sql} - 2))")


def _unblock(url: str, *, graduate: bool) -> None:
    """Untimed: nothing blocks a school (requests closed, problems resolved); the final grades graduated."""
    statements = ["UPDATE workflow_request SET status = 'withdrawn' WHERE status IN ('pending', 'returned', "
                  "'follow_up')",
                  "UPDATE registration_problem SET status = 'resolved' WHERE status <> 'resolved'"]
    if graduate:
        statements.append(
            "UPDATE registry_student s SET status = '07' FROM schools_school sc, schools_schoolclass c, "
            "schools_schoolyear y WHERE y.is_current AND c.id = s.school_class_id AND sc.id = s.school_id AND "
            f"s.status IN {ON_ROLL} AND " + _final_grade_sql("y.start_year"))
    statements += ["INSERT INTO policy_businesswindow (province_code, kind, start_date, end_date, note) "
                   "VALUES ('340000', 'graduation.graduation', now()::date - 30, now()::date + 30, '')",
                   "VACUUM ANALYZE"]
    run_sql(url, statements)
    ib.manage(url, "rebuild_counts")


def run_sql(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def fresh(args, template: str, *, graduate: bool) -> str:
    ib.admin(args.server, f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    ib.admin(args.server, f'CREATE DATABASE "{SCRATCH}" TEMPLATE "{template}"')
    url = f"{args.server}/{SCRATCH}"
    ib.manage(url, "migrate", "-v0")
    _unblock(url, graduate=graduate)
    return url


# Children ----------------------------------------------------------------------------------------------------

def child_promotion(url: str) -> dict:
    ib.setup_django(url)
    from django.db import transaction

    from xueji.accounts.models import User
    from xueji.jobs.services import job_claim, job_run
    from xueji.schoolyear import selectors, services

    actor = User.objects.select_related("org_unit").get(username=PROVINCE_USER)
    run = services.promotion_prepare(actor=actor)
    began = time.perf_counter()
    rows = selectors.promotion_dry_run(user=actor, run=run)
    dry = time.perf_counter() - began
    began = time.perf_counter()
    with transaction.atomic():
        job = services.promotion_start(actor=actor, run=run)
        job_claim(job)
    job = job_run(job.pk, claimed=True)
    wall = time.perf_counter() - began
    assert job.status == "succeeded", job.error_detail
    return {"wall_s": wall, "dry_run_s": dry, "dry_run_rows": len(rows), "result": job.result}


def child_promotion_sql(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        began = time.perf_counter()
        cursor = conn.execute(f"UPDATE registry_student SET updated_at = now() WHERE status IN {ON_ROLL}")
        return {"wall_s": time.perf_counter() - began, "rows": cursor.rowcount}


def child_graduation(url: str) -> dict:
    ib.setup_django(url)
    from xueji.accounts.models import User
    from xueji.schoolyear import services

    # 统一毕业: the province closes the graduation of every school of its area at once (the set-based path a
    # school's own graduation shares, for one school).
    actor = User.objects.select_related("org_unit").get(username=PROVINCE_USER)
    began = time.perf_counter()
    done = services.graduation_close(actor=actor)
    return {"wall_s": time.perf_counter() - began, "pupils": done["pupils"], "schools": done["schools"]}


def child_graduation_sql(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        began = time.perf_counter()
        cursor = conn.execute(
            "UPDATE registry_student s SET status = '07', updated_at = now() FROM schools_schoolclass c, "
            f"schools_schoolyear y WHERE y.is_current AND c.id = s.school_class_id AND s.status IN {SEATED} AND "
            "c.stage IN ('1', '2') AND ((c.stage = '1' AND c.cohort_year = y.start_year - 5) OR "
            "(c.stage = '2' AND c.cohort_year = y.start_year - 2))")
        return {"wall_s": time.perf_counter() - began, "rows": cursor.rowcount}


CHILDREN = {"promotion": child_promotion, "promotion_sql": child_promotion_sql, "graduation": child_graduation,
            "graduation_sql": child_graduation_sql}


def run_child(kind: str, url: str) -> dict:
    database = url.rsplit("/", 1)[1]
    load_before = os.getloadavg()
    began = time.perf_counter()
    with ib.BackendCpu(database) as backends:
        done = subprocess.run([sys.executable, __file__, "--child", kind, "--url", url], cwd=ROOT,
                              capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    result.update(child_wall_s=time.perf_counter() - began, backend_cpu_s=backends.seconds,
                  load_before=load_before, load_after=os.getloadavg())
    print(f"  {kind}: {json.dumps(result, default=str)[:400]}", flush=True)
    return result


def render(args, figures: dict) -> str:
    promo, promo_sql = figures["promotion"], figures["promotion_sql"]
    grad, grad_sql = figures["graduation"], figures["graduation_sql"]
    p_ratio = promo["wall_s"] / max(promo_sql["wall_s"], 1e-9)
    g_ratio = grad["wall_s"] / max(grad_sql["wall_s"], 1e-9)
    lines = [
        f"# The school year's turn at {args.pupils:,} pupils", "",
        f"{platform.node()} · {platform.python_version()} · PostgreSQL at {args.server} · "
        f"load before/after {promo['load_before'][0]:.2f}/{promo['load_after'][0]:.2f}", "",
        "| measurement | ours (s) | plain UPDATE (s) | rows | ratio | goal |", "|---|---|---|---|---|---|",
        f"| promotion (job, {promo['result']['promoted']} schools) | {promo['wall_s']:.2f} | "
        f"{promo_sql['wall_s']:.2f} | {promo_sql['rows']:,} | **{p_ratio:.3f}** | ≤ 0.1 |",
        f"| graduation ({grad['schools']} schools) | {grad['wall_s']:.2f} | {grad_sql['wall_s']:.2f} | "
        f"{grad['pupils']:,} / {grad_sql['rows']:,} | **{g_ratio:.2f}** | ≤ 1.5 |",
        f"| dry run ({promo['dry_run_rows']} rows) | {promo['dry_run_s']:.2f} | | | | < 60 s |", "",
        f"Backend CPU (the database's own work, steadier than wall time on a shared machine): promotion "
        f"{promo['backend_cpu_s']:.1f} s, its plain UPDATE {promo_sql['backend_cpu_s']:.1f} s (ratio "
        f"{promo['backend_cpu_s'] / max(promo_sql['backend_cpu_s'], 1e-9):.3f}); graduation "
        f"{grad['backend_cpu_s']:.1f} s, its plain UPDATE {grad_sql['backend_cpu_s']:.1f} s (ratio "
        f"{grad['backend_cpu_s'] / max(grad_sql['backend_cpu_s'], 1e-9):.2f}).", "",
        "Load average before each measurement: " + ", ".join(
            f"{kind} {figures[kind]['load_before'][0]:.2f}" for kind in figures) + ".", ""]
    return "\n".join(lines)


def render_one(args, figures: dict) -> str:
    """The report of one measurement (--only) and its plain UPDATE."""
    ours, plain = figures[args.only], figures[f"{args.only}_sql"]
    extra = (f"{ours['result']['promoted']} schools, dry run {ours['dry_run_s']:.2f} s ({ours['dry_run_rows']} rows)"
             if args.only == "promotion" else f"{ours['schools']} schools, {ours['pupils']:,} pupils")
    return "\n".join([
        f"# The school year's turn at {args.pupils:,} pupils: {args.only}", "",
        f"{platform.node()} · {platform.python_version()} · PostgreSQL at {args.server}", "",
        "| measurement | ours (s) | plain UPDATE (s) | rows | ratio (wall) | ratio (backend CPU) |",
        "|---|---|---|---|---|---|",
        f"| {args.only} ({extra}) | {ours['wall_s']:.2f} | {plain['wall_s']:.2f} | {plain['rows']:,} | "
        f"**{ours['wall_s'] / max(plain['wall_s'], 1e-9):.3f}** | "
        f"{ours['backend_cpu_s'] / max(plain['backend_cpu_s'], 1e-9):.3f} |", "",
        f"Load average before: ours {ours['load_before'][0]:.2f}, plain UPDATE {plain['load_before'][0]:.2f}.", ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--rebuild-base", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", choices=("promotion", "graduation"),
                        help="measure one of the two (with its plain UPDATE); the report is printed, not written")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.url), default=str))
        return 0
    base = ensure_base(args)
    figures = {}
    for kind, graduate in (("promotion_sql", True), ("promotion", True), ("graduation_sql", False),
                           ("graduation", False)):
        if args.only and not kind.startswith(args.only):
            continue
        print(f"{kind} ...", flush=True)
        figures[kind] = run_child(kind, fresh(args, base, graduate=graduate))
    if not args.keep:
        ib.admin(args.server, f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    if args.only:
        report = render_one(args, figures)
        print(report)
        if not args.no_write:
            path = ROOT / "bench" / "results" / f"yearturn-{args.pupils}-{args.only}.md"
            path.write_text(report, encoding="utf-8")
            print(f"written to {path.relative_to(ROOT)}")
        return 0
    report = render(args, figures)
    print(report)
    if not args.no_write:
        path = ROOT / "bench" / "results" / f"yearturn-{args.pupils}.md"
        path.write_text(report, encoding="utf-8")
        print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
