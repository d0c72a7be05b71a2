# -*- coding: utf-8 -*-
"""Emulator: message/send validation, recipients, truncation, duplicates, per-member limits,
and message/recall."""
import pytest
import responses

from wecom_emulator import APP_AGENT_ID, APP_SECRET, Emulator, LEGACY_AGENT_ID, REGION_SECRET
from wecom_emulator.testing import RawCaller, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"


def text(touser="lina", content=u"你好", **extra):
    body = {"touser": touser, "msgtype": "text", "agentid": APP_AGENT_ID,
            "text": {"content": content}}
    body.update(extra)
    return body


def send(wx, body):
    return wx.post("message/send", body)


# ---------------------------------------------------------------------------- basics


def test_text_message_delivered(emu, wx):
    data = send(wx, text(u"lina|SunHao"))
    assert data["errcode"] == 0 and data["errmsg"] == "ok"
    assert data["invaliduser"] == ""
    assert 40 <= len(data["msgid"]) <= 90
    record = emu.messages[-1]
    assert record["msgid"] == data["msgid"] and record["agentid"] == APP_AGENT_ID
    assert record["msgtype"] == "text" and record["payload"] == {"content": u"你好"}
    assert record["recipients"] == ["lina", "sunhao"]
    assert record["status"] == "delivered" and record["recalled"] is False
    assert emu.inbox("LINA")[0]["msgid"] == data["msgid"]


def test_msgids_are_unique(wx):
    ids = {send(wx, text())["msgid"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("changes,errcode", [
    ({"agentid": None}, 41011),
    ({"agentid": "abc"}, 40056),
    ({"agentid": LEGACY_AGENT_ID}, 301002),
    ({"agentid": 999}, 40056),
    ({"msgtype": "telegram"}, 40008),
    ({"msgtype": None}, 40008),
    ({"touser": "", "toparty": "", "totag": ""}, 82001),
    ({"touser": "|".join("u%d" % i for i in range(1001))}, 40032),
    ({"toparty": "|".join(str(i) for i in range(101))}, 82002),
    ({"totag": "|".join(str(i) for i in range(101))}, 82003),
    ({"text": {"content": ""}}, 44004),
    ({"text": {"content": "   "}}, 44004),
    ({"text": {}}, 44004),
    ({"text": {"content": "x" * 5121}}, 40058),
    ({"touser": ["lina"]}, 40058),
])
def test_send_errors(emu, wx, changes, errcode):
    body = text()
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    data = send(wx, body)
    assert data["errcode"] == errcode, data
    assert emu.messages == []


def test_thousand_users_is_the_limit(wx):
    data = send(wx, text("|".join(["lina"] + ["ghost%d" % i for i in range(999)])))
    assert data["errcode"] == 0
    assert len(data["invaliduser"].split("|")) == 999


def test_agentid_as_digit_string_is_accepted(emu, wx):
    assert send(wx, text(agentid=str(APP_AGENT_ID)))["errcode"] == 0


def test_long_text_truncated_to_2048_bytes(emu, wx):
    content = u"中" * 1000   # 3000 bytes
    assert send(wx, text(content=content))["errcode"] == 0
    kept = emu.messages[-1]["payload"]["content"]
    assert len(kept.encode("utf-8")) <= 2048 and kept == u"中" * 682


def test_markdown(emu, wx):
    body = {"touser": "lina", "msgtype": "markdown", "agentid": APP_AGENT_ID,
            "markdown": {"content": "# 标题\n> **加粗**"}}
    assert send(wx, body)["errcode"] == 0
    assert emu.messages[-1]["payload"]["content"].startswith("# ")
    body["markdown"] = {"content": "a" * 6000}
    assert send(wx, body)["errcode"] == 40058


def test_textcard_truncation_and_rules(emu, wx):
    card = {"title": u"标" * 50, "description": u"描" * 200, "url": "https://erp.example.com/po/1",
            "btntxt": u"立即查看详情"}
    body = {"touser": "lina", "msgtype": "textcard", "agentid": APP_AGENT_ID, "textcard": card}
    assert send(wx, body)["errcode"] == 0
    payload = emu.messages[-1]["payload"]
    assert payload["title"] == u"标" * 42           # 128 bytes
    assert payload["description"] == u"描" * 170    # 512 bytes
    assert payload["btntxt"] == u"立即查看"
    for bad in ({"url": "ftp://x"}, {"url": ""}, {"url": "https://x/" + "a" * 2050},
                {"title": ""}):
        broken = dict(card, **bad)
        assert send(wx, dict(body, textcard=broken))["errcode"] == 40058, bad
    no_btn = dict(card)
    del no_btn["btntxt"]
    assert send(wx, dict(body, textcard=no_btn))["errcode"] == 0
    assert emu.messages[-1]["payload"]["btntxt"] == u"详情"


def test_news_articles(emu, wx):
    art = {"title": u"促销", "description": u"周末全场八折", "url": "https://x.example.com/a",
           "picurl": "https://x.example.com/p.png"}
    body = {"touser": "lina", "msgtype": "news", "agentid": APP_AGENT_ID,
            "news": {"articles": [art] * 8}}
    assert send(wx, body)["errcode"] == 0
    assert len(emu.messages[-1]["payload"]["articles"]) == 8
    assert send(wx, dict(body, news={"articles": [art] * 9}))["errcode"] == 40058
    assert send(wx, dict(body, news={"articles": []}))["errcode"] == 40058
    assert send(wx, dict(body, news={"articles": [{"url": "https://x"}]}))["errcode"] == 40058


@pytest.mark.parametrize("msgtype,payload,errcode", [
    ("image", {"media_id": "MEDIA"}, 0),
    ("image", {}, 40007),
    ("file", {"media_id": ""}, 40007),
    ("voice", {"media_id": "M"}, 0),
    ("video", {"media_id": "M", "title": "t"}, 0),
    ("video", {"title": "t"}, 40007),
    ("template_card", {"card_type": "text_notice", "main_title": {"title": "t"},
                       "card_action": {"type": 1, "url": "https://x.example.com"}}, 0),
    ("template_card", {"card_type": "nope"}, 42031),
    ("template_card", {"card_type": "button_interaction"}, 42014),   # task_id first (§A.2)
])
def test_other_msgtypes_minimal_validation(wx, msgtype, payload, errcode):
    body = {"touser": "lina", "msgtype": msgtype, "agentid": APP_AGENT_ID, msgtype: payload}
    assert send(wx, body)["errcode"] == errcode


def test_interactive_card_needs_the_apps_callback(wx):
    """Cards with buttons need a callback URL (43012); the full rules: test_emulator_cards.py."""
    body = {"touser": "lina", "msgtype": "template_card", "agentid": APP_AGENT_ID,
            "template_card": {"card_type": "button_interaction", "task_id": "T1",
                              "main_title": {"title": "t"},
                              "button_list": [{"text": "ok", "key": "ok"}]}}
    data = send(wx, body)
    assert data["errcode"] == 43012 and "response_code" not in data


# ---------------------------------------------------------------------------- recipients


def test_partial_invalid_recipients(emu, wx):
    data = send(wx, text("lina|GhostUser|liangchen", toparty="8|999|abc", totag="1|77"))
    assert data["errcode"] == 0
    # lower-cased; the disabled member liangchen is not deliverable
    assert data["invaliduser"] == "ghostuser|liangchen"
    assert data["invalidparty"] == "999|abc"
    assert data["invalidtag"] == "77"
    record = emu.messages[-1]
    assert record["invaliduser"] == ["ghostuser", "liangchen"]
    assert set(["lina", "sunhao", "zhoujie", "wangqiang", "zhuhong"]) <= set(record["recipients"])


def test_unlicensed_members_are_listed_and_not_delivered(emu, wx):
    emu.app.unlicensed_users = ["sunhao"]
    data = send(wx, text("lina|SunHao", toparty="8"))
    assert data["errcode"] == 0 and data["unlicenseduser"] == "sunhao"
    record = emu.messages[-1]
    assert "sunhao" not in record["recipients"] and "lina" in record["recipients"]
    assert emu.inbox("sunhao") == []
    emu.app.unlicensed_users = []
    assert "unlicenseduser" not in send(wx, text("SunHao"))


def test_all_invalid_is_81013_with_invaliduser(emu, wx):
    data = send(wx, text("GhostA|ghostB", toparty="999", totag="88"))
    assert data["errcode"] == 81013
    assert data["invaliduser"] == "ghosta|ghostb"
    assert data["invalidparty"] == "999" and data["invalidtag"] == "88"
    assert emu.messages == []


def test_party_expands_recursively_and_tags_expand(emu, wx):
    assert send(wx, text("", toparty="3"))["errcode"] == 0
    recipients = emu.messages[-1]["recipients"]
    assert "liujun" in recipients and "zhuhong" in recipients and "caoli" in recipients
    assert "liangchen" not in recipients          # disabled
    assert "zhengshuang" not in recipients        # not in 华东区
    assert send(wx, text("", totag="2"))["errcode"] == 0   # 华东门店: departments 11-14
    tag_recipients = emu.messages[-1]["recipients"]
    assert "zhuhong" in tag_recipients and "liujun" not in tag_recipients
    assert send(wx, text("", totag="3"))["errcode"] == 0   # IT值班: users + 系统开发组
    assert set(emu.messages[-1]["recipients"]) == {"xiongfei", "shiyong", "renjie", "yaobin",
                                                   "zhangwei01", "tianyu"}


def test_at_all_is_the_visible_range(emu, wx):
    assert send(wx, text("@all"))["errcode"] == 0
    active = [u for u in emu.directory.users.values() if u["status"] != 2]
    assert len(emu.messages[-1]["recipients"]) == len(active)
    wx.token(REGION_SECRET)
    body = text("@all", agentid=1000004)
    assert send(wx, body)["errcode"] == 0
    region = set(emu.messages[-1]["recipients"])
    assert "yeqing" in region and "liujun" in region and "lina" not in region


def test_out_of_range_recipients_are_invalid(emu, wx):
    wx.token(REGION_SECRET)
    data = send(wx, text("lina|liujun", toparty="2", agentid=1000004))
    assert data["errcode"] == 0
    assert data["invaliduser"] == "lina" and data["invalidparty"] == "2"
    assert emu.messages[-1]["recipients"] == ["liujun"]
    assert send(wx, text("lina", agentid=1000004))["errcode"] == 81013


# ---------------------------------------------------------------------------- duplicates and limits


def test_duplicate_check_suppresses_within_interval(emu, wx, clock):
    body = text(enable_duplicate_check=1, duplicate_check_interval=600)
    first = send(wx, body)
    clock.advance(300)
    second = send(wx, body)
    assert second["errcode"] == 0 and second["msgid"] != first["msgid"]
    assert [r["status"] for r in emu.messages] == ["delivered", "suppressed"]
    assert emu.messages[1]["duplicate_of"] == first["msgid"]
    assert len(emu.inbox("lina")) == 1
    clock.advance(301)
    send(wx, body)
    assert emu.messages[-1]["status"] == "delivered"
    assert len(emu.inbox("lina")) == 2


def test_no_duplicate_check_without_flag_or_with_other_content(emu, wx):
    send(wx, text())
    send(wx, text())
    send(wx, text(content=u"别的", enable_duplicate_check=1))
    send(wx, text(content=u"别的 2", enable_duplicate_check=1))
    assert [r["status"] for r in emu.messages] == ["delivered"] * 4


def test_duplicate_interval_default_1800_and_max_4h(emu, wx, clock):
    body = text(enable_duplicate_check=1)
    send(wx, body)
    clock.advance(1799)
    send(wx, body)
    assert emu.messages[-1]["status"] == "suppressed"
    long_body = text(content="long", enable_duplicate_check=1, duplicate_check_interval=99999)
    send(wx, long_body)
    clock.advance(4 * 3600)
    send(wx, long_body)
    assert emu.messages[-1]["status"] == "delivered"


def test_per_member_limit_drops_silently(clock):
    emu = Emulator(clock=clock, rate_limits={"member_per_minute": 3, "member_per_hour": 5})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        for i in range(4):
            assert send(wx, text("lina|sunhao" if i == 3 else "lina", content=str(i)))["errcode"] == 0
        assert emu.messages[-1]["recipients"] == ["sunhao"]
        assert emu.messages[-1]["dropped"] == ["lina"]
        assert len(emu.inbox("lina")) == 3
        clock.advance(61)
        send(wx, text(content="later"))
        send(wx, text(content="later 2"))
        send(wx, text(content="later 3"))   # hour limit (5) reached
        assert [len(r["recipients"]) for r in emu.messages[-3:]] == [1, 1, 0]
        assert len(emu.inbox("lina")) == 5


def test_default_member_limit_is_30_per_minute(emu, wx):
    for i in range(31):
        send(wx, text(content="m%d" % i))
    assert len(emu.inbox("lina")) == 30
    assert emu.messages[-1]["dropped"] == ["lina"]


# ---------------------------------------------------------------------------- recall


def test_recall(emu, wx, clock):
    msgid = send(wx, text())["msgid"]
    clock.advance(3600)
    data = wx.post("message/recall", {"msgid": msgid})
    assert data["errcode"] == 0 and data["errmsg"] == "ok"
    assert emu.messages[-1]["recalled"] is True
    assert emu.inbox("lina")[0]["recalled"] is True
    assert wx.post("message/recall", {"msgid": msgid})["errcode"] == 40058


def test_recall_rules(emu, wx, clock):
    assert wx.post("message/recall", {"msgid": "unknown"})["errcode"] == 40058
    assert wx.post("message/recall", {})["errcode"] == 40058
    msgid = send(wx, text())["msgid"]
    wx.token(REGION_SECRET)
    assert wx.post("message/recall", {"msgid": msgid})["errcode"] == 40058  # another app
    clock.advance(24 * 3600 + 1)
    wx.token(APP_SECRET)
    assert wx.post("message/recall", {"msgid": msgid})["errcode"] == 40058  # too old
    assert emu.messages[-1]["recalled"] is False


def test_recall_errcode_configurable(clock):
    emu = Emulator(clock=clock, recall_errcode=40009)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        assert wx.post("message/recall", {"msgid": "nope"})["errcode"] == 40009


def test_recalling_a_suppressed_duplicate_recalls_the_delivered_copy(emu, wx):
    """After a lost answer the sender only knows the duplicate's msgid (suppressed_recall="original")."""
    body = text(enable_duplicate_check=1)
    send(wx, body)                            # delivered; say its answer was lost
    duplicate = send(wx, body)["msgid"]       # the resend, suppressed
    assert [m["status"] for m in emu.messages] == ["delivered", "suppressed"]
    assert wx.post("message/recall", {"msgid": duplicate})["errcode"] == 0
    assert [m["recalled"] for m in emu.messages] == [True, True]
    assert emu.inbox("lina")[0]["recalled"] is True


def test_recalling_a_suppressed_duplicate_can_leave_the_copy(clock):
    emu = Emulator(clock=clock, suppressed_recall="self")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        body = text(enable_duplicate_check=1)
        send(wx, body)
        duplicate = send(wx, body)["msgid"]
        assert wx.post("message/recall", {"msgid": duplicate})["errcode"] == 0
        assert [m["recalled"] for m in emu.messages] == [False, True]
