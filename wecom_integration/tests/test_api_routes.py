from ..controllers.openapi import openapi_document
from .test_api import API, ApiCase
from .test_sync import DEMO_DEPARTMENTS, DEMO_MEMBERS


class TestApiRoutes(ApiCase):

    def test_sync_routes_with_and_without_trailing_slash(self):
        log = self.ok("POST", "/sync/sync_departments/", {})
        self.assertEqual((log["sync_type"], log["trigger"], log["status"]), ("department", "api", "success"))
        self.assertEqual((log["total_count"], log["success_count"], log["failed_count"]), (DEMO_DEPARTMENTS, DEMO_DEPARTMENTS, 0))
        log = self.ok("POST", "/sync/sync_users", {})
        self.assertEqual(log["success_count"], DEMO_MEMBERS)
        log = self.ok("POST", "/sync/sync_all/", {"wait": False})
        self.assertEqual(log["status"], "queued", "answered at once, run after the answer")
        self.assertEqual(self.ok("GET", "/sync/sync_logs/", params={"sync_type": "all"})["results"][0]["status"],
                         "success")
        logs = self.ok("GET", "/sync/sync_logs/")
        self.assertEqual(logs["count"], 3)
        self.assertEqual([r["sync_type"] for r in logs["results"]], ["all", "user", "department"], "newest first")
        self.assertEqual(self.ok("GET", "/sync/sync_logs", params={"sync_type": "user"})["count"], 1)

    def test_directory_lists_filters_and_pages(self):
        self.ok("POST", "/sync/sync_all/", {})
        departments = self.ok("GET", "/departments/", params={"page_size": 200})
        self.assertEqual(departments["count"], DEMO_DEPARTMENTS)
        store = [d for d in departments["results"] if d["wecom_id"] == 8][0]
        self.assertEqual(store["full_name"], "好邻居连锁超市 / 华北区 / 北京朝阳店")
        self.assertEqual(self.ok("GET", "/departments", params={"parent_id": 2})["count"], 3)
        self.assertEqual(self.ok("GET", "/departments", params={"search": "朝阳"})["results"][0]["wecom_id"], 8)
        users = self.ok("GET", "/users/", params={"department_id": 8})
        self.assertIn("lina", [u["userid"] for u in users["results"]])
        self.assertEqual(self.ok("GET", "/users", params={"status": 2})["count"], 1)
        self.assertEqual(self.ok("GET", "/users", params={"search": "张伟"})["count"], 2)
        page = self.ok("GET", "/users", params={"page": 2, "page_size": 50})
        self.assertEqual((page["count"], page["page"], page["page_size"], len(page["results"])),
                         (DEMO_MEMBERS, 2, 50, DEMO_MEMBERS - 50))
        self.assertEqual(self.ok("GET", "/users", params={"page": 99})["results"], [])
        self.emulator.directory.remove_user("chenlei")
        self.ok("POST", "/sync/sync_users/", {})
        self.assertEqual(self.ok("GET", "/users", params={"is_active": "false"})["results"][0]["userid"], "chenlei")

    def test_send_message_with_the_original_body(self):
        self.ok("POST", "/sync/sync_all/", {})
        data = self.ok("POST", "/messages/send_message/", {
            "message_type": "textcard", "title": "审批通知", "content": "您有一个新的审批待处理",
            "url": "https://example.com/approval/123", "to_users": ["lina", "zhangwei"],
            "business_type": "approval", "business_id": 123})
        self.assertEqual((data["status"], data["business_id"], data["to_users"]), ("sent", 123, ["lina", "zhangwei"]))
        card = self.emulator.inbox("lina")[0]["payload"]
        self.assertEqual((card["title"], card["url"]), ("审批通知", "https://example.com/approval/123"))
        self.assertEqual(self.ok("GET", "/messages/%s/" % data["id"])["msgid"], data["msgid"])
        self.assertEqual(self.ok("GET", "/messages", params={"business_type": "approval", "business_id": "123"})
                         ["count"], 1)
        data = self.ok("POST", "/messages/send_message", {"message_type": "text", "content": "部门通知",
                                                         "to_parties": [8], "to_tags": [1], "queue": True})
        self.assertEqual(data["status"], "queued")

    def test_send_to_users_with_the_original_body(self):
        self.ok("POST", "/sync/sync_all/", {})
        lina = self.make_user("lina-odoo")
        self.env["wecom.user"].search([("userid", "=", "lina")]).odoo_user_id = lina
        data = self.ok("POST", "/messages/send_to_users/", {
            "message_type": "text", "content": "系统维护通知：今晚22:00-24:00进行系统维护", "user_ids": [lina.id]})
        self.assertEqual(data["status"], "sent")
        self.assertEqual(self.emulator.inbox("lina")[0]["payload"]["content"], "系统维护通知：今晚22:00-24:00进行系统维护")

    def test_retry_failed(self):
        self.ok("POST", "/sync/sync_all/", {})
        self.set_wecom_params(secret="revoked")
        message = self.env["wecom.message"].send_message("text", "重发我", to_users=["lina"])
        self.assertEqual(message.status, "failed")
        self.set_wecom_params(secret=self.emulator.app.secret)
        data = self.ok("POST", "/messages/retry_failed/", {"message_ids": [message.id]})
        self.assertEqual(data, {"retried": 1, "results": [{"id": message.id, "status": "sent", "retried": True,
                                                           "error": None}]})
        self.assertEqual(self.ok("POST", "/messages/retry_failed", {})["retried"], 0)
        # each message answers for itself: one that is not failed now is reported, not retried
        data = self.ok("POST", "/messages/retry_failed/", {"message_ids": [message.id]})
        self.assertEqual(data["retried"], 0)
        [result] = data["results"]
        self.assertEqual((result["id"], result["status"], result["retried"]), (message.id, "sent", False))
        self.assertIn("only failed", result["error"])
        self.error(1404, 404, "POST", "/messages/retry_failed/", {"message_ids": [999999]})

    def test_openapi_document_describes_the_answers(self):
        import jsonschema
        self.cr.commit()  # a savepoint in test mode: the request must not roll back our setup
        document = self.opener.get(self.base + API + "/openapi.json").json()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document, json_roundtrip(openapi_document(self.base)))
        self.test_send_message_with_the_original_body()
        self.test_directory_lists_filters_and_pages()
        self.error(1001, 400, "GET", "/users", params={"page_size": 500})
        self.error(1401, 401, "GET", "/users", key=False)
        for method, path, status, answer in self.answers:
            template = "/messages/{id}/" if path.strip("/").split("/")[-1].isdigit() else path.rstrip("/") + "/"
            operation = document["paths"][template][method.lower()]
            self.assertIn(str(status), operation["responses"], "%s %s answered %s, undocumented" % (method, path, status))
            schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            resolver = jsonschema.RefResolver.from_schema(document)
            jsonschema.Draft202012Validator(schema, resolver=resolver).validate(answer)


def json_roundtrip(value):
    import json
    return json.loads(json.dumps(value))
