"""Kept current by contact changes: the emulator, playing WeCom, posts each change to Odoo over HTTP."""
from odoo.addons.wecom_integration.tests.test_callback import AES_KEY, TOKEN, CallbackCase

from .common import EmployeeMixin


class TestContactChanges(EmployeeMixin, CallbackCase):

    def setUp(self):
        super(TestContactChanges, self).setUp()
        self.set_create_employees(False)
        self.lina = self.employee("李娜", work_email="lina@haolinju.com.cn")
        self.sunhao = self.employee("孙浩", work_email="sunhao@haolinju.com.cn")
        self.env["wecom.employee.link"]._run()
        self.cr.commit()  # the request that checks the URL must see the callback settings
        self.emulator.set_contact_callback(self.url, TOKEN, AES_KEY)

    def delivered(self, change_types):
        self.env.cache.invalidate()
        records = self.emulator.callback_deliveries()
        self.assertEqual([r["change_type"] for r in records], change_types)
        self.assertTrue(all(r["status"] == "delivered" for r in records), records)
        self.assertEqual(self.Event.search([]).mapped("state"), ["done"] * len(change_types))

    def test_a_new_member_is_linked_with_its_manager(self):
        newbie = self.employee("新人", work_email="newbie@haolinju.com.cn")
        self.cr.commit()
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [8], "email": "newbie@haolinju.com.cn",
                                 "direct_leader": ["lina"]})
        self.delivered(["create_user"])
        self.assertEqual(newbie.wecom_user_id, self.member("newbie"))
        self.assertEqual(newbie.parent_id, self.lina)

    def test_a_leader_change_and_a_rename_follow(self):
        self.assertEqual(self.sunhao.parent_id, self.lina)
        zhoujie = self.employee("周杰", mobile_phone=self.member("zhoujie").mobile)
        self.cr.commit()
        self.directory.update_user("sunhao", {"direct_leader": ["zhoujie"], "new_userid": "sun.hao"})
        self.delivered(["update_user"])
        self.assertEqual(zhoujie.wecom_user_id, self.member("zhoujie"), "matched when the change came")
        self.assertEqual(self.sunhao.wecom_user_id, self.member("sun.hao"), "the link survives the rename")
        self.assertEqual(self.sunhao.parent_id, zhoujie)

    def test_created_for_a_new_member_when_the_setting_is_on(self):
        self.set_create_employees(True)
        self.cr.commit()
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [8], "direct_leader": ["sunhao"]})
        self.delivered(["create_user"])
        employee = self.member("newbie").employee_id
        self.assertEqual(employee.name, "新人")
        self.assertEqual(employee.parent_id, self.sunhao)
