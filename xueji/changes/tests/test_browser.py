"""A real browser (Debian's chromium, Playwright) through record maintenance and status changes: the record form
marks the controlled items and shows the validator's errors on their fields; the kinds of status change say why
one is not possible; the list shows its total. Set XUEJI_SCREENSHOTS=<dir> to keep a screenshot of each page."""

import os
from pathlib import Path

import pytest

from xueji.changes.tests.conftest import add_classes, open_change_windows
from xueji.changes.tests.helpers import approve_all, file_change
from xueji.testing import PASSWORD
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture

SHOTS = os.environ.get("XUEJI_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_record_form_and_status_changes_in_the_browser(transactional_db, live_server, world, browser_page,  # noqa: F811
                                                       settings, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    open_change_windows()
    add_classes(world)
    approve_all(world, file_change(world, "tunxi_primary", "change_class", "99", proofs=[],
                                   school_class=world.classes["grade2b"]))
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base, pk = live_server.url, world.students["tunxi_primary"].pk
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "tunxi_primary_registrar")
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=workbench]")

    page.goto(f"{base}/students/{pk}/edit/")
    form = page.locator("[data-testid=record-form]")
    expect(form.locator("[data-controlled=name] .badge")).to_be_visible()
    expect(form.locator("[data-controlled=phone]")).to_have_count(0)
    page.fill("input[name=phone]", "12ab")
    page.fill("input[name=postcode]", "1")
    page.click("[data-testid=save]")
    expect(page.locator("[data-error-for=phone]")).to_be_visible()
    expect(page.locator("[data-error-for=postcode]")).to_be_visible()
    _shot(page, "changes-record-form")

    page.goto(f"{base}/students/{pk}/status-change/")
    expect(page.locator("[data-kind=resume][data-possible='0']")).to_contain_text("只有休学的学生才能复学")
    page.click("[data-testid=choose-suspend]")
    expect(page.locator("[data-testid=status-change-form]")).to_be_visible()
    _shot(page, "changes-status-form")

    page.goto(f"{base}/changes/status-changes/")
    expect(page.locator("[data-testid=list-total]")).to_contain_text("共 1 条")
    expect(page.locator("[data-testid=list]")).to_contain_text("29 转班")
    _shot(page, "changes-status-list")
