import json

from odoo.exceptions import UserError

from .common import WecomTransactionCase


class TestConnection(WecomTransactionCase):

    def run_test(self, **form_values):
        action = self.env["res.config.settings"].create(form_values).action_wecom_test_connection()
        self.assertEqual(action["res_model"], "wecom.connection.test")
        self.assertEqual(action["target"], "new")
        return self.env["wecom.connection.test"].browse(action["res_id"])

    def test_app_secret_works(self):
        result = self.run_test()
        self.assertTrue(result.success, result.summary)
        self.assertTrue(result.summary.startswith("Connection OK."))
        self.assertIn("App secret: OK (agent %s)" % self.emulator.app.agent_id, result.summary)
        self.assertNotIn("Contact-sync", result.summary, "no contact-sync secret configured, none tested")
        self.assertEqual(self.emulator.calls("gettoken"), 1)
        self.assertEqual(self.emulator.calls("department/simplelist"), 1)

    def test_both_secrets(self):
        self.set_wecom_params(contact_secret=self.emulator.contact_secret)
        result = self.run_test()
        self.assertTrue(result.success, result.summary)
        self.assertIn("Contact-sync secret: OK", result.summary)
        self.assertEqual(self.emulator.calls("gettoken"), 2, "one token per secret")
        self.assertEqual(self.emulator.calls("user/list_id"), 2, "the check, then the health of the whole directory")

    def test_wrong_secret_is_explained(self):
        result = self.run_test(wecom_secret="not-the-secret")
        self.assertFalse(result.success)
        self.assertTrue(result.summary.startswith("Connection FAILED."))
        self.assertIn("[40001]", result.summary)
        self.assertIn("secret", result.summary.lower())
        self.assertNotIn("not-the-secret", result.summary, "a secret is never echoed back")
        # the form's values were only tested, not saved
        self.assertEqual(self.env["wecom.config"]._get_stored("secret"), self.emulator.app.secret)

    def test_untrusted_ip_is_explained(self):
        self.emulator.inject_fault("gettoken", kind="errcode", errcode=60020, count=1)
        result = self.run_test()
        self.assertFalse(result.success)
        self.assertIn("[60020]", result.summary)
        self.assertIn("trusted IP", result.summary)
        self.assertEqual(self.emulator.calls("gettoken"), 1, "60020 is a configuration error: no retry")

    def test_contact_secret_failure_does_not_hide_app_success(self):
        result = self.run_test(wecom_contact_secret="wrong-contact-secret")
        self.assertFalse(result.success)
        self.assertIn("App secret: OK", result.summary)
        self.assertIn("Contact-sync secret: FAILED", result.summary)

    def test_missing_agent_id_is_reported(self):
        self.set_wecom_params(agent_id="")
        result = self.run_test(wecom_agent_id="")
        self.assertTrue(result.success)
        self.assertIn("messages cannot be sent", result.summary)

    def test_unconfigured_or_invalid_settings_raise(self):
        self.set_wecom_params(corp_id="")
        with self.assertRaises(UserError):
            self.run_test()
        with self.assertRaises(UserError):
            self.run_test(wecom_corp_id=self.emulator.corp_id, wecom_base_url="ftp://nope")
        self.assertEqual(self.emulator.calls(), 0, "nothing was sent")

    def test_chinese_users_get_the_chinese_explanation(self):
        settings = self.env["wecom.config"]._get_settings(overrides={"secret": "bad"})
        action = self.env["wecom.connection.test"].with_context(lang="zh_CN")._run(settings)
        summary = self.env["wecom.connection.test"].browse(action["res_id"]).summary
        self.assertIn("企业微信接口错误 [40001]", summary)

    def test_directory_health_counts_the_range_and_says_what_is_withheld(self):
        self.set_wecom_params(contact_secret=self.emulator.contact_secret)
        self.emulator.app.visible_parties = [3]  # 华东区 and its four stores
        summary = self.run_test().summary
        self.assertIn("Directory health:", summary)
        self.assertIn("The app secret sees 5 of the 20 departments and ", summary)
        self.assertIn("Departments outside the app's visible range (15): ", summary)
        # a privacy-restricted app (created after 2022-06-20) reads these empty for everyone
        self.assertIn("Mobile, Email, Business email, Avatar URL, Gender came back empty for all ", summary)
        self.assertIn("2022-06-20", summary)

    def test_directory_health_without_the_contact_secret_says_how_to_compare(self):
        self.emulator.app.privacy_restricted = False
        summary = self.run_test().summary
        self.assertIn("Set the contact-sync secret to compare them with the whole directory.", summary)
        self.assertIn("nothing is withheld", summary)

    def test_the_ip_wecom_saw_is_named(self):
        self.emulator.inject_fault("gettoken", kind="errcode", errcode=60020, count=1)
        summary = self.run_test().summary
        self.assertRegex(summary, r"WeCom saw this server as IP [0-9.]+: add it to the app's trusted IPs")

    def test_an_unreachable_url_is_said_plainly(self):
        summary = self.run_test(wecom_base_url="http://127.0.0.1:9/cgi-bin").summary
        self.assertIn("could not reach http://127.0.0.1:9/cgi-bin/gettoken: the connection was refused", summary)
        self.assertNotIn("object at 0x", summary)
        self.assertNotIn("HTTPConnectionPool", summary)

    def test_the_settings_page_keeps_the_last_syncs_health(self):
        self.emulator.app.visible_parties = [3]
        self.set_wecom_params(contact_secret=self.emulator.contact_secret)
        log = self.env["wecom.sync.service"].sync_all()
        # kept on the run's log, committed by its own cursor: read as the next request would
        committed = log.env
        text = committed["wecom.directory.health"]._describe_last()
        self.assertIn("From the sync of ", text)
        self.assertIn("The app secret sees 5 of the 20 departments", text)
        self.assertIn("came back empty for all", text)
        self.assertEqual(committed["wecom.directory.health"]._last(), json.loads(log.directory_health))
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration"], ["zh_CN"])
        zh = "\n".join(self.env["wecom.directory.health"].with_context(lang="zh_CN")._describe(
            json.loads(log.directory_health)))
        self.assertIn("应用 Secret 可见通讯录 20 个部门中的 5 个", zh)
        self.assertNotIn("came back empty", zh, "worded in the reader's language")
