# -*- coding: utf-8 -*-
"""Emulator: the deterministic large-corp generator and paging through it."""
import json
import time

import pytest
import responses

from wecom_emulator import APP_SECRET, CONTACT_SECRET, Emulator
from wecom_emulator.directory import build
from wecom_emulator.testing import RawCaller, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"


@pytest.fixture(scope="module")
def big():
    started = time.time()
    emu = Emulator(directory="large:50000:5000")
    return emu, time.time() - started


def snapshot(directory):
    return json.dumps(directory.snapshot(), sort_keys=True, ensure_ascii=False)


def test_generator_is_deterministic():
    a, b = build("large:3000:300"), build("large:3000:300")
    assert snapshot(a) == snapshot(b)
    assert snapshot(build("large:3000:300:2")) != snapshot(a)


def test_spec_parsing():
    d = build("large:500")
    assert len(d.users) == 500 and len(d.departments) == 50
    for bad in ("large:", "large:x", "large:10:0", "enormous"):
        with pytest.raises(ValueError):
            build(bad)


def test_large_corp_size_shape_and_build_time(big):
    emu, seconds = big
    d = emu.directory
    assert len(d.users) == 50000 and len(d.departments) == 5000
    assert seconds < 15, "building 50k users took %.1fs" % seconds
    assert max(d.depth(i) for i in d.departments) <= 15
    for dept in d.departments.values():
        assert dept["parentid"] == 0 or dept["parentid"] in d.departments
    siblings = {}
    for dept in d.departments.values():
        key = (dept["parentid"], dept["name"])
        assert key not in siblings
        siblings[key] = dept["id"]
    multi = sum(1 for u in d.users.values() if len(u["department"]) > 1)
    assert 2000 < multi < 6000
    assert len({u["mobile"] for u in d.users.values()}) == 50000


def test_list_id_cursor_loop_over_pages(big):
    emu, _ = big
    expected = sum(len(u["department"]) for u in emu.directory.users.values())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(CONTACT_SECRET)
        rows, cursor, pages, cursors = [], None, 0, set()
        while True:
            body = {"limit": 10000}
            if cursor:
                body["cursor"] = cursor
            page = wx.post("user/list_id", body)
            assert page["errcode"] == 0
            pages += 1
            rows.extend(page["dept_user"])
            cursor = page["next_cursor"]
            if not cursor:
                break
            assert cursor not in cursors
            cursors.add(cursor)
    assert pages == -(-expected // 10000) and pages >= 5
    assert len(rows) == expected
    assert len({(r["userid"], r["department"]) for r in rows}) == expected


def test_user_list_per_department_uses_the_index(big):
    emu, _ = big
    d = emu.directory
    dept_id = 4321
    expected = [u["userid"] for u in d.users.values() if dept_id in u["department"]]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        started = time.time()
        for _ in range(20):
            users = wx.get("user/list", department_id=dept_id)["userlist"]
        per_call = (time.time() - started) / 20
    assert sorted(u["userid"] for u in users) == sorted(expected)
    assert per_call < 0.05, "user/list took %.3fs per call" % per_call
    assert "mobile" not in users[0]


def test_department_list_of_a_large_corp(big):
    emu, _ = big
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        wx = RawCaller(BASE)
        wx.token(APP_SECRET)
        depts = wx.get("department/list")["department"]
        simple = wx.get("department/simplelist")["department_id"]
    assert len(depts) == len(simple) == 5000
    assert "name_en" not in depts[-1]          # no multi-language names in generated corps
