"""Leave requests decided from WeCom, end to end over real HTTP: the employee asks in Odoo, the card
reaches the approver's inbox in the emulator, the emulator posts the tap to Odoo's app callback and
hr.holidays' own methods move the leave."""
from datetime import datetime, timedelta

import odoo
from odoo import fields

from odoo.addons.wecom_integration.models.wecom_config import APP_CALLBACK_PATH
from odoo.addons.wecom_integration.tests.common import EmulatorMixin, MirrorMixin, SharedCursorHttpCase, make_user

TOKEN = "leaveAppToken"
AES_KEY = "bWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
OFFICER = "hr_holidays.group_hr_holidays_user"
HR_MANAGER = "hr_holidays.group_hr_holidays_manager"


class LeaveCase(MirrorMixin, EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(LeaveCase, self).setUp()
        self.url = "http://127.0.0.1:%s%s" % (odoo.tools.config["http_port"], APP_CALLBACK_PATH)
        self.set_wecom_params(app_callback_token=TOKEN, app_callback_aes_key=AES_KEY)
        self.env["wecom.sync.service"].sync_all()
        self.cr.commit()
        self.emulator.set_app_callback(self.emulator.app.agent_id, self.url, TOKEN, AES_KEY)
        self.wang = self.linked("wangqiang", "leave_wang", OFFICER)          # the manager, a Leave Officer
        self.liu = self.linked("liuyan", "leave_liu", HR_MANAGER)            # HR: Leave Manager
        self.zhang = self.linked("zhangwei", "leave_zhang")                  # the employee
        self.boss = self.employee("王强", self.wang)
        self.staff = self.employee("张伟", self.zhang, parent_id=self.boss.id)
        self.sick = self.env["hr.holidays.status"].create({"name": "病假", "limit": True})

    def linked(self, userid, login, *groups):
        user = make_user(self.env, login, *groups, name=self.member(userid).name, tz="Asia/Shanghai",
                         email="%s@haolinju.example" % login)
        self.member(userid).odoo_user_id = user
        return user

    def employee(self, name, user, **values):
        return self.env["hr.employee"].create(dict(values, name=name, user_id=user.id))

    def ask_leave(self, status=None, employee=None, user=None):
        start = datetime(2026, 12, 7, 1, 0)
        leave = self.env["hr.holidays"].sudo(user or self.zhang).create({
            "name": "家里有事", "type": "remove", "holiday_status_id": (status or self.sick).id,
            "employee_id": (employee or self.staff).id, "number_of_days_temp": 2,
            "date_from": fields.Datetime.to_string(start),
            "date_to": fields.Datetime.to_string(start + timedelta(days=1, hours=8))})
        self.cr.commit()
        return leave.sudo()

    def approval(self, leave):
        self.env.cache.invalidate()
        return leave.wecom_approval_ids[:1]

    def click(self, approval, userid, key="approve"):
        self.cr.commit()
        msgid = approval.message_id.call_ids.mapped("msgid")[0]
        result = self.emulator.click(msgid, userid, key=key)
        self.env.cache.invalidate()
        failed = self.env["wecom.app.event"].search([("state", "!=", "done"),
                                                     ("event_type", "=", "template_card_event")])
        self.assertFalse(failed, failed.mapped("error_message"))
        return result

    def copy_of(self, approval, userid):
        record = self.emulator.message_center.by_msgid[approval.message_id.call_ids.mapped("msgid")[0]]
        return next(c for c in self.emulator.cards.describe(record)["recipients"] if c["userid"] == userid)

    def texts_to(self, userid):
        return [m["payload"]["content"] for m in self.emulator.inbox(userid) if m["msgtype"] == "text"]


class TestLeaveApproval(LeaveCase):

    def test_a_request_asks_the_manager_and_a_tap_approves_it(self):
        leave = self.ask_leave()
        approval = self.approval(leave)
        self.assertEqual((approval.state, approval.approver_ids), ("pending", self.wang))
        self.assertEqual(approval.requester_id, self.zhang)
        card = self.copy_of(approval, "wangqiang")["card"]
        self.assertIn("张伟", card["main_title"]["title"])
        lines = dict((line["keyname"], line.get("value")) for line in card["horizontal_content_list"])
        self.assertEqual(lines.get("Start"), "2026-12-07 09:00", "in the approver's time zone")
        self.assertFalse(leave.wecom_note)

        self.click(approval, "wangqiang")
        self.assertEqual(leave.state, "validate", "approved through hr.holidays' own action_approve")
        self.assertEqual((approval.state, approval.decided_by_id, approval.decided_via),
                         ("approved", self.wang, "wecom"))
        self.assertTrue(self.copy_of(approval, "wangqiang")["replaced_with"].startswith("Approved"))
        self.assertTrue(any("Approved by 王强" in text for text in self.texts_to("zhangwei")), "the employee is told")
        self.assertIn("Approved by 王强", leave.message_ids.mapped("body")[0], "visible on the leave")

    def test_refuse_from_wecom(self):
        leave = self.ask_leave()
        self.click(self.approval(leave), "wangqiang", key="refuse")
        self.assertEqual(leave.state, "refuse")
        self.assertTrue(any("Refused by 王强" in text for text in self.texts_to("zhangwei")))

    def test_the_leave_officers_when_the_manager_may_not_approve(self):
        self.wang.groups_id = [(3, self.env.ref(OFFICER).id), (3, self.env.ref(HR_MANAGER).id)]
        leave = self.ask_leave()
        approval = self.approval(leave)
        self.assertEqual(approval.approver_ids, self.liu, "the officers (HR), not the manager Odoo would refuse")
        self.click(approval, "liuyan")
        self.assertEqual(leave.state, "validate")

    def test_approved_in_odoo_first_closes_the_card(self):
        leave = self.ask_leave()
        approval = self.approval(leave)
        leave.sudo(self.liu).action_approve()
        self.cr.commit()
        self.assertEqual(leave.state, "validate")
        self.assertEqual((approval.state, approval.decided_via), ("cancelled", "odoo"))
        self.assertEqual(self.copy_of(approval, "wangqiang")["replaced_with"], "Cancelled")
        # the manager's card no longer takes a tap: the leave stays as Odoo decided
        self.assertFalse(self.click(approval, "wangqiang", key="refuse")["clicked"])
        self.assertEqual(leave.state, "validate")

    def test_reset_to_draft_by_the_employee_cancels_it(self):
        leave = self.ask_leave()
        approval = self.approval(leave)
        leave.sudo(self.zhang).action_draft()
        self.cr.commit()
        self.assertEqual(approval.state, "cancelled")
        leave.sudo(self.zhang).action_confirm()
        self.cr.commit()
        again = self.approval(leave)
        self.assertNotEqual(again, approval, "confirmed again: asked again")
        self.assertEqual(again.state, "pending")

    def test_double_validation_asks_the_leave_managers_second(self):
        status = self.env["hr.holidays.status"].create({"name": "年假", "limit": True, "double_validation": True})
        leave = self.ask_leave(status)
        first = self.approval(leave)
        self.click(first, "wangqiang")
        self.assertEqual(leave.state, "validate1")
        self.assertEqual(first.state, "approved", "the first step is decided, not cancelled by the second")
        second = self.approval(leave)
        self.assertNotEqual(second, first)
        self.assertEqual((second.state, second.approver_ids, second.approve_method),
                         ("pending", self.liu, "action_validate"))
        self.click(second, "liuyan")
        self.assertEqual(leave.state, "validate")
        self.assertEqual(second.state, "approved")

    def test_the_manager_is_not_asked_about_their_own_leave(self):
        self.liu.groups_id = [(4, self.env.ref(OFFICER).id)]
        leave = self.ask_leave(employee=self.boss, user=self.wang)
        self.assertEqual(self.approval(leave).approver_ids, self.liu)

    def test_the_card_speaks_the_approvers_language(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration", "wecom_hr_holidays"], ["zh_CN"])
        self.wang.lang = "zh_CN"
        leave = self.ask_leave()
        approval = self.approval(leave)
        card = self.copy_of(approval, "wangqiang")["card"]
        self.assertEqual(card["main_title"]["title"], "请假申请：张伟")
        self.assertEqual([b["text"] for b in card["button_list"]], ["同意", "拒绝"])
        self.assertEqual([line["keyname"] for line in card["horizontal_content_list"]][:4],
                         ["类型", "开始", "结束", "天数"])
        self.click(approval, "wangqiang")
        self.assertEqual(leave.state, "validate")
        self.assertTrue(self.copy_of(approval, "wangqiang")["replaced_with"].startswith("已同意"))

    def test_nobody_on_wecom_is_noted_and_the_request_goes_on(self):
        self.member("wangqiang").odoo_user_id = False
        leave = self.ask_leave()
        self.assertEqual(leave.state, "confirm", "the leave request is not blocked")
        self.assertFalse(self.approval(leave))
        self.assertIn("Not sent to WeCom", leave.wecom_note)
        self.assertIn("linked to a WeCom member", leave.wecom_note)
