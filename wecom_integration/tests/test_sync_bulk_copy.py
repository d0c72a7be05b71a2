"""Many new rows at once go into the mirror by COPY (sync/bulk.py, issue 13): a first full sync
through that path builds exactly the mirror the INSERT path builds, row for row and relation for
relation, and a no-change pass after it writes nothing."""
from unittest.mock import patch

from ..sync import bulk
from .test_sync import SyncCase

INSERT_ONLY = 10 ** 9  # COPY_MIN no batch reaches
COPY_ALWAYS = 1        # COPY_MIN every batch reaches

# the mirror by WeCom's keys: ids (sequences are not rolled back) are replaced by what they point at
MIRROR_QUERIES = {
    "departments": """
        SELECT d.wecom_id, d.name, d.name_en, d.complete_name, d.parent_wecom_id, p.wecom_id, d.wecom_order,
               d.active, d.create_uid, d.write_uid,
               d.create_date = d.write_date AND d.write_date = d.last_sync_date
        FROM wecom_department d LEFT JOIN wecom_department p ON p.id = d.parent_id ORDER BY d.wecom_id""",
    "members": """
        SELECT u.userid, u.name, u.alias, u.position, u.mobile, u.email, u.biz_mail, u.telephone, u.gender,
               u.avatar, u.status, d.wecom_id, o.login, u.active, u.sync_fingerprint, u.create_uid, u.write_uid,
               u.create_date = u.write_date AND u.write_date = u.last_sync_date
        FROM wecom_user u LEFT JOIN wecom_department d ON d.id = u.main_department_id
        LEFT JOIN res_users o ON o.id = u.odoo_user_id ORDER BY u.userid""",
    "memberships": """
        SELECT d.wecom_id, u.userid FROM wecom_department_user_rel r JOIN wecom_department d ON d.id = r.department_id
        JOIN wecom_user u ON u.id = r.user_id ORDER BY 1, 2""",
    "leaderships": """
        SELECT d.wecom_id, u.userid FROM wecom_department_leader_rel r
        JOIN wecom_department d ON d.id = r.department_id JOIN wecom_user u ON u.id = r.user_id ORDER BY 1, 2""",
    "direct leaders": """
        SELECT u.userid, l.userid FROM wecom_user_direct_leader_rel r JOIN wecom_user u ON u.id = r.user_id
        JOIN wecom_user l ON l.id = r.leader_id ORDER BY 1, 2""",
    "tags": "SELECT wecom_id, name, active FROM wecom_tag ORDER BY wecom_id",
    "tag members": """
        SELECT t.wecom_id, u.userid FROM wecom_tag_user_rel r JOIN wecom_tag t ON t.id = r.tag_id
        JOIN wecom_user u ON u.id = r.user_id ORDER BY 1, 2""",
    "tag departments": """
        SELECT t.wecom_id, d.wecom_id FROM wecom_tag_department_rel r JOIN wecom_tag t ON t.id = r.tag_id
        JOIN wecom_department d ON d.id = r.department_id ORDER BY 1, 2""",
    "history": "SELECT count(*) FROM wecom_user_change",
}


class CopyCase(SyncCase):

    def mirror(self):
        snapshot = {}
        for name, query in MIRROR_QUERIES.items():
            self.env.cr.execute(query)
            snapshot[name] = self.env.cr.fetchall()
        return snapshot

    def first_sync(self, copy_min):
        """A first full sync from the empty mirror with ``copy_min``; (log counts, mirror), then the
        mirror emptied again (rolled back)."""
        cr = self.env.cr
        cr.execute("SAVEPOINT copy_case")
        with patch.object(bulk, "COPY_MIN", copy_min):
            log = self.service.sync_all()
        self.assertEqual(log.status, "success", log.error_message)
        result = (self.counts(log), self.mirror())
        cr.execute("ROLLBACK TO SAVEPOINT copy_case")
        self.env.cache.invalidate()
        return result

    def written(self):
        """(inserted, updated, deleted) rows of the mirror tables in this transaction so far."""
        self.env.cr.execute("""SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0),
                                      coalesce(sum(n_tup_del), 0)
                               FROM pg_stat_xact_user_tables
                               WHERE relname LIKE 'wecom\\_%' AND relname <> 'wecom_sync_log'""")
        return self.env.cr.fetchone()

    def check_paths_agree(self):
        counts, by_insert = self.first_sync(INSERT_ONLY)
        self.assertTrue(by_insert["members"] and by_insert["memberships"] and by_insert["leaderships"])
        for copy_min in (bulk.COPY_MIN, COPY_ALWAYS):
            copy_counts, by_copy = self.first_sync(copy_min)
            self.assertEqual(copy_counts, counts, "COPY_MIN %s: the same counts" % copy_min)
            for name in MIRROR_QUERIES:
                self.assertEqual(by_copy[name], by_insert[name], "COPY_MIN %s: %s" % (copy_min, name))
        return by_insert


class TestCopyDemo(CopyCase):

    def test_copy_and_insert_build_the_same_mirror(self):
        mirror = self.check_paths_agree()
        self.assertEqual(mirror["history"], [(0,)], "the first import is not history")
        self.assertTrue(mirror["direct leaders"] and mirror["tag members"] and mirror["tag departments"])

    def test_nothing_changed_after_a_copied_first_sync_writes_nothing(self):
        with patch.object(bulk, "COPY_MIN", COPY_ALWAYS):
            first = self.service.sync_all()
            before = self.written()
            second = self.service.sync_all()
        self.assertEqual(first.status, "success", first.error_message)
        self.assertEqual(second.created_count + second.updated_count + second.archived_count, 0)
        self.assertEqual(second.unchanged_count, second.total_count)
        self.assertEqual(self.written(), before, "no row written by the no-change pass")

    def test_new_members_of_a_synced_mirror_by_copy_have_their_history(self):
        """Members new to a mirror that is not empty (a large import in WeCom) are recorded as created,
        with their departments and leaders, by COPY as by INSERT."""
        self.service.sync_all()
        keep = set(self.Member.search([], limit=10).mapped("userid"))
        self.env.cr.execute("SAVEPOINT trimmed")
        results = []
        for copy_min in (INSERT_ONLY, COPY_ALWAYS):
            self.env.cr.execute("DELETE FROM wecom_user WHERE userid NOT IN %s", (tuple(keep),))
            self.env.cache.invalidate()
            with patch.object(bulk, "COPY_MIN", copy_min):
                log = self.service.sync_all()
            self.assertEqual(log.status, "success", log.error_message)
            self.env.cr.execute("SELECT u.userid, c.kind FROM wecom_user_change c JOIN wecom_user u ON u.id = c.member_id "
                                "ORDER BY 1, 2")
            history = self.env.cr.fetchall()
            results.append((self.counts(log), self.mirror(), history))
            self.env.cr.execute("ROLLBACK TO SAVEPOINT trimmed")
            self.env.cache.invalidate()
        self.assertEqual(results[1], results[0])
        created = set(userid for userid, kind in results[0][2] if kind == "created")
        self.assertEqual(len(created), len(results[0][1]["members"]) - len(keep))


class TestCopyLarge(CopyCase):
    """Enough members that the default COPY_MIN takes the COPY path for members and their relations."""

    emulator_directory = "large:1200:60"

    def test_copy_and_insert_build_the_same_mirror(self):
        mirror = self.check_paths_agree()
        self.assertGreater(len(mirror["members"]), bulk.COPY_MIN)
        self.assertGreater(len(mirror["memberships"]), bulk.COPY_MIN)


class TestCopyRows(CopyCase):

    def test_copy_stores_values_as_insert_does(self):
        cr = self.env.cr
        cr.execute("CREATE TEMP TABLE copy_check (n integer, t varchar, b boolean, f numeric) ON COMMIT DROP")
        rows = [(1, "tab\there", True, 1.5), (2, "line\nbreak\r\n", False, None), (3, "back\\slash \\N", None, 1e20),
                (4, None, True, 0.0), (5, "好邻居 · 北京朝阳店", False, -3.0), (6, "", None, 12345678.125)]
        bulk.copy_rows(cr, "copy_check", ["n", "t", "b", "f"], rows)
        bulk.run_values(cr, "INSERT INTO copy_check (n, t, b, f) VALUES %s", [(row[0] + 100,) + row[1:] for row in rows],
                        "(%s, %s, %s, %s)")
        cr.execute("SELECT n, t, b, f FROM copy_check WHERE n < 100 ORDER BY n")
        copied = cr.fetchall()
        cr.execute("SELECT n - 100, t, b, f FROM copy_check WHERE n > 100 ORDER BY n")
        self.assertEqual(copied, cr.fetchall())
        self.assertEqual(copied[1][1], "line\nbreak\r\n")
        self.assertEqual(copied[2][1], "back\\slash \\N")
        self.assertIsNone(copied[3][1])
        self.assertEqual(copied[5][1], "")

    def test_a_large_copy_goes_in_chunks(self):
        cr = self.env.cr
        cr.execute("CREATE TEMP TABLE copy_chunks (n integer, t varchar) ON COMMIT DROP")
        rows = [(n, "行 %d " % n * 3) for n in range(20000)]  # several COPY_CHUNKs of text
        bulk.copy_rows(cr, "copy_chunks", ["n", "t"], rows)
        cr.execute("SELECT n, t FROM copy_chunks ORDER BY n")
        self.assertEqual(cr.fetchall(), rows)
