"""A re-sync skips members whose fingerprint (what WeCom returned, hashed) has not changed.

These tests check that skipping never leaves the mirror wrong: whatever changed in WeCom, in the
rest of the directory or in Odoo itself is still written by the next sync.
"""
from ..sync.writers import UserWriter
from ..wecom.directory import fetch_departments, fetch_users
from .test_sync import DEMO_MEMBERS, SyncCase


class TestFingerprints(SyncCase):

    def setUp(self):
        super(TestFingerprints, self).setUp()
        self.service.sync_all()
        self.directory = self.emulator.directory

    def fingerprints(self):
        self.env.cr.execute("SELECT lower(userid), sync_fingerprint FROM wecom_user")
        return dict(self.env.cr.fetchall())

    def test_every_synced_member_has_a_fingerprint_and_a_resync_keeps_them(self):
        before = self.fingerprints()
        self.assertEqual(len(before), DEMO_MEMBERS)
        self.assertTrue(all(before.values()), "every member has its fingerprint")
        self.directory.update_user("lina", {"position": "副店长"})
        log = self.service.sync_users()
        self.assertEqual((log.updated_count, log.unchanged_count), (1, DEMO_MEMBERS - 1))
        after = self.fingerprints()
        self.assertNotEqual(after.pop("lina"), before.pop("lina"))
        self.assertEqual(after, before)

    def test_a_change_made_in_odoo_is_repaired_by_the_next_sync(self):
        lina = self.member("lina")
        lina.write({"position": "changed in Odoo", "department_ids": [(6, 0, self.department(19).ids)]})
        self.assertFalse(lina.sync_fingerprint, "an edit of a synced field clears the fingerprint")
        log = self.service.sync_users()
        self.assertEqual((log.updated_count, log.unchanged_count), (1, DEMO_MEMBERS - 1))
        self.assertEqual(lina.position, "店长")
        self.assertEqual(lina.department_ids, self.department(8))

    def test_other_fields_do_not_clear_the_fingerprint(self):
        lina = self.member("lina")
        fingerprint = lina.sync_fingerprint
        lina.write({"odoo_user_id": self.env["res.users"].create({"name": "李娜", "login": "lina-odoo"}).id})
        self.assertEqual(lina.sync_fingerprint, fingerprint)

    def test_a_deleted_leader_comes_back_with_the_links_of_its_reports(self):
        reports = self.Member.search([("direct_leader_ids.userid", "=", "lina")])
        self.assertEqual(sorted(reports.mapped("userid")), ["sunhao", "zhoujie"])
        self.member("lina").unlink()
        self.assertFalse(reports.mapped("direct_leader_ids").filtered(lambda m: m.userid == "lina"))
        log = self.service.sync_users()
        self.assertEqual(log.created_count, 1)
        lina = self.member("lina")
        for report in reports:
            self.assertEqual(report.direct_leader_ids, lina, report.userid)

    def test_a_deleted_department_comes_back_with_its_members(self):
        members = self.department(9).member_ids
        self.assertTrue(members)
        self.department(9).unlink()
        self.service.sync_all()
        store = self.department(9)
        self.assertEqual(store.member_ids, members)
        self.assertEqual(self.member("wangfang").leader_department_ids, store)

    def test_a_leader_synced_after_its_report_is_linked_then(self):
        """The report's own data does not change, but its leader's record appears later."""
        self.directory.add_department({"id": 30, "name": "成都春熙路店", "parentid": 1})
        self.directory.add_user({"userid": "boss30", "name": "成都店长", "department": [30]})
        self.directory.add_user({"userid": "report30", "name": "成都店员", "department": [1],
                                 "direct_leader": ["boss30"]})
        log = self.service.sync_users()
        self.assertEqual((log.status, log.created_count, log.failed_count), ("partial", 1, 1))
        self.assertFalse(self.member("report30").direct_leader_ids)
        self.service.sync_departments()
        log = self.service.sync_users()
        self.assertEqual((log.status, log.created_count, log.updated_count), ("success", 1, 1))
        self.assertEqual(self.member("report30").direct_leader_ids, self.member("boss30"))

    def test_department_leader_lists_count_even_when_the_member_is_unchanged(self):
        app = self.env["wecom.config"]._get_client("app")
        departments = fetch_departments(app)
        users = fetch_users(app, departments)
        departments[9]["department_leader"].append("zhangwei")
        outcome = UserWriter(self.env, 100).apply(users, departments)
        self.assertEqual((outcome.updated, outcome.unchanged), (1, DEMO_MEMBERS - 1))
        self.assertIn(self.department(9), self.member("zhangwei").leader_department_ids)

    def test_members_without_fingerprint_are_compared_not_rewritten(self):
        """After an upgrade from a version without fingerprints: nothing is rewritten."""
        self.env.cr.execute("UPDATE wecom_user SET sync_fingerprint = NULL")
        self.env.cr.execute("SELECT max(write_date) FROM wecom_user")
        written = self.env.cr.fetchone()[0]
        log = self.service.sync_users()
        self.assertEqual((log.updated_count, log.unchanged_count), (0, DEMO_MEMBERS))
        self.env.cr.execute("SELECT max(write_date), count(*) FROM wecom_user WHERE sync_fingerprint IS NOT NULL")
        self.assertEqual(self.env.cr.fetchone(), (written, DEMO_MEMBERS))

    def test_archived_member_is_compared_again_when_it_returns(self):
        self.directory.remove_user("chenlei")
        self.service.sync_users()
        chenlei = self.member("chenlei")
        self.assertFalse(chenlei.active)
        self.directory.add_user({"userid": "chenlei", "name": "陈磊", "department": [10],
                                 "is_leader_in_dept": [1], "direct_leader": ["wangqiang"]})
        log = self.service.sync_users()
        self.assertEqual((log.created_count, log.updated_count), (0, 1))
        self.assertTrue(chenlei.active)
        self.assertEqual(chenlei.direct_leader_ids, self.member("wangqiang"))
