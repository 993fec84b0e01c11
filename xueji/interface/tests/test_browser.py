"""The administrator registers a client in the browser: the scope picked from the region tree, the secret shown once;
the client then reads with it. Screenshots with XUEJI_SCREENSHOTS=<dir>."""

import os
from pathlib import Path

import pytest

from xueji.interface.models import ApiClient
from xueji.interface.tests.helpers import caller
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture
from xueji.ui.tests.test_browser_registration import _sign_in, pick_region

SHOTS = os.environ.get("XUEJI_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"interface-{name}.png"), full_page=True)


@pytest.mark.browser
def test_the_administrator_registers_a_client_in_the_browser(transactional_db, live_server, world,
                                                             browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    _sign_in(page, base, "anhui_sysadmin")
    page.goto(f"{base}/interface/clients/new/")
    page.fill("input[name=name]", "学生资助管理系统")
    pick_region(page, "scope", "341002")
    for item in ("name", "sex", "school", "phone"):
        page.check(f"input[name=items][value={item}]")
    page.check("input[name=unmasked][value=phone]")
    page.fill("input[name=rate_limit]", "120")
    _shot(page, "create")
    page.click("form button[type=submit]")
    secret = page.locator("[data-testid=secret]")
    expect(secret).to_be_visible()
    _shot(page, "secret")
    client = ApiClient.objects.get(name="学生资助管理系统")
    assert client.scope == world.units["tunxi"] and client.unmasked == ["phone"]
    assert caller(client, secret.inner_text()).get("/api/v1/interface/changes/").status_code == 200
    page.goto(f"{base}/interface/clients/{client.pk}/")
    expect(page.locator("[data-testid=calls]")).to_contain_text("changes")
    _shot(page, "detail")
    page.goto(f"{base}/interface/clients/")
    expect(page.locator("[data-testid=list]")).to_contain_text("学生资助管理系统")
    _shot(page, "list")
    assert not errors, errors
