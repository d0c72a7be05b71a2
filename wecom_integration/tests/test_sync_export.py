"""Full syncs through WeCom's export jobs (issue 13): the same mirror as the per-department path,
a fallback to that path in the same run for every kind of export failure, and the log saying
which path was used."""
import threading
from unittest.mock import patch

from ..exceptions import WecomSyncError

from ..wecom import export as export_module
from .test_sync import DEMO_DEPARTMENTS, DEMO_MEMBERS, DEMO_TAGS, SyncCase

MIRROR_QUERIES = {
    "departments": "SELECT * FROM wecom_department ORDER BY wecom_id",
    "members": "SELECT * FROM wecom_user ORDER BY userid",
    "memberships": "SELECT d.wecom_id, u.userid FROM wecom_department_user_rel r "
                   "JOIN wecom_department d ON d.id = r.department_id JOIN wecom_user u ON u.id = r.user_id "
                   "ORDER BY 1, 2",
}
VOLATILE = ("id", "create_date", "write_date", "create_uid", "write_uid", "last_sync_date", "sync_log_id",
            "sync_date")


class ExportCase(SyncCase):

    def setUp(self):
        super(ExportCase, self).setUp()
        self.set_wecom_params(fetch_mode="export", export_max_wait="1")

    def mirror(self):
        snapshot = {}
        for name, query in MIRROR_QUERIES.items():
            self.env.cr.execute(query)
            columns = [c.name for c in self.env.cr.description]
            snapshot[name] = [tuple(v for c, v in zip(columns, row) if c not in VOLATILE)
                              for row in self.env.cr.fetchall()]
        return snapshot

    def assertFellBack(self, log, reason):
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(log.fetch_mode, "fallback")
        self.assertIn(reason, log.fetch_note)
        self.assertIn("fetched per department instead", log.progress)
        self.assertEqual(self.Member.search_count([]), DEMO_MEMBERS)
        self.assertEqual(self.emulator.calls("user/list"), DEMO_DEPARTMENTS, "the fallback read every department")


class TestExportPath(ExportCase):

    def test_first_full_sync_through_export(self):
        log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        self.assertEqual(log.fetch_mode, "export")
        self.assertFalse(log.fetch_note)
        total = DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS
        self.assertEqual(self.counts(log), (total, total, 0, 0, 0, 0))
        self.assertEqual(self.emulator.calls("user/list"), 0, "no per-department call")
        self.assertEqual(self.emulator.calls("export/user"), 1)
        self.assertEqual(self.member("zhangwei").name, "张伟")

    def test_export_result_equals_the_per_department_result(self):
        self.set_wecom_params(fetch_mode="per_department")
        first = self.service.sync_all()
        self.assertEqual(first.fetch_mode, "per_department")
        self.assertEqual(self.emulator.calls("export/user"), 0)
        before = self.mirror()
        self.set_wecom_params(fetch_mode="export")
        second = self.service.sync_all()
        self.assertEqual(second.fetch_mode, "export")
        total = DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS
        self.assertEqual(self.counts(second), (total, 0, 0, 0, total, 0), "the export fetched the same directory")
        self.assertEqual(self.mirror(), before)

    def test_per_department_result_equals_the_export_result(self):
        first = self.service.sync_all()
        self.assertEqual(first.fetch_mode, "export")
        before = self.mirror()
        self.set_wecom_params(fetch_mode="per_department")
        second = self.service.sync_all()
        total = DEMO_DEPARTMENTS + DEMO_MEMBERS + DEMO_TAGS
        self.assertEqual(self.counts(second), (total, 0, 0, 0, total, 0))
        self.assertEqual(self.mirror(), before)

    def test_export_with_the_contact_sync_secret(self):
        self.set_wecom_params(contact_secret=self.emulator.contact_secret, fetch_mode="per_department")
        self.service.sync_all()
        before = self.mirror()
        self.set_wecom_params(fetch_mode="export")
        log = self.service.sync_all()
        self.assertEqual(log.fetch_mode, "export")
        self.assertEqual(log.created_count + log.updated_count, 0)
        self.assertEqual(self.mirror(), before)

    def test_changes_arrive_through_export(self):
        self.service.sync_all()
        self.emulator.directory.update_user("lina", {"position": "区域经理"})
        log = self.service.sync_all()
        self.assertEqual(log.fetch_mode, "export")
        self.assertEqual(log.updated_count, 1)
        self.assertEqual(self.member("lina").position, "区域经理")

    def test_auto_mode_follows_the_size(self):
        self.set_wecom_params(fetch_mode="auto", export_threshold="10000")
        log = self.service.sync_all()
        self.assertEqual(log.fetch_mode, "per_department", "the demo corp is small")
        self.set_wecom_params(export_threshold=str(DEMO_MEMBERS))
        log = self.service.sync_all()
        self.assertEqual(log.fetch_mode, "export", "as many members in the mirror as the threshold")

    def test_department_sync_fetches_no_members(self):
        log = self.service.sync_departments()
        self.assertFalse(log.fetch_mode)
        self.assertEqual(self.emulator.calls("export/user"), 0)

    def test_a_run_that_fails_before_reading_its_export_stops_it(self):
        """The export job starts before department/list; when the run fails first, the thread that
        polls the job is cancelled instead of polling on for export_max_wait."""
        self.set_wecom_params(export_max_wait="600")
        self.emulator.inject_fault("export/user", kind="job_stuck")
        self.emulator.inject_fault("department/list", kind="errcode", errcode=60011, count=1)
        with self.assertRaises(WecomSyncError):
            self.service.sync_all()
        self.assertEqual(self.emulator.calls("export/user"), 1, "the export had started")
        for thread in [t for t in threading.enumerate() if t.name.startswith("wecom-export")]:
            thread.join(30)
            self.assertFalse(thread.is_alive(), "the export thread stopped")
        self.assertEqual(self.Member.search_count([]), 0)


class TestExportFallback(ExportCase):

    def test_errcode(self):
        self.emulator.inject_fault("export/user", errcode=48009)
        log = self.service.sync_all()
        self.assertFellBack(log, "errcode")
        self.assertIn("48009", log.fetch_note)

    def test_failed_job(self):
        self.emulator.inject_fault("export/user", kind="job_failed")
        self.assertFellBack(self.service.sync_all(), "failed")

    def test_job_that_never_finishes(self):
        self.emulator.inject_fault("export/user", kind="job_stuck")
        self.assertFellBack(self.service.sync_all(), "timeout")

    def test_bad_md5(self):
        self.emulator.exports.settings.update({"corrupt": True})
        self.assertFellBack(self.service.sync_all(), "md5")

    def test_bad_size(self):
        result = self.emulator.exports.result

        def announce_wrong_size(call, host_url):
            out = result(call, host_url)
            for item in out.get("data_list") or []:
                item["size"] += 32
            return out
        with patch.object(self.emulator.exports, "result", announce_wrong_size):
            self.assertFellBack(self.service.sync_all(), "size")

    def test_file_that_does_not_decrypt(self):
        decrypt = export_module.decrypt_file
        with patch.object(export_module, "decrypt_file",
                          lambda data, key, corp_id=None: decrypt(data, export_module.random_aes_key(), corp_id)):
            self.assertFellBack(self.service.sync_all(), "decrypt")

    def test_bad_download(self):
        from wecom_emulator.exports import ExportError

        def expired(jobid, number):
            raise ExportError(403, "export url expired")
        with patch.object(self.emulator.exports, "download", expired):
            self.assertFellBack(self.service.sync_all(), "download")
