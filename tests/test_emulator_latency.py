# -*- coding: utf-8 -*-
"""Emulator: the per-call round trip (latency_ms), overlapping under concurrency like real WeCom.

Behavioural checks, not benchmarks: parallel calls must overlap (< 2x one delay), serial ones
must add up (>= n x the delay), and the delay must hold a concurrency slot (45033).
"""
import threading
import time

import pytest
import requests
import responses

from wecom_emulator import APP_SECRET, Emulator
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
DELAY_MS = 100


def parallel(n, call):
    """Run call() in n threads released together; (elapsed seconds, results)."""
    barrier = threading.Barrier(n + 1)
    results = []

    def worker():
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.monotonic()
    for t in threads:
        t.join(10)
    return time.monotonic() - start, results


@pytest.fixture
def served():
    emu = Emulator(clock=FakeClock(), latency_ms=DELAY_MS)
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        wx.token(APP_SECRET)
        yield emu, base, wx


def test_parallel_calls_overlap_over_http(served):
    emu, base, wx = served
    elapsed, codes = parallel(8, lambda: RawCaller(base).get(
        "tag/list", token=wx.access_token)["errcode"])
    assert codes == [0] * 8
    assert DELAY_MS / 1000.0 <= elapsed < 2 * DELAY_MS / 1000.0


def test_serial_calls_add_up(served):
    emu, base, wx = served
    start = time.monotonic()
    for _ in range(8):
        assert wx.get("tag/list")["errcode"] == 0
    assert time.monotonic() - start >= 8 * DELAY_MS / 1000.0


def test_latency_holds_a_concurrency_slot(clock):
    emu = Emulator(clock=clock, latency_ms=300, rate_limits={"concurrency": 2})
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        wx.token(APP_SECRET)
        elapsed, codes = parallel(4, lambda: RawCaller(base).get(
            "tag/list", token=wx.access_token)["errcode"])
    assert sorted(codes) == [0, 0, 45033, 45033]
    # A refused call still takes the round trip.
    assert elapsed >= 0.3


def test_per_minute_limits_still_apply_with_latency(clock):
    emu = Emulator(clock=clock, latency_ms=20, rate_limits={"corp_per_minute": 3})
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        wx.token(APP_SECRET)
        assert [wx.get("tag/list")["errcode"] for _ in range(4)] == [0, 0, 0, 45009]
    assert emu.calls("tag/list") == 4


def test_in_process_install_sleeps_too_and_overlaps(clock):
    emu = Emulator(clock=clock, latency_ms=DELAY_MS)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        start = time.monotonic()
        wx.token(APP_SECRET)
        assert time.monotonic() - start >= DELAY_MS / 1000.0
        elapsed, codes = parallel(6, lambda: RawCaller(BASE).get(
            "department/simplelist", token=wx.access_token)["errcode"])
    assert codes == [0] * 6
    assert elapsed < 2 * DELAY_MS / 1000.0


def test_the_lock_is_free_while_a_call_waits(clock):
    emu = Emulator(clock=clock, latency_ms=400)
    with emulator_server(emu) as base:
        wx = RawCaller(base)
        emu.latency_ms = 0
        wx.token(APP_SECRET)
        emu.latency_ms = 400
        thread = threading.Thread(target=wx.get, args=("tag/list",))
        thread.start()
        time.sleep(0.1)
        start = time.monotonic()
        with emu.lock:          # not held by the waiting call
            pass
        assert time.monotonic() - start < 0.2
        assert requests.get(base.replace("/cgi-bin", "/_emulator/stats")).status_code == 200
        thread.join(5)


def test_default_is_zero_and_the_option_validates():
    assert Emulator().latency_ms == 0
    emu = Emulator(latency_ms=12.5)
    assert emu.latency_ms == 12.5
    for bad in (-1, "30", True, 60001, float("nan")):
        with pytest.raises(ValueError):
            Emulator(latency_ms=bad)
        with pytest.raises(ValueError):
            emu.latency_ms = bad
    assert emu.latency_ms == 12.5


def test_admin_latency_setting(clock):
    emu = Emulator(clock=clock)
    with emulator_server(emu) as base:
        url = base.replace("/cgi-bin", "/_emulator/latency")
        assert requests.get(url).json() == {"latency_ms": 0}
        assert requests.post(url, json={"latency_ms": 50}).json() == {"latency_ms": 50}
        assert emu.latency_ms == 50
        for body in ({"latency_ms": -5}, {"latency_ms": "fast"}, {"latency_ms": None}, {},
                     [50]):
            res = requests.post(url, json=body)
            assert res.status_code == 400 and res.json()["error"], body
        res = requests.post(url, data=b"{not json")
        assert res.status_code == 400
        assert emu.latency_ms == 50
        emu.reset()                       # a setting, like the rate limits: kept
        assert requests.get(url).json() == {"latency_ms": 50}


def test_cli_option():
    from wecom_emulator.__main__ import build, parse_args
    assert build(parse_args(["--latency-ms", "30"])).latency_ms == 30
    assert build(parse_args([])).latency_ms == 0
    with pytest.raises(ValueError):
        build(parse_args(["--latency-ms", "-1"]))
