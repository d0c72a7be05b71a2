"""Fixtures of the browser smoke test: Debian's Chromium driven by Playwright, and diagnostics on failure.

Run through tests/browser/run.sh, which starts the stack and sets:
  BROWSER_ODOO_URL      Odoo started by scripts/run.sh        (default http://127.0.0.1:8269)
  BROWSER_EMULATOR_URL  the WeCom emulator it started         (default http://127.0.0.1:8999)
  BROWSER_CHROMIUM      the Chromium binary                   (default /usr/bin/chromium)
  BROWSER_SCREENSHOTS   where screenshots go                  (default .local/screenshots)
  BROWSER_HEADED=1      show the browser window (needs a display)

Helpers shared by the tests: log_in, wait_idle, open_menu, open_wecom_settings, field, list_row, emulator_stats,
emulator_post.
"""
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ODOO_URL = os.environ.get("BROWSER_ODOO_URL", "http://127.0.0.1:8269").rstrip("/")
EMULATOR_URL = os.environ.get("BROWSER_EMULATOR_URL", "http://127.0.0.1:8999").rstrip("/")
CHROMIUM = os.environ.get("BROWSER_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / ".local" / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
]
# Odoo compiles its asset bundles on the first page of a new database: slow on 2 cores.
TIMEOUT_MS = 60000
expect.set_options(timeout=20000)


@pytest.fixture(scope="session")
def browser():
    # Playwright's launch() gives every run a fresh temporary --user-data-dir.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=os.environ.get("BROWSER_HEADED") != "1", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console = []
    page.on("console", lambda msg: msg.type in ("error", "warning") and console.append("%s: %s" % (msg.type, msg.text)))
    page.on("pageerror", lambda error: console.append("uncaught: %s" % error))
    request.node.browser_console = console
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot(name): save the page as .local/screenshots/NAME.png and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        path = SCREENSHOTS / ("%s.png" % name)
        page.screenshot(path=str(path))
        return path
    return take


def emulator_get(path):
    """GET the emulator's admin API (/_emulator/PATH) and return its JSON answer."""
    with urllib.request.urlopen(EMULATOR_URL + "/_emulator/" + path.lstrip("/"), timeout=30) as response:
        return json.load(response)


def emulator_stats():
    return emulator_get("stats")


def emulator_post(path, payload):
    """POST a JSON object to the emulator's admin API (/_emulator/PATH) and return its JSON answer."""
    request = urllib.request.Request(
        EMULATOR_URL + "/_emulator/" + path.lstrip("/"), data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


# ------------------------------------------------------------------------------ web client helpers
def wait_idle(page):
    """The web client is loaded and no RPC is in flight (Odoo shows .o_loading meanwhile)."""
    page.wait_for_selector(".o_web_client")
    page.wait_for_selector(".o_loading", state="hidden")


def log_in(page, login="admin", password="admin"):
    page.goto(ODOO_URL + "/web/login")
    form = page.locator("form.oe_login_form")
    form.locator('input[name="login"]').fill(login)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    wait_idle(page)
    expect(page.locator(".oe_topbar_name")).to_have_text("Administrator")


def open_menu(page, section, xmlid, root="wecom_integration.wecom_menu_root"):
    """Top menu ROOT, then the left menu entry XMLID under the section titled SECTION.

    Returns once the click is made: the caller waits for what the entry opens.
    """
    page.locator('#oe_main_menu_navbar a[data-menu-xmlid="%s"]' % root).click()
    menu = page.locator(".oe_secondary_menu:visible")
    expect(menu.locator(".oe_secondary_menu_section", has_text=section)).to_be_visible()
    menu.locator('a[data-menu-xmlid="%s"]' % xmlid).click()


WECOM_SETTINGS_BLOCK = '.o_form_view .app_settings_block[data-key="wecom_integration"]'


def open_wecom_settings(page):
    """WeCom (top menu) > Configuration (left menu section) > Settings: returns the WeCom block."""
    open_menu(page, "Configuration", "wecom_integration.wecom_config_settings_menu")
    block = page.locator(WECOM_SETTINGS_BLOCK)
    expect(block).to_be_visible()
    wait_idle(page)
    return block


def field(scope, name):
    """The widget of field NAME in a form (or any element holding one)."""
    return scope.locator('.o_field_widget[name="%s"]' % name).first


def list_row(scope, text):
    """The data row of a list view with a cell whose whole text is TEXT."""
    page = getattr(scope, "page", scope)  # a Locator knows its page; a Page is its own
    return scope.locator("tr.o_data_row").filter(
        has=page.locator("td", has_text=re.compile(r"^\s*%s\s*$" % re.escape(text))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure: a screenshot, the page's visible text and the browser console in the report."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if not report.failed or page is None or report.when == "teardown":
        return
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / ("FAILED-%s.png" % re.sub(r"[^\w.-]+", "_", item.name))
        page.screenshot(path=str(path))
        report.sections.append(("screenshot", str(path)))
    except Exception as error:  # the page may be gone: report what can be reported
        report.sections.append(("screenshot", "could not be taken: %s" % error))
    try:
        text = "URL: %s\n\n%s" % (page.url, page.inner_text("body", timeout=5000))
        # inner_text leaves out what is typed in inputs; password inputs are left out here too
        fields = page.eval_on_selector_all(
            "input[name]:not([type=password]):not([type=hidden]), textarea[name], select[name]",
            "els => els.filter(e => e.offsetParent !== null).map(e => e.name + ' = ' + JSON.stringify(e.value))")
        text += "\n\nvisible form fields:\n" + ("\n".join(fields) or "(none)")
    except Exception as error:
        text = "could not be read: %s" % error
    report.sections.append(("visible page text", text))
    console = getattr(item, "browser_console", [])
    report.sections.append(("browser console (errors and warnings)", "\n".join(console) or "(none)"))
