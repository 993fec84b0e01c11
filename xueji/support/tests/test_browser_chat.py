"""A real browser (Debian's chromium, Playwright) on a conversation page: a message another user sends appears in
the open conversation by the poll (the lean idle path first, then the full path with the news), without a reload."""

import pytest

from xueji.support import services
from xueji.testing import PASSWORD
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture


@pytest.mark.browser
def test_a_message_from_the_other_side_appears_without_reload(transactional_db, live_server, world,
                                                              browser_page, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    school, county = world.user("tunxi_primary", "registrar"), world.user("tunxi", "registrar")
    conversation = services.conversation_start(actor=school, participant_ids=[county.pk], body="你好")
    page = browser_page
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", county.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=workbench]")
    page.goto(f"{base}/support/messages/{conversation.pk}/")
    expect(page.locator("[data-testid=messages]")).to_contain_text("你好")
    page.evaluate("window.xuejiSamePage = true")
    with page.expect_response(lambda r: "/poll/" in r.url and r.status == 204):  # an idle poll, the lean path
        pass
    services.message_send(actor=school, conversation=conversation, body="县里请看这条")
    expect(page.locator("[data-testid=messages]")).to_contain_text("县里请看这条", timeout=10_000)
    assert page.evaluate("window.xuejiSamePage === true")  # no reload
    expect(page.locator("[data-testid=messages] [data-message]")).to_have_count(2)
