"""A real browser registers a WebAuthn security key and signs in with it: Debian's chromium with its virtual
authenticator (DevTools protocol: WebAuthn.addVirtualAuthenticator, CTAP2 over USB), through the real pages and
accounts/static/accounts/webauthn.js. Run with `-m browser`."""

import os

import pytest

from xueji.testing import PASSWORD
from xueji.ui.tests.test_browser import browser_page  # noqa: F401  (the fixture)

SHOTS = os.environ.get("XUEJI_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.browser
@pytest.mark.usefixtures("second_factor_enforced")
def test_a_leader_registers_a_security_key_and_signs_in_with_it(transactional_db, live_server, world,
                                                                  browser_page):  # noqa: F811
    from playwright.sync_api import expect

    from xueji.accounts.models import SecurityKey
    from xueji.accounts.tests.test_second_factor import _code, _enrolled

    page = browser_page
    leader = world.user("tunxi", "leader")
    device, _codes = _enrolled(leader)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    _sign_in(page, live_server.url, leader.username)
    page.fill("input[name=code]", _code(device))
    page.click("[data-testid=mfa-verify-form] button[type=submit]")
    expect(page.locator("[data-testid=workbench]")).to_be_visible()

    page.goto(f"{live_server.url}/security-keys/")
    page.fill("#key-name", "蓝色密钥")
    page.click("[data-testid=security-key-add] button[type=submit]")
    expect(page.locator("[data-testid=security-key-row]")).to_contain_text("蓝色密钥")
    key = SecurityKey.objects.get(user=leader)
    assert key.transports == ["usb"]
    _shot(page, "webauthn-keys-page")

    page.context.clear_cookies()  # signed out: the virtual authenticator stays with the page
    _sign_in(page, live_server.url, leader.username)
    expect(page.locator("[data-testid=mfa-key-button]")).to_be_visible()
    _shot(page, "webauthn-login-step")
    page.click("[data-testid=mfa-key-button]")
    expect(page.locator("[data-testid=workbench]")).to_be_visible()
    key.refresh_from_db()
    assert key.last_used_at is not None and key.sign_count >= 1
