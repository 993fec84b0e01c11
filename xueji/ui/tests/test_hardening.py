"""Cookie and header hardening, CSRF (SECURITY.md §1 row 35, T-HDR-01) and the production configuration's leaks
(row 39, T-CFG-01): every main page's headers, the production settings' cookies (read from config.settings.prod in
a subprocess, then applied to real answers), GET never changing state, generic error pages, TRACE refused,
dotfiles not served. The secrets scan is tested in xueji/core/tests/test_secrets_scan.py."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path, reverse

from xueji.accounts.models import User
from xueji.testing import PASSWORD
from xueji.ui import navigation

pytestmark = pytest.mark.django_db

COOKIE_SETTINGS = ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
                   "SESSION_COOKIE_PATH", "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE",
                   "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_PATH", "CSRF_COOKIE_DOMAIN", "SECURE_CONTENT_TYPE_NOSNIFF",
                   "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS")
PROBE = ("import json, django; django.setup(); from django.conf import settings as s; "
         "print(json.dumps({k: getattr(s, k) for k in %r} | {'DEBUG': s.DEBUG, "
         "'frame_ancestors': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['frame-ancestors']}))")


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    """What config.settings.prod sets (a fresh interpreter: settings are read once per process)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "DJANGO_SECRET_KEY": "p" * 60,
           "XUEJI_VAR_DIR": str(tmp_path_factory.mktemp("prod"))}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", PROBE % (COOKIE_SETTINGS,)], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _directives(response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in response["Content-Security-Policy"].split(";"))
            if d}


def _hardened(response) -> None:
    assert _directives(response)["frame-ancestors"] == ["'none'"], response.request["PATH_INFO"]
    assert response["X-Content-Type-Options"] == "nosniff", response.request["PATH_INFO"]
    assert response["Referrer-Policy"] == "same-origin", response.request["PATH_INFO"]
    assert response["X-Frame-Options"] == "DENY", response.request["PATH_INFO"]


def test_every_main_page_carries_the_hardening_headers(world, client):
    """The menu's pages of a school registrar and of a county's system administrator (each page once; the headers
    come from middleware, so these stand for the rest), the workbench, the sign-in page and the error pages."""
    requested = set()
    for unit, role in (("tunxi_primary", "registrar"), ("tunxi", "sysadmin")):
        user = world.user(unit, role)
        client.force_login(user)
        for url in [reverse("ui:workbench")] + [item["url"] for node in navigation.menu(user)
                                                 for item in node["items"]]:
            if url in requested:
                continue
            requested.add(url)
            response = client.get(url)
            assert response.status_code == 200, url
            if response["Content-Type"].startswith("text/html"):
                _hardened(response)
    assert len(requested) > 20
    client.logout()
    for url in (reverse("accounts:login"), "/no-such-page/"):
        _hardened(client.get(url))


def test_the_production_settings_harden_both_cookies(prod):
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_NAME"].startswith("__Host-") and prod["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert prod["SESSION_COOKIE_SECURE"] and prod["SESSION_COOKIE_HTTPONLY"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_SAMESITE"] == prod["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert prod["SESSION_COOKIE_PATH"] == prod["CSRF_COOKIE_PATH"] == "/"  # __Host-: Path=/, no Domain
    assert prod["SESSION_COOKIE_DOMAIN"] is None and prod["CSRF_COOKIE_DOMAIN"] is None
    assert prod["frame_ancestors"] == ["'none'"]


def test_the_cookies_a_production_sign_in_sets(world, prod):
    cookies = {k: prod[k] for k in COOKIE_SETTINGS}
    user = world.user("tunxi_primary", "registrar")
    with override_settings(**cookies):
        browser = Client()
        page = browser.get(reverse("accounts:login"), secure=True)
        signed_in = browser.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD},
                                 secure=True)
        assert signed_in.status_code == 302
        workbench = browser.get(reverse("ui:workbench"), secure=True)

    assert workbench.status_code == 200  # the session under its __Host- name works
    csrf, session = page.cookies[prod["CSRF_COOKIE_NAME"]], signed_in.cookies[prod["SESSION_COOKIE_NAME"]]
    for cookie in (csrf, session):
        assert cookie["secure"] and cookie["samesite"] == "Lax" and cookie["path"] == "/" and not cookie["domain"]
    assert session["httponly"]


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("tunxi", "sysadmin"))
    target = world.user("tunxi_primary", "registrar")

    refused = browser.post(reverse("accounts:user_set_active", args=[target.pk]), {"is_active": "0"})

    assert refused.status_code == 403
    assert User.objects.get(pk=target.pk).is_active


@pytest.mark.parametrize("name", ["accounts:logout", "accounts:user_set_active"])
def test_a_get_changes_no_state(world, name):
    browser = Client()
    browser.force_login(world.user("tunxi", "sysadmin"))
    target = world.user("tunxi_primary", "registrar")
    url = reverse(name, args=[target.pk] if name.endswith("active") else [])

    assert browser.get(url + "?is_active=0").status_code == 405
    assert User.objects.get(pk=target.pk).is_active
    assert browser.get(reverse("ui:workbench")).status_code == 200  # still signed in


# ---------------------------------------------------------------- row 39: no debug or information leaks

LEAKS = ("Traceback", "Django", "django.", "SELECT ", "psycopg", "sqlite", "settings.py", "DEBUG", "Python/",
         "Using the URLconf", "urlpatterns", "secret-sql-detail", "RuntimeError")


def _boom(request):
    raise RuntimeError("SELECT secret-sql-detail FROM registry_student")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom)]
handler404 = "xueji.core.views.page_not_found"
handler500 = "xueji.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize("url", ["/boom/", "/api/boom/"])
def test_an_unexpected_error_answers_a_generic_500_without_details(db, url):
    response = Client(raise_request_exception=False).get(url)

    assert response.status_code == 500
    body = response.content.decode()
    assert not any(leak in body for leak in LEAKS), body
    assert "Server" not in response and "X-Powered-By" not in response


@pytest.mark.parametrize("url", ["/no-such-page/", "/.git/config", "/.git/HEAD", "/.env", "/static/.git/config",
                                 "/.htaccess", "/api/v1/no-such-endpoint/"])
def test_unknown_pages_and_dotfiles_answer_a_generic_404(world, client, url):
    client.force_login(world.user("tunxi_primary", "registrar"))
    response = client.get(url)

    assert response.status_code == 404
    body = response.content.decode()
    assert not any(leak in body for leak in LEAKS), body
    assert "[core]" not in body and "ref:" not in body  # no byte of the repository


def test_the_documented_proxy_hides_its_version_and_every_dotfile():
    conf = (settings.BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert "server_tokens off;" in conf
    assert "location ~ /\\. { return 404; }" in conf
    assert "proxy_pass_header Server" not in conf  # gunicorn's Server header stays behind nginx


def test_collectstatic_leaves_dotfiles_out():
    from django.contrib.staticfiles.apps import StaticFilesConfig

    assert ".*" in StaticFilesConfig.ignore_patterns  # the static root never holds a .git or .env


@pytest.mark.parametrize("url", ["/", "/login/", "/students/", "/api/v1/me/", "/api/v1/auth/token/", "/healthz",
                                 "/metrics"])
def test_the_trace_method_is_refused(world, client, url):
    client.force_login(world.user("tunxi_primary", "registrar"))
    response = client.generic("TRACE", url, HTTP_X_PROBE="echo-me")

    assert response.status_code == 405
    assert "echo-me" not in response.content.decode()
