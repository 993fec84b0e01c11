"""Issue 6 item 20: a Content-Security-Policy without inline script, a Permissions-Policy, and `Cache-Control:
no-store` on every page, API answer and download (they hold personal data). The browser tests check that the
pages work under the policy (xueji/ui/tests/test_browser*.py: no CSP violation on the console)."""

import re

import pytest


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def registrar(world, login):
    return login(world.user("tunxi_primary", "registrar"))


@pytest.mark.parametrize("url", ["/", "/students/", "/registration/drafts/", "/imports/", "/requests/",
                                 "/students/?q=x"])
def test_pages_carry_the_policies_and_are_not_stored(registrar, url):
    response = registrar.get(url, follow=True)  # a search in the URL becomes a lookup token (one redirect)

    assert response.status_code == 200
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert _no_store(response)


@pytest.mark.parametrize("url", ["/", "/students/", "/registration/drafts/", "/registration/drafts/?page=1",
                                 "/imports/", "/imports/new/", "/requests/", "/inbox/", "/numbers/",
                                 "/policy/windows/"])
def test_pages_have_no_inline_script_style_or_handler(registrar, url):
    html = registrar.get(url).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"javascript:", html, re.I)


def test_the_login_page_is_not_stored_either(db, client):
    response = client.get("/login/")

    assert _no_store(response) and "script-src 'self'" in response["Content-Security-Policy"]


def test_api_answers_and_downloads_are_not_stored(registrar, world):
    me = registrar.get("/api/v1/me/")
    students = registrar.get("/api/v1/students/")
    template = registrar.get("/api/v1/imports/template/")

    assert (me.status_code, students.status_code, template.status_code) == (200, 200, 200)
    assert _no_store(me) and _no_store(students) and _no_store(template)
    assert "camera=()" in students["Permissions-Policy"]


def test_errors_are_not_stored(registrar):
    assert _no_store(registrar.get("/api/v1/students/999999/"))
    assert _no_store(registrar.get("/no-such-page/"))


def test_the_api_docs_keep_their_scripts_in_files(registrar):
    response = registrar.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert _directives(response)["script-src"] == ["'self'"]
