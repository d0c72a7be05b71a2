"""Log in with WeCom against `make run`'s stack (scripts/configure_emulator.py turns it on, points
the OAuth hosts at the emulator and gives 张伟, 刘艳 and 王强 Odoo users): the desktop's QR page, and
a link opened inside WeCom (its browser's user agent)."""
import json
import os

import pytest
from playwright.sync_api import expect

from conftest import ODOO_URL, wait_idle

ODOO_DB = os.environ.get("BROWSER_ODOO_DB", "wecom_browser")
WXWORK_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh")


def rpc(api, path, params):
    answer = api.post(ODOO_URL + path, data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
                      headers={"Content-Type": "application/json"})
    assert answer.ok, answer.text()
    return answer.json()


@pytest.fixture(scope="module", autouse=True)
def members_linked(browser):
    """A full sync as the administrator: it links the demo members to their users (Login = userid)."""
    context = browser.new_context()
    try:
        assert rpc(context.request, "/web/session/authenticate",
                   {"db": ODOO_DB, "login": "admin", "password": "admin"}).get("result"), "admin login"
        answer = rpc(context.request, "/web/dataset/call_kw", {
            "model": "wecom.sync.service", "method": "sync_all", "args": [], "kwargs": {}})
        assert "error" not in answer, answer
    finally:
        context.close()


def test_desktop_qr_code(page, screenshot):
    page.goto(ODOO_URL + "/web/login")
    button = page.locator(".o_wecom_login a", has_text="Log in with WeCom")
    expect(button).to_be_visible()
    screenshot("login-with-wecom-button")
    button.click()
    page.wait_for_url("**/wwlogin/sso/login**")
    screenshot("wecom-qr-page")
    page.locator("button", has_text="张伟 (zhangwei)").click()
    wait_idle(page)
    expect(page.locator(".oe_topbar_name")).to_have_text("张伟")


def test_link_opened_inside_wecom(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, user_agent=WXWORK_UA)
    try:
        page = context.new_page()
        page.goto(ODOO_URL + "/web")  # not signed in: Odoo's login page sends WeCom's browser to WeCom
        page.wait_for_url("**/connect/oauth2/authorize**")
        page.locator("button", has_text="刘艳 (liuyan)").click()
        wait_idle(page)
        expect(page.locator(".oe_topbar_name")).to_have_text("刘艳")
    finally:
        context.close()
