"""T-PRIV-01 (SECURITY.md row 32): no personal information leaves the country or goes to a third party.

The browser is told to load from the application's own origin only (CSP), and the pages name no other origin; every
outbound connection of the server goes through core.egress, which connects only to the hosts of
XUEJI_EGRESS_ALLOW (a real HTTP server on 127.0.0.1 below)."""

import ast
import re
import smtplib
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.mail import send_mail
from django.urls import reverse

from xueji.audit.models import AuditEvent
from xueji.core import egress, malware

# ------------------------------------------------------------------ the browser: CSP and the pages' URLs

SAME_ORIGIN = {"'self'", "'none'"}


def test_the_content_security_policy_allows_the_own_origin_only():
    for directive, sources in django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items():
        for source in sources:
            # data: is Bootstrap's inline SVG icons (img-src): no request leaves the page for them.
            assert source in SAME_ORIGIN or (directive == "img-src" and source == "data:"), (directive, source)


class _Urls(HTMLParser):
    ATTRS = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background", "manifest", "ping",
             "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "data-url", "data-src", "content"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value or name not in self.ATTRS:
                continue
            if name == "content" and tag == "meta":  # <meta http-equiv="refresh" content="0; url=...">
                value = value.partition("url=")[2]
                if not value:
                    continue
            for part in (value.split(",") if name == "srcset" else [value]):
                self.urls.append(part.strip().split(" ")[0])


def external(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"):
            continue
        if parts.scheme in ("data", "mailto", "tel") or url.startswith("#"):
            continue
        out.append(url)
    return out


def test_the_url_check_sees_an_external_origin():
    parser = _Urls()
    parser.feed('<img src="/static/a.png"><script src="https://cdn.example.com/x.js"></script>'
                '<link href="//fonts.example.com/f.css"><a href="#top">')
    assert external(parser.urls) == ["https://cdn.example.com/x.js", "//fonts.example.com/f.css"]


PAGES = [("anonymous", "/login/")] + [("registrar", url) for url in (
    "/", "/students/", "pupil", "/registration/drafts/", "/imports/new/", "/requests/", "/inbox/", "/support/tickets/",
    "/support/ask/", "/api/docs/", "/api/redoc/")] + [("county", url) for url in (
    "/", "/students/", "/reports/dashboard/", "/attendance/cases/")]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_the_main_pages_reference_no_external_origin(world, login, client, who, url):
    browser = {"anonymous": lambda: client, "registrar": lambda: login(world.user("tunxi_primary", "registrar")),
               "county": lambda: login(world.user("tunxi", "registrar"))}[who]()
    if url == "pupil":
        url = reverse("registry:student_detail", args=[world.students["tunxi_primary"].pk])
    response = browser.get(url)
    assert response.status_code == 200
    parser = _Urls()
    parser.feed(response.content.decode())
    assert parser.urls
    assert external(parser.urls) == []


# ------------------------------------------------------------------ the server: the egress allow list


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((self.path, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_allowed_host_gets_the_request_and_another_is_refused_before_any_connection(db, receiver, settings,
                                                                                        monkeypatch):
    port = receiver.server_address[1]
    settings.XUEJI_EGRESS_ALLOW = [f"127.0.0.1:{port}"]

    answer = egress.http_request(f"http://127.0.0.1:{port}/anchor", purpose="test", data=b"{}", method="POST")
    assert answer.status == 204 and receiver.received == [("/anchor", b"{}")]

    opened = []
    real = egress.socket.create_connection
    monkeypatch.setattr(egress.socket, "create_connection", lambda *a, **k: opened.append(a) or real(*a, **k))
    # "localhost" is the same server, but not on the list; nor is the allowed host on another port.
    for url in (f"http://localhost:{port}/anchor", f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/",
                "https://api.example.com/collect"):
        with pytest.raises(egress.EgressRefused):
            egress.http_request(url, purpose="test", data=b"{}", method="POST")
    assert receiver.received == [("/anchor", b"{}")] and opened == []
    refused = AuditEvent.objects.filter(action="egress.refused").order_by("id")
    assert [(e.after["host"], e.after["purpose"], e.success) for e in refused] == [
        ("localhost", "test", False), ("127.0.0.1", "test", False), ("api.example.com", "test", False)]


def test_the_audit_anchor_goes_to_the_level_above_through_the_guard(db, receiver, settings):
    from xueji.audit.services import chain_anchor

    port = receiver.server_address[1]
    settings.XUEJI_AUDIT_ANCHOR_SENDER = "xueji.audit.verify.http_sender"
    settings.XUEJI_AUDIT_ANCHOR_URL = f"http://127.0.0.1:{port}/anchors"
    settings.XUEJI_EGRESS_ALLOW = []
    chain_anchor()
    assert receiver.received == []
    anchor = AuditEvent.objects.filter(action="audit.anchor").latest("id")
    assert anchor.after["sent"].startswith("failed") and AuditEvent.objects.filter(action="egress.refused").exists()

    settings.XUEJI_EGRESS_ALLOW = ["127.0.0.1"]
    chain_anchor()
    assert [path for path, _body in receiver.received] == ["/anchors"]
    assert AuditEvent.objects.filter(action="audit.anchor").latest("id").after["sent"] == "http 204"


def test_mail_goes_to_an_allowed_server_only(db, settings, monkeypatch):
    settings.EMAIL_BACKEND = "xueji.core.egress.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "smtp.example.com", 25
    settings.XUEJI_EGRESS_ALLOW = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("connected"))
    with pytest.raises(egress.EgressRefused):
        send_mail("s", "b", "a@example.com", ["b@example.com"])
    assert send_mail("s", "b", "a@example.com", ["b@example.com"], fail_silently=True) == 0
    assert AuditEvent.objects.filter(action="egress.refused", after__purpose="mail").count() == 2

    settings.XUEJI_EGRESS_ALLOW = ["smtp.example.com:25"]
    sent = []

    class Server:
        def __init__(self, host, port, **kwargs):
            sent.append((host, port))

        def sendmail(self, *args, **kwargs):
            return {}

        def quit(self):
            pass

    monkeypatch.setattr(smtplib, "SMTP", Server)
    assert send_mail("s", "b", "a@example.com", ["b@example.com"]) == 1 and sent == [("smtp.example.com", 25)]


def test_djangos_own_smtp_backend_and_unlisted_peers_fail_the_checks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.XUEJI_CLAMD = "tcp://clamd.internal:3310"
    settings.XUEJI_EGRESS_ALLOW = []
    ids = {message.id for message in checks.run_checks(tags=[checks.Tags.security])}
    assert {"xueji.E030", "xueji.W030"} <= ids
    settings.EMAIL_BACKEND = "xueji.core.egress.SmtpBackend"
    settings.XUEJI_EGRESS_ALLOW = ["clamd.internal:3310", django_settings.EMAIL_HOST]
    ids = {message.id for message in checks.run_checks(tags=[checks.Tags.security])}
    assert not {"xueji.E030", "xueji.W030"} & ids


def test_the_malware_scanner_over_tcp_is_refused_unless_listed(db, settings):
    settings.XUEJI_EGRESS_ALLOW = []
    verdict = malware.scan_chunks([b"abc"], address="tcp://10.0.0.9:3310", timeout=1)
    assert verdict.status == malware.UNAVAILABLE and "XUEJI_EGRESS_ALLOW" in verdict.detail


# ------------------------------------------------------------------ one way out

NETWORK_MODULES = ("urllib.request", "http.client", "smtplib", "ftplib", "telnetlib", "poplib", "imaplib",
                   "xmlrpc.client", "requests", "httpx", "aiohttp", "urllib3", "django.core.mail.backends.smtp")
ONE_WAY_OUT = Path("xueji/core/egress.py")
# clamd's UNIX socket (a file on this host, no network).
LOCAL_SOCKETS = {Path("xueji/core/malware.py")}


_CANDIDATE = re.compile(r"\bsocket\b|urllib\.request|from urllib import|http\.client|from http import|smtp|ftplib|"
                        r"telnetlib|poplib|imaplib|xmlrpc|import requests|httpx|aiohttp")


def _offences(path: Path, tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found += [f"{path}:{node.lineno} imports {name}" for name in names
                  if any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "socket":
            if node.attr == "create_connection" or (node.attr == "socket" and path not in LOCAL_SOCKETS):
                found.append(f"{path}:{node.lineno} opens socket.{node.attr}")
    return found


def test_no_module_but_the_egress_guard_opens_a_network_connection():
    root = Path(django_settings.BASE_DIR)
    offences = []
    for path in sorted((root / "xueji").rglob("*.py")):
        relative = path.relative_to(root)
        if "tests" in relative.parts or relative == ONE_WAY_OUT:
            continue
        text = path.read_text(encoding="utf-8")
        if _CANDIDATE.search(text):  # parse only the modules that name a network module at all (fast)
            offences += _offences(relative, ast.parse(text))
    assert offences == []
    sample = "import requests\nfrom urllib import request\nsocket.create_connection(1)"
    assert len(_offences(Path("x.py"), ast.parse(sample))) == 3



FOREIGN_SERVICES = ("sentry", "newrelic", "datadog", "ddtrace", "elastic-apm", "rollbar", "bugsnag", "honeybadger",
                    "opentelemetry-exporter", "posthog", "mixpanel", "segment-analytics", "google-analytics")
NETWORK_HANDLERS = ("HTTPHandler", "SocketHandler", "DatagramHandler", "SysLogHandler", "SMTPHandler")


def test_no_error_reporting_or_analytics_service_is_installed_and_no_log_handler_sends_over_the_network():
    lock = (Path(django_settings.BASE_DIR) / "requirements.lock").read_text(encoding="utf-8").lower()
    packages = {line.split("==")[0].strip() for line in lock.splitlines() if "==" in line and not line.startswith("#")}
    assert not [p for p in packages if p.startswith(FOREIGN_SERVICES)]
    handlers = django_settings.LOGGING.get("handlers", {})
    assert not [h for h in handlers.values() if str(h.get("class", "")).endswith(NETWORK_HANDLERS)]
