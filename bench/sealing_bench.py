#!/usr/bin/env python
"""Encryption at rest against the unencrypted baseline, in one run (issue 11, item 7: "the import and the
duplicate scan keep their speed, at least 0.8 times"). On PostgreSQL, for each mode (sealing off, XUEJI_SEALING=
false: plaintext columns; sealing on: SM4-GCM columns, HMAC-SM3 blind indexes) in a fresh database of its own:

  1. migrate and a small demo (`demo_data`: the accounts and the school the import goes to), not timed;
  2. import a CSV of --rows new pupils (two guardians each) as a school registrar, end to end
     (exchange.pipeline.run_import, the same child as bench/import_bench.py), timed;
  3. register them all and plant --pairs records repeating another's ID number, then time the province-wide
     duplicate scan (problems.scans.duplicate_scan) --repeat times (median; the problems filed by the first
     run are dropped before each).

The modes alternate (off, on, off, on, ... --rounds times) so a change in the shared machine's load falls on
both; the figures are the medians per mode, and the ratio is baseline time / sealed time (1.0: no slower).

    .venv/bin/python bench/sealing_bench.py                      # 50,000 rows, 2 rounds; bench/results/sealing.md
    .venv/bin/python bench/sealing_bench.py --rows 5000 --rounds 1 --no-write
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


def child(url: str, file: str, pairs: int, repeat: int) -> dict:
    import_bench.setup_django(url)
    from django.db import connection
    from django.db.models import Max

    from xueji.accounts.models import User
    from xueji.core import sealing
    from xueji.policy.services import province_code_of
    from xueji.problems.models import Problem
    from xueji.problems.scans import duplicate_scan
    from xueji.regions.models import OrgUnit
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
        cursor.execute("ANALYZE")
    actor = User.objects.select_related("org_unit").get(username=import_bench.ACTOR)
    code = province_code_of(actor.org_unit)
    province = OrgUnit.objects.get(kind="province", code=code)  # the demo's province authority
    actor = User.objects.filter(org_unit=province).first() or actor
    scans, result = [], None
    for _ in range(repeat):
        Problem.objects.all().delete()
        began = time.perf_counter()
        result = duplicate_scan(province_code=code, scope=province, actor=actor)
        scans.append(time.perf_counter() - began)
    return {"sealing": sealing.enabled(), "import_s": imported["wall_s"], "written": imported["written"],
            "import_result": {k: v for k, v in (imported["result"] or {}).items() if isinstance(v, int | str)},
            "scan_s": statistics.median(scans), "scans": scans, "duplicate_id": result["duplicate_id"],
            "students": Student.objects.count()}


def run(server: str, name: str, sealing: bool, file: Path, pairs: int, repeat: int) -> dict:
    url = prepare(server, name, sealing)
    done = subprocess.run([PYTHON, __file__, "--child", "--url", url, "--file", str(file), "--pairs", str(pairs),
                           "--repeat", str(repeat)], cwd=ROOT, env=_env(sealing), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    out = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    out["load_avg"] = os.getloadavg()
    return out


def render(args, results: dict[str, list[dict]]) -> str:
    def med(mode, key):
        return statistics.median(r[key] for r in results[mode])

    # Per round: the baseline and the sealed run back to back, so a round's ratio is the least disturbed by the
    # shared machine's load; the figure is the median of the rounds' ratios.
    pairs = list(zip(results["off"], results["on"], strict=True))
    imp = statistics.median(off["import_s"] / on["import_s"] for off, on in pairs)
    scan = statistics.median(off["scan_s"] / on["scan_s"] for off, on in pairs)
    lines = [
        "# Encryption at rest against the unencrypted baseline (`bench/sealing_bench.py`)", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} ({os.cpu_count()} cores, "
        f"shared with other work): {args.rows:,} imported pupils (two guardians each), {args.pairs} planted "
        f"duplicate pairs, {args.rounds} round(s) alternating the modes, scan median of {args.repeat}.", "",
        "| | sealing off (baseline), median | sealing on, median | ratio (baseline / sealed), median of the "
        "rounds' |", "|---|---:|---:|---:|",
        f"| import, wall s | {med('off', 'import_s'):.1f} | {med('on', 'import_s'):.1f} | {imp:.2f} |",
        f"| duplicate scan, s | {med('off', 'scan_s'):.3f} | {med('on', 'scan_s'):.3f} | {scan:.2f} |", "",
        "Per round (import ratio, scan ratio): " + "; ".join(
            f"{off['import_s'] / on['import_s']:.2f}, {off['scan_s'] / on['scan_s']:.2f}" for off, on in pairs) + ".",
        "", "Each run, load average (1, 5, 15 min) after it:", "",
    ]
    for mode in ("off", "on"):
        for r in results[mode]:
            lines.append(f"- sealing {mode}: import {r['import_s']:.1f} s, scan {r['scan_s']:.3f} s "
                         f"({', '.join(f'{s:.3f}' for s in r['scans'])}), {r['students']:,} pupils, "
                         f"duplicates {r['duplicate_id']}, load {', '.join(f'{x:.1f}' for x in r['load_avg'])}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_seal_bench")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.url, args.file, args.pairs, args.repeat), default=str))
        return 0
    results: dict[str, list[dict]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare(args.server, args.database, False)  # the class names of the demo school, for the file
        import_bench.setup_django(url)
        _actor, _school, classes = import_bench.demo_school()
        from django.db import connections

        connections.close_all()  # the database is dropped and made again for each run
        file = import_bench.write_csv(Path(tmp) / "pupils.csv", args.rows, classes)
        for _round in range(args.rounds):
            for mode in ("off", "on"):
                print(f"round {_round + 1}, sealing {mode} ...", flush=True)
                results[mode].append(run(args.server, args.database, mode == "on", file, args.pairs, args.repeat))
                print(f"  {results[mode][-1]['import_s']:.1f} s import, {results[mode][-1]['scan_s']:.3f} s scan",
                      flush=True)
    import_bench.admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    text = render(args, results)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
