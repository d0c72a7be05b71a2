import logging
import threading
import time
from contextlib import closing

from ..models.wecom_access_token import PgTokenStore
from .common import WecomTransactionCase


class TestTokenStore(WecomTransactionCase):

    def stored_row(self, key):
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT token, expires_at FROM wecom_access_token WHERE key = %s", (key,))
            return cr.fetchone()

    def test_clients_share_one_token(self):
        first = self.env["wecom.config"]._get_client()
        second = self.env["wecom.config"]._get_client()
        first.department_simplelist()
        second.department_simplelist()
        second.tag_list()
        self.assertEqual(self.emulator.calls("gettoken"), 1)
        key = first.token_key
        self.assertTrue(key.startswith(self.emulator.corp_id + ":"))
        self.assertNotIn(self.emulator.app.secret, key, "the key holds a fingerprint, never the secret")
        token, expires_at = self.stored_row(key)
        self.assertEqual(token, first.get_token())
        self.assertTrue(expires_at)

    def test_concurrent_workers_fetch_one_token(self):
        """Two workers with their own cursors ask at the same moment: one gettoken."""
        fetches = []
        barrier = threading.Barrier(2)
        results = []

        def fetch():
            fetches.append(1)
            time.sleep(0.5)  # WeCom is slow: the other worker must wait on the row lock
            return "token-%d" % len(fetches), 7200

        def worker():
            barrier.wait()
            results.append(PgTokenStore(self.registry).get_token("wwconcurrent:0001", fetch))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(len(fetches), 1)
        self.assertEqual(results, ["token-1", "token-1"])

    def test_concurrent_clients_against_wecom(self):
        errors = []

        def worker(client):
            try:
                client.department_simplelist()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        clients = [self.env["wecom.config"]._get_client() for _ in range(4)]  # four workers
        threads = [threading.Thread(target=worker, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(self.emulator.calls("gettoken"), 1)
        self.assertEqual(self.emulator.calls("department/simplelist"), 4)

    def test_token_survives_a_rolled_back_transaction(self):
        client = self.env["wecom.config"]._get_client()
        with self.assertRaises(ZeroDivisionError):
            with self.env.cr.savepoint():  # the business work fails after the token was fetched
                token = client.get_token()
                raise ZeroDivisionError("the business work fails")
        self.assertEqual(self.stored_row(client.token_key)[0], token)
        self.env["wecom.config"]._get_client().department_simplelist()
        self.assertEqual(self.emulator.calls("gettoken"), 1)

    def test_invalidated_token_is_refreshed_once(self):
        client = self.env["wecom.config"]._get_client()
        old = client.get_token()
        self.emulator.invalidate_tokens()
        client.department_simplelist()
        new = self.stored_row(client.token_key)[0]
        self.assertNotEqual(new, old)
        self.assertEqual(self.emulator.calls("gettoken"), 2)
        # a stale token reported by a late worker does not cause another gettoken
        self.assertEqual(PgTokenStore(self.registry).get_token(client.token_key, lambda: 1 / 0, stale_token=old), new)

    def test_expired_row_is_renewed(self):
        self.env["wecom.config"]._get_client().get_token()
        with closing(self.registry.cursor()) as cr:
            cr.execute("UPDATE wecom_access_token SET expires_at = now() at time zone 'UTC' - interval '1 minute'")
            cr.commit()
        self.env["wecom.config"]._get_client().department_simplelist()  # e.g. the next sync run
        self.assertEqual(self.emulator.calls("gettoken"), 2)

    def test_one_client_reads_the_table_once(self):
        client = self.env["wecom.config"]._get_client()
        client.department_simplelist()
        with closing(self.registry.cursor()) as cr:
            cr.execute("DELETE FROM wecom_access_token WHERE key = %s", (client.token_key,))
            cr.commit()
        for _call in range(3):
            client.department_simplelist()
        self.assertEqual(self.emulator.calls("gettoken"), 1, "the client kept its token in memory")

    def test_failed_fetch_stores_nothing(self):
        self.set_wecom_params(secret="wrong")
        client = self.env["wecom.config"]._get_client()
        with self.assertRaises(Exception):
            client.get_token()
        self.assertEqual(self.stored_row(client.token_key), None)

    def test_token_and_secret_never_logged(self):
        with self.assertLogs("odoo.addons.wecom_integration", level=logging.DEBUG) as logs:
            client = self.env["wecom.config"]._get_client()
            self.emulator.inject_fault("department/simplelist", kind="timeout", count=1)
            client.department_simplelist()  # logs the token fetch and the retry
            token = client.get_token()
        text = "\n".join(logs.output)
        self.assertIn("retrying", text)
        self.assertNotIn(token, text)
        self.assertNotIn(self.emulator.app.secret, text)
