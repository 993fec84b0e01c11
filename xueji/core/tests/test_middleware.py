"""Request plumbing every answer shares: request ids, client addresses, the body size limit."""

import json
import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import override_settings

from xueji.audit.models import AuditEvent
from xueji.schools.models import SchoolClass


def _fail_login(client, **extra):
    return client.post("/api/v1/auth/token/", {"username": "tunxi_primary_registrar", "password": "nope"},
                       content_type="application/json", **extra)


def test_every_response_has_a_request_id(db, client):
    response = client.get("/api/v1/me/")

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/api/v1/me/")["X-Request-ID"] != response["X-Request-ID"]


def test_a_request_id_from_the_proxy_is_kept_and_audited(world, client):
    response = _fail_login(client, HTTP_X_REQUEST_ID="nginx-7f3a-0001")

    assert response["X-Request-ID"] == "nginx-7f3a-0001"
    assert AuditEvent.objects.get(action="auth.login_failed").request_id == "nginx-7f3a-0001"


@pytest.mark.parametrize("incoming", ["<script>", "a b", "x" * 200, ""])
def test_odd_request_ids_are_replaced_or_cut(db, client, incoming):
    request_id = client.get("/api/v1/me/", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]

    assert re.fullmatch(r"[0-9A-Za-z-]{1,64}", request_id)


def test_the_client_address_is_the_peer_not_a_forgeable_header(world, client):
    _fail_login(client, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert AuditEvent.objects.get(action="auth.login_failed").ip == "10.0.0.8"


@override_settings(XUEJI_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(world, client):
    _fail_login(client, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert AuditEvent.objects.get(action="auth.login_failed").ip == "1.2.3.4"


@override_settings(XUEJI_TRUSTED_PROXIES=1)
def test_a_spoofed_left_most_forwarded_address_is_ignored(world, client):
    """nginx appends the peer it saw: the client wrote everything left of it."""
    _fail_login(client, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")

    assert AuditEvent.objects.get(action="auth.login_failed").ip == "1.2.3.4"


@override_settings(XUEJI_TRUSTED_PROXIES=2)
def test_the_client_is_the_nth_address_from_the_right(world, client):
    _fail_login(client, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.7")

    assert AuditEvent.objects.get(action="auth.login_failed").ip == "1.2.3.4"


@override_settings(XUEJI_TRUSTED_PROXIES=1)
def test_a_malformed_forwarded_address_falls_back_to_the_peer(world, client):
    _fail_login(client, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-address")

    assert AuditEvent.objects.get(action="auth.login_failed").ip == "10.0.0.8"


def test_the_number_of_trusted_proxies_comes_from_the_environment():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.XUEJI_TRUSTED_PROXIES)"
    env = {**__import__("os").environ, "XUEJI_TRUSTED_PROXIES": "1", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


@override_settings(XUEJI_MAX_REQUEST_BYTES=1024)
def test_an_oversized_body_is_refused_before_anything_reads_it(world, login):
    client = login(world.user("tunxi_primary", "registrar"))
    body = json.dumps({"school": world.schools["tunxi_primary"].pk, "stage": "1", "cohort_year": 2024,
                       "number": 5, "name": "班" * 1000})
    audit_rows = AuditEvent.objects.count()

    response = client.post("/api/v1/classes/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert response.json()["message"] == (f"The request is too large: {filesizeformat(len(body))}; "
                                          "the limit is 1.0\xa0KB.")
    assert "X-Request-ID" in response
    assert not SchoolClass.objects.filter(number=5).exists()
    assert AuditEvent.objects.count() == audit_rows


def test_the_default_limit_takes_ordinary_requests(world, login):
    client = login(world.user("tunxi_primary", "registrar"))

    response = client.post("/api/v1/classes/", {"school": world.schools["tunxi_primary"].pk, "stage": "1",
                                                "cohort_year": 2024, "number": 5, "name": "班" * 30},
                           content_type="application/json")

    assert response.status_code == 201


def test_the_benchmark_header_counts_the_queries_of_a_request(rf, db):
    from django.db import connection
    from django.http import HttpResponse

    from xueji.core.middleware import QueryCountMiddleware

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(rf.get("/"))

    assert response["X-Queries"] == "2"
    assert float(response["X-Query-Ms"]) >= 0


def test_the_benchmark_logs_a_slow_request_with_its_queries(rf, db, settings, caplog):
    import json
    import logging

    from django.db import connection
    from django.http import HttpResponse

    from xueji.core.middleware import QueryCountMiddleware

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return HttpResponse("ok")

    settings.XUEJI_SLOW_REQUEST_MS = 0.001
    with caplog.at_level(logging.WARNING, logger="xueji.slow"):
        response = QueryCountMiddleware(view)(rf.get("/students/?page=2"))
    assert response["X-Queries"] == "1"
    logged = json.loads(caplog.records[-1].getMessage())
    assert logged["path"] == "/students/?page=2" and logged["queries"] == 1
    assert logged["slowest"][0][1] == "SELECT 1" and "gc" in logged and "cpu_ms" in logged
