"""Approvals from WeCom end to end, over real HTTP: the Odoo test server, the emulator's app
callback posting each member's click to Odoo, the emulator's cards as the members see them.

The document approved in these tests is a contact (res.partner) waiting as an archived record:
approve = ``toggle_active`` (the contact becomes active), refuse = ``unlink`` (it is deleted),
pending while ``active = False``. Both are core methods whose effect is plain to check, and both
need the Contact Creation right (base.group_partner_manager) that a plain internal user lacks, so
Odoo's own rights decide who may approve.
"""
import xml.etree.ElementTree as ET
from datetime import timedelta

import odoo
from odoo.exceptions import AccessError, UserError
from wechatpy.enterprise.crypto import WeChatCrypto

from ..models.wecom_approval import EXPIRY_MARGIN, RESPONSE_CODE_TTL
from .common import EmulatorMixin, MirrorMixin, SharedCursorHttpCase, make_user

TOKEN = "approvalAppToken"
AES_KEY = "bWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
PARTNER_MANAGER = "base.group_partner_manager"


class ApprovalCase(MirrorMixin, EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(ApprovalCase, self).setUp()
        from ..models.wecom_config import APP_CALLBACK_PATH
        self.url = "http://127.0.0.1:%s%s" % (odoo.tools.config["http_port"], APP_CALLBACK_PATH)
        self.set_wecom_params(app_callback_token=TOKEN, app_callback_aes_key=AES_KEY)
        self.env["wecom.sync.service"].sync_all()
        self.cr.commit()  # the URL check is a GET through Odoo, as when an administrator saves it in WeCom
        self.emulator.set_app_callback(self.emulator.app.agent_id, self.url, TOKEN, AES_KEY)
        self.Approval = self.env["wecom.approval"]
        self.wang = self.linked("wangqiang", "approval_wang", PARTNER_MANAGER)
        self.liu = self.linked("liuyan", "approval_liu", PARTNER_MANAGER)
        self.clerk = self.linked("lina", "approval_clerk")  # no Contact Creation right
        self.requester = self.linked("zhangwei", "approval_requester")
        self.partner = self.env["res.partner"].create({"name": "新供应商 A", "active": False})

    def linked(self, userid, login, *groups):
        user = make_user(self.env, login, *groups, name=self.member(userid).name)
        self.member(userid).odoo_user_id = user
        return user

    def ask(self, approvers=None, **kwargs):
        kwargs.setdefault("requester", self.requester)
        kwargs.setdefault("pending_domain", [("active", "=", False)])
        approval = self.Approval.request(self.partner, approvers or (self.wang | self.liu), "Approve a supplier",
                                         description="Opened by purchasing", approve="toggle_active",
                                         refuse="unlink", details=[("Amount", "1280")], **kwargs)
        self.cr.commit()  # a savepoint of the shared test cursor: the callback's request starts from here
        return approval

    def msgid(self, approval):
        return approval.message_id.call_ids.mapped("msgid")[0]

    def click(self, approval, userid, key="approve"):
        self.cr.commit()
        result = self.emulator.click(self.msgid(approval), userid, key=key)
        self.env.cache.invalidate()
        failed = self.env["wecom.app.event"].search([("state", "!=", "done")])
        self.assertFalse(failed.filtered(lambda e: e.event_type == "template_card_event"),
                         failed.mapped("error_message"))
        return result

    def copy_of(self, approval, userid):
        """What ``userid`` sees of the approval's card: the emulator's record of their copy."""
        record = self.emulator.message_center.by_msgid[self.msgid(approval)]
        copies = self.emulator.cards.describe(record)["recipients"]
        return next(c for c in copies if c["userid"] == userid)

    def shown(self, approval, userid):
        """(grey button text or None, card text) of ``userid``'s copy."""
        member_copy = self.copy_of(approval, userid)
        return member_copy["replaced_with"], member_copy["card"].get("sub_title_text") or ""

    def outcomes(self, approval):
        return approval.decision_ids.sorted("id").mapped("outcome")

    def texts_to(self, userid):
        return [m for m in self.emulator.inbox(userid) if m["msgtype"] == "text"]


class TestApprovalEndToEnd(ApprovalCase):

    def test_request_sends_one_card_linking_to_the_record(self):
        approval = self.ask()
        self.assertEqual(approval.state, "pending")
        self.assertEqual(approval.message_id.message_type, "template_card")
        card = self.copy_of(approval, "wangqiang")["card"]
        self.assertEqual(card["card_type"], "button_interaction")
        self.assertEqual([(b["text"], b["key"]) for b in card["button_list"]], [("Approve", "approve"),
                                                                              ("Refuse", "refuse")])
        link = card["card_action"]["url"]
        self.assertIn("/wecom/login?redirect=/web%%23id=%s%%26model=res.partner" % self.partner.id, link)
        self.assertEqual(card["horizontal_content_list"][0], {"keyname": "Amou…", "value": "1280"})
        self.assertEqual(self.copy_of(approval, "liuyan")["state"], "original")
        self.assertFalse(approval.decision_ids)

    def test_click_approves_as_the_linked_user_and_every_card_shows_it(self):
        approval = self.ask()
        result = self.click(approval, "wangqiang")
        self.assertTrue(result["clicked"])
        self.assertTrue(self.partner.active, "the document was approved")
        self.assertEqual(self.partner.write_uid, self.wang, "as the member's Odoo user")
        self.assertEqual((approval.state, approval.decided_by_id, approval.decided_via),
                         ("approved", self.wang, "wecom"))
        self.assertEqual(approval.decided_member_id, self.member("wangqiang"))
        self.assertTrue(approval.decided_date)
        self.assertEqual(self.outcomes(approval), ["approved"])
        for userid in ("wangqiang", "liuyan"):
            status, text = self.shown(approval, userid)
            self.assertTrue(status.startswith("Approved"), status)
            self.assertIn("Approved by 王强", text)
        told = self.texts_to("zhangwei")
        self.assertEqual(len(told), 1)
        self.assertIn("Approved by 王强", told[0]["payload"]["content"])
        # the other approver's buttons are grey: WeCom sends nothing for a tap on them
        self.assertFalse(self.click(approval, "liuyan")["clicked"])
        self.assertEqual(self.outcomes(approval), ["approved"])

    def test_refuse(self):
        approval = self.ask()
        self.click(approval, "liuyan", key="refuse")
        self.assertFalse(self.partner.exists(), "refused: the contact is deleted")
        self.assertEqual((approval.state, approval.decided_by_id), ("refused", self.liu))
        for userid in ("wangqiang", "liuyan"):
            self.assertTrue(self.shown(approval, userid)[0].startswith("Refused"))
        self.assertIn("Refused by 刘艳", self.texts_to("zhangwei")[0]["payload"]["content"])

    def test_unauthorised_member_changes_nothing_and_their_card_says_why(self):
        approval = self.ask(approvers=self.wang | self.clerk)
        self.click(approval, "lina")
        self.assertFalse(self.partner.active, "Odoo's rights refused it")
        self.assertEqual(approval.state, "pending")
        line = approval.decision_ids
        self.assertEqual((line.outcome, line.user_id, line.member_id), ("not_allowed", self.clerk, self.member("lina")))
        status, text = self.shown(approval, "lina")
        self.assertEqual(status, "No rights")
        self.assertIn("Odoo refused it", text)
        self.assertEqual(self.copy_of(approval, "wangqiang")["state"], "original", "only the clicker's copy")
        self.assertFalse(self.texts_to("zhangwei"))
        # the approval stays open for the others
        self.click(approval, "wangqiang")
        self.assertEqual(approval.state, "approved")
        self.assertTrue(self.partner.active)
        self.assertEqual(self.outcomes(approval), ["not_allowed", "approved"])

    def test_unlinked_member_changes_nothing(self):
        approval = self.ask()
        self.member("liuyan").odoo_user_id = False  # unlinked after the card was sent
        self.click(approval, "liuyan")
        self.assertFalse(self.partner.active)
        self.assertEqual(approval.state, "pending")
        self.assertEqual(approval.decision_ids.outcome, "not_allowed")
        self.assertFalse(approval.decision_ids.user_id)
        status, text = self.shown(approval, "liuyan")
        self.assertEqual(status, "No rights")
        self.assertIn("not linked to an Odoo user", text)

    def test_double_click_and_two_approvers_at_once_make_one_decision(self):
        """Taps that all reach WeCom before Odoo answered any (WeCom's delivery in the background):
        the first decides, the others change nothing and see the outcome."""
        self.cr.commit()
        self.emulator.set_app_callback(self.emulator.app.agent_id, self.url, TOKEN, AES_KEY, mode="background")
        approval = self.ask()
        self.cr.commit()
        msgid = self.msgid(approval)
        for userid in ("wangqiang", "wangqiang", "liuyan"):
            self.assertTrue(self.emulator.click(msgid, userid, key="approve")["clicked"])
        self.assertTrue(self.emulator.app_callbacks.flush(timeout=60))
        self.env.cache.invalidate()
        self.assertEqual(approval.state, "approved")
        self.assertEqual(self.outcomes(approval), ["approved", "too_late", "too_late"])
        self.assertEqual(approval.decided_by_id, self.wang)
        self.assertTrue(self.partner.active)
        self.assertEqual(len(self.texts_to("zhangwei")), 1, "the requester is told once")
        for userid in ("wangqiang", "liuyan"):
            self.assertTrue(self.shown(approval, userid)[0].startswith("Approved"))

    def test_replayed_and_forged_events_change_nothing(self):
        approval = self.ask(approvers=self.wang | self.clerk)
        result = self.click(approval, "lina")  # refused by Odoo's rights: the approval stays pending
        self.assertEqual(approval.state, "pending")
        plain = result["delivery"]["xml"]
        crypto = WeChatCrypto(TOKEN, AES_KEY, self.emulator.corp_id)
        # the same event again (WeCom repeats a post it found slow): stored once, applied once
        sealed = ET.fromstring(crypto.encrypt_message(plain, "12345", "1700000000"))
        params = {"msg_signature": sealed.findtext("MsgSignature"), "timestamp": "1700000000", "nonce": "12345"}
        body = ("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt>"
                "<AgentID><![CDATA[%s]]></AgentID></xml>" % (self.emulator.corp_id, sealed.findtext("Encrypt"),
                                                             self.emulator.app.agent_id))
        for _attempt in ("re-encrypted", "byte for byte"):
            self.cr.commit()
            response = self.opener.post(self.url, params=params, data=body.encode(), timeout=60,
                                        headers={"Content-Type": "text/xml"})
            self.assertEqual(response.status_code, 200, response.text)
        self.env.cache.invalidate()
        self.assertEqual(self.outcomes(approval), ["not_allowed"])
        self.assertEqual(self.copy_of(approval, "lina")["updates"], 1, "the card updated once")
        # a forged one: an approve by wangqiang, signed with another token
        forged_plain = plain.replace("lina", "wangqiang")
        forged = ET.fromstring(WeChatCrypto("another-token", AES_KEY, self.emulator.corp_id).encrypt_message(
            forged_plain, "12346", "1700000001"))
        self.cr.commit()
        params = {"msg_signature": forged.findtext("MsgSignature"), "timestamp": "1700000001", "nonce": "12346"}
        body = body.replace(sealed.findtext("Encrypt"), forged.findtext("Encrypt"))
        response = self.opener.post(self.url, params=params, data=body.encode(), timeout=60,
                                    headers={"Content-Type": "text/xml"})
        self.assertEqual(response.status_code, 403)
        self.env.cache.invalidate()
        self.assertEqual((approval.state, self.outcomes(approval)), ("pending", ["not_allowed"]))
        self.assertFalse(self.partner.active)

    def test_approved_in_odoo_first_the_card_is_stale(self):
        approval = self.ask()
        self.partner.toggle_active()  # decided in Odoo, no bridge told us
        self.click(approval, "wangqiang", key="refuse")
        self.assertTrue(self.partner.exists() and self.partner.active, "the refusal was not executed")
        self.assertEqual((approval.state, approval.decided_via), ("cancelled", "odoo"))
        self.assertEqual(approval.state_reason, "Already decided in Odoo.")
        self.assertEqual(self.outcomes(approval), ["stale"])
        for userid in ("wangqiang", "liuyan"):
            status, text = self.shown(approval, userid)
            self.assertEqual(status, "Cancelled")
            self.assertIn("Already decided in Odoo", text)

    def test_sync_from_records_cancels_and_updates_the_cards(self):
        approval = self.ask()
        self.assertFalse(self.Approval._sync_from_records(self.partner), "still pending: nothing to do")
        self.partner.toggle_active()
        closed = self.Approval._sync_from_records(self.partner)
        self.assertEqual(closed, approval)
        self.assertEqual((approval.state, approval.state_reason), ("cancelled", "Already decided in Odoo."))
        self.assertEqual(self.outcomes(approval), ["cancelled"])
        self.assertEqual(self.shown(approval, "liuyan")[0], "Cancelled")
        self.assertEqual(self.copy_of(approval, "liuyan")["updates"], 1)

    def test_expiry_after_72_hours(self):
        approval = self.ask()
        sent = odoo.fields.Datetime.from_string(approval.sent_date)
        self.assertFalse(self.Approval._cron_expire(now=sent + timedelta(hours=71)))
        self.assertEqual(approval.state, "pending")
        late = sent + RESPONSE_CODE_TTL - EXPIRY_MARGIN + timedelta(minutes=1)
        self.assertEqual(self.Approval._cron_expire(now=late), approval)
        self.assertEqual((approval.state, approval.decided_via), ("expired", "system"))
        self.assertEqual(self.outcomes(approval), ["expired"])
        for userid in ("wangqiang", "liuyan"):
            self.assertEqual(self.shown(approval, userid)[0], "Expired")
        self.assertEqual(len(self.texts_to("zhangwei")), 1)
        self.assertFalse(self.partner.active)
        self.assertFalse(self.Approval._cron_expire(now=late + timedelta(hours=1)), "once")


    def test_cards_in_the_approvers_language(self):
        if not self.env["res.lang"].search([("code", "=", "zh_CN")]):
            self.env["base.language.install"].create({"lang": "zh_CN"}).lang_install()
        self.env["ir.translation"].load_module_terms(["wecom_integration"], ["zh_CN"])
        (self.wang | self.liu | self.clerk).write({"lang": "zh_CN"})
        approval = self.ask(approvers=self.wang | self.liu | self.clerk)
        card = self.copy_of(approval, "liuyan")["card"]
        self.assertEqual([b["text"] for b in card["button_list"]], ["同意", "拒绝"])
        self.click(approval, "lina")
        self.assertEqual(self.shown(approval, "lina")[0], "无权审批")
        self.assertIn("Odoo 拒绝了此操作", self.shown(approval, "lina")[1])
        self.click(approval, "wangqiang")
        status, text = self.shown(approval, "liuyan")
        self.assertEqual(status, "已同意 · 王强")
        self.assertIn("王强 于 ", text)


    def test_a_click_after_the_expiry_before_the_cron_changes_nothing(self):
        approval = self.ask()
        sent = odoo.fields.Datetime.from_string(approval.sent_date)
        approval.write({"expiry_date": odoo.fields.Datetime.to_string(sent - timedelta(minutes=1))})  # time passed
        self.click(approval, "wangqiang")
        self.assertFalse(self.partner.active)
        self.assertEqual(approval.state, "expired")
        self.assertEqual(self.outcomes(approval), ["expired", "too_late"])
        self.assertEqual(self.shown(approval, "wangqiang")[0], "Expired")
        self.assertEqual(self.shown(approval, "liuyan")[0], "Expired")


    def test_a_card_without_its_approval_says_so_on_the_last_try(self):
        """The request was rolled back after its card went out: the click finds no approval."""
        card = self.Approval.with_context(lang="en_US").new({
            "name": "Lost", "res_model": "res.partner", "res_id": self.partner.id, "approve_method": "toggle_active",
            "refuse_method": "unlink"})._card()
        message = self.env["wecom.message"].send_to_users(self.wang.ids, "template_card", None, card=card,
                                                          card_handler="wecom.approval")
        self.cr.commit()
        self.emulator.click(message.call_ids.msgid, "wangqiang", key="approve")
        self.env.cache.invalidate()
        event = self.env["wecom.app.event"].search([("message_id", "=", message.id)])
        self.assertEqual((event.state, event.attempts), ("pending", 1))
        self.assertIn("No WeCom approval", event.error_message)
        record = self.emulator.message_center.by_msgid[message.call_ids.msgid]
        copy_ = self.emulator.cards.describe(record)["recipients"][0]
        self.assertIsNone(copy_["replaced_with"], "not before the last try")
        event.attempts = 4
        event._apply()
        self.assertEqual(event.state, "failed")
        copy_ = self.emulator.cards.describe(record)["recipients"][0]
        self.assertEqual(copy_["replaced_with"], "Not open")


class TestApprovalRequestChecks(ApprovalCase):

    def test_bad_requests_are_refused_and_send_nothing(self):
        before = len(self.emulator.messages)
        partners = self.env["res.partner"].browse()
        unlinked = make_user(self.env, "approval_unlinked", PARTNER_MANAGER)
        cases = [
            (dict(record=partners), "one existing Odoo record"),
            (dict(approvers=self.env["res.users"]), "at least one"),
            (dict(approvers=unlinked), "linked to a WeCom member"),
            (dict(title=" "), "needs a title"),
            (dict(approve="_private"), "no public method"),
            (dict(refuse="no_such_method"), "no public method"),
            (dict(details=[("a", 1)] * 6), "at most 5"),
            (dict(pending_domain=[("no_such_field", "=", 1)]), "not a valid domain"),
            (dict(pending_domain=[("active", "=", True)]), "not waiting for a decision"),
        ]
        for change, message in cases:
            args = dict(record=self.partner, approvers=self.wang, title="Approve", approve="toggle_active",
                        refuse="unlink", pending_domain=[("active", "=", False)])
            args.update(change)
            with self.assertRaises(UserError) as caught:
                self.Approval.request(args.pop("record"), args.pop("approvers"), args.pop("title"), **args)
            self.assertIn(message, caught.exception.name)
        self.assertEqual(len(self.emulator.messages), before)
        self.assertFalse(self.Approval.search([]))

    def test_a_new_request_replaces_the_pending_one(self):
        first = self.ask()
        second = self.ask()
        self.assertEqual((first.state, second.state), ("cancelled", "pending"))
        self.assertEqual(first.state_reason, "Replaced by a new request.")
        self.assertEqual(self.shown(first, "wangqiang")[0], "Cancelled")

    def test_rights(self):
        approval = self.ask()
        outsider = make_user(self.env, "approval_outsider")
        self.assertFalse(self.Approval.sudo(outsider).search([]), "an outsider sees no approval")
        self.assertEqual(self.Approval.sudo(self.liu).search([]), approval, "an approver sees it")
        view = approval.sudo(self.clerk).fields_view_get(view_type="form")
        shown = [name for name in view["fields"] if name != "decision_ids"]
        self.assertFalse(approval.sudo(self.clerk).search([]), "the clerk is no approver of this one")
        values = approval.sudo(self.liu).read(shown)[0]  # the form, as an approver without WeCom groups
        self.assertEqual(values["record_ref"], "res.partner,%s" % self.partner.id)
        self.assertEqual(values["message_id"][0], approval.message_ref)
        self.assertEqual(self.Approval.sudo(self.requester).search([]), approval, "the requester sees it")
        with self.assertRaises(AccessError):
            self.Approval.sudo(outsider).request(self.partner, self.wang, "x", approve="toggle_active",
                                                 refuse="unlink")
        with self.assertRaises(AccessError):
            approval.sudo(self.liu).action_cancel()  # an approver is not its requester
        self.assertEqual(approval.state, "pending")
        approval.sudo(self.requester).action_cancel()
        self.assertEqual((approval.state, approval.decided_by_id), ("cancelled", self.requester))
        self.assertEqual(self.shown(approval, "wangqiang")[0], "Cancelled")
        self.assertFalse(self.texts_to("zhangwei"), "who cancelled needs no message")

    def test_a_sender_asks_only_about_records_they_can_read(self):
        sender = make_user(self.env, "approval_sender", "wecom_group_message_send")
        hidden = self.env["ir.config_parameter"].search([], limit=1)  # administrators only
        with self.assertRaises(AccessError):
            self.Approval.sudo(sender).request(hidden, self.wang, "x", approve="toggle_active", refuse="unlink")
        approval = self.Approval.sudo(sender).request(self.partner, self.wang, "Approve a supplier",
                                                      approve="toggle_active", refuse="unlink")
        self.assertEqual(approval.sudo().asked_by_id, sender)
        self.assertEqual(self.Approval.sudo(sender).search([]), approval, "who asked sees it")
        approval.sudo(sender).action_cancel()
        self.assertEqual(approval.sudo().state, "cancelled")
