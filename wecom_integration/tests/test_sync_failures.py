import threading
from contextlib import closing
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, fields

from ..models import wecom_sync_service as sync_service
from ..models.wecom_sync_service import LOCK_KEYS, LOCK_NAMESPACE, WecomSyncBusy, WecomSyncError
from ..wecom.directory import fetch_users
from .test_sync import DEMO_DEPARTMENTS, DEMO_MEMBERS, SyncCase


class TestSyncFailures(SyncCase):

    def stored_log(self, log_id):
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT status, error_message, retry_at, attempt, trigger FROM wecom_sync_log WHERE id = %s",
                       (log_id,))
            return cr.fetchone()

    def snapshot(self):
        self.env.cr.execute("SELECT userid, name, active, position FROM wecom_user ORDER BY userid")
        users = self.env.cr.fetchall()
        self.env.cr.execute("SELECT user_id, department_id FROM wecom_department_user_rel ORDER BY 1, 2")
        return users, self.env.cr.fetchall()

    def test_safety_threshold_refuses_and_changes_nothing(self):
        self.service.sync_all()
        before = self.snapshot()
        others = [u["userid"] for u in self.emulator.directory.snapshot()["userlist"] if u["userid"] != "zhangwei"]
        for userid in others[:15]:  # 15 of 53 = 28%
            self.emulator.directory.remove_user(userid)
        self.emulator.directory.update_user("zhangwei", {"position": "董事长"})
        with self.assertRaises(WecomSyncError) as caught:
            self.service.sync_users()
        self.assertIn("would archive 15 of %d members" % DEMO_MEMBERS, caught.exception.name)
        self.assertEqual(self.snapshot(), before, "nothing was written, not even the position")
        status, message, retry_at, _attempt, _trigger = self.stored_log(caught.exception.log_id)
        self.assertEqual(status, "failed")
        self.assertIn("safety threshold of 20", message)
        self.assertFalse(retry_at, "a refused run is not retried automatically")
        # the administrator raises the threshold: the run goes through
        self.set_wecom_params(archive_threshold="50")
        log = self.service.sync_users()
        self.assertEqual(log.archived_count, 15)

    def test_network_failure_midway_leaves_the_mirror_as_it_was(self):
        self.service.sync_all()
        before = self.snapshot()
        self.emulator.directory.update_user("zhangwei", {"position": "董事长"})
        self.emulator.inject_fault("user/list", kind="timeout", count=0)  # every call times out
        with self.assertRaises(WecomSyncError) as caught:
            self.service.sync_all()
        self.assertEqual(self.snapshot(), before)
        status, message, retry_at, attempt, _trigger = self.stored_log(caught.exception.log_id)
        self.assertEqual(status, "failed")
        self.assertIn("user/list", message)
        self.assertTrue(retry_at, "a network failure is retried automatically")
        self.assertEqual(attempt, 1)

    def test_failure_while_writing_rolls_back_the_partial_writes(self):
        self.emulator.inject_fault("tag/get", kind="errcode", errcode=60011, count=1)
        with self.assertRaises(WecomSyncError):
            self.service.sync_all()  # departments and members were already written when tags failed
        self.assertEqual(self.Department.search_count([]), 0)
        self.assertEqual(self.Member.search_count([]), 0)

    def test_transient_errors_are_retried_then_succeed(self):
        self.emulator.inject_fault("user/list", kind="errcode", errcode=45009, count=1)
        self.emulator.inject_fault("department/list", kind="errcode", errcode=-1, count=2)
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(log.created_count, DEMO_DEPARTMENTS + DEMO_MEMBERS + 3)
        self.assertEqual(self.emulator.calls("department/list"), 3)

    def test_token_expiring_during_the_sync_is_renewed(self):
        self.emulator.inject_fault("user/list", kind="errcode", errcode=42001, count=1)
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(self.emulator.calls("gettoken"), 2)

    def test_configuration_error_is_logged_and_not_retried(self):
        self.set_wecom_params(secret="wrong-secret")
        with self.assertRaises(WecomSyncError) as caught:
            self.service.sync_departments()
        status, message, retry_at, _attempt, _trigger = self.stored_log(caught.exception.log_id)
        self.assertEqual(status, "failed")
        self.assertIn("[40001]", message)
        self.assertFalse(retry_at)
        self.assertEqual(self.emulator.calls("gettoken"), 1)

    def test_second_sync_of_the_same_kind_is_refused(self):
        """Another worker holds the lock: the caller is told at once, no log, no WeCom call."""
        holding = threading.Event()
        release = threading.Event()

        def other_worker():
            with closing(self.registry.cursor()) as cr:
                cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS["user"]))
                holding.set()
                release.wait(30)
                cr.rollback()

        worker = threading.Thread(target=other_worker)
        worker.start()
        try:
            holding.wait(10)
            with self.assertRaises(WecomSyncBusy) as caught:
                self.service.sync_users()
            self.assertIn("already running", caught.exception.name)
            with self.assertRaises(WecomSyncBusy):
                self.service.sync_all()  # a full sync needs the member lock too
            self.assertEqual(self.emulator.calls(), 0)
            # another kind is not blocked
            self.assertEqual(self.service.sync_departments().status, "success")
        finally:
            release.set()
            worker.join(30)
        self.assertEqual(self.service.sync_users().status, "success")

    def test_contact_changes_wait_while_a_sync_runs(self):
        """A callback event arriving during a sync stays pending, untouched, for the cron's next
        try. (The event is committed, as the callback's request commits it.)"""
        with closing(self.registry.cursor()) as cr:
            event_id = api.Environment(cr, SUPERUSER_ID, {})["wecom.callback.event"].receive(
                {"Event": "change_contact", "ChangeType": "delete_user", "UserID": "lina"}).id
            cr.commit()
        self.addCleanup(self.delete_committed, "wecom_callback_event", event_id)
        with closing(self.registry.cursor()) as other_worker:
            other_worker.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS["user"]))
            self.assertTrue(other_worker.fetchone()[0])
            self.assertIsNone(self.env["wecom.callback.event"].apply_pending())
            other_worker.rollback()
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT state, attempts, log_id FROM wecom_callback_event WHERE id = %s", (event_id,))
            self.assertEqual(cr.fetchone(), ("pending", 0, None))
        self.assertEqual(self.emulator.calls(), 0)

    def delete_committed(self, table, record_id):
        with closing(self.registry.cursor()) as cr:
            cr.execute('DELETE FROM "%s" WHERE id = %%s' % table, (record_id,))
            cr.commit()

    def test_log_shows_running_while_the_sync_runs(self):
        seen = []

        def fetch_users_and_look(*args, **kwargs):
            with closing(self.registry.cursor()) as cr:
                cr.execute("SELECT status FROM wecom_sync_log")
                seen.extend(row[0] for row in cr.fetchall())
            return fetch_users(*args, **kwargs)

        self.patch(sync_service, "fetch_users", fetch_users_and_look)
        self.service.sync_all()
        self.assertEqual(seen, ["running"])

    def test_failed_transient_run_is_retried_by_the_cron(self):
        self.emulator.inject_fault("department/list", kind="http500", count=4)  # more than the client's 3 retries
        with self.assertRaises(WecomSyncError) as caught:
            self.service.sync_departments()
        first_id = caught.exception.log_id
        retry_at = self.stored_log(first_id)[2]
        self.assertTrue(retry_at)
        self.service._cron_retry_failed(now=fields.Datetime.to_string(datetime.utcnow()))
        self.assertEqual(self.Department.search_count([]), 0, "not due yet")
        later = fields.Datetime.to_string(datetime.utcnow() + timedelta(hours=1))
        self.service._cron_retry_failed(now=later)
        self.assertEqual(self.Department.search_count([]), DEMO_DEPARTMENTS)
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT status, trigger, attempt, retry_of_id FROM wecom_sync_log WHERE id != %s", (first_id,))
            self.assertEqual(cr.fetchall(), [("success", "retry", 2, first_id)])
        self.service._cron_retry_failed(now=later)  # a retried log is not retried twice
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT count(*) FROM wecom_sync_log")
            self.assertEqual(cr.fetchone()[0], 2)
