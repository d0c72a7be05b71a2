import json

import jsonschema

from ..controllers.openapi import openapi_document
from .test_api import API, ApiCase

JSON = {"Content-Type": "application/json"}
SYNC_ROUTES = ("/sync/sync_departments/", "/sync/sync_users/", "/sync/sync_all/")


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


class TestApiBadInput(ApiCase):
    """What the fuzz layer (tests/fuzz/) checks by the thousand, pinned down: bad input is a 400
    naming the field (never a 500), and the OpenAPI document says what the routes really accept."""

    def assert_nothing_done(self):
        self.assertEqual(self.emulator.calls(), 0, "nothing reached WeCom")
        self.assertEqual(self.env["wecom.message"].search_count([]), 0, "nothing was recorded")

    def document(self):
        return json.loads(json.dumps(openapi_document(self.base)))

    def body_schema(self, document, path):
        body = document["paths"][path]["post"]["requestBody"]
        return body, body["content"]["application/json"]["schema"]

    def response(self, method, path, **kwargs):
        """The raw answer (with its headers), checked to be the error envelope."""
        self.cr.commit()  # pylint: disable=invalid-commit  # a savepoint in test mode, as in ApiCase.call
        response = self.opener.request(method, self.base + API + path, timeout=60,
                                       headers={"Authorization": "Bearer %s" % self.key}, **kwargs)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(set(response.json()), {"code", "message", "data"})
        return response

    def test_json_nested_100000_deep_is_invalid_json(self):
        deep = b"[" * 100000 + b"]" * 100000
        for path in ("/messages/send_message/", "/messages/send_to_users/", "/messages/retry_failed/") + SYNC_ROUTES:
            self.error(1000, 400, "POST", path, raw=deep, headers=JSON)
            self.error(1000, 400, "POST", path, raw=b'{"content": ' + deep + b"}", headers=JSON)
        self.assert_nothing_done()

    def test_nul_characters_and_lone_surrogates_name_the_field(self):
        send = "/messages/send_message/"
        self.assertIn("content", self.error(1001, 400, "POST", send,
                                            {"message_type": "text", "content": "a\x00b", "to_users": ["lina"]}))
        # "\ud800" escaped in the JSON text: valid JSON, a string UTF-8 (and so PostgreSQL) cannot hold
        for raw, field in ((b'{"message_type": "text", "content": "x\\ud800", "to_users": ["lina"]}', "content"),
                           (b'{"message_type": "text", "content": "x", "to_users": ["\\udfff"]}', "to_users"),
                           (b'{"message_type": "text", "content": "x", "business_id": "\\ud83d"}', "business_id")):
            self.assertIn(field, self.error(1001, 400, "POST", send, raw=raw, headers=JSON))
        self.assertIn("title", self.error(1001, 400, "POST", "/messages/send_to_users/",
                                          {"message_type": "text", "content": "x", "title": "\x00", "user_ids": [1]}))
        self.assertIn("search", self.error(1001, 400, "GET", "/users/", params={"search": "张\x00"}))
        self.assertIn("search", self.error(1001, 400, "GET", "/departments/", params={"search": "\x00"}))
        self.assertIn("business_id", self.error(1001, 400, "GET", "/messages/", params={"business_id": "1\x00"}))
        self.assert_nothing_done()

    def test_numbers_beyond_postgresql_name_the_field(self):
        for path, params, field in (("/users/", {"page": 2 ** 31}, "page"), ("/users/", {"page": 10 ** 30}, "page"),
                                    ("/messages/", {"page": 2 ** 63}, "page"),
                                    ("/departments/", {"page_size": 2 ** 31}, "page_size"),
                                    ("/users/", {"department_id": 2 ** 31}, "department_id"),
                                    ("/departments/", {"parent_id": 2 ** 63}, "parent_id")):
            self.assertIn(field, self.error(1001, 400, "GET", path, params=params))
        # the message id in the path: out of range is a 400 naming it, not a 404 (nor a 500)
        for message_id in ("2147483648", "99999999999999999999", "0"):
            self.assertIn("field id", self.error(1001, 400, "GET", "/messages/%s/" % message_id))
        self.error(1404, 404, "GET", "/messages/2147483647/")
        send = {"message_type": "text", "content": "x", "to_users": ["lina"]}
        for body, field in ((dict(send, business_id=2 ** 63), "business_id"),
                            (dict(send, business_id=-2 ** 63 - 1), "business_id"),
                            (dict(send, business_id=1e30), "business_id"),
                            (dict(send, to_parties=[2 ** 31]), "to_parties"),
                            (dict(send, to_tags=[2 ** 63]), "to_tags")):
            self.assertIn(field, self.error(1001, 400, "POST", "/messages/send_message/", body))
        self.assertIn("user_ids", self.error(1001, 400, "POST", "/messages/send_to_users/",
                                             {"message_type": "text", "content": "x", "user_ids": [2 ** 31]}))
        self.assertIn("message_ids", self.error(1001, 400, "POST", "/messages/retry_failed/",
                                                {"message_ids": [2 ** 31]}))
        self.assert_nothing_done()

    def test_digits_python_reads_and_int_does_not(self):
        # "²".isdigit() is True, int("²") raises: this was a 500
        self.assertIn("page", self.error(1001, 400, "GET", "/users/", params={"page": "²"}))
        self.assertIn("department_id", self.error(1001, 400, "GET", "/users/", params={"department_id": "٣²"}))
        self.error(1404, 404, "GET", "/messages/²/")
        self.error(1404, 404, "GET", "/messages/١/")
        self.error(1404, 404, "POST", "/messages/²/", {})

    def test_nan_and_infinity_are_not_json(self):
        for path, raw in (("/messages/send_message/", b'{"message_type": "text", "content": "x", "business_id": NaN}'),
                          ("/messages/retry_failed/", b'{"message_ids": [-Infinity]}'),
                          ("/sync/sync_all/", b'{"wait": Infinity}')):
            self.error(1000, 400, "POST", path, raw=raw, headers=JSON)
        self.assert_nothing_done()

    def test_whole_numbers_written_with_a_fraction_are_whole_numbers(self):
        # JSON Schema's "integer" (the document's) takes 8.0; so do the routes
        document = self.document()
        _body, schema = self.body_schema(document, "/messages/send_message/")
        jsonschema.Draft202012Validator(schema).validate({"message_type": "text", "to_parties": [8.0],
                                                          "business_id": 123.0})
        self.ok("POST", "/sync/sync_all/", {})
        data = self.ok("POST", "/messages/send_message/", {"message_type": "text", "content": "门店通知",
                                                           "to_parties": [8.0], "business_id": 123.0})
        self.assertEqual((data["status"], data["to_parties"], data["business_id"]), ("sent", [8], 123))
        self.error(1404, 404, "POST", "/messages/retry_failed/", {"message_ids": [999999.0]})
        self.assertIn("message_ids", self.error(1001, 400, "POST", "/messages/retry_failed/", {"message_ids": [1.5]}))
        self.assertIn("business_id", self.error(1001, 400, "POST", "/messages/send_message/",
                                                {"message_type": "text", "content": "x", "business_id": 1.5}))

    def test_405_carries_allow(self):
        for method, path, allowed in (("GET", "/messages/send_message/", "POST"), ("POST", "/departments/", "GET"),
                                      ("PUT", "/sync/sync_all/", "POST"), ("DELETE", "/messages/5/", "GET"),
                                      ("POST", "/messages/5", "GET"), ("PATCH", "/users", "GET"),
                                      ("GET", "/sync/sync_users", "POST"), ("OPTIONS", "/messages/retry_failed/", "POST")):
            response = self.response(method, path)
            self.assertEqual((response.status_code, response.json()["code"]), (405, 1405), (method, path))
            self.assertEqual(response.headers.get("Allow"), allowed, (method, path))
        self.assertNotIn("Allow", self.response("GET", "/nothing/here/").headers)

    def test_empty_status_is_refused(self):
        document = self.document()
        for path in ("/messages/", "/sync/sync_logs/", "/users/"):
            [status] = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "status"]
            self.assertNotIn("", status["schema"]["enum"])
            self.assertIn("status", self.error(1001, 400, "GET", path, params={"status": ""}))
        self.assertIn("sync_type", self.error(1001, 400, "GET", "/sync/sync_logs/", params={"sync_type": ""}))

    def test_empty_message_ids_are_refused_as_documented(self):
        _body, schema = self.body_schema(self.document(), "/messages/retry_failed/")
        self.assertEqual(schema["properties"]["message_ids"]["minItems"], 1)
        self.assertFalse(jsonschema.Draft202012Validator(schema).is_valid({"message_ids": []}))
        self.assertIn("message_ids", self.error(1001, 400, "POST", "/messages/retry_failed/", {"message_ids": []}))

    def test_optional_bodies_are_optional_in_the_document(self):
        document = self.document()
        for path in SYNC_ROUTES + ("/messages/retry_failed/",):
            body, schema = self.body_schema(document, path)
            self.assertFalse(body["required"], path)
            self.assertEqual(schema["required"], [], "%s: {} is accepted, so nothing is required" % path)
            jsonschema.Draft202012Validator(schema).validate({})
        self.assertEqual(self.ok("POST", "/sync/sync_departments/", {})["status"], "success")
        self.assertEqual(self.ok("POST", "/sync/sync_users", raw=b"")["status"], "success", "no body at all")
        self.assertEqual(self.ok("POST", "/messages/retry_failed/", {}), {"retried": 0, "results": []})

    def test_the_document_refuses_what_the_routes_refuse(self):
        _body, schema = self.body_schema(self.document(), "/messages/send_message/")
        validator = jsonschema.Draft202012Validator(schema)
        self.assertTrue(validator.is_valid({"message_type": "text", "content": "好", "to_users": ["lina", " lina "]}))
        for body in ({"message_type": "text", "content": "a\x00"}, {"message_type": "text", "to_users": ["li\x00na"]},
                     {"message_type": "text", "to_users": [" \x1c\u3000\t"]}, {"message_type": "text", "to_users": [""]}):
            self.assertFalse(validator.is_valid(body), body)
        # Python's str.strip() takes \x1c and \u3000 for white space: so does the route
        self.assertIn("to_users", self.error(1001, 400, "POST", "/messages/send_message/",
                                             {"message_type": "text", "content": "x", "to_users": [" \x1c\u3000\t"]}))
        self.assert_nothing_done()

    def test_news_is_not_offered_the_api_cannot_send_it(self):
        # a news message needs articles, which the JSON API does not take: always refused
        _body, schema = self.body_schema(self.document(), "/messages/send_message/")
        self.assertNotIn("news", schema["properties"]["message_type"]["enum"])
        self.assertIn("articles", self.error(2004, 400, "POST", "/messages/send_message/",
                                             {"message_type": "news", "content": "x", "to_all": True}))
        self.assert_nothing_done()

    def test_links_and_operation_ids(self):
        paths = self.document()["paths"]
        ids = [operation["operationId"] for methods in paths.values() for operation in methods.values()]
        self.assertEqual(len(ids), len(set(ids)), "unique operationIds")
        link = paths["/messages/send_message/"]["post"]["responses"]["200"]["links"]["getMessage"]
        self.assertEqual(link["operationId"], "getMessage")
        self.assertEqual(paths["/messages/{id}/"]["get"]["operationId"], "getMessage")

    def test_send_to_users_nobody_linked_is_refused_not_a_wecom_failure(self):
        lonely = self.make_user("api_lonely")
        message = self.error(2005, 400, "POST", "/messages/send_to_users/",
                             {"message_type": "text", "content": "x", "user_ids": [lonely.id]})
        self.assertIn("linked", message)
        self.assertEqual(self.emulator.calls(), 0, "WeCom was not asked: not its failure (no 502)")


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
