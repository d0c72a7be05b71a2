# -*- coding: utf-8 -*-
"""Emulator: contact-change callbacks (WECOM_API §8): the WXBizMsgCrypt side against the §8.4
vectors and wechatpy 1.8.18, URL verification, event delivery to a real HTTP receiver that
decrypts with wechatpy, both field modes, retries, background delivery and the admin routes."""
import base64
import json
import re
import time
import urllib.request

import pytest
import requests
import responses

pytest.importorskip("wechatpy")

import xmltodict  # noqa: E402  (a wechatpy dependency)
from wechatpy.enterprise.crypto import WeChatCrypto  # noqa: E402

from wecom_emulator import APP_SECRET, CORP_ID, Emulator  # noqa: E402
from wecom_emulator.__main__ import build as build_cli, parse_args  # noqa: E402
from wecom_emulator.contact_events import to_xml  # noqa: E402
from wecom_emulator.errors import ApiError  # noqa: E402
from wecom_emulator.msgcrypt import MsgCrypt, MsgCryptError, signature  # noqa: E402
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server, install  # noqa: E402

import wxbiz_vectors as vectors  # noqa: E402
from wecom_receivers import AES_KEY, TOKEN, Receiver, closed_port_url  # noqa: E402

HEADER = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "ChangeType"]

# ---------------------------------------------------------------------------- a receiver


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def subscribe(emu, receiver, **kwargs):
    return emu.set_contact_callback(receiver.url, TOKEN, AES_KEY, **kwargs)


def fields(event):
    return [k for k in event if k not in HEADER]


# ---------------------------------------------------------------------------- crypto


def test_vector_1_url_verification_and_post():
    crypt = MsgCrypt(vectors.TOKEN, vectors.AES_KEY, vectors.CORP_ID)
    assert crypt.sign("1411443780", "437374425", vectors.URL_ECHOSTR) == \
        "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
    assert crypt.decrypt(vectors.URL_ECHOSTR) == "5927782489442352469"
    assert signature(vectors.TOKEN, "1411525903", "461056294", vectors.POST_ENCRYPT) == \
        "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"
    plain = crypt.decrypt(vectors.POST_ENCRYPT)
    assert "<Content><![CDATA[test]]></Content>" in plain and "messense" in plain


def test_vector_2_official_sample():
    crypt = MsgCrypt("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
    echostr = ("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZ"
               "XvnaqQ==")
    assert crypt.sign("1409659589", "263014780", echostr) == \
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    assert crypt.decrypt(echostr) == "1616140317555161061"


def test_encrypt_vector_is_byte_exact():
    crypt = MsgCrypt(vectors.TOKEN, vectors.AES_KEY, vectors.CORP_ID)
    encrypted = crypt.encrypt(vectors.REPLY_XML, random16="1234567890123456")
    assert encrypted == vectors.REPLY_ENCRYPT
    assert crypt.sign("1411525903", "461056294", encrypted) == \
        "407518b7649e86ef23978113f92d27afa9296533"


@pytest.mark.parametrize("text", ["", "a", "m" * 26, "m" * 27, "x" * 45, u"中文 <xml>事件</xml>",
                                  "<xml>" + u"字" * 700 + "</xml>"])
def test_wechatpy_decrypts_ours_and_we_decrypt_wechatpys(text):
    ours = MsgCrypt(TOKEN, AES_KEY, CORP_ID)
    theirs = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    encrypted = ours.encrypt(text)
    assert len(base64.b64decode(encrypted)) % 32 == 0   # PKCS#7 to 32, not 16
    sig = ours.sign("1700000000", "42", encrypted)
    assert theirs.check_signature(sig, "1700000000", "42", encrypted) == text
    envelope = theirs.encrypt_message(text, "42", "1700000000")
    parsed = xmltodict.parse(envelope)["xml"]
    assert ours.sign("1700000000", "42", parsed["Encrypt"]) == parsed["MsgSignature"]
    assert ours.decrypt(parsed["Encrypt"]) == text


def test_crypto_errors():
    for bad in ("short", "a" * 44, "a" * 42 + "!", None):
        with pytest.raises(MsgCryptError):
            MsgCrypt(TOKEN, bad, CORP_ID)
    encrypted = MsgCrypt(TOKEN, AES_KEY, "wwother").encrypt("x")
    with pytest.raises(MsgCryptError):
        MsgCrypt(TOKEN, AES_KEY, CORP_ID).decrypt(encrypted)


def test_event_xml_uses_cdata_for_strings_and_bare_numbers():
    xml = to_xml({"ChangeType": "update_user", "CreateTime": 1700000000, "Name": "a]]>b",
                  "ExtAttr": {"Item": [{"Name": "n", "Type": 0, "Text": {"Value": "v"}}]}})
    assert xml == ("<xml><ChangeType><![CDATA[update_user]]></ChangeType>"
                   "<CreateTime>1700000000</CreateTime>"
                   "<Name><![CDATA[a]]]]><![CDATA[>b]]></Name>"
                   "<ExtAttr><Item><Name><![CDATA[n]]></Name><Type>0</Type>"
                   "<Text><Value><![CDATA[v]]></Value></Text></Item></ExtAttr></xml>")
    assert xmltodict.parse(xml)["xml"]["Name"] == "a]]>b"


# ---------------------------------------------------------------------------- URL verification


def test_verification_success(emu, receiver):
    config = subscribe(emu, receiver)
    assert config == {"url": receiver.url, "token": TOKEN, "encoding_aes_key": AES_KEY,
                      "legacy_full_fields": False, "mode": "sync", "timeout": 5.0}
    assert emu.contact_callback == config
    (get,) = receiver.gets
    assert set(get["args"]) == {"msg_signature", "timestamp", "nonce", "echostr"}
    assert get["args"]["timestamp"] == "1700000000"   # the emulator clock
    # the base64 echostr arrives percent-encoded, never with a raw + / =
    raw_echostr = re.search(r"echostr=([^&]*)", get["raw_query"]).group(1)
    assert not set("+/=") & set(raw_echostr)
    plain = MsgCrypt(TOKEN, AES_KEY, CORP_ID).decrypt(get["args"]["echostr"])
    assert re.match(r"^[0-9]{19}$", plain)


@pytest.mark.parametrize("problem", ["wrong answer", "wrong token", "unreachable"])
def test_verification_failure_gives_40057_and_subscribes_nothing(emu, receiver, problem):
    url = receiver.url
    token = TOKEN
    if problem == "wrong answer":
        receiver.echo = "success"
    elif problem == "wrong token":
        token = "another"
    else:
        url = closed_port_url()
    with pytest.raises(ApiError) as info:
        emu.set_contact_callback(url, token, AES_KEY)
    assert info.value.errcode == 40057
    assert "callback url verification failed" in info.value.detail
    assert emu.contact_callback is None
    emu.directory.update_user("lina", {"position": u"区域经理"})
    assert emu.callback_deliveries() == [] and receiver.posts == []


def test_failed_verification_keeps_the_previous_callback(emu, receiver):
    subscribe(emu, receiver)
    with pytest.raises(ApiError):
        emu.set_contact_callback(closed_port_url(), TOKEN, AES_KEY)
    assert emu.contact_callback["url"] == receiver.url
    emu.directory.remove_user("lina")
    assert [e["ChangeType"] for e in receiver.events] == ["delete_user"]


@pytest.mark.parametrize("args, message", [
    (("ftp://example.com/cb", TOKEN, AES_KEY), "http:// or https://"),
    (("http:///cb", TOKEN, AES_KEY), "http:// or https://"),
    (("http://example.com/cb", "", AES_KEY), "token"),
    (("http://example.com/cb", TOKEN, AES_KEY[:-1]), "43 characters"),
    (("http://example.com/cb", TOKEN, AES_KEY[:-1] + "-"), "43 characters"),
])
def test_config_validation(emu, args, message):
    with pytest.raises(ValueError) as info:
        emu.set_contact_callback(*args, verify=False)
    assert message in str(info.value)
    with pytest.raises(ValueError):
        emu.set_contact_callback("http://example.com/cb", TOKEN, AES_KEY, mode="later",
                                 verify=False)


# ---------------------------------------------------------------------------- events, restricted


def test_delivery_record_envelope_and_header(emu, clock, receiver):
    subscribe(emu, receiver)
    clock.advance(5)
    emu.directory.add_user({"userid": "xiaoming", "name": u"小明", "department": [8, 9]})
    (record,) = emu.callback_deliveries()
    assert set(record) == {"id", "url", "mode", "change_type", "event", "xml", "attempts",
                           "status", "http_status", "error"}
    assert record["status"] == "delivered" and record["attempts"] == 1
    assert record["http_status"] == 200 and record["error"] is None
    assert record["url"] == receiver.url and record["mode"] == "sync"
    assert record["change_type"] == "create_user"
    assert record["xml"] == receiver.xml[0]   # what the receiver decrypted, byte for byte
    assert record["event"] == {
        "ToUserName": CORP_ID, "FromUserName": "sys", "CreateTime": 1700000005,
        "MsgType": "event", "Event": "change_contact", "ChangeType": "create_user",
        "UserID": "xiaoming", "Department": "8,9"}
    assert record["xml"] == (
        "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        "<CreateTime>1700000005</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType>"
        "<UserID><![CDATA[xiaoming]]></UserID><Department><![CDATA[8,9]]></Department></xml>"
        % CORP_ID)
    (post,) = receiver.posts
    assert post["content_type"] == "text/xml"
    assert set(post["args"]) == {"msg_signature", "timestamp", "nonce"}
    assert post["args"]["timestamp"] == "1700000005"
    assert re.match(r"^<xml><ToUserName><!\[CDATA\[%s\]\]></ToUserName><Encrypt><!\[CDATA\["
                    r"[A-Za-z0-9+/=]+\]\]></Encrypt><AgentID><!\[CDATA\[\]\]></AgentID></xml>$"
                    % CORP_ID, post["body"])


def test_restricted_member_events(emu, receiver):
    subscribe(emu, receiver)
    d = emu.directory
    d.add_user({"userid": "xiaoming", "name": u"小明", "department": [8, 9], "position": u"店员",
                "mobile": "13900000001"})
    d.update_user("xiaoming", {"position": u"店长"})                 # position only
    d.update_user("xiaoming", {"department": [9]})
    d.update_user("xiaoming", {"new_userid": "XiaoMing2", "name": u"小明明"})
    d.remove_user("XiaoMing2")
    got = [(e["ChangeType"], fields(e)) for e in receiver.events]
    assert got == [
        ("create_user", ["UserID", "Department"]),
        ("update_user", ["UserID", "Department"]),
        ("update_user", ["UserID", "Department"]),
        ("update_user", ["UserID", "NewUserID", "Department"]),
        ("delete_user", ["UserID"]),
    ]
    assert [e["Department"] for e in receiver.events[:4]] == ["8,9", "8,9", "9", "9"]
    assert receiver.events[3]["UserID"] == "xiaoming"
    assert receiver.events[3]["NewUserID"] == "XiaoMing2"
    assert receiver.events[4]["UserID"] == "XiaoMing2"
    for event in receiver.events:
        assert [event[k] for k in HEADER[:5]] == [CORP_ID, "sys", "1700000000", "event",
                                                  "change_contact"]


def test_restricted_department_events(emu, receiver):
    subscribe(emu, receiver)
    d = emu.directory
    d.add_department({"id": 30, "name": u"苏州店", "parentid": 3, "order": 5})
    d.update_department(30, {"name": u"苏州观前店", "order": 9})      # not sent: parent unchanged
    d.update_department(30, {"parentid": 1})
    d.remove_department(30)
    got = [(e["ChangeType"], dict((k, e[k]) for k in fields(e))) for e in receiver.events]
    assert got == [
        ("create_party", {"Id": "30", "ParentId": "3"}),
        ("update_party", {"Id": "30", "ParentId": "1"}),
        ("delete_party", {"Id": "30"}),
    ]
    assert len(emu.callback_deliveries()) == 3


def test_tag_events(emu, receiver):
    subscribe(emu, receiver)
    d = emu.directory
    d.update_tag(3, {"users": ["xiongfei", "lina"], "parties": [19]})
    d.add_tag({"tagid": 9, "tagname": u"空标签"})                       # empty: nothing to say
    d.add_tag({"tagid": 10, "tagname": u"新品试吃", "users": ["lina"], "parties": [9]})
    d.update_tag(10, {"tagname": u"新品试吃2"})                         # rename only
    d.remove_tag(10)
    d.remove_tag(9)
    got = [(e["ChangeType"], dict((k, e[k]) for k in fields(e))) for e in receiver.events]
    assert got == [
        ("update_tag", {"TagId": "3", "AddUserItems": "lina", "DelUserItems": "shiyong",
                        "AddPartyItems": "19", "DelPartyItems": "18"}),
        ("update_tag", {"TagId": "10", "AddUserItems": "lina", "AddPartyItems": "9"}),
        ("update_tag", {"TagId": "10"}),
        ("update_tag", {"TagId": "10", "DelUserItems": "lina", "DelPartyItems": "9"}),
    ]


# ---------------------------------------------------------------------------- events, legacy


MEMBER_FULL = ["UserID", "Name", "Department", "MainDepartment", "IsLeaderInDept", "DirectLeader",
               "Position", "Mobile", "Gender", "Email", "BizMail", "Status", "Avatar", "Alias",
               "Telephone", "Address", "ExtAttr"]


def test_legacy_member_events(emu, receiver):
    subscribe(emu, receiver, legacy_full_fields=True)
    d = emu.directory
    d.add_user({"userid": "xiaoming", "name": u"小明", "department": [8, 9], "position": u"店员",
                "mobile": "13900000001", "gender": "1", "is_leader_in_dept": [0, 1],
                "direct_leader": ["lina"], "extattr": {"attrs": [
                    {"type": 0, "name": u"工号", "text": {"value": "HL9999"}},
                    {"type": 1, "name": u"主页", "web": {"url": "https://x.cn/m", "title": "M"}}]}})
    d.update_user("xiaoming", {"position": u"店长"})
    d.update_user("xiaoming", {"department": [9, 8]})
    d.update_user("xiaoming", {"new_userid": "XiaoMing2", "name": u"小明明"})
    d.update_user("XiaoMing2", {"order": [1, 2]})                    # nothing WeCom reports
    d.remove_user("XiaoMing2")
    events = receiver.events
    assert [(e["ChangeType"], fields(e)) for e in events] == [
        ("create_user", MEMBER_FULL),
        ("update_user", ["UserID", "Position"]),
        ("update_user", ["UserID", "Department", "IsLeaderInDept"]),
        ("update_user", ["UserID", "NewUserID", "Name"]),
        ("update_user", ["UserID"]),
        ("delete_user", ["UserID"]),
    ]
    created = events[0]
    assert created["Department"] == "8,9" and created["IsLeaderInDept"] == "0,1"
    assert created["MainDepartment"] == "8" and created["Gender"] == "1"
    assert created["Status"] == "1" and created["DirectLeader"] == "lina"
    assert created["Mobile"] == "13900000001" and created["Avatar"].startswith("https://")
    items = created["ExtAttr"]["Item"]
    assert items[0] == {"Name": u"工号", "Type": "0", "Text": {"Value": "HL9999"}}
    assert items[1] == {"Name": u"主页", "Type": "1", "Web": {"Title": "M", "Url": "https://x.cn/m"}}
    assert "<MainDepartment>8</MainDepartment>" in receiver.xml[0]   # numbers without CDATA
    assert events[1]["Position"] == u"店长"
    assert (events[2]["Department"], events[2]["IsLeaderInDept"]) == ("9,8", "1,0")
    assert (events[3]["UserID"], events[3]["NewUserID"], events[3]["Name"]) == \
        ("xiaoming", "XiaoMing2", u"小明明")


def test_legacy_department_events(emu, receiver):
    subscribe(emu, receiver, legacy_full_fields=True)
    d = emu.directory
    d.add_department({"id": 30, "name": u"苏州店", "parentid": 3, "order": 5})
    d.update_department(30, {"name": u"苏州观前店"})
    d.update_department(30, {"parentid": 1})
    d.update_department(30, {"order": 7})
    d.remove_department(30)
    got = [(e["ChangeType"], dict((k, e[k]) for k in fields(e))) for e in receiver.events]
    assert got == [
        ("create_party", {"Id": "30", "Name": u"苏州店", "ParentId": "3", "Order": "5"}),
        ("update_party", {"Id": "30", "Name": u"苏州观前店"}),
        ("update_party", {"Id": "30", "ParentId": "1"}),
        ("update_party", {"Id": "30"}),
        ("delete_party", {"Id": "30"}),
    ]


# ---------------------------------------------------------------------------- retries


def test_two_500s_then_200_is_delivered_on_the_third_attempt(emu, receiver):
    subscribe(emu, receiver)
    receiver.answers = [500, 500]
    emu.directory.remove_user("lina")
    (record,) = emu.callback_deliveries()
    assert (record["status"], record["attempts"], record["http_status"], record["error"]) == \
        ("delivered", 3, 200, None)
    assert len(receiver.posts) == 3 and len(receiver.events) == 1
    assert len(set(p["body"] for p in receiver.posts)) == 1   # the same envelope each time


def test_the_addons_crypto_reads_what_the_emulator_sends(emu, receiver):
    """The addon's own WXBizMsgCrypt (wecom/crypto.py, importable without Odoo) as a third peer."""
    from wecom.crypto import WXBizMsgCrypt, xml_to_dict
    crypt = WXBizMsgCrypt(TOKEN, AES_KEY, CORP_ID)
    subscribe(emu, receiver, legacy_full_fields=True)
    get = receiver.gets[0]["args"]
    assert re.match(r"^[0-9]{19}$", crypt.verify_url(get["msg_signature"], get["timestamp"],
                                                     get["nonce"], get["echostr"]))
    emu.directory.update_user("lina", {"name": u"李娜娜", "new_userid": "lina2"})
    post = receiver.posts[0]
    plain = crypt.decrypt_message(post["body"], post["args"]["msg_signature"],
                                  post["args"]["timestamp"], post["args"]["nonce"])
    assert plain == emu.callback_deliveries()[0]["xml"]
    event = xml_to_dict(plain)
    assert (event["ChangeType"], event["UserID"], event["NewUserID"], event["Name"]) == \
        ("update_user", "lina", "lina2", u"李娜娜")


def test_always_500_fails_after_three_attempts(emu, receiver):
    subscribe(emu, receiver)
    receiver.answers = [500] * 10
    emu.directory.remove_user("lina")
    (record,) = emu.callback_deliveries()
    assert (record["status"], record["attempts"], record["http_status"], record["error"]) == \
        ("failed", 3, 500, "HTTP 500")
    assert len(receiver.posts) == 3


def test_timeout_is_retried(emu, receiver):
    subscribe(emu, receiver, timeout=0.3)
    receiver.delays = [1.0]
    emu.directory.remove_user("lina")
    (record,) = emu.callback_deliveries()
    assert (record["status"], record["attempts"]) == ("delivered", 2)
    assert record["http_status"] == 200 and record["error"] is None
    time.sleep(1.0)
    # the receiver saw it twice (it answered the first after WeCom gave up): receivers dedupe
    assert len(receiver.posts) == 2 and receiver.events[0] == receiver.events[1]


def test_unreachable_receiver_fails(emu):
    emu.set_contact_callback(closed_port_url(), TOKEN, AES_KEY, verify=False)
    emu.directory.remove_user("lina")   # the change itself still succeeds
    (record,) = emu.callback_deliveries()
    assert (record["status"], record["attempts"], record["http_status"]) == ("failed", 3, None)
    assert "refused" in record["error"].lower()
    assert emu.directory.get_user("lina") is None


# ---------------------------------------------------------------------------- modes, lifecycle


def test_background_mode_and_flush(emu, receiver):
    subscribe(emu, receiver, mode="background")
    receiver.delays = [0.3]   # a slow receiver: the changes do not wait for it
    d = emu.directory
    d.update_user("lina", {"position": "x"})
    d.remove_user("zhaomin")
    d.add_department({"id": 30, "name": u"苏州店", "parentid": 3})
    pending = emu.callback_deliveries()
    assert [r["status"] for r in pending][1:] == ["pending", "pending"]
    assert all(r["mode"] == "background" for r in pending)
    assert emu.flush_callbacks(10) is True
    records = emu.callback_deliveries()
    assert [r["status"] for r in records] == ["delivered"] * 3
    assert [r["change_type"] for r in records] == ["update_user", "delete_user", "create_party"]
    assert [e["ChangeType"] for e in receiver.events] == ["update_user", "delete_user",
                                                          "create_party"]


def test_flush_times_out_while_the_receiver_hangs(emu, receiver):
    subscribe(emu, receiver, mode="background")
    receiver.delays = [1.0]
    emu.directory.remove_user("lina")
    assert emu.flush_callbacks(0.1) is False
    assert emu.flush_callbacks(10) is True


def test_replace_clear_and_reset(emu, receiver):
    other = Receiver()
    try:
        subscribe(emu, receiver)
        subscribe(emu, other, legacy_full_fields=True)   # replaces the first
        emu.directory.update_user("lina", {"position": "x"})
        assert receiver.events == [] and len(other.events) == 1
        assert fields(other.events[0]) == ["UserID", "Position"]
        emu.clear_contact_callback()
        assert emu.contact_callback is None
        emu.directory.remove_user("lina")
        assert len(other.events) == 1 and len(emu.callback_deliveries()) == 1
        subscribe(emu, receiver)
        emu.reset()   # clears the callback and its records, and sends nothing
        assert emu.contact_callback is None and emu.callback_deliveries() == []
        emu.directory.remove_user("zhaomin")
        assert receiver.events == []
    finally:
        other.close()


def test_clearing_drops_queued_background_events(emu, receiver):
    subscribe(emu, receiver, mode="background")
    receiver.delays = [0.5]
    emu.directory.remove_user("lina")
    emu.directory.remove_user("zhaomin")
    deadline = time.time() + 10
    while not receiver.posts and time.time() < deadline:   # the first in flight, the second queued
        time.sleep(0.01)
    emu.clear_contact_callback()
    assert emu.flush_callbacks(10) is True
    assert [r["status"] for r in emu.callback_deliveries()] == ["delivered", "dropped"]


def test_sync_receiver_may_call_the_emulator_back(receiver):
    """The emulator lock is released while posting: a receiver that reads the member from the
    emulator (over HTTP, another thread) while the change is being made does not deadlock."""
    emu = Emulator(clock=FakeClock())
    with emulator_server(emu) as base:
        root = base[:-len("/cgi-bin")]
        seen = []

        def read_back(event):
            with urllib.request.urlopen(root + "/_emulator/directory/users/" + event["UserID"],
                                        timeout=3) as res:
                seen.append(json.loads(res.read().decode("utf-8"))["user"]["position"])

        receiver.on_event = read_back
        emu.set_contact_callback(receiver.url, TOKEN, AES_KEY, timeout=2)
        with emu.lock:   # as the admin API does: the change is made under the lock
            emu.directory.update_user("lina", {"position": u"督导"})
        assert seen == [u"督导"]
        # the same through the admin API (its handler holds the lock)
        requests.post(root + "/_emulator/directory/users/lina", json={"position": u"店长"},
                      timeout=10)
        assert seen == [u"督导", u"店长"]
        assert [r["attempts"] for r in emu.callback_deliveries()] == [1, 1]


def test_delivery_under_the_responses_mock(emu, receiver):
    """Addon tests run the emulator inside `responses`, which intercepts every `requests` call:
    deliveries use http.client, so they still reach the receiver, and a receiver that calls
    WeCom (in-process, through the mock) from its own thread gets an answer."""
    names = []

    def read_back(event):
        wx = RawCaller()
        wx.token(APP_SECRET)
        names.append(wx.get("user/get", userid=event["UserID"])["name"])

    receiver.on_event = read_back
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        subscribe(emu, receiver, timeout=2)
        emu.directory.update_user("lina", {"name": u"李娜娜"})
    assert names == [u"李娜娜"]
    assert [r["status"] for r in emu.callback_deliveries()] == ["delivered"]


def test_cli_emulator_delivers_in_background():
    emu = build_cli(parse_args(["--port", "0"]))
    assert emu.callback_mode == "background"
    assert Emulator().callback_mode == "sync"


# ---------------------------------------------------------------------------- admin API


def test_admin_routes(receiver):
    emu = Emulator(clock=FakeClock())
    with emulator_server(emu) as base:
        root = base[:-len("/cgi-bin")] + "/_emulator/"
        res = requests.get(root + "contact_sync/callback", timeout=10)
        assert res.json() == {"callback": None}

        body = {"url": receiver.url, "token": TOKEN, "encoding_aes_key": AES_KEY}
        res = requests.post(root + "contact_sync/callback", json=dict(body, token="wrong"),
                            timeout=10)
        assert res.status_code == 400
        data = res.json()
        assert data["errcode"] == 40057 and "callback url verification failed" in data["errmsg"]
        assert "more info at" in data["errmsg"]

        res = requests.post(root + "contact_sync/callback",
                            json=dict(body, encoding_aes_key="short"), timeout=10)
        assert res.status_code == 400 and "43 characters" in res.json()["error"]
        res = requests.post(root + "contact_sync/callback", json={"url": receiver.url},
                            timeout=10)
        assert res.status_code == 400 and "token, encoding_aes_key" in res.json()["error"]
        res = requests.post(root + "contact_sync/callback",
                            json=dict(body, legacy_full_fields="yes"), timeout=10)
        assert res.status_code == 400 and "true or false" in res.json()["error"]
        res = requests.post(root + "contact_sync/callback", json=dict(body, mode="later"),
                            timeout=10)
        assert res.status_code == 400 and "mode" in res.json()["error"]
        assert receiver.gets[-1]["args"]["msg_signature"]   # only the wrong-token try got there
        assert len(receiver.gets) == 1

        res = requests.post(root + "contact_sync/callback",
                            json=dict(body, legacy_full_fields=True), timeout=10)
        assert res.status_code == 200
        data = res.json()
        assert data["errcode"] == 0 and data["errmsg"] == "ok"
        assert data["callback"]["legacy_full_fields"] is True
        assert data["callback"]["mode"] == "sync"
        assert requests.get(root + "contact_sync/callback", timeout=10).json()["callback"] == \
            data["callback"]

        requests.post(root + "directory/users/lina", json={"position": u"督导"}, timeout=10)
        deliveries = requests.get(root + "callbacks", timeout=10).json()["deliveries"]
        assert len(deliveries) == 1
        assert deliveries[0]["status"] == "delivered"
        assert deliveries[0]["event"]["Position"] == u"督导"
        assert receiver.events[0]["Position"] == u"督导"

        res = requests.delete(root + "contact_sync/callback", timeout=10)
        assert res.json() == {"callback": None} and emu.contact_callback is None
        requests.delete(root + "directory/users/lina", timeout=10)
        assert len(receiver.events) == 1

        # background, as the standalone server runs it; ?flush= waits for the queue
        res = requests.post(root + "contact_sync/callback", json=dict(body, mode="background"),
                            timeout=10)
        assert res.json()["callback"]["mode"] == "background"
        receiver.delays = [0.3]
        requests.delete(root + "directory/users/zhaomin", timeout=10)
        data = requests.get(root + "callbacks?flush=10", timeout=20).json()
        assert data["flushed"] is True
        assert [r["status"] for r in data["deliveries"]] == ["delivered", "delivered"]
        assert requests.get(root + "callbacks?flush=x", timeout=10).status_code == 400

        requests.post(root + "reset", timeout=10)
        assert requests.get(root + "callbacks", timeout=10).json() == {
            "callback": None, "deliveries": []}
