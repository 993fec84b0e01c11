#!/usr/bin/env python
"""Load benchmark: a generated province served as production serves it, driven by school, county, city and
province users at once (issue 14).

    .venv/bin/python bench/load.py                          # 1,000,000 pupils (built once, kept), all phases
    .venv/bin/python bench/load.py --pupils 5000000 --schools 25000 --counties 100
    .venv/bin/python bench/load.py --pupils 20000 --schools 100 --counties 4 --cities 2 --duration 10 --no-write

The province comes from the demo generator (`manage.py demo_data`) into a database of its own,
`xueji_load_<pupils>`, built on first use and kept (`--rebuild` makes it again); `VACUUM ANALYZE` runs before
each benchmark. It is served by gunicorn (`--workers`, default 4, sync workers) with the production settings
(`config.settings.prod`, DEBUG off; HTTPS redirects off as behind the documented proxy) and the benchmark-only
header that gives each response's SQL query count and database time (XUEJI_QUERY_COUNT_HEADER).

Phases, each page asked for by users of each level (a school, a county, a city and the province registrar):
1. one user at a time: `--single` requests per page and level; median, p95, queries and database time;
2. `--users` users (default 20) in threads, each pausing `--think` seconds (default 1) between requests, for
   `--duration` seconds, through the page mix: median, p95, p99 per page;
3. the same users without a pause: throughput of the mix (requests a second) and its percentiles;
4. logins: `--logins` sign-ins one after the other (the password hasher's cost is Django's default).
Results go to bench/results/load-<pupils>.md (and .json; `--label X`: load-<pupils>-X.md) unless `--no-write`.

`--root DIR` serves another checkout (e.g. `git worktree add /tmp/base main`, with its own .venv link) against the
same database: the figures before and after a change (`--database` a copy of the province made with
`CREATE DATABASE ... TEMPLATE`, so each version migrates its own). A page the served version lacks (404) is left
out and named in the results.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "Xueji@2026"
LEVELS = ("school", "county", "city", "province")


@dataclass
class Sample:
    page: str
    level: str
    ms: float
    status: int
    queries: int
    db_ms: float
    size: int


@dataclass
class Page:
    name: str
    path: str  # {pk}: a pupil of the user's jurisdiction; {surname}: a common surname
    api: bool = False


PAGES = (
    Page("workbench", "/"),
    Page("student list", "/students/"),
    Page("student list by name", "/students/?q={surname}"),
    Page("student list by school", "/students/?school={school}"),
    Page("student page", "/students/{pk}/"),
    # Issue 8's speed goal: the pupil's record with its timeline and as of a date cost what a new pupil's do.
    Page("student timeline", "/students/{pk}/timeline/"),
    Page("student as of a date", "/students/{pk}/?as_of=2025-09-01"),
    # The same three pages for pupils with a long history (LONG_HISTORY rows since the as-of date, given by
    # `long_histories`): bounded reads make them cost what a new pupil's do.
    Page("student page, long history", "/students/{long_pk}/"),
    Page("student timeline, long history", "/students/{long_pk}/timeline/"),
    Page("student as of a date, long history", "/students/{long_pk}/?as_of=2025-09-01"),
    Page("inbox", "/inbox/"),
    Page("transfer inbox", "/transfers/inbox/"),  # issue 9: a county's transfer inbox under 100 ms at p99
    Page("classes", "/classes/"),
    Page("API student list", "/api/v1/students/", api=True),
    Page("API student list by name", "/api/v1/students/?q={surname}", api=True),
    Page("API student detail", "/api/v1/students/{pk}/", api=True),
    Page("API school choices", "/api/v1/schools/choices/?q={school_text}", api=True),
)
LONG_HISTORY = 400  # history rows of each long-history pupil
LONG_PUPILS = 10  # long-history pupils per level

SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周")


def psql(server: str, sql: str, database: str = "postgres"):
    import psycopg

    with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- the province ---------------------------------------------------------------------------------------------

def build(args, env) -> None:
    exists = psql(args.server, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'")
    if exists and not args.rebuild:
        print(f"using {args.database}", flush=True)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        return
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(args.server, f'CREATE DATABASE "{args.database}"')
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    command = [PYTHON, "manage.py", "demo_data", "--cities", str(args.cities), "--counties", str(args.counties),
               "--schools", str(args.schools), "--pupils", str(args.pupils), "--no-second-province"]
    print("$", " ".join(command[1:]), flush=True)
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**env, "XUEJI_ALLOW_DEMO_DATA": "true",
                                           "DJANGO_SETTINGS_MODULE": "config.settings.base"},
                   check=True, stdout=subprocess.DEVNULL)
    print(f"built in {time.perf_counter() - began:.0f} s", flush=True)


def accounts(args) -> dict[str, dict]:
    """One registrar per level (the demo's), and pupils of their jurisdiction to open."""
    rows = psql(args.server, """
        SELECT u.username, o.kind, o.path FROM accounts_user u
        JOIN accounts_roleassignment r ON r.user_id = u.id AND r.role = 'registrar'
        JOIN regions_orgunit o ON o.id = u.org_unit_id
        WHERE o.kind IN ('school', 'county', 'city', 'province') ORDER BY o.path, u.username""", args.database)
    chosen: dict[str, dict] = {}
    for username, kind, path in rows:
        if kind not in chosen and (kind != "school" or username.startswith("school_")):
            chosen[kind] = {"username": username, "path": path}
    for level, account in chosen.items():
        pks = psql(args.server, f"""
            SELECT s.id FROM registry_student s JOIN schools_school sc ON sc.id = s.school_id
            JOIN regions_orgunit o ON o.id = sc.org_unit_id
            WHERE o.path LIKE '{account['path']}%' AND s.reg_status = 'registered'
            ORDER BY s.id LIMIT 200""", args.database)
        account["pupils"] = [pk for (pk,) in pks]
        schools = psql(args.server, f"""
            SELECT sc.id FROM schools_school sc JOIN regions_orgunit o ON o.id = sc.org_unit_id
            WHERE o.path LIKE '{account['path']}%' ORDER BY sc.id DESC LIMIT 20""", args.database)
        account["schools"] = [pk for (pk,) in schools]
        print(f"{level}: {account['username']} ({len(account['pupils'])} pupils to open)", flush=True)
    return chosen


def long_histories(args, chosen: dict) -> None:
    """LONG_PUPILS pupils of each level's jurisdiction get a long history: LONG_HISTORY rows of item changes (a
    phone number changed back and forth), one a day up to today, so that all of them are newer than the as-of
    date the pages ask for and the as-of view replays them all. Idempotent: a pupil that has them is left alone."""
    for account in chosen.values():
        account["long"] = account["pupils"][-LONG_PUPILS:]
        if not account["long"]:
            continue
        ids = ",".join(str(pk) for pk in account["long"])
        psql(args.server, f"""
            INSERT INTO registry_studenthistory (student_id, kind, old, new, changes, reason, at)
            SELECT s.id, 'items', '', '',
                   jsonb_build_object('phone', jsonb_build_array('1380000' || lpad((g % 10000)::text, 4, '0'),
                                                                 '1390000' || lpad((g % 10000)::text, 4, '0'))),
                   'load benchmark: a long history', now() - make_interval(days => g)
            FROM registry_student s CROSS JOIN generate_series(1, {LONG_HISTORY}) g
            WHERE s.id IN ({ids}) AND (SELECT count(*) FROM registry_studenthistory h WHERE h.student_id = s.id)
                  < {LONG_HISTORY}""", args.database)


def pending_transfers(args, env, chosen: dict) -> None:
    """Transfers in flight in the county user's county and some others (`bench/load_transfers.py`), filed and
    approved through the services of the served checkout, so that the transfer inbox has its share to show."""
    if "county" not in chosen:
        return
    code = f"from bench.load_transfers import seed; print(seed({chosen['county']['path']!r}))"
    began = time.perf_counter()
    done = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, check=True, stdout=subprocess.PIPE,
                          text=True, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.base",
                                          "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    print(f"transfers in flight: {done.stdout.strip()} ({time.perf_counter() - began:.0f} s)", flush=True)
    psql(args.server, "ANALYZE transfers_transfer; ANALYZE workflow_request; ANALYZE workflow_step", args.database)


# -- the server -----------------------------------------------------------------------------------------------

def serve(args, env) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--access-logfile", "/dev/null", "--error-logfile", "-",
         "--log-level", "warning", "--timeout", "120"], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Client:
    """One user's keep-alive connection with its session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt == 2:
                    raise
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data

    def login(self, username: str) -> float:
        _r, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        began = time.perf_counter()
        response, _data = self.request("POST", "/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/login/"})
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 302:
            raise SystemExit(f"login of {username} failed: {response.status}")
        return elapsed

    def get(self, page: Page, level: str, path: str) -> Sample:
        headers = {"Accept": "application/json"} if page.api else {}
        began = time.perf_counter()
        response, data = self.request("GET", path, headers=headers)
        queries, db_ms = int(response.headers.get("X-Queries", "0")), float(response.headers.get("X-Query-Ms", "0"))
        if response.status in (302, 303) and not page.api:
            # A search by name keeps its text out of the URL (a redirect to a lookup token): the user waits for both.
            response, data = self.request("GET", response.headers["Location"], headers=headers)
            queries += int(response.headers.get("X-Queries", "0"))
            db_ms += float(response.headers.get("X-Query-Ms", "0"))
        ms = (time.perf_counter() - began) * 1000
        return Sample(page.name, level, ms, response.status, queries, db_ms, len(data))


SCHOOL_TEXTS = ("小学", "中学", "实验", "第二", "镇")


def address(page: Page, account: dict, rng: random.Random) -> str:
    return page.path.format(pk=rng.choice(account["pupils"]) if account["pupils"] else 0,
                            long_pk=rng.choice(account["long"]) if account.get("long") else 0,
                            surname=urllib.parse.quote(rng.choice(SURNAMES)),
                            school=rng.choice(account["schools"]) if account["schools"] else 0,
                            school_text=urllib.parse.quote(rng.choice(SCHOOL_TEXTS)))


# -- phases ---------------------------------------------------------------------------------------------------

def single(args, users: dict[str, Client], chosen: dict) -> list[Sample]:
    """Each page for each level, one request at a time. A page the served code does not have (404 for every level:
    a page added since, when measuring an older version) is left out of the crowds too."""
    rng = random.Random(1)
    samples = []
    for page in PAGES:
        missing = True
        for level in LEVELS:
            if level not in users:
                continue
            client = users[level]
            warm = client.get(page, level, address(page, chosen[level], rng))  # warm the worker's caches
            if warm.status == 404:
                continue
            missing = False
            samples += [client.get(page, level, address(page, chosen[level], rng)) for _ in range(args.single)]
        if missing:
            MISSING.add(page.name)
    return samples


MISSING: set[str] = set()


def crowd(args, chosen: dict, think: float) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    lock = threading.Lock()
    levels = [level for level in LEVELS if level in chosen]
    # Every user signs in before the measured window opens: twenty password hashes at once would otherwise queue
    # the first pages behind them (sign-ins are measured on their own, phase 4).
    clients = [Client(args.port) for _i in range(args.users)]
    for index, client in enumerate(clients):
        client.login(chosen[levels[index % len(levels)]]["username"])
    stop = time.monotonic() + args.duration

    def run(index: int) -> None:
        rng = random.Random(index)
        level = levels[index % len(levels)]
        client = clients[index]
        mine = []
        time.sleep(rng.random() * max(think, 0.05))
        pages = [p for p in PAGES if p.name not in MISSING]
        while time.monotonic() < stop:
            page = rng.choice(pages)
            mine.append(client.get(page, level, address(page, chosen[level], rng)))
            if think:
                time.sleep(think * (0.5 + rng.random()))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.monotonic() - began


def summary(samples: list[Sample], by_level: bool = True) -> list[dict]:
    groups: dict[tuple, list[Sample]] = {}
    for s in samples:
        groups.setdefault((s.page, s.level if by_level else "all"), []).append(s)
    rows = []
    order = {p.name: i for i, p in enumerate(PAGES)}
    for (page, level), group in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        ms = [s.ms for s in group]
        rows.append({"page": page, "level": level, "n": len(group), "median": statistics.median(ms),
                     "p95": percentile(ms, 0.95), "p99": percentile(ms, 0.99),
                     "queries": max(s.queries for s in group), "db_ms": statistics.median(s.db_ms for s in group),
                     "kb": statistics.median(s.size for s in group) / 1024,
                     "errors": sum(1 for s in group if s.status != 200)})
    return rows


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    out = ["| " + " | ".join(title for _k, title, _f in columns) + " |",
           "|" + "|".join("---" if i < 2 else "---:" for i in range(len(columns))) + "|"]
    for row in rows:
        out.append("| " + " | ".join(format(row[key], fmt) if fmt else str(row[key]) for key, _t, fmt in columns)
                   + " |")
    return "\n".join(out)


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--cities", type=int, default=5)
    parser.add_argument("--database", default=None)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--single", type=int, default=15, help="requests per page and level, one user")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--label", default="", help="a suffix of the results' file name (load-<pupils>-<label>.md)")
    parser.add_argument("--root", default=str(ROOT),
                        help="the checkout to serve (default: this one; another version to compare with)")
    args = parser.parse_args()
    args.database = args.database or f"xueji_load_{args.pupils}"
    ROOT = Path(args.root).resolve()

    env = {**os.environ, "DATABASE_URL": f"{args.server}/{args.database}",
           "DJANGO_SETTINGS_MODULE": "config.settings.prod", "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
           "XUEJI_SSL_REDIRECT": "false", "XUEJI_HSTS_SECONDS": "0", "XUEJI_QUERY_COUNT_HEADER": "true",
           "XUEJI_VAR_DIR": str(ROOT / "var" / "bench-load")}
    build(args, env)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    psql(args.server, "VACUUM ANALYZE", args.database)
    chosen = accounts(args)
    long_histories(args, chosen)
    pending_transfers(args, env, chosen)
    server = serve(args, env)
    report: dict = {"pupils": args.pupils, "workers": args.workers, "users": args.users, "think": args.think,
                    "duration": args.duration}
    try:
        users = {}
        logins = []
        for level in LEVELS:
            if level in chosen:
                users[level] = Client(args.port)
                logins.append(users[level].login(chosen[level]["username"]))
        for _ in range(args.logins):
            logins.append(Client(args.port).login(chosen["school"]["username"]))
        report["login_ms"] = {"median": statistics.median(logins), "p95": percentile(logins, 0.95)}
        print(f"login: median {report['login_ms']['median']:.0f} ms", flush=True)
        report["single"] = summary(single(args, users, chosen))
        print("one user done", flush=True)
        paused, took = crowd(args, chosen, args.think)
        report["paused"] = summary(paused, by_level=False)
        report["paused_rate"] = len(paused) / took
        print(f"{args.users} users with pauses: {len(paused)} requests", flush=True)
        busy, took = crowd(args, chosen, 0.0)
        report["busy"] = summary(busy, by_level=False)
        report["busy_rate"] = len(busy) / took
        ms = [s.ms for s in busy]
        report["busy_all"] = {"median": statistics.median(ms), "p95": percentile(ms, 0.95),
                              "p99": percentile(ms, 0.99)}
        print(f"{args.users} users without pause: {report['busy_rate']:.1f} requests/s", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report["load_avg"] = os.getloadavg()

    cols = [("page", "page", ""), ("level", "user", ""), ("median", "median ms", ".1f"), ("p95", "p95 ms", ".1f"),
            ("queries", "queries", ""), ("db_ms", "db ms", ".1f"), ("kb", "KB", ".0f"), ("errors", "errors", "")]
    crowd_cols = [("page", "page", ""), ("n", "requests", ""), ("median", "median ms", ".1f"),
                  ("p95", "p95 ms", ".1f"), ("p99", "p99 ms", ".1f"), ("errors", "errors", "")]
    text = "\n\n".join([
        f"# Load benchmark, {args.pupils:,} pupils",
        f"`bench/load.py`, {time.strftime('%Y-%m-%d')}: gunicorn {args.workers} sync workers, production settings, "
        f"PostgreSQL on the same {os.cpu_count()}-core machine; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in report['load_avg'])}.",
        f"Login: median {report['login_ms']['median']:.0f} ms, p95 {report['login_ms']['p95']:.0f} ms "
        "(the password hasher's cost is Django's default)."
        + (f" Not in the served version: {', '.join(sorted(MISSING))}." if MISSING else ""),
        "## One user at a time", table(report["single"], cols),
        f"## {args.users} users, {args.think:g} s pause between requests ({report['paused_rate']:.1f} requests/s)",
        table(report["paused"], crowd_cols),
        f"## {args.users} users without pause: {report['busy_rate']:.1f} requests/s; all pages: median "
        f"{report['busy_all']['median']:.0f} ms, p99 {report['busy_all']['p99']:.0f} ms",
        table(report["busy"], crowd_cols)])
    print(text)
    if not args.no_write:
        name = f"load-{args.pupils}" + (f"-{args.label}" if args.label else "")
        out = Path(__file__).resolve().parent / "results" / name
        out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
