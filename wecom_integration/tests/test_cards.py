# -*- coding: utf-8 -*-
"""Template cards end to end (issue 11): Odoo sends a button card through the outbox, the emulator's
member taps it (its click endpoint), the emulator posts the encrypted template_card_event to
Odoo's app callback over real HTTP, the event is stored once and its card handler called; the card
is then updated with message/update_template_card, once per response code, within 72 hours.
The card handler is not under test: one is patched onto a model class for each test."""
import json
import xml.etree.ElementTree as ET
from contextlib import suppress
from datetime import datetime, timedelta
from unittest.mock import patch

import odoo
from odoo.exceptions import UserError
from werkzeug.test import Client
from werkzeug.wrappers import BaseResponse
from wechatpy.enterprise.crypto import WeChatCrypto

from ..jobs.runner import RetryLater
from ..models.wecom_config import APP_CALLBACK_PATH
from ..wecom.cards import button_interaction, text_notice
from .common import EmulatorMixin, MirrorMixin, SharedCursorHttpCase

TOKEN = "odooAppToken"
AES_KEY = "aPpCaLlBaCkKeY0123456789abcdefghijklmnopqrs"
TIMESTAMP, NONCE = "1700000000", "20261203"
HANDLER = "res.partner"  # any model: the test gives it a _wecom_card_event


def approval_card(**kwargs):
    values = dict(main_title=u"报销单 R-1001", sub_title_text=u"金额 1,280.00 元",
                  horizontal_content_list=[(u"提交人", u"林娜")],
                  button_list=[(u"同意", "approve", 1), (u"拒绝", "refuse", 4)])
    values.update(kwargs)
    return button_interaction(**values)


class AppCallbackCase(MirrorMixin, EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(AppCallbackCase, self).setUp()
        self.url = "http://127.0.0.1:%s%s" % (odoo.tools.config["http_port"], APP_CALLBACK_PATH)
        self.set_wecom_params(app_callback_token=TOKEN, app_callback_aes_key=AES_KEY)
        self.env["wecom.sync.service"].sync_all()
        self.Event = self.env["wecom.app.event"]
        self.handled = []
        handler = patch.object(type(self.env[HANDLER]), "_wecom_card_event", create=True,
                               new=lambda model, event: self.handled.append(
                                   (event.event_type, event.userid, event.event_key, event.task_id,
                                    event.message_id.id)))
        handler.start()
        self.addCleanup(handler.stop)
        self.admin = Client(self.emulator.wsgi_app, BaseResponse)

    def configure_emulator_callback(self):
        """As an administrator does in WeCom: the URL check (a GET through Odoo) must pass."""
        self.cr.commit()
        self.emulator.set_app_callback(self.emulator.app.agent_id, self.url, TOKEN, AES_KEY)

    def send_card(self, card=None, to_users=("lina", "sunhao"), **kwargs):
        message = self.env["wecom.message"].send_message("template_card", None, to_users=list(to_users),
                                                         card=card or approval_card(), **kwargs)
        self.env.cache.invalidate()
        return message

    def click(self, message, userid="lina", key="approve"):
        """The member taps a button, through the emulator's click endpoint."""
        self.cr.commit()
        response = self.admin.post("/_emulator/messages/%s/click" % message.call_ids[0].msgid,
                                   data=json.dumps({"userid": userid, "key": key}),
                                   content_type="application/json")
        self.env.cache.invalidate()
        self.assertEqual(response.status_code, 200, response.data)
        return json.loads(response.data.decode("utf-8"))

    def emulator_copy(self, message, userid):
        """What the member's WeCom shows now (GET /_emulator/messages)."""
        response = self.admin.get("/_emulator/messages?userid=%s" % userid)
        records = json.loads(response.data.decode("utf-8"))["messages"]
        record = [r for r in records if r["msgid"] == message.call_ids[0].msgid][0]
        return [r for r in record["card"]["recipients"] if r["userid"] == userid][0]

    def event_count(self):
        self.env.cr.execute("SELECT count(*) FROM wecom_app_event")
        return self.env.cr.fetchone()[0]

    # posts built with wechatpy's crypto, an implementation independent of the addon's
    def sealed(self, plain, corp_id=None, token=TOKEN):
        crypto = WeChatCrypto(token, AES_KEY, corp_id or self.emulator.corp_id)
        reply = ET.fromstring(crypto.encrypt_message(plain, NONCE, TIMESTAMP))
        return reply.findtext("Encrypt"), reply.findtext("MsgSignature")

    def post(self, plain, corp_id=None, token=TOKEN, signature=None, raw=None, sealed=None):
        self.cr.commit()
        encrypt, good_signature = sealed or self.sealed(plain, corp_id, token)
        self.last_sealed = encrypt, good_signature
        body = raw if raw is not None else (
            "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt>"
            "<AgentID><![CDATA[%s]]></AgentID></xml>" % (self.emulator.corp_id, encrypt, self.emulator.app.agent_id))
        params = {"msg_signature": signature or good_signature, "timestamp": TIMESTAMP, "nonce": NONCE}
        response = self.opener.post(self.url, params=params, data=body.encode("utf-8"),
                                    headers={"Content-Type": "text/xml"}, timeout=60)
        self.env.cache.invalidate()
        return response

    def click_xml(self, task_id, userid="lina", key="approve", code="code-1"):
        return ("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
                "<CreateTime>%s</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                "<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[%s]]></EventKey>"
                "<TaskId><![CDATA[%s]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
                "<ResponseCode><![CDATA[%s]]></ResponseCode><AgentID>%s</AgentID></xml>"
                % (self.emulator.corp_id, userid, TIMESTAMP, key, task_id, code, self.emulator.app.agent_id))


class TestSendingCards(AppCallbackCase):

    def test_a_button_card_without_the_app_callback_says_why(self):
        message = self.send_card(card_handler=HANDLER)
        self.assertEqual(message.status, "failed")
        self.assertEqual(message.errcode, 43012)
        self.assertIn("接收消息", message.errmsg)  # where to set the callback in WeCom's console
        self.assertIn("callback URL", message.call_ids.errmsg)
        self.assertEqual(message.recipient_ids.mapped("state"), ["not_delivered"] * 2)

    def test_a_card_is_sent_with_a_task_id_per_call_and_its_response_code(self):
        self.configure_emulator_callback()
        message = self.send_card(card_handler=HANDLER, res_model="res.partner", res_id=1)
        self.assertEqual(message.status, "sent", message.errmsg)
        call = message.call_ids
        uuid = self.env["ir.config_parameter"].get_param("database.uuid").replace("-", "")[:8]
        self.assertEqual(call.task_id, "odoo-%s-%s-1" % (uuid, message.id))
        sent = self.emulator.messages[-1]
        self.assertEqual(sent["card"]["task_id"], call.task_id)
        self.assertEqual(call.response_code, sent["card"]["response_code"])
        self.assertTrue(call.sent_date)
        self.assertFalse(call.response_code_used_at)
        self.assertEqual(json.loads(message.card)["button_list"][0]["key"], "approve")
        self.assertEqual(message.card_handler, HANDLER)
        self.assertIn(u"报销单 R-1001", message.card_summary)
        self.assertIn(u"同意 (approve)", message.card_summary)
        self.assertEqual(message.name, u"报销单 R-1001")

    def test_a_notice_card_needs_no_callback(self):
        card = text_notice(main_title=u"门店通知", sub_title_text=u"今晚盘点", card_action="https://erp.example.com/n/1")
        message = self.send_card(card=card)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertFalse(message.call_ids.response_code)

    def test_bad_cards_are_refused_and_nothing_is_recorded(self):
        self.env.cr.execute("SELECT count(*) FROM wecom_message")
        before = self.env.cr.fetchone()[0]
        for kwargs in (dict(card={"card_type": "button_interaction", "main_title": {"title": "x"}}),
                       dict(card=dict(approval_card(), main_title={"title": u"长" * 40})),
                       dict(card=None),
                       dict(card=approval_card(), card_handler="no.such.model"),
                       dict(card=approval_card(), card_handler="res.users")):   # no _wecom_card_event
            with self.assertRaises(UserError):
                self.env["wecom.message"].send_message("template_card", None, to_users=["lina"], **kwargs)
        with self.assertRaises(UserError):
            self.env["wecom.message"].send_message("text", "x", to_users=["lina"], card=approval_card())
        self.env.cr.execute("SELECT count(*) FROM wecom_message")
        self.assertEqual(self.env.cr.fetchone()[0], before)

    def test_send_to_users(self):
        self.configure_emulator_callback()
        user = self.env["res.users"].create({"name": "Lina", "login": "lina_cards"})
        self.member("lina").odoo_user_id = user
        message = self.env["wecom.message"].send_to_users(user.ids, "template_card", None, card=approval_card(),
                                                          card_handler=HANDLER)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(message.card_handler, HANDLER)
        self.assertTrue(message.call_ids.response_code)


class TestClicks(AppCallbackCase):

    def setUp(self):
        super(TestClicks, self).setUp()
        self.configure_emulator_callback()

    def test_url_check(self):
        echostr, signature = self.sealed("5927782489442352469")
        params = {"msg_signature": signature, "timestamp": TIMESTAMP, "nonce": NONCE, "echostr": echostr}
        response = self.opener.get(self.url, params=params, timeout=30)
        self.assertEqual((response.status_code, response.text), (200, "5927782489442352469"))
        params["msg_signature"] = "0" * 40
        self.assertEqual(self.opener.get(self.url, params=params, timeout=30).status_code, 403)

    def test_a_click_is_stored_once_and_handled(self):
        message = self.send_card(card_handler=HANDLER)
        out = self.click(message, "lina", "approve")
        self.assertTrue(out["clicked"])
        self.assertEqual(out["delivery"]["status"], "delivered", out["delivery"])
        event = self.Event.search([])
        self.assertEqual(len(event), 1)
        self.assertEqual((event.event_type, event.userid, event.event_key, event.state),
                         ("template_card_event", "lina", "approve", "done"), event.error_message)
        self.assertEqual((event.message_id, event.call_id, event.member_id),
                         (message, message.call_ids, self.member("lina")))
        self.assertEqual(event.task_id, message.call_ids.task_id)
        self.assertEqual(event.response_code, out["response_code"])
        self.assertEqual(event.card_type, "button_interaction")
        self.assertEqual(self.handled, [("template_card_event", "lina", "approve", message.call_ids.task_id,
                                         message.id)])

    def test_a_replayed_post_is_stored_once(self):
        message = self.send_card(card_handler=HANDLER)
        for sealed in (None, "repeat"):
            response = self.post(self.click_xml(message.call_ids.task_id),
                                 sealed=self.last_sealed if sealed else None)
            self.assertEqual((response.status_code, response.text), (200, "success"))
        self.assertEqual(self.event_count(), 1)
        self.assertEqual(len(self.handled), 1)

    def test_selected_items_are_kept(self):
        message = self.send_card(card_handler=HANDLER)
        selected = ("<SelectedItems><SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey><OptionIds>"
                    "<OptionId><![CDATA[a]]></OptionId><OptionId><![CDATA[b]]></OptionId></OptionIds></SelectedItem>"
                    "<SelectedItem><QuestionKey><![CDATA[q2]]></QuestionKey><OptionIds><OptionId><![CDATA[c]]>"
                    "</OptionId></OptionIds></SelectedItem></SelectedItems></xml>")
        response = self.post(self.click_xml(message.call_ids.task_id).replace("</xml>", selected))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.Event.search([])._selected(), {"q1": ["a", "b"], "q2": ["c"]})

    def test_refused_posts_store_nothing(self):
        message = self.send_card(card_handler=HANDLER)
        plain = self.click_xml(message.call_ids.task_id)
        for response, status in [
                (self.post(plain, signature="0" * 40), 403),                 # forged signature
                (self.post(plain, corp_id="wwOtherCorp0000000"), 403),       # encrypted for another corp
                (self.post(plain, token="another-token"), 403),              # signed with another token
                (self.post(plain, raw="<xml><Encrypt>"), 400),               # not XML
                (self.post(plain, raw="<xml>" + "A" * 70000 + "</xml>"), 413)]:  # over the cap
            self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(self.event_count(), 0)
        self.assertEqual(self.handled, [])

    def test_not_configured_is_refused(self):
        self.set_wecom_params(app_callback_token="", app_callback_aes_key="")
        response = self.post(self.click_xml("t-1"))
        self.assertEqual(response.status_code, 503)
        self.assertIn("not configured", response.text)
        self.assertEqual(self.event_count(), 0)

    def test_clicks_without_handler_are_ignored(self):
        message = self.send_card()
        self.click(message)
        event = self.Event.search([])
        self.assertEqual((event.state, event.message_id), ("ignored", message))
        self.assertEqual(self.handled, [])

    def test_a_failing_handler_is_retried_then_failed(self):
        def fails(model, event):
            raise ValueError("the handler is broken")
        message = self.send_card(card_handler=HANDLER)
        with patch.object(type(self.env[HANDLER]), "_wecom_card_event", new=fails):
            self.click(message)
        event = self.Event.search([])
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.attempts, 1)
        self.assertIn("the handler is broken", event.error_message)
        event.write({"attempts": 4})
        self.cr.commit()
        # the job may still ask for another try (RetryLater): the event's state tells what happened
        with patch.object(type(self.env[HANDLER]), "_wecom_card_event", new=fails), suppress(RetryLater):
            self.env["wecom.app.event"]._job_apply(None)
        event.invalidate_cache()
        self.assertEqual(event.state, "failed")
        event.action_retry()
        event.invalidate_cache()
        self.assertEqual((event.state, event.attempts), ("done", 1))

    def test_stranded_events_get_a_job_and_old_ones_are_forgotten(self):
        message = self.send_card(card_handler=HANDLER)
        self.click(message)
        event = self.Event.search([])
        self.env.cr.execute("UPDATE wecom_app_event SET state = 'pending' WHERE id = %s", (event.id,))
        self.env.cr.execute("DELETE FROM wecom_job WHERE job_type = 'app_events'")
        self.assertTrue(self.Event._requeue_stranded())
        self.env.cr.execute("SELECT count(*) FROM wecom_job WHERE job_type = 'app_events'")
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        self.assertFalse(self.Event._requeue_stranded(), "a job is pending already")
        self.Event._job_apply(None)
        event.invalidate_cache()
        self.assertEqual(event.state, "done")
        self.assertEqual(self.Event._purge_old(), 0)
        self.assertEqual(self.Event._purge_old(now=datetime.utcnow() + timedelta(days=31)), 1)
        self.assertEqual(self.event_count(), 0)

    def test_the_handler_updates_the_clickers_card(self):
        def decide(model, event):
            event._update_clicker_card(replace_name=u"已同意 · 王强")
        message = self.send_card(card_handler=HANDLER)
        with patch.object(type(self.env[HANDLER]), "_wecom_card_event", new=decide):
            self.click(message, "lina")
        event = self.Event.search([])
        self.assertEqual(event.state, "done", event.error_message)
        self.assertTrue(event.response_code_used_at)
        lina = self.emulator_copy(message, "lina")
        self.assertEqual((lina["state"], lina["replaced_with"]), ("buttons_replaced", u"已同意 · 王强"))
        self.assertEqual(self.emulator_copy(message, "sunhao")["state"], "original")


class TestUpdatingCards(AppCallbackCase):

    def setUp(self):
        super(TestUpdatingCards, self).setUp()
        self.configure_emulator_callback()

    def test_update_everyone_once(self):
        message = self.send_card(card_handler=HANDLER)
        self.assertEqual(message._update_card_all(replace_name=u"已处理"), self.env["wecom.message.call"])
        for userid in ("lina", "sunhao"):
            copy = self.emulator_copy(message, userid)
            self.assertEqual((copy["state"], copy["replaced_with"]), ("buttons_replaced", u"已处理"))
        call = message.call_ids
        self.assertTrue(call.response_code_used_at)
        # the send's code is used: a second update has nothing to update with
        self.assertEqual(message._update_card_all(replace_name=u"再次"), call)
        with self.assertRaises(UserError) as raised:
            message._update_card(call.response_code, atall=True, replace_name=u"再次")
        self.assertIn("60140", raised.exception.name)

    def test_a_new_card_for_one_member(self):
        message = self.send_card(card_handler=HANDLER)
        new = dict(approval_card(), replace_text=u"已拒绝")
        self.assertTrue(message._update_card(message.call_ids.response_code, userids=["sunhao"], card=new))
        copy = self.emulator_copy(message, "sunhao")
        self.assertEqual((copy["state"], copy["replaced_with"]), ("updated", u"已拒绝"))
        self.assertEqual(self.emulator_copy(message, "lina")["state"], "original")

    def test_an_expired_code_gives_a_clear_error(self):
        message = self.send_card(card_handler=HANDLER)
        code = message.call_ids.response_code
        self.emulator.clock = _later(self.emulator.clock, 72 * 3600 + 1)
        with self.assertRaises(UserError) as raised:
            message._update_card(code, atall=True, replace_name=u"已处理")
        self.assertIn("72", raised.exception.name)
        self.assertEqual(self.emulator_copy(message, "lina")["state"], "original")
        # an old call is not even tried
        self.env.cr.execute("UPDATE wecom_message_call SET sent_date = %s, response_code_used_at = NULL WHERE id = %s",
                            (datetime.utcnow() - timedelta(hours=73), message.call_ids.id))
        message.call_ids.invalidate_cache()
        calls = self.emulator.calls("message/update_template_card")
        self.assertEqual(message._update_card_all(replace_name=u"已处理"), message.call_ids)
        self.assertEqual(self.emulator.calls("message/update_template_card"), calls)

    def test_bad_updates_are_refused(self):
        message = self.send_card(card_handler=HANDLER)
        code = message.call_ids.response_code
        for kwargs in (dict(), dict(replace_name="x", card=approval_card()), dict(replace_name=" "),
                       dict(card={"card_type": "nope"})):
            with self.assertRaises(UserError):
                message._update_card(code, atall=True, **kwargs)
        with self.assertRaises(UserError):
            message._update_card(code, replace_name="x")  # no one named
        self.assertFalse(message.call_ids.response_code_used_at)
        self.assertEqual(self.emulator_copy(message, "lina")["state"], "original")


def _later(clock, seconds):
    """The emulator's clock, ``seconds`` ahead."""
    return lambda: clock() + seconds
