#!/usr/bin/env python
"""Batch jobs at the database's pace (issue 14): each job over a province of 1,000,000 pupils against the
database doing the same work in plain SQL, in the same run, on PostgreSQL.

    .venv/bin/python bench/batch_bench.py                        # all four; results in bench/results/batch.md
    .venv/bin/python bench/batch_bench.py --only scan,export --no-write

- verification (身份核查) with number issuance: `manage.py verify_identities`'s job (`registration.verify`) run
  by the province registrar over every registered pupil awaiting a check, against the same writes done
  set-based in plain SQL (verification items, states, ID-error problems and their members, then the final
  numbers: the old numbers superseded, the new ones inserted, the pupils' numbers set; ANALYZE after each
  phase as the job does). Both phases are timed apart: the second is number issuance on its own.
- the ID-error scan (`problems.scans.error_scan`) against one SQL statement doing the same checks;
- the export of 1,000,000 pupils (`registry.export_students`, xlsx) against COPY (SELECT ...) TO STDOUT of the
  same query;
- the demo's population-register fill (`verification.register.register_fill_from_students`) against one plain
  INSERT ... SELECT.

Databases (server --server, trust auth): the 1,000,000-pupil province of bench/import_bench.py
(`xueji_import_base`, built once with the demo generator and reused). Verification needs pupils awaiting a
check, so a second base is derived from it once (`xueji_verify_base`): every registered pupil back to
"unverified" with a temporary L number instead of its G number, 0.1 % of them left out of the population
register and 0.1 % under another name there; VACUUM FULL ANALYZE. Every measurement runs in a fresh copy
(CREATE DATABASE ... TEMPLATE), in a child process (settings config.settings.base), with the CPU seconds of the
child and of the PostgreSQL backends (sampled from /proc) and the load average beside the wall time.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import import_bench as ib  # noqa: E402 - the shared base database and helpers

RESULTS = ROOT / "bench" / "results" / "batch.md"
VERIFY_BASE = "xueji_verify_base"  # defaults (--verify-base, --scratch)
SCRATCH = "xueji_batch_bench"
PROVINCE_USER = "province_registrar"

# The ID numbers and national numbers are sealed at rest (core.sealing, SECURITY.md row 24): plain SQL compares
# them by their blind indexes (id_number_index, number_index, ...), never by the sealed text, and what must be
# computed from a number (a temporary number from the ID, a wrong check digit) is written by Python (prepare_*).
PREPARE_VERIFY = [
    # Planted failures: 0.1 % unknown to the register, 0.1 % under another name.
    "DELETE FROM registration_registerentry r USING registry_student s WHERE s.id_number_index = r.id_number_index "
    "AND s.id % 1000 = 7",
    "UPDATE registration_registerentry r SET name = CASE WHEN substr(r.name, 1, 1) = '王' THEN '李' ELSE '王' END "
    "|| substr(r.name, 2) FROM registry_student s WHERE s.id_number_index = r.id_number_index AND s.id % 1000 = 501",
]
CHUNK = 20_000


def _keyset(qs, fields):
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def child_prepare_verify(url: str) -> dict:
    """Every registered pupil holding a G number awaits a check again, with a temporary number instead (unique:
    L + the first 17 characters of its ID + 0), and its issued G number turned into that L number: written
    through the bulk door (core.db.bulk.update_rows), which seals the numbers and computes their indexes."""
    ib.setup_django(url)
    from django.db import transaction

    from xueji.core.db.bulk import update_rows
    from xueji.registry.models import NationalNumber, Student

    pupils = numbers = 0
    with transaction.atomic():
        for rows in _keyset(Student.objects.filter(reg_status="registered", national_number__startswith="G"),
                            ("id_number",)):
            update_rows(Student, "id", ["verify_status", "national_number"],
                        [(pk, "unverified", f"L{number[:17]}0") for pk, number in rows])
            pupils += len(rows)
        for rows in _keyset(NationalNumber.objects.filter(kind="G"), ("number",)):
            update_rows(NationalNumber, "id", ["number", "kind"], [(pk, f"L{n[1:18]}0", "L") for pk, n in rows])
            numbers += len(rows)
    return {"pupils": pupils, "numbers": numbers}


def child_prepare_scan(url: str) -> dict:
    """The scan's planted errors: 0.05 % of the birth dates contradict the ID (plain SQL), 0.02 % of the ID
    numbers carry a wrong check digit (opened, changed and sealed again by the bulk door)."""
    ib.setup_django(url)
    from django.db import connection, transaction
    from django.db.models import F

    from xueji.core.db.bulk import update_rows
    from xueji.registry.models import Student

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE registry_student SET birth_date = birth_date + 1 WHERE id % 2000 = 3")
            dates = cursor.rowcount
        wrong = 0
        qs = Student.objects.alias(m=F("id") % 5000).filter(m=11, id_number__isnull=False).exclude(id_number="")
        for rows in _keyset(qs, ("id_number",)):
            update_rows(Student, "id", ["id_number"],
                        [(pk, n[:17] + ("1" if n[17:] == "0" else "0")) for pk, n in rows if len(n) == 18])
            wrong += len(rows)
    return {"dates": dates, "check_digits": wrong}


# Databases ---------------------------------------------------------------------------------------------------

def run_sql(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def ensure_verify_base(args) -> None:
    ib.ensure_base(args)
    if ib.exists(args.server, args.verify_base) and not args.rebuild_base:
        return
    print(f"deriving {args.verify_base} from {args.base} (once) ...", flush=True)
    began = time.perf_counter()
    ib.admin(args.server, f'DROP DATABASE IF EXISTS "{args.verify_base}"')
    ib.admin(args.server, f'CREATE DATABASE "{args.verify_base}" TEMPLATE "{args.base}"')
    url = f"{args.server}/{args.verify_base}"
    ib.manage(url, "migrate", "-v0")
    print(f"  {run_child('prepare_verify', url)}", flush=True)
    run_sql(url, [*PREPARE_VERIFY, "VACUUM FULL", "ANALYZE"])
    print(f"  derived in {time.perf_counter() - began:.0f} s", flush=True)


def fresh(args, template: str) -> str:
    ib.admin(args.server, f'DROP DATABASE IF EXISTS "{args.scratch}"')
    ib.admin(args.server, f'CREATE DATABASE "{args.scratch}" TEMPLATE "{template}"')
    url = f"{args.server}/{args.scratch}"
    ib.manage(url, "migrate", "-v0")
    run_sql(url, ["VACUUM ANALYZE"])
    return url


def cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# Children ----------------------------------------------------------------------------------------------------

def child_verify(url: str) -> dict:
    """The job as `manage.py verify_identities --user province_registrar` runs it (claimed, then run outside any
    transaction), with its two phases timed apart."""
    ib.setup_django(url)
    from django.db import transaction

    from xueji.accounts.models import User
    from xueji.jobs.services import job_claim, job_run
    from xueji.verification import jobs
    from xueji.verification.services import verification_start

    phases = {}
    numbers = jobs.issue_scope_numbers

    def timed_numbers(**kwargs):
        began = time.perf_counter()
        try:
            return numbers(**kwargs)
        finally:
            phases["numbers_s"] = time.perf_counter() - began

    jobs.issue_scope_numbers = timed_numbers
    actor = User.objects.select_related("org_unit").get(username=PROVINCE_USER)
    cpu = cpu_seconds()
    began = time.perf_counter()
    with transaction.atomic():
        job = verification_start(actor=actor)
        job_claim(job)
    job = job_run(job.pk, claimed=True)
    wall = time.perf_counter() - began
    assert job.status == "succeeded", job.error_detail
    return {"wall_s": wall, "checks_s": wall - phases["numbers_s"], "numbers_s": phases["numbers_s"],
            "python_cpu_s": cpu_seconds() - cpu, "result": job.result}


def _province_path(cursor) -> str:
    cursor.execute("SELECT u.path FROM accounts_user a JOIN regions_orgunit u ON u.id = a.org_unit_id "
                   "WHERE a.username = %s", [PROVINCE_USER])
    return cursor.fetchone()[0]


def child_verify_sql(url: str) -> dict:
    """The same writes, set-based, in plain SQL: a statement per step over the whole province. The numbers are
    sealed: the register is joined by the blind index, the items copy the sealed text as it is (the same bytes
    to write; our job seals each item under its own column), and the G numbers written here are the pupil's
    sealed ID behind a G with the ID's blind index standing for the G number's (SQL computes no HMAC-SM3 and
    no SM4): the same rows, indexes and uniqueness checks, not openable values."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        path = _province_path(cursor) + "%"
        scope = ("FROM registry_student s JOIN schools_school sc ON sc.id = s.school_id "
                 "JOIN regions_orgunit o ON o.id = sc.org_unit_id")
        has_id = "s.id_type = '1' AND s.id_number IS NOT NULL AND s.id_number <> ''"
        began = time.perf_counter()
        cursor.execute("INSERT INTO registration_verificationbatch (org_unit_id, province_code, mode, status, total, "
                       "answered, counts, file, created_by_id, created_at) SELECT a.org_unit_id, '340000', "
                       "'adapter', 'running', 0, 0, '{}', '', a.id, now() FROM accounts_user a WHERE a.username = %s "
                       "RETURNING id", [PROVINCE_USER])
        batch = cursor.fetchone()[0]
        steps = [
            ("items", f"INSERT INTO registration_verificationitem (batch_id, student_id, id_number, name, result, "
                      f"answered_at) SELECT %s, s.id, s.id_number, s.name, CASE WHEN r.id_number IS NULL THEN "
                      f"'id_not_found' WHEN r.name = s.name THEN 'verified' ELSE 'name_mismatch' END, now() {scope} "
                      f"LEFT JOIN registration_registerentry r ON r.id_number_index = s.id_number_index "
                      f"WHERE o.path LIKE %s AND s.reg_status = 'registered' AND {has_id} "
                      f"AND s.verify_status IN ('unverified', 'sent')",
             [batch, path]),
            ("states", "UPDATE registry_student s SET verify_status = CASE i.result WHEN 'verified' THEN 'verified' "
                       "WHEN 'id_not_found' THEN 'not_found' ELSE 'mismatch' END, updated_at = now() FROM "
                       "registration_verificationitem i WHERE i.batch_id = %s AND i.student_id = s.id "
                       "AND s.verify_status IN ('unverified', 'sent')", [batch]),
            ("problems", "INSERT INTO registration_problem (kind, status, resolution, province_code, key, id_number, "
                         "detail, source, created_at, updated_at) SELECT 'id_error', 'open', '', s.province_code, "
                         "'s' || s.id, '', "
                         "jsonb_build_object('reason', i.result), 'verification', now(), now() FROM "
                         "registration_verificationitem i JOIN registry_student s ON s.id = i.student_id "
                         "WHERE i.batch_id = %s AND i.result <> 'verified'", [batch]),
            ("members", "INSERT INTO registration_problemmember (problem_id, student_id, student_name, school_org_id, "
                        "county_org_id, state) SELECT p.id, s.id, s.name, sc.org_unit_id, sc.county_id, 'open' "
                        "FROM registration_problem p JOIN registry_student s ON 's' || s.id = p.key "
                        "JOIN schools_school sc ON sc.id = s.school_id WHERE p.source = 'verification'", []),
            ("analyze", "ANALYZE registry_student, registration_verificationitem, registration_problem, "
                        "registration_problemmember", []),
        ]
        timings = {}
        for name, sql, params in steps:
            step = time.perf_counter()
            cursor.execute(sql, params)
            timings[name] = time.perf_counter() - step
        checks = time.perf_counter() - began
        numbers = time.perf_counter()
        cleared = (f"SELECT s.id, 'G' || s.id_number AS number, s.id_number_index AS number_index, s.id_number_tail "
                   f"AS tail {scope} WHERE o.path LIKE %s AND s.reg_status = "
                   f"'registered' AND {has_id} AND s.verify_status IN ('verified', 'proof') AND (s.national_number IS "
                   f"NULL OR s.national_number = '' OR s.national_number_kind = 'L') AND NOT EXISTS (SELECT 1 FROM "
                   f"registration_problemmember m JOIN registration_problem p ON p.id = m.problem_id WHERE "
                   f"m.student_id = s.id AND m.state IN ('open', 'confirmed') AND p.status <> 'resolved') "
                   f"AND NOT EXISTS (SELECT 1 FROM registry_student d WHERE d.id_number_index = s.id_number_index "
                   f"AND d.id <> s.id AND d.reg_status = 'registered') AND NOT EXISTS (SELECT 1 FROM "
                   f"registry_nationalnumber n WHERE n.number_index = s.id_number_index) AND NOT EXISTS (SELECT 1 "
                   f"FROM registration_retirednumber r WHERE r.number_index = s.id_number_index)")
        steps = [
            ("cleared", f"CREATE TEMP TABLE cleared AS {cleared}", [path]),
            ("superseded", "UPDATE registry_nationalnumber n SET superseded_at = now() FROM cleared c "
                           "WHERE n.student_id = c.id AND n.superseded_at IS NULL", []),
            ("numbers", "INSERT INTO registry_nationalnumber (number, number_index, kind, student_id, issued_at) "
                        "SELECT number, number_index, 'G', id, now() FROM cleared", []),
            ("pupils", "UPDATE registry_student s SET national_number = c.number, national_number_index = "
                       "c.number_index, national_number_tail = c.tail, national_number_kind = 'G' FROM cleared c "
                       "WHERE s.id = c.id", []),
            ("analyze2", "ANALYZE registry_student, registry_nationalnumber", []),
        ]
        for name, sql, params in steps:
            step = time.perf_counter()
            cursor.execute(sql, params)
            timings[name] = time.perf_counter() - step
        cursor.execute("SELECT count(*) FROM cleared")
        issued = cursor.fetchone()[0]
        end = time.perf_counter()
        cursor.execute("SELECT result, count(*) FROM registration_verificationitem WHERE batch_id = %s "
                       "GROUP BY result", [batch])
        results = dict(cursor.fetchall())
    return {"wall_s": end - began, "checks_s": checks, "numbers_s": end - numbers, "steps": timings,
            "results": results, "issued": issued}


def _scan_statement(path: str) -> tuple[str, list]:
    """One SQL statement reading what the scan's checks need: the failed verifications, and every registered
    pupil's sealed ID number with its birth date and sex. The ID rule itself cannot run in SQL over a sealed
    number (core.idnumbers.error_code_sql needs the plaintext): the scan opens each number and checks it in
    Python, so this baseline is the database's pace of handing over those rows."""
    has_id = "s.id_type = '1' AND s.id_number IS NOT NULL AND s.id_number <> ''"
    sql = ("SELECT s.id, s.verify_status, s.id_number, s.birth_date, s.sex FROM registry_student s "
           "JOIN schools_school sc ON sc.id = s.school_id JOIN regions_orgunit o ON o.id = sc.org_unit_id "
           "WHERE s.province_code = %s AND s.reg_status = 'registered' AND o.path LIKE %s "
           f"AND (s.verify_status IN ('not_found', 'mismatch') OR ({has_id}))")
    return sql, ["340000", path + "%"]


def child_scan(url: str, repeat: int) -> dict:
    """Scan and baseline alternating (each scan against the mean of the baselines around it): `repeat` first
    runs (problems emptied before each) and `repeat` re-scans."""
    ib.setup_django(url)
    from django.db import connection

    from xueji.accounts.models import User
    from xueji.problems.models import Problem
    from xueji.problems.scans import error_scan

    actor = User.objects.select_related("org_unit").get(username=PROVINCE_USER)
    scope = actor.org_unit
    sql, params = _scan_statement(scope.path)

    def baseline() -> float:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = len(cursor.fetchall())
        baseline.found = found
        return time.perf_counter() - began

    def scan() -> tuple[float, dict]:
        began = time.perf_counter()
        result = error_scan(province_code="340000", scope=scope, actor=actor)
        return time.perf_counter() - began, result

    figures: dict = {"first": [], "again": []}
    for kind in ("first", "again"):
        for _n in range(repeat):
            if kind == "first":
                with connection.cursor() as cursor:  # the bench's reset: no problems filed yet
                    cursor.execute("DELETE FROM registration_problemevent")
                    cursor.execute("DELETE FROM registration_problemmember")
                    cursor.execute("DELETE FROM registration_problem")
            before = baseline()
            took, result = scan()
            after = baseline()
            figures[kind].append({"scan_s": took, "baseline_s": (before + after) / 2,
                                  "ratio": took / ((before + after) / 2), "new": result["id_error"]["new"],
                                  "reasons": result["reasons"]})
    figures["found_by_statement"] = baseline.found
    figures["problems"] = Problem.objects.count()
    return figures


def child_export(url: str) -> dict:
    """The export job of the province registrar (every pupil), then COPY of the same query to STDOUT."""
    ib.setup_django(url)
    from django.db import connection

    from xueji.accounts.models import User
    from xueji.jobs.services import job_run
    from xueji.registry import jobs as export
    from xueji.registry.selectors import student_list
    from xueji.registry.services import students_export_start

    actor = User.objects.select_related("org_unit").get(username=PROVINCE_USER)
    cpu = cpu_seconds()
    began = time.perf_counter()
    started = students_export_start(actor=actor, filters={})  # committed: the database queue holds it, we run it
    if started.job is None:  # held for the leader's approval (exchange.exports): nothing to measure
        return {"held": started.held_words(), "rows": started.rows, "threshold": started.threshold}
    job = job_run(started.job.pk)
    wall = time.perf_counter() - began
    assert job.status == "succeeded", job.error_detail
    from xueji.jobs.services import result_file_path

    size = result_file_path(job).stat().st_size
    export_cpu = cpu_seconds() - cpu
    qs = student_list(user=actor, filters={}).order_by("school_id", "school_class_id", "id").values_list(
        *export._FIELDS)
    sql, params = qs.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    copy_began = time.perf_counter()
    copied = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        for block in copy:
            copied += len(block)
    copy_wall = time.perf_counter() - copy_began
    return {"wall_s": wall, "python_cpu_s": export_cpu, "result": job.result, "file_mib": size / 2 ** 20,
            "copy_s": copy_wall, "copy_mib": copied / 2 ** 20}


def child_register(url: str) -> dict:
    """The demo's population-register fill (`register_fill_from_students`, 12 IDs left out and 12 renamed as
    `manage.py demo_data` plants them) against one plain INSERT ... SELECT of the same pupils; emptied first."""
    ib.setup_django(url)
    from django.db import connection

    from xueji.verification.register import register_fill_from_students

    # The sealed text copied as it is with its blind index (ours seals each number under the register's column).
    plain = ("INSERT INTO registration_registerentry (id_number, id_number_index, name, sex, birth_date, loaded_at) "
             "SELECT id_number, id_number_index, name, sex, birth_date, now() FROM registry_student WHERE id_type = "
             "'1' AND id_number IS NOT NULL AND id_number <> '' AND reg_status = 'registered'")
    figures: dict = {"ours_s": [], "plain_s": []}
    for _n in range(2):
        for kind in ("plain", "ours"):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE registration_registerentry")
            began = time.perf_counter()
            if kind == "ours":
                result = register_fill_from_students(omit=12, rename=12)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(plain)
            figures[f"{kind}_s"].append(time.perf_counter() - began)
    figures["pupils"] = result["pupils"]
    return figures


# The parent --------------------------------------------------------------------------------------------------

def run_child(kind: str, url: str, *extra: str) -> dict:
    database = url.rsplit("/", 1)[1]
    load_before = os.getloadavg()
    began = time.perf_counter()
    with ib.BackendCpu(database) as backends:
        done = subprocess.run([sys.executable, __file__, "--child", kind, "--url", url, *extra], cwd=ROOT,
                              capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    result["child_wall_s"] = time.perf_counter() - began
    result["backend_cpu_s"] = backends.seconds
    result["load_before"] = load_before
    result["load_after"] = os.getloadavg()
    print(f"  {kind}: {json.dumps(result, default=str)[:600]}", flush=True)
    return result


def load(figure: dict) -> str:
    return f"{figure['load_before'][0]:.1f}–{figure['load_after'][0]:.1f}"


def render(args, figures: dict) -> str:
    version = ib.admin(args.server, "SHOW server_version")[0][0]
    lines = ["# Batch jobs against the database's own pace", "",
             f"`bench/batch_bench.py`, {dt.date.today():%Y-%m-%d}: PostgreSQL {version}, Python "
             f"{platform.python_version()}, {os.cpu_count()} CPUs; the 1,000,000-pupil demo province, every "
             "measurement on a fresh copy. Load: the 1-minute load average before–after each measurement (2 cores,"
             " shared with other work). CPU: the child process + the PostgreSQL backends of the scratch database.",
             ""]
    if "verify" in figures:
        ours, plain = figures["verify"]["ours"], figures["verify"]["sql"]
        result = ours["result"]
        lines += ["## Verification with number issuance", "",
                  f"{result['checked']:,} pupils checked (verified {result['verified']:,}, not found "
                  f"{result['id_not_found']:,}, name mismatch {result['name_mismatch']:,}); numbers "
                  f"{json.dumps(result['numbers'])}; the plain SQL found {json.dumps(plain['results'])} and issued "
                  f"{plain['issued']:,}.", "",
                  "| measurement | wall s | checks s | numbers s | CPU s: Python + PostgreSQL | load |",
                  "|---|---:|---:|---:|---:|---:|",
                  f"| ours: the job, chunks of 2,000 committed one by one | {ours['wall_s']:.1f} | "
                  f"{ours['checks_s']:.1f} | {ours['numbers_s']:.1f} | {ours['python_cpu_s']:.1f} + "
                  f"{ours['backend_cpu_s']:.1f} | {load(ours)} |",
                  f"| the same writes in plain SQL, one statement per step | {plain['wall_s']:.1f} | "
                  f"{plain['checks_s']:.1f} | {plain['numbers_s']:.1f} | 0 + {plain['backend_cpu_s']:.1f} | "
                  f"{load(plain)} |",
                  f"| **ratio** | **{ours['wall_s'] / plain['wall_s']:.2f}** | "
                  f"{ours['checks_s'] / plain['checks_s']:.2f} | {ours['numbers_s'] / plain['numbers_s']:.2f} | "
                  f"{(ours['python_cpu_s'] + ours['backend_cpu_s']) / plain['backend_cpu_s']:.2f} | |", "",
                  f"Plain SQL steps (s): {json.dumps({k: round(v, 1) for k, v in plain['steps'].items()})}", ""]
    if "scan" in figures:
        scan = figures["scan"]
        lines += ["## ID-error scan", "",
                  f"The scan files {scan['problems']:,} problems; the baseline statement hands over the "
                  f"{scan['found_by_statement']:,} rows the checks read (the ID rule cannot run in SQL over sealed "
                  "numbers: the scan opens and checks them in Python).",
                  "", "| run | scan s | one SQL statement s | ratio |", "|---|---:|---:|---:|"]
        for kind in ("first", "again"):
            for n, run in enumerate(scan[kind], start=1):
                lines.append(f"| {kind} {n} (new {run['new']:,}) | {run['scan_s']:.2f} | {run['baseline_s']:.2f} | "
                             f"{run['ratio']:.2f} |")
        for kind in ("first", "again"):
            lines.append(f"| **median, {kind}** | | | **{statistics.median(r['ratio'] for r in scan[kind]):.2f}** |")
        lines += ["", f"Load {load(scan)}; CPU {scan['backend_cpu_s']:.1f} s PostgreSQL for the whole series.", ""]
    if "export" in figures and "held" in figures["export"]:
        lines += ["## Export of every pupil (xlsx)", "", f"Not measured: the export was held for approval "
                  f"({figures['export']['held']}; {figures['export']['rows']:,} rows).", ""]
    elif "export" in figures:
        export = figures["export"]
        lines += ["## Export of every pupil (xlsx)", "",
                  "| measurement | rows | wall s | CPU s (Python) | size MiB | load |",
                  "|---|---:|---:|---:|---:|---:|",
                  f"| ours: the export job | {export['result']['rows']:,} ({export['result']['sheets']} sheets) | "
                  f"{export['wall_s']:.1f} | {export['python_cpu_s']:.1f} | {export['file_mib']:.0f} | "
                  f"{load(export)} |",
                  f"| COPY (the same query) TO STDOUT | | {export['copy_s']:.1f} | | {export['copy_mib']:.0f} | |",
                  f"| **ratio** | | **{export['wall_s'] / export['copy_s']:.1f}** | | | |", "",
                  f"PostgreSQL CPU for both: {export['backend_cpu_s']:.1f} s.", ""]
    if "register" in figures:
        fill = figures["register"]
        ours, plain = min(fill["ours_s"]), min(fill["plain_s"])
        lines += ["## The demo's population-register fill", "",
                  "| measurement | pupils | best of 2, s | load |", "|---|---:|---:|---:|",
                  f"| ours: register_fill_from_students (one INSERT ... SELECT, upsert) | {fill['pupils']:,} | "
                  f"{ours:.1f} | {load(fill)} |",
                  f"| plain INSERT ... SELECT of the same pupils | | {plain:.1f} | |",
                  f"| **ratio** | | **{ours / plain:.2f}** | |", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--base", default="xueji_import_base")
    parser.add_argument("--verify-base", default=VERIFY_BASE)
    parser.add_argument("--scratch", default=SCRATCH)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=100, help="of the base (built once)")
    parser.add_argument("--schools", type=int, default=5000, help="of the base (built once)")
    parser.add_argument("--only", default="verify,scan,export,register")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild-base", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        handler = {"verify": child_verify, "verify_sql": child_verify_sql, "scan": child_scan,
                   "export": child_export, "register": child_register, "prepare_verify": child_prepare_verify,
                   "prepare_scan": child_prepare_scan}[args.child]
        extra = {"repeat": args.repeat} if args.child == "scan" else {}
        print(json.dumps(handler(args.url, **extra), default=str))
        return 0

    wanted = set(args.only.split(","))
    figures: dict = {}
    if "verify" in wanted:
        ensure_verify_base(args)
        figures["verify"] = {}
        for kind in ("verify_sql", "verify"):
            print(f"{kind} ...", flush=True)
            url = fresh(args, args.verify_base)
            figures["verify"]["sql" if kind == "verify_sql" else "ours"] = run_child(kind, url)
    else:
        ib.ensure_base(args)
    if "scan" in wanted:
        print("scan ...", flush=True)
        url = fresh(args, args.base)
        # Planted: 0.05 % of the birth dates contradict the ID, 0.02 % of the numbers carry a wrong check digit.
        print(f"  planted {run_child('prepare_scan', url)}", flush=True)
        run_sql(url, ["VACUUM ANALYZE"])
        figures["scan"] = run_child("scan", url, "--repeat", str(args.repeat))
    if "export" in wanted:
        print("export ...", flush=True)
        url = fresh(args, args.base)
        figures["export"] = run_child("export", url)
    if "register" in wanted:
        print("register fill ...", flush=True)
        url = fresh(args, args.base)
        figures["register"] = run_child("register", url)
    if not args.keep:
        ib.admin(args.server, f'DROP DATABASE IF EXISTS "{args.scratch}"')
    report = render(args, figures)
    print(report)
    if not args.no_write:
        path = RESULTS if wanted == {"verify", "scan", "export", "register"} else RESULTS.with_name(
            f"batch-{'-'.join(sorted(wanted))}.md")
        path.write_text(report, encoding="utf-8")
        print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
