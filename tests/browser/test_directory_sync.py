"""Smoke test of the directory sync as an administrator uses it, against `make run`'s stack.

Through the menus and buttons only: a full sync from WeCom > Configuration > Settings, the
mirrored departments and members under WeCom > Directory, a change made in the emulator reaching
Odoo through the contact-change callback (WeCom > Synchronization > Contact Changes), a member
sync that then finds nothing to do, and the sync logs (list and graph).
Started by tests/browser/run.sh; screenshots in .local/screenshots/.

The emulator is a fresh process on every run of the layer (its demo directory is reset), but the
`wecom_browser` database is kept: the mirror may already hold the demo corp from an earlier run,
including the 董事长 that test 4 leaves on 张伟. Hence counts are checked as sums (created +
updated + unchanged = total) rather than "created = 76", and test 1's full sync is what brings 张伟
back to 总经理 before tests 3 and 4 look at him. The tests run in file order (pytest keeps it) and
each one logs in afresh.
"""
import re

from playwright.sync_api import expect

from conftest import emulator_get, emulator_post, field, list_row, log_in, open_menu, open_wecom_settings, wait_idle

# the emulator's demo corp (wecom_emulator/demo_data.py): 20 departments, 53 members, 3 tags
DEMO_DEPARTMENTS, DEMO_MEMBERS, DEMO_TAGS = 20, 53, 3
CHAOYANG = "好邻居连锁超市 / 华北区 / 北京朝阳店"  # department 8, led by 李娜 (lina)
CEO_USERID, CEO_NAME, CEO_POSITION = "zhangwei", "张伟", "总经理"  # (zhangwei01 is another 张伟)
NEW_POSITION = "董事长"

LOG_FORM = ".o_form_view:has(.o_field_widget[name='total_count'])"


def count(form, name):
    """An integer field of a (readonly) form, as a number."""
    return int(field(form, name).inner_text().strip().replace(",", ""))


def expect_breadcrumb(page, title):
    expect(page.locator(".o_control_panel .breadcrumb li.active")).to_have_text(title)
    wait_idle(page)


def sync_log_form(page, type_label):
    """The sync log form a "sync now" button or menu lands on: checked to be a successful run of that type."""
    form = page.locator(LOG_FORM)
    expect(form).to_be_visible()
    wait_idle(page)
    expect(field(form, "name")).to_have_text(re.compile(r"^%s #\d+$" % re.escape(type_label)))
    expect(field(form, "sync_type")).to_have_text(type_label)
    expect(field(form, "trigger")).to_have_text("Manual")
    expect(field(form, "user_id")).to_have_text("Administrator")
    # the statusbar highlights the current state
    expect(form.locator(".o_statusbar_status button.btn-primary")).to_have_text("Success")
    expect(form.locator(".alert-danger")).to_be_hidden()  # error_message is empty
    return form


def open_members(page):
    open_menu(page, "Directory", "wecom_integration.wecom_user_menu")
    expect_breadcrumb(page, "Members")


def search_and_open_ceo(page):
    """In the Members list: type 张伟 in the search box, press Enter, open the row of userid zhangwei."""
    search = page.locator(".o_searchview_input")
    search.fill(CEO_NAME)
    # Odoo's autocomplete reacts to key events, which fill() does not send (nor typing CJK text)
    search.press("End")
    proposal = page.locator(".o_searchview_autocomplete li").first
    expect(proposal).to_contain_text("Search Name for: %s" % CEO_NAME)
    search.press("Enter")
    expect(page.locator(".o_searchview_facet")).to_contain_text(CEO_NAME)
    wait_idle(page)
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows).to_have_count(2)  # the demo corp has two 张伟: zhangwei (总经理) and zhangwei01
    for i in range(2):
        expect(rows.nth(i).locator("td.o_data_cell").first).to_have_text(CEO_NAME)
    list_row(page, CEO_USERID).locator("td", has_text=CEO_USERID).click()
    form = page.locator(".o_form_view:has(.o_field_widget[name='position'])")
    expect(field(form, "userid")).to_have_text(CEO_USERID)
    wait_idle(page)
    expect(field(form, "name")).to_have_text(CEO_NAME)
    return form


def test_1_full_sync_from_the_settings_page(page, screenshot):
    log_in(page)
    block = open_wecom_settings(page)
    expect(block.locator("h2").nth(1)).to_have_text("Directory sync")
    button = block.locator('button[name="action_wecom_sync_all"]')
    expect(button).to_have_text("Full sync")
    for name, label in (("action_wecom_sync_departments", "Sync departments"),
                        ("action_wecom_sync_users", "Sync members"), ("action_wecom_sync_tags", "Sync tags")):
        expect(block.locator('button[name="%s"]' % name)).to_have_text(label)
    block.locator("#wecom_sync").evaluate("element => element.scrollIntoView({block: 'center'})")
    screenshot("settings-directory-sync")
    button.click()

    form = sync_log_form(page, "Full sync")
    total = count(form, "total_count")
    created, updated, unchanged = (count(form, name) for name in ("created_count", "updated_count", "unchanged_count"))
    assert total == DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS == 76
    assert created + updated + unchanged == total, (created, updated, unchanged, total)
    assert count(form, "failed_count") == 0
    assert count(form, "archived_count") == 0
    assert count(form, "success_count") == total
    screenshot("sync-log")


def test_2_departments_list_and_form(page, screenshot):
    log_in(page)
    open_menu(page, "Directory", "wecom_integration.wecom_department_menu")
    expect_breadcrumb(page, "Departments")
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows).to_have_count(DEMO_DEPARTMENTS)
    row = list_row(page, CHAOYANG)
    expect(row).to_be_visible()
    expect(row).to_contain_text("Beijing Chaoyang")  # English name column
    expect(row).to_contain_text("李娜 (lina)")  # leader, as wecom.user names itself
    screenshot("departments")

    row.locator("td", has_text=CHAOYANG).click()
    form = page.locator(".o_form_view:has(.o_field_widget[name='member_ids'])")
    expect(field(form, "name")).to_have_text("北京朝阳店")
    wait_idle(page)
    expect(field(form, "complete_name")).to_have_text(CHAOYANG)
    expect(field(form, "wecom_id")).to_have_text("8")
    notebook = form.locator(".o_notebook")
    expect(notebook.locator(".nav-tabs li.active")).to_have_text("Members")
    members = field(form, "member_ids")
    expect(list_row(members, "李娜")).to_be_visible()
    expect(list_row(members, "李娜")).to_contain_text("店长")
    expect(list_row(members, "孙浩")).to_be_visible()
    # the stat button counts the same (active) members as the tab lists
    shown = members.locator("tr.o_data_row").count()
    expect(form.locator(".oe_button_box .oe_stat_button .o_stat_value")).to_have_text(str(shown))
    screenshot("department-form")


def test_3_member_search_and_form(page, screenshot):
    log_in(page)
    open_members(page)
    expect(page.locator(".o_list_view tr.o_data_row").first).to_be_visible()
    form = search_and_open_ceo(page)
    expect(field(form, "position")).to_have_text(CEO_POSITION)
    expect(field(form, "status")).to_have_text("Activated")
    expect(field(form, "main_department_id")).to_have_text("好邻居连锁超市")
    screenshot("member-form")


def test_4_a_change_made_in_wecom_reaches_odoo_by_callback(page, screenshot):
    """`make run` gave the emulator Odoo's callback URL: the change arrives without any sync."""
    changed = emulator_post("directory/users/%s" % CEO_USERID, {"position": NEW_POSITION})
    assert changed["user"]["position"] == NEW_POSITION, changed
    deliveries = emulator_get("callbacks?flush=10")["deliveries"]
    assert deliveries and deliveries[-1]["status"] == "delivered", deliveries[-1:]

    log_in(page)
    for _attempt in range(20):  # Odoo applies the event right after answering WeCom: reopen until it has
        open_menu(page, "Synchronization", "wecom_integration.wecom_callback_event_menu")
        expect_breadcrumb(page, "Contact Changes")
        event = list_row(page.locator(".o_list_view"), CEO_USERID).first
        expect(event).to_contain_text("Member updated")
        if "Applied" in event.inner_text():
            break
        page.wait_for_timeout(500)
    expect(event).to_contain_text("Applied")
    expect(event).to_contain_text(CEO_NAME)  # the member, by name
    screenshot("contact-changes")
    # the change says what it changed, and links its member
    event.locator("td", has_text="Member updated").click()
    change_form = page.locator(".o_form_view:has(.o_field_widget[name='member_change_ids'])")
    expect(field(change_form, "member_change_ids")).to_contain_text(
        "Position: %s → %s" % (CEO_POSITION, NEW_POSITION))
    expect(field(change_form, "member_id")).to_contain_text(CEO_NAME)
    wait_idle(page)
    screenshot("contact-change-what-changed")

    open_members(page)
    form = search_and_open_ceo(page)
    expect(field(form, "position")).to_have_text(NEW_POSITION)
    # the member's history: the change and what made it, newest first
    form.locator(".o_notebook .nav-tabs a", has_text="History").click()
    history = field(form, "change_ids")
    expect(history.locator("tr.o_data_row").first).to_contain_text("Position: %s → %s" % (CEO_POSITION, NEW_POSITION))
    expect(history.locator("tr.o_data_row").first).to_contain_text("Contact change")
    # WeCom owns the member's fields: an administrator may edit the Odoo user link only
    expect(page.locator(".o_form_button_edit")).to_be_visible()
    screenshot("member-form-history")

    # a member sync afterwards finds nothing left to do. WeCom is slowed down (1.5 s a call) so the
    # run lasts some seconds: the menu answers at once with the queued or running log, and the
    # form follows the run to its end by itself (no reload here)
    emulator_post("latency", {"latency_ms": 1500})
    try:
        open_menu(page, "Synchronization", "wecom_integration.wecom_sync_users_menu")
        waiting = page.locator(".o_wecom_run_waiting")
        expect(waiting).to_be_visible()
        expect(waiting).to_contain_text(re.compile("Queued|Running"))
        expect(waiting).to_contain_text("refreshes itself")
        screenshot("sync-log-following-the-run")
        form = sync_log_form(page, "Members")
        expect(waiting).to_be_hidden()
    finally:
        emulator_post("latency", {"latency_ms": 0})
    assert count(form, "total_count") == DEMO_MEMBERS
    assert count(form, "unchanged_count") == DEMO_MEMBERS
    screenshot("sync-members-log")


def test_5_sync_logs_list_and_graph(page, screenshot):
    log_in(page)
    open_menu(page, "Synchronization", "wecom_integration.wecom_sync_log_menu")
    expect_breadcrumb(page, "Sync Logs")
    rows = page.locator(".o_list_view tr.o_data_row")
    expect(rows.first).to_be_visible()
    headers = [h.strip() for h in page.locator(".o_list_view thead th").all_inner_texts()]
    for label in ("Started", "Status", "Total", "Created", "Updated", "Failed", "Duration (s)", "Started by"):
        assert label in headers, headers
    # each row is coloured by its status (decoration-success/warning/danger/info of the tree view);
    # scheduled runs may be listed too: Odoo's cron thread starts its first round a minute after start
    status_column = headers.index("Status")
    rows_seen = rows.evaluate_all(
        "(rows, i) => rows.map(r => [r.cells[i].innerText.trim(), r.className, r.innerText])", status_column)
    colour = {"Success": "text-success", "Partial": "text-warning", "Failed": "text-danger", "Running": "text-info"}
    for status, classes, text in rows_seen:
        assert colour[status] in classes.split(), (status, classes, text)
    manual = [text for status, classes, text in rows_seen if "Manual" in text]
    assert any("Members" in text and "Success" in text for text in manual), rows_seen
    assert any("Full sync" in text and "Success" in text for text in manual), rows_seen
    screenshot("sync-logs")

    page.locator(".o_cp_switch_buttons .o_cp_switch_graph").click()
    graph = page.locator(".o_graph_svg_container")
    expect(graph).to_be_visible()
    wait_idle(page)
    # the view's line chart by day, or Odoo's notice when all runs fall on one day ("Not enough
    # data points"): the case on a database whose runs are all from today
    expect(graph.locator("svg, .oe_view_nocontent").first).to_be_visible()
    screenshot("sync-logs-graph")

    # as a bar chart there is always something to draw; the Measures menu shows the one in use
    page.locator('.o_graph_button[data-mode="bar"]').click()
    expect(graph.locator("svg .nv-multiBarWithLegend")).to_be_visible()  # (a bar of height 0 is "hidden")
    wait_idle(page)
    page.locator(".o_control_panel button.dropdown-toggle", has_text="Measures").click()
    expect(page.locator(".o_graph_measures_list li.selected")).to_have_count(1)
    screenshot("sync-logs-graph-bar")
