from contextlib import closing

from .common import MirrorMixin, WecomTransactionCase

DEMO_DEPARTMENTS, DEMO_MEMBERS, DEMO_TAGS = 20, 53, 3


class SyncCase(MirrorMixin, WecomTransactionCase):

    def setUp(self):
        super(SyncCase, self).setUp()
        self.service = self.env["wecom.sync.service"]
        self.Department = self.env["wecom.department"].with_context(active_test=False)
        self.Member = self.env["wecom.user"].with_context(active_test=False)

    def committed_logs(self):
        """(sync_type, trigger, status) of every log, read as another session would."""
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT sync_type, trigger, status FROM wecom_sync_log ORDER BY id")
            return cr.fetchall()

    def counts(self, log):
        return (log.total_count, log.created_count, log.updated_count, log.archived_count,
                log.unchanged_count, log.failed_count)


class TestFullSync(SyncCase):

    def test_first_full_sync_mirrors_the_demo_corp(self):
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(log.sync_type, "all")
        self.assertEqual(log.trigger, "manual")
        total = DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS
        self.assertEqual(self.counts(log), (total, total, 0, 0, 0, 0))
        self.assertEqual((log.success_count, log.failed_count), (total, 0))
        self.assertTrue(log.end_date and log.duration >= 0)
        self.assertEqual(self.Department.search_count([]), DEMO_DEPARTMENTS)
        self.assertEqual(self.Member.search_count([]), DEMO_MEMBERS)
        self.assertEqual(self.env["wecom.tag"].search_count([]), DEMO_TAGS)

        store = self.department(8)
        self.assertEqual(store.complete_name, "好邻居连锁超市 / 华北区 / 北京朝阳店")
        self.assertEqual(store.parent_id, self.department(2))
        self.assertEqual(store.name_en, "Beijing Chaoyang")
        self.assertEqual(store.leader_ids.mapped("userid"), ["lina"])
        boss = self.member("zhangwei")
        self.assertEqual((boss.name, boss.position, boss.status), ("张伟", "总经理", "1"))
        self.assertEqual(boss.main_department_id, self.department(1))
        self.assertIn(self.department(1), boss.leader_department_ids)
        # the default app was created after 2022-06-20: WeCom does not give it mobiles
        self.assertFalse(boss.mobile)

    def test_members_in_several_departments_and_statuses(self):
        self.service.sync_all()
        emulated = [u for u in self.emulator.directory.snapshot()["userlist"] if len(u["department"]) > 1]
        self.assertTrue(emulated, "the demo corp has multi-department members")
        for user in emulated:
            member = self.member(user["userid"])
            self.assertEqual(sorted(member.department_ids.mapped("wecom_id")), sorted(user["department"]))
        statuses = set(self.Member.search([]).mapped("status"))
        self.assertTrue({"1", "2", "4"} <= statuses, statuses)

    def test_resync_without_change_writes_nothing(self):
        self.service.sync_all()
        self.env.cr.execute("SELECT max(write_date) FROM wecom_user")
        before = self.env.cr.fetchone()[0]
        self.env.cr.execute("SELECT count(*) FROM wecom_department_user_rel")
        pairs = self.env.cr.fetchone()[0]
        log = self.service.sync_all()
        total = DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS
        self.assertEqual(self.counts(log), (total, 0, 0, 0, total, 0))
        self.env.cr.execute("SELECT max(write_date) FROM wecom_user")
        self.assertEqual(self.env.cr.fetchone()[0], before)
        self.env.cr.execute("SELECT count(*) FROM wecom_department_user_rel")
        self.assertEqual(self.env.cr.fetchone()[0], pairs)

    def test_returned_log_is_the_stored_run(self):
        log = self.service.sync_departments()
        self.assertEqual(log._name, "wecom.sync.log")
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT status, created_count, sync_type FROM wecom_sync_log WHERE id = %s", (log.id,))
            self.assertEqual(cr.fetchone(), ("success", DEMO_DEPARTMENTS, "department"))


class TestChanges(SyncCase):

    def setUp(self):
        super(TestChanges, self).setUp()
        self.service.sync_all()
        self.directory = self.emulator.directory

    def test_move_rename_remove_and_reappear(self):
        lina = self.member("lina")
        self.directory.update_user("lina", {"department": [9], "is_leader_in_dept": [0], "main_department": 9,
                                            "position": "副店长"})
        self.directory.update_department(2, {"name": "华北大区"})
        self.directory.remove_user("chenlei")
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(log.archived_count, 1)
        self.assertEqual(self.member("lina"), lina, "the same record is updated")
        self.assertEqual(lina.department_ids, self.department(9))
        self.assertEqual(lina.position, "副店长")
        self.assertFalse(lina.leader_department_ids)
        self.assertEqual(self.department(8).complete_name, "好邻居连锁超市 / 华北大区 / 北京朝阳店",
                         "a renamed parent renames its children's full names")
        chenlei = self.member("chenlei")
        self.assertTrue(chenlei.exists() and not chenlei.active, "archived, never deleted")
        # back in WeCom: the same record comes back
        self.directory.add_user({"userid": "chenlei", "name": "陈磊", "department": [10]})
        log = self.service.sync_users()
        self.assertEqual((log.created_count, log.updated_count), (0, 1))
        self.assertTrue(chenlei.active)

    def test_userid_rename_keeps_the_record_and_its_link(self):
        odoo_user = self.env["res.users"].create({"name": "李娜", "login": "lina-odoo"})
        lina = self.member("lina")
        lina.odoo_user_id = odoo_user
        self.directory.update_user("lina", {"new_userid": "li.na"})
        log = self.service.sync_users()
        self.assertEqual((log.created_count, log.updated_count, log.archived_count), (0, 1, 0))
        self.assertEqual(lina.userid, "li.na")
        self.assertEqual(lina.odoo_user_id, odoo_user)

    def test_removed_department_is_archived(self):
        for userid in [u["userid"] for u in self.directory.snapshot()["userlist"] if 19 in u["department"]]:
            self.directory.remove_user(userid)
        self.directory.remove_department(19)
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertFalse(self.department(19).active)

    def test_member_in_unknown_department_is_an_item_error(self):
        self.directory.add_department({"id": 30, "name": "成都春熙路店", "parentid": 1})
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [30]})
        log = self.service.sync_users()
        self.assertEqual(log.status, "partial")
        self.assertEqual(log.failed_count, 1)
        self.assertEqual(log.success_count, DEMO_MEMBERS)
        self.assertEqual(log.error_ids.mapped("record_ref"), ["newbie"])
        self.assertIn("Department 30 is not in Odoo", log.error_ids.message)
        self.assertFalse(self.member("newbie"))
        # a department sync, then the member comes in
        self.service.sync_departments()
        self.assertEqual(self.service.sync_users().status, "success")
        self.assertEqual(self.member("newbie").department_ids.name, "成都春熙路店")

    def test_fields_wecom_no_longer_returns_are_kept(self):
        self.set_wecom_params(secret=self.emulator.legacy_app.secret,
                              agent_id=str(self.emulator.legacy_app.agent_id))
        self.service.sync_users()
        self.assertEqual(self.member("zhangwei").mobile, "13380010000", "an app from 2020 gets mobiles")
        self.set_wecom_params(secret=self.emulator.app.secret, agent_id=str(self.emulator.app.agent_id))
        log = self.service.sync_users()
        self.assertEqual(log.updated_count, 0)
        self.assertEqual(self.member("zhangwei").mobile, "13380010000", "not cleared by a restricted app")


class TestRunReport(SyncCase):
    """A run writes what it has done on its log as it goes (the log form follows it)."""

    def test_a_full_sync_reports_each_kind_while_it_runs_and_after(self):
        from ..models import wecom_sync_service as sync_service
        seen, fetch_users = [], sync_service.fetch_users

        def fetch_users_and_look(*args, **kwargs):
            with closing(self.registry.cursor()) as cr:  # as the refreshing form reads it
                cr.execute("SELECT status, progress FROM wecom_sync_log")
                seen.extend(cr.fetchall())
            return fetch_users(*args, **kwargs)

        self.patch(sync_service, "fetch_users", fetch_users_and_look)
        log = self.service.sync_all()
        [(status, progress)] = seen
        self.assertEqual(status, "running")
        self.assertEqual(progress, "Departments: %d fetched, %d created, 0 updated, 0 archived, 0 unchanged, "
                                   "0 failed" % (DEMO_DEPARTMENTS, DEMO_DEPARTMENTS))
        self.assertEqual(log.progress.split("\n"), [
            "Departments: %d fetched, %d created, 0 updated, 0 archived, 0 unchanged, 0 failed"
            % (DEMO_DEPARTMENTS, DEMO_DEPARTMENTS),
            "Members: %d fetched, %d created, 0 updated, 0 archived, 0 unchanged, 0 failed" % (DEMO_MEMBERS, DEMO_MEMBERS),
            "Tags: %d fetched, %d created, 0 updated, 0 archived, 0 unchanged, 0 failed" % (DEMO_TAGS, DEMO_TAGS)])
