"""(Runs after test_directory_sync.py, whose sync fills the mirror.) Daily-use screens as an administrator meets them, against `make run`'s stack: the new API key
dialog with its Copy buttons, the member list without an Archive action, sending from the
Messages menu (no red size errors before typing; the message then replaces the screen), and the
settings' language of business messages; a member's Messages button and a message's recipients
and send calls; the directory health (settings and Test connection); the same screens in Chinese.
Started by tests/browser/run.sh; screenshots in
.local/screenshots/.
"""
from playwright.sync_api import expect

from conftest import ODOO_URL, WECOM_SETTINGS_BLOCK, field, log_in, open_menu, open_wecom_settings, wait_idle


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
    # the members' own control panel: with mail the first screen (Discuss) has one too
    expect(page.locator(".o_control_panel .breadcrumb")).to_have_text("Members")
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows.first).to_be_visible()
    wait_idle(page)
    rows.first.locator("td.o_list_record_selector input").check()
    expect(rows.first.locator("td.o_list_record_selector input")).to_be_checked()
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
    # the tag is rendered and the autocomplete gone before typing elsewhere (else the keys can land
    # in the members' input)
    expect(field(dialog, "member_ids").locator(".badge, .o_tag_badge_text").filter(has_text="李娜")).to_have_count(1)
    expect(page.locator(".ui-autocomplete:visible")).to_have_count(0)
    wait_idle(page)
    content = field(dialog, "content")
    content.click()
    content.fill("盘点通知：今晚 20:00")
    expect(content).to_have_value("盘点通知：今晚 20:00")
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


def call_kw(page, model, method, args, kwargs=None):
    """A JSON-RPC call as the logged-in user (the page's session cookie)."""
    answer = page.request.post(ODOO_URL + "/web/dataset/call_kw", data={
        "jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}}).json()
    assert "error" not in answer, answer
    return answer["result"]


def test_the_member_form_lists_the_messages_that_reached_her(page, screenshot):
    log_in(page)
    open_menu(page, "Directory", "wecom_integration.wecom_user_menu")
    # the members' own search box: with mail the first screen (Discuss) has one too
    expect(page.locator(".o_control_panel .breadcrumb")).to_have_text("Members")
    wait_idle(page)
    page.locator(".o_searchview_input").fill("李娜")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.locator(".o_kanban_record, tr.o_data_row").filter(has_text="李娜").first.click()
    button = page.locator(".oe_button_box button.oe_stat_button", has_text="Messages")
    expect(button).to_be_visible()
    expect(button.locator(".o_stat_value")).not_to_have_text("0")
    screenshot("member-messages-button")
    button.click()
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows.first).to_be_visible()
    expect(page.locator(".o_searchview_facet")).to_contain_text("李娜")
    expect(rows.filter(has_text="盘点通知").first).to_contain_text("Delivered")
    expect(rows.filter(has_text="盘点通知").first).to_contain_text("Directly")
    screenshot("member-messages-list")
    # the message itself: who was reached and each send call, by name
    call_id = call_kw(page, "wecom.message", "search", [[["content", "=", "盘点通知：今晚 20:00"]]], {"limit": 1})[0]
    page.goto(ODOO_URL + "/web#model=wecom.message&view_type=form&id=%s" % call_id)
    wait_idle(page)
    page.locator(".o_notebook a", has_text="Recipients").click()
    recipients = field(page, "recipient_ids")
    expect(recipients.locator("tr.o_data_row").filter(has_text="李娜")).to_contain_text("Delivered")
    screenshot("message-recipients-tab")
    page.locator(".o_notebook a", has_text="Send calls").click()
    expect(field(page, "call_ids").locator("tr.o_data_row").first).to_contain_text("Sent")
    screenshot("message-send-calls-tab")


def test_the_settings_page_shows_the_directory_health_of_the_last_sync(page, screenshot):
    log_in(page)
    block = open_wecom_settings(page)
    health = block.locator("#wecom_directory_health")
    health.scroll_into_view_if_needed()
    expect(health).to_contain_text("From the sync of")
    expect(health).to_contain_text("The app secret sees")
    screenshot("settings-directory-health")
    block.locator("button[name='action_wecom_test_connection']").click()
    dialog = page.locator(".modal:has(.o_wecom_connection_summary)")
    expect(dialog).to_contain_text("Directory health:")
    screenshot("test-connection-directory-health")
    dialog.locator("button", has_text="Close").click()


def test_in_chinese(page, screenshot):
    log_in(page)
    if not call_kw(page, "res.lang", "search", [[["code", "=", "zh_CN"]]]):
        wizard = call_kw(page, "base.language.install", "create", [{"lang": "zh_CN"}])
        call_kw(page, "base.language.install", "lang_install", [[wizard]])
    groups = [call_kw(page, "ir.model.data", "xmlid_to_res_id", [xmlid]) for xmlid in
              ("base.group_system", "wecom_integration.wecom_group_manager")]
    login = "zh-admin@example.com"
    if not call_kw(page, "res.users", "search", [[["login", "=", login]]]):
        call_kw(page, "res.users", "create", [{"name": "王管理", "login": login, "password": "zh-admin",
                                               "lang": "zh_CN", "groups_id": [[6, 0, groups]]}])
    page.goto(ODOO_URL + "/web/session/logout")
    page.goto(ODOO_URL + "/web/login")
    form = page.locator("form.oe_login_form")
    form.locator('input[name="login"]').fill(login)
    form.locator('input[name="password"]').fill("zh-admin")
    form.locator('button[type="submit"]').click()
    wait_idle(page)
    open_menu(page, "配置", "wecom_integration.wecom_config_settings_menu")
    block = page.locator(WECOM_SETTINGS_BLOCK)
    expect(block).to_be_visible()
    wait_idle(page)
    health = block.locator("#wecom_directory_health")
    health.scroll_into_view_if_needed()
    expect(health).to_contain_text("通讯录健康状况")
    expect(health).to_contain_text("应用 Secret 可见")
    screenshot("settings-directory-health-zh")
    # the access selector's category is 企业微信, not "WeCom"
    me = call_kw(page, "res.users", "search", [[["login", "=", login]]])[0]
    page.goto(ODOO_URL + "/web#model=res.users&view_type=form&id=%s" % me)
    wait_idle(page)
    expect(page.locator(".o_form_view")).to_contain_text("企业微信")
    expect(page.locator(".o_form_view .o_group .o_horizontal_separator, .o_form_view .o_form_label",
                        has_text="WeCom")).to_have_count(0)
    screenshot("user-access-rights-zh")
