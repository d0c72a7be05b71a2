from contextlib import closing

import odoo
from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests.common import get_db_name

from .. import cursors as own_cursor

from .common import CommittedUsersMixin
from .message_common import MessageCase


class TestSendMessage(MessageCase):

    def test_text_to_members(self):
        message = self.Message.send_message("text", "系统维护通知：今晚22:00-24:00进行系统维护",
                                            to_users=["zhangwei", "LiNa"], business_type="notice", business_id=7)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(message._direct_userids(), ["zhangwei", "lina"])
        self.assertEqual(message._msgids(), [self.last_sent()["msgid"]])
        self.assertEqual(message.call_ids.mapped("msgid"), [self.last_sent()["msgid"]])
        self.assertEqual((message.business_type, message.business_id), ("notice", "7"))
        self.assertTrue(message.sent_date)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(self.inbox("lina")[0]["payload"]["content"], "系统维护通知：今晚22:00-24:00进行系统维护")
        self.assertEqual(self.last_sent()["request"]["enable_duplicate_check"], 1)

    def test_every_type(self):
        cases = [
            ("text", dict(content="你好")),
            ("markdown", dict(content="**本周销售**：`120万`")),
            ("textcard", dict(content="<div class=\"gray\">2026-11-25</div>", title="审批通知",
                              url="https://example.com/approval/123", btntxt="查看")),
            ("news", dict(content=None, articles=[{"title": "新店开业", "url": "https://example.com/news/1",
                                                   "description": "北京朝阳店开业"}])),
        ]
        for message_type, kwargs in cases:
            content = kwargs.pop("content")
            message = self.Message.send_message(message_type, content, to_departments=[8], **kwargs)
            self.assertEqual(message.status, "sent", "%s: %s" % (message_type, message.errmsg))
            self.assertEqual(self.last_sent()["msgtype"], message_type)
        self.assertEqual(self.inbox("lina")[0]["msgtype"], "news", "a member of 北京朝阳店 got them all")

    def test_departments_tags_and_records(self):
        store = self.env["wecom.department"].search([("wecom_id", "=", 8)])
        tag = self.env["wecom.tag"].search([("wecom_id", "=", 1)])
        member = self.env["wecom.user"].search([("userid", "=", "zhangwei")])
        message = self.Message.send_message("text", "盘点", to_users=member, to_departments=store, to_tags=tag)
        self.assertEqual(message.status, "sent")
        self.assertEqual((message.call_ids.department_ids, message.call_ids.tag_ids), (store, tag))
        self.assertEqual(message.member_ids, member)

    def test_partial_delivery_records_invalid_recipients(self):
        message = self.Message.send_message("text", "早会", to_users=["zhangwei", "liangchen"])
        self.assertEqual(message.status, "partial")
        self.assertEqual(message.call_ids.invalid_member_ids.mapped("userid"), ["liangchen"],
                         "a disabled member cannot receive")

    def test_all_recipients_invalid_fails_at_once(self):
        message = self.Message.send_message("text", "早会", to_users=["liangchen"])
        self.assertEqual(message.status, "failed")
        self.assertEqual(message.errcode, 81013, message.call_ids.mapped("answer"))
        self.assertEqual(message.call_ids.mapped("state"), ["failed"])
        self.assertIn("81013", message.errmsg)
        self.assertFalse(message.next_attempt, "a permanent failure is not retried")

    def test_at_all_only_when_asked(self):
        message = self.Message.send_message("text", "全员通知", to_all=True)
        self.assertTrue(message.to_all)
        self.assertEqual(self.last_sent()["request"]["touser"], "@all")
        self.assertGreater(len(self.last_sent()["recipients"]), 40)

    def test_validation_errors_send_and_record_nothing(self):
        long_text = "测" * 683  # 2049 bytes
        cases = [
            (dict(message_type="voice_call", content="x", to_users=["lina"]), "Unknown message type"),
            (dict(message_type="text", content="  ", to_users=["lina"]), "content"),
            (dict(message_type="text", content=long_text, to_users=["lina"]), "2048"),
            (dict(message_type="textcard", content="x", url="https://e.com", to_users=["lina"]), "title"),
            (dict(message_type="textcard", content="x", title="t", to_users=["lina"]), "link"),
            (dict(message_type="textcard", content="x", title="t", url="e.com/x", to_users=["lina"]), "http"),
            (dict(message_type="textcard", content="x", title="t", url="https://e.com", btntxt="查看详情啊",
                  to_users=["lina"]), "4"),
            (dict(message_type="text", content="x"), "No recipients"),
            (dict(message_type="text", content="x", to_users=["nobody", "lina"]), "nobody"),
            (dict(message_type="text", content="x", to_departments=[999]), "999"),
            (dict(message_type="text", content="x", to_tags=[77]), "77"),
            (dict(message_type="text", content="x", to_departments=["abc"]), "numeric"),
            (dict(message_type="text", content="x", to_users=["@all"]), "@all"),
            (dict(message_type="text", content="x", to_all=True, to_users=["lina"]), "everyone"),
        ]
        for kwargs, expected in cases:
            with self.assertRaises(UserError, msg=str(kwargs)) as caught:
                self.Message.send_message(**kwargs)
            self.assertIn(expected, caught.exception.name, kwargs)
        self.assertEqual(self.emulator.calls("message/send"), 0)
        self.assertEqual(self.committed_messages(), [])

    def test_delivered_message_stays_recorded_when_the_caller_rolls_back(self):
        with self.assertRaises(ZeroDivisionError):
            with self.env.cr.savepoint():
                message = self.Message.send_message("text", "已发送", to_users=["lina"])
                raise ZeroDivisionError("the caller fails after sending")
        self.assertEqual(self.committed_messages(), [(message.id, "sent")])

    def test_queued_message_belongs_to_the_caller_transaction(self):
        message = self.Message.send_message("text", "稍后发送", to_users=["lina"], queue=True)
        self.assertEqual(message.status, "queued")
        self.assertEqual(self.emulator.calls("message/send"), 0)
        self.assertEqual(self.committed_messages(), [], "not queued until the caller commits")


class TestUsersAndHelpers(CommittedUsersMixin, MessageCase):
    """Odoo users linked to WeCom members before the tests, as the sync would have done."""

    USERS = {"lina": (), "zhangwei": (), "contractor": ()}

    @classmethod
    def setUpClass(cls):
        super(TestUsersAndHelpers, cls).setUpClass()
        with closing(odoo.registry(get_db_name()).cursor()) as cr:
            for userid in ("lina", "zhangwei"):
                cr.execute("UPDATE wecom_user SET odoo_user_id = %s WHERE userid = %s", (cls.user_ids[userid][0], userid))
            cr.commit()

    def setUp(self):
        super(TestUsersAndHelpers, self).setUp()
        self.lina, self.zhang, self.other = (self.committed_user(name) for name in ("lina", "zhangwei", "contractor"))

    def load_chinese(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration"], ["zh_CN"])
        return self.Message.with_context(lang="zh_CN")

    def test_send_to_users_reports_unlinked_users(self):
        message = self.Message.send_to_users([self.lina.id, self.other.id], "text", "请确认排班")
        self.assertEqual(message.status, "partial", "one intended recipient has no WeCom member")
        self.assertEqual(message.member_ids.mapped("userid"), ["lina"])
        self.assertIn("wecom_test_contractor", message.unlinked_users)
        self.assertEqual(self.inbox("lina")[0]["payload"]["content"], "请确认排班")

    def test_send_to_users_without_any_link_is_recorded_as_failed(self):
        message = self.Message.send_to_users([self.other.id], "text", "请确认排班")
        self.assertEqual(message.status, "failed")
        self.assertIn("None of the recipients", message.errmsg)
        self.assertEqual(self.emulator.calls("message/send"), 0)

    def test_send_to_users_bad_ids(self):
        with self.assertRaises(UserError):
            self.Message.send_to_users([999999], "text", "x")
        with self.assertRaises(UserError):
            self.Message.send_to_users([], "text", "x")

    def test_approval_notification_as_in_the_original_example(self):
        self.load_chinese()
        (self.lina | self.zhang).write({"lang": "zh_CN"})
        message = self.Message.send_approval_notification(  # the caller works in English
            approval_title="报店审批", approval_content="北京朝阳店报店申请待您审批",
            approval_url="https://example.com/approval/123", approver_ids=[self.lina.id, self.zhang.id],
            approval_id=123)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual((message.business_type, message.business_id), ("approval", "123"))
        card = self.inbox("zhangwei")[0]["payload"]
        self.assertEqual(card["title"], "审批通知：报店审批")
        self.assertIn("北京朝阳店报店申请待您审批", card["description"])
        self.assertEqual(card["url"], "https://example.com/approval/123")
        self.assertEqual(card["btntxt"], "查看详情")

    def test_milestone_reminder_as_in_the_original_example(self):
        self.load_chinese()
        self.lina.write({"lang": False})  # no language of her own: the setting's
        self.set_wecom_params(message_lang="zh_CN")
        message = self.Message.send_milestone_reminder(
            milestone_name="装修验收", store_name="北京朝阳店", due_date="2026-12-01",
            reminder_url="https://example.com/milestone/456", recipient_ids=[self.lina.id],
            construction_order_id=456)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual((message.business_type, message.business_id), ("milestone", "456"))
        card = self.inbox("lina")[0]["payload"]
        self.assertEqual(card["title"], "里程碑提醒：装修验收")
        self.assertIn("门店：北京朝阳店", card["description"])
        self.assertIn("截止日期：2026-12-01", card["description"])
        self.assertEqual(card["url"], "https://example.com/milestone/456")

    def test_business_messages_are_worded_in_each_recipients_language(self):
        Message = self.load_chinese()  # the caller works in Chinese
        self.lina.write({"lang": "zh_CN"})
        self.zhang.write({"lang": "en_US"})
        messages = Message.send_approval_notification(
            approval_title="报店审批", approval_content="北京朝阳店报店申请待您审批",
            approval_url="https://example.com/approval/123", approver_ids=[self.lina.id, self.zhang.id],
            approval_id=123)
        self.assertEqual(len(messages), 2, "one message per language")
        self.assertEqual(self.inbox("lina")[0]["payload"]["title"], "审批通知：报店审批")
        self.assertEqual(self.inbox("zhangwei")[0]["payload"]["title"], "Approval request: 报店审批")
        self.assertEqual(self.inbox("zhangwei")[0]["payload"]["btntxt"], "View")
        partner = self.env["res.partner"].create({"name": "朝阳商户", "user_id": self.zhang.id})
        self.assertEqual(len(Message.notify_record_users(partner, user_field="user_id")), 1)
        card = self.inbox("zhangwei")[0]["payload"]
        self.assertEqual((card["description"], card["btntxt"]), ("朝阳商户 needs your attention.", "View"))

    def test_the_message_language_defaults_to_the_companys(self):
        self.load_chinese()
        config = self.env["wecom.config"]
        self.env.user.company_id.partner_id.lang = "zh_CN"
        self.assertEqual(config._get_message_lang(), "zh_CN")
        self.set_wecom_params(message_lang="en_US")
        self.assertEqual(config._get_message_lang(), "en_US")
        self.set_wecom_params(message_lang="xx_XX")  # not installed: the company's
        self.assertEqual(config._get_message_lang(), "zh_CN")

    def test_notify_record_users_for_automated_actions(self):
        partner = self.env["res.partner"].create({"name": "朝阳商户", "user_id": self.lina.id})
        ids = self.Message.notify_record_users(partner, user_field="user_id")
        self.assertEqual(len(ids), 1)
        card = self.inbox("lina")[0]["payload"]
        self.assertEqual(card["title"], "朝阳商户")
        self.assertIn("model=res.partner", card["url"])
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT res_model, res_id FROM wecom_message WHERE id = %s", (ids[0],))
            self.assertEqual(cr.fetchone(), ("res.partner", partner.id))
        partner.name = "朝阳商户二号"
        self.env.ref("wecom_integration.wecom_notify_salesperson_action_server").with_context(
            active_model="res.partner", active_ids=partner.ids, active_id=partner.id).run()
        self.assertEqual(self.inbox("lina")[0]["payload"]["title"], "朝阳商户二号")

    def test_same_message_twice_is_dropped_by_wecom(self):
        """WeCom's duplicate check (30 minutes by default) is on, so that retries never deliver twice."""
        first = self.Message.send_message("text", "请来开会", to_users=["lina"])
        second = self.Message.send_message("text", "请来开会", to_users=["lina"])
        self.assertEqual((first.status, second.status), ("sent", "sent"))
        self.assertEqual([m["status"] for m in self.emulator.messages], ["delivered", "suppressed"])
        self.set_wecom_params(duplicate_check_interval="0")
        self.Message.send_message("text", "请来开会", to_users=["lina"])
        self.assertEqual(self.emulator.messages[-1]["status"], "delivered")
        self.assertEqual(len(self.inbox("lina")), 2)

    def test_recipients_locked_by_the_caller_fall_back_to_its_transaction(self):
        """The caller linked a member and sends in the same transaction: no self-deadlock."""
        self.patch(own_cursor, "LOCK_TIMEOUT_MS", 200)
        member = self.env["wecom.user"].search([("userid", "=", "wangqiang")])
        member.odoo_user_id = self.other  # locks the member's row in this transaction
        message = self.Message.send_to_users([self.other.id], "text", "同一事务")
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(self.inbox("wangqiang")[0]["payload"]["content"], "同一事务")
        self.assertEqual(self.committed_messages(), [], "recorded in the caller's transaction")
        self.assertTrue(message.exists())


class TestMessageAccess(CommittedUsersMixin, MessageCase):

    USERS = {"viewer": ("wecom_group_message_view",), "sender": ("wecom_group_message_send",),
             "sender2": ("wecom_group_message_send",), "manager": ("wecom_group_manager",), "stranger": ()}

    def as_user(self, name):
        """As that user (the messages it sends come back readable although committed since)."""
        return self.Message.sudo(self.committed_user(name))

    def test_senders_see_their_own_messages_only(self):
        mine = self.as_user("sender").send_message("text", "我的", to_users=["lina"]).id
        theirs = self.as_user("sender2").send_message("text", "别人的", to_users=["zhangwei"]).id
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sender, viewer = (env["res.users"].browse(self.user_ids[n][0]) for n in ("sender", "viewer"))
            self.assertEqual(env["wecom.message"].sudo(sender).search([]).ids, [mine])
            self.assertEqual(sorted(env["wecom.message"].sudo(viewer).search([]).ids), sorted([mine, theirs]))
            with self.assertRaises(AccessError):
                env["wecom.message"].sudo(sender).browse(theirs).read(["content"])

    def test_recall_by_its_sender_or_a_manager_who_is_recorded(self):
        first = self.as_user("sender").send_message("text", "发错了", to_users=["lina"])
        with self.assertRaises(AccessError):
            first.sudo(self.user_ids["sender2"][0]).recall()
        self.assertFalse(any(m["recalled"] for m in self.emulator.messages), "nothing recalled")
        first.sudo(self.user_ids["sender"][0]).recall()
        second = self.as_user("sender2").send_message("text", "也发错了", to_users=["zhangwei"])
        second.sudo(self.user_ids["manager"][0]).recall()
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT id, status, recalled_by_id, recalled_date IS NOT NULL FROM wecom_message ORDER BY id")
            self.assertEqual(cr.fetchall(), [(first.id, "recalled", self.user_ids["sender"][0], True),
                                             (second.id, "recalled", self.user_ids["manager"][0], True)])

    def test_send_to_users_checks_the_message_before_recording_anything(self):
        stranger = self.user_ids["stranger"][0]  # not linked to any member
        with self.assertRaises(UserError):
            self.as_user("sender").send_to_users([stranger], "text", "")
        with self.assertRaises(UserError):
            self.as_user("sender").send_to_users([stranger], "textcard", "no title", url="https://example.com")
        self.assertEqual(self.committed_messages(), [])

    def test_sending_needs_the_send_group(self):
        for name in ("viewer", "stranger"):
            Message = self.Message.sudo(self.committed_user(name))
            with self.assertRaises(AccessError):
                Message.send_message("text", "x", to_users=["lina"])
            with self.assertRaises(AccessError):
                Message.send_to_users([self.committed_user("sender").id], "text", "x")
        self.assertEqual(self.emulator.calls("message/send"), 0)
        message = self.Message.sudo(self.committed_user("sender")).send_message("text", "可以发", to_users=["lina"])
        self.assertEqual(message.status, "sent")

    def test_history_is_for_the_view_group(self):
        self.Message.send_message("text", "历史", to_users=["lina"])
        # the test transaction is older than the message: read it as a new request would
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            viewer, stranger = (env["res.users"].browse(self.user_ids[n][0]) for n in ("viewer", "stranger"))
            self.assertEqual(env["wecom.message"].sudo(viewer).search_count([]), 1)
            with self.assertRaises(AccessError):
                env["wecom.message"].sudo(stranger).search([])
            message = env["wecom.message"].sudo(viewer).search([])
            with self.assertRaises(AccessError):
                message.retry()


class TestComposeWizard(MessageCase):

    def test_from_the_members_list(self):
        members = self.env["wecom.user"].search([("userid", "in", ["lina", "zhangwei"])])
        wizard = self.env["wecom.message.compose"].with_context(
            active_model="wecom.user", active_ids=members.ids).create({"content": "你好", "message_type": "text"})
        self.assertEqual(wizard.member_ids, members)
        self.assertTrue(wizard.size_ok)
        self.assertIn("6 / 2048", wizard.size_report)
        action = wizard.action_send()
        self.assertEqual((action["res_model"], action["target"]), ("wecom.message", "current"),
                         "stacked on the members list it came from")
        self.assertEqual(len(self.inbox("lina")), 1)

    def test_nothing_typed_is_no_size_error_and_the_menu_replaces_the_screen(self):
        Compose = self.env["wecom.message.compose"]
        for message_type in ("text", "textcard", "markdown"):
            wizard = Compose.new({"message_type": message_type})
            self.assertTrue(wizard.size_ok, "not red before anything is typed (%s)" % message_type)
            self.assertNotIn("✗", wizard.size_report)
        wizard = Compose.create({"message_type": "text", "content": "你好",
                                 "member_ids": [(6, 0, self.env["wecom.user"].search([("userid", "=", "lina")]).ids)]})
        action = wizard.action_send()  # opened from the Messages menu: no active record
        self.assertEqual(action["target"], "main", "the message replaces the screen the wizard was opened over")

    def test_from_a_department_with_a_card_over_the_limit(self):
        store = self.env["wecom.department"].search([("wecom_id", "=", 8)])
        wizard = self.env["wecom.message.compose"].with_context(
            active_model="wecom.department", active_ids=store.ids).create(
            {"message_type": "textcard", "title": "标" * 43, "content": "x", "url": "https://e.com"})
        self.assertEqual(wizard.department_ids, store)
        self.assertFalse(wizard.size_ok, "129 bytes of title: over WeCom's 128")
        self.assertIn("✗", wizard.size_report)
        with self.assertRaises(UserError):
            wizard.action_send()
        self.assertEqual(self.emulator.calls("message/send"), 0)


class TestMessageScreens(MessageCase):

    def test_error_codes_are_shown_as_wecom_writes_them(self):
        message = self.Message.new({"errcode": 60020})
        self.assertEqual(message.errcode_text, "60020", "not 60,020")
        self.assertFalse(self.Message.new({"errcode": 0}).errcode_text)
        arch = self.Message.fields_view_get(view_type="form")["arch"]
        self.assertIn('name="errcode_text"', arch)

    def test_a_member_has_a_kanban_card_a_picture_and_a_send_button(self):
        import xml.etree.ElementTree as ET
        Member = self.env["wecom.user"]
        kanban = ET.fromstring(Member.fields_view_get(view_type="kanban")["arch"])
        self.assertTrue(kanban.findall(".//img"), "cards show the member's picture")
        form = ET.fromstring(Member.fields_view_get(view_type="form")["arch"])
        compose = self.env.ref("wecom_integration.wecom_message_compose_action")
        [button] = [b for b in form.iter("button") if b.get("name") == str(compose.id)]
        self.assertEqual(button.get("type"), "action")
        self.assertEqual(self.env.ref("wecom_integration.wecom_user_action").view_mode, "tree,kanban,form")
        member = Member.new({"userid": "x", "name": "x", "avatar": "https://wework.qpic.cn/a.png"})
        self.assertIn('src="https://wework.qpic.cn/a.png"', member.avatar_html)
        self.assertFalse(Member.new({"userid": "y", "name": "y", "avatar": "javascript:alert(1)"}).avatar_html)
        wizard = self.env["wecom.message.compose"].with_context(
            active_model="wecom.user", active_ids=[self.member_id("lina")]).create(
            {"message_type": "text", "content": "从成员卡片发送"})
        self.assertEqual(wizard.member_ids.mapped("userid"), ["lina"])

    def member_id(self, userid):
        return self.env["wecom.user"].search([("userid", "=", userid)]).id
