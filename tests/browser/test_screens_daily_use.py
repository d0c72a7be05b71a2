"""(Runs after test_directory_sync.py, whose sync fills the mirror.) Daily-use screens as an administrator meets them, against `make run`'s stack: the new API key
dialog with its Copy buttons, the member list without an Archive action, sending from the
Messages menu (no red size errors before typing; the message then replaces the screen), and the
settings' language of business messages. Started by tests/browser/run.sh; screenshots in
.local/screenshots/.
"""
from playwright.sync_api import expect

from conftest import ODOO_URL, field, log_in, open_menu, open_wecom_settings, wait_idle


def test_a_new_api_key_is_copied_with_one_click(page, screenshot):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ODOO_URL)
    log_in(page)
    open_menu(page, "Configuration", "wecom_integration.wecom_api_key_wizard_menu")
    dialog = page.locator(".modal:has(.o_field_widget[name='name'])")
    expect(dialog).to_be_visible()
    field(dialog, "name").fill("browser test key")
    dialog.locator("button[name='action_generate']").click()
    header = field(dialog, "header")
    expect(header).to_contain_text("Authorization: Bearer ")
    wait_idle(page)
    expect(field(dialog, "key").locator(".o_wecom_copy_button")).to_have_text("Copy")
    copy = header.locator(".o_wecom_copy_button")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Authorization: Bearer ") and len(copied) > 30, copied
    assert copied in header.inner_text(), (copied, header.inner_text())
    screenshot("api-key-dialog-copied")


def test_the_member_list_has_no_archive_action(page, screenshot):
    log_in(page)
    open_menu(page, "Directory", "wecom_integration.wecom_user_menu")
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows.first).to_be_visible()
    wait_idle(page)
    rows.first.locator("td.o_list_record_selector input").check()
    action = page.locator(".o_cp_sidebar .o_dropdown_toggler_btn", has_text="Action")
    expect(action).to_be_visible()
    action.click()
    menu = page.locator(".o_cp_sidebar .dropdown-menu:visible")
    expect(menu).to_contain_text("Send WeCom message")
    expect(menu).not_to_contain_text("Archive")
    screenshot("member-list-actions")


def test_sending_from_the_messages_menu(page, screenshot):
    log_in(page)
    open_menu(page, "Directory", "wecom_integration.wecom_user_menu")  # some unrelated screen first
    wait_idle(page)
    open_menu(page, "Messages", "wecom_integration.wecom_message_compose_menu")
    dialog = page.locator(".modal:has(.o_field_widget[name='content'])")
    expect(dialog).to_be_visible()
    wait_idle(page)
    expect(dialog.locator(".text-danger:visible")).to_have_count(0)  # nothing typed: nothing red
    screenshot("send-wizard-empty")
    members = field(dialog, "member_ids").locator("input")
    members.fill("李娜")
    page.locator(".ui-autocomplete:visible li a", has_text="李娜").first.click()
    field(dialog, "content").fill("盘点通知：今晚 20:00")
    dialog.locator("button[name='action_send']").click()
    form = page.locator(".o_form_view:has(.o_field_widget[name='status'])")
    expect(form.locator(".o_statusbar_status button.btn-primary")).to_have_text("Sent")
    wait_idle(page)
    # the message replaced the screen the wizard was opened over: one breadcrumb, not "Members / …"
    expect(page.locator(".o_control_panel .breadcrumb li")).to_have_count(1)
    screenshot("message-sent-from-the-menu")


def test_the_language_of_business_messages_is_a_setting(page, screenshot):
    log_in(page)
    block = open_wecom_settings(page)
    expect(block.locator("h2", has_text="Messages")).to_be_visible()
    language = block.locator("select[name='wecom_message_lang']")
    expect(language).to_be_visible()
    assert "English" in language.inner_text()
    block.locator("#wecom_messages").scroll_into_view_if_needed()
    screenshot("settings-messages")
