"""Smoke test of the WeCom settings page as an administrator uses it, against `make run`'s stack.

Logs in through the real login form, opens WeCom > Configuration > Settings through the menus,
checks that the page shows the emulator's corp (configured by scripts/run.sh on first start),
presses "Test connection" and reads the result dialog; the emulator's counters prove the button
reached it. Started by tests/browser/run.sh.
"""
from playwright.sync_api import expect

from conftest import emulator_stats, log_in, open_wecom_settings, wait_idle

EMULATOR_CORP_ID = "ww5e1a7e0000c0ffee"  # wecom_emulator/defaults.py CORP_ID


def test_settings_page_tests_the_connection_to_the_emulator(page, screenshot):
    log_in(page)
    block = open_wecom_settings(page)

    # the block's first heading; "Directory sync" follows
    expect(block.locator("h2").first).to_have_text("WeCom connection")
    expect(block.locator('input[name="wecom_corp_id"]')).to_have_value(EMULATOR_CORP_ID)
    button = block.locator('button[name="action_wecom_test_connection"]')
    expect(button).to_have_text("Test connection")
    screenshot("settings")

    before = emulator_stats()["calls"]
    button.click()
    dialog = page.locator(".modal", has=page.locator(".o_wecom_connection_summary"))
    expect(dialog).to_be_visible()
    wait_idle(page)
    expect(dialog.locator(".modal-title")).to_contain_text("WeCom connection test")
    summary = dialog.locator(".o_wecom_connection_summary")
    expect(summary).to_contain_text("Connection OK.")
    expect(summary).to_contain_text("App secret: OK")
    expect(dialog.locator(".alert-success")).to_be_visible()
    screenshot("connection-test-dialog")

    after = emulator_stats()["calls"]
    # the emulator is started afresh by run.sh, so every token it issued was fetched in this run
    assert after.get("gettoken", 0) >= 1, "the emulator counted no gettoken call: %r" % after
    assert after.get("department/simplelist", 0) > before.get("department/simplelist", 0), \
        "Test connection did not reach the emulator: calls before %r, after %r" % (before, after)

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
