"""The core's short card terms keep their own translation once mail is installed: Odoo 11's _() takes
the first module's translation of the same English text, and mail translates "View" as 视图 (a view,
not 查看详情); the core routes such terms through compat.own_term."""
from .common import BridgeCase


class TestCoreTermsWithMail(BridgeCase):

    def test_the_core_card_button_keeps_its_own_chinese(self):
        self.load_chinese()
        competing = self.env["ir.translation"].search([("src", "=", "View"), ("lang", "=", "zh_CN"),
                                                       ("type", "=", "code"), ("module", "!=", "wecom_integration")])
        self.assertTrue(competing.filtered(lambda t: t.value != "查看详情"), "mail translates View otherwise")
        self.lina.lang = "zh_CN"
        message = self.env["wecom.message"].send_approval_notification(
            approval_title="报店审批", approval_content="北京朝阳店报店申请待您审批",
            approval_url="https://example.com/approval/123", approver_ids=[self.lina.id], approval_id=123)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(self.cards("lina")[0]["btntxt"], "查看详情")
