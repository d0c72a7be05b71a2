# -*- coding: utf-8 -*-
"""Emulator: tokens, transport conventions, departments, users, tags, visibility, privacy and
the contact-sync rules, exercised through requests + responses (testing.install)."""
import re

import pytest
import requests
import responses

from wecom_emulator import (APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, CORP_ID, Emulator,
                            LEGACY_SECRET, REGION_SECRET)
from wecom_emulator.testing import RawCaller, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
SENSITIVE = ("mobile", "email", "biz_mail", "avatar", "qr_code", "address")


@pytest.fixture
def wx(emu):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        yield RawCaller(BASE)


# ---------------------------------------------------------------------------- constants


def test_fixed_identities(emu):
    assert emu.corp_id == CORP_ID == "ww5e1a7e0000c0ffee"
    assert emu.app.agent_id == APP_AGENT_ID == 1000002
    assert emu.legacy_app.agent_id == 1000003
    for secret in (emu.app.secret, emu.legacy_app.secret, emu.contact_secret):
        assert re.match(r"^[A-Za-z0-9_-]{43}$", secret)
    assert emu.app.created_at.year == 2023 and emu.app.privacy_restricted
    assert emu.legacy_app.created_at.year == 2020 and not emu.legacy_app.privacy_restricted
    assert Emulator().app.secret == emu.app.secret  # constant across instances


# ---------------------------------------------------------------------------- gettoken


def test_gettoken_returns_same_token_with_remaining_lifetime(emu, wx, clock):
    first = wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)
    assert first["errcode"] == 0 and first["errmsg"] == "ok"
    assert first["expires_in"] == 7200 and len(first["access_token"]) > 100
    clock.advance(1000)
    again = wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 6200
    other = wx.get("gettoken", corpid=CORP_ID, corpsecret=LEGACY_SECRET)
    assert other["access_token"] != first["access_token"]


def test_token_expiry_gives_42001_then_a_new_token(emu, wx, clock):
    token = wx.token(APP_SECRET)
    assert wx.get("tag/list")["errcode"] == 0
    clock.advance(7200)
    assert wx.get("tag/list")["errcode"] == 42001
    fresh = wx.token(APP_SECRET)
    assert fresh != token
    assert wx.get("tag/list", token=fresh)["errcode"] == 0
    assert wx.get("tag/list", token=token)["errcode"] == 42001


def test_token_ttl_is_configurable(clock):
    emu = Emulator(token_ttl=60, clock=clock)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        token = wx.token(APP_SECRET)
        assert wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["expires_in"] == 60
        clock.advance(59)
        assert wx.get("tag/list")["errcode"] == 0
        clock.advance(1)
        assert wx.get("tag/list")["errcode"] == 42001
        assert wx.token(APP_SECRET) != token


def test_invalidate_tokens_gives_40014(emu, wx):
    old = wx.token(APP_SECRET)
    emu.invalidate_tokens()
    assert wx.get("tag/list")["errcode"] == 40014
    assert wx.token(APP_SECRET) != old
    assert wx.get("tag/list")["errcode"] == 0


@pytest.mark.parametrize("params,errcode", [
    ({"corpsecret": APP_SECRET}, 41002),
    ({"corpid": CORP_ID}, 41004),
    ({"corpid": "wwdeadbeef00000000", "corpsecret": APP_SECRET}, 40013),
    ({"corpid": CORP_ID, "corpsecret": "x" * 43}, 40001),
])
def test_gettoken_errors(wx, params, errcode):
    data = wx.get("gettoken", **params)
    assert data["errcode"] == errcode
    assert "access_token" not in data


def test_disabled_app_cannot_get_token(emu, wx):
    emu.legacy_app.enabled = False
    assert wx.get("gettoken", corpid=CORP_ID, corpsecret=LEGACY_SECRET)["errcode"] == 40001


def test_trusted_ip_allowlist_60020(emu, wx):
    token = wx.token(APP_SECRET)
    emu.app.trusted_ips = ["10.1.2.3"]
    data = wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)
    assert data["errcode"] == 60020
    assert "from ip: 127.0.0.1" in data["errmsg"]
    assert wx.get("department/simplelist", token=token)["errcode"] == 60020
    emu.app.trusted_ips = ["127.0.0.1"]
    assert wx.get("department/simplelist", token=token)["errcode"] == 0


def test_trusted_ip_uses_the_caller_address(emu):
    emu.app.trusted_ips = ["10.1.2.3"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu, remote_addr="10.1.2.3")
        assert RawCaller(BASE).get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["errcode"] == 0


# ---------------------------------------------------------------------------- transport


def test_error_shape_and_headers(emu):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        res = requests.get(BASE + "/user/get", params={"userid": "lina"})
    assert res.status_code == 200
    data = res.json()
    assert data["errcode"] == 41001
    assert re.match(r"^access_token missing, hint: \[\d+\], from ip: 127\.0\.0\.1, more info at "
                    r"https://open\.work\.weixin\.qq\.com/devtool/query\?e=41001$", data["errmsg"])
    assert res.headers["Error-Code"] == "41001"
    assert res.headers["Error-Msg"] == data["errmsg"]
    assert res.headers["Content-Type"].startswith("application/json")
    assert list(data)[:2] == ["errcode", "errmsg"]


def test_unknown_token_40014(wx):
    assert wx.get("tag/list", token="not-a-token")["errcode"] == 40014


def test_token_in_body_instead_of_url_41001(wx):
    token = wx.token(APP_SECRET)
    data = wx.post("message/send", {"access_token": token, "touser": "lina", "msgtype": "text",
                                    "agentid": APP_AGENT_ID, "text": {"content": "hi"}}, token=False)
    assert data["errcode"] == 41001
    assert "URL" in data["errmsg"]


def test_wrong_http_method(wx):
    wx.token(APP_SECRET)
    assert wx.get("message/send")["errcode"] == 40058
    assert wx.post("department/list", {})["errcode"] == 40058


def test_bad_json_body_40058(wx):
    wx.token(APP_SECRET)
    assert wx.post("message/send", raw=b"{not json")["errcode"] == 40058
    assert wx.post("message/send", raw=b"[1, 2]")["errcode"] == 40058


def test_calls_counter(emu, wx):
    wx.token(APP_SECRET)
    wx.get("department/list")
    wx.get("department/list")
    assert emu.calls("gettoken") == 1
    assert emu.calls("department/list") == 2
    assert emu.calls() == 3


# ---------------------------------------------------------------------------- departments


def test_department_list_whole_tree_and_subtree(wx):
    wx.token(APP_SECRET)
    data = wx.get("department/list")
    ids = [d["id"] for d in data["department"]]
    assert ids[0] == 1 and len(ids) == 20
    root = data["department"][0]
    assert root["parentid"] == 0
    east = wx.get("department/list", id=3)["department"]
    assert [d["id"] for d in east] == [3, 11, 12, 13, 14]
    assert east[0] == {"id": 3, "name": u"华东区", "name_en": "East China",
                       "department_leader": ["liujun"], "parentid": 1, "order": 99998000}
    # parents before children everywhere
    seen = set()
    for dept in data["department"]:
        assert dept["parentid"] in seen or dept["id"] == 1
        seen.add(dept["id"])


def test_department_simplelist_and_get(wx):
    wx.token(APP_SECRET)
    simple = wx.get("department/simplelist", id=7)
    assert simple["department_id"] == [{"id": 7, "parentid": 1, "order": 99994000},
                                       {"id": 18, "parentid": 7, "order": 99999000},
                                       {"id": 19, "parentid": 7, "order": 99998000}]
    got = wx.get("department/get", id=18)["department"]
    assert got["name"] == u"系统开发组" and got["department_leader"] == ["renjie"]


@pytest.mark.parametrize("path,params,errcode", [
    ("department/get", {"id": 999}, 60003),
    ("department/get", {"id": "abc"}, 60123),
    ("department/get", {}, 40058),
    ("department/list", {"id": 999}, 60003),
    ("user/list", {"department_id": 999}, 60003),
    ("user/list", {}, 40058),
    ("user/get", {}, 41009),
    ("user/get", {"userid": "nobody"}, 60111),
    ("user/get", {"userid": "no body!"}, 40003),
    ("tag/get", {"tagid": 99}, 40068),
])
def test_read_errors(wx, path, params, errcode):
    wx.token(APP_SECRET)
    assert wx.get(path, **params)["errcode"] == errcode


# ---------------------------------------------------------------------------- users


def test_user_get_privacy_restricted_vs_legacy(wx):
    wx.token(APP_SECRET)
    new = wx.get("user/get", userid="lina")
    assert new["errcode"] == 0 and new["name"] == u"李娜"
    for field in SENSITIVE:
        assert field not in new
    assert new["gender"] == "0"
    assert new["position"] == u"店长" and new["department"] == [8] and new["status"] == 1
    wx.token(LEGACY_SECRET)
    old = wx.get("user/get", userid="lina")
    for field in SENSITIVE:
        assert old[field]
    assert old["gender"] == "2"
    assert old["email"] == "lina@haolinju.com.cn"


def test_privacy_switch_per_app(emu, wx):
    emu.app.privacy_restricted = False
    wx.token(APP_SECRET)
    assert wx.get("user/get", userid="lina")["mobile"]


def test_user_get_is_case_insensitive(wx):
    wx.token(APP_SECRET)
    assert wx.get("user/get", userid="LiNa")["userid"] == "lina"


def test_user_list_and_simplelist(wx):
    wx.token(LEGACY_SECRET)
    full = wx.get("user/list", department_id=11)["userlist"]
    assert [u["userid"] for u in full] == ["zhuhong", "heqiang", "guojing", "shiyong"]
    shiyong = full[-1]
    assert shiyong["department"] == [19, 11] and shiyong["is_leader_in_dept"] == [0, 0]
    assert shiyong["main_department"] == 19 and shiyong["direct_leader"] == ["xiongfei"]
    assert len(shiyong["order"]) == 2
    simple = wx.get("user/simplelist", department_id=11)["userlist"]
    assert simple[0] == {"userid": "zhuhong", "name": u"朱红", "department": [11]}


def test_user_list_is_one_department_unless_fetch_child_honoured(clock):
    for honour, expected in ((False, 3), (True, 15)):
        emu = Emulator(clock=clock, honour_fetch_child=honour)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            install(rsps, emu)
            wx = RawCaller(BASE)
            wx.token(APP_SECRET)
            users = wx.get("user/simplelist", department_id=3, fetch_child=1)["userlist"]
            assert len(users) == expected


def test_demo_directory_shape(emu):
    d = emu.directory
    assert 40 <= len(d.users) <= 80
    statuses = [u["status"] for u in d.users.values()]
    assert statuses.count(2) == 1 and statuses.count(4) == 1
    multi = [u for u in d.users.values() if len(u["department"]) > 1]
    assert len(multi) >= 3
    for user in d.users.values():
        assert len(user["order"]) == len(user["department"]) == len(user["is_leader_in_dept"])
        assert user["main_department"] in user["department"]
        for leader in user["direct_leader"]:
            assert d.get_user(leader) is not None
    names = [dd["name"] for dd in d.departments.values()]
    for store in (u"北京朝阳店", u"上海静安店", u"深圳南山店", u"财务部"):
        assert store in names
    assert {t["tagname"] for t in d.tags.values()} >= {u"店长", u"华东门店"}


# ---------------------------------------------------------------------------- visible range


def test_region_app_sees_only_its_range(emu, wx):
    wx.token(REGION_SECRET)
    ids = [d["id"] for d in wx.get("department/list")["department"]]
    assert ids == [3, 11, 12, 13, 14]
    assert wx.get("department/get", id=5)["errcode"] == 60011
    assert wx.get("department/list", id=1)["errcode"] == 60011
    out = wx.get("user/list", department_id=2)
    assert out["errcode"] == 60011 and out["userlist"] == []
    # yeqing is in range as a user, her department is not
    yeqing = wx.get("user/get", userid="yeqing")
    assert yeqing["errcode"] == 0 and yeqing["department"] == []
    assert "main_department" not in yeqing
    # an existing user outside the range: 60011; a missing one: 60111
    assert wx.get("user/get", userid="lina")["errcode"] == 60011
    assert wx.get("user/get", userid="ghost")["errcode"] == 60111
    # shiyong is in 运维组 (out of range) and 上海静安店 (in range)
    shiyong = wx.get("user/get", userid="shiyong")
    assert shiyong["department"] == [11] and shiyong["order"] == [shiyong["order"][0]]
    assert shiyong["direct_leader"] == []   # xiongfei is out of range
    assert "main_department" not in shiyong
    # duwei: 财务部 (out) and 华东区 (in)
    assert wx.get("user/get", userid="duwei")["department"] == [3]


def test_visible_range_by_tag_and_users(emu, wx):
    emu.add_app(1000009, "T" * 43, visible_tags=[3], visible_users=["lina"])
    wx.token("T" * 43)
    ids = [d["id"] for d in wx.get("department/simplelist")["department_id"]]
    assert ids == [18]
    tag = wx.get("tag/get", tagid=1)
    assert tag["userlist"] == [{"userid": "lina", "name": u"李娜"}]
    assert wx.get("user/get", userid="xiongfei")["errcode"] == 0
    assert wx.get("user/get", userid="yaobin")["errcode"] == 0
    assert wx.get("user/get", userid="dingwei")["errcode"] == 60011


def test_department_leader_filtered_to_range(emu, wx):
    emu.add_app(1000010, "U" * 43, visible_parties=[18])
    emu.directory.update_user("dingwei", {"department": [7, 18], "is_leader_in_dept": [1, 1]})
    wx.token("U" * 43)
    dept = wx.get("department/get", id=18)["department"]
    assert sorted(dept["department_leader"]) == ["dingwei", "renjie"]
    emu.add_app(1000011, "V" * 43, visible_parties=[18], visible_users=[])
    emu.directory.update_user("dingwei", {"department": [7]})
    assert wx.get("department/get", id=18)["department"]["department_leader"] == ["renjie"]


# ---------------------------------------------------------------------------- tags


def test_tags(wx):
    wx.token(APP_SECRET)
    tags = wx.get("tag/list")["taglist"]
    assert {"tagid": 1, "tagname": u"店长"} in tags
    east = wx.get("tag/get", tagid=2)
    assert east["tagname"] == u"华东门店" and east["partylist"] == [11, 12, 13, 14]
    assert east["userlist"] == []
    managers = wx.get("tag/get", tagid=1)["userlist"]
    assert {"userid": "lina", "name": u"李娜"} in managers and len(managers) == 10


# ---------------------------------------------------------------------------- contact sync


def test_contact_sync_new_ip_rules(emu, wx):
    wx.token(CONTACT_SECRET)
    for path, params in (("user/get", {"userid": "lina"}), ("user/list", {"department_id": 1}),
                         ("user/simplelist", {"department_id": 1}), ("department/list", {}),
                         ("department/get", {"id": 1})):
        assert wx.get(path, **params)["errcode"] == 48009, path
    assert len(wx.get("department/simplelist")["department_id"]) == 20
    assert wx.get("tag/list")["errcode"] == 0
    rows = wx.post("user/list_id", {})
    assert rows["errcode"] == 0 and rows["next_cursor"] == ""
    assert len(rows["dept_user"]) == sum(len(u["department"]) for u in emu.directory.users.values())
    send = wx.post("message/send", {"touser": "lina", "msgtype": "text", "agentid": APP_AGENT_ID,
                                    "text": {"content": "x"}})
    assert send["errcode"] == 48002
    assert wx.post("message/recall", {"msgid": "x"})["errcode"] == 48002


def test_contact_sync_known_ip_reads_full_details(emu, wx):
    emu.contact_sync.new_ip = False
    wx.token(CONTACT_SECRET)
    lina = wx.get("user/get", userid="lina")
    assert lina["errcode"] == 0 and lina["mobile"]


def test_list_id_needs_contact_secret(wx):
    wx.token(APP_SECRET)
    assert wx.post("user/list_id", {"limit": 10})["errcode"] == 48002


@pytest.mark.parametrize("body", [{"limit": 0}, {"limit": 10001}, {"limit": "5"},
                                  {"cursor": "garbage"}, {"cursor": 5}])
def test_list_id_bad_parameters(wx, body):
    wx.token(CONTACT_SECRET)
    assert wx.post("user/list_id", body)["errcode"] == 40058


def test_list_id_rows_per_membership(emu, wx):
    wx.token(CONTACT_SECRET)
    rows, cursor = [], ""
    while True:
        page = wx.post("user/list_id", {"cursor": cursor, "limit": 7})
        assert page["errcode"] == 0 and len(page["dept_user"]) <= 7
        rows.extend(page["dept_user"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert {"userid": "shiyong", "department": 19} in rows
    assert {"userid": "shiyong", "department": 11} in rows
    assert len(rows) == len(set((r["userid"], r["department"]) for r in rows))
    assert {r["userid"] for r in rows} == {u["userid"] for u in emu.directory.users.values()}
