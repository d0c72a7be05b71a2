"""The newcomer's leave demo on `make run`'s stack (wecom_hr_holidays, scripts/configure_emulator.py's
demo: 王强 is an employee whose manager 刘艳 is a Leave Officer): 王强 logs in with WeCom, asks for a
leave in Odoo, the card reaches 刘艳's inbox in the emulator, she taps 同意 there, and the leave is
approved in Odoo."""
import json
import os
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from conftest import EMULATOR_URL, ODOO_URL, SCREENSHOTS, emulator_get, open_menu, wait_idle

ODOO_DB = os.environ.get("BROWSER_ODOO_DB", "wecom_browser")


def rpc(api, path, params):
    answer = api.post(ODOO_URL + path, data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
                      headers={"Content-Type": "application/json"})
    assert answer.ok, answer.text()
    body = answer.json()
    assert "error" not in body, body
    return body["result"]


@pytest.fixture(scope="module")
def admin(browser):
    """An administrator's JSON-RPC session; a full sync first (it links the demo members to their users)."""
    context = browser.new_context()
    assert rpc(context.request, "/web/session/authenticate", {"db": ODOO_DB, "login": "admin", "password": "admin"})

    def call(model, method, *args, **kwargs):
        return rpc(context.request, "/web/dataset/call_kw",
                   {"model": model, "method": method, "args": list(args), "kwargs": kwargs})
    call("wecom.sync.service", "sync_all")
    yield call
    context.close()


def card_of(userid, title):
    """The newest card to USERID whose title contains TITLE, as GET /_emulator/messages lists it."""
    messages = emulator_get("messages?userid=%s" % userid)["messages"]
    cards = [m for m in messages if m.get("msgtype") == "template_card" and title in json.dumps(m, ensure_ascii=False)]
    return cards[-1] if cards else None


def test_leave_asked_in_odoo_approved_from_the_wecom_inbox(page, admin, screenshot):
    assert admin("res.users", "search_count", [("login", "=", "liuyan"),
                                               ("groups_id.name", "=", "Officer")]), "the demo's Leave Officer"
    # 王强 signs in with WeCom (the emulator's QR page stands in for scanning)
    page.goto(ODOO_URL + "/web/login")
    page.locator(".o_wecom_login a", has_text="Log in with WeCom").click()
    page.locator("button", has_text="王强 (wangqiang)").click()
    wait_idle(page)
    expect(page.locator(".oe_topbar_name")).to_have_text("王强")

    # Leaves > My Leaves > Leave Requests > Create
    open_menu(page, "My Leaves", "hr_holidays.menu_open_ask_holidays_new", root="hr_holidays.menu_hr_holidays_root")
    wait_idle(page)
    # the requests open as a calendar; a click on the list switcher while it still renders is lost
    create = page.locator(".o_list_button_add")
    for _ in range(10):
        page.locator(".o_cp_switch_list").click()
        wait_idle(page)
        try:
            create.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    create.click()
    form = page.locator(".o_form_view")
    expect(form).to_be_visible()
    form.locator('.o_field_widget[name="name"]').fill("回老家")
    leave_type = form.locator('.o_field_widget[name="holiday_status_id"] input')
    leave_type.fill("Unpaid")
    page.locator(".ui-autocomplete:visible li a", has_text="Unpaid").first.click()
    for name, value in (("date_from", "12/14/2026 09:00:00"), ("date_to", "12/15/2026 18:00:00")):
        date = form.locator('.o_field_widget[name="%s"] input' % name)
        date.fill(value)
        date.press("Tab")  # leaves the input: the picker closes and the onchange computes the days
        wait_idle(page)
    page.locator(".o_form_button_save").click()
    wait_idle(page)
    expect(page.locator(".o_form_view .o_statusbar_status .btn-primary")).to_have_text(re.compile("To Approve"))
    screenshot("leave-requested")

    # the card in 刘艳's inbox: tap 同意 (or Approve, in the approver's language)
    sent = None
    for _ in range(30):
        sent = card_of("liuyan", "王强")
        if sent:
            break
        page.wait_for_timeout(500)
    assert sent, "no leave card reached 刘艳"
    inbox = page.context.new_page()
    inbox.goto(EMULATOR_URL + "/?userid=liuyan")
    newest = inbox.locator(".card").filter(has_text="王强").first  # the inbox lists the newest first
    newest.locator("button", has_text=re.compile("^(同意|Approve)$")).click()
    inbox.wait_for_load_state()
    for _ in range(30):  # Odoo updates the card once it has applied the click
        inbox.goto(EMULATOR_URL + "/?userid=liuyan")
        if inbox.locator(".card").filter(has_text="王强").first.locator("button:disabled").count():
            break
        inbox.wait_for_timeout(500)
    expect(inbox.locator(".card").filter(has_text="王强").first.locator("button:disabled")).to_have_text(
        re.compile("(已同意|Approved)"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    inbox.screenshot(path=str(SCREENSHOTS / "leave-card-approved.png"))
    inbox.close()

    # back in Odoo: the leave is approved (the click came through the app callback, then the background job)
    for _ in range(60):
        page.reload()
        wait_idle(page)
        if "Approved" in page.locator(".o_form_view .o_statusbar_status .btn-primary").inner_text():
            break
        page.wait_for_timeout(500)
    expect(page.locator(".o_form_view .o_statusbar_status .btn-primary")).to_have_text(re.compile("Approved"))
    screenshot("leave-approved-from-wecom")
