# -*- coding: utf-8 -*-
"""The emulator against an independent peer: wechatpy 1.8.18's enterprise client over real HTTP.

wechatpy builds URLs as API_BASE_URL + endpoint ("https://qyapi.weixin.qq.com/cgi-bin/"), but its
fetch_access_token() hard-codes the gettoken URL, so the subclass below overrides both.
"""
import pytest

pytest.importorskip("wechatpy")

from wechatpy.enterprise import WeChatClient  # noqa: E402
from wechatpy.exceptions import WeChatClientException  # noqa: E402

from wecom_emulator import APP_AGENT_ID, APP_SECRET, CORP_ID, Emulator  # noqa: E402
from wecom_emulator.testing import emulator_server  # noqa: E402


def client_for(base_url, secret=APP_SECRET):
    class EmulatedWeChatClient(WeChatClient):
        API_BASE_URL = base_url + "/"

        def fetch_access_token(self):
            return self._fetch_access_token(
                url=base_url + "/gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret})

    return EmulatedWeChatClient(CORP_ID, secret, timeout=10)


@pytest.fixture(scope="module")
def served():
    emu = Emulator()
    with emulator_server(emu) as base:
        yield emu, base


def test_wechatpy_lists_departments_users_and_sends(served):
    emu, base = served
    client = client_for(base)
    departments = client.department.get()
    assert len(departments) == len(emu.directory.departments)
    assert departments[0]["id"] == 1
    seen = {}
    for dept in departments:
        for user in client.user.list(dept["id"]):
            seen[user["userid"]] = user
    assert set(seen) == {u["userid"] for u in emu.directory.users.values()}
    assert seen["lina"]["name"] == u"李娜" and "mobile" not in seen["lina"]
    simple = client.department.get_users(8)
    assert {u["userid"] for u in simple} == {"wangqiang", "lina", "sunhao", "zhoujie"}
    assert client.user.get("zhuhong")["position"] == u"店长"
    assert [t["tagname"] for t in client.tag.list()][:1] == [u"店长"]

    before = len(emu.messages)
    result = client.message.send_text(APP_AGENT_ID, ["lina", "sunhao"], u"wechatpy 发来的消息")
    assert result["errcode"] == 0 and result["msgid"]
    record = emu.messages[before]
    assert record["msgid"] == result["msgid"]
    assert record["payload"] == {"content": u"wechatpy 发来的消息"}
    assert record["recipients"] == ["lina", "sunhao"]
    card = client.message.send_text_card(APP_AGENT_ID, "lina", u"审批", u"有一张采购单待审批",
                                         "https://erp.example.com/po/1")
    assert card["errcode"] == 0 and emu.messages[-1]["payload"]["btntxt"] == u"详情"


def test_wechatpy_refreshes_after_invalidation_and_sees_errors(served):
    emu, base = served
    client = client_for(base)
    client.tag.list()
    first = client.access_token
    emu.invalidate_tokens()
    assert client.tag.list()          # wechatpy refreshes on 40014 and retries
    assert client.access_token != first
    with pytest.raises(WeChatClientException) as info:
        client.user.get("nobody")
    assert info.value.errcode == 60111
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text(APP_AGENT_ID, "ghost", u"x")
    assert info.value.errcode == 81013
