"""A real browser (Debian's chromium, Playwright) through a transfer: the receiving school's registrar finds the
pupil and files with the certificate, its leader names the class on the transfer's page (a searchable select of the
classes with a seat left), the sending school sees it in its list. Set XUEJI_SCREENSHOTS=<dir> to keep a
screenshot of each page."""

import os
from pathlib import Path

import pytest

from xueji.testing import PASSWORD
from xueji.transfers.tests.conftest import add_school, open_transfer_windows
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture

SHOTS = os.environ.get("XUEJI_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=workbench]")


@pytest.mark.browser
def test_a_transfer_in_the_browser(transactional_db, live_server, world, browser_page, settings,  # noqa: F811
                                   tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    open_transfer_windows()
    add_school(world, "tunxi_second", "tunxi", "3410021009")
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url
    student = world.students["tunxi_primary"]
    certificate = tmp_path / "转学证明.pdf"
    certificate.write_bytes(b"%PDF-1.4 stamped transfer certificate")

    _login(page, base, "shexian_primary_registrar")
    page.goto(f"{base}/transfers/find/")
    page.fill("input[name=id_number]", student.id_number)
    page.click("[data-testid=find]")
    expect(page.locator("[data-testid=found]")).to_contain_text(student.name)
    expect(page.locator("[data-testid=found]")).not_to_contain_text(student.id_number)
    _shot(page, "transfers-find")
    page.click("[data-testid=proceed]")
    expect(page.locator("[data-testid=transfer-form]")).to_be_visible()
    page.set_input_files("input[name=proof_certificate]", str(certificate))
    page.check("input[name=migrant]")
    _shot(page, "transfers-file-form")
    page.click("[data-testid=file]")
    expect(page.locator("[data-testid=transfer-state]")).to_contain_text("审核中")

    _login(page, base, "shexian_primary_leader")
    page.goto(f"{base}/transfers/inbox/")
    expect(page.locator("[data-testid=list]")).to_contain_text(student.name)
    _shot(page, "transfers-inbox")
    page.locator("[data-testid=list] tbody a").first.click()
    choice = page.locator("[data-testid=class-choice]")
    expect(choice).to_be_visible()
    _shot(page, "transfers-detail")
    page.locator("select[name=school_class]").select_option(str(world.classes["shexian_primary"].pk), force=True)
    page.click("[data-testid=approve]")
    expect(page.locator(".alert-success, [data-testid=messages]").first).to_be_visible()

    _login(page, base, "tunxi_primary_registrar")
    page.goto(f"{base}/transfers/")
    expect(page.locator("[data-testid=list]")).to_contain_text("shexian_primary")
    _shot(page, "transfers-list-sending-school")


@pytest.mark.browser
def test_a_cross_province_transfer_in_the_browser(transactional_db, live_server, world, browser_page,  # noqa: F811
                                                  settings, tmp_path):
    """安徽's tunxi_primary receives a pupil of 江苏's xuanwu_primary: both sides approved (through the services and
    the hub), the receiving registrar sees 待调档 and retrieves the file on the page; the sending school's page
    shows its side completed."""
    from playwright.sync_api import expect

    from xueji.hub.services import hub_run
    from xueji.registry.models import Student
    from xueji.transfers import finder, services
    from xueji.transfers.models import Transfer
    from xueji.transfers.tests.conftest import certificate
    from xueji.transfers.tests.helpers import approve_all

    settings.MEDIA_ROOT = tmp_path
    open_transfer_windows()
    from xueji.transfers.tests.test_across import NUMBER
    number = NUMBER
    Student.objects.filter(pk=world.students["xuanwu_primary"].pk).update(national_number=number)
    registrar = world.user("tunxi_primary", "registrar")
    found = finder.pupil_find(actor=registrar, national_number=number, source_province="320000")
    transfer = services.transfer_file(actor=registrar, token=found.token, proofs={"certificate": [certificate()]},
                                      migrant=True)
    approve_all(world, transfer)
    hub_run()
    release = Transfer.objects.get(side="sending")
    approve_all(world, release)
    hub_run()
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url
    _login(page, base, "tunxi_primary_registrar")
    page.goto(f"{base}/transfers/{transfer.pk}/")
    expect(page.locator("[data-testid=across-stage]")).to_contain_text("待调档")
    expect(page.locator("[data-testid=peer-answer]")).to_be_visible()  # no record here before 调档
    _shot(page, "transfers-across-awaiting-retrieval")
    page.click("[data-testid=retrieve] button[type=submit]")
    expect(page.locator("[data-testid=transfer-state]")).to_contain_text("完成")
    _shot(page, "transfers-across-retrieved")
    _login(page, base, "xuanwu_primary_registrar")
    page.goto(f"{base}/transfers/{release.pk}/")
    expect(page.locator("[data-testid=across]")).to_contain_text("转出方")
    expect(page.locator("[data-testid=transfer-state]")).to_contain_text("完成")
    _shot(page, "transfers-across-sending-side")
