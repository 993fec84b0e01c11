"""A real browser (Debian's chromium, Playwright) on the pupil's form and pages (issue 8, items 12-16): the
cascading region select loads each level on demand and posts the finest one chosen, the ID number fills sex and
birth date, the code lists filter as one types; the pupil page offers its actions and prints without the menu.

Set XUEJI_SCREENSHOTS=<dir> to keep a screenshot of each page."""

import pytest

from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture
from xueji.ui.tests.test_browser_registration import _shot, _sign_in, pick_region


@pytest.mark.browser
def test_the_cascading_region_select_and_the_id_number_fill_the_form(
        transactional_db, live_server, world, window, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/v1/regions/children/" in r.url else None)
    _sign_in(page, base, "tunxi_primary_registrar")
    page.goto(f"{base}/registration/new/")

    # Only the provinces come with the page; the city and county levels wait, disabled.
    province = page.locator("select[name=birthplace_1]")
    assert province.locator("option[value='340000']").count() == 1
    assert page.locator("select[name=birthplace_2]").is_disabled()
    assert page.locator("select[name=birthplace_2] option[value='341000']").count() == 0

    pick_region(page, "birthplace", "341002")
    assert any("parent=340000" in url for url in requests) and any("parent=341000" in url for url in requests)
    expect(page.locator("select[name=birthplace_3]")).to_have_value("341002")
    page.locator("select[name=birthplace_1]").select_option("320000")  # another province clears the levels below
    expect(page.locator("select[name=birthplace_3]")).to_have_value("")
    pick_region(page, "birthplace", "320102")

    # The searchable code list: typing filters the options (tom-select's control beside the hidden select).
    ethnic = page.locator("select[name=ethnic] + .ts-wrapper")
    ethnic.click()
    page.keyboard.type("回")
    expect(page.locator(".ts-dropdown:visible .option")).to_have_count(1)
    expect(page.locator(".ts-dropdown:visible .option")).to_contain_text("回族")
    page.keyboard.press("Enter")
    expect(page.locator("select[name=ethnic]")).to_have_value("03")

    # The ID number fills sex and birth date.
    page.fill("input[name=id_number]", "341002201703090026")
    page.locator("input[name=id_number]").dispatch_event("change")
    expect(page.locator("input[name=birth_date]")).to_have_value("2017-03-09")
    expect(page.locator("select[name=sex]")).to_have_value("2")
    _shot(page, "pupil-form-regions")
