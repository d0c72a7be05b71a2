# -*- coding: utf-8 -*-
"""Emulator: template cards (WECOM_API_CARDS_LOGIN §A, §B): message/send validation in §A.9's
order, task_id rules, the callback requirement, response codes (once, 72 h or 24 h on the
emulator clock) and message/update_template_card changing what each member's inbox shows."""
import copy
import json

import pytest
import responses
from werkzeug.test import Client
from werkzeug.wrappers import BaseResponse

from wecom_emulator import (APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, Emulator, LEGACY_AGENT_ID,
                            LEGACY_SECRET)
from wecom_emulator.inbox import render_inbox
from wecom_emulator.testing import FakeClock, RawCaller, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
TOKEN = "cbToken2024"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NOWHERE = "http://127.0.0.1:9/cb"   # a callback that is set (verify=False) but never called here

# §A.8's example
BUTTONS = {"card_type": "button_interaction",
           "source": {"icon_url": "https://example.com/i.png", "desc": u"审批", "desc_color": 1},
           "main_title": {"title": u"报销单 R-1001", "desc": u"提交人 $userName=lina$"},
           "sub_title_text": u"金额 1,280.00 元",
           "horizontal_content_list": [{"keyname": u"部门", "value": u"研发"},
                                       {"type": 1, "keyname": u"详情", "value": u"打开",
                                        "url": "https://erp.example.com/r/1001"}],
           "task_id": "exp-R1001-20250101",
           "button_list": [{"text": u"同意", "style": 1, "key": "approve:R1001"},
                           {"text": u"驳回", "style": 4, "key": "reject:R1001"}]}
NOTICE = {"card_type": "text_notice", "main_title": {"title": u"门店通知"},
          "card_action": {"type": 1, "url": "https://erp.example.com/n/1"}}
NEWS = {"card_type": "news_notice", "main_title": {"title": u"新品"},
        "card_action": {"type": 1, "url": "https://erp.example.com/n/2"},
        "card_image": {"url": "https://example.com/p.png"}}
VOTE = {"card_type": "vote_interaction", "task_id": "vote-1", "main_title": {"title": u"投票"},
        "checkbox": {"question_key": "q1", "mode": 1, "option_list": [
            {"id": "a", "text": "A", "is_checked": True}, {"id": "b", "text": "B"}]},
        "submit_button": {"text": u"提交", "key": "submit1"}}
MULTIPLE = {"card_type": "multiple_interaction", "task_id": "multi-1",
            "main_title": {"title": u"排班"},
            "select_list": [{"question_key": "day", "title": u"日期", "option_list": [
                {"id": "mon", "text": u"周一"}, {"id": "tue", "text": u"周二"}]}],
            "submit_button": {"key": "go"}}


@pytest.fixture
def wx(emu, wx):
    """conftest's caller, with the app's callback set (cards with buttons need one)."""
    emu.set_app_callback(APP_AGENT_ID, NOWHERE, TOKEN, AES_KEY, verify=False)
    return wx


def card_body(card, touser="lina|sunhao", agentid=APP_AGENT_ID, **extra):
    body = {"touser": touser, "msgtype": "template_card", "agentid": agentid,
            "template_card": card}
    body.update(extra)
    return body


def send(wx, card, **kwargs):
    return wx.post("message/send", card_body(card, **kwargs))


def changed(card, path, value):
    """A deep copy of card with path ("a.b.0.c") set to value (or deleted if value is DELETE)."""
    out = copy.deepcopy(card)
    keys = path.split(".")
    target = out
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if value is DELETE:
        del target[int(last) if isinstance(target, list) else last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return out


DELETE = object()


def update(wx, code, **body):
    body.setdefault("agentid", APP_AGENT_ID)
    body["response_code"] = code
    return wx.post("message/update_template_card", body)


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize("card, path, value, errcode", [
    (BUTTONS, "card_type", "nope", 42031),
    (BUTTONS, "task_id", DELETE, 42014),
    (BUTTONS, "task_id", "", 42014),
    (BUTTONS, "task_id", "bad id!", 42014),            # only [A-Za-z0-9_-@]
    (BUTTONS, "task_id", "x" * 129, 42014),            # at most 128 bytes
    (BUTTONS, "main_title", DELETE, 40058),
    (BUTTONS, "button_list", DELETE, 40058),
    (BUTTONS, "button_list", [], 40058),
    (BUTTONS, "button_list", [{"text": "b", "key": "k%d" % i} for i in range(7)], 40058),
    (BUTTONS, "button_list.0.text", DELETE, 42038),
    (BUTTONS, "button_list.0.key", DELETE, 42039),
    (BUTTONS, "button_list.1.key", "approve:R1001", 42039),   # keys unique
    (BUTTONS, "button_list.0.key", "k" * 1025, 42039),         # at most 1024 bytes
    (BUTTONS, "button_list.0", {"type": 1, "text": u"打开"}, 42028),
    (BUTTONS, "horizontal_content_list", [{"keyname": "k", "value": "v"}] * 7, 42035),
    (BUTTONS, "horizontal_content_list.0.keyname", DELETE, 42027),
    (BUTTONS, "horizontal_content_list.1.url", DELETE, 42028),
    (BUTTONS, "horizontal_content_list.0", {"type": 2, "keyname": u"附件"}, 42029),
    (BUTTONS, "horizontal_content_list.0", {"type": 3, "keyname": u"成员"}, 42050),
    (BUTTONS, "button_selection", {"question_key": "q", "option_list": []}, 42037),
    (BUTTONS, "button_selection", {"option_list": [{"id": "1", "text": "a"}]}, 42043),
    (NOTICE, "card_action", DELETE, 42045),
    (NOTICE, "card_action", {"type": 3, "url": "https://x.example.com"}, 42045),
    (NOTICE, "card_action", {"type": 1}, 42028),
    (NOTICE, "card_action", {"type": 2}, 42030),
    (NOTICE, "main_title", {"desc": "no title"}, 40058),       # title and sub_title_text empty
    (NOTICE, "jump_list", [{"title": "t"}] * 4, 42042),
    (NOTICE, "jump_list", [{"type": 1, "url": "https://x.example.com"}], 42033),
    (NOTICE, "action_menu", {"desc": "m", "action_list": [{"text": "a", "key": "k"}]}, 42014),
    (NEWS, "card_image", DELETE, 42044),
    (NEWS, "card_image", {"aspect_ratio": 1.3}, 42044),
    (NEWS, "vertical_content_list", [{"title": "t"}] * 5, 42036),
    (NEWS, "vertical_content_list", [{"desc": "d"}], 42033),
    (VOTE, "submit_button", DELETE, 42046),
    (VOTE, "submit_button.key", DELETE, 42046),
    (VOTE, "submit_button.text", 5, 42049),
    (VOTE, "checkbox.option_list", [{"id": str(i), "text": "t"} for i in range(21)], 42037),
    (VOTE, "checkbox.option_list.0.id", DELETE, 42040),
    (VOTE, "checkbox.option_list.1.id", "a", 42040),       # ids unique
    (VOTE, "checkbox.option_list.0.id", "i" * 129, 42040),  # at most 128 bytes
    (VOTE, "checkbox.option_list.0.text", DELETE, 42041),
    (VOTE, "checkbox.question_key", DELETE, 42043),
    (MULTIPLE, "select_list", DELETE, 42047),
    (MULTIPLE, "select_list", [MULTIPLE["select_list"][0]] * 4, 42047),
    (MULTIPLE, "select_list", [MULTIPLE["select_list"][0]] * 2, 42043),   # question_key unique
])
def test_card_validation_errcodes(wx, card, path, value, errcode):
    data = send(wx, changed(card, path, value))
    assert data["errcode"] == errcode, data
    assert "msgid" not in data and "response_code" not in data


def test_action_menu_key_conflict_is_42051(wx):
    menu = {"desc": u"更多", "action_list": [{"text": "a", "key": "k"}, {"text": "b", "key": "k"}]}
    data = send(wx, dict(NOTICE, action_menu=menu, task_id="menu-1"))
    assert data["errcode"] == 42051


def test_validation_order_follows_a9(wx):
    # required fields (step 1) before sub-structures, sub-structures before lengths (step 2)
    assert send(wx, changed(changed(BUTTONS, "task_id", DELETE), "main_title", DELETE))[
        "errcode"] == 42014
    bad_charset_and_no_text = changed(changed(BUTTONS, "task_id", "bad id!"),
                                      "button_list.0.text", DELETE)
    assert send(wx, bad_charset_and_no_text)["errcode"] == 42038
    assert send(wx, changed(BUTTONS, "task_id", "t" * 128))["errcode"] == 0


def test_valid_cards_of_every_type_and_what_is_stored(emu, wx):
    for card in (BUTTONS, NOTICE, NEWS, VOTE, MULTIPLE):
        data = send(wx, card)
        assert data["errcode"] == 0, (card["card_type"], data)
        assert ("response_code" in data) == (card["card_type"] not in ("text_notice",
                                                                          "news_notice"))
    vote = emu.messages[-2]["payload"]
    assert vote["checkbox"]["mode"] == 1
    multiple = emu.messages[-1]["payload"]
    assert multiple["submit_button"]["text"] == u"提交"                    # default text
    assert multiple["select_list"][0]["selected_id"] == "mon"              # default: the first
    data = send(wx, dict(BUTTONS, task_id="styles", replace_text="x", jump_list=[{"title": "j"}],
                         button_list=[{"text": "b", "key": "k", "style": 9}]))
    stored = emu.messages[-1]["payload"]
    assert stored["button_list"][0]["style"] == 1                          # invalid -> 1
    assert "replace_text" not in stored and "jump_list" not in stored      # not part of the type


def test_task_id_unique_per_app_forever_until_reset(emu, wx):
    assert send(wx, BUTTONS)["errcode"] == 0
    data = send(wx, BUTTONS, touser="zhuhong")
    assert data["errcode"] == 42014 and "taskid has existed" in data["errmsg"]
    # another app may reuse it
    emu.set_app_callback(LEGACY_AGENT_ID, NOWHERE, TOKEN, AES_KEY, verify=False)
    legacy = RawCaller(BASE)
    legacy.token(LEGACY_SECRET)
    assert legacy.post("message/send", card_body(BUTTONS, agentid=LEGACY_AGENT_ID))[
        "errcode"] == 0
    emu.reset()
    emu.set_app_callback(APP_AGENT_ID, NOWHERE, TOKEN, AES_KEY, verify=False)
    wx.token(APP_SECRET)
    assert send(wx, BUTTONS)["errcode"] == 0


def test_a_failed_send_does_not_take_the_task_id(wx):
    assert send(wx, BUTTONS, touser="ghost")["errcode"] == 81013
    assert send(wx, BUTTONS)["errcode"] == 0


def test_a_suppressed_duplicate_is_not_a_task_id_clash(emu, wx):
    assert send(wx, BUTTONS, enable_duplicate_check=1)["errcode"] == 0
    data = send(wx, BUTTONS, enable_duplicate_check=1)
    assert data["errcode"] == 0 and emu.messages[-1]["status"] == "suppressed"


def test_callback_capable_cards_need_the_apps_callback(emu, wx):
    emu.clear_app_callback(APP_AGENT_ID)
    for card in (BUTTONS, VOTE, MULTIPLE,
                 dict(NOTICE, task_id="m1", action_menu={"desc": "d", "action_list": [
                     {"text": "a", "key": "k"}]})):
        data = send(wx, card)
        assert data["errcode"] == 43012, card["card_type"]
    data = send(wx, NOTICE)
    assert data["errcode"] == 0 and "response_code" not in data
    assert emu.messages[-1]["card"]["response_code"] is None


def test_id_trans(emu, wx):
    card = changed(BUTTONS, "sub_title_text", u"门店 $departmentName=8$ / $userName=ghost$")
    assert send(wx, card, enable_id_trans=1)["errcode"] == 0
    stored = emu.messages[-1]["payload"]
    assert stored["main_title"]["desc"] == u"提交人 李娜"
    assert stored["sub_title_text"] == u"门店 北京朝阳店 / $userName=ghost$"   # unknown: kept
    assert send(wx, changed(BUTTONS, "task_id", "t2"))["errcode"] == 0
    assert emu.messages[-1]["payload"]["main_title"]["desc"] == u"提交人 $userName=lina$"


# ---------------------------------------------------------------------------- response codes


def test_send_code_works_once(emu, wx):
    code = send(wx, BUTTONS)["response_code"]
    assert len(code) >= 32
    assert update(wx, code, userids=["lina"], button={"replace_name": u"已处理"}) == {
        "errcode": 0, "errmsg": "ok"}
    data = update(wx, code, userids=["sunhao"], button={"replace_name": u"已处理"})
    assert data["errcode"] == 60140 and "invalid response_code" in data["errmsg"]
    assert update(wx, "no-such-code", atall=1, button={"replace_name": "x"})["errcode"] == 60140


@pytest.mark.parametrize("ttl_hours", [72, 24])
def test_code_valid_for_the_configured_hours_on_the_emulator_clock(ttl_hours):
    clock = FakeClock()
    emu = Emulator(clock=clock, response_code_ttl=ttl_hours * 3600)
    emu.set_app_callback(APP_AGENT_ID, NOWHERE, TOKEN, AES_KEY, verify=False)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        first = send(wx, BUTTONS)["response_code"]
        second = send(wx, changed(BUTTONS, "task_id", "t2"))["response_code"]
        clock.advance(ttl_hours * 3600 - 1)
        wx.token(APP_SECRET)   # the access_token expired long ago
        assert update(wx, first, atall=1, button={"replace_name": "ok"})["errcode"] == 0
        clock.advance(1)
        assert update(wx, second, atall=1, button={"replace_name": "ok"})["errcode"] == 60140
    statuses = [e["status"] for e in emu.cards.describe(emu.messages[-1])["response_codes"]]
    assert statuses == ["expired"]


def test_a_failed_update_does_not_use_the_code(wx):
    code = send(wx, BUTTONS)["response_code"]
    assert update(wx, code, atall=1, template_card={"card_type": "nope"})["errcode"] == 42031
    assert update(wx, code, atall=1, button={"replace_name": ""})["errcode"] == 42020
    assert update(wx, code, atall=1, button={"replace_name": "ok"})["errcode"] == 0


# ---------------------------------------------------------------------------- update errors


@pytest.mark.parametrize("body, errcode", [
    ({"response_code": None}, 40058),
    ({"atall": 0}, 40058),                                          # no selector at all
    ({"atall": 2}, 40058),
    ({"userids": "lina"}, 40058),                                    # must be a list
    ({"partyids": ["8"]}, 40058),                                    # integers
    ({"userids": ["u%d" % i for i in range(1001)]}, 40058),
    ({"template_card": NOTICE}, 40058),                              # both modes
    ({"button": None}, 40058),                                       # neither
    ({"button": "x"}, 40058),
    ({"button": {}}, 42020),
    ({"agentid": None}, 41011),
    ({"agentid": LEGACY_AGENT_ID}, 301002),
    ({"agentid": 999}, 40056),
    ({"button": None, "template_card": dict(BUTTONS, button_list=[])}, 40058),
    ({"button": None, "template_card": {"card_type": "text_notice"}}, 40058),   # title first
    ({"button": None, "template_card": {"card_type": "text_notice", "main_title": {"title": "t"}}},
     42045),
])
def test_update_errors(wx, body, errcode):
    code = send(wx, BUTTONS)["response_code"]
    full = {"agentid": APP_AGENT_ID, "response_code": code, "atall": 1,
            "button": {"replace_name": "ok"}}
    full.update(body)
    full = dict((k, v) for k, v in full.items() if v is not None)
    assert wx.post("message/update_template_card", full)["errcode"] == errcode


def test_update_by_another_app_is_42015_and_contact_sync_48002(emu, wx):
    emu.set_app_callback(LEGACY_AGENT_ID, NOWHERE, TOKEN, AES_KEY, verify=False)
    legacy = RawCaller(BASE)
    legacy.token(LEGACY_SECRET)
    code = legacy.post("message/send", card_body(BUTTONS, agentid=LEGACY_AGENT_ID))[
        "response_code"]
    assert update(wx, code, atall=1, button={"replace_name": "x"})["errcode"] == 42015
    sync = RawCaller(BASE)
    sync.token(CONTACT_SECRET)
    assert update(sync, code, atall=1, button={"replace_name": "x"})["errcode"] == 48002


def test_button_mode_needs_an_interactive_original(wx):
    menu = {"desc": "d", "action_list": [{"text": "a", "key": "k"}]}
    code = send(wx, dict(NOTICE, task_id="m1", action_menu=menu))["response_code"]
    assert update(wx, code, atall=1, button={"replace_name": "x"})["errcode"] == 40058
    assert update(wx, code, atall=1, template_card=NEWS)["errcode"] == 0


# ---------------------------------------------------------------------------- update effects


def copies(emu, index=-1):
    return emu.messages[index]["card"]["copies"]


def test_button_mode_replaces_the_buttons_of_the_selected_members(emu, wx):
    code = send(wx, BUTTONS, touser="lina|sunhao|zhuhong")["response_code"]
    assert update(wx, code, userids=["LINA", "ghost"], button={"replace_name": u"已同意"})[
        "errcode"] == 0   # recipients not on the card: ignored
    state = copies(emu)
    assert (state["lina"]["state"], state["lina"]["replaced_with"]) == ("buttons_replaced",
                                                                        u"已同意")
    assert state["sunhao"]["state"] == "original" and state["sunhao"]["replaced_with"] is None
    lina, sunhao = render_inbox(emu, "lina"), render_inbox(emu, "sunhao")
    assert u'<button type="button" disabled>已同意</button>' in lina
    assert 'value="approve:R1001"' not in lina
    assert 'value="approve:R1001"' in sunhao and u"已同意" not in sunhao


def test_partyids_and_tagids_select_recipients(emu, wx):
    code = send(wx, BUTTONS, touser="lina|zhuhong|sunhao")["response_code"]
    update(wx, code, partyids=[8], button={"replace_name": u"朝阳店已处理"})   # lina, sunhao
    assert [k for k, c in copies(emu).items() if c["replaced_with"]] == ["lina", "sunhao"]
    code = send(wx, changed(BUTTONS, "task_id", "t2"), touser="lina|zhuhong|sunhao")[
        "response_code"]
    update(wx, code, tagids=[1], button={"replace_name": u"店长已处理"})      # lina, zhuhong
    assert sorted(k for k, c in copies(emu).items() if c["replaced_with"]) == ["lina", "zhuhong"]


def test_template_card_mode_replaces_the_whole_card(emu, wx):
    code = send(wx, BUTTONS)["response_code"]
    new = dict(BUTTONS, task_id="ignored-on-update", main_title={"title": u"报销单 R-1001 已审批"},
               replace_text=u"已审批")
    assert update(wx, code, atall=1, template_card=new)["errcode"] == 0
    for member_copy in copies(emu).values():
        assert member_copy["state"] == "updated" and member_copy["replaced_with"] == u"已审批"
        assert member_copy["card"]["main_title"]["title"] == u"报销单 R-1001 已审批"
        assert "task_id" not in member_copy["card"]
    assert emu.messages[-1]["card"]["task_id"] == "exp-R1001-20250101"
    html = render_inbox(emu, "lina")
    assert u"报销单 R-1001 已审批" in html and u'disabled>已审批</button>' in html
    # any type may replace a callback card (§B.1)
    code = send(wx, changed(BUTTONS, "task_id", "t2"))["response_code"]
    assert update(wx, code, userids=["lina"], template_card=NOTICE)["errcode"] == 0
    assert copies(emu)["lina"]["card"]["card_type"] == "text_notice"


def test_update_with_id_trans(emu, wx):
    code = send(wx, BUTTONS)["response_code"]
    new = dict(NOTICE, main_title={"title": u"$userName=sunhao$ 已处理"})
    update(wx, code, atall=1, template_card=new, enable_id_trans=1)
    assert copies(emu)["lina"]["card"]["main_title"]["title"] == u"孙浩 已处理"


# ---------------------------------------------------------------------------- listings, inbox


def test_admin_messages_lists_cards(emu, wx):
    code = send(wx, BUTTONS)["response_code"]
    update(wx, code, userids=["lina"], button={"replace_name": u"已处理"})
    data = json.loads(Client(emu.wsgi_app, BaseResponse).get("/_emulator/messages").data)
    card = data["messages"][0]["card"]
    assert card["task_id"] == "exp-R1001-20250101" and card["card_type"] == "button_interaction"
    assert card["response_code"] == code
    assert [b["key"] for b in card["buttons"]] == ["approve:R1001", "reject:R1001"]
    assert card["response_codes"][0]["status"] == "used"
    assert card["response_codes"][0]["used_by"] == "update_template_card"
    by_user = dict((r["userid"], r) for r in card["recipients"])
    assert by_user["lina"]["state"] == "buttons_replaced"
    assert all(b["disabled"] for b in by_user["lina"]["buttons"])
    assert by_user["sunhao"]["state"] == "original"
    assert not any(b["disabled"] for b in by_user["sunhao"]["buttons"])


def test_inbox_renders_cards_escaped_with_click_forms(emu, wx):
    evil = dict(BUTTONS, main_title={"title": u"<script>alert(1)</script>"},
                button_list=[{"text": u'"><b>x', "key": u'k"><i>'}],
                horizontal_content_list=[{"type": 1, "keyname": "k", "value": "v",
                                          "url": "javascript:alert(1)"}])
    send(wx, evil, touser="lina")
    msgid = emu.messages[-1]["msgid"]
    html = render_inbox(emu, "lina")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert '<b>x' not in html and 'href="#"' in html and "javascript:" not in html
    assert '<form method="post" action="/_emulator/messages/%s/click">' % msgid in html
    assert '<input type="hidden" name="userid" value="lina">' in html
    send(wx, VOTE, touser="lina")
    send(wx, MULTIPLE, touser="lina")
    html = render_inbox(emu, "lina")
    assert '<input type="checkbox" name="q:q1" value="a" checked>' in html
    assert '<select name="q:day">' in html and 'value="go"' in html
