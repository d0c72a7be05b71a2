import json
import threading
from contextlib import closing
from datetime import datetime

from odoo import SUPERUSER_ID, api, fields

from ..jobs import runner
from ..models import wecom_sync_service as sync_service
from ..cursors import own_env
from ..exceptions import WecomSyncBusy, WecomSyncError
from ..models.wecom_sync_service import LOCK_KEYS, LOCK_NAMESPACE
from ..wecom.directory import fetch_users
from .common import OWN_CURSOR_TABLES, delete_since, table_marks
from .message_common import CommittedSettingsMixin
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
        """A callback event arriving during a sync waits for it, then stays pending, untouched,
        for its job's next try. (The event is committed, as the callback's request commits it.)"""
        with closing(self.registry.cursor()) as cr:
            event_id = api.Environment(cr, SUPERUSER_ID, {})["wecom.callback.event"]._receive(
                {"Event": "change_contact", "ChangeType": "delete_user", "UserID": "lina"}, "delivery-1").id
            cr.commit()
        self.addCleanup(self.delete_committed, "wecom_callback_event", event_id)
        with closing(self.registry.cursor()) as other_worker:
            other_worker.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS["user"]))
            self.assertTrue(other_worker.fetchone()[0])
            self.patch(sync_service, "EVENT_LOCK_WAIT_MS", 300)  # they wait for the sync, but not 30 s here
            self.assertIsNone(self.env["wecom.callback.event"]._apply_pending())
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


class TestCommittedRuns(CommittedSettingsMixin, SyncCase):
    """Runs in transactions that commit, as in odoo shell or the job cron (the retry of a failed
    run is a background job: it reads the committed settings)."""

    def setUp(self):
        super(TestCommittedRuns, self).setUp()
        marks = table_marks(self.registry, OWN_CURSOR_TABLES + ("wecom_tag", "wecom_user", "wecom_department"))
        self.addCleanup(delete_since, self.registry, marks)

    def committed(self, query, params=()):
        with closing(self.registry.cursor()) as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def committed_write(self, query):
        with closing(self.registry.cursor()) as cr:
            cr.execute(query)
            cr.commit()

    def test_failed_transient_run_is_retried_by_its_job(self):
        self.emulator.inject_fault("department/list", kind="http500", count=4)  # more than the client's 3 retries
        with self.assertRaises(WecomSyncError) as caught, own_env(self.env) as env:
            env["wecom.sync.service"].sync_departments()  # as a request does: its transaction ends
        first_id = caught.exception.log_id
        [(retry_at, )] = self.committed("SELECT retry_at FROM wecom_sync_log WHERE id = %s", (first_id,))
        [(state, eta, payload)] = self.committed("SELECT state, eta, payload FROM wecom_job WHERE job_type = 'sync'")
        self.assertEqual(state, "pending")
        self.assertAlmostEqual((fields.Datetime.from_string(eta) - datetime.utcnow()).total_seconds(), 120, delta=15)
        self.assertEqual(eta[:19], retry_at[:19], "the log says when")
        self.assertEqual(json.loads(payload)["retry_of"], first_id)
        self.assertEqual(runner.run_due(self.registry), 0, "not due yet")
        self.committed_write("UPDATE wecom_job SET eta = now() at time zone 'UTC' - interval '1 second'")
        self.assertEqual(runner.run_due(self.registry), 1)
        self.assertEqual(self.committed("SELECT count(*) FROM wecom_department"), [(DEMO_DEPARTMENTS, )])
        self.assertEqual(self.committed("SELECT status, trigger, attempt, retry_of_id FROM wecom_sync_log "
                                        "WHERE id != %s", (first_id,)), [("success", "retry", 2, first_id)])
        self.assertEqual(runner.run_due(self.registry), 0, "a retried log is not retried twice")
        self.assertEqual(self.committed("SELECT count(*) FROM wecom_sync_log"), [(2, )])

    def test_the_original_shell_example(self):
        """log = env['wecom.sync.service'].sync_departments(); env.cr.commit(); log.success_count"""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            log = env["wecom.sync.service"].sync_departments()
            self.assertEqual(log.status, "success")
            cr.commit()
            self.assertEqual(log.success_count, DEMO_DEPARTMENTS, "usable after the caller's commit")
            self.assertEqual((log.sync_type, log.error_ids.ids), ("department", []))
            self.emulator.inject_fault("user/get", kind="errcode", errcode=60111, count=1)
            self.emulator.directory.add_user({"userid": "ghost", "name": "幽灵", "department": [8]})
            log = env["wecom.sync.service"].sync_users()
            cr.commit()
            self.assertEqual(log.status, log.status)  # readable
            env.cache.invalidate()
            self.assertEqual(log.sync_type, "user", "and read again from the database")
