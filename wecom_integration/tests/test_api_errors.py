from .test_api import ApiCase


class TestApiErrors(ApiCase):

    def assert_nothing_done(self):
        self.assertEqual(self.emulator.calls(), 0, "nothing reached WeCom")
        self.assertEqual(self.env["wecom.message"].search_count([]), 0, "nothing was recorded")

    def test_authentication(self):
        self.error(1401, 401, "GET", "/departments/", key=False)
        self.error(1401, 401, "GET", "/departments/", key="wck_not-a-key")
        self.error(1401, 401, "GET", "/departments/", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}, key=False)
        key = self.env["wecom.api.key"].search([("user_id", "=", self.manager.id)])
        self.assertFalse(key.last_used)
        self.ok("GET", "/departments/")
        key.invalidate_cache()
        self.assertTrue(key.last_used, "the key's last use is recorded")
        key.action_revoke()
        self.error(1401, 401, "GET", "/departments/")
        # a browser session works too
        self.authenticate("api_manager", "api_manager-pw")
        self.ok("GET", "/departments/", key=False)
        self.assert_nothing_done()

    def test_each_route_checks_its_permission(self):
        routes = [("POST", "/sync/sync_departments/", {}), ("POST", "/sync/sync_users/", {}),
                  ("POST", "/sync/sync_all/", {}), ("GET", "/sync/sync_logs/", None), ("GET", "/departments/", None),
                  ("GET", "/users/", None), ("POST", "/messages/send_message/", {"message_type": "text"}),
                  ("POST", "/messages/send_to_users/", {"message_type": "text", "user_ids": [1]}),
                  ("GET", "/messages/", None), ("GET", "/messages/1/", None), ("POST", "/messages/retry_failed/", {})]
        nobody = self.make_key(self.make_user("api_nobody"))
        for method, path, body in routes:
            self.assertIn("wechat.", self.error(1403, 403, method, path, body, key=nobody))
        viewer = self.make_key(self.make_user("api_viewer", "wecom_group_department_view"))
        self.ok("GET", "/departments/", key=viewer)
        self.error(1403, 403, "GET", "/users/", key=viewer)
        self.error(1403, 403, "POST", "/sync/sync_departments/", {}, key=viewer)
        self.assert_nothing_done()

    def test_malformed_requests_change_nothing(self):
        self.ok("POST", "/sync/sync_all/", {})
        calls = self.emulator.calls()
        cases = [
            (1000, 400, dict(raw=b"{not json", headers={"Content-Type": "application/json"})),
            (1000, 400, dict(raw=b"[1, 2]", headers={"Content-Type": "application/json"})),
            (1003, 415, dict(raw=b"message_type=text", headers={"Content-Type": "application/x-www-form-urlencoded"})),
            (1002, 413, dict(raw=b'{"content": "' + b"x" * (1024 * 1024 + 10) + b'"}',
                             headers={"Content-Type": "application/json"})),
            (1001, 400, dict(body={"message_type": "text", "content": "x", "to_users": "lina"})),
            (1001, 400, dict(body={"message_type": "text", "content": "x", "to_users": ["lina"], "priority": 1})),
            (1001, 400, dict(body={"message_type": "text", "content": "x", "to_parties": [-3]})),
            (1001, 400, dict(body={"message_type": "text", "content": "x", "to_parties": ["8"]})),
            (1001, 400, dict(body={"message_type": "text", "content": "x", "to_users": ["lina"], "queue": "maybe"})),
            (1001, 400, dict(body={"content": "x", "to_users": ["lina"]})),
            (2004, 400, dict(body={"message_type": "text", "content": "x", "to_users": []})),
            (2004, 400, dict(body={"message_type": "text", "content": "x", "to_users": ["ghost"]})),
            (2004, 400, dict(body={"message_type": "fax", "content": "x", "to_users": ["lina"]})),
        ]
        for code, status, kwargs in cases:
            message = self.error(code, status, "POST", "/messages/send_message/", **kwargs)
            self.assertTrue(message)
        self.assertIn("priority", self.error(1001, 400, "POST", "/messages/send_message/",
                                             {"message_type": "text", "priority": 1}))
        for body in ({"message_type": "text", "content": "x", "user_ids": []},
                     {"message_type": "text", "content": "x", "user_ids": [-1]},
                     {"message_type": "text", "content": "x", "user_ids": ["1"]},
                     {"message_type": "text", "content": "x", "user_ids": [True]}):
            self.error(1001, 400, "POST", "/messages/send_to_users/", body)
        self.error(2005, 400, "POST", "/messages/send_to_users/", {"message_type": "text", "content": "x",
                                                                     "user_ids": [999999]})
        for params in ({"page": 0}, {"page": "abc"}, {"page_size": 201}, {"page_size": -1}, {"status": 3},
                       {"department_id": "x"}, {"colour": "red"}):
            self.error(1001, 400, "GET", "/users/", params=params)
        self.error(1404, 404, "GET", "/messages/-1/")
        self.error(1404, 404, "GET", "/messages/abc/")
        self.error(1404, 404, "GET", "/messages/999999")
        self.error(1404, 404, "GET", "/nothing/here/")
        self.error(1405, 405, "GET", "/messages/send_message/")
        self.error(1405, 405, "POST", "/departments/", {})
        self.error(1001, 400, "POST", "/sync/sync_users/", {"wait": "later"})
        self.assertEqual(self.emulator.calls(), calls, "no rejected request reached WeCom")
        self.assertEqual(self.env["wecom.message"].search_count([]), 0)

    def test_sync_failure_codes(self):
        self.emulator.inject_fault("*", kind="errcode", errcode=60020, count=0)
        message = self.error(2001, 502, "POST", "/sync/sync_departments/", {})
        self.assertIn("[60020]", message)
        self.assertTrue(message.startswith("Department sync failed: "), message)
        self.error(2002, 502, "POST", "/sync/sync_users/", {})
        self.error(2003, 502, "POST", "/sync/sync_all/", {})
        logs = self.ok("GET", "/sync/sync_logs/", params={"status": "failed"})
        self.assertEqual(logs["count"], 3)

    def test_send_failure_at_wecom(self):
        self.ok("POST", "/sync/sync_all/", {})
        self.emulator.inject_fault("message/send", kind="errcode", errcode=48002, count=1)
        message = self.error(2004, 502, "POST", "/messages/send_message/",
                             {"message_type": "text", "content": "x", "to_users": ["lina"]})
        self.assertIn("48002", message)


class TestApiKeys(ApiCase):

    def test_key_is_shown_once_stored_hashed_and_revocable_by_its_owner_only(self):
        wizard = self.env["wecom.api.key.wizard"].sudo(self.manager).create({"name": "门店开业系统"})
        wizard.action_generate()
        key = wizard.key
        self.assertTrue(key.startswith("wck_"))
        record = self.env["wecom.api.key"].search([("name", "=", "门店开业系统")])
        self.assertNotIn(key, (record.key_hash, record.prefix))
        self.assertEqual(len(record.key_hash), 64)
        self.ok("GET", "/departments/", key=key)
        other = self.make_user("api_other")
        with self.assertRaises(Exception):
            record.sudo(other).action_revoke()
        record.sudo(self.manager).action_revoke()
        self.error(1401, 401, "GET", "/departments/", key=key)
        with self.assertRaises(Exception):
            self.env["wecom.api.key"].sudo(self.manager).generate("  ")
