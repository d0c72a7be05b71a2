import json

import odoo
from odoo.tests.common import at_install, post_install

from .common import EmulatorMixin, SharedCursorHttpCase, make_user

API = "/api/v1/wechat"
ALL_PERMISSIONS = ("wecom_group_manager",)


@at_install(False)
@post_install(True)
class ApiCase(EmulatorMixin, SharedCursorHttpCase):
    """Real HTTP against the Odoo test server; WeCom is the emulator."""

    def setUp(self):
        super(ApiCase, self).setUp()
        self.base = "http://127.0.0.1:%s" % odoo.tools.config["http_port"]
        self.manager = self.make_user("api_manager", *ALL_PERMISSIONS)
        self.key = self.make_key(self.manager)
        self.answers = []  # (method, path, status, body) of every call, checked against the OpenAPI document

    def make_user(self, login, *groups):
        return make_user(self.env, login, *groups)

    def make_key(self, user):
        return self.env["wecom.api.key"].sudo(user).generate("tests")[1]

    def call(self, method, path, body=None, key=None, headers=None, raw=None, params=None):
        headers = dict(headers or {})
        if key is not False:
            headers.setdefault("Authorization", "Bearer %s" % (key or self.key))
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif method == "POST" and raw is None:
            headers.setdefault("Content-Type", "application/json")
        # the test cursor's "commit" is a savepoint: requests close (roll back to) it, keep our writes
        self.cr.commit()
        response = self.opener.request(method, self.base + API + path, data=data, headers=headers,
                                       params=params, timeout=60)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8", response.text[:300])
        answer = response.json()
        self.assertEqual(set(answer), {"code", "message", "data"})
        self.answers.append((method, path, response.status_code, answer))
        return response.status_code, answer

    def ok(self, method, path, body=None, **kwargs):
        status, answer = self.call(method, path, body, **kwargs)
        self.assertEqual((status, answer["code"]), (200, 0), answer)
        return answer["data"]

    def error(self, expected_code, expected_status, method, path, body=None, **kwargs):
        status, answer = self.call(method, path, body, **kwargs)
        self.assertEqual((answer["code"], status), (expected_code, expected_status), answer)
        self.assertIsNone(answer["data"])
        return answer["message"]
