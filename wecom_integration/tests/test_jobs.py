"""The background job queue (wecom.job, jobs/runner.py): claiming, retries, take-over of jobs and
sync runs whose process died, retention. Everything here is committed, as in a deployment: the
runner works in transactions of its own; the tests delete what they made."""
import json
from contextlib import closing
from datetime import datetime, timedelta

import psycopg2

import odoo
from odoo import fields

from ..jobs import runner
from ..cursors import own_env
from ..models.wecom_sync_service import RUN_LOCK_NAMESPACE
from .message_common import MessageCase


class DeadWorker(object):
    """A connection of its own that claims a job (or holds a run's lock) as a worker would, and
    dies: closing it is what kill -9 does to the worker's connections."""

    def __init__(self, dbname):
        _db, self.info = odoo.sql_db.connection_info_for(dbname)
        self.connection = psycopg2.connect(**self.info)
        self.connection.autocommit = True

    def claim(self, job_id):
        with self.connection.cursor() as cr:
            cr.execute("UPDATE wecom_job SET state = 'running', attempts = attempts + 1 WHERE id = %s", (job_id,))
            cr.execute("SELECT pg_advisory_lock(%s, %s)", (runner.JOB_LOCK_NAMESPACE, job_id))

    def hold_run(self, log_id):
        with self.connection.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s, %s)", (RUN_LOCK_NAMESPACE, log_id))

    def die(self):
        """Close the connection, and wait until PostgreSQL has ended its backend (and so dropped
        its locks): the server notices a closed socket a moment later."""
        import time
        pid = self.connection.get_backend_pid()
        self.connection.close()
        with closing(psycopg2.connect(**self.info)) as connection, connection.cursor() as cr:
            deadline = time.time() + 10
            while time.time() < deadline:
                cr.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
                if not cr.fetchone()[0]:
                    return
                time.sleep(0.05)


class TestJobs(MessageCase):

    def committed(self, query, params=()):
        with closing(self.registry.cursor()) as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def committed_write(self, query, params=()):
        with closing(self.registry.cursor()) as cr:
            cr.execute(query, params)
            cr.commit()

    def queue_message(self, content="后台发送"):
        with own_env(self.env) as env:
            message = env["wecom.message"].send_message("text", content, to_users=["lina"], queue=True)
            return message.id
        # (committed: the outbox job exists once the caller's transaction has)

    def job_of(self, message_id):
        [(job_id, state, attempts, max_attempts)] = self.committed(
            "SELECT id, state, attempts, max_attempts FROM wecom_job WHERE res_model = 'wecom.message' AND res_id = %s",
            (message_id,))
        return job_id, state, attempts, max_attempts

    def dead_worker(self):
        worker = DeadWorker(self.env.cr.dbname)
        self.addCleanup(lambda: worker.connection.closed or worker.die())
        return worker

    def test_one_pending_job_per_identity(self):
        with own_env(self.env) as env:
            first = env["wecom.job"]._enqueue("contact_events", "a", identity_key="contact_events",
                                              run_after_response=False)
            second = env["wecom.job"]._enqueue("contact_events", "b", identity_key="contact_events",
                                               run_after_response=False)
        self.assertEqual(first, second, "a burst of contact changes makes one job")
        self.assertEqual(runner.run_due(self.registry), 1)
        self.assertEqual(self.committed("SELECT state FROM wecom_job WHERE id = %s", (first,)), [("done",)])
        with own_env(self.env) as env:
            third = env["wecom.job"]._enqueue("contact_events", "c", identity_key="contact_events",
                                              run_after_response=False)
        self.assertNotEqual(third, first, "a done job does not swallow new work")

    def test_unknown_job_type_is_refused(self):
        from odoo.exceptions import UserError
        with self.assertRaises(UserError):
            self.env["wecom.job"]._enqueue("nonsense", "x")

    def test_a_job_whose_worker_died_is_taken_over_and_done_once(self):
        message_id = self.queue_message()
        job_id = self.job_of(message_id)[0]
        worker = self.dead_worker()
        worker.claim(job_id)
        self.assertEqual(runner.reap(self.registry), 0, "its worker is alive: the job is left alone")
        self.assertEqual(runner.run_due(self.registry), 0, "a running job is not claimed twice")
        worker.die()
        self.assertEqual(runner.reap(self.registry), 1)
        [(state, error)] = self.committed("SELECT state, error_message FROM wecom_job WHERE id = %s", (job_id,))
        self.assertEqual(state, "pending")
        self.assertIn("Interrupted", error)
        self.committed_write("UPDATE wecom_job SET eta = now() at time zone 'UTC' WHERE id = %s", (job_id,))
        self.assertEqual(runner.run_due(self.registry), 1)
        self.assertEqual(self.committed_messages(), [(message_id, "sent")])
        self.assertEqual(len(self.inbox("lina")), 1, "sent once")

    def test_a_job_that_died_on_its_last_attempt_fails_its_message(self):
        message_id = self.queue_message()
        job_id, _state, _attempts, max_attempts = self.job_of(message_id)
        self.committed_write("UPDATE wecom_job SET attempts = %s WHERE id = %s", (max_attempts - 1, job_id))
        worker = self.dead_worker()
        worker.claim(job_id)
        worker.die()
        self.assertEqual(runner.reap(self.registry), 1)
        self.assertEqual(self.committed("SELECT state FROM wecom_job WHERE id = %s", (job_id,)), [("failed",)])
        [(status, errmsg)] = self.committed("SELECT status, errmsg FROM wecom_message WHERE id = %s", (message_id,))
        self.assertEqual(status, "failed", "the message does not stay queued for ever")
        self.assertIn("Interrupted", errmsg)
        self.assertEqual(self.inbox("lina"), [])

    def test_the_cron_runs_due_jobs(self):
        message_id = self.queue_message()
        self.env["wecom.job"]._cron_run_jobs(budget=30)
        self.assertEqual(self.committed_messages(), [(message_id, "sent")])

    def test_interrupted_sync_run_is_failed_and_retried(self):
        with own_env(self.env) as env:
            service = env["wecom.sync.service"]
            dead = service._log_create({"sync_type": "department", "trigger": "manual", "attempt": 1})
            alive = service._log_create({"sync_type": "user", "trigger": "manual", "attempt": 1})
        self.committed_write("UPDATE wecom_sync_log SET status = 'running' WHERE id IN %s", ((dead, alive),))
        worker = self.dead_worker()
        worker.hold_run(alive)  # this run's process is still working
        self.env["wecom.sync.service"]._reap_interrupted_runs()
        logs = dict((row[0], row[1:]) for row in self.committed(
            "SELECT id, status, error_message, retry_at FROM wecom_sync_log WHERE id IN %s", ((dead, alive),)))
        self.assertEqual(logs[alive][0], "running")
        status, error, retry_at = logs[dead]
        self.assertEqual(status, "failed")
        self.assertIn("Interrupted", error)
        self.assertTrue(retry_at, "retried like a transient failure")
        [(payload,)] = self.committed("SELECT payload FROM wecom_job WHERE job_type = 'sync' AND state = 'pending'")
        self.assertEqual(json.loads(payload)["retry_of"], dead)
        worker.die()
        self.env["wecom.sync.service"]._reap_interrupted_runs()
        self.assertEqual(self.committed("SELECT status FROM wecom_sync_log WHERE id = %s", (alive,)), [("failed",)])

    def test_old_jobs_are_forgotten_failed_ones_later(self):
        now = datetime.utcnow()
        with own_env(self.env) as env:
            Job = env["wecom.job"]
            ids = {name: Job._enqueue("message", name, run_after_response=False) for name in
                   ("done_8d", "failed_8d", "failed_30d", "pending")}
        for name, state, days in (("done_8d", "done", 8), ("failed_8d", "failed", 8), ("failed_30d", "failed", 30)):
            self.committed_write("UPDATE wecom_job SET state = %s, date_done = %s WHERE id = %s",
                                 (state, fields.Datetime.to_string(now - timedelta(days=days)), ids[name]))
        with own_env(self.env) as env:
            self.assertEqual(env["wecom.job"]._purge_old(), 2)
        left = {row[0] for row in self.committed("SELECT name FROM wecom_job WHERE id IN %s",
                                                   (tuple(ids.values()),))}
        self.assertEqual(left, {"failed_8d", "pending"})

    def test_a_retry_hands_over_to_the_job_of_the_same_identity_queued_meanwhile(self):
        later = datetime.utcnow() + timedelta(hours=1)
        with own_env(self.env) as env:
            running = env["wecom.job"]._enqueue("contact_events", "a", identity_key="contact_events",
                                                run_after_response=False)
        self.committed_write("UPDATE wecom_job SET state = 'running', attempts = 1 WHERE id = %s", (running,))
        with own_env(self.env) as env:  # a callback arrives while it runs
            pending = env["wecom.job"]._enqueue("contact_events", "b", identity_key="contact_events", eta=later,
                                                run_after_response=False)
        self.assertNotEqual(pending, running)
        with closing(runner._Holder(self.registry)) as holder:
            runner._finish(holder, runner.Job(running, "contact_events", 1, 5, {}), "retry", "busy", 30)
        rows = dict((row[0], row[1:]) for row in self.committed(
            "SELECT id, state, extract(epoch from eta - now() at time zone 'UTC') FROM wecom_job WHERE id IN %s",
            ((running, pending),)))
        self.assertEqual(rows[running][0], "done", "its work is the pending job's now")
        self.assertEqual(rows[pending][0], "pending")
        self.assertLess(float(rows[pending][1]), 60, "pulled forward to when the retry was due")

    def test_contact_changes_left_without_a_job_get_one_from_the_cron(self):
        self.emulator.directory.update_user("lina", {"position": "副店长"})
        with own_env(self.env) as env:  # stored, but its job is gone (it ran out of attempts)
            env["wecom.callback.event"]._receive(
                {"Event": "change_contact", "ChangeType": "update_user", "UserID": "lina"}, "stranded-1")
        self.env["wecom.job"]._cron_run_jobs(budget=30)
        self.assertEqual(self.committed("SELECT state FROM wecom_callback_event WHERE dedupe_key = 'stranded-1'"),
                         [("done",)])
        self.assertEqual(self.committed("SELECT position FROM wecom_user WHERE userid = 'lina'"), [("副店长",)])
