from unittest.mock import patch

from ..sync import bulk
from ..sync.writers import DepartmentWriter
from .common import make_user
from ..exceptions import WecomSyncError
from .test_sync import DEMO_DEPARTMENTS, DEMO_MEMBERS, SyncCase


class TestSecretModes(SyncCase):

    def test_app_secret_alone(self):
        log = self.service.sync_all()
        self.assertEqual(log.status, "success")
        self.assertEqual(self.emulator.calls("user/list"), DEMO_DEPARTMENTS, "one user/list per department")
        self.assertEqual(self.emulator.calls("user/list_id"), 0)
        self.assertEqual(self.emulator.calls("department/simplelist"), 0)

    def test_contact_sync_secret_enumerates_and_app_reads_details(self):
        self.set_wecom_params(contact_secret=self.emulator.contact_secret)
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertGreaterEqual(self.emulator.calls("user/list_id"), 1)
        self.assertEqual(self.emulator.calls("department/simplelist"), 1)
        self.assertEqual(self.Member.search_count([]), DEMO_MEMBERS)
        self.assertEqual(self.member("zhangwei").name, "张伟", "details come from the app secret")

    def test_members_outside_the_app_range_are_known_by_id(self):
        """An app that sees only 华东区: the contact-sync secret still lists everyone."""
        region = self.emulator.region_app
        self.set_wecom_params(secret=region.secret, agent_id=str(region.agent_id),
                              contact_secret=self.emulator.contact_secret)
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(self.Member.search_count([]), DEMO_MEMBERS)
        outsider = self.member("zhangwei")
        self.assertEqual(outsider.name, "zhangwei", "no name is readable for a member outside the range")
        self.assertEqual(outsider.department_ids, self.department(1))
        self.assertEqual(self.department(8).name, "8", "nor for a department outside the range")
        self.assertEqual(self.department(11).name, "上海静安店")

    def test_contact_secret_alone_cannot_read_details(self):
        self.set_wecom_params(secret=self.emulator.contact_secret, agent_id="")
        with self.assertRaises(WecomSyncError) as caught:
            self.service.sync_departments()
        self.assertIn("48009", caught.exception.name)


class TestDepartmentsArriveChildFirst(SyncCase):

    def departments(self):
        departments = {}
        for dept_id, parent, name in [(30, 20, "子公司门店"), (20, 10, "子公司"), (10, 0, "集团")]:
            departments[dept_id] = {"id": dept_id, "name": name, "name_en": None, "parentid": parent,
                                    "order": 1, "department_leader": [], "visible": True}
        return departments

    def written(self):
        """(inserted, updated) rows of wecom_department in this transaction so far."""
        self.env.cr.execute("SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables "
                            "WHERE relname = 'wecom_department'")
        return self.env.cr.fetchone()

    def test_children_before_parents(self):
        departments = self.departments()
        outcome = DepartmentWriter(self.env, 20).apply(departments)
        self.assertEqual((outcome.created, outcome.updated, outcome.failed), (3, 0, 0))
        self.assertEqual(self.department(30).parent_id, self.department(20))
        self.assertEqual(self.department(20).parent_id, self.department(10))
        self.assertEqual(self.department(30).complete_name, "集团 / 子公司 / 子公司门店")
        again = DepartmentWriter(self.env, 20).apply(departments)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 3))

    def test_each_new_department_is_written_once_parents_first(self):
        # one row per INSERT page: a child inserted before its parent would break the foreign key
        with patch.object(bulk, "PAGE_SIZE", 1):
            before = self.written()
            DepartmentWriter(self.env, 20).apply(self.departments())
            after = self.written()
        self.assertEqual((after[0] - before[0], after[1] - before[1]), (3, 0))
        self.assertEqual(self.department(30).parent_id, self.department(20))


class TestLinkToOdooUsers(SyncCase):

    def make_user(self, login, email=None, mobile=None):
        user = make_user(self.env, login, email=email)
        if mobile:
            user.partner_id.mobile = mobile
        return user

    def test_login_match_is_the_default(self):
        lina = self.make_user("lina")
        self.make_user("someone-else")
        self.service.sync_all()
        self.assertEqual(self.member("lina").odoo_user_id, lina)
        self.assertEqual(lina.wecom_userid, "lina")
        self.assertEqual(self.Member.search_count([("odoo_user_id", "!=", False)]), 1)

    def test_email_match_only_when_unambiguous(self):
        self.set_wecom_params(user_match="email", secret=self.emulator.legacy_app.secret,
                              agent_id=str(self.emulator.legacy_app.agent_id))
        boss = self.make_user("boss", email="ZhangWei@haolinju.com.cn")
        self.service.sync_all()
        self.assertEqual(self.member("zhangwei").odoo_user_id, boss)

    def test_mobile_match_and_off(self):
        self.set_wecom_params(user_match="off", secret=self.emulator.legacy_app.secret,
                              agent_id=str(self.emulator.legacy_app.agent_id))
        boss = self.make_user("boss", mobile="+86 133-8001-0000")
        self.service.sync_all()
        self.assertFalse(self.member("zhangwei").odoo_user_id, "linking is off")
        self.set_wecom_params(user_match="mobile")
        self.service.sync_users()
        self.assertFalse(self.member("zhangwei").odoo_user_id, "+86 prefix: not the same digits")
        boss.partner_id.mobile = "133 8001 0000"
        self.service.sync_users()
        self.assertEqual(self.member("zhangwei").odoo_user_id, boss)

    def test_links_are_never_created_users(self):
        before = self.env["res.users"].search_count([])
        self.service.sync_all()
        self.assertEqual(self.env["res.users"].search_count([]), before)


class TestUseridUniqueness(SyncCase):

    def test_userids_are_unique_ignoring_case_only(self):
        Member = self.env["wecom.user"]
        Member.create({"userid": "zhangXsan", "name": "张X三"})
        Member.create({"userid": "zhang_san", "name": "张三"})  # "_" is not a wildcard
        with self.assertRaises(Exception):
            with self.env.cr.savepoint():
                Member.create({"userid": "ZHANG_SAN", "name": "重复"})

