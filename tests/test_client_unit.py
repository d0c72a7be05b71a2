# -*- coding: utf-8 -*-
"""Unit tests of wecom/client.py and wecom/errors.py that need no emulator: the token store, the
error table, and transport details pinned with plain `responses` stubs."""
import json
import logging
import threading

import pytest
import requests
import responses

from wecom import errors
from wecom.client import DEFAULT_BASE_URL, MemoryTokenStore, WecomClient, token_key_for
from wecom.errors import (
    WecomApiError,
    WecomAuthError,
    WecomError,
    WecomNetworkError,
    WecomPermissionError,
    WecomRateLimitError,
    WecomValidationError,
    error_for,
    explain,
)

BASE = "https://wecom.test/cgi-bin"
SECRET = "S3cr3t-very-secret-value"
TOKEN = "TOKEN-abcdef-0123456789"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_client(**kwargs):
    sleeps = kwargs.pop("sleep", None) or Sleeps()
    params = dict(base_url=BASE, sleep=sleeps, agent_id=1000002)
    params.update(kwargs)
    return WecomClient("ww-corp", SECRET, **params), sleeps


def add_gettoken(rsps, token=TOKEN, expires_in=7200):
    rsps.add(responses.GET, BASE + "/gettoken",
             json={"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in})


# ----------------------------------------------------------------------------- token store
class FakeClock(object):
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_store_reuses_until_margin_then_refetches():
    clock = FakeClock()
    store = MemoryTokenStore(clock=clock)
    fetched = []

    def fetch():
        fetched.append(1)
        return "t%d" % len(fetched), 7200

    assert store.get_token("k", fetch) == "t1"
    clock.now += 7200 - 301           # margin is min(300 s, 10 %) = 300 s
    assert store.get_token("k", fetch) == "t1"
    clock.now += 2
    assert store.get_token("k", fetch) == "t2"
    assert len(fetched) == 2


def test_store_margin_is_ten_percent_for_short_ttl():
    clock = FakeClock()
    store = MemoryTokenStore(clock=clock)
    tokens = iter(["a", "b"])
    assert store.get_token("k", lambda: (next(tokens), 60)) == "a"
    clock.now += 53.9
    assert store.get_token("k", lambda: ("x", 60)) == "a"
    clock.now += 0.2
    assert store.get_token("k", lambda: (next(tokens), 60)) == "b"


def test_store_stale_token_semantics():
    store = MemoryTokenStore()
    calls = []

    def fetch():
        calls.append(1)
        return "t%d" % len(calls), 7200

    assert store.get_token("k", fetch) == "t1"
    # the caller's token is the cached one: it is bad, fetch a new one
    assert store.get_token("k", fetch, stale_token="t1") == "t2"
    # another thread already refreshed: the cached one differs from the stale one, no fetch
    assert store.get_token("k", fetch, stale_token="t1") == "t2"
    assert len(calls) == 2
    # keys are independent
    assert store.get_token("other", fetch) == "t3"


def test_store_fetch_error_propagates_and_caches_nothing():
    store = MemoryTokenStore()

    def boom():
        raise WecomAuthError(40001, "invalid credential", path="gettoken")

    with pytest.raises(WecomAuthError):
        store.get_token("k", boom)
    assert store.get_token("k", lambda: ("ok", 7200)) == "ok"


def test_store_one_fetch_under_concurrency():
    store = MemoryTokenStore()
    started = threading.Event()
    calls = []

    def slow_fetch():
        calls.append(1)
        started.wait(0.2)
        return "t", 7200

    results = []
    threads = [threading.Thread(target=lambda: results.append(store.get_token("k", slow_fetch)))
               for _ in range(8)]
    for t in threads:
        t.start()
    started.set()
    for t in threads:
        t.join()
    assert results == ["t"] * 8
    assert len(calls) == 1


def test_token_key_is_a_fingerprint():
    client, _ = make_client()
    assert client.token_key.startswith("ww-corp:")
    assert len(client.token_key.split(":")[1]) == 16
    assert SECRET not in client.token_key and SECRET not in repr(client)
    assert client.token_key == token_key_for("ww-corp", SECRET)
    assert token_key_for("ww-corp", "other") != client.token_key


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("code,cls", [
    (40001, WecomAuthError), (40013, WecomAuthError), (40014, WecomAuthError),
    (42001, WecomAuthError), (41001, WecomAuthError), (40091, WecomAuthError),
    (60020, WecomPermissionError), (48002, WecomPermissionError), (48009, WecomPermissionError),
    (60011, WecomPermissionError), (301002, WecomPermissionError), (48001, WecomPermissionError),
    (45009, WecomRateLimitError), (45033, WecomRateLimitError),
    (-1, WecomApiError), (81013, WecomApiError), (40058, WecomApiError),
])
def test_error_for_classes(code, cls):
    err = error_for(code, "msg", "user/list")
    assert type(err) is cls
    assert isinstance(err, WecomApiError) and isinstance(err, WecomError)
    assert err.errcode == code and err.path == "user/list"
    assert err.transient == (code in (-1, 45009, 45033))


HAND_WRITTEN = [-1, 40001, 40003, 40013, 40014, 40056, 40058, 41001, 42001, 44004, 45002, 45009,
                45033, 48002, 48009, 60011, 60020, 60111, 81013, 82001, 301002]


@pytest.mark.parametrize("code", HAND_WRITTEN)
def test_explanations_exist_in_both_languages(code):
    text = explain(code)
    assert set(text) == {"en", "zh"}
    assert len(text["en"]) > 40 and len(text["zh"]) > 10
    assert "devtool/query" not in text["en"]       # hand-written, not the generic fallback


def test_key_explanations_say_what_to_do():
    assert "企业可信IP" in explain(60020)["en"] and "1 minute" in explain(60020)["en"]
    assert "企业可信IP" in explain(60020)["zh"]
    assert "contact-sync" in explain(48002)["en"] and "messages" in explain(48002)["en"]
    assert "department/simplelist" in explain(48009)["en"]
    assert "user/list_id" in explain(48009)["en"] and "app secret" in explain(48009)["en"]
    assert "visible range" in explain(60011)["en"] and "可见范围" in explain(60011)["zh"]
    assert "secret" in explain(40001)["en"].lower() and "disabled" in explain(40001)["en"]


def test_fallback_explanation_uses_the_shipped_title():
    text = explain(40096)          # not hand-written; title from errcodes.tsv
    assert "不合法的外部联系人userid" in text["en"] and "不合法的外部联系人userid" in text["zh"]
    assert "40096" in text["en"]
    unknown = explain(987654)
    assert "987654" in unknown["en"] and unknown["zh"]


def test_errors_survive_a_missing_data_file(monkeypatch, tmp_path):
    monkeypatch.setattr(errors, "_TITLES_FILE", str(tmp_path / "missing.tsv"))
    monkeypatch.setattr(errors, "_TITLES", None)
    assert errors.errcode_title(40096) is None
    assert "40096" in explain(40096)["en"]
    assert explain(60020)["en"]            # hand-written ones do not need the file


def test_error_str_for_60020_is_actionable():
    err = error_for(60020, "not allow to access from your ip, hint: [1730458186056773912722469], "
                           "from ip: 171.43.188.73, more info at "
                           "https://open.work.weixin.qq.com/devtool/query?e=60020", "gettoken")
    text = str(err)
    assert text.startswith("WeCom API error [60020] on gettoken: not allow to access from your ip")
    assert "171.43.188.73" in text and "企业可信IP" in text
    assert "hint" not in text
    assert "[60020]" in err.describe("zh") and "企业可信IP" in err.describe("zh")


def test_validation_and_network_errors():
    err = WecomValidationError("Text content is empty.", field="content")
    assert isinstance(err, ValueError) and err.field == "content" and err.errcode is None
    assert not err.transient and str(err) == "Text content is empty."
    net = WecomNetworkError("timeout", path="user/list")
    assert net.transient and net.errcode is None and "user/list" in str(net)


# ----------------------------------------------------------------------------- transport
@responses.activate
def test_token_in_query_body_utf8_json_and_timeout_reaches_requests():
    seen = []

    class RecordingSession(requests.Session):
        def request(self, method, url, **kwargs):
            seen.append((method, url, kwargs))
            return super(RecordingSession, self).request(method, url, **kwargs)

    add_gettoken(responses)
    responses.add(responses.POST, BASE + "/message/send",
                  json={"errcode": 0, "errmsg": "ok", "msgid": "m1"})
    client, _ = make_client(session=RecordingSession(), timeout=7.5)
    result = client.message_send({"touser": "zhangsan", "msgtype": "text",
                                  "text": {"content": "你好"}})
    assert result["msgid"] == "m1"
    assert [kw["timeout"] for _m, _u, kw in seen] == [7.5, 7.5]
    assert all(kw["verify"] is True for _m, _u, kw in seen)
    assert all("?" not in url for _m, url, _kw in seen)     # query goes through params=
    send = responses.calls[1].request
    assert send.url.split("?")[0] == BASE + "/message/send"
    assert "access_token=" + TOKEN in send.url
    assert send.headers["Content-Type"].startswith("application/json")
    body = send.body
    assert isinstance(body, bytes)
    assert "你好".encode("utf-8") in body                   # ensure_ascii=False, UTF-8
    decoded = json.loads(body.decode("utf-8"))
    assert "access_token" not in decoded
    assert decoded["agentid"] == 1000002
    # the default timeout is explicit too
    assert WecomClient("c", "s").timeout == 30


@responses.activate
def test_tls_verification_cannot_be_switched_off_but_a_ca_bundle_is_kept():
    add_gettoken(responses)
    session = requests.Session()
    session.verify = False
    client, _ = make_client(session=session)
    client.get_token()
    assert responses.calls[0].request.req_kwargs["verify"] not in (False, None)
    session = requests.Session()
    session.verify = "/etc/corp-ca.pem"
    client, _ = make_client(session=session)
    client.get_token()
    assert responses.calls[1].request.req_kwargs["verify"] == "/etc/corp-ca.pem"


@responses.activate
def test_timeout_in_responses_request_object():
    add_gettoken(responses)
    responses.add(responses.GET, BASE + "/tag/list", json={"errcode": 0, "taglist": []})
    client, _ = make_client(timeout=3)
    client.tag_list()
    assert responses.calls[1].request.req_kwargs["timeout"] == 3


@pytest.mark.parametrize("base", [BASE, BASE + "/", BASE + "//"])
@responses.activate
def test_base_url_trailing_slash(base):
    add_gettoken(responses)
    responses.add(responses.GET, BASE + "/tag/list", json={"errcode": 0, "taglist": [{"tagid": 1}]})
    client, _ = make_client(base_url=base)
    assert client.tag_list() == [{"tagid": 1}]
    assert responses.calls[0].request.url.startswith(BASE + "/gettoken?")
    assert "//gettoken" not in responses.calls[0].request.url


def test_default_base_url():
    assert DEFAULT_BASE_URL == "https://qyapi.weixin.qq.com/cgi-bin"
    assert WecomClient("c", "s").base_url == DEFAULT_BASE_URL


@responses.activate
def test_errcode_as_string_is_accepted():
    responses.add(responses.GET, BASE + "/gettoken",
                  json={"errcode": "0", "errmsg": "ok", "access_token": TOKEN, "expires_in": 7200})
    responses.add(responses.GET, BASE + "/tag/list", json={"errcode": "0", "taglist": []})
    responses.add(responses.GET, BASE + "/tag/get", json={"errcode": "60011", "errmsg": "no"})
    client, _ = make_client()
    assert client.tag_list() == []
    with pytest.raises(WecomPermissionError) as info:
        client.tag_get(1)
    assert info.value.errcode == 60011


@responses.activate
def test_utf8_body_without_charset_header():
    add_gettoken(responses)
    body = json.dumps({"errcode": 0, "errmsg": "ok", "department": {"id": 2, "name": "研发中心"}},
                      ensure_ascii=False).encode("utf-8")
    responses.add(responses.GET, BASE + "/department/get", body=body,
                  content_type="text/plain")       # no charset: must still be read as UTF-8
    client, _ = make_client()
    assert client.department_get(2)["name"] == "研发中心"


@responses.activate
def test_connection_never_established_is_retried_even_for_message_send():
    """A connection that was never established cannot have delivered anything."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    add_gettoken(responses)
    refused = MaxRetryError(None, "/cgi-bin/message/send", NewConnectionError(None, "refused"))
    responses.add(responses.POST, BASE + "/message/send",
                  body=requests.exceptions.ConnectTimeout("connect timeout"))
    responses.add(responses.POST, BASE + "/message/send",
                  body=requests.exceptions.ConnectionError(refused))
    responses.add(responses.POST, BASE + "/message/send", json={"errcode": 0, "msgid": "m"})
    client, sleeps = make_client()
    result = client.message_send({"touser": "a", "msgtype": "text", "text": {"content": "x"}})
    assert result["msgid"] == "m"
    assert sleeps == [1.0, 2.0]


@responses.activate
def test_connection_dropped_after_sending_is_not_resent_for_message_send():
    add_gettoken(responses)
    responses.add(responses.POST, BASE + "/message/send",
                  body=requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"))
    client, sleeps = make_client()
    with pytest.raises(WecomNetworkError) as info:
        client.message_send({"touser": "a", "msgtype": "text", "text": {"content": "x"}})
    assert info.value.maybe_delivered and sleeps == []
    assert len(responses.calls) == 2


@responses.activate
def test_network_error_text_never_contains_token_or_secret(caplog):
    caplog.set_level(logging.DEBUG)
    responses.add(responses.GET, BASE + "/gettoken", body=requests.exceptions.ConnectionError(
        "Max retries exceeded with url: /cgi-bin/gettoken?corpid=ww-corp&corpsecret=%s" % SECRET))
    client, sleeps = make_client(max_retries=1)
    with pytest.raises(WecomNetworkError) as info:
        client.tag_list()
    err = info.value
    assert err.path == "gettoken" and err.transient
    assert SECRET not in str(err) and SECRET not in repr(err) and SECRET not in err.errmsg
    assert err.__cause__ is None and err.__suppress_context__
    assert err.errmsg == "could not reach %s/gettoken: the connection failed" % BASE
    assert SECRET not in caplog.text
    assert sleeps == [1.0]


def test_an_unreachable_url_is_said_plainly_without_python_objects():
    import socket
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client, _sleeps = make_client(base_url="http://127.0.0.1:%d/cgi-bin" % port, max_retries=1)
    with pytest.raises(WecomNetworkError) as info:
        client.get_token()
    err = info.value
    assert err.errmsg == ("could not reach http://127.0.0.1:%d/cgi-bin/gettoken: the connection was refused "
                          "(nothing answers at that address and port)" % port)
    for python_text in ("object at 0x", "HTTPConnectionPool", "Max retries", "NewConnectionError", "Errno"):
        assert python_text not in err.describe("en") and python_text not in err.describe("zh")
    assert "无法访问 http://127.0.0.1:%d/cgi-bin/gettoken：连接被拒绝" % port in err.describe("zh")


@responses.activate
def test_tls_error_and_bad_url_are_not_retried():
    responses.add(responses.GET, BASE + "/gettoken",
                  body=requests.exceptions.SSLError("certificate verify failed"))
    client, sleeps = make_client()
    with pytest.raises(WecomNetworkError) as info:
        client.get_token()
    assert not info.value.transient and sleeps == []
    bad, sleeps = make_client(base_url="qyapi.weixin.qq.com/cgi-bin")
    with pytest.raises(WecomNetworkError) as info:
        bad.get_token()
    assert not info.value.transient and sleeps == []


@responses.activate
def test_http_404_is_not_retried():
    responses.add(responses.GET, BASE + "/gettoken", body="<html>not found</html>", status=404)
    client, sleeps = make_client()
    with pytest.raises(WecomNetworkError) as info:
        client.get_token()
    assert info.value.http_status == 404 and not info.value.transient and sleeps == []
    assert len(responses.calls) == 1


@responses.activate
def test_gettoken_without_token_field():
    responses.add(responses.GET, BASE + "/gettoken", json={"errcode": 0, "errmsg": "ok"})
    client, _ = make_client()
    with pytest.raises(WecomError) as info:
        client.get_token()
    assert info.value.path == "gettoken"


def test_constructor_and_argument_validation():
    with pytest.raises(WecomValidationError):
        WecomClient("", "s")
    with pytest.raises(WecomValidationError):
        WecomClient("c", "")
    with pytest.raises(WecomValidationError) as info:
        WecomClient("c", "s", agent_id="abc")
    assert info.value.field == "agent_id"
    client = WecomClient("c", "s")
    with pytest.raises(ValueError) as info:
        client.message_send({"touser": "a", "msgtype": "text", "text": {"content": "x"}})
    assert info.value.field == "agentid"
    with pytest.raises(WecomValidationError):
        client.request("GET", "user/list?access_token=x")
    with pytest.raises(WecomValidationError):
        client.request("GET", "user/list", params={"access_token": "x"})
    with pytest.raises(WecomValidationError):
        client.user_list_id(limit=10001)
    with pytest.raises(WecomValidationError):
        client.user_list_id(limit=0)


@responses.activate
def test_list_id_repeated_cursor_is_an_error():
    add_gettoken(responses)
    for _ in range(3):
        responses.add(responses.POST, BASE + "/user/list_id",
                      json={"errcode": 0, "next_cursor": "SAME",
                            "dept_user": [{"userid": "a", "department": 1}]})
    client, _ = make_client()
    with pytest.raises(WecomError) as info:
        client.user_list_id()
    assert info.value.path == "user/list_id" and "cursor" in str(info.value)
    assert len(responses.calls) == 3          # gettoken + 2 pages, then stop


@responses.activate
def test_list_id_missing_next_cursor_ends():
    add_gettoken(responses)
    responses.add(responses.POST, BASE + "/user/list_id",
                  json={"errcode": 0, "dept_user": [{"userid": "a", "department": 1}]})
    client, _ = make_client()
    assert client.user_list_id() == [{"userid": "a", "department": 1}]
    assert json.loads(responses.calls[1].request.body) == {"limit": 10000}
