#!/usr/bin/env python
"""The messaging poll's load benchmark (issue 12, item 2): 200 users with a conversation open, each polling every
2 s as the page does, a few of them sending, against the application served as production serves it.

    .venv/bin/python bench/support_poll.py --held                # 200 pollers, 10 senders, 60 s: held polls
    .venv/bin/python bench/support_poll.py                       # on sync workers: every poll answered at once
    .venv/bin/python bench/support_poll.py --users 50 --duration 10 --no-write

The database (`xueji_poll`, on `--server`) is made once with the demo data (`manage.py demo_data`, a small
province) and kept (`--rebuild` makes it again); the benchmark's users (`poll_0001`...: school registrars of the
demo's schools, two a school) and their one-to-one conversations are added through the services (`seed`, run in
`manage.py shell`), with a session each minted server-side (200 password hashes at once would cost more than the
measured minute; sign-ins are bench/load.py's). gunicorn serves it (`--workers`, default 4 sync workers, as
bench/load.py) with `config.settings.prod`; `--held` serves it as README "Messaging" says for held polls: 4 threaded
workers (gthread, 128 threads each, keep-alive 5 s), Django's connection pool (6 a process) and polls held up to
`--hold` seconds (20) by the listener of xueji/support/notify.py, at most `--holds` (112) at once a process.

Each user's thread polls `/support/messages/<id>/poll/?after=<cursor>` every `--interval` seconds (2, the page's),
starting at a random moment of the first interval, and moves its cursor on a 200 as the page does (an idle poll is
a 204): htmx's `every 2s` drops the ticks that come while a poll is out (hx-sync drop), so after a held poll the
next one goes at the next tick, and a new poller (after a 200) polls at once (its `load` trigger). `--senders` of
the users send a message every `--send-every` seconds (the page's htmx send); the peer's poll that first shows it
gives the time from send to seen. Measured over the window: the CPU time of the gunicorn
processes and of the PostgreSQL backends serving the database (from /proc), relative to the machine's capacity
(cores × wall time); the poll's latency (p50, p95, p99) and the send-to-seen time; every sent message is checked to
have reached its peer (lost: none). Results go to bench/results/support-poll.md (`--held`, the transport in use) or
support-poll-sync.md (sync workers, the comparison) unless `--no-write`.
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402 - its keep-alive client

PYTHON = sys.executable
TICK = os.sysconf("SC_CLK_TCK")


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


# -- the users, inside the served checkout (manage.py shell) ----------------------------------------------------

def seed(users: int) -> str:
    """Bench users (two school registrars a school, of the demo's schools), a one-to-one conversation per pair with
    a first message, and a session per user. Idempotent for the users and conversations; new sessions each run.
    Answers JSON: the session cookie's name and, per user, the session key and the conversation."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from xueji.accounts.middleware import LOGIN_AT_KEY
    from xueji.accounts.models import Role, RoleAssignment, User
    from xueji.core import clock
    from xueji.regions.models import OrgKind, OrgUnit
    from xueji.support import polling, services
    from xueji.support.models import Conversation

    schools = list(OrgUnit.objects.filter(kind=OrgKind.SCHOOL, is_active=True).order_by("path")[: users // 2])
    password = make_password(uuid.uuid4().hex)  # one hash for all: nobody signs in with it
    now = clock.now()
    wanted = [(f"poll_{n + 1:04d}", schools[(n // 2) % len(schools)]) for n in range(users)]
    existing = set(User.objects.filter(username__in=[name for name, _u in wanted]).values_list("username", flat=True))
    User.objects.bulk_create([User(username=name, full_name=f"轮询{name[-4:]}", org_unit=unit, password=password,
                                   password_changed_at=now) for name, unit in wanted if name not in existing])
    accounts = {u.username: u for u in User.objects.filter(username__in=[name for name, _u in wanted])
                .select_related("org_unit")}
    RoleAssignment.objects.bulk_create([RoleAssignment(user=accounts[name], role=Role.REGISTRAR)
                                        for name, _u in wanted if name not in existing])
    User.objects.filter(pk__in=[u.pk for u in accounts.values()]).update(password_changed_at=now)
    rows = []
    for n in range(0, users - 1, 2):
        a, b = accounts[wanted[n][0]], accounts[wanted[n + 1][0]]
        pair = "-".join(str(pk) for pk in sorted((a.pk, b.pk)))
        conversation = Conversation.objects.filter(pair=pair).first() or services.conversation_start(
            actor=a, participant_ids=[b.pk], body="开始")
        for user in (a, b):
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[LOGIN_AT_KEY] = now.timestamp()
            session.set_expiry(dt.timedelta(hours=2))
            session.create()
            token = polling.issue(user_id=user.pk, conversation_id=conversation.pk, session_key=session.session_key,
                                  auth_hash=user.get_session_auth_hash(), now=now.timestamp())  # as the page's
            rows.append({"user": user.username, "session": session.session_key, "conversation": conversation.pk,
                         "cursor": conversation.last_message_id, "token": token})
    return json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "users": rows})


# -- the database and the server --------------------------------------------------------------------------------

def build(args, env) -> None:
    exists = psql(args.server, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'")
    if exists and not args.rebuild:
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        return
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(args.server, f'CREATE DATABASE "{args.database}"')
    began = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "demo_data", "--counties", "4", "--schools", "120", "--pupils", "6000"],
                   cwd=ROOT, env={**env, "XUEJI_ALLOW_DEMO_DATA": "true", "DJANGO_SETTINGS_MODULE":
                                  "config.settings.base"}, check=True, stdout=subprocess.DEVNULL)
    print(f"built in {time.perf_counter() - began:.0f} s", flush=True)


def serve(args, env) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
         "--keep-alive", str(args.keep_alive),
         "--access-logfile", "/dev/null", "--error-logfile", "-",
         "--log-level", "warning", "--timeout", "120"], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def server_pids(args, master: int) -> dict[str, list[int]]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    backends = [pid for (pid,) in psql(args.server, f"SELECT pid FROM pg_stat_activity WHERE datname = "
                                                     f"'{args.database}' AND pid <> pg_backend_pid()")]
    return {"gunicorn": [master, *children], "postgres": backends}


# -- the users' threads -----------------------------------------------------------------------------------------

class Client(load.Client):
    """bench/load.py's keep-alive client, signed in with a session made by the seeding child."""

    def __init__(self, port: int, cookie: str, session: str) -> None:
        super().__init__(port)
        self.cookies = {cookie: session}


TOKEN = re.compile(rb"bench-([0-9a-f]{12})")
CURSOR = re.compile(rb'data-cursor="(\d+)"')
POLL_URL = re.compile(rb'id="poller"[^>]*hx-get="([^"]+)"')


def warm_up(args, seeded: dict, rounds: int = 6, threads: int = 8) -> None:
    """What a long-lived worker has done before: a conversation page, a poll with news and an idle one, from
    `threads` clients at once, `rounds` times, so that every worker has imported its views, compiled the templates
    and opened its connection before the window (as in production, where a worker serves for hours). Not measured."""
    rows = seeded["users"]

    def one(index: int) -> None:
        row = rows[index % len(rows)]
        client = Client(args.port, seeded["cookie"], row["session"])
        for _ in range(rounds):
            client.request("GET", f"/support/messages/{row['conversation']}/")
            client.request("GET", f"/support/messages/{row['conversation']}/poll/?after=0",
                           headers={"HX-Request": "true"})
            client.request("GET", f"/support/messages/{row['conversation']}/poll/?after={row['cursor']}&t="
                           f"{urllib.parse.quote(row['token'])}", headers={"HX-Request": "true"})

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def run(args, seeded: dict) -> dict:
    rows = seeded["users"]
    sent: dict[str, tuple[float, int]] = {}  # token -> (send began, conversation)
    seen: dict[str, float] = {}
    polls: list[tuple[float, int]] = []  # (ms, status)
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic() + 2.0
    stop = start + args.duration
    senders = {i for i in range(0, len(rows), max(1, len(rows) // max(args.senders, 1)))}
    senders = set(sorted(senders)[: args.senders])

    def poller(index: int) -> None:
        row = rows[index]
        rng = random.Random(index)
        client = Client(args.port, seeded["cookie"], row["session"])
        cursor = row["cursor"]
        url = f"/support/messages/{row['conversation']}/poll/?after={cursor}&t={urllib.parse.quote(row['token'])}"
        mine, found = [], {}
        due = start + rng.random() * args.interval
        while True:
            now = time.monotonic()
            if now >= stop:
                break
            if due > now:
                time.sleep(due - now)
            began = time.perf_counter()
            try:
                response, data = client.request("GET", url, headers={"HX-Request": "true"})
            except OSError as exc:
                with lock:
                    errors.append(f"poll: {exc}")
                due += args.interval
                continue
            arrived = time.monotonic()
            mine.append(((time.perf_counter() - began) * 1000, response.status))
            due += args.interval  # the page's fixed interval (htmx `every 2s`)
            while due < arrived:  # the ticks while it was out were dropped (hx-sync="this:drop")
                due += args.interval
            if response.status == 200:
                match = CURSOR.search(data)
                cursor = int(match.group(1)) if match else cursor
                found_url = POLL_URL.search(data)  # the new poller: its cursor and a fresh token, as htmx swaps it
                url = html.unescape(found_url.group(1).decode()) if found_url else url
                for token in TOKEN.findall(data):
                    found.setdefault(token.decode(), arrived)
                due = arrived  # the new poller's `load` trigger
            elif response.status != 204:
                with lock:
                    errors.append(f"poll: {response.status}")
        with lock:
            polls.extend(mine)
            for token, at in found.items():
                seen.setdefault(token, at)

    def sender(index: int) -> None:
        row = rows[index]
        rng = random.Random(1000 + index)
        client = Client(args.port, seeded["cookie"], row["session"])
        _r, page = client.request("GET", f"/support/messages/{row['conversation']}/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        time.sleep(2.0 + rng.random() * args.send_every)
        while time.monotonic() < stop - 3:
            key = uuid.uuid4().hex[:12]
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "body": f"bench-{key} 消息",
                                           "client_key": key})
            began = time.monotonic()
            response, _data = client.request("POST", f"/support/messages/{row['conversation']}/send/", body, {
                "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                "X-CSRFToken": token})
            if response.status == 200 and response.headers.get("HX-Trigger") == "messages-sent":
                with lock:
                    sent[key] = (began, row["conversation"])
            else:
                with lock:
                    errors.append(f"send: {response.status}")
            time.sleep(args.send_every * (0.5 + rng.random()))

    threads = [threading.Thread(target=poller, args=(i,)) for i in range(len(rows))]
    threads += [threading.Thread(target=sender, args=(i,)) for i in sorted(senders)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.monotonic()))
    return {"threads": threads, "sent": sent, "seen": seen, "polls": polls, "errors": errors, "start": start,
            "stop": stop}


WHY = """## The transport: held polls, and why

An open conversation page polls `/support/messages/<id>/poll/?after=<cursor>` with the id of the last message it
shows. On a threaded server with PostgreSQL an idle poll is held: after its one query (token, session, account,
participant, newest id) it waits up to XUEJI_SUPPORT_HOLD_SECONDS (20) for a message of its conversation, announced
by the sender's transaction (NOTIFY, delivered at commit) to one listener thread per server process (LISTEN, an
in-memory map conversation → newest id, xueji/support/notify.py); woken, it is answered by the full path (every rule,
the masked presenter, the read mark) with the messages after its cursor. So a new message shows in a fraction of a
second, and an open page costs one request in 20 s instead of ten. Nothing is lost when a user or a server goes
away: the client's cursor is the truth (a message is committed before its send is answered; a resent one is stored
once by its client key); a poll that comes back from an old cursor gets everything after it at once; a listener that
loses its connection sends every held poll to the full path, which reads the database. On SQLite, on sync workers,
behind PgBouncer without DATABASE_LISTEN_URL, or past XUEJI_SUPPORT_HOLDS held polls in a process, a poll is answered
at once and the page polls every 2 s as before (an idle one a 204 after one query at the WSGI entry).

Measured against the alternatives: the held poll needs no new package (gunicorn's gthread worker, psycopg's LISTEN,
Django's connection pool so that 500 threads do not open 500 connections) and keeps the poll token, the WSGI-entry
check and the full path unchanged. Making the 2 s poll cheaper alone (the newest id from a listener's map instead of
the query) could at best remove the PostgreSQL share of an idle poll, while the sync worker's per-request cost (a
new TCP connection and a request cycle every 2 s per page, the larger part) stays (the sync idle run in the table
below). Server-sent events would need the same listener plus a stream per page on
an async or threaded worker, and the poll token, the cursor catch-up and htmx's swap done again in JavaScript; Django
Channels over ASGI would add a second server and Redis. The held poll gets the same wake-up as a stream at the price
of one request per message or per 20 s."""


def comparison() -> str:
    """The four stored runs side by side (whichever exist): held and sync, idle pages and pages with a chat."""
    rows = []
    for name, label in (("support-poll-idle", "held polls, 200 idle pages"),
                        ("support-poll-sync-idle", "sync workers, 200 idle pages"),
                        ("support-poll", "held polls, 200 pages, 10 sending every ~5 s"),
                        ("support-poll-sync", "sync workers, 200 pages, 10 sending every ~5 s")):
        path = Path(__file__).resolve().parent / "results" / f"{name}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text(encoding="utf-8"))
        seen = r["seen_ms"]
        rows.append(f"| {label} ([{name}.md]({name}.md)) | {r['poll_rate']:.1f} | **{r['server_share']:.1%}** | "
                    + (f"{seen['p50']:.0f} / {seen['p95']:.0f} / {seen['max']:.0f} ms | {r['lost']} | "
                       if r["sent"] else "– | – | ")
                    + f"{', '.join(f'{x:.1f}' for x in r['load_avg_start'])} |")
    if not rows:
        return ""
    return ("## Held polls and sync workers, measured\n\n| run | requests a second | server CPU / capacity | "
            "send to seen p50 / p95 / max | lost | load average at the start |\n|---|---:|---:|---:|---:|---:|\n"
            + "\n".join(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xueji_poll")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--senders", type=int, default=10, help="0: the cost of open pages alone")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--send-every", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--keep-alive", type=int, default=5)
    parser.add_argument("--held", action="store_true", help="gthread, 128 threads, a pool of 6: polls held")
    parser.add_argument("--hold", type=int, default=20, help="seconds a poll is held (XUEJI_SUPPORT_HOLD_SECONDS)")
    parser.add_argument("--holds", type=int, default=112, help="polls held at once a process (XUEJI_SUPPORT_HOLDS)")
    parser.add_argument("--pool", type=int, default=0, help="DATABASE_POOL (0: a connection per thread)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.held:
        args.worker_class, args.threads, args.pool = "gthread", max(args.threads, 128), args.pool or 6

    env = {**os.environ, "DATABASE_URL": f"{args.server}/{args.database}",
           "DJANGO_SETTINGS_MODULE": "config.settings.prod", "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
           "XUEJI_SSL_REDIRECT": "false", "XUEJI_HSTS_SECONDS": "0", "XUEJI_VAR_DIR": str(ROOT / "var" / "bench-poll"),
           # connections that outlive the window: a backend that ends inside it takes its CPU time with it
           "DATABASE_CONN_MAX_AGE": "300",
           "XUEJI_SUPPORT_HOLD_SECONDS": str(args.hold), "XUEJI_SUPPORT_HOLDS": str(args.holds)}
    if args.pool:
        env["DATABASE_POOL"] = str(args.pool)  # the pool keeps its connections (min 1, at most this many a process)
    # As a production server runs: with bytecode (a machine that forbids it would have each worker compile every
    # module it imports late, inside the measured window).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    build(args, env)
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists() or "support/chat.js" not in manifest.read_text():  # minutes: whitenoise compresses all
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run([PYTHON, "manage.py", "shell", "-c",
                           f"from bench.support_poll import seed; print(seed({args.users}))"], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True,
                          env={**env, "PYTHONPATH": str(ROOT)})  # the production settings: its cookie's name
    seeded = json.loads(done.stdout.strip().splitlines()[-1])
    psql(args.server, "VACUUM ANALYZE", args.database)
    print(f"{len(seeded['users'])} users in {len(seeded['users']) // 2} conversations", flush=True)
    server = serve(args, env)
    try:
        warm_up(args, seeded)
        state = run(args, seeded)
        time.sleep(1.0)  # every worker has its database connection
        pids = server_pids(args, server.pid)
        before = {pid: _ticks(pid) for group in pids.values() for pid in group}
        wall0, own0, load0 = time.monotonic(), os.times(), os.getloadavg()
        time.sleep(max(0.0, state["stop"] - time.monotonic()))  # the window ends with the users' minute, not
        wall = time.monotonic() - wall0                          # with the last held poll's end
        own1 = os.times()
        after_pids = server_pids(args, server.pid)
        used = {}
        for group, members in after_pids.items():
            used[group] = sum(_ticks(pid) - before.get(pid, 0) for pid in set(members) | set(pids[group])) / TICK
        for thread in state["threads"]:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    cores = os.cpu_count() or 1
    capacity = cores * wall
    server_cpu = used["gunicorn"] + used["postgres"]
    polls = state["polls"]
    # A held poll ends at its hold (an idle one) or at a message; on sync workers none is held, however slow.
    long = args.hold * 500 if args.worker_class == "gthread" else float("inf")
    held = [ms for ms, code in polls if code == 204 and ms >= long]
    idle = [ms for ms, code in polls if code == 204 and ms < long]  # answered at once
    fresh = [ms for ms, code in polls if code == 200]
    everything = [ms for ms, _c in polls]
    delays = [(state["seen"][k] - began) * 1000 for k, (began, _c) in state["sent"].items() if k in state["seen"]]
    lost = [k for k in state["sent"] if k not in state["seen"]]
    rate = len(polls) / wall
    report = {
        "users": len(seeded["users"]), "senders": args.senders, "interval": args.interval, "duration": wall,
        "workers": args.workers, "cores": cores, "polls": len(polls), "poll_rate": rate,
        "cpu_s": used, "server_share": server_cpu / capacity, "generator_cpu_s": (own1.user + own1.system)
        - (own0.user + own0.system), "load_avg": os.getloadavg(), "load_avg_start": load0,
        "poll_ms": {"p50": percentile(everything, .5), "p95": percentile(everything, .95),
                    "p99": percentile(everything, .99), "max": max(everything, default=float("nan"))},
        "idle_ms": {"n": len(idle), "p50": percentile(idle, .5), "p99": percentile(idle, .99)},
        "held_ms": {"n": len(held), "p50": percentile(held, .5), "max": max(held, default=float("nan"))},
        "worker_class": args.worker_class, "threads": args.threads, "pool": args.pool, "hold": args.hold,
        "holds": args.holds,
        "fresh_ms": {"n": len(fresh), "p50": percentile(fresh, .5), "p99": percentile(fresh, .99)},
        "sent": len(state["sent"]), "seen_ms": {"p50": percentile(delays, .5), "p95": percentile(delays, .95),
                                                "max": max(delays, default=float("nan"))},
        "lost": len(lost), "errors": len(state["errors"]), "error_kinds": sorted(set(state["errors"]))[:5],
        "cpu_ms_per_poll": server_cpu * 1000 / max(len(polls), 1)}
    if args.worker_class == "gthread":
        served = (f"gunicorn {args.workers} threaded workers (gthread, {args.threads} threads each, keep-alive "
                  f"{args.keep_alive} s){f', a connection pool of {args.pool} a process' if args.pool else ''}, "
                  f"polls held up to {args.hold} s (at most {args.holds} a process) and woken by the listener of "
                  "support.notify (LISTEN/NOTIFY)")
    else:
        served = f"gunicorn {args.workers} sync workers (every poll answered at once)"
    text = "\n\n".join([
        "# Messaging poll benchmark",
        f"`bench/support_poll.py{' --held' if args.held else ''}`, {time.strftime('%Y-%m-%d %H:%M')} UTC: "
        f"{report['users']} users with a conversation open (polling every {args.interval:g} s when not held), "
        f"{args.senders} of them sending a message every ~{args.send_every:g} s, for {wall:.0f} s; {served}, with "
        f"the production settings; PostgreSQL 15 and the load generator on the same {cores}-core machine (load "
        f"average at the start {', '.join(f'{x:.1f}' for x in report['load_avg_start'])}, at the end "
        f"{', '.join(f'{x:.1f}' for x in report['load_avg'])}; the machine is shared with other work, and the "
        "benchmark is not niced). Idle polls carry the page's poll token and are answered at the WSGI entry "
        "(config.wsgi, support.polling.wsgi_idle); the workers were warmed up first and keep their database "
        "connections for the window.",
        "| measure | value |\n|---|---:|\n"
        f"| polls | {len(polls):,} ({rate:.1f} a second) |\n"
        f"| server CPU: gunicorn | {used['gunicorn']:.1f} s |\n"
        f"| server CPU: PostgreSQL backends | {used['postgres']:.1f} s |\n"
        f"| **server CPU / capacity ({cores} cores × {wall:.0f} s)** | **{report['server_share']:.1%}** |\n"
        f"| server CPU per poll | {report['cpu_ms_per_poll']:.2f} ms |\n"
        f"| load generator's own CPU (not counted above) | {report['generator_cpu_s']:.1f} s |\n"
        f"| poll latency p50 / p95 / p99 / max (held ones included) | {report['poll_ms']['p50']:.1f} / "
        f"{report['poll_ms']['p95']:.1f} / "
        f"{report['poll_ms']['p99']:.1f} / {report['poll_ms']['max']:.0f} ms |\n"
        f"| idle polls answered at once (204): n, p50, p99 | {len(idle):,}, {report['idle_ms']['p50']:.1f} ms, "
        f"{report['idle_ms']['p99']:.1f} ms |\n"
        f"| idle polls held to their end (204): n, p50, max | {len(held):,}, {report['held_ms']['p50'] / 1000:.1f} s, "
        f"{report['held_ms']['max'] / 1000:.1f} s |\n"
        f"| polls with new messages (200; a held one's wait included): n, p50, p99 | {len(fresh):,}, "
        f"{report['fresh_ms']['p50']:.1f} ms, "
        f"{report['fresh_ms']['p99']:.1f} ms |\n"
        f"| messages sent | {report['sent']} |\n"
        f"| send to seen by the peer: p50 / p95 / max | {report['seen_ms']['p50']:.0f} / "
        f"{report['seen_ms']['p95']:.0f} / {report['seen_ms']['max']:.0f} ms |\n"
        f"| messages lost (sent, never seen) | {report['lost']} |\n"
        f"| errors | {report['errors']} {', '.join(report['error_kinds'])} |", WHY])
    if not args.no_write:
        name = ("support-poll" if args.held else "support-poll-sync") + ("-idle" if not args.senders else "")
        out = Path(__file__).resolve().parent / "results" / name
        out.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        text = "\n\n".join(part for part in (text, comparison()) if part)
        out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
