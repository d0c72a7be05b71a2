# -*- coding: utf-8 -*-
"""Template cards (wecom/cards.py, WECOM_API_CARDS_LOGIN §A-§B): the builders' shapes, the checks to
WeCom's limits, and the cards as the emulator takes them (send, click codes, update_template_card)."""
import pytest
import responses

from wecom.cards import button_interaction, card_buttons, card_title, clip, needs_callback, text_notice, validate_card
from wecom.client import WecomClient
from wecom.errors import WecomApiError, WecomValidationError
from wecom.messages import build_payload
from wecom_emulator import APP_AGENT_ID
from wecom_emulator.cards import validate_card as emulator_validate
from wecom_emulator.testing import install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
TOKEN, AES_KEY = "cbToken2024", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
URL = "https://erp.example.com/r/1001"


def buttons_card(**kwargs):
    values = dict(main_title=u"报销单 R-1001", button_list=[(u"同意", "approve", 1), (u"驳回", "refuse", 4)],
                  sub_title_text=u"金额 1,280.00 元", source=u"审批", main_title_desc=u"提交人 林娜",
                  horizontal_content_list=[(u"部门", u"研发"), (u"详情", u"打开", URL)], task_id="exp-R1001")
    values.update(kwargs)
    return button_interaction(**values)


def fails(field, card, **kwargs):
    with pytest.raises(WecomValidationError) as info:
        validate_card(card, **kwargs)
    assert info.value.field == field, str(info.value)
    assert str(info.value) and info.value.message_zh
    return info.value


def test_builders_make_wecom_shapes():
    card = buttons_card()
    assert card == {
        "card_type": "button_interaction", "source": {"desc": u"审批"},
        "main_title": {"title": u"报销单 R-1001", "desc": u"提交人 林娜"}, "sub_title_text": u"金额 1,280.00 元",
        "horizontal_content_list": [{"keyname": u"部门", "value": u"研发"},
                                    {"type": 1, "keyname": u"详情", "value": u"打开", "url": URL}],
        "task_id": "exp-R1001",
        "button_list": [{"text": u"同意", "key": "approve", "style": 1}, {"text": u"驳回", "key": "refuse", "style": 4}]}
    notice = text_notice(main_title=u"门店通知", card_action=URL, jump_list=[(u"查看", URL)])
    assert notice == {"card_type": "text_notice", "main_title": {"title": u"门店通知"},
                      "card_action": {"type": 1, "url": URL}, "jump_list": [{"type": 1, "title": u"查看", "url": URL}]}
    assert needs_callback(card) and not needs_callback(notice)
    assert card_title(card) == u"报销单 R-1001" and card_buttons(card)[1] == (u"驳回", "refuse")
    # the emulator (WeCom's checks) takes both as they are
    assert emulator_validate(card) == card and emulator_validate(notice) == notice


def test_a_card_without_task_id_is_for_the_outbox_to_complete():
    card = buttons_card(task_id=None)
    assert "task_id" not in card
    fails("template_card.task_id", card)  # sending it as it is: WeCom's 42014


@pytest.mark.parametrize("change, field", [
    ({"card_type": "vote_interaction"}, "template_card.card_type"),
    ({"task_id": "bad id!"}, "template_card.task_id"),
    ({"task_id": "x" * 129}, "template_card.task_id"),
    ({"main_title": {"title": u"长" * 37}}, "template_card.main_title.title"),
    ({"sub_title_text": u"长" * 161}, "template_card.sub_title_text"),
    ({"button_list": []}, "template_card.button_list"),
    ({"button_list": [{"text": "b", "key": "k%d" % i} for i in range(7)]}, "template_card.button_list"),
    ({"button_list": [{"text": u"同意同意同意同意同意同意", "key": "a"}]}, "template_card.button_list[0].text"),
    ({"button_list": [{"text": "a", "key": "k"}, {"text": "b", "key": "k"}]}, "template_card.button_list"),
    ({"button_list": [{"text": "a"}]}, "template_card.button_list[0].key"),
    ({"button_list": [{"text": "a", "key": "k" * 1025}]}, "template_card.button_list[0].key"),
    ({"button_list": [{"text": "a", "type": 1}]}, "template_card.button_list[0].url"),
    ({"button_list": [{"text": "a", "key": "k", "style": 5}]}, "template_card.button_list[0].style"),
    ({"horizontal_content_list": [{"keyname": "k", "value": "v"}] * 7}, "template_card.horizontal_content_list"),
    ({"horizontal_content_list": [{"value": "v"}]}, "template_card.horizontal_content_list[0].keyname"),
    ({"horizontal_content_list": [{"keyname": u"部门部门部门", "value": "v"}]},
     "template_card.horizontal_content_list[0].keyname"),
    ({"horizontal_content_list": [{"keyname": "k", "value": "v", "type": 1}]},
     "template_card.horizontal_content_list[0].url"),
    ({"jump_list": [{"title": "x", "url": URL}]}, "template_card.jump_list"),  # not on button cards
    ({"replace_text": u"已处理"}, "template_card.replace_text"),             # only on updates
    ({"source": "text"}, "template_card.source"),
])
def test_button_card_limits(change, field):
    card = dict(buttons_card(), **change)
    fails(field, card)


def test_notice_rules():
    fails("template_card.card_action", {"card_type": "text_notice", "main_title": {"title": "x"}})
    fails("template_card.card_action.type", {"card_type": "text_notice", "main_title": {"title": "x"},
                                             "card_action": {"type": 0}})
    fails("template_card.main_title", {"card_type": "text_notice", "card_action": {"type": 1, "url": URL}})
    fails("template_card.jump_list", {"card_type": "text_notice", "main_title": {"title": "x"},
                                      "card_action": {"type": 1, "url": URL}, "jump_list": [{"title": "a"}] * 4})
    fails("template_card.jump_list[0].title", {"card_type": "text_notice", "main_title": {"title": "x"},
                                               "card_action": {"type": 1, "url": URL}, "jump_list": [{"url": URL}]})
    fails("template_card", "not a card")
    # a notice without action_menu needs no task_id; one with a menu does
    assert validate_card({"card_type": "text_notice", "sub_title_text": "x", "card_action": {"type": 1, "url": URL}})
    fails("template_card.task_id", {"card_type": "text_notice", "sub_title_text": "x",
                                    "card_action": {"type": 1, "url": URL},
                                    "action_menu": {"desc": "m", "action_list": [{"text": "a", "key": "k"}]}})


def test_an_update_card_may_replace_the_buttons_and_keeps_no_task_id():
    card = dict(buttons_card(), replace_text=u"已同意")
    assert validate_card(card, update=True)["replace_text"] == u"已同意"
    assert "task_id" not in validate_card(card, update=True)


def test_clip():
    assert clip(u"报销单" * 20, 36) == (u"报销单" * 12)[:35] + u"…"
    assert clip("short", 36) == "short"


def test_payload_of_a_card():
    payload = build_payload("template_card", card=buttons_card(), touser=["lina"], agent_id=APP_AGENT_ID)
    assert payload["msgtype"] == "template_card" and payload["template_card"]["task_id"] == "exp-R1001"
    assert "safe" not in payload
    with pytest.raises(WecomValidationError):
        build_payload("template_card", card=buttons_card(task_id=None), touser=["lina"])


# ----------------------------------------------------------------------------- against the emulator
@pytest.fixture
def client(emu):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        yield WecomClient(emu.corp_id, emu.app.secret, agent_id=APP_AGENT_ID, base_url=BASE, sleep=lambda s: None)


def send(client, card, touser=("lina", "sunhao")):
    return client.message_send(build_payload("template_card", card=card, touser=list(touser), agent_id=APP_AGENT_ID))


def test_a_button_card_needs_the_app_callback(client, emu):
    with pytest.raises(WecomApiError) as info:
        send(client, buttons_card())
    assert info.value.errcode == 43012
    emu.set_app_callback(APP_AGENT_ID, "http://127.0.0.1:9/cb", TOKEN, AES_KEY, verify=False)
    answer = send(client, buttons_card())
    assert answer["msgid"] and answer["response_code"]
    with pytest.raises(WecomApiError) as info:  # a task_id is unique in the app forever
        send(client, buttons_card())
    assert info.value.errcode == 42014


def test_update_template_card_once_within_72_hours(client, emu, clock):
    emu.set_app_callback(APP_AGENT_ID, "http://127.0.0.1:9/cb", TOKEN, AES_KEY, verify=False)
    answer = send(client, buttons_card())
    body = {"response_code": answer["response_code"], "atall": 1, "button": {"replace_name": u"已同意 · 王强"}}
    assert client.message_update_template_card(body)["errcode"] == 0
    copies = [m for m in emu.messages if m["msgid"] == answer["msgid"]][0]["card"]["copies"]
    assert (copies["lina"]["state"], copies["lina"]["replaced_with"]) == ("buttons_replaced", u"已同意 · 王强")
    with pytest.raises(WecomApiError) as info:
        client.message_update_template_card(body)  # used
    assert info.value.errcode == 60140
    later = send(client, buttons_card(task_id="exp-R1002"))
    clock.advance(72 * 3600 + 1)
    with pytest.raises(WecomApiError) as info:
        client.message_update_template_card(dict(body, response_code=later["response_code"]))
    assert info.value.errcode == 60140


def test_update_template_card_refuses_a_bad_body(client):
    for body in ({}, {"response_code": "c", "atall": 1},
                 {"response_code": "c", "atall": 1, "button": {}, "template_card": {}},
                 {"response_code": "c", "button": {"replace_name": "x"}}):
        with pytest.raises(WecomValidationError):
            client.message_update_template_card(body)
