# -*- coding: utf-8 -*-
"""Emulator: the /_emulator/ admin API, the HTML inbox, the Python directory API and the CLI,
mostly over real HTTP (emulator_server)."""
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from wecom_emulator import APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, CORP_ID, Emulator
from wecom_emulator.directory import Conflict, DirectoryError, NotFound
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def server():
    emu = Emulator(clock=FakeClock())
    with emulator_server(emu) as base:
        yield emu, base, base[:-len("/cgi-bin")]


@pytest.fixture
def live(server):
    emu, base, root = server
    emu.reset()
    return emu, RawCaller(base), root


def admin(root, method, path, body=None):
    return requests.request(method, root + "/_emulator/" + path, json=body, timeout=10)


# ---------------------------------------------------------------------------- admin API


def test_corp_endpoint_lists_everything_needed_to_connect(live):
    emu, wx, root = live
    data = admin(root, "GET", "corp").json()
    assert data["corpid"] == CORP_ID
    assert data["contact_sync"]["secret"] == CONTACT_SECRET
    app = [a for a in data["apps"] if a["agentid"] == APP_AGENT_ID][0]
    assert app["secret"] == APP_SECRET and app["privacy_restricted"] is True
    assert app["created_at"].startswith("2023-") and app["visible_range"]["parties"] == [1]
    assert data["base_url"] == root + "/cgi-bin"
    legacy = [a for a in data["apps"] if a["agentid"] == 1000003][0]
    assert legacy["privacy_restricted"] is False
    # and they work
    assert wx.get("gettoken", corpid=data["corpid"], corpsecret=app["secret"])["errcode"] == 0


def test_directory_snapshot(live):
    emu, wx, root = live
    data = admin(root, "GET", "directory").json()
    assert len(data["department"]) == 20 and len(data["userlist"]) == len(emu.directory.users)
    assert data["department"][0]["id"] == 1
    assert {"tagid": 2, "tagname": u"华东门店", "userlist": [], "partylist": [11, 12, 13, 14]} \
        in data["taglist"]


def test_add_update_rename_remove_user_over_http(live):
    emu, wx, root = live
    wx.token(CONTACT_SECRET)
    res = admin(root, "POST", "directory/users", {
        "userid": "xiaoming", "name": u"小明", "department": [8, 9], "position": u"店员",
        "mobile": "13900000001", "gender": "1"})
    assert res.status_code == 201
    user = res.json()["user"]
    assert user["order"] == [0, 0] and user["is_leader_in_dept"] == [0, 0]
    assert user["main_department"] == 8 and user["status"] == 1
    rows = wx.post("user/list_id", {})["dept_user"]
    assert {"userid": "xiaoming", "department": 9} in rows

    res = admin(root, "POST", "directory/users/xiaoming",
                {"new_userid": "XiaoMing2", "position": u"店长", "department": [9],
                 "is_leader_in_dept": [1]})
    assert res.status_code == 200, res.text
    assert emu.directory.get_user("xiaoming") is None
    assert emu.directory.get_department(9)["department_leader"] == ["wangfang", "XiaoMing2"]
    wx.token(APP_SECRET)
    got = wx.get("user/get", userid="xiaoming2")
    assert got["userid"] == "XiaoMing2" and got["position"] == u"店长" and got["department"] == [9]
    assert wx.get("user/get", userid="xiaoming")["errcode"] == 60111

    assert admin(root, "DELETE", "directory/users/xiaoming2").status_code == 200
    assert wx.get("user/get", userid="xiaoming2")["errcode"] == 60111
    assert emu.directory.get_department(9)["department_leader"] == ["wangfang"]


def test_rename_updates_references(live):
    emu, wx, root = live
    assert admin(root, "POST", "directory/users/lina", {"new_userid": "lina01"}).status_code == 200
    assert emu.directory.get_user("sunhao")["direct_leader"] == ["lina01"]
    assert "lina01" in emu.directory.get_tag(1)["users"]
    assert emu.directory.get_department(8)["department_leader"] == ["lina01"]


@pytest.mark.parametrize("method,path,body,status", [
    ("POST", "directory/users", {"userid": "lina", "name": "x"}, 409),
    ("POST", "directory/users", {"userid": "bad id!", "name": "x"}, 400),
    ("POST", "directory/users", {"userid": "ok1", "name": "x", "department": [999]}, 404),
    ("POST", "directory/users", {"userid": "ok2"}, 400),
    ("POST", "directory/users", {"userid": "ok3", "name": "x", "mobile": "13400000000"}, 201),
    ("POST", "directory/users/lina", {"new_userid": "sunhao"}, 409),
    ("POST", "directory/users/ghost", {"name": "x"}, 404),
    ("DELETE", "directory/users/ghost", None, 404),
    ("POST", "directory/departments", {"name": "a:b", "parentid": 1}, 400),
    ("POST", "directory/departments", {"name": u"新部门", "parentid": 999}, 404),
    ("POST", "directory/departments", {"name": u"华北区", "parentid": 1}, 409),
    ("POST", "directory/departments/2", {"parentid": 8}, 400),
    ("DELETE", "directory/departments/1", None, 400),
    ("DELETE", "directory/departments/2", None, 409),
    ("DELETE", "directory/departments/8", None, 409),
    ("DELETE", "directory/departments/999", None, 404),
    ("POST", "faults", {"kind": "errcode"}, 400),
    ("POST", "faults", {"path": "x", "kind": "boom"}, 400),
    ("GET", "nothing/here", None, 404),
    ("PUT", "corp", None, 405),
])
def test_admin_errors(live, method, path, body, status):
    emu, wx, root = live
    res = admin(root, method, path, body)
    assert res.status_code == status, res.text
    if status >= 400:
        assert res.json()["error"]


def test_admin_bad_json(live):
    emu, wx, root = live
    res = requests.post(root + "/_emulator/directory/users", data=b"{nope")
    assert res.status_code == 400 and "JSON" in res.json()["error"]


def test_department_add_move_rename_remove(live):
    emu, wx, root = live
    res = admin(root, "POST", "directory/departments",
                {"name": u"苏州观前店", "parentid": 3, "order": 5})
    assert res.status_code == 201
    new_id = res.json()["department"]["id"]
    assert new_id == 21
    wx.token(APP_SECRET)
    ids = [d["id"] for d in wx.get("department/list", id=3)["department"]]
    assert ids[-1] == 21
    admin(root, "POST", "directory/departments/21", {"name": u"苏州园区店", "parentid": 2})
    dept = wx.get("department/get", id=21)["department"]
    assert dept["name"] == u"苏州园区店" and dept["parentid"] == 2
    assert admin(root, "DELETE", "directory/departments/21").status_code == 200
    assert wx.get("department/get", id=21)["errcode"] == 60003


def test_department_leaders_via_admin(live):
    emu, wx, root = live
    res = admin(root, "POST", "directory/departments/8", {"department_leader": ["sunhao"]})
    assert res.status_code == 200
    assert emu.directory.get_user("lina")["is_leader_in_dept"] == [0]
    assert emu.directory.get_user("sunhao")["is_leader_in_dept"] == [1]
    assert admin(root, "POST", "directory/departments/8",
                 {"department_leader": ["zhangwei"]}).status_code == 400


def test_faults_tokens_stats_reset_over_http(live):
    emu, wx, root = live
    token = wx.token(APP_SECRET)
    res = admin(root, "POST", "faults", {"path": "user/list", "kind": "errcode", "errcode": 45009,
                                         "count": 2, "delay": 0})
    assert res.json()["faults"][0]["remaining"] == 2
    assert wx.get("user/list", department_id=1)["errcode"] == 45009
    assert admin(root, "GET", "stats").json()["calls"]["user/list"] == 1
    admin(root, "DELETE", "faults")
    assert wx.get("user/list", department_id=1)["errcode"] == 0
    admin(root, "POST", "tokens/invalidate")
    assert wx.get("tag/list", token=token)["errcode"] == 40014
    token = wx.token(APP_SECRET)
    admin(root, "POST", "tokens/expire")
    assert wx.get("tag/list", token=token)["errcode"] == 42001
    admin(root, "POST", "reset")
    stats = admin(root, "GET", "stats").json()
    assert stats["total"] == 0 and stats["messages"] == 0


def test_app_and_contact_sync_settings_over_http(live):
    emu, wx, root = live
    res = admin(root, "POST", "apps/%d" % APP_AGENT_ID, {"trusted_ips": ["10.9.9.9"]})
    assert res.json()["trusted_ips"] == ["10.9.9.9"]
    assert wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["errcode"] == 60020
    admin(root, "POST", "contact_sync", {"new_ip": False})
    wx.token(CONTACT_SECRET)
    assert wx.get("user/get", userid="lina")["errcode"] == 0
    assert admin(root, "POST", "rate_limits", {"corp_per_minute": 1}).json()["corp_per_minute"] == 1
    wx.get("tag/list")
    assert wx.get("tag/list")["errcode"] == 45009
    assert admin(root, "GET", "apps/1").status_code == 404
    emu.rate_limits = None


def test_messages_endpoint_newest_first_and_by_user(live):
    emu, wx, root = live
    wx.token(APP_SECRET)
    for i, to in enumerate(("lina", "sunhao", "lina")):
        wx.post("message/send", {"touser": to, "msgtype": "text", "agentid": APP_AGENT_ID,
                                 "text": {"content": "m%d" % i}})
    allm = admin(root, "GET", "messages").json()["messages"]
    assert [m["payload"]["content"] for m in allm] == ["m2", "m1", "m0"]
    lina = requests.get(root + "/_emulator/messages", params={"userid": "LINA"}).json()["messages"]
    assert [m["payload"]["content"] for m in lina] == ["m2", "m0"]


# ---------------------------------------------------------------------------- inbox page


def test_inbox_page_renders_chinese_message_escaped(live):
    emu, wx, root = live
    page = requests.get(root + "/").text
    assert u"还没有消息" in page
    wx.token(APP_SECRET)
    wx.post("message/send", {"touser": "lina", "msgtype": "textcard", "agentid": APP_AGENT_ID,
                             "textcard": {"title": u"采购单待审批 <PO-001>",
                                          "description": u"<script>alert(1)</script>金额 ¥1,200",
                                          "url": "https://erp.example.com/po?id=1&x=2"}})
    msgid = wx.post("message/send", {"touser": "lina|sunhao", "msgtype": "text",
                                     "agentid": APP_AGENT_ID,
                                     "text": {"content": u"今晚盘点，请准时到店"}})["msgid"]
    wx.post("message/recall", {"msgid": msgid})
    dup = {"touser": "sunhao", "msgtype": "text", "agentid": APP_AGENT_ID,
           "text": {"content": u"重复"}, "enable_duplicate_check": 1}
    wx.post("message/send", dup)
    wx.post("message/send", dup)
    res = requests.get(root + "/")
    assert res.headers["Content-Type"].startswith("text/html")
    assert "charset=UTF-8" in res.headers["Content-Type"]
    page = res.text
    assert '<meta http-equiv="refresh" content="5">' in page
    assert u"李娜" in page and "lina" in page
    assert u"今晚盘点，请准时到店" in page
    assert u"采购单待审批 &lt;PO-001&gt;" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "https://erp.example.com/po?id=1&amp;x=2" in page
    assert u"已撤回" in page and "suppressed" in page
    # newest first in lina's section
    lina_section = page[page.index(u"李娜"):]
    assert lina_section.index(u"今晚盘点") < lina_section.index(u"采购单待审批")
    assert not re.search(r'<(link|script)[^>]+(src|href)=', page)


# ---------------------------------------------------------------------------- Python directory API


def test_directory_python_api_errors_and_tags():
    emu = Emulator()
    d = emu.directory
    with pytest.raises(Conflict):
        d.add_user({"userid": "LINA", "name": "dup"})
    with pytest.raises(NotFound):
        d.update_user("ghost", {"name": "x"})
    with pytest.raises(DirectoryError):
        d.update_user("lina", {"main_department": 3})
    d.update_user("wangqiang", {"main_department": 8})
    assert d.get_user("wangqiang")["main_department"] == 8
    d.update_user("wangqiang", {"department": [8]})
    assert d.get_user("wangqiang")["is_leader_in_dept"] == [0]   # realigned, not copied by index
    assert d.get_department(2)["department_leader"] == []
    tag = d.add_tag({"tagname": u"新品试吃", "users": ["lina"], "parties": [9]})
    assert tag["tagid"] == 4
    d.update_tag(4, {"users": ["sunhao"]})
    assert d.get_tag(4)["users"] == ["sunhao"]
    d.remove_user("sunhao")
    assert d.get_tag(4)["users"] == [] and d.get_user("zhoujie")["direct_leader"] == ["lina"]
    d.remove_tag(4)
    assert d.get_tag(4) is None
    events = []
    d.listeners.append(events.append)
    d.update_user("lina", {"new_userid": "lina2"})
    assert events == [{"ChangeType": "update_user", "UserID": "lina", "NewUserID": "lina2"}]


# ---------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_and_stops_on_signal(stop_signal):
    proc = subprocess.Popen(
        [sys.executable, "-m", "wecom_emulator", "--host", "127.0.0.1", "--port", "0",
         "--directory", "demo", "--token-ttl", "300", "--rate-limit-scale", "0.01"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/cgi-bin)", first)
        assert match, first
        base = match.group(1)
        banner = [proc.stdout.readline() for _ in range(6)]
        text = "".join(banner)
        assert CORP_ID in text and APP_SECRET in text and CONTACT_SECRET in text
        assert "1000002" in text
        wx = RawCaller(base)
        assert wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["expires_in"] == 300
        assert requests.get(base[:-len("/cgi-bin")] + "/_emulator/rate_limits").json()[
            "corp_per_minute"] == 100
    finally:
        proc.send_signal(stop_signal)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "stopped" in out


def test_cli_rejects_bad_directory():
    proc = subprocess.run([sys.executable, "-m", "wecom_emulator", "--port", "0",
                           "--directory", "huge"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=30)
    assert proc.returncode == 2 and "unknown directory" in proc.stderr
