"""Every outbound connection the application makes goes through here (SECURITY.md row 32, T-PRIV-01: no personal
information leaves the country or goes to a third party).

`XUEJI_EGRESS_ALLOW` lists the hosts the application may connect to, each `host` (any port) or `host:port`
(exact names, compared case-insensitively; no wildcards, and no host is allowed implicitly, not even loopback: a
local proxy could forward). `guard` refuses any other host with `EgressRefused` before a socket is opened, and
announces the refusal with the signal `egress_refused` (core imports nothing above it: the audit app writes the
"egress.refused" row). The ways out:
- `connect(host, port)`: a TCP socket (the malware scanner's clamd over TCP);
- `http_request(url)`: HTTP(S) with urllib, no proxy from the environment and no redirect followed (a redirect
  could name another host): the audit anchor sent to the level above (`audit.verify.http_sender`), and any
  webhook or hub transport a deployment adds;
- `SmtpBackend`: Django's SMTP mail backend, guarded (EMAIL_HOST must be allowed); the deployment check xueji.E030
  refuses Django's own SMTP backend, which would connect unguarded.

`EgressRefused` is a PermissionError (an OSError), so the callers' handling of an unreachable peer applies: the
scanner is "unavailable" (fail closed where a scan is required), a mail is not sent.

A test (core/tests/test_egress.py) parses every module of xueji and fails on an import of an HTTP, SMTP or FTP
client, or a socket opened, anywhere but here (the malware scanner's UNIX socket aside)."""

import logging
import socket
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.dispatch import Signal

logger = logging.getLogger("xueji.egress")

# Sent when a connection is refused. Keyword arguments: host, port, purpose.
egress_refused = Signal()


class EgressRefused(PermissionError):
    code = "egress_refused"

    def __init__(self, host: str, port: int | None, purpose: str) -> None:
        self.host, self.port, self.purpose = host, port, purpose
        super().__init__(f"Outbound connection to {host}:{port} ({purpose}) refused: not in XUEJI_EGRESS_ALLOW")


def allow_list() -> list[str]:
    value = getattr(settings, "XUEJI_EGRESS_ALLOW", ())
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip().lower() for item in value if item and item.strip()]


def allowed(host: str | None, port: int | None = None) -> bool:
    if not host:
        return False
    host = host.strip().lower().rstrip(".")
    for item in allow_list():
        if item.startswith("["):  # [IPv6]:port or [IPv6]
            name, _, rest = item[1:].partition("]")
            item_port = rest.lstrip(":")
        elif item.count(":") == 1:
            name, _, item_port = item.partition(":")
        else:
            name, item_port = item, ""
        if name == host and (not item_port or (port is not None and item_port == str(port))):
            return True
    return False


def guard(host: str | None, port: int | None, *, purpose: str) -> None:
    """Nothing when the host (and port) is allowed; else EgressRefused, announced, before any connection."""
    if allowed(host, port):
        logger.debug("egress to %s:%s (%s)", host, port, purpose)
        return
    logger.warning("egress to %s:%s (%s) refused: not in XUEJI_EGRESS_ALLOW", host, port, purpose)
    egress_refused.send(sender=None, host=str(host or "")[:255], port=port, purpose=purpose)
    raise EgressRefused(str(host or ""), port, purpose)


def connect(host: str, port: int, *, purpose: str, timeout: float) -> socket.socket:
    guard(host, port, purpose=purpose)
    return socket.create_connection((host, port), timeout=timeout)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is answered as it is: the caller never reaches the host it names


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http_request(url: str, *, purpose: str, data: bytes | None = None, headers: dict | None = None,
                 method: str | None = None, timeout: float = 10.0) -> Response:
    """One HTTP(S) request to an allowed host. Errors as urllib raises them (HTTPError for a 4xx/5xx)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    guard(parts.hostname, port, purpose=purpose)
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310 (checked)
    with _opener.open(request, timeout=timeout) as answer:  # noqa: S310 (scheme checked above)
        return Response(status=answer.status, body=answer.read(), headers=dict(answer.headers.items()))


class SmtpBackend(EmailBackend):
    """Django's SMTP backend, connecting only to an allowed EMAIL_HOST."""

    def open(self):
        if self.connection is None:
            try:
                guard(self.host, int(self.port), purpose="mail")
            except EgressRefused:
                if self.fail_silently:
                    return False
                raise
        return super().open()
