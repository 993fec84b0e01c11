"""Issue 11 item 16: nothing assumes a single process. Two real application servers (gunicorn, one worker each, on
two free ports) and two job workers run against one PostgreSQL database, as behind the documented nginx
(deploy/nginx.conf): a session opened on A is valid on B, failed logins counted on A and B lock the account on both,
a file uploaded through A downloads through B, a job queued through A is done once by two racing workers, and a
change made on A is seen on B at once (no per-process cache of data). The servers share the cache in the database
(XUEJI_CACHE=database) and the files in one folder (XUEJI_MEDIA_ROOT), as production's nodes share a volume."""

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from xueji.accounts import second_factor
from xueji.audit.models import AuditEvent
from xueji.jobs.models import Job, JobStatus
from xueji.ops.models import CacheEntry
from xueji.support import services as support_services
from xueji.testing.world import PASSWORD

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="real servers on one PostgreSQL database")]

PNG = b"\x89PNG\r\n\x1a\n" + b"two servers" * 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Client:
    """A browser's worth of HTTP against one server: its own cookie jar unless given one (shared across servers,
    as one browser behind one load balancer)."""

    def __init__(self, base: str, jar: http.cookiejar.CookieJar | None = None, token: str = ""):
        self.base, self.jar, self.token = base, jar if jar is not None else http.cookiejar.CookieJar(), token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def json(self, method: str, path: str, body: dict | None = None):
        code, content, _headers = self.call(method, path, json.dumps(body or {}).encode() if method != "GET" else None,
                                            {"Content-Type": "application/json", "Accept": "application/json"})
        return code, json.loads(content or b"null")

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")


def _token(server: Client, username: str, otp: str = "") -> str:
    code, body = server.json("POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD,
                                                             **({"otp": otp} if otp else {})})
    assert code == 200, body
    return body["token"]


def _recovery_codes(user) -> list[str]:
    from django_otp.oath import TOTP

    device = second_factor.enrolment_start(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return second_factor.enrolment_confirm(request=None, user=user, code=f"{totp.token():0{device.digits}d}")


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def servers(transactional_db, world, settings, tmp_path):
    """Two gunicorn servers on one database and one shared files folder; their env is the workers' too."""
    settings.MEDIA_ROOT = tmp_path / "files"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "XUEJI_VAR_DIR": str(tmp_path), "XUEJI_MEDIA_ROOT": str(tmp_path / "files"), "XUEJI_CACHE": "database",
           "XUEJI_TEST_TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "XUEJI_LOG_LEVEL": "WARNING"}
    ports = [_free_port(), _free_port()]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    processes = [subprocess.Popen([str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                   "--timeout", "60"], cwd=Path(django_settings.BASE_DIR), env=env,
                                  stdout=subprocess.DEVNULL, stderr=(tmp_path / f"server-{port}.log").open("w"))
                 for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 60
        for base, process in zip(bases, processes, strict=True):
            while True:
                assert process.poll() is None, (tmp_path / f"server-{base.rsplit(':', 1)[1]}.log").read_text()
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=5)
                    break
                except urllib.error.HTTPError:
                    break  # 503 (no worker beat yet): the server answers
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
        print(f"servers ready in {time.monotonic() - started:.1f} s")  # noqa: T201
        yield bases, env
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_application_servers_and_two_workers_share_one_database(servers, world):
    (a_base, b_base), env = servers
    school = world.user("tunxi_primary", "registrar")
    county = world.user("tunxi", "registrar")

    # A session opened by signing in on A is valid on B (sessions are database rows, not process memory).
    browser = http.cookiejar.CookieJar()
    on_a, on_b = Client(a_base, browser), Client(b_base, browser)
    assert on_a.call("GET", "/login/")[0] == 200
    form = urllib.parse.urlencode({"username": school.username, "password": PASSWORD,
                                   "csrfmiddlewaretoken": on_a.csrf()}).encode()
    code, _content, _headers = on_a.call("POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                                   "Referer": a_base + "/login/"})
    assert code == 200  # followed the redirect to the workbench
    assert CacheEntry.objects.exists()  # its menu counts went to the shared cache, not to A's memory
    code, me = on_b.json("GET", "/api/v1/me/")
    assert code == 200 and me["username"] == school.username

    # Failed logins counted on A and on B lock the account on both (the lockout is database rows).
    victim = world.user("shexian_primary", "registrar")
    for base in (a_base, b_base, a_base, b_base):
        code, body = Client(base).json("POST", "/api/v1/auth/token/", {"username": victim.username,
                                                                       "password": "wrong-password"})
        assert code == 401, body
    code, body = Client(b_base).json("POST", "/api/v1/auth/token/", {"username": victim.username,
                                                                     "password": "wrong-password"})
    assert (code, body["code"]) == (403, "account_locked")
    code, body = Client(a_base).json("POST", "/api/v1/auth/token/", {"username": victim.username,
                                                                     "password": PASSWORD})
    assert (code, body["code"]) == (403, "account_locked")

    # A file uploaded through A downloads through B (one files folder for every node); the message written on A is
    # seen on B at once, the unread count too (no per-process cache of data).
    conversation = support_services.conversation_start(actor=school, participant_ids=[county.pk], body="你好")
    a_school = Client(a_base, token=_token(Client(a_base), school.username))
    recovery = _recovery_codes(county)  # an approver: the token needs the second factor
    b_county = Client(b_base, token=_token(Client(b_base), county.username, otp=recovery[0]))
    code, before = b_county.json("GET", "/api/v1/support/conversations/")
    assert code == 200
    body, content_type = _multipart({"body": "附件"}, {"files": ("proof.png", PNG, "image/png")})
    code, content, _headers = a_school.call("POST", f"/api/v1/support/conversations/{conversation.pk}/messages/",
                                            body, {"Content-Type": content_type, "Accept": "application/json"})
    assert code == 201, content
    sent = json.loads(content)
    code, after = b_county.json("GET", "/api/v1/support/conversations/")
    assert after["unread_total"] == before["unread_total"] + 1
    code, listed = b_county.json("GET", f"/api/v1/support/conversations/{conversation.pk}/messages/")
    assert code == 200 and sent["id"] in [m["id"] for m in listed["results"]]
    file_id = sent["attachments"][0]["id"]
    code, downloaded, _headers = b_county.call("GET", f"/api/v1/support/message-files/{file_id}/")
    assert (code, downloaded) == (200, PNG)

    # A job queued through A is done once by two workers racing for it (the queue's row lock, the job's claim).
    code, job = a_school.json("POST", "/api/v1/students/export/", {})
    assert code == 202, job
    assert Job.objects.get(pk=job["id"]).status == JobStatus.QUEUED
    workers = [subprocess.Popen([sys.executable, "manage.py", "jobs_worker", "--batch", "--no-startup-delay",
                                 "--worker-id", f"node-{n}"], cwd=Path(django_settings.BASE_DIR), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in (1, 2)]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    done = Job.objects.get(pk=job["id"])
    assert done.status == JobStatus.SUCCEEDED, done.__dict__
    assert AuditEvent.objects.filter(action="student.export").count() == 1  # run once: one export written
    code, exported, _headers = Client(b_base, token=a_school.token).call("GET", f"/api/v1/jobs/{done.pk}/download/")
    assert code == 200 and exported[:2] == b"PK"
