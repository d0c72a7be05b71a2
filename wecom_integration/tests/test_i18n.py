from .common import WecomTransactionCase


class TestChineseTranslation(WecomTransactionCase):

    def test_zh_cn_translation_loads_and_applies(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration"], ["zh_CN"])
        zh = self.env(context=dict(self.env.context, lang="zh_CN"))
        action = zh["wecom.connection.test"]._run(zh["wecom.config"]._get_settings())
        summary = zh["wecom.connection.test"].browse(action["res_id"]).summary
        self.assertTrue(summary.startswith("连接正常。"), summary)
        self.assertIn("应用 Secret：", summary)
        self.assertEqual(action["name"], "企业微信连接测试")
        label = zh["res.config.settings"].fields_get(["wecom_corp_id"])["wecom_corp_id"]["string"]
        self.assertEqual(label, "企业ID")
