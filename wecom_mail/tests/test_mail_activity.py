"""An activity reaches its assignee's WeCom member as a template card linking to the document."""
import logging

from odoo.tests.common import TransactionCase, at_install, post_install

from odoo.addons.wecom_integration.compat import record_url
from odoo.addons.wecom_integration.models.wecom_config import login_url
from odoo.addons.wecom_integration.tests.common import EmulatorMixin, make_user

from .common import BridgeCase


class TestActivityCards(BridgeCase):

    def test_activity_for_a_linked_user_reaches_their_member_with_the_link(self):
        activity = self.schedule(self.lina, note="<p>请在周五前回复</p>")
        [card] = self.cards("lina")
        link = login_url(self.odoo, record_url("", self.partner))
        self.assertIn("/wecom/login?redirect=/web%23id=" + str(self.partner.id) + "%26model=res.partner", link)
        self.assertEqual(card["card_type"], "text_notice")
        self.assertEqual(card["source"]["desc"], "From Administrator")
        self.assertEqual(card["main_title"], {"title": "Call: 朝阳商户", "desc": "确认合同条款"})
        self.assertEqual(card["emphasis_content"], {"title": "12/01/2026", "desc": "Activity deadline"})
        self.assertEqual(card["sub_title_text"], "请在周五前回复")
        self.assertEqual(card["jump_list"], [{"type": 1, "title": "Open in Odoo", "url": link}])
        self.assertEqual(card["card_action"], {"type": 1, "url": link})
        [message] = self.bridge_messages("activity")
        self.assertEqual((message.status, message.message_type, message.business_id),
                         ("sent", "template_card", str(activity.id)))
        self.assertEqual((message.res_model, message.res_id), ("res.partner", self.partner.id),
                         "findable from the document")
        self.assertEqual(message.sender_id, self.env.user, "sent for the user who scheduled it")
        self.assertEqual(message.member_ids.mapped("userid"), ["lina"])

    def test_the_link_opens_the_document_for_a_signed_in_user(self):
        self.schedule(self.lina)
        self.cr.commit()  # the test's writes become a savepoint the request starts from
        self.authenticate("wecom_mail_lina", "wecom_mail_lina-pw")
        answer = self.opener.get(self.cards("lina")[0]["card_action"]["url"], allow_redirects=False, timeout=20)
        self.assertEqual(answer.status_code, 303, answer.text[:300])
        self.assertEqual(answer.headers["Location"].split(self.odoo)[-1],
                         "/web#id=%s&model=res.partner&view_type=form" % self.partner.id)

    def test_an_activity_scheduled_in_the_web_client_is_sent_after_the_answer(self):
        """Over HTTP as the web client does it: the card is queued in the request's transaction and
        its job runs once the answer is built."""
        scheduler = make_user(self.env, "wecom_mail_scheduler", "base.group_partner_manager", name="王经理")
        self.call_kw("wecom_mail_scheduler", "mail.activity", "create", {
            "res_model_id": self.env.ref("base.model_res_partner").id, "res_id": self.partner.id,
            "activity_type_id": self.call.id, "summary": "回访客户", "user_id": self.zhang.id})
        [card] = self.cards("zhangwei")
        self.assertEqual(card["main_title"]["desc"], "回访客户")
        self.assertEqual(card["source"]["desc"], "From 王经理")
        self.assertEqual(self.bridge_messages("activity").sender_id, scheduler)

    def test_nothing_is_sent_or_recorded_for_a_user_without_a_member(self):
        activity = self.schedule(self.stranger)
        self.assertTrue(activity.exists())
        self.assertFalse(self.bridge_messages("activity"))
        self.assertEqual(self.emulator.calls("message/send"), 0)

    def test_nothing_is_sent_for_an_activity_scheduled_for_oneself(self):
        self.env["wecom.user"].create({"userid": "wangqiang", "name": "王强", "status": "1",
                                       "odoo_user_id": self.env.user.id})
        self.schedule(self.env.user)
        self.assertFalse(self.bridge_messages("activity"))

    def test_reassignment_sends_to_the_new_assignee_only(self):
        activity = self.schedule(self.lina)
        activity.write({"summary": "确认合同条款（修订）"})  # not a reassignment
        self.assertEqual(len(self.cards("lina")), 1)
        activity.write({"user_id": self.zhang.id})
        [card] = self.cards("zhangwei")
        self.assertEqual(card["main_title"]["desc"], "确认合同条款（修订）")
        self.assertEqual(len(self.cards("lina")), 1, "the previous assignee is not told again")
        activity.write({"user_id": self.zhang.id})  # the same assignee again
        self.assertEqual(len(self.cards("zhangwei")), 1)
        activity.write({"user_id": self.stranger.id})
        self.assertEqual(len(self.bridge_messages("activity")), 2)

    def test_the_card_is_worded_in_the_assignees_language(self):
        self.load_chinese()
        self.lina.lang = "zh_CN"
        self.schedule(self.lina)
        self.schedule(self.zhang, summary="Confirm the terms")
        [chinese] = self.cards("lina")
        self.assertEqual(chinese["source"]["desc"], "来自 Administrator")
        self.assertEqual(chinese["main_title"]["title"], "电话：朝阳商户")
        self.assertEqual(chinese["emphasis_content"], {"title": "2026年12月01日", "desc": "活动截止日期"})
        self.assertEqual(chinese["jump_list"][0]["title"], "在 Odoo 中打开")
        [english] = self.cards("zhangwei")
        self.assertEqual(english["main_title"]["title"], "Call: 朝阳商户")
        self.assertEqual(english["emphasis_content"], {"title": "12/01/2026", "desc": "Activity deadline"})

    def test_long_texts_are_cut_to_what_wecom_shows(self):
        self.partner.name = "北京朝阳区建国路八十八号" * 10
        self.schedule(self.lina, summary="确认合同条款" * 50, note="<p>%s</p>" % ("请在周五前回复。" * 60))
        [card] = self.cards("lina")
        self.assertEqual(len(card["main_title"]["title"]), 36)
        self.assertTrue(card["main_title"]["title"].endswith("…"))
        self.assertEqual(len(card["main_title"]["desc"]), 44)
        self.assertEqual(len(card["sub_title_text"]), 160)
        self.assertEqual(self.bridge_messages("activity").status, "sent")

    def test_wecom_failures_never_break_scheduling(self):
        self.emulator.inject_fault("message/send", kind="errcode", errcode=60020, count=0)
        activity = self.schedule(self.lina)
        self.assertTrue(activity.exists())
        message = self.bridge_messages("activity")
        self.assertEqual((message.status, message.errcode), ("failed", 60020), "the outbox records it")

    def test_without_wecom_settings_nothing_is_sent_and_a_line_is_logged(self):
        self.set_wecom_params(corp_id="", secret="")
        with self.assertLogs("odoo.addons.wecom_mail", logging.INFO) as logged:
            activity = self.schedule(self.lina)
        self.assertTrue(activity.exists())
        self.assertIn("WeCom is not configured", logged.output[0])
        self.assertFalse(self.bridge_messages("activity"))

    def test_a_card_that_cannot_be_built_is_logged_and_scheduling_goes_on(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "")  # no full link for the card
        with self.assertLogs("odoo.addons.wecom_mail", logging.ERROR) as logged:
            activity = self.schedule(self.lina)
        self.assertTrue(activity.exists())
        self.assertIn("could not be queued for WeCom", logged.output[0])
        self.assertFalse(self.bridge_messages("activity"))
        self.assertEqual(self.emulator.calls("message/send"), 0)


@at_install(False)
@post_install(True)
class TestActivityTransaction(EmulatorMixin, TransactionCase):
    """Outside Odoo's test mode, as in production: the card is queued in the scheduling
    transaction and sent by the outbox job once that commits."""

    def test_the_card_waits_for_the_commit_and_a_rollback_sends_nothing(self):
        user = make_user(self.env, "wecom_mail_tx", name="李娜", lang="en_US")
        self.env["wecom.user"].create({"userid": "lina", "name": "李娜", "status": "1", "odoo_user_id": user.id})
        partner = self.env["res.partner"].create({"name": "朝阳商户"})
        self.env["mail.activity"].create({"res_model_id": self.env.ref("base.model_res_partner").id,
                                          "res_id": partner.id, "user_id": user.id, "summary": "回访"})
        message = self.env["wecom.message"].search([("business_type", "=", "activity")])
        self.assertEqual(message.status, "queued")
        self.assertEqual(self.emulator.calls("message/send"), 0, "the user's transaction never waits on WeCom")
        self.env.cr.execute("SELECT state FROM wecom_job WHERE job_type = 'message' AND res_id = %s", (message.id,))
        self.assertEqual(self.env.cr.fetchall(), [("pending",)], "its job belongs to the same transaction")
        with self.registry.cursor() as other:
            other.execute("SELECT count(*) FROM wecom_message WHERE id = %s", (message.id,))
            self.assertEqual(other.fetchone()[0], 0, "nothing exists for WeCom until the transaction commits")
