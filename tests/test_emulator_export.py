# -*- coding: utf-8 -*-
"""Emulator: async export jobs (WECOM_API §9.2, CARDS_LOGIN §F).

Files are decrypted here with the `cryptography` package directly (AES-256-CBC, IV = key[:16],
32-byte PKCS#7 unpadded by hand), not with the emulator's helpers, so both sides check each
other. wechatpy 1.8.18 has no export API (no `client.export`, and no `wechatpy.work` package:
its enterprise client is `wechatpy.enterprise`); it is used through its generic get/post.
"""
import base64
import hashlib
import http.server
import json
import struct
import threading

import pytest
import requests
import responses
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wecom_emulator import (APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, CORP_ID, LEGACY_SECRET,
                            REGION_SECRET, Emulator)
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"
AESKEY = "IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2"   # the doc's example (94849)
SENSITIVE = {"mobile", "email", "biz_mail", "avatar", "thumb_avatar", "qr_code", "address"}


# ---------------------------------------------------------------------------- helpers
def aes_key(encoding_aeskey=AESKEY):
    return base64.b64decode(encoding_aeskey + "=")


def decrypt(data, encoding_aeskey=AESKEY):
    """Raw AES-256-CBC ciphertext -> plaintext bytes (32-byte PKCS#7 removed)."""
    key = aes_key(encoding_aeskey)
    assert len(data) % 32 == 0
    cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]), backend=default_backend())
    decryptor = cipher.decryptor()
    raw = decryptor.update(data) + decryptor.finalize()
    pad = raw[-1]
    assert 1 <= pad <= 32 and raw[-pad:] == bytes([pad]) * pad
    return raw[:-pad]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


class Exporter(object):
    """RawCaller plus the export round trip: start, poll, download, decrypt."""

    def __init__(self, rsps_or_base, emu, secret=APP_SECRET):
        if isinstance(rsps_or_base, str):
            self.wx = RawCaller(rsps_or_base)
        else:
            install(rsps_or_base, emu)
            self.wx = RawCaller(BASE)
        self.wx.token(secret)

    def start(self, kind, **body):
        body.setdefault("encoding_aeskey", AESKEY)
        return self.wx.post("export/" + kind, body)

    def result(self, jobid):
        return self.wx.get("export/get_result", jobid=jobid)

    def files(self, kind, **body):
        started = self.start(kind, **body)
        assert started["errcode"] == 0, started
        result = self.result(started["jobid"])
        assert result["errcode"] == 0 and result["status"] == 2, result
        out = []
        for entry in result["data_list"]:
            data = requests.get(entry["url"]).content
            assert len(data) == entry["size"]
            assert hashlib.md5(data).hexdigest() == entry["md5"]
            out.append(data)
        return out

    def documents(self, kind, **body):
        return [json.loads(decrypt(f).decode("utf-8")) for f in self.files(kind, **body)]


# ---------------------------------------------------------------------------- shapes
def test_simple_user_export_round_trip(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    started = ex.start("simple_user", block_size=1000000)
    assert started["errcode"] == 0 and started["errmsg"] == "ok"
    assert started["jobid"].startswith("jobid_") and len(started["jobid"]) <= 64
    result = ex.result(started["jobid"])
    assert list(result) == ["errcode", "errmsg", "status", "data_list"]
    assert result["status"] == 2 and len(result["data_list"]) == 1
    entry = result["data_list"][0]
    assert set(entry) == {"url", "size", "md5"}
    assert entry["url"].startswith("https://qyapi.weixin.qq.com/_emulator/export/")
    data = requests.get(entry["url"]).content
    assert (len(data), hashlib.md5(data).hexdigest()) == (entry["size"], entry["md5"])
    doc = json.loads(decrypt(data).decode("utf-8"))
    assert list(doc) == ["userlist"]
    rows = {row["userid"]: row for row in doc["userlist"]}
    assert set(rows) == {u["userid"] for u in emu.directory.users.values()}
    assert all(set(row) == {"userid", "name", "department"} for row in rows.values())
    assert rows["lina"]["name"] == u"李娜"
    # Same rows as user/simplelist (the doc: "与获取部门成员接口一致").
    listed = ex.wx.get("user/simplelist", department_id=8)["userlist"]
    assert all(rows[row["userid"]] == row for row in listed)


def test_user_export_follows_user_list_and_privacy(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    restricted = {r["userid"]: r for r in ex.documents("user")[0]["userlist"]}
    assert not SENSITIVE & set(restricted["lina"]) and restricted["lina"]["gender"] == "0"
    listed = ex.wx.get("user/list", department_id=8)["userlist"]
    assert all(restricted[row["userid"]] == row for row in listed)
    legacy = Exporter(mock, emu, LEGACY_SECRET)
    full = {r["userid"]: r for r in legacy.documents("user")[0]["userlist"]}
    assert full["lina"]["mobile"] == emu.directory.get_user("lina")["mobile"]
    got = legacy.wx.get("user/get", userid="lina")
    assert full["lina"] == dict((k, v) for k, v in got.items() if k not in ("errcode", "errmsg"))


def test_department_export_fields(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    rows = ex.documents("department")[0]["department"]
    assert [r["id"] for r in rows] == [d["id"] for d in ex.wx.get("department/list")["department"]]
    assert all(set(r) <= {"id", "name", "name_en", "parentid", "order"} for r in rows)
    assert rows[0] == {"id": 1, "name": u"好邻居连锁超市", "name_en": "Haolinju Retail",
                       "parentid": 0, "order": rows[0]["order"]}


def test_taguser_export_is_tag_get(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    for tagid in (1, 2, 3):
        doc = ex.documents("taguser", tagid=tagid)[0]
        tag = ex.wx.get("tag/get", tagid=tagid)
        assert doc == {"tagname": tag["tagname"], "userlist": tag["userlist"],
                       "partylist": tag["partylist"]}


def test_snapshot_taken_when_the_job_starts(clock, mock):
    emu = Emulator(clock=clock, export_options={"polls": 1})
    ex = Exporter(mock, emu)
    jobid = ex.start("simple_user")["jobid"]
    emu.directory.remove_user("lina")
    assert ex.result(jobid)["status"] == 0
    entry = ex.result(jobid)["data_list"][0]
    doc = json.loads(decrypt(requests.get(entry["url"]).content))
    assert "lina" in {r["userid"] for r in doc["userlist"]}


# ---------------------------------------------------------------------------- visibility
def test_region_app_exports_its_visible_range_only(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu, REGION_SECRET)
    users = {r["userid"]: r for r in ex.documents("simple_user")[0]["userlist"]}
    expected = {u["userid"] for u in emu.directory.users.values()
                if emu.region_app.scope(emu.directory).user_visible(u)}
    assert set(users) == expected and "yeqing" in users and "wangqiang" not in users
    visible = set(emu.region_app.scope(emu.directory).visible_dept_ids())
    assert all(set(r["department"]) <= visible for r in users.values())
    depts = ex.documents("department")[0]["department"]
    assert {d["id"] for d in depts} == visible and 1 not in visible
    tag = ex.documents("taguser", tagid=1)[0]      # members outside the range are left out
    members = set(emu.directory.get_tag(1)["users"])
    assert {u["userid"] for u in tag["userlist"]} == members & expected != members


def test_contact_sync_new_ip_rule(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu, CONTACT_SECRET)
    for kind in ("simple_user", "user", "department"):
        assert ex.start(kind)["errcode"] == 48009, kind
    assert ex.start("taguser", tagid=1)["errcode"] == 0
    emu.exports.settings.update({"new_ip_ban": ["user"]})          # [UNCERTAIN] switch
    assert ex.start("simple_user")["errcode"] == 0
    assert ex.start("user")["errcode"] == 48009
    emu.contact_sync.new_ip = False
    docs = ex.documents("user")
    assert len(docs[0]["userlist"]) == len(emu.directory.users)
    assert "mobile" in {k for r in docs[0]["userlist"] for k in r}   # not privacy-restricted


# ---------------------------------------------------------------------------- blocks
def test_block_size_splits_files_each_a_json_document(clock, mock):
    emu = Emulator(clock=clock, directory="large:10001:20")
    ex = Exporter(mock, emu, LEGACY_SECRET)
    files = ex.files("simple_user", block_size=10000)
    docs = [json.loads(decrypt(f)) for f in files]
    assert [len(d["userlist"]) for d in docs] == [10000, 1]
    ids = [r["userid"] for d in docs for r in d["userlist"]]
    assert len(set(ids)) == 10001 == len(emu.directory.users)
    assert len(ex.files("simple_user")) == 1        # default block_size 10^6


def test_taguser_block_size_counts_users_and_departments(clock, mock):
    emu = Emulator(clock=clock, directory="large:10006:30")
    d = emu.directory
    users = list(d.users.values())[:10003]
    d.add_tag({"tagname": u"大标签", "users": [u["userid"] for u in users], "parties": [2, 3]})
    tagid = max(d.tags)
    ex = Exporter(mock, emu, LEGACY_SECRET)
    docs = ex.documents("taguser", tagid=tagid, block_size=10000)
    assert [(len(x["userlist"]), len(x["partylist"])) for x in docs] == [(10000, 0), (3, 2)]
    assert all(x["tagname"] == u"大标签" for x in docs)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("body", [
    {}, {"encoding_aeskey": ""}, {"encoding_aeskey": AESKEY[:42]},
    {"encoding_aeskey": AESKEY + "x"},
    {"encoding_aeskey": AESKEY[:42] + "+"}, {"encoding_aeskey": AESKEY[:42] + "_"},
    {"encoding_aeskey": 12345},
    {"encoding_aeskey": AESKEY, "block_size": 9999},
    {"encoding_aeskey": AESKEY, "block_size": 1000001},
    {"encoding_aeskey": AESKEY, "block_size": 106},      # the doc's lost superscripts
    {"encoding_aeskey": AESKEY, "block_size": "10000"},
    {"encoding_aeskey": AESKEY, "block_size": True},
    {"encoding_aeskey": AESKEY, "block_size": 10000.5},
])
def test_bad_aeskey_or_block_size(clock, mock, body):
    emu = Emulator(clock=clock)
    wx = Exporter(mock, emu).wx
    data = wx.post("export/user", body)
    assert data["errcode"] == 40058 and "jobid" not in data
    assert emu.exports.jobs == {}


def test_block_size_bounds_accepted_and_errcode_switch(clock, mock):
    emu = Emulator(clock=clock, export_options={"param_errcode": 40035})
    ex = Exporter(mock, emu)
    assert ex.start("user", block_size=10000)["errcode"] == 0
    assert ex.start("user", block_size=1000000)["errcode"] == 0
    assert ex.start("user", block_size=5)["errcode"] == 40035
    assert ex.start("user", encoding_aeskey="short")["errcode"] == 40035


def test_taguser_errors_and_method(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    assert ex.start("taguser")["errcode"] == 41017
    assert ex.start("taguser", tagid=999)["errcode"] == 40068
    assert ex.start("taguser", tagid="x")["errcode"] == 40068
    assert ex.wx.get("export/user")["errcode"] == 40058          # a POST endpoint
    assert ex.wx.post("export/get_result", {})["errcode"] == 40058
    assert ex.wx.post("export/user", raw=b"not json")["errcode"] == 40058


def test_get_result_only_for_the_owner(clock, mock):
    emu = Emulator(clock=clock)
    owner = Exporter(mock, emu)
    jobid = owner.start("department")["jobid"]
    other = RawCaller(BASE)
    for secret in (LEGACY_SECRET, REGION_SECRET, CONTACT_SECRET):
        other.token(secret)
        data = other.get("export/get_result", jobid=jobid)
        assert data["errcode"] == 40088 and "data_list" not in data, secret
    assert owner.result("jobid_unknown")["errcode"] == 40088
    assert owner.wx.get("export/get_result")["errcode"] == 40058
    assert owner.result(jobid)["status"] == 2
    assert owner.wx.get("export/get_result", jobid=jobid, token=False)["errcode"] == 41001


# ---------------------------------------------------------------------------- job status
def test_polls_before_done(clock, mock):
    emu = Emulator(clock=clock, export_options={"polls": 3})
    ex = Exporter(mock, emu)
    jobid = ex.start("user")["jobid"]
    answers = [ex.result(jobid) for _ in range(5)]
    assert [a["status"] for a in answers] == [0, 1, 1, 2, 2]
    assert all("data_list" not in a for a in answers[:3])
    assert len(answers[3]["data_list"]) == 1


def test_delay_on_the_emulator_clock(clock, mock):
    emu = Emulator(clock=clock, export_options={"delay": 30})
    ex = Exporter(mock, emu)
    jobid = ex.start("user")["jobid"]
    assert [ex.result(jobid)["status"] for _ in range(2)] == [0, 1]
    clock.advance(30)
    assert ex.result(jobid)["status"] == 2


def test_failed_and_stuck_jobs_by_fault(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    emu.inject_fault("export/user", kind="job_failed")
    emu.inject_fault("export/department", kind="job_stuck")
    failed = ex.start("user")
    assert failed["errcode"] == 0          # the start itself succeeds
    result = ex.result(failed["jobid"])
    assert result["status"] == 3 and "data_list" not in result
    stuck = ex.start("department")["jobid"]
    clock.advance(3600)                    # time does not finish it either
    assert [ex.result(stuck)["status"] for _ in range(4)] == [0, 1, 1, 1]
    assert ex.result(ex.start("user")["jobid"])["status"] == 2     # fault consumed


def test_failed_job_via_admin_faults_and_forced_status(clock):
    emu = Emulator(clock=clock)
    with emulator_server(emu) as base:
        admin = base.replace("/cgi-bin", "/_emulator")
        ex = Exporter(base, emu)
        res = requests.post(admin + "/faults", json={"path": "export/simple_user",
                                                     "kind": "job_failed"})
        assert res.status_code == 200
        assert ex.result(ex.start("simple_user")["jobid"])["status"] == 3
        emu.exports.settings.update({"polls": 100})
        jobid = ex.start("user")["jobid"]
        assert ex.result(jobid)["status"] == 0
        assert requests.post(admin + "/exports/" + jobid, json={"status": 1}).json()["status"] == 1
        assert ex.result(jobid)["status"] == 1
        assert requests.post(admin + "/exports/" + jobid, json={"status": 3}).json()["status"] == 3
        assert ex.result(jobid)["status"] == 3
        assert requests.post(admin + "/exports/" + jobid, json={"status": 2}).json()["status"] == 2
        assert len(ex.result(jobid)["data_list"]) == 1
        for bad in ({"status": 7}, {"status": "2"}, {"status": True}, {}):
            assert requests.post(admin + "/exports/" + jobid, json=bad).status_code == 400
        assert requests.get(admin + "/exports/jobid_nope").status_code == 404
        job = requests.get(admin + "/exports/" + jobid).json()
        assert job["owner"] == APP_AGENT_ID and job["type"] == "export_user"


# ---------------------------------------------------------------------------- downloads
def test_range_requests(clock):
    emu = Emulator(clock=clock)
    with emulator_server(emu) as base:
        ex = Exporter(base, emu)
        entry = ex.result(ex.start("user")["jobid"])["data_list"][0]
        assert entry["url"].startswith(base.replace("/cgi-bin", "/_emulator/export/"))
        full = requests.get(entry["url"])
        assert full.status_code == 200 and full.headers["Accept-Ranges"] == "bytes"
        size = entry["size"]
        head = requests.get(entry["url"], headers={"Range": "bytes=0-99"})
        assert head.status_code == 206 and head.content == full.content[:100]
        assert head.headers["Content-Range"] == "bytes 0-99/%d" % size
        tail = requests.get(entry["url"], headers={"Range": "bytes=100-"})
        assert tail.status_code == 206 and head.content + tail.content == full.content
        suffix = requests.get(entry["url"], headers={"Range": "bytes=-32"})
        assert suffix.content == full.content[-32:]
        bad = requests.get(entry["url"], headers={"Range": "bytes=%d-" % (size + 10)})
        assert bad.status_code == 416 and bad.headers["Content-Range"] == "bytes */%d" % size
        assert requests.get(entry["url"][:-1] + "9").status_code == 404


def test_urls_expire_after_two_hours(clock, mock):
    emu = Emulator(clock=clock)
    ex = Exporter(mock, emu)
    url = ex.result(ex.start("department")["jobid"])["data_list"][0]["url"]
    clock.advance(7199)
    assert requests.get(url).status_code == 200
    clock.advance(1)
    res = requests.get(url)
    assert res.status_code == 403 and "expired" in res.json()["error"]


def test_corrupt_switch_breaks_the_md5_only(clock):
    emu = Emulator(clock=clock)
    with emulator_server(emu) as base:
        ex = Exporter(base, emu)
        entry = ex.result(ex.start("department")["jobid"])["data_list"][0]
        res = requests.post(base.replace("/cgi-bin", "/_emulator/exports"), json={"corrupt": True})
        assert res.json()["settings"]["corrupt"] is True
        data = requests.get(entry["url"]).content
        assert len(data) == entry["size"] and hashlib.md5(data).hexdigest() != entry["md5"]
        emu.exports.settings.update({"corrupt": False})
        assert hashlib.md5(requests.get(entry["url"]).content).hexdigest() == entry["md5"]


def test_download_of_an_unfinished_job_is_404(clock, mock):
    emu = Emulator(clock=clock, export_options={"polls": 5})
    ex = Exporter(mock, emu)
    jobid = ex.start("user")["jobid"]
    url = "https://qyapi.weixin.qq.com/_emulator/export/%s/1" % jobid
    assert requests.get(url).status_code == 404


# ---------------------------------------------------------------------------- formats
def test_base64_and_callback_framing(clock, mock):
    emu = Emulator(clock=clock, export_format="base64")
    ex = Exporter(mock, emu)
    data = ex.files("department")[0]
    doc = json.loads(decrypt(base64.b64decode(data, validate=True)))
    assert "department" in doc
    emu.exports.settings.update({"format": "binary+callback"})
    plain = decrypt(ex.files("department")[0])
    size = struct.unpack(">I", plain[16:20])[0]
    assert json.loads(plain[20:20 + size]) == doc
    assert plain[20 + size:] == CORP_ID.encode("ascii")
    # base64 + callback framing is exactly WXBizMsgCrypt's Encrypt: wechatpy decrypts it.
    from wechatpy.crypto import PrpCrypto
    emu.exports.settings.update({"format": {"encoding": "base64"}})
    text = PrpCrypto(aes_key()).decrypt(ex.files("department")[0], CORP_ID)
    assert json.loads(text) == doc


def test_format_validation():
    for bad in ("hex", "binary+json", {"encoding": "raw"}, {"colour": "red"}, 3):
        with pytest.raises(ValueError):
            Emulator(export_format=bad)
    with pytest.raises(ValueError):
        Emulator(export_options={"polls": -1})
    with pytest.raises(ValueError):
        Emulator(export_options={"speed": 1})
    emu = Emulator(export_format={"framing": "callback"})
    assert emu.exports.settings.as_dict()["format"] == {"encoding": "binary", "framing": "callback"}


def test_admin_export_settings(clock):
    emu = Emulator(clock=clock)
    with emulator_server(emu) as base:
        url = base.replace("/cgi-bin", "/_emulator/exports")
        settings = requests.get(url).json()["settings"]
        assert settings == {"format": {"encoding": "binary", "framing": "plain"}, "polls": 0,
                            "delay": 0, "corrupt": False,
                            "new_ip_ban": ["simple_user", "user", "department"],
                            "taguser_job_type": "export_taguser", "param_errcode": 40058,
                            "url_ttl": 7200}
        res = requests.post(url, json={"format": "base64+callback", "polls": 2})
        assert res.json()["settings"]["format"] == {"encoding": "base64", "framing": "callback"}
        for bad in ({"polls": "2"}, {"format": "gzip"}, {"new_ip_ban": ["tag"]},
                    {"taguser_job_type": "x"}, {"corrupt": 1}, {"nope": 1}, [1]):
            assert requests.post(url, json=bad).status_code == 400, bad
        assert emu.exports.settings.polls == 2          # bad updates change nothing
        Exporter(base, emu).start("user")
        jobs = requests.get(url).json()["jobs"]
        assert len(jobs) == 1 and jobs[0]["kind"] == "user" and jobs[0]["status"] == 0


# ---------------------------------------------------------------------------- events, stats
class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/cb" % server.server_port
    server.shutdown()
    server.server_close()


def test_batch_job_result_to_the_contact_callback(clock, mock, receiver):
    emu = Emulator(clock=clock, export_options={"polls": 1})
    emu.contact_sync.new_ip = False
    emu.set_contact_callback(receiver, "Token123", AESKEY, verify=False)
    ex = Exporter(mock, emu, CONTACT_SECRET)
    jobid = ex.start("taguser", tagid=3)["jobid"]
    assert emu.callback_deliveries() == []           # not finished yet
    ex.result(jobid)
    ex.result(jobid)
    (record,) = emu.callback_deliveries()
    assert record["status"] == "delivered" and record["change_type"] is None
    assert record["event"]["Event"] == "batch_job_result"
    assert record["event"]["BatchJob"] == {"JobId": jobid, "JobType": "export_taguser",
                                           "ErrCode": 0, "ErrMsg": "ok"}
    assert "<Event><![CDATA[batch_job_result]]></Event>" in record["xml"]
    emu.exports.settings.update({"taguser_job_type": "export_tag", "polls": 0})
    emu.inject_fault("export/taguser", kind="job_failed")
    ex.start("taguser", tagid=3)
    last = emu.callback_deliveries()[-1]["event"]["BatchJob"]
    assert (last["JobType"], last["ErrCode"]) == ("export_tag", -1)


def test_batch_job_result_to_the_app_callback(clock, mock, receiver):
    emu = Emulator(clock=clock)
    emu.set_app_callback(APP_AGENT_ID, receiver, "Token123", AESKEY, verify=False)
    ex = Exporter(mock, emu)
    jobid = ex.start("simple_user")["jobid"]
    (record,) = emu.app_callback_deliveries(APP_AGENT_ID)
    assert record["event"]["BatchJob"]["JobId"] == jobid
    assert record["event"]["BatchJob"]["JobType"] == "export_simple_user"


def test_export_calls_in_stats_and_reset(clock, mock):
    emu = Emulator(clock=clock, export_options={"polls": 1})
    ex = Exporter(mock, emu)
    jobid = ex.start("user")["jobid"]
    ex.result(jobid)
    ex.result(jobid)
    assert emu.calls("export/user") == 1 and emu.calls("/cgi-bin/export/get_result") == 2
    assert emu.stats()["export/user"] == 1
    emu.reset()
    assert emu.exports.jobs == {} and emu.exports.settings.polls == 1


def test_export_limited_like_other_apis(clock, mock):
    emu = Emulator(clock=clock, rate_limits={"corp_per_minute": 2})
    ex = Exporter(mock, emu)
    assert [ex.start("department")["errcode"] for _ in range(3)] == [0, 0, 45009]


def test_cli_export_options():
    from wecom_emulator.__main__ import build, parse_args
    emu = build(parse_args(["--export-format", "base64+callback", "--export-polls", "2",
                            "--export-delay", "1.5"]))
    settings = emu.exports.settings
    assert (settings.encoding, settings.framing, settings.polls, settings.delay) == (
        "base64", "callback", 2, 1.5)
    with pytest.raises(ValueError):
        build(parse_args(["--export-format", "zip"]))


# ---------------------------------------------------------------------------- wechatpy
def test_wechatpy_against_the_export_api():
    pytest.importorskip("wechatpy")
    from wechatpy.enterprise import WeChatClient
    from wechatpy.exceptions import WeChatClientException

    emu = Emulator()
    with emulator_server(emu) as base:
        class Client(WeChatClient):
            API_BASE_URL = base + "/"

            def fetch_access_token(self):
                return self._fetch_access_token(url=base + "/gettoken", params={
                    "corpid": self.corp_id, "corpsecret": self.secret})

        client = Client(CORP_ID, LEGACY_SECRET, timeout=10)
        assert not hasattr(client, "export")          # wechatpy 1.8.18 has no export API
        jobid = client.post("export/user", data={"encoding_aeskey": AESKEY,
                                                 "block_size": 10000})["jobid"]
        result = client.get("export/get_result", params={"jobid": jobid})
        assert result["status"] == 2
        data = requests.get(result["data_list"][0]["url"]).content
        users = json.loads(decrypt(data))["userlist"]
        assert {u["userid"] for u in users} == {u["userid"] for u in emu.directory.users.values()}
        with pytest.raises(WeChatClientException) as info:
            client.post("export/user", data={"encoding_aeskey": "too-short"})
        assert info.value.errcode == 40058
        with pytest.raises(WeChatClientException) as info:
            client.get("export/get_result", params={"jobid": "jobid_nope"})
        assert info.value.errcode == 40088
