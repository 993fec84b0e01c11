#!/usr/bin/env python
"""Encryption at rest against the unencrypted baseline, in one run (issue 11, item 7: "the import and the
duplicate scan keep their speed, at least 0.8 times"). On PostgreSQL, per round, for each mode (sealing off,
XUEJI_SEALING=false: plaintext columns; sealing on: SM4-GCM columns, HMAC-SM3 blind indexes) in a fresh database
of its own (both kept for the round):

  1. migrate and a small demo (`demo_data`: the accounts and the school the import goes to), not timed;
  2. import a CSV of --rows new pupils (two guardians each) as a school registrar, end to end
     (exchange.pipeline.run_import, the same child as bench/import_bench.py), timed; the imports alternate
     (off, on);
  3. register them all and plant --pairs records repeating another's ID number (by default one pair per hundred
     pupils: 2 % of the records in a duplicate group), then time the province-wide duplicate scan
     (problems.scans.duplicate_scan): one long-lived process per mode, the scans alternating between them
     (off, on, then on, off, ...) --repeat times, the problems filed by the previous scan dropped before each.

A scan pair (the two modes back to back) is the least disturbed by the shared machine's load; the scan's ratio is
the median of all pairs' ratios (baseline time / sealed time; 1.0: no slower), the import's the median of the
rounds'.

    .venv/bin/python bench/sealing_bench.py                      # 200,000 rows, 2 rounds; bench/results/sealing.md
    .venv/bin/python bench/sealing_bench.py --rows 5000 --rounds 1 --repeat 3 --no-write
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import import_bench  # noqa: E402 - the import bench's file writer and school

PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results" / "sealing.md"


def _env(sealing: bool) -> dict:
    return {**os.environ, "XUEJI_SEALING": "true" if sealing else "false", "XUEJI_LOG_LEVEL": "WARNING"}


def prepare(server: str, name: str, sealing: bool) -> str:
    import_bench.admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    import_bench.admin(server, f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    env = {**_env(sealing), "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "XUEJI_ALLOW_DEMO_DATA": "true"}
    for args in (["migrate", "-v0"], ["demo_data", "--cities", "1", "--counties", "2", "--schools", "10",
                                      "--pupils", "2000", "--no-second-province"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return url


def _province_actor():
    from xueji.accounts.models import User
    from xueji.policy.services import province_code_of
    from xueji.regions.models import OrgUnit

    actor = User.objects.select_related("org_unit").get(username=import_bench.ACTOR)
    code = province_code_of(actor.org_unit)
    province = OrgUnit.objects.get(kind="province", code=code)  # the demo's province authority
    return code, province, User.objects.filter(org_unit=province).first() or actor


def child(url: str, file: str, pairs: int) -> dict:
    """Import the file (timed), register every pupil and plant the duplicate pairs."""
    import_bench.setup_django(url)
    from django.db import connection
    from django.db.models import Max

    from xueji.core import sealing
    from xueji.registry.models import Student

    before = Student.objects.aggregate(m=Max("pk"))["m"] or 0
    imported = import_bench.child_ours(url, Path(file))
    # Register every pupil and plant pairs: the second of each pair takes the first one's ID number.
    Student.objects.update(reg_status="registered")
    new = list(Student.objects.filter(pk__gt=before).order_by("pk")[:2 * pairs])
    for a, b in zip(new[0::2], new[1::2], strict=False):
        b.id_number = a.id_number
    Student.objects.bulk_update(new[1::2], ["id_number"], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"sealing": sealing.enabled(), "import_s": imported["wall_s"],
            "import_result": {k: v for k, v in (imported["result"] or {}).items() if isinstance(v, int | str)},
            "students": Student.objects.count()}


def scanner(url: str) -> None:
    """A long-lived process scanning on request: a line "scan" on stdin, one JSON line (seconds, result) out."""
    import_bench.setup_django(url)
    from xueji.problems.models import Problem
    from xueji.problems.scans import duplicate_scan

    code, province, actor = _province_actor()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "scan":
            break
        Problem.objects.all().delete()
        began = time.perf_counter()
        result = duplicate_scan(province_code=code, scope=province, actor=actor)
        print(json.dumps({"scan_s": time.perf_counter() - began, "duplicate_id": result["duplicate_id"]}),
              flush=True)


def run(server: str, name: str, sealing: bool, file: Path, pairs: int, url: str | None = None) -> dict:
    url = url or prepare(server, name, sealing)
    done = subprocess.run([PYTHON, __file__, "--child", "--url", url, "--file", str(file), "--pairs", str(pairs)],
                          cwd=ROOT, env=_env(sealing), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    out = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    out["url"], out["load_avg"] = url, os.getloadavg()
    return out


def scans(runs: dict[str, dict], repeat: int) -> list[dict[str, float]]:
    """Alternate the two modes' scans, each in its own long-lived process, `repeat` pairs."""
    procs = {mode: subprocess.Popen([PYTHON, __file__, "--scanner", "--url", runs[mode]["url"]], cwd=ROOT,
                                    env=_env(mode == "on"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for mode in ("off", "on")}

    def answer(mode):
        while True:
            line = procs[mode].stdout.readline()
            if not line:
                raise SystemExit(f"the {mode} scanner died")
            if line.startswith("{"):
                return json.loads(line)

    for mode in procs:
        answer(mode)  # ready
    pairs = []
    for i in range(repeat):
        pair = {}
        for mode in (("off", "on") if i % 2 == 0 else ("on", "off")):
            procs[mode].stdin.write("scan\n")
            procs[mode].stdin.flush()
            got = answer(mode)
            pair[mode] = got["scan_s"]
            runs[mode]["duplicate_id"] = got["duplicate_id"]
        pair["load"] = os.getloadavg()[0]
        pairs.append(pair)
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    return pairs


def render(args, results: dict[str, list[dict]], scan_pairs: list[list[dict]]) -> str:
    def med(mode, key):
        return statistics.median(r[key] for r in results[mode])

    rounds = list(zip(results["off"], results["on"], strict=True))
    imp = statistics.median(off["import_s"] / on["import_s"] for off, on in rounds)
    every = [pair for pairs in scan_pairs for pair in pairs]
    scan = statistics.median(pair["off"] / pair["on"] for pair in every)
    scan_off = statistics.median(pair["off"] for pair in every)
    scan_on = statistics.median(pair["on"] for pair in every)
    loads = [pair["load"] for pair in every]
    students = results["on"][0]["students"]
    lines = [
        "# Encryption at rest against the unencrypted baseline (`bench/sealing_bench.py`)", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} ({os.cpu_count()} cores, "
        f"shared with other work): {args.rows:,} imported pupils (two guardians each; {students:,} in the "
        f"database), {args.pairs:,} planted duplicate pairs, {len(scan_pairs)} round(s); per round the imports "
        f"alternate (off, on) and then {args.repeat} scan pairs alternate between the two modes' long-lived "
        f"processes.", "",
        "| | sealing off (baseline), median | sealing on, median | ratio (baseline / sealed) |",
        "|---|---:|---:|---:|",
        f"| import, wall s | {med('off', 'import_s'):.1f} | {med('on', 'import_s'):.1f} | {imp:.2f} (median of "
        f"the rounds') |",
        f"| duplicate scan, s | {scan_off:.3f} | {scan_on:.3f} | {scan:.2f} (median of {len(every)} pairs') |", "",
        "Import ratio per round: " + ", ".join(f"{off['import_s'] / on['import_s']:.2f}" for off, on in rounds)
        + ".", "",
        "Scan ratio per round (median of its pairs; lowest, highest pair): " + "; ".join(
            f"{statistics.median(p['off'] / p['on'] for p in pairs):.2f} "
            f"({min(p['off'] / p['on'] for p in pairs):.2f}, {max(p['off'] / p['on'] for p in pairs):.2f})"
            for pairs in scan_pairs) + ".", "",
        f"Load average (1 min) during the scans: {min(loads):.1f} to {max(loads):.1f}. Each import, and the load "
        "average (1, 5, 15 min) after it:", "",
    ]
    for mode in ("off", "on"):
        for r in results[mode]:
            lines.append(f"- sealing {mode}: import {r['import_s']:.1f} s, {r['students']:,} pupils, "
                         f"duplicates found by the scan {r.get('duplicate_id')}, "
                         f"load {', '.join(f'{x:.1f}' for x in r['load_avg'])}")
    lines += ["", "Scan pairs (off s, on s) per round:", ""]
    for n, pairs in enumerate(scan_pairs, 1):
        lines.append(f"- round {n}: " + "; ".join(f"{p['off']:.3f}, {p['on']:.3f}" for p in pairs))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_seal_bench")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pairs", type=int, help="planted duplicate pairs (default: one per hundred rows)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=9, help="scan pairs per round")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scanner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pairs is None:
        args.pairs = max(1, args.rows // 100)
    if args.child:
        print(json.dumps(child(args.url, args.file, args.pairs), default=str))
        return 0
    if args.scanner:
        scanner(args.url)
        return 0
    results: dict[str, list[dict]] = {"off": [], "on": []}
    scan_pairs: list[list[dict]] = []
    names = {mode: f"{args.database}_{mode}" for mode in ("off", "on")}
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare(args.server, names["off"], False)  # the class names of the demo school, for the file
        import_bench.setup_django(url)
        _actor, _school, classes = import_bench.demo_school()
        from django.db import connections

        connections.close_all()  # the database is dropped and made again for each run
        file = import_bench.write_csv(Path(tmp) / "pupils.csv", args.rows, classes)
        for _round in range(args.rounds):
            runs = {}
            for mode in ("off", "on"):
                print(f"round {_round + 1}, sealing {mode}: import ...", flush=True)
                fresh = url if _round == 0 and mode == "off" else None  # the first database is still untouched
                runs[mode] = run(args.server, names[mode], mode == "on", file, args.pairs, url=fresh)
                print(f"  {runs[mode]['import_s']:.1f} s import", flush=True)
            scan_pairs.append(scans(runs, args.repeat))
            print("  scans (off, on): " + "; ".join(f"{p['off']:.3f}, {p['on']:.3f}" for p in scan_pairs[-1]),
                  flush=True)
            for mode in ("off", "on"):
                results[mode].append(runs[mode])
            text = render(args, results, scan_pairs)  # after every round: a long run cut short keeps its rounds
            if not args.no_write:
                RESULTS.write_text(text, encoding="utf-8")
    for name in names.values():
        import_bench.admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
