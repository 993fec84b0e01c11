"""A real browser (Debian's chromium, driven by Playwright) signs a school registrar in.

Needs /usr/bin/chromium (`apt-get install chromium fonts-noto-cjk`; never `playwright install`). Without it the
test is skipped on a developer's machine and fails in CI (CI=true), so CI can never pass without running it.
"""

import os
from pathlib import Path

import pytest

from xueji.testing import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium (apt-get install chromium).")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    violations: list[str] = []
    try:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        # Every flow runs under the Content-Security-Policy: chromium reports each refused script, style or
        # handler on the console. None may occur.
        page.on("console", lambda message: violations.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text else None)
        yield page
        assert not violations, violations
    finally:
        browser.close()
        playwright.stop()


@pytest.mark.browser
def test_school_registrar_signs_in_and_sees_the_workbench(transactional_db, live_server, world, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    school = world.schools["tunxi_primary"]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "tunxi_primary_registrar")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    workbench = page.locator("[data-testid=workbench]")
    expect(workbench).to_be_visible()
    expect(workbench).to_contain_text(school.name)
    assert page.url.rstrip("/") == live_server.url
