"""What people see: the link on both forms, the setting, the Match employees wizard, Chinese."""
from lxml import etree

from odoo.exceptions import AccessError

from odoo.addons.wecom_integration.tests.common import WecomTransactionCase, make_user

from .common import EmployeeMixin


class TestForms(EmployeeMixin, WecomTransactionCase):

    def setUp(self):
        super(TestForms, self).setUp()
        self.set_create_employees(False)
        self.sync()

    def form_fields(self, model, user=None):
        env = self.env(user=user) if user else self.env
        arch = env[model].fields_view_get(view_type="form")["arch"]
        return set(etree.fromstring(arch).xpath("//field/@name"))

    def test_both_forms_show_the_link(self):
        self.assertIn("wecom_user_id", self.form_fields("hr.employee"))
        self.assertIn("employee_id", self.form_fields("wecom.user"))
        # an employee without WeCom rights sees the employee form without the member
        plain = make_user(self.env, "hr_plain")
        self.assertNotIn("wecom_user_id", self.form_fields("hr.employee", plain))
        employee = self.employee("李娜", work_email="lina@haolinju.com.cn")
        self.env["wecom.employee.link"]._run()
        self.assertEqual(employee.sudo(plain).read(["name", "parent_id"])[0]["name"], "李娜")

    def test_the_setting_is_stored(self):
        settings = self.env["res.config.settings"].create({"wecom_create_employees": True})
        settings.execute()
        self.assertTrue(self.env["wecom.employee.link"]._create_enabled())
        self.assertTrue(self.env["res.config.settings"].default_get(["wecom_create_employees"])["wecom_create_employees"])
        self.env["res.config.settings"].create({"wecom_create_employees": False}).execute()
        self.assertFalse(self.env["wecom.employee.link"]._create_enabled())

    def test_match_wizard_links_and_says_what_it_did(self):
        self.employee("李娜", work_email="lina@haolinju.com.cn")
        self.employee("吴勇", work_email="wuyong@haolinju.com.cn")
        self.employee("吴勇 (again)", work_email="wuyong@haolinju.com.cn")
        wizard = self.env["wecom.employee.match"].create({})
        self.assertFalse(wizard.create_employees, "the setting's value, off by default")
        action = wizard.action_match()
        self.assertEqual((action["res_model"], action["res_id"], action["target"]),
                         ("wecom.employee.match", wizard.id, "new"))
        self.assertIn("Linked: 1 (by Odoo user 0, by work email 1, by mobile 0)", wizard.summary)
        self.assertIn("left unlinked: 1", wizard.summary)
        self.assertIn("Employees created for members: 0", wizard.summary)

    def test_match_wizard_needs_an_hr_manager(self):
        user = make_user(self.env, "hr_officer", "wecom_group_manager")
        user.groups_id |= self.env.ref("hr.group_hr_user")
        self.employee("李娜", work_email="lina@haolinju.com.cn")
        wizard = self.env["wecom.employee.match"].sudo(user).create({"create_employees": True})
        with self.assertRaises(AccessError):
            wizard.action_match()
        self.assertFalse(self.member("lina").employee_id)
        user.groups_id |= self.env.ref("hr.group_hr_manager")
        self.assertIn("Employees created for members: ", wizard.action_match() and wizard.summary)
        self.assertTrue(self.member("lina").employee_id)

    def test_summary_in_chinese(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_hr"], ["zh_CN"])
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        wizard = zh["wecom.employee.match"].create({})
        action = wizard.action_match()
        self.assertEqual(action["name"], "匹配员工")
        self.assertTrue(wizard.summary.startswith("已关联："), wizard.summary)
        label = zh["hr.employee"].fields_get(["wecom_user_id"])["wecom_user_id"]["string"]
        self.assertEqual(label, "企业微信成员")
