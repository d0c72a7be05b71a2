import json
from contextlib import closing

from odoo import fields
from odoo.exceptions import AccessError

from .common import CommittedUsersMixin
from .test_sync import DEMO_DEPARTMENTS, SyncCase


class TestSyncAccess(CommittedUsersMixin, SyncCase):

    USERS = {
        "viewer": ("wecom_group_department_view", "wecom_group_user_view", "wecom_group_sync_view"),
        "dept_viewer": ("wecom_group_department_view",),
        "dept_syncer": ("wecom_group_sync_department",),
        "user_syncer": ("wecom_group_sync_user",),
        "nobody": (),
    }

    def test_each_sync_needs_its_permission(self):
        viewer, dept_syncer, user_syncer = (self.committed_user(login) for login in ("viewer", "dept_syncer",
                                                                                "user_syncer"))
        methods = {"department": "sync_departments", "user": "sync_users", "tag": "sync_tags", "all": "sync_all"}
        for user, allowed in [(viewer, ()), (dept_syncer, ("department",)), (user_syncer, ("user", "tag"))]:
            service = self.env["wecom.sync.service"].sudo(user)
            for kind, method in methods.items():
                if kind not in allowed:
                    with self.assertRaises(AccessError, msg="%s may not run a %s sync" % (user.login, kind)):
                        getattr(service, method)()
        self.assertEqual(self.emulator.calls(), 0, "refused before calling WeCom")
        log = self.env["wecom.sync.service"].sudo(dept_syncer).sync_departments()
        self.assertEqual(log.created_count, DEMO_DEPARTMENTS)
        self.assertEqual(log.user_id, dept_syncer)

    def test_views_per_group(self):
        self.service.sync_all()
        viewer = self.committed_user("dept_viewer")
        self.assertEqual(self.env["wecom.department"].sudo(viewer).search_count([]), DEMO_DEPARTMENTS)
        with self.assertRaises(AccessError):
            self.env["wecom.sync.log"].sudo(viewer).search([])
        with self.assertRaises(AccessError):
            self.env["wecom.department"].sudo(viewer).search([], limit=1).write({"name": "x"})
        nobody = self.committed_user("nobody")
        with self.assertRaises(AccessError):
            self.env["wecom.user"].sudo(nobody).search([])

    def test_contact_changes_are_visible_to_sync_viewers_only(self):
        event = self.env["wecom.callback.event"]._receive(
            {"Event": "change_contact", "ChangeType": "delete_user", "UserID": "lina"}, "delivery-1")
        viewer = self.committed_user("viewer")
        self.assertEqual(self.env["wecom.callback.event"].sudo(viewer).search([]), event)
        with self.assertRaises(AccessError):
            event.sudo(viewer).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["wecom.callback.event"].sudo(self.committed_user("dept_viewer")).search([])

    def test_menu_action_queues_the_run_and_opens_its_log(self):
        """The menu and the settings buttons answer at once: the run is a background job, and the
        log form they open follows it (tests/browser follows one to its end)."""
        action = self.env.ref("wecom_integration.wecom_sync_departments_action_server").run()
        self.assertEqual((action["res_model"], action["view_mode"]), ("wecom.sync.log", "form"))
        self.assertEqual(self.committed_logs(), [("department", "manual", "queued")])
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT payload FROM wecom_job WHERE job_type = 'sync' AND state = 'pending'")
            self.assertEqual([json.loads(row[0])["log_id"] for row in cr.fetchall()], [action["res_id"]])
        self.assertEqual(self.emulator.calls(), 0, "nothing fetched inside the request")
        settings_action = self.env["res.config.settings"].create({}).action_wecom_sync_tags()
        self.assertEqual(settings_action["res_model"], "wecom.sync.log")
        self.assertEqual(self.committed_logs()[-1], ("tag", "manual", "queued"))


class TestCrons(SyncCase):

    def test_the_original_schedule(self):
        expected = {
            "wecom_sync_all_cron": (1, "days", "model._cron_sync_all()"),
            "wecom_sync_users_cron": (4, "hours", "model._cron_sync_users()"),
            "wecom_sync_departments_cron": (6, "hours", "model._cron_sync_departments()"),
            # background work (queued syncs and their retries, contact changes, the outbox)
            "wecom_job_cron": (1, "minutes", "model._cron_run_jobs()"),
        }
        for xmlid, (number, unit, code) in expected.items():
            cron = self.env.ref("wecom_integration." + xmlid)
            self.assertEqual((cron.interval_number, cron.interval_type, cron.code), (number, unit, code))
            self.assertEqual(cron.numbercall, -1)
            self.assertTrue(cron.active)
        nextcall = self.env.ref("wecom_integration.wecom_sync_all_cron").nextcall
        self.assertTrue(nextcall.endswith("18:00:00"), "02:00 in Beijing is 18:00 UTC")

    def test_crons_run(self):
        self.env.ref("wecom_integration.wecom_sync_departments_cron").method_direct_trigger()
        self.assertEqual(self.Department.search_count([]), DEMO_DEPARTMENTS)
        self.env.ref("wecom_integration.wecom_sync_all_cron").method_direct_trigger()
        self.env.ref("wecom_integration.wecom_sync_users_cron").method_direct_trigger()
        self.assertEqual(self.committed_logs(), [("department", "cron", "success"), ("all", "cron", "success"),
                                                 ("user", "cron", "success")])

    def test_cron_failure_is_logged_not_raised(self):
        self.emulator.inject_fault("*", kind="errcode", errcode=60020, count=0)
        self.env.ref("wecom_integration.wecom_sync_all_cron").method_direct_trigger()  # no exception
        self.assertEqual(self.committed_logs(), [("all", "cron", "failed")])

    def test_cron_skips_when_not_configured(self):
        self.set_wecom_params(corp_id="")
        self.env.ref("wecom_integration.wecom_sync_all_cron").method_direct_trigger()
        self.assertEqual(self.emulator.calls(), 0)
        self.assertEqual(self.committed_logs(), [], "no log for a skipped run")


class TestSyncLogRetention(SyncCase):

    def test_finished_runs_are_forgotten_after_the_retention_period(self):
        from datetime import datetime, timedelta
        Log = self.env["wecom.sync.log"]
        old = fields.Datetime.to_string(datetime.utcnow() - timedelta(days=91))
        recent = fields.Datetime.to_string(datetime.utcnow() - timedelta(days=89))
        logs = {name: Log.create({"sync_type": "user", "trigger": "cron", "status": status, "start_date": date,
                                  "end_date": date if status != "running" else False})
                for name, status, date in (("old", "failed", old), ("recent", "success", recent),
                                           ("old_running", "running", old))}
        self.env["wecom.sync.item.error"].create({"log_id": logs["old"].id, "record_type": "user", "record_ref": "x",
                                             "message": "x"})
        self.assertEqual(Log._purge_old(), 1)
        Log.invalidate_cache()
        left = Log.search([("id", "in", [log.id for log in logs.values()])])
        self.assertEqual(set(left.ids), {logs["recent"].id, logs["old_running"].id}, "a running one is kept")
        self.assertFalse(self.env["wecom.sync.item.error"].search([("record_ref", "=", "x")]), "its errors went with it")
        self.set_wecom_params(sync_log_retention_days="30")
        self.assertEqual(Log._purge_old(), 1, "the period is a setting")
