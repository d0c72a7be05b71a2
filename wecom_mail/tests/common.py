"""Shared setup of the bridge's tests: Odoo's test server and the WeCom emulator (in process,
through `responses`, as the core's tests do), Odoo users linked to members of the emulator's
demo corp, and a document to schedule activities on and post messages to.

Everything happens in the one test transaction of SharedCursorHttpCase: in Odoo's test mode a
queued message's job runs as soon as it is queued (or, inside a request, once its answer is
built), so the message reaches the emulator's inbox before the test goes on, and the whole test
is rolled back at its end.
"""
import json

import odoo

from odoo.addons.wecom_integration.tests.common import EmulatorMixin, SharedCursorHttpCase, make_user


class BridgeCase(EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(BridgeCase, self).setUp()
        self.odoo = "http://127.0.0.1:%s" % odoo.tools.config["http_port"]
        self.env["ir.config_parameter"].set_param("web.base.url", self.odoo)
        self.lina = self.linked_user("lina", "李娜")
        self.zhang = self.linked_user("zhangwei", "张伟")
        self.stranger = make_user(self.env, "wecom_mail_stranger", name="外包人员")  # no WeCom member
        self.partner = self.env["res.partner"].create({"name": "朝阳商户"})
        self.call = self.env.ref("mail.mail_activity_data_call")

    def linked_user(self, userid, name):
        user = make_user(self.env, "wecom_mail_" + userid, name=name, lang="en_US", email=userid + "@example.com")
        self.env["wecom.user"].create({"userid": userid, "name": name, "status": "1", "odoo_user_id": user.id})
        return user

    def schedule(self, user, env=None, **values):
        """An activity on the test partner, scheduled by ``env``'s user (the administrator)."""
        values = dict({"res_model_id": self.env.ref("base.model_res_partner").id, "res_id": self.partner.id,
                       "activity_type_id": self.call.id, "summary": "确认合同条款", "date_deadline": "2026-12-01",
                       "user_id": user.id}, **values)
        return (env or self.env)["mail.activity"].create(values)

    def call_kw(self, login, model, method, *args):
        """``model.method(*args)`` as the web client calls it, signed in as ``login``; the result."""
        self.cr.commit()  # the test's writes become a savepoint the request starts from
        self.authenticate(login, login + "-pw")
        answer = self.opener.post(self.odoo + "/web/dataset/call_kw/%s/%s" % (model, method), timeout=30,
                                  headers={"Content-Type": "application/json"}, data=json.dumps({
                                      "jsonrpc": "2.0", "method": "call",
                                      "params": {"model": model, "method": method, "args": list(args), "kwargs": {}}}))
        self.assertNotIn("error", answer.json(), answer.text[:500])
        return answer.json()["result"]

    def cards(self, userid):
        return [entry["payload"] for entry in self.emulator.inbox(userid)]

    def bridge_messages(self, business_type):
        return self.env["wecom.message"].search([("business_type", "=", business_type)])

    def load_chinese(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["mail", "wecom_integration", "wecom_mail"], ["zh_CN"])
