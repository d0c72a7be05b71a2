import threading
import time
from contextlib import closing

from ..jobs import runner
from ..jsonapi.validation import ApiError
from ..models.wecom_sync_service import LOCK_KEYS, LOCK_NAMESPACE
from .common import WecomTransactionCase
from .common import delete_since, table_marks
from .message_common import MIRROR_TABLES, CommittedSettingsMixin
from .test_api import ApiCase
from .test_sync import DEMO_DEPARTMENTS


class TestBackgroundSync(CommittedSettingsMixin, WecomTransactionCase):
    """{"wait": false}: the run is a background job (wecom.job) with a log of its own, answered
    at once; a worker (here a thread, in production the request's worker after its answer, or the
    cron) runs it in transactions of its own."""

    def setUp(self):
        super(TestBackgroundSync, self).setUp()
        # the background runs commit the mirror: take back what they wrote
        self.addCleanup(delete_since, self.registry, table_marks(self.registry, MIRROR_TABLES))

    def committed_log(self, log_id):
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT status, total_count FROM wecom_sync_log WHERE id = %s", (log_id,))
            return cr.fetchone()

    def wait_for(self, log_id, *statuses):
        for _attempt in range(150):
            status = self.committed_log(log_id)
            if status[0] in statuses:
                return status
            time.sleep(0.1)
        return status

    def test_answer_comes_back_before_the_run_and_a_worker_runs_it(self):
        release = threading.Event()
        original = self.emulator.directory.all_departments

        def slow_departments(*args, **kwargs):
            release.wait(20)  # WeCom is slow today
            return original(*args, **kwargs)

        self.emulator.directory.all_departments = slow_departments
        data = self.env["wecom.json.api"]._run_sync("department", {"wait": False})
        self.assertEqual((data["status"], data["trigger"]), ("queued", "api"), "answered before the run")
        worker = threading.Thread(target=runner.run_job, args=(self.registry,))
        worker.start()
        self.assertEqual(self.wait_for(data["id"], "running")[0], "running", "the worker took it")
        release.set()
        worker.join(30)
        self.assertEqual(self.committed_log(data["id"]), ("success", DEMO_DEPARTMENTS))
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT state, attempts FROM wecom_job WHERE res_model = 'wecom.sync.log' AND res_id = %s",
                       (data["id"],))
            self.assertEqual(cr.fetchall(), [("done", 1)])

    def test_busy_is_409_at_once(self):
        holding, release = threading.Event(), threading.Event()

        def other_worker():
            with closing(self.registry.cursor()) as cr:
                cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS["department"]))
                holding.set()
                release.wait(30)

        worker = threading.Thread(target=other_worker)
        worker.start()
        try:
            holding.wait(10)
            for wait in (True, False):
                with self.assertRaises(ApiError) as caught:
                    self.env["wecom.json.api"]._run_sync("department", {"wait": wait})
                self.assertEqual((caught.exception.code, caught.exception.status), (1409, 409))
        finally:
            release.set()
            worker.join(30)

    def test_a_queued_run_makes_the_next_start_409(self):
        first = self.env["wecom.json.api"]._run_sync("all", {"wait": False})
        self.assertEqual(first["status"], "queued")
        with self.assertRaises(ApiError) as caught:
            self.env["wecom.json.api"]._run_sync("department", {"wait": False})
        self.assertEqual(caught.exception.code, 1409, "a full sync is queued: a department sync would overlap")
        runner.run_job(self.registry)
        self.assertEqual(self.committed_log(first["id"])[0], "success")


class TestNoWaitingInARequest(ApiCase):
    """Inside a request WeCom's rate limits are not waited out: the client tries once more at
    most and the background retries. (The waits configured here would time the request out.)"""

    def setUp(self):
        super(TestNoWaitingInARequest, self).setUp()
        self.ok("POST", "/sync/sync_all/", {})
        self.set_wecom_params(rate_limit_backoff="60", retry_backoff="60,60,60")

    def test_a_send_under_a_rate_limit_is_queued_at_once(self):
        self.emulator.inject_fault("message/send", kind="errcode", errcode=45009, count=0)
        self.assertEqual(self.emulator.calls("message/send"), 0)
        status, answer = self.call("POST", "/messages/send_message/",
                                   {"message_type": "text", "content": "限频", "to_users": ["lina"]})
        self.assertEqual((status, answer["data"]["status"]), (200, "queued"))
        self.assertIn("queued", answer["message"], "not \"Message sent\"")
        self.assertLessEqual(self.emulator.calls("message/send"), 2)
        self.assertEqual(self.env["wecom.job"].search_count([("job_type", "=", "message"), ("state", "=", "pending")]),
                         1, "its retry is a background job")

    def test_a_sync_under_a_rate_limit_fails_fast_and_is_retried_later(self):
        self.emulator.inject_fault("department/list", kind="errcode", errcode=45009, count=0)
        before = self.emulator.calls("department/list")
        status, answer = self.call("POST", "/sync/sync_departments/", {})
        self.assertEqual(status, 502, answer)
        self.assertLessEqual(self.emulator.calls("department/list") - before, 2)
        failed, retry = self.env["wecom.sync.log"].search([("sync_type", "=", "department")], order="id")
        self.assertEqual((failed.trigger, failed.status), ("api", "failed"))
        self.assertTrue(failed.retry_at, "a rate limit is transient: retried in the background")
        self.assertEqual((retry.trigger, retry.status, retry.retry_of_id), ("retry", "queued", failed))
