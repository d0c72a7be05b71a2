"""Members and employees linked by the syncs: the rules, their order, ambiguity, creation, managers."""
from odoo.addons.wecom_integration.tests.common import WecomTransactionCase, make_user

from .common import EmployeeMixin


class TestMatching(EmployeeMixin, WecomTransactionCase):

    def setUp(self):
        super(TestMatching, self).setUp()
        self.set_create_employees(False)
        self.sync()
        self.Link = self.env["wecom.employee.link"]

    def test_linked_user_then_work_email_then_mobile(self):
        user = make_user(self.env, "hr_zhaomin")
        by_user = self.employee("赵敏 (HR)", user_id=user.id)
        by_email = self.employee("李娜", work_email="  LINA@haolinju.com.cn ")
        by_biz_mail = self.employee("孙浩", work_email="sunhao@haolinju.wecom.work")
        mobile = self.member("zhoujie").mobile
        by_mobile = self.employee("周杰", mobile_phone="+86 %s %s %s" % (mobile[:3], mobile[3:7], mobile[7:]))
        nothing = self.employee("王芳")  # three members are called 王芳: a name alone links nothing
        self.member("zhaomin").odoo_user_id = user  # linked by hand: its user's employee follows at once
        self.assertEqual(by_user.wecom_user_id, self.member("zhaomin"))
        self.sync()
        self.assertEqual(by_email.wecom_user_id, self.member("lina"))
        self.assertEqual(by_biz_mail.wecom_user_id, self.member("sunhao"))
        self.assertEqual(by_mobile.wecom_user_id, self.member("zhoujie"))
        self.assertFalse(nothing.wecom_user_id)
        self.assertEqual(self.member("lina").employee_id, by_email, "the member shows its employee")
        self.assertEqual(self.env["wecom.user"].search([("employee_id", "=", by_mobile.id)]), self.member("zhoujie"))
        self.assertIn(self.member("lina"), self.env["wecom.user"].search([("employee_id", "!=", False)]))
        self.assertNotIn(self.member("wuyong"), self.env["wecom.user"].search([("employee_id", "!=", False)]))

    def test_rules_in_order_and_only_between_unlinked_records(self):
        # the email says lina, the mobile says sunhao: the email rule comes first
        both = self.employee("李娜", work_email="lina@haolinju.com.cn", mobile_phone=self.member("sunhao").mobile)
        self.Link._run()
        self.assertEqual(both.wecom_user_id, self.member("lina"))
        # a second employee with lina's email: lina is taken, nothing changes
        second = self.employee("李娜 (2)", work_email="lina@haolinju.com.cn")
        summary = self.Link._run()
        self.assertFalse(second.wecom_user_id)
        self.assertEqual(both.wecom_user_id, self.member("lina"), "links are never moved")
        self.assertEqual(summary.ambiguous, 0)

    def test_ambiguous_matches_are_left_alone(self):
        first = self.employee("吴勇", work_email="wuyong@haolinju.com.cn")
        second = self.employee("吴勇 (again)", work_email="WUYONG@haolinju.com.cn")
        # one employee fitting two members (a mobile given to two members in WeCom)
        self.member("zhoujie").sudo().write({"mobile": self.member("heqiang").mobile})
        shared = self.employee("何强", mobile_phone=self.member("heqiang").mobile)
        summary = self.Link._run()
        self.assertFalse(first.wecom_user_id or second.wecom_user_id or shared.wecom_user_id)
        self.assertEqual(summary.ambiguous, 3)  # wuyong, heqiang, zhoujie
        self.assertEqual(sum(summary.linked.values()), 0)
        second.work_email = "someone.else@example.com"
        self.assertEqual(self.Link._run().linked["email"], 1)
        self.assertEqual(first.wecom_user_id, self.member("wuyong"))

    def test_archived_members_and_employees_are_not_matched(self):
        gone = self.employee("韩梅", work_email="hanmei@haolinju.com.cn", active=False)
        self.Link._run()
        self.assertFalse(gone.wecom_user_id)
        self.emulator.directory.remove_user("tangming")
        self.sync()
        employee = self.employee("唐明", work_email="tangming@haolinju.com.cn")
        self.Link._run()
        self.assertFalse(employee.wecom_user_id, "a member gone from WeCom gets no employee")

    def test_one_employee_per_member(self):
        employee = self.employee("李娜", work_email="lina@haolinju.com.cn")
        self.Link._run()
        other = self.employee("someone")
        with self.assertRaises(Exception), self.env.cr.savepoint():
            other.wecom_user_id = employee.wecom_user_id
        self.assertEqual(employee.wecom_user_id, self.member("lina"))


class TestCreation(EmployeeMixin, WecomTransactionCase):

    def test_off_by_default(self):
        self.env["ir.config_parameter"].sudo().search([("key", "=", "wecom_hr.create_employees")]).unlink()
        before = self.env["hr.employee"].search_count([])
        self.sync()
        self.assertEqual(self.env["hr.employee"].search_count([]), before)
        self.assertFalse(self.env["res.config.settings"].default_get(["wecom_create_employees"]).get(
            "wecom_create_employees"))

    def test_every_current_member_gets_one_employee(self):
        self.set_create_employees(True)
        existing = self.employee("李娜", work_email="lina@haolinju.com.cn")
        user = make_user(self.env, "hr_zhangwei")
        self.sync()
        members = self.env["wecom.user"].search([])
        wanted = members.filtered(lambda member: member.status in ("1", "4"))
        self.assertEqual(self.member("lina").employee_id, existing, "matched first, not created twice")
        self.assertTrue(all(member.employee_id for member in wanted))
        self.assertFalse(self.member("liangchen").employee_id, "a disabled member gets none")
        self.assertTrue(self.member("zhengshuang").employee_id, "not yet activated: one")
        created = self.member("yangxue").employee_id
        source = self.member("yangxue")
        self.assertEqual((created.name, created.work_email, created.mobile_phone, created.work_phone),
                         (source.name, source.email, source.mobile, source.telephone))
        count = self.env["hr.employee"].search_count([])
        self.member("zhangwei").odoo_user_id = user
        self.sync()
        self.assertEqual(self.env["hr.employee"].search_count([]), count, "a second sync creates nothing")
        # created before the member had a user: the user is not forced onto it
        self.assertFalse(self.member("zhangwei").employee_id.user_id)

    def test_the_members_user_goes_on_the_new_employee(self):
        self.set_create_employees(True)
        self.sync()
        self.emulator.directory.add_user({"userid": "newbie", "name": "新人", "department": [8]})
        user = make_user(self.env, "newbie")
        self.set_wecom_params(user_match="login")
        self.sync()
        self.assertEqual(self.member("newbie").odoo_user_id, user)
        self.assertEqual(self.member("newbie").employee_id.user_id, user)


class TestManagers(EmployeeMixin, WecomTransactionCase):

    def test_direct_leaders_become_managers_when_both_are_linked(self):
        sunhao = self.employee("孙浩", work_email="sunhao@haolinju.com.cn")
        self.sync()
        self.assertEqual(sunhao.wecom_user_id, self.member("sunhao"))
        self.assertFalse(sunhao.parent_id, "his leader lina has no employee: nothing to set")
        manual = self.employee("a manager HR chose")
        sunhao.parent_id = manual
        self.sync()
        self.assertEqual(sunhao.parent_id, manual, "kept while WeCom's leader has no employee")
        lina = self.employee("李娜", work_email="lina@haolinju.com.cn")
        self.sync()
        self.assertEqual(sunhao.parent_id, lina)
        self.assertFalse(lina.parent_id)

    def test_the_whole_chain_with_created_employees(self):
        self.set_create_employees(True)
        self.sync()
        chain = [self.member(userid).employee_id for userid in ("sunhao", "lina", "wangqiang", "liuyan", "zhangwei")]
        for employee, manager in zip(chain, chain[1:]):
            self.assertEqual(employee.parent_id, manager)
        self.assertFalse(chain[-1].parent_id)
        # WeCom moves sunhao under zhoujie
        self.emulator.directory.update_user("sunhao", {"direct_leader": ["zhoujie"]})
        self.sync()
        self.assertEqual(chain[0].parent_id, self.member("zhoujie").employee_id)

    def test_leaders_of_each_other_do_not_break_the_sync(self):
        self.set_create_employees(True)
        self.emulator.directory.update_user("zhangwei", {"direct_leader": ["liuyan"]})  # liuyan's leader is zhangwei
        log = self.sync()
        self.assertEqual(log.status, "success")
        zhangwei, liuyan = self.member("zhangwei").employee_id, self.member("liuyan").employee_id
        self.assertTrue(zhangwei.parent_id == liuyan or liuyan.parent_id == zhangwei)
        self.assertFalse(zhangwei.parent_id == liuyan and liuyan.parent_id == zhangwei)
