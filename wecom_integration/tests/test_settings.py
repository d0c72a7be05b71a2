from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError

from .common import WecomTransactionCase


class TestSettings(WecomTransactionCase):

    def settings(self, **values):
        return self.env["res.config.settings"].create(values)

    def stored(self, name):
        return self.env["wecom.config"]._get_stored(name)

    def test_values_are_stored_and_read_back(self):
        self.settings(wecom_corp_id=" ww0123456789abcdef ", wecom_agent_id="1000009",
                      wecom_base_url="https://example.test/cgi-bin", wecom_timeout=12).execute()
        self.assertEqual(self.stored("corp_id"), "ww0123456789abcdef")
        self.assertEqual(self.stored("agent_id"), "1000009")
        form = self.settings()
        self.assertEqual(form.wecom_corp_id, "ww0123456789abcdef")
        self.assertEqual(form.wecom_timeout, 12)
        self.assertEqual(form.wecom_base_url, "https://example.test/cgi-bin")

    def test_the_language_of_business_messages(self):
        form = self.settings()
        self.assertEqual(form.wecom_message_lang, self.env["wecom.config"]._get_message_lang())
        self.settings(wecom_message_lang="en_US").execute()
        self.assertEqual(self.stored("message_lang"), "en_US")
        self.assertEqual(self.settings().wecom_message_lang, "en_US")

    def test_secret_is_write_only(self):
        form = self.settings()
        self.assertFalse(form.wecom_secret, "a stored secret must never be sent back to the form")
        self.assertTrue(form.wecom_secret_set)
        # saving with the secret field empty keeps the stored secret
        form.execute()
        self.assertEqual(self.stored("secret"), self.emulator.app.secret)
        self.settings(wecom_secret="a-new-secret").execute()
        self.assertEqual(self.stored("secret"), "a-new-secret")
        self.assertFalse(self.settings().wecom_secret)

    def test_contact_secret_can_be_removed(self):
        self.settings(wecom_contact_secret="contact-secret").execute()
        form = self.settings()
        self.assertTrue(form.wecom_contact_secret_set)
        form.action_wecom_clear_contact_secret()
        self.assertEqual(self.stored("contact_secret"), "")
        self.assertFalse(self.settings().wecom_contact_secret_set)

    def test_bad_values_are_refused_and_nothing_is_stored(self):
        cases = [
            ({"wecom_agent_id": "10000x2"}, "agent id must be a whole number"),
            ({"wecom_timeout": 0}, "timeout must be a number of seconds"),
            ({"wecom_timeout": 301}, "timeout must be a number of seconds"),
            ({"wecom_base_url": "qyapi.weixin.qq.com/cgi-bin"}, "must start with http"),
        ]
        for values, message in cases:
            with self.assertRaises(UserError) as caught:
                self.settings(wecom_corp_id="wwchanged", wecom_secret="changed", **values).execute()
            self.assertIn(message, caught.exception.name)
            self.assertEqual(self.stored("corp_id"), self.emulator.corp_id)
            self.assertEqual(self.stored("secret"), self.emulator.app.secret)

    def test_environment_overrides_stored_values(self):
        self.set_env(WECOM_CORP_ID="wwfromenv", WECOM_SECRET="secret-from-env", WECOM_TIMEOUT="7")
        settings = self.env["wecom.config"]._get_settings()
        self.assertEqual(settings["corp_id"], "wwfromenv")
        self.assertEqual(settings["secret"], "secret-from-env")
        self.assertEqual(settings["timeout"], "7")
        self.assertEqual(settings["agent_id"], str(self.emulator.app.agent_id), "not overridden: stored value")
        self.assertEqual(settings["env"], {"corp_id": "WECOM_CORP_ID", "secret": "WECOM_SECRET", "timeout": "WECOM_TIMEOUT"})
        form = self.settings()
        self.assertEqual(form.wecom_corp_id, "wwfromenv")
        self.assertEqual(form.wecom_corp_id_env, "WECOM_CORP_ID")
        self.assertFalse(form.wecom_secret, "secrets from the environment are not shown either")
        self.assertTrue(form.wecom_secret_set)
        self.assertFalse(form.wecom_agent_id_env)
        # saving the page does not copy environment values into the database
        form.execute()
        self.assertEqual(self.stored("corp_id"), self.emulator.corp_id)
        self.assertEqual(self.stored("secret"), self.emulator.app.secret)

    def test_original_module_variable_names_are_aliases(self):
        self.set_env(WECHAT_CORP_ID="wwlegacy", WECHAT_AGENT_ID="1000042", WECHAT_SECRET="legacy-secret")
        settings = self.env["wecom.config"]._get_settings()
        self.assertEqual((settings["corp_id"], settings["agent_id"], settings["secret"]),
                         ("wwlegacy", "1000042", "legacy-secret"))
        # the WECOM_ name wins over its alias
        self.set_env(WECOM_CORP_ID="wwnew")
        self.assertEqual(self.env["wecom.config"]._get_settings()["corp_id"], "wwnew")

    def test_invalid_environment_value_names_the_variable(self):
        self.set_env(WECOM_AGENT_ID="abc")
        with self.assertRaises(UserError) as caught:
            self.env["wecom.config"]._get_settings()
        self.assertIn("environment variable WECOM_AGENT_ID", caught.exception.name)

    def test_client_needs_corp_id_and_secret(self):
        self.set_wecom_params(secret="")
        with self.assertRaises(UserError) as caught:
            self.env["wecom.config"]._get_client()
        self.assertIn("WeCom is not configured", caught.exception.name)
        with self.assertRaises(UserError):
            self.env["wecom.config"]._get_client("contact")

    def test_callback_token_and_key(self):
        key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
        form = self.settings()
        self.assertTrue(form.wecom_callback_url.endswith("/wecom/callback/contact"), form.wecom_callback_url)
        self.assertIsNone(self.env["wecom.config"]._get_callback_crypto(), "off until both are set")
        with self.assertRaises(UserError) as caught:
            self.settings(wecom_callback_token="tok", wecom_callback_aes_key=key[:-1]).execute()
        self.assertIn("43 letters and digits", caught.exception.name)
        self.assertEqual((self.stored("callback_token"), self.stored("callback_aes_key")), ("", ""))
        self.settings(wecom_callback_token="tok", wecom_callback_aes_key=key).execute()
        form = self.settings()
        self.assertFalse(form.wecom_callback_aes_key, "write-only, like the secrets")
        self.assertTrue(form.wecom_callback_token_set and form.wecom_callback_aes_key_set)
        crypto = self.env["wecom.config"]._get_callback_crypto()
        self.assertEqual((crypto.token, crypto.receive_id), ("tok", self.emulator.corp_id))
        self.set_env(WECOM_CALLBACK_TOKEN="from-env")
        self.assertEqual(self.env["wecom.config"]._get_callback_crypto().token, "from-env")
        form.action_wecom_clear_callback()
        self.assertEqual(self.stored("callback_aes_key"), "")
        self.assertIsNone(self.env["wecom.config"]._get_callback_crypto())

    def test_app_callback_token_and_key(self):
        key = "aPpCaLlBaCkKeY0123456789abcdefghijklmnopqrs"
        form = self.settings()
        self.assertTrue(form.wecom_app_callback_url.endswith("/wecom/callback/app"), form.wecom_app_callback_url)
        self.assertIsNone(self.env["wecom.config"]._get_app_callback_crypto(), "off until both are set")
        with self.assertRaises(UserError) as caught:
            self.settings(wecom_app_callback_token="tok", wecom_app_callback_aes_key=key + "x").execute()
        self.assertIn("43 letters and digits", caught.exception.name)
        self.assertEqual((self.stored("app_callback_token"), self.stored("app_callback_aes_key")), ("", ""))
        self.settings(wecom_app_callback_token="tok", wecom_app_callback_aes_key=key).execute()
        form = self.settings()
        self.assertFalse(form.wecom_app_callback_token or form.wecom_app_callback_aes_key, "write-only")
        self.assertTrue(form.wecom_app_callback_token_set and form.wecom_app_callback_aes_key_set)
        self.settings(wecom_app_callback_token="", wecom_app_callback_aes_key="").execute()  # empty keeps them
        crypto = self.env["wecom.config"]._get_app_callback_crypto()
        self.assertEqual((crypto.token, crypto.receive_id), ("tok", self.emulator.corp_id))
        self.assertIsNone(self.env["wecom.config"]._get_callback_crypto(), "the contact callback is another one")
        self.set_env(WECOM_APP_CALLBACK_TOKEN="from-env")
        self.assertEqual(self.env["wecom.config"]._get_app_callback_crypto().token, "from-env")
        self.assertEqual(self.settings().wecom_app_callback_token_env, "WECOM_APP_CALLBACK_TOKEN")
        form.action_wecom_clear_app_callback()
        self.assertEqual(self.stored("app_callback_aes_key"), "")
        self.assertIsNone(self.env["wecom.config"]._get_app_callback_crypto())


class TestSettingsActivity(WecomTransactionCase):
    """The settings page says what the sync did last, without opening the logs."""

    def test_last_run_of_each_kind_and_last_contact_change(self):
        Settings = self.env["res.config.settings"]
        values = Settings.get_values()
        self.assertIn("Full sync: never", values["wecom_last_runs"])
        self.assertFalse(values["wecom_last_contact_change"])
        self.env["wecom.callback.event"]._receive(
            {"Event": "change_contact", "ChangeType": "update_user", "UserID": "lina"}, "settings-1")
        self.assertTrue(Settings.get_values()["wecom_last_contact_change"])
        self.env["wecom.sync.service"].sync_departments()
        # the log is committed in a cursor of its own: the next page load (a new transaction) shows it
        with closing(self.registry.cursor()) as cr:
            lines = api.Environment(cr, SUPERUSER_ID, {})["res.config.settings"].get_values()["wecom_last_runs"]
        lines = lines.split("\n")
        self.assertEqual(len(lines), 5, "all, departments, members, tags, contact changes")
        department = [line for line in lines if line.startswith("Departments")][0]
        self.assertRegex(department, r"^Departments: Success, \d{4}-\d\d-\d\d \d\d:\d\d, 20 of 20 records, 0 failed$")

    def test_runs_and_messages_are_graphed_by_status(self):
        import xml.etree.ElementTree as ET
        for model, date_field in (("wecom.sync.log", "start_date"), ("wecom.message", "create_date")):
            arch = ET.fromstring(self.env[model].fields_view_get(view_type="graph")["arch"])
            self.assertEqual([(f.get("name"), f.get("type")) for f in arch.findall("field")],
                             [(date_field, "row"), ("status", "col")], model)
            self.assertIsNone(arch.find("field[@type='measure']"), "a count of runs or messages")
        self.assertEqual(self.env.ref("wecom_integration.wecom_message_action").view_mode, "tree,form,graph,pivot")
