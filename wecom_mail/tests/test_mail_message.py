"""Odoo notifications on WeCom for the users who chose them (res.users.wecom_notify)."""
from odoo.exceptions import AccessError

from odoo.addons.wecom_integration.compat import record_url
from odoo.addons.wecom_integration.models.wecom_config import login_url

from .common import BridgeCase


class TestNotifications(BridgeCase):

    def setUp(self):
        super(TestNotifications, self).setUp()
        self.partner.message_subscribe(partner_ids=(self.lina | self.zhang | self.stranger).mapped("partner_id").ids)

    def post(self, body="请确认报价单", **values):
        return self.partner.message_post(body=body, message_type="comment", subtype="mail.mt_comment", **values)

    def texts(self, userid):
        return [card["content"] for card in self.cards(userid)]

    def test_off_by_default(self):
        self.assertEqual(self.lina.wecom_notify, "none")
        self.post()
        self.assertFalse(self.bridge_messages("mail.message"))
        self.assertEqual(self.emulator.calls("message/send"), 0)

    def test_on_a_followers_notification_also_goes_to_wecom_with_a_link(self):
        self.lina.wecom_notify = "notifications"
        self.stranger.wecom_notify = "notifications"  # no member: nothing for them
        posted = self.post()
        [text] = self.texts("lina")
        self.assertTrue(text.startswith("Administrator on 朝阳商户:\n请确认报价单\n"), text)
        self.assertIn('<a href="%s">Open in Odoo</a>' % login_url(self.odoo, record_url("", self.partner))
                      .replace("&", "&amp;"), text)
        self.assertEqual(self.texts("zhangwei"), [], "his preference is off")
        [message] = self.bridge_messages("mail.message")
        self.assertEqual((message.message_type, message.business_id, message.res_model, message.res_id),
                         ("text", str(posted.id), "res.partner", self.partner.id))
        self.assertEqual(message.member_ids.mapped("userid"), ["lina"])

    def test_inbox_users_and_mentions_are_notified_too(self):
        """Whatever Odoo notifies them by (e-mail or Inbox), and whoever names them on a message."""
        for user in (self.lina, self.zhang):
            user.write({"wecom_notify": "notifications", "notification_type": "inbox"})
        self.partner.message_unsubscribe(partner_ids=self.zhang.partner_id.ids)
        self.post(body="张伟请看一下", partner_ids=[(4, self.zhang.partner_id.id)])
        self.assertEqual(len(self.texts("lina")), 1)
        self.assertIn("张伟请看一下", self.texts("zhangwei")[0])
        self.assertEqual(len(self.bridge_messages("mail.message")), 1, "one message for both, same language")

    def test_the_author_is_not_notified_of_their_own_message(self):
        self.lina.wecom_notify = "notifications"
        self.partner.sudo(self.lina).message_post(body="我已处理", message_type="comment", subtype="mail.mt_comment")
        self.assertEqual(self.texts("lina"), [])

    def test_worded_in_each_recipients_language(self):
        self.load_chinese()
        (self.lina | self.zhang).write({"wecom_notify": "notifications"})
        self.lina.lang = "zh_CN"
        self.post()
        self.assertTrue(self.texts("lina")[0].startswith("Administrator 在 朝阳商户 上：\n请确认报价单\n"),
                        self.texts("lina")[0])
        self.assertIn(">在 Odoo 中打开</a>", self.texts("lina")[0])
        self.assertIn(">Open in Odoo</a>", self.texts("zhangwei")[0])
        self.assertEqual(len(self.bridge_messages("mail.message")), 2, "one message per language")

    def test_a_long_message_is_cut_to_what_wecom_takes(self):
        self.lina.wecom_notify = "notifications"
        self.post(body="<p>%s</p>" % ("报价单第一版内容。" * 200))
        [text] = self.texts("lina")
        self.assertLessEqual(len(text.encode("utf-8")), 2048)
        self.assertIn("…\n<a href=", text)

    def test_wecom_failures_never_break_posting(self):
        self.lina.wecom_notify = "notifications"
        self.emulator.inject_fault("message/send", kind="errcode", errcode=60020, count=0)
        posted = self.post()
        self.assertTrue(posted.exists())
        self.assertEqual(self.bridge_messages("mail.message").status, "failed")


class TestPreference(BridgeCase):

    def test_users_choose_for_themselves_in_their_preferences(self):
        self.lina.sudo(self.lina).write({"wecom_notify": "notifications"})
        self.assertEqual(self.lina.wecom_notify, "notifications")
        with self.assertRaises(AccessError):
            self.zhang.sudo(self.lina).write({"wecom_notify": "notifications"})
        view = self.env["res.users"].sudo(self.lina).fields_view_get(
            self.env.ref("base.view_users_form_simple_modif").id, "form")
        self.assertIn('name="wecom_notify"', view["arch"])

    def test_the_preferences_form_saves_it_over_http(self):
        self.call_kw("wecom_mail_lina", "res.users", "write", [self.lina.id], {"wecom_notify": "notifications"})
        self.lina.invalidate_cache()
        self.assertEqual(self.lina.wecom_notify, "notifications")


