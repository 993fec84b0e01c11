#!/usr/bin/env python
"""The workbench's count queries per level, explained: what each one reads (issue 14, the province's workbench).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_load_200000 .venv/bin/python bench/count_queries.py

For the registrar of each level (the demo's school, county, city and province registrars, as bench/load.py picks
them) the cards and the menu of the workbench are built (xueji/ui/navigation.py: their counts, nothing else of the
page), their SELECTs captured and each run again under `EXPLAIN (ANALYZE, BUFFERS)`: its time, the rows its scans
read (actual rows x loops over every scan node) and the buffers it touched. Read-only: nothing is written.
XUEJI_ROOT=/path/to/another/checkout runs that checkout's code (the figures before a change); arguments name other
registrars to explain as well (e.g. a typical county's: bench/load.py picks the first of each level in path order,
which may be a small one)."""

import os
import sys
from pathlib import Path

ROOT = Path(os.environ.get("XUEJI_ROOT") or Path(__file__).resolve().parent.parent)  # another checkout: before
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from xueji.accounts.models import User  # noqa: E402
from xueji.ui import navigation  # noqa: E402

LEVELS = ("school", "county", "city", "province")
SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")


def registrars() -> dict[str, User]:
    chosen: dict[str, User] = {}
    for user in (User.objects.filter(role_assignments__role="registrar", org_unit__kind__in=LEVELS)
                 .select_related("org_unit").order_by("org_unit__path", "username")):
        kind = user.org_unit.kind
        if kind not in chosen and (kind != "school" or user.username.startswith("school_")):
            chosen[kind] = user
    return chosen


def scanned(node: dict) -> int:
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1) if node["Node Type"] in SCANS else 0
    return rows + sum(scanned(child) for child in node.get("Plans", ()))


def explain(sql: str) -> tuple[float, int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]
    top = plan["Plan"]
    return plan["Execution Time"], scanned(top), top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)


def main() -> None:
    users = {level: user.username for level, user in registrars().items()}
    for username in sys.argv[1:]:
        users[username] = username
    print("| level | query | ms | rows read | buffers |\n|---|---|---:|---:|---:|")
    for level, username in users.items():
        user = User.objects.select_related("org_unit").get(username=username)
        with CaptureQueriesContext(connection) as captured:
            waiting = navigation.waiting_work(user)
            navigation.cards(user, waiting=waiting)
            navigation.menu(user, path="/", waiting=waiting)
        level = f"{level} ({username})"
        totals = [0.0, 0, 0]
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            explain(sql)  # warm
            ms, rows, buffers = explain(sql)
            totals = [totals[0] + ms, totals[1] + rows, totals[2] + buffers]
            if rows >= 50 or ms >= 1:
                print(f"| {level} | `{sql[:110]}` | {ms:.1f} | {rows:,} | {buffers:,} |")
        print(f"| {level} | **all {len(captured.captured_queries)} queries** | {totals[0]:.1f} | {totals[1]:,} "
              f"| {totals[2]:,} |")


if __name__ == "__main__":
    main()
