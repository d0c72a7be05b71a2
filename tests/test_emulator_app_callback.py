# -*- coding: utf-8 -*-
"""Emulator: the self-built app's own callback (WECOM_API_CARDS_LOGIN §C): per-app config and URL
verification, template_card_event / template_card_menu_event posted to a real HTTP receiver on a
member's click (decrypted and checked with wechatpy 1.8.18), retries, passive replies (§B.3), the
receiver calling update_template_card back, the admin routes and the inbox's click form."""
import json

import pytest
import requests
import responses

pytest.importorskip("wechatpy")

from wechatpy.enterprise import parse_message  # noqa: E402
from wechatpy.enterprise.crypto import WeChatCrypto  # noqa: E402
from wechatpy.messages import UnknownMessage  # noqa: E402

from wecom_emulator import (APP_AGENT_ID, APP_SECRET, CORP_ID, Emulator,  # noqa: E402
                            LEGACY_AGENT_ID)
from wecom_emulator.card_center import ClickRefused  # noqa: E402
from wecom_emulator.contact_events import to_xml  # noqa: E402
from wecom_emulator.errors import ApiError  # noqa: E402
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server, install  # noqa: E402

from test_emulator_cards import BUTTONS, MULTIPLE, NOTICE, VOTE, card_body  # noqa: E402
from wecom_receivers import AES_KEY, TOKEN, Receiver, closed_port_url  # noqa: E402

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
HEADER = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "EventKey", "TaskId",
          "CardType", "ResponseCode", "AgentID"]


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def send(wx, card, touser="lina|sunhao"):
    data = wx.post("message/send", card_body(card, touser=touser))
    assert data["errcode"] == 0, data
    return data


# ---------------------------------------------------------------------------- configuration


def test_verification_and_config(emu, receiver):
    config = emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    assert config == {"url": receiver.url, "token": TOKEN, "encoding_aes_key": AES_KEY,
                      "mode": "sync", "timeout": 5.0, "agentid": APP_AGENT_ID}
    assert emu.app_callback(APP_AGENT_ID) == config
    assert emu.app_callback(LEGACY_AGENT_ID) is None and emu.contact_callback is None
    (get,) = receiver.gets
    assert set(get["args"]) == {"msg_signature", "timestamp", "nonce", "echostr"}


def test_verification_failure_is_40057_and_keeps_the_previous_one(emu, receiver):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    receiver.echo = "wrong"
    with pytest.raises(ApiError) as info:
        emu.set_app_callback(APP_AGENT_ID, receiver.url, "another", AES_KEY)
    assert info.value.errcode == 40057
    with pytest.raises(ApiError):
        emu.set_app_callback(APP_AGENT_ID, closed_port_url(), TOKEN, AES_KEY)
    assert emu.app_callback(APP_AGENT_ID)["token"] == TOKEN
    with pytest.raises(ValueError):
        emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, "short", verify=False)
    with pytest.raises(KeyError):
        emu.set_app_callback(4242, receiver.url, TOKEN, AES_KEY, verify=False)


def test_app_and_contact_callbacks_are_independent(emu, receiver, wx):
    other = Receiver()
    try:
        emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
        emu.set_contact_callback(other.url, TOKEN, AES_KEY)
        emu.directory.update_user("lina", {"position": "x"})
        assert len(other.events) == 1 and receiver.events == []
        msgid = send(wx, BUTTONS)["msgid"]
        emu.click(msgid, "lina", "approve:R1001")
        assert len(receiver.events) == 1 and len(other.events) == 1
        assert [r["change_type"] for r in emu.callback_deliveries()] == ["update_user"]
        assert [r["event_type"] for r in emu.app_callback_deliveries()] == ["template_card_event"]
        emu.reset()
        assert emu.app_callback(APP_AGENT_ID) is None and emu.app_callback_deliveries() == []
    finally:
        other.close()


# ---------------------------------------------------------------------------- clicks


def test_click_posts_an_encrypted_signed_event(emu, clock, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, BUTTONS)["msgid"]
    clock.advance(7)
    out = emu.click(msgid, "LINA", "reject:R1001")
    assert out["clicked"] is True
    record = out["delivery"]
    assert (record["status"], record["attempts"], record["event_type"]) == (
        "delivered", 1, "template_card_event")
    assert (record["agentid"], record["msgid"], record["userid"]) == (APP_AGENT_ID, msgid, "lina")
    (post,) = receiver.posts
    assert post["content_type"] == "text/xml"
    assert set(post["args"]) == {"msg_signature", "timestamp", "nonce"}
    assert post["args"]["timestamp"] == "1700000007"
    # the envelope carries the app's AgentID (contact callbacks leave it empty)
    assert post["body"].endswith("<AgentID><![CDATA[%d]]></AgentID></xml>" % APP_AGENT_ID)
    assert post["body"].startswith("<xml><ToUserName><![CDATA[%s]]></ToUserName>" % CORP_ID)
    # receiver.xml is what wechatpy decrypted after checking the signature: byte for byte ours
    assert receiver.xml == [record["xml"]]
    event = receiver.events[0]
    assert list(event) == HEADER   # §C.4's order; no SelectedItems without selectors
    assert [event[k] for k in HEADER[:9]] == [
        CORP_ID, "lina", "1700000007", "event", "template_card_event", "reject:R1001",
        "exp-R1001-20250101", "button_interaction", out["response_code"]]
    assert event["AgentID"] == str(APP_AGENT_ID)
    assert "<AgentID>1000002</AgentID>" in record["xml"]   # a bare number, as in the doc
    assert out["response_code"] != emu.messages[-1]["response_code"]   # a fresh code per click


def test_wechatpy_parses_the_event_as_unknown_with_the_common_fields(emu, receiver, wx):
    """wechatpy 1.8.18 has no template_card_event class (nor taskcard_click): parse_message
    gives UnknownMessage, whose common fields and raw dict still read right."""
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, BUTTONS)["msgid"]
    emu.click(msgid, "lina", "approve:R1001")
    message = parse_message(receiver.xml[0])
    assert isinstance(message, UnknownMessage)
    assert (message.source, message.target, message.time) == ("lina", CORP_ID, 1700000000)
    assert message._data["Event"] == "template_card_event"
    assert message._data["EventKey"] == "approve:R1001"
    # where wechatpy has a class, our XML parses through it: an enter_agent event, same header
    xml = to_xml({"ToUserName": CORP_ID, "FromUserName": "lina", "CreateTime": 1700000000,
                  "MsgType": "event", "Event": "enter_agent", "EventKey": "",
                  "AgentID": APP_AGENT_ID})
    entered = parse_message(xml)
    assert (entered.type, entered.event, entered.agent, entered.source) == (
        "event", "enter_agent", APP_AGENT_ID, "lina")


@pytest.mark.parametrize("card, selected, expected", [
    (VOTE, None, [("q1", ["a"])]),                               # what the card shows checked
    (VOTE, {"q1": ["a", "b"]}, [("q1", ["a", "b"])]),
    (VOTE, [{"question_key": "q1", "option_ids": ["b"]}], [("q1", ["b"])]),
    (MULTIPLE, None, [("day", ["mon"])]),
    (MULTIPLE, {"day": "tue"}, [("day", ["tue"])]),
    (dict(BUTTONS, button_selection={"question_key": "who", "title": u"处理人", "option_list": [
        {"id": "u1", "text": u"张三"}, {"id": "u2", "text": u"李四"}], "selected_id": "u2"}),
     None, [("who", ["u2"])]),
])
def test_selected_items(emu, receiver, wx, card, selected, expected):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, card)["msgid"]
    key = None if card is not BUTTONS and "submit_button" in card else "approve:R1001"
    out = emu.click(msgid, "lina", key, selected)
    event = receiver.events[0]
    items = event["SelectedItems"]["SelectedItem"]
    items = items if isinstance(items, list) else [items]   # xmltodict: a list only if repeated
    got = []
    for item in items:
        ids = item["OptionIds"]["OptionId"]
        got.append((item["QuestionKey"], ids if isinstance(ids, list) else [ids]))
    assert got == expected
    assert event["EventKey"] == (key or card["submit_button"]["key"])
    assert out["event"]["SelectedItems"]["SelectedItem"][0]["QuestionKey"] == expected[0][0]
    assert emu.messages[-1]["card"]["copies"]["lina"]["selected"] == dict(expected)


def test_several_select_lists_give_one_item_each(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    two = dict(MULTIPLE, select_list=MULTIPLE["select_list"] + [
        {"question_key": "shift", "option_list": [{"id": "am", "text": "AM"},
                                                  {"id": "pm", "text": "PM"}]}])
    msgid = send(wx, two)["msgid"]
    emu.click(msgid, "lina", selected_items={"shift": "pm"})
    items = receiver.events[0]["SelectedItems"]["SelectedItem"]
    assert [(i["QuestionKey"], i["OptionIds"]["OptionId"]) for i in items] == [
        ("day", "mon"), ("shift", "pm")]


def test_menu_item_sends_template_card_menu_event(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    menu = {"desc": u"更多", "action_list": [{"text": u"不再提醒", "key": "mute"}]}
    msgid = send(wx, dict(NOTICE, task_id="notice-menu", action_menu=menu))["msgid"]
    emu.click(msgid, "lina", "mute")
    event = receiver.events[0]
    assert (event["Event"], event["EventKey"], event["TaskId"], event["CardType"]) == (
        "template_card_menu_event", "mute", "notice-menu", "text_notice")
    assert "SelectedItems" not in event and event["ResponseCode"]


@pytest.mark.parametrize("userid, key, selected, status", [
    ("zhuhong", "approve:R1001", None, 403),     # not a recipient
    (None, "approve:R1001", None, 403),
    ("lina", "nope", None, 400),                  # no such button
    ("lina", None, None, 400),
    ("lina", "approve:R1001", {"q9": "x"}, 400),  # no such question
])
def test_refused_clicks(emu, receiver, wx, userid, key, selected, status):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, BUTTONS)["msgid"]
    with pytest.raises(ClickRefused) as info:
        emu.click(msgid, userid, key, selected)
    assert info.value.status == status
    assert receiver.posts == []


def test_refused_selections(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    single = dict(VOTE, checkbox=dict(VOTE["checkbox"], mode=0))
    msgid = send(wx, single)["msgid"]
    for bad in ({"q1": ["a", "b"]}, {"q1": []}, {"q1": ["zzz"]}, "q1"):
        with pytest.raises(ClickRefused):
            emu.click(msgid, "lina", selected_items=bad)
    with pytest.raises(ClickRefused) as info:
        emu.click("no-such-msgid", "lina")
    assert info.value.status == 404
    assert receiver.posts == []


def test_no_callback_recalled_and_not_a_card(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, BUTTONS)["msgid"]
    emu.clear_app_callback(APP_AGENT_ID)
    with pytest.raises(ClickRefused) as info:
        emu.click(msgid, "lina", "approve:R1001")
    assert info.value.status == 409 and "no callback" in str(info.value)
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    assert wx.post("message/recall", {"msgid": msgid})["errcode"] == 0
    with pytest.raises(ClickRefused) as info:
        emu.click(msgid, "lina", "approve:R1001")
    assert info.value.status == 409
    text = wx.post("message/send", {"touser": "lina", "msgtype": "text", "agentid": APP_AGENT_ID,
                                    "text": {"content": "hi"}})["msgid"]
    with pytest.raises(ClickRefused) as info:
        emu.click(text, "lina", "x")
    assert info.value.status == 400
    assert receiver.posts == []


def test_a_copy_with_replaced_buttons_sends_nothing(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    data = send(wx, BUTTONS)
    wx.post("message/update_template_card", {"agentid": APP_AGENT_ID, "userids": ["lina"],
                                             "response_code": data["response_code"],
                                             "button": {"replace_name": u"已处理"}})
    out = emu.click(data["msgid"], "lina", "approve:R1001")
    assert out["clicked"] is False and "replaced" in out["reason"] and out["event"] is None
    assert receiver.posts == []
    assert emu.click(data["msgid"], "sunhao", "approve:R1001")["clicked"] is True


def test_the_click_code_updates_the_card_once(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    data = send(wx, BUTTONS)
    code = emu.click(data["msgid"], "lina", "approve:R1001")["response_code"]
    body = {"agentid": APP_AGENT_ID, "response_code": code, "atall": 1,
            "button": {"replace_name": u"李娜已同意"}}
    assert wx.post("message/update_template_card", body)["errcode"] == 0
    assert wx.post("message/update_template_card", body)["errcode"] == 60140
    copies = emu.messages[-1]["card"]["copies"]
    assert all(c["replaced_with"] == u"李娜已同意" for c in copies.values())   # scope "card"
    # the send code is independent: still usable
    body["response_code"] = data["response_code"]
    assert wx.post("message/update_template_card", body)["errcode"] == 0


def test_click_code_scope_clicker(receiver):
    emu = Emulator(clock=FakeClock(), click_code_scope="clicker")
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        data = send(wx, BUTTONS)
        code = emu.click(data["msgid"], "lina", "approve:R1001")["response_code"]
        assert wx.post("message/update_template_card", {
            "agentid": APP_AGENT_ID, "response_code": code, "atall": 1,
            "button": {"replace_name": "ok"}})["errcode"] == 0
    copies = emu.messages[-1]["card"]["copies"]
    assert (copies["lina"]["replaced_with"], copies["sunhao"]["replaced_with"]) == ("ok", None)
    with pytest.raises(ValueError):
        Emulator(click_code_scope="everyone")


def test_receiver_updates_the_card_from_inside_the_callback(emu, receiver):
    """Sync mode releases the emulator lock while posting: the receiver may call
    update_template_card with the event's ResponseCode before it answers."""
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        wx.token(APP_SECRET)

        def on_event(event):
            caller = RawCaller(base)
            caller.token(APP_SECRET)
            assert caller.post("message/update_template_card", {
                "agentid": APP_AGENT_ID, "userids": [event["FromUserName"]],
                "response_code": event["ResponseCode"],
                "button": {"replace_name": u"已" + event["EventKey"]}})["errcode"] == 0

        receiver.on_event = on_event
        emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
        msgid = send(wx, BUTTONS)["msgid"]
        out = emu.click(msgid, "lina", "approve:R1001")
    assert out["delivery"]["status"] == "delivered"
    assert emu.messages[-1]["card"]["copies"]["lina"]["replaced_with"] == u"已approve:R1001"


# ---------------------------------------------------------------------------- delivery


def test_retries_on_a_failing_receiver(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    msgid = send(wx, BUTTONS)["msgid"]
    receiver.answers = [500, 502]
    record = emu.click(msgid, "lina", "approve:R1001")["delivery"]
    assert (record["status"], record["attempts"], record["http_status"]) == ("delivered", 3, 200)
    assert len(receiver.posts) == 3 and len(set(p["body"] for p in receiver.posts)) == 1
    receiver.answers = [500] * 3
    record = emu.click(msgid, "sunhao", "approve:R1001")["delivery"]
    assert (record["status"], record["attempts"], record["error"]) == ("failed", 3, "HTTP 500")
    emu.set_app_callback(APP_AGENT_ID, closed_port_url(), TOKEN, AES_KEY, verify=False)
    record = emu.click(msgid, "sunhao", "reject:R1001")["delivery"]
    assert (record["status"], record["http_status"]) == ("failed", None)
    statuses = [r["status"] for r in emu.app_callback_deliveries(APP_AGENT_ID)]
    assert statuses == ["delivered", "failed", "failed"]
    clicks = emu.messages[-1]["card"]["copies"]["sunhao"]["clicks"]
    assert [c["delivery"] for c in clicks] == [2, 3]


def test_background_mode(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY, mode="background")
    receiver.delays = [0.3]
    msgid = send(wx, BUTTONS)["msgid"]
    assert emu.click(msgid, "lina", "approve:R1001")["delivery"]["status"] == "pending"
    assert emu.flush_callbacks(10) is True
    assert [r["status"] for r in emu.app_callback_deliveries()] == ["delivered"]
    assert receiver.events[0]["FromUserName"] == "lina"


# ---------------------------------------------------------------------------- passive replies


def _reply(xml, token=TOKEN):
    return WeChatCrypto(token, AES_KEY, CORP_ID).encrypt_message(xml, "12345", "1700000000")


def passive(msgtype, inner, to="lina"):
    """A passive reply's plaintext (§B.3): to the member, from the corp."""
    return ("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]>"
            "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[%s]]>"
            "</MsgType>%s</xml>" % (to, CORP_ID, msgtype, inner))


def test_passive_update_button_reply(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    receiver.on_event = lambda event: _reply(passive(
        "update_button", "<Button><ReplaceName><![CDATA[已同意]]></ReplaceName></Button>",
        to=event["FromUserName"]))
    data = send(wx, BUTTONS)
    record = emu.click(data["msgid"], "lina", "approve:R1001")["delivery"]
    assert record["reply"] == {"msgtype": "update_button", "applied": True, "error": None}
    copies = emu.messages[-1]["card"]["copies"]
    assert (copies["lina"]["replaced_with"], copies["sunhao"]["replaced_with"]) == (u"已同意", None)
    # the reply used up the event's ResponseCode (passive_reply_consumes_code=True)
    codes = emu.cards.describe(emu.messages[-1])["response_codes"]
    assert [(c["kind"], c["status"], c["used_by"]) for c in codes] == [
        ("send", "live", None), ("click", "used", "passive_reply")]


def test_passive_update_template_card_reply(emu, receiver, wx):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    receiver.on_event = lambda event: _reply(passive(
        "update_template_card", "<TemplateCard>"
        "<CardType><![CDATA[button_interaction]]></CardType>"
        "<MainTitle><Title><![CDATA[报销单 R-1001]]></Title></MainTitle>"
        "<HorizontalContentList><KeyName><![CDATA[状态]]></KeyName><Value><![CDATA[已同意]]>"
        "</Value></HorizontalContentList>"
        "<ButtonList><Text><![CDATA[同意]]></Text><Style>1</Style><Key><![CDATA[approve:R1001]]>"
        "</Key></ButtonList><ReplaceText><![CDATA[已同意]]></ReplaceText></TemplateCard>"))
    data = send(wx, BUTTONS)
    record = emu.click(data["msgid"], "lina", "approve:R1001")["delivery"]
    assert record["reply"]["applied"] is True, record["reply"]
    lina = emu.messages[-1]["card"]["copies"]["lina"]
    assert lina["state"] == "updated" and lina["replaced_with"] == u"已同意"
    assert lina["card"]["horizontal_content_list"] == [{"keyname": u"状态", "value": u"已同意"}]
    assert lina["card"]["button_list"] == [{"text": u"同意", "style": 1, "key": "approve:R1001"}]


@pytest.mark.parametrize("answer, error", [
    (b"success", None),                                   # not a reply: nothing happens
    (_reply("<xml><MsgType>update_button</MsgType><Button><ReplaceName>x</ReplaceName></Button>"
            "</xml>", token="otherToken"), "MsgSignature"),
    (_reply("<xml><MsgType>text</MsgType></xml>"), "unsupported"),
    (_reply("<xml><MsgType>update_template_card</MsgType><TemplateCard><CardType>nope"
            "</CardType></TemplateCard></xml>"), "42031"),
])
def test_bad_or_no_passive_reply(emu, receiver, wx, answer, error):
    emu.set_app_callback(APP_AGENT_ID, receiver.url, TOKEN, AES_KEY)
    receiver.on_event = lambda event: answer
    data = send(wx, BUTTONS)
    record = emu.click(data["msgid"], "lina", "approve:R1001")["delivery"]
    assert record["status"] == "delivered"
    if error is None:
        assert record["reply"] is None
    else:
        assert record["reply"]["applied"] is False and error in record["reply"]["error"]
    assert emu.messages[-1]["card"]["copies"]["lina"]["state"] == "original"


# ---------------------------------------------------------------------------- admin API, inbox


def test_admin_routes_and_the_inbox_form(receiver):
    emu = Emulator(clock=FakeClock())
    with emulator_server(emu) as base:
        root = base[:-len("/cgi-bin")]
        admin = root + "/_emulator/apps/%d/callback" % APP_AGENT_ID
        assert requests.get(admin, timeout=10).json() == {"callback": None}
        body = {"url": receiver.url, "token": TOKEN, "encoding_aes_key": AES_KEY}
        res = requests.post(admin, json=dict(body, token="wrong"), timeout=10)
        assert res.status_code == 400 and res.json()["errcode"] == 40057
        res = requests.post(admin, json={"url": receiver.url}, timeout=10)
        assert res.status_code == 400 and "token, encoding_aes_key" in res.json()["error"]
        assert requests.post(root + "/_emulator/apps/4242/callback", json=body,
                             timeout=10).status_code == 404
        res = requests.post(admin, json=body, timeout=10)
        assert res.status_code == 200 and res.json()["errcode"] == 0
        assert res.json()["callback"]["agentid"] == APP_AGENT_ID
        assert requests.get(admin, timeout=10).json()["callback"]["url"] == receiver.url

        wx = RawCaller(base)
        wx.token(APP_SECRET)
        msgid = wx.post("message/send", card_body(VOTE, touser="lina"))["msgid"]
        click = root + "/_emulator/messages/%s/click" % msgid
        res = requests.post(click, json={"userid": "lina", "selected_items": {"q1": ["b"]}},
                            timeout=10)
        assert res.status_code == 200 and res.json()["clicked"] is True
        assert res.json()["delivery"]["status"] == "delivered"
        res = requests.post(click, json={"userid": "zhuhong"}, timeout=10)
        assert res.status_code == 403 and "not a recipient" in res.json()["error"]
        assert requests.post(click, json={}, timeout=10).status_code == 400

        # the inbox's form: a plain POST, then back to the inbox (303)
        page = requests.get(root + "/?userid=lina", timeout=10).text
        assert 'action="/_emulator/messages/%s/click"' % msgid in page
        res = requests.post(click, data=[("userid", "lina"), ("key", "submit1"), ("q:q1", "a"),
                                         ("q:q1", "b")],
                            headers={"Referer": root + "/?userid=lina"}, allow_redirects=False,
                            timeout=10)
        assert res.status_code == 303
        assert res.headers["Location"].endswith("/?userid=lina#m-%s-lina" % msgid[:12])
        items = receiver.events[-1]["SelectedItems"]["SelectedItem"]
        assert items["OptionIds"]["OptionId"] == ["a", "b"]
        page = requests.get(root + "/?userid=lina", timeout=10).text
        assert u"点击 submit1 → delivered" in page
        res = requests.post(click, data={"userid": "zhuhong", "key": "submit1"}, timeout=10)
        assert res.headers.get("X-Emulator-Error") == "click_refused"

        data = requests.get(root + "/_emulator/callbacks?agentid=%d" % APP_AGENT_ID,
                            timeout=10).json()
        assert data["callback"]["agentid"] == APP_AGENT_ID
        assert [d["event_type"] for d in data["deliveries"]] == ["template_card_event"] * 2
        assert requests.get(root + "/_emulator/callbacks", timeout=10).json() == {
            "callback": None, "deliveries": []}   # the contact-sync one: unchanged
        listed = requests.get(root + "/_emulator/messages", timeout=10).json()["messages"][0]
        (lina,) = listed["card"]["recipients"]
        assert [c["key"] for c in lina["clicks"]] == ["submit1", "submit1"]
        assert [c["status"] for c in lina["response_codes"]] == ["live", "live"]
        assert json.dumps(listed)   # serialisable

        assert requests.delete(admin, timeout=10).json() == {"callback": None}
        assert emu.app_callback(APP_AGENT_ID) is None
