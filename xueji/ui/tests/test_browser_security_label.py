"""A real browser (Debian's chromium, Playwright) on the pupil page's security label (安全标记, SECURITY.md control
10): the school's registrar puts the record under special protection with the small form, and the page shows the
badge. Set XUEJI_SCREENSHOTS=<dir> to keep a screenshot of the page."""

import pytest

from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture
from xueji.ui.tests.test_browser_registration import _shot, _sign_in


@pytest.mark.browser
def test_the_registrar_labels_a_pupil_and_the_page_shows_the_badge(
        transactional_db, live_server, world, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    pupil = world.students["tunxi_primary"]
    _sign_in(page, live_server.url, "tunxi_primary_registrar")
    page.goto(f"{live_server.url}/students/{pupil.pk}/")
    expect(page.locator("[data-testid=security-label]")).to_have_count(0)

    form = page.locator("[data-testid=security-label-form]")
    form.locator("select[name=label]").select_option("special")
    form.locator("input[name=reason]").fill("残疾儿童，随班就读")
    form.locator("button[type=submit]").click()

    expect(page.locator("[data-testid=security-label]")).to_have_text("特殊保护")
    _shot(page, "pupil-security-label")
