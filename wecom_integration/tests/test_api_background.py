import threading
import time
from contextlib import closing

from ..models.wecom_api import ApiError
from ..models.wecom_sync_service import LOCK_KEYS, LOCK_NAMESPACE
from .common import EMULATOR_URL, WecomTransactionCase
from .message_common import commit_settings, drop_mirror
from .test_sync import DEMO_DEPARTMENTS


class TestBackgroundSync(WecomTransactionCase):
    """{"wait": false}: the run goes on in a thread and transaction of its own."""

    @classmethod
    def setUpClass(cls):
        super(TestBackgroundSync, cls).setUpClass()
        # the background transaction reads committed settings, as in production (committed before
        # the test transaction writes its own, which would otherwise lock the same rows)
        from wecom_emulator import Emulator
        emulator = Emulator(directory="empty")
        commit_settings(corp_id=emulator.corp_id, agent_id=str(emulator.app.agent_id), secret=emulator.app.secret,
                        base_url=EMULATOR_URL, timeout="5", retry_backoff="0,0,0", rate_limit_backoff="0")

    @classmethod
    def tearDownClass(cls):
        commit_settings(corp_id="", agent_id="", secret="", base_url="", timeout="", retry_backoff="",
                        rate_limit_backoff="")
        drop_mirror()
        super(TestBackgroundSync, cls).tearDownClass()

    def committed_log(self, log_id):
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT status, total_count FROM wecom_sync_log WHERE id = %s", (log_id,))
            return cr.fetchone()

    def test_answer_comes_back_while_the_run_goes_on(self):
        release = threading.Event()
        original = self.emulator.directory.all_departments

        def slow_departments(*args, **kwargs):
            release.wait(20)  # WeCom is slow today
            return original(*args, **kwargs)

        self.emulator.directory.all_departments = slow_departments
        data = self.env["wecom.api"].run_sync("department", {"wait": False})
        self.assertEqual(data["status"], "running", "answered before the run finished")
        self.assertEqual(data["trigger"], "api")
        release.set()
        for _attempt in range(100):
            status = self.committed_log(data["id"])
            if status[0] != "running":
                break
            time.sleep(0.2)
        self.assertEqual(status, ("success", DEMO_DEPARTMENTS))

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
                    self.env["wecom.api"].run_sync("department", {"wait": wait})
                self.assertEqual((caught.exception.code, caught.exception.status), (1409, 409))
        finally:
            release.set()
            worker.join(30)
