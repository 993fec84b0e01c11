#!/usr/bin/env python
"""Time the demo-data generator at benchmark scale on PostgreSQL (default: 1,000,000 pupils).

    .venv/bin/python bench/demo_scale.py                      # 1M pupils, 100 counties, 5000 schools
    .venv/bin/python bench/demo_scale.py --pupils 200000 --keep

Creates a scratch database (default xueji_bench) on the server of --server, migrates it, runs
`manage.py demo_data` in a child process, and prints the wall time, the child's CPU time and peak memory,
the rows written and the table sizes. The scratch database is dropped afterwards unless --keep.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def psql(server: str, sql: str, database: str = "postgres") -> str:
    import psycopg

    with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_bench")
    parser.add_argument("--cities", type=int, default=5)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    name = args.database
    psql(args.server, f'DROP DATABASE IF EXISTS "{name}"')
    psql(args.server, f'CREATE DATABASE "{name}"')
    # Base settings: DEBUG off, production password hashing; the database is the scratch one.
    env = {**os.environ, "DATABASE_URL": f"{args.server}/{name}", "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "XUEJI_ALLOW_DEMO_DATA": "true"}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    command = [PYTHON, "manage.py", "demo_data", "--cities", str(args.cities), "--counties", str(args.counties),
               "--schools", str(args.schools), "--pupils", str(args.pupils), "--batch-size", str(args.batch_size),
               "--no-second-province"]
    print("$", " ".join(command[1:]), flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = psql(args.server, """
        SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
        FROM pg_stat_user_tables WHERE relname IN ('registry_student', 'registry_studentdetail',
            'registry_familymember', 'registry_nationalnumber', 'schools_schoolclass', 'schools_school',
            'audit_auditevent') ORDER BY relname""", name)
    version = psql(args.server, "SHOW server_version")[0][0]
    print(f"PostgreSQL {version}; {args.pupils:,} pupils, {args.schools:,} schools, {args.counties} counties, "
          f"{args.cities} cities")
    print(f"wall {wall:.1f} s ({args.pupils / wall:,.0f} pupils/s); generator CPU {cpu:.1f} s; "
          f"peak RSS of the generator {after.ru_maxrss / 1024:.0f} MiB")
    print("\n".join(line for line in output.splitlines() if line.startswith(("Demo data", "  steps"))))
    for table, count, size in rows:
        print(f"  {table:28} ~{count:>10,} rows  {size}")
    if not args.keep:
        psql(args.server, f'DROP DATABASE "{name}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
