"""Contact-change callbacks: WeCom posts encrypted events to Odoo, which applies them at once.

Requests are built with wechatpy's crypto (an implementation independent of the addon's) and sent
over real HTTP to the Odoo test server; the emulator answers the WeCom calls the events trigger.
"""
import xml.etree.ElementTree as ET

import odoo
from odoo.tests.common import at_install, post_install
from wechatpy.enterprise.crypto import WeChatCrypto
from wecom_emulator.errors import ApiError

from ..models.wecom_config import CALLBACK_PATH
from ..sync.events import event_members, member_actions
from .common import EmulatorMixin, MirrorMixin, SharedCursorHttpCase

TOKEN = "odooWecomToken"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
TIMESTAMP, NONCE = "1700000000", "20261125"


def event_xml(corp_id, fields):
    """A decrypted change_contact event, as WeCom builds it (CDATA for text)."""
    body = "".join("<%s><![CDATA[%s]]></%s>" % (k, v, k) for k, v in fields.items())
    return ("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
            "<CreateTime>%s</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[change_contact]]></Event>%s</xml>" % (corp_id, TIMESTAMP, body))


@at_install(False)
@post_install(True)
class CallbackCase(MirrorMixin, EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(CallbackCase, self).setUp()
        self.url = "http://127.0.0.1:%s%s" % (odoo.tools.config["http_port"], CALLBACK_PATH)
        self.set_wecom_params(callback_token=TOKEN, callback_aes_key=AES_KEY)
        self.env["wecom.sync.service"].sync_all()
        self.directory = self.emulator.directory
        self.Member = self.env["wecom.user"].with_context(active_test=False)
        self.Event = self.env["wecom.callback.event"]

    def sealed(self, plain, corp_id=None, token=TOKEN):
        """(Encrypt, msg_signature) of ``plain`` as WeCom would send them."""
        crypto = WeChatCrypto(token, AES_KEY, corp_id or self.emulator.corp_id)
        reply = ET.fromstring(crypto.encrypt_message(plain, NONCE, TIMESTAMP))
        return reply.findtext("Encrypt"), reply.findtext("MsgSignature")

    def post(self, fields, corp_id=None, token=TOKEN, signature=None, raw=None, sealed=None):
        """POST ``fields`` as a change_contact event; ``sealed``: (Encrypt, signature) of an earlier
        post, to repeat it byte for byte as WeCom does when an answer is slow."""
        self.cr.commit()  # a savepoint of the shared test cursor: the request sees our writes
        encrypt, good_signature = sealed or self.sealed(event_xml(self.emulator.corp_id, fields), corp_id, token)
        self.last_sealed = encrypt, good_signature
        body = raw if raw is not None else (
            "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt>"
            "<AgentID><![CDATA[]]></AgentID></xml>" % (self.emulator.corp_id, encrypt))
        params = {"msg_signature": signature or good_signature, "timestamp": TIMESTAMP, "nonce": NONCE}
        response = self.opener.post(self.url, params=params, data=body.encode("utf-8"),
                                    headers={"Content-Type": "text/xml"}, timeout=60)
        self.env.cache.invalidate()  # the request wrote through SQL in the shared transaction
        return response

    def event_count(self):
        self.env.cr.execute("SELECT count(*) FROM wecom_callback_event")
        return self.env.cr.fetchone()[0]


class TestCallbackEndpoint(CallbackCase):

    def test_url_verification_answers_the_plaintext(self):
        echostr, signature = self.sealed("5927782489442352469")
        self.cr.commit()
        params = {"msg_signature": signature, "timestamp": TIMESTAMP, "nonce": NONCE, "echostr": echostr}
        response = self.opener.get(self.url, params=params, timeout=30)
        self.assertEqual((response.status_code, response.text), (200, "5927782489442352469"))
        params["msg_signature"] = "0" * 40
        response = self.opener.get(self.url, params=params, timeout=30)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("5927782489442352469", response.text)

    def test_refused_requests_store_and_change_nothing(self):
        position = self.member("lina").position
        change = {"ChangeType": "update_user", "UserID": "lina"}
        self.directory.update_user("lina", {"position": "副店长"})
        for response, status in [
                (self.post(change, signature="0" * 40), 403),      # forged signature
                (self.post(change, corp_id="wwOtherCorp0000000"), 403),  # encrypted for another corp
                (self.post(change, token="another-token"), 403),    # signed with another token
                (self.post(change, raw="<xml><Encrypt>"), 400),     # not XML
                (self.post(change, raw="<!DOCTYPE x [<!ENTITY e 'x'>]><xml><Encrypt>&e;</Encrypt></xml>"), 400)]:
            self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(self.event_count(), 0)
        self.assertEqual(self.member("lina").position, position)

    def test_not_configured_is_refused(self):
        self.set_wecom_params(callback_token="", callback_aes_key="")
        response = self.post({"ChangeType": "delete_user", "UserID": "lina"})
        self.assertEqual(response.status_code, 503)
        self.assertIn("not configured", response.text)
        self.assertEqual(self.event_count(), 0)
        self.assertTrue(self.member("lina").active)

    def test_a_repeated_post_is_applied_once_and_alike_changes_twice(self):
        change = {"ChangeType": "update_user", "UserID": "lina", "Department": "8"}  # ids only, since 2022
        self.directory.update_user("lina", {"position": "副店长"})
        for sealed in (None, "repeat"):  # WeCom repeats a post when the answer took over 5 seconds
            response = self.post(change, sealed=self.last_sealed if sealed else None)
            self.assertEqual((response.status_code, response.text), (200, "success"))
        event = self.Event.search([])
        self.assertEqual(len(event), 1)
        self.assertEqual((event.change_type, event.record_ref, event.state), ("update_user", "lina", "done"))
        # a second change in the same second looks the same, but is another delivery
        self.directory.update_user("lina", {"position": "店长助理"})
        self.post(change)
        self.assertEqual(len(self.Event.search([])), 2)
        self.assertEqual(self.member("lina").position, "店长助理")
        self.assertEqual(self.env["wecom.sync.log"].search_count([("sync_type", "=", "event")]), 2)

    def test_unknown_events_are_kept_but_ignored(self):
        response = self.post({"ChangeType": "future_change", "UserID": "lina"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.Event.search([]).mapped("state"), ["ignored"])


class TestEventsApplied(CallbackCase):

    def applied_log(self):
        event = self.Event.search([], limit=1)
        self.assertEqual(event.state, "done", event.error_message)
        log = event.log_id
        self.assertEqual((log.sync_type, log.trigger, log.status), ("event", "callback", "success"))
        return log

    def test_member_update_reads_the_member_again(self):
        self.directory.update_user("lina", {"position": "副店长"})
        paths = ("user/get", "department/list", "user/list")
        before = [self.emulator.calls(path) for path in paths]
        self.post({"ChangeType": "update_user", "UserID": "lina", "Department": "8"})  # 2022: ids only
        self.assertEqual(self.member("lina").position, "副店长")
        log = self.applied_log()
        self.assertEqual((log.total_count, log.updated_count, log.failed_count), (1, 1, 0))
        made = [self.emulator.calls(path) - count for path, count in zip(paths, before)]
        self.assertEqual(made, [1, 1, 0], "the member and the tree are read again, nothing more")

    def test_member_created_then_deleted(self):
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [8]})
        self.post({"ChangeType": "create_user", "UserID": "newbie", "Department": "8"})
        newbie = self.member("newbie")
        self.assertEqual((newbie.name, newbie.department_ids.wecom_id, newbie.active), ("新人", 8, True))
        self.directory.remove_user("newbie")
        self.post({"ChangeType": "delete_user", "UserID": "newbie"})
        self.assertFalse(newbie.active, "archived, never deleted")

    def test_userid_change_keeps_the_record(self):
        lina = self.member("lina")
        self.directory.update_user("lina", {"new_userid": "li.na"})
        self.post({"ChangeType": "update_user", "UserID": "lina", "NewUserID": "li.na", "Department": "8"})
        self.assertEqual(lina.userid, "li.na")
        self.assertTrue(lina.active)
        self.assertEqual(self.member("li.na"), lina)

    def test_department_created_and_tag_updated(self):
        self.directory.add_department({"id": 30, "name": "成都春熙路店", "parentid": 1})
        self.post({"ChangeType": "create_party", "Id": "30", "ParentId": "1"})
        store = self.env["wecom.department"].search([("wecom_id", "=", 30)])
        self.assertEqual(store.complete_name, "好邻居连锁超市 / 成都春熙路店")
        tag = self.env["wecom.tag"].search([], limit=1)
        self.directory.update_tag(tag.wecom_id, {"users": ["lina"], "parties": []})
        self.post({"ChangeType": "update_tag", "TagId": str(tag.wecom_id), "AddUserItems": "lina"})
        self.assertEqual(tag.member_ids, self.member("lina"))

    def test_a_wecom_failure_keeps_the_event_for_the_next_try(self):
        self.directory.update_user("lina", {"position": "副店长"})
        self.emulator.inject_fault("user/get", kind="errcode", errcode=-1, count=20)
        self.post({"ChangeType": "update_user", "UserID": "lina", "Department": "8"})
        event = self.Event.search([])
        self.assertEqual((event.state, event.attempts), ("pending", 1))
        self.assertIn("-1", event.error_message)
        self.assertEqual(event.log_id.status, "failed")
        self.assertFalse(event.log_id.retry_at, "events are retried by their own job, not as a sync")
        self.assertEqual(self.member("lina").position, "店长", "nothing half-applied")
        self.emulator.clear_faults()
        self.env["wecom.callback.event"]._apply_pending()
        self.assertEqual((event.state, event.attempts), ("done", 2))
        self.assertEqual(self.member("lina").position, "副店长")

    def test_member_outside_the_app_range_is_an_item_error(self):
        self.directory.add_user({"userid": "secret", "name": "保密", "department": [8]})
        self.emulator.inject_fault("user/get", kind="errcode", errcode=60011, count=1)
        self.post({"ChangeType": "create_user", "UserID": "secret", "Department": "8"})
        event = self.Event.search([])
        self.assertEqual(event.state, "done")
        self.assertEqual((event.log_id.status, event.log_id.failed_count), ("partial", 1))
        self.assertIn("visible range", event.log_id.error_ids.message)


class TestMemberActions(CallbackCase):

    def test_last_event_of_a_member_wins_and_renames_carry_over(self):
        renames, actions = member_actions([
            {"ChangeType": "create_user", "UserID": "a"},
            {"ChangeType": "update_user", "UserID": "a", "NewUserID": "A2"},
            {"ChangeType": "update_user", "UserID": "b"},
            {"ChangeType": "delete_user", "UserID": "B"},
        ])
        self.assertEqual(renames, [("a", "A2")])
        self.assertEqual(list(actions.items()), [("a2", ("A2", "upsert")), ("b", ("B", "delete"))])

    def test_the_members_bridges_are_told_about(self):
        """What wecom.user._after_directory_change is called on after events: the members they name."""
        userids = event_members([
            {"ChangeType": "update_user", "UserID": "LiNa", "NewUserID": "li.na"},
            {"ChangeType": "create_party", "Id": "30"},
            {"ChangeType": "delete_user", "UserID": "chenlei"},
            {"ChangeType": "update_tag", "TagId": "1", "AddUserItems": "sunhao"},
        ])
        self.assertEqual(userids, ["LiNa", "li.na", "chenlei"])
        members = self.Member._by_userids(userids + ["nobody", ""])
        self.assertEqual(sorted(members.mapped("userid")), ["chenlei", "lina"], "case-insensitive, unknown ones left out")
        self.assertFalse(self.Member._by_userids([]))


class TestEmulatorDelivers(CallbackCase):
    """End to end: the emulator plays WeCom, checks Odoo's URL and posts each change to it."""

    def setUp(self):
        super(TestEmulatorDelivers, self).setUp()
        self.cr.commit()  # the request that checks the URL must see the callback settings
        self.emulator.set_contact_callback(self.url, TOKEN, AES_KEY)

    def delivered(self):
        self.env.cache.invalidate()
        records = self.emulator.callback_deliveries()
        self.assertTrue(records and all(r["status"] == "delivered" for r in records), records)
        return records

    def test_changes_in_wecom_reach_odoo(self):
        self.directory.add_department({"id": 30, "name": "成都春熙路店", "parentid": 1})
        self.directory.add_user({"userid": "newbie", "name": "新人", "department": [30], "position": "店员"})
        self.directory.update_user("lina", {"new_userid": "li.na", "position": "副店长"})
        self.directory.remove_user("chenlei")
        self.directory.add_department({"id": 31, "name": "临时门店", "parentid": 1})
        self.directory.remove_department(31)
        self.assertEqual([r["change_type"] for r in self.delivered()],
                         ["create_party", "create_user", "update_user", "delete_user", "create_party", "delete_party"])
        temporary = self.env["wecom.department"].with_context(active_test=False).search([("wecom_id", "=", 31)])
        self.assertTrue(temporary and not temporary.active, "archived, never deleted")
        self.assertEqual(self.member("newbie").department_ids.complete_name, "好邻居连锁超市 / 成都春熙路店")
        self.assertEqual(self.member("li.na").position, "副店长")
        self.assertFalse(self.member("lina"))
        self.assertFalse(self.member("chenlei").active)
        self.assertEqual(self.Event.search([]).mapped("state"), ["done"] * 6)

    def test_a_wrong_token_fails_wecom_url_check(self):
        with self.assertRaises(ApiError) as caught:
            self.emulator.set_contact_callback(self.url, "not-the-token", AES_KEY)
        self.assertEqual(caught.exception.errcode, 40057)
        self.assertEqual(self.emulator.contact_callback["token"], TOKEN, "the working settings stay")


class TestEventRetention(CallbackCase):

    def test_applied_events_are_forgotten_after_the_retention_period(self):
        self.directory.update_user("lina", {"position": "副店长"})
        self.post({"ChangeType": "update_user", "UserID": "lina"})
        self.emulator.inject_fault("user/get", kind="errcode", errcode=-1, count=100)
        self.post({"ChangeType": "update_user", "UserID": "zhangwei"})
        self.env.cr.execute("UPDATE wecom_callback_event SET create_date = now() at time zone 'UTC' - interval '31 days', "
                            "state = CASE WHEN record_ref = 'zhangwei' THEN 'failed' ELSE state END")
        self.assertEqual(self.Event._purge_old(), 1)
        self.assertEqual(self.Event.search([]).mapped("record_ref"), ["zhangwei"], "failed events are kept")
