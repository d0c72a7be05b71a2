# -*- coding: utf-8 -*-
"""Emulator: frequency limits (45009), concurrency (45033) and injected faults."""
import threading

import pytest
import requests
import responses

from wecom_emulator import APP_AGENT_ID, APP_SECRET, CORP_ID, Emulator, RateLimits
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"


@pytest.fixture
def clock():
    return FakeClock()


def make(clock, **limits):
    return Emulator(clock=clock, rate_limits=limits or None)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def caller(rsps, emu, **kw):
    install(rsps, emu, **kw)
    wx = RawCaller(BASE)
    wx.token(APP_SECRET)
    return wx


# ---------------------------------------------------------------------------- 45009


def test_defaults_match_the_doc():
    limits = RateLimits()
    assert (limits.corp_per_minute, limits.corp_per_hour) == (10000, 150000)
    assert (limits.ip_per_minute, limits.ip_per_hour) == (20000, 600000)
    assert (limits.member_per_minute, limits.member_per_hour) == (30, 1000)
    assert limits.scaled(0.001).corp_per_minute == 10
    with pytest.raises(TypeError):
        RateLimits(per_fortnight=3)


def test_corp_per_minute_blocks_for_the_window(clock, mock):
    emu = make(clock, corp_per_minute=3)
    wx = caller(mock, emu)
    codes = [wx.get("department/simplelist")["errcode"] for _ in range(4)]
    assert codes == [0, 0, 0, 45009]
    assert "api freq out of limit" in wx.get("department/simplelist")["errmsg"]
    assert wx.get("tag/list")["errcode"] == 0          # limits are per API
    clock.advance(30)
    assert wx.get("department/simplelist")["errcode"] == 45009   # still blocked
    clock.advance(31)
    assert wx.get("department/simplelist")["errcode"] == 0


def test_hour_limit_blocks_for_an_hour(clock, mock):
    emu = make(clock, corp_per_hour=2)
    wx = caller(mock, emu)
    assert [wx.get("tag/list")["errcode"] for _ in range(3)] == [0, 0, 45009]
    clock.advance(600)
    assert wx.get("tag/list")["errcode"] == 45009
    clock.advance(3001)
    assert wx.get("tag/list")["errcode"] == 0


def test_ip_limit(clock, mock):
    emu = make(clock, ip_per_minute=2)
    wx = caller(mock, emu)
    assert [wx.get("tag/list")["errcode"] for _ in range(3)] == [0, 0, 45009]


def test_gettoken_is_limited_too(clock, mock):
    emu = make(clock, corp_per_minute=2)
    install(mock, emu)
    wx = RawCaller(BASE)
    codes = [wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["errcode"] for _ in range(3)]
    assert codes == [0, 0, 45009]


def test_message_send_not_counted_in_base_limits(clock, mock):
    emu = make(clock, corp_per_minute=2)
    wx = caller(mock, emu)
    body = {"touser": "lina", "msgtype": "text", "agentid": APP_AGENT_ID, "text": {"content": "x"}}
    assert [wx.post("message/send", body)["errcode"] for _ in range(4)] == [0] * 4


def test_app_daily_quota(clock, mock):
    emu = make(clock, app_person_times_per_day=3)
    wx = caller(mock, emu)
    body = {"touser": "lina|sunhao", "msgtype": "text", "agentid": APP_AGENT_ID,
            "text": {"content": "x"}}
    assert wx.post("message/send", body)["errcode"] == 0
    assert wx.post("message/send", body)["errcode"] == 45009
    clock.advance(86400)
    wx.token(APP_SECRET)
    assert wx.post("message/send", body)["errcode"] == 0


def test_debug_mode_5_per_minute(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    codes = [wx.get("tag/list", debug=1)["errcode"] for _ in range(6)]
    assert codes == [0] * 5 + [45009]


def test_repeated_bad_secrets_ban_the_ip(clock, mock):
    emu = make(clock, bad_secret_per_hour=3)
    install(mock, emu)
    wx = RawCaller(BASE)
    codes = [wx.get("gettoken", corpid=CORP_ID, corpsecret="bad")["errcode"] for _ in range(3)]
    assert codes == [40001] * 3
    assert wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["errcode"] == 45009
    clock.advance(3601)
    assert wx.get("gettoken", corpid=CORP_ID, corpsecret=APP_SECRET)["errcode"] == 0


def test_rate_limits_settable_after_start(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    emu.rate_limits = {"corp_per_minute": 1}
    assert [wx.get("tag/list")["errcode"] for _ in range(2)] == [0, 45009]


# ---------------------------------------------------------------------------- 45033


def test_concurrency_limit_45033(clock, mock):
    emu = make(clock, concurrency=2)
    wx = caller(mock, emu)
    emu.inject_fault("tag/list", kind="delay", delay=0.4, count=0)
    barrier = threading.Barrier(4)
    codes = []

    def worker():
        barrier.wait()
        codes.append(RawCaller(BASE).get("tag/list", token=wx.access_token)["errcode"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(codes) == [0, 0, 45033, 45033]
    emu.clear_faults()
    assert wx.get("tag/list")["errcode"] == 0


# ---------------------------------------------------------------------------- faults


def test_errcode_fault_count(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    emu.inject_fault("user/list", errcode=45009, count=2)
    codes = [wx.get("user/list", department_id=1)["errcode"] for _ in range(3)]
    assert codes == [45009, 45009, 0]
    assert emu.calls("user/list") == 3


def test_wildcard_fault_and_system_busy_text(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    emu.inject_fault("*")
    data = wx.get("tag/list")
    assert data["errcode"] == -1 and data["errmsg"].startswith("system busy, hint: [")
    assert wx.get("tag/list")["errcode"] == 0


def test_timeout_fault_in_process_raises_read_timeout(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    emu.inject_fault("message/send", kind="timeout")
    body = {"touser": "lina", "msgtype": "text", "agentid": APP_AGENT_ID, "text": {"content": "x"}}
    with pytest.raises(requests.exceptions.ReadTimeout):
        wx.post("message/send", body)
    assert emu.messages == []          # not processed
    emu.inject_fault("message/send", kind="timeout_after")
    with pytest.raises(requests.exceptions.Timeout):
        wx.post("message/send", body)
    assert len(emu.messages) == 1      # processed, but the caller saw a timeout


def test_http500_and_badjson_faults(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    emu.inject_fault("department/list", kind="http500")
    emu.inject_fault("department/list", kind="badjson")
    url = BASE + "/department/list"
    res = requests.get(url, params={"access_token": wx.access_token})
    assert res.status_code == 500
    res = requests.get(url, params={"access_token": wx.access_token})
    assert res.status_code == 200
    with pytest.raises(ValueError):
        res.json()
    assert requests.get(url, params={"access_token": wx.access_token}).json()["errcode"] == 0


def test_unknown_fault_kind_rejected():
    with pytest.raises(ValueError):
        Emulator().inject_fault("user/list", kind="explode")


def test_reset_clears_everything(clock, mock):
    emu = make(clock)
    wx = caller(mock, emu)
    wx.post("message/send", {"touser": "lina", "msgtype": "text", "agentid": APP_AGENT_ID,
                             "text": {"content": "x"}})
    emu.inject_fault("*", count=0)
    emu.directory.remove_user("sunhao")
    emu.app.trusted_ips = ["1.2.3.4"]
    emu.reset()
    assert emu.calls() == 0 and emu.messages == [] and emu.faults.pending() == []
    assert emu.directory.get_user("sunhao") is not None
    assert emu.app.trusted_ips == []
    assert wx.get("tag/list")["errcode"] == 40014     # tokens forgotten
    wx.token(APP_SECRET)
    assert wx.get("tag/list")["errcode"] == 0


# ---------------------------------------------------------------------------- over real HTTP


def test_timeout_fault_over_http_is_a_real_delay(clock):
    emu = make(clock)
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        token = wx.token(APP_SECRET)
        emu.inject_fault("tag/list", kind="timeout", delay=0.6)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(base + "/tag/list", params={"access_token": token}, timeout=0.2)
        emu.inject_fault("tag/list", kind="http500")
        assert requests.get(base + "/tag/list", params={"access_token": token}).status_code == 500
        assert wx.get("tag/list")["errcode"] == 0
