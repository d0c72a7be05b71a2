from odoo.exceptions import AccessError

from .common import WecomTransactionCase, make_user

PERMISSION_GROUPS = {
    "wechat.sync.department": "wecom_group_sync_department",
    "wechat.sync.user": "wecom_group_sync_user",
    "wechat.sync.all": "wecom_group_sync_all",
    "wechat.sync.view": "wecom_group_sync_view",
    "wechat.department.view": "wecom_group_department_view",
    "wechat.user.view": "wecom_group_user_view",
    "wechat.message.view": "wecom_group_message_view",
    "wechat.message.send": "wecom_group_message_send",
}


class TestSecurity(WecomTransactionCase):

    def make_user(self, login, *groups):
        return make_user(self.env, login, *groups)

    def test_every_original_permission_has_a_group(self):
        for permission, xmlid in PERMISSION_GROUPS.items():
            group = self.env.ref("wecom_integration." + xmlid)
            self.assertIn(permission, group.name)

    def test_roles(self):
        manager = self.make_user("wecom_manager", "wecom_group_manager")
        user = self.make_user("wecom_user", "wecom_group_user")
        for xmlid in PERMISSION_GROUPS.values():
            self.assertTrue(manager.has_group("wecom_integration." + xmlid), xmlid)
        for xmlid in ("wecom_group_department_view", "wecom_group_user_view", "wecom_group_sync_view",
                      "wecom_group_message_view", "wecom_group_message_send"):
            self.assertTrue(user.has_group("wecom_integration." + xmlid), xmlid)
        for xmlid in ("wecom_group_sync_department", "wecom_group_sync_user", "wecom_group_sync_all"):
            self.assertFalse(user.has_group("wecom_integration." + xmlid), xmlid)
        self.assertTrue(self.env.ref("base.user_root").has_group("wecom_integration.wecom_group_manager"),
                        "the administrator is a WeCom Manager")

    def test_secrets_are_for_system_administrators_only(self):
        manager = self.make_user("wecom_manager2", "wecom_group_manager")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].sudo(manager).get_param("wecom_integration.secret")
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].sudo(manager).create({})
        form = self.env["res.config.settings"].create({"wecom_secret": "typed-by-admin"})
        with self.assertRaises(AccessError):
            form.sudo(manager).read(["wecom_secret"])
        with self.assertRaises(AccessError):
            form.sudo(manager).execute()
        self.assertEqual(self.env["wecom.config"]._get_stored("secret"), self.emulator.app.secret)
        # the token cache is not readable either
        self.env["wecom.config"]._get_client().get_token()
        with self.assertRaises(AccessError):
            self.env["wecom.access.token"].sudo(manager).search([]).read(["key"])
        token_field = self.env["wecom.access.token"]._fields["token"]
        self.assertEqual(token_field.groups, "base.group_system")


class TestApiKeyScreens(WecomTransactionCase):
    """The key dialog shows the header to send; revoked keys can be found again."""

    def test_the_dialog_shows_the_header_and_revoked_keys_are_findable(self):
        wizard = self.env["wecom.api.key.wizard"].create({"name": "门店系统"})
        wizard.action_generate()
        self.assertTrue(wizard.key.startswith("wck_"))
        self.assertEqual(wizard.header, "Authorization: Bearer " + wizard.key)
        key = self.env["wecom.api.key"].search([("name", "=", "门店系统")])
        key.action_revoke()
        Key = self.env["wecom.api.key"]
        self.assertFalse(Key.search([("name", "=", "门店系统")]), "a revoked key leaves the default list")
        import ast
        import xml.etree.ElementTree as ET
        search = ET.fromstring(Key.fields_view_get(view_type="search")["arch"])
        domain = ast.literal_eval(search.find("filter[@name='revoked']").get("domain"))
        self.assertEqual(Key.with_context(active_test=False).search(domain + [("name", "=", "门店系统")]), key,
                         "the Revoked filter finds it")


class TestAccessScreens(WecomTransactionCase):

    def test_one_wecom_selector_under_application_accesses(self):
        """User and Manager form a chain in the WeCom category: the user form shows one selector;
        the eight fine-grained permissions are checkboxes of their own category."""
        user, manager = (self.env.ref("wecom_integration." + x) for x in ("wecom_group_user", "wecom_group_manager"))
        fields = self.env["res.users"].fields_get()
        selector = "sel_groups_%s" % "_".join(str(i) for i in sorted([user.id, manager.id]))
        self.assertIn(selector, fields)
        self.assertEqual([label for _value, label in fields[selector]["selection"]][1:], ["WeCom User", "WeCom Manager"])
        fine = self.env.ref("wecom_integration.wecom_group_message_send")
        self.assertIn("in_group_%s" % fine.id, fields)
        self.assertEqual(fine.category_id, self.env.ref("wecom_integration.module_category_wecom_permissions"))

    def test_sync_entries_of_the_action_menu_only_for_who_may_sync(self):
        Actions = self.env["ir.actions.actions"]
        sync_departments = self.env.ref("wecom_integration.wecom_sync_departments_action_server")
        viewer = self.make_user("dept_viewer_only", "wecom_group_department_view")
        syncer = self.make_user("dept_syncer_only", "wecom_group_sync_department")

        def bound(user):
            return [a["id"] for a in Actions.sudo(user).get_bindings("wecom.department").get("action", [])]
        self.assertNotIn(sync_departments.id, bound(viewer))
        self.assertIn(sync_departments.id, bound(syncer))

    def make_user(self, login, *groups):
        return make_user(self.env, login, *groups)
