"""A member's history: what the syncs, the contact changes and Odoo changed on it, and the
contact change that says what it changed."""
from lxml import etree

from ..exceptions import WecomSyncError
from .common import make_user
from .test_callback import CallbackCase
from .test_sync import SyncCase


def summaries(member):
    return [change.summary for change in member.change_ids]


class TestHistoryFromSyncs(SyncCase):

    def setUp(self):
        super(TestHistoryFromSyncs, self).setUp()
        self.service.sync_all()
        self.directory = self.emulator.directory
        self.Change = self.env["wecom.user.change"]

    def test_the_first_import_is_not_history(self):
        self.assertEqual(self.Change.search_count([]), 0)

    def test_a_changed_field_says_before_and_after_and_which_run(self):
        telephone = self.member("lina").telephone
        self.assertTrue(telephone)
        self.directory.update_user("lina", {"position": "副店长", "telephone": ""})
        log = self.service.sync_users()
        lina = self.member("lina")
        self.assertEqual(sorted(summaries(lina)), ["Position: 店长 → 副店长", "Telephone: %s → (empty)" % telephone])
        self.assertEqual(set(lina.change_ids.mapped("origin")), {"sync"})
        self.assertEqual(set(lina.change_ids.mapped("log_ref")), {log.id})
        self.assertEqual(self.Change.search_count([]), 2, "no other member has history")
        self.service.sync_users()
        self.assertEqual(self.Change.search_count([]), 2, "a sync that changes nothing adds nothing")

    def test_status_is_shown_with_its_label_in_the_readers_language(self):
        self.directory.update_user("lina", {"status": 2})
        self.service.sync_users()
        change = self.member("lina").change_ids
        self.assertEqual((change.field_name, change.old_value, change.new_value), ("status", "1", "2"))
        self.assertEqual(change.summary, "Status: Activated → Disabled")
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration"], ["zh_CN"])
        zh = change.with_context(lang="zh_CN")
        self.assertEqual(zh.summary, "状态：已激活 → 已禁用")

    def test_departments_moved_arrival_departure_and_return(self):
        self.directory.update_user("lina", {"department": [9]})
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [8]})
        self.service.sync_users()
        lina = self.member("lina")
        moved = lina.change_ids.filtered(lambda c: c.field_name == "department_ids")
        self.assertEqual((moved.old_value, moved.new_value),
                         (self.department(8).complete_name, self.department(9).complete_name))
        self.assertEqual(summaries(self.member("newbie")), ["Created"])
        self.directory.remove_user("newbie")
        self.service.sync_users()
        newbie = self.member("newbie")
        self.assertFalse(newbie.active)
        self.assertEqual(summaries(newbie), ["Archived (gone from WeCom)", "Created"])
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [8]})
        self.service.sync_users()
        self.assertEqual(summaries(newbie)[0], "Restored")

    def test_linking_an_odoo_user_is_history_made_in_odoo(self):
        lina = self.member("lina")
        user = self.env["res.users"].create({"name": "李娜 (Odoo)", "login": "lina-history"})
        lina.write({"odoo_user_id": user.id})
        lina.write({"odoo_user_id": user.id})  # the same link again: nothing changed
        lina.write({"odoo_user_id": False})
        self.assertEqual(summaries(lina), ["Odoo user: 李娜 (Odoo) → (empty)", "Odoo user: (empty) → 李娜 (Odoo)"])
        self.assertEqual(set(lina.change_ids.mapped("origin")), {"odoo"})

    def test_a_refused_run_leaves_no_history(self):
        self.directory.update_user("lina", {"position": "副店长"})
        for member in self.env["wecom.user"].search([("userid", "!=", "lina")], limit=20):
            self.directory.remove_user(member.userid)
        self.set_wecom_params(archive_threshold="5")
        with self.assertRaises(WecomSyncError):
            self.service.sync_users()
        self.assertEqual(self.Change.search_count([]), 0)


class TestContactChangeSaysWhatChanged(CallbackCase):

    def test_the_event_links_its_member_and_its_changes(self):
        self.directory.update_user("lina", {"position": "副店长"})
        self.post({"ChangeType": "update_user", "UserID": "lina", "Department": "8"})
        event = self.Event.search([], limit=1)
        self.assertEqual(event.state, "done", event.error_message)
        lina = self.member("lina")
        self.assertEqual(event.member_id, lina)
        self.assertEqual(event.member_change_ids.mapped("summary"), ["Position: 店长 → 副店长"])
        self.assertEqual(lina.change_ids.origin, "contact_change")

    def test_a_rename_is_found_under_the_new_userid(self):
        lina = self.member("lina")
        self.directory.update_user("lina", {"new_userid": "li.na"})
        self.post({"ChangeType": "update_user", "UserID": "lina", "NewUserID": "li.na", "Department": "8"})
        event = self.Event.search([], limit=1)
        self.assertEqual(event.member_id, lina)
        self.assertIn("UserID: lina → li.na", event.member_change_ids.mapped("summary"))


class TestOnlyWhatOdooOwnsIsOffered(SyncCase):

    def arch(self, model, view_type, user):
        view = self.env[model].sudo(user.id).fields_view_get(view_type=view_type)
        return etree.fromstring(view["arch"]), view["fields"]

    def test_lists_offer_no_archive_and_the_member_form_edits_for_managers_only(self):
        viewer = make_user(self.env, "history-viewer", "wecom_integration.wecom_group_user")
        manager = make_user(self.env, "history-manager", "wecom_integration.wecom_group_manager")
        for model in ("wecom.user", "wecom.department", "wecom.tag", "wecom.api.key"):
            tree, _fields = self.arch(model, "tree", manager)
            # the list class without Archive/Unarchive (the browser layer sees the Action menu)
            self.assertEqual(tree.get("js_class"), "wecom_list_no_archive", model)
        form, _fields = self.arch("wecom.user", "form", viewer)
        self.assertEqual(form.get("edit"), "false")
        form, _fields = self.arch("wecom.user", "form", manager)
        self.assertEqual(form.get("edit"), "true")


class TestEmptyListHelp(SyncCase):

    def test_an_empty_search_is_not_an_empty_directory(self):
        action = self.env.ref("wecom_integration.wecom_user_action")
        self.assertIn("Run a sync", action.read(["help", "res_model"])[0]["help"], "nothing mirrored yet: sync")
        self.service.sync_all()
        text = action.read(["help", "res_model"])[0]["help"]  # as the web client reads the action
        self.assertIn("No member matches this search.", text)
        self.assertNotIn("Run a sync", text)
