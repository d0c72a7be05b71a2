"""Did she get it? Every message keeps, per member, how it reached them (directly, a department,
a tag, @all) or why it did not, and each message/send call WeCom's answer, as records."""
from .message_common import MessageCase


class TestRecipients(MessageCase):

    def member(self, userid):
        return self.env["wecom.user"].search([("userid", "=", userid)])

    def outcome(self, message, userid):
        """(state, reason, how) of one member of a message."""
        recipient = message.recipient_ids.filtered(lambda r: r.member_id.userid == userid)
        self.assertEqual(len(recipient), 1, "%s should be a recipient once" % userid)
        return recipient.state, recipient.reason or None, recipient.via_display

    def test_a_department_and_a_tag_reach_her_and_her_messages_say_so(self):
        card = self.Message.send_message("textcard", "<div class=\"normal\">本周门店通知</div>", title="门店通知",
                                         url="https://example.com/notice/1", to_departments=[8])
        markdown = self.Message.send_message("markdown", "**店长会议** 周五 10:00", to_tags=[1])
        direct = self.Message.send_message("text", "早会", to_users=["zhangwei"])
        self.assertEqual(self.outcome(card, "lina"), ("delivered", None, "Department: 北京朝阳店"))
        self.assertEqual(self.outcome(card, "wangqiang")[0], "delivered", "a second department counts too")
        self.assertEqual(self.outcome(markdown, "lina"), ("delivered", None, "Tag: 店长"))
        # searching the messages by member finds both, and not the one to someone else (read as
        # committed: the outbox records through a cursor of its own)
        committed = card.env
        found = committed["wecom.message"].search([("recipient_ids.member_id.name", "ilike", "李娜")])
        self.assertEqual(found & (card | markdown | direct), card | markdown)
        lina = committed["wecom.user"].search([("userid", "=", "lina")])
        self.assertEqual(lina.message_count, 2)
        self.assertEqual(card.delivered_count, len(self.env["wecom.department"].search(
            [("wecom_id", "=", 8)]).member_ids))

    def test_a_sub_department_and_the_tag_departments_are_expanded(self):
        message = self.Message.send_message("text", "华北区周报", to_departments=[2])
        self.assertEqual(self.outcome(message, "lina"), ("delivered", None, "Department: 华北区"))
        tag = self.Message.send_message("text", "华东门店盘点", to_tags=[2])
        self.assertEqual(self.outcome(tag, "zhuhong"), ("delivered", None, "Tag: 华东门店"))

    def test_named_directly_counts_as_direct(self):
        message = self.Message.send_message("text", "盘点", to_users=["lina"], to_departments=[8])
        self.assertEqual(self.outcome(message, "lina"), ("delivered", None, "Directly"))
        self.assertEqual(self.outcome(message, "sunhao")[2], "Department: 北京朝阳店")

    def test_disabled_and_not_activated_members_are_not_reached(self):
        message = self.Message.send_message("text", "早会", to_users=["zhangwei", "liangchen"], to_departments=[9])
        self.assertEqual(message.status, "partial")
        self.assertEqual(self.outcome(message, "liangchen")[:2], ("not_delivered", "disabled"))
        self.assertEqual(self.outcome(message, "zhengshuang")[:2], ("not_delivered", "not_activated"))
        self.assertEqual(self.outcome(message, "wuyong")[:2], ("delivered", None))
        self.assertEqual(message.call_ids.invalid_member_ids, self.member("liangchen"),
                         "WeCom's answer, as members")

    def test_outside_the_visible_range(self):
        self.emulator.app.visible_parties = [3]  # 华东区 only
        message = self.Message.send_message("text", "通知", to_users=["lina", "zhuhong"], to_departments=[8, 11])
        self.assertEqual(message.status, "partial")
        self.assertEqual(self.outcome(message, "lina")[:2], ("not_delivered", "outside_range"))
        self.assertEqual(self.outcome(message, "sunhao")[:2], ("not_delivered", "outside_range"),
                         "through a department WeCom refused")
        self.assertEqual(self.outcome(message, "zhuhong")[:2], ("delivered", None))
        self.assertEqual(self.outcome(message, "heqiang")[:2], ("delivered", None))
        self.assertEqual(message.call_ids.invalid_department_ids.mapped("wecom_id"), [8])
        self.assertEqual(message.not_delivered_count, len(message.recipient_ids.filtered(
            lambda r: r.state == "not_delivered")))

    def test_unlicensed(self):
        self.emulator.app.unlicensed_users = ["sunhao"]
        message = self.Message.send_message("text", "通知", to_departments=[8])
        self.assertEqual(self.outcome(message, "sunhao")[:2], ("not_delivered", "unlicensed"))
        self.assertEqual(message.call_ids.unlicensed_member_ids, self.member("sunhao"))
        self.assertEqual(self.outcome(message, "lina")[:2], ("delivered", None))

    def test_a_refused_call_reaches_nobody_and_a_recall_takes_it_back(self):
        self.emulator.inject_fault("message/send", kind="errcode", errcode=48002, count=1)
        refused = self.Message.send_message("text", "通知", to_users=["lina"])
        self.assertEqual(refused.status, "failed")
        self.assertEqual(self.outcome(refused, "lina")[:2], ("not_delivered", "failed"))
        self.assertEqual(refused.call_ids.errcode, 48002)
        sent = self.Message.send_message("text", "通知", to_users=["lina", "sunhao"])
        sent.recall()
        self.assertEqual(set(sent.recipient_ids.mapped("state")), {"recalled"})

    def test_everyone(self):
        message = self.Message.send_message("text", "全员通知", to_all=True)
        active = self.env["wecom.user"].search([])
        self.assertEqual(message.recipient_ids.mapped("member_id"), active)
        self.assertEqual(self.outcome(message, "lina"), ("delivered", None, "Everyone (@all)"))
        self.assertEqual(self.outcome(message, "liangchen")[:2], ("not_delivered", "disabled"))

    def test_calls_of_a_big_message_each_keep_their_answer(self):
        self.emulator.app.visible_parties = [3]
        userids = self.env["wecom.user"].search([("status", "=", "1")]).mapped("userid")
        calls = self.Message._plan_calls(list(range(1, len(userids) + 1)), userids, self.env["wecom.department"],
                                         self.env["wecom.tag"], False)
        self.assertEqual(len(calls), 1)
        message = self.Message.send_message("text", "通知", to_users=userids)
        self.assertEqual(len(message.call_ids), 1)
        refused = message.call_ids.invalid_member_ids
        self.assertTrue(refused and "lina" in refused.mapped("userid"))
        self.assertEqual(message.recipient_ids.filtered(lambda r: r.reason == "outside_range").mapped("member_id"),
                         refused)

    def test_the_odoo_user_counts_the_messages_of_their_member(self):
        lina = self.member("lina")
        user = self.env["res.users"].create({"name": "李娜", "login": "lina-recipients@example.com"})
        lina.sudo().odoo_user_id = user
        self.Message.send_message("text", "通知", to_departments=[8])
        self.assertEqual(user.wecom_message_count, 1)
        self.assertEqual(self.env["wecom.message.recipient"].search([("odoo_user_id", "=", user.id)]).member_id, lina)
