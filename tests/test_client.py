# -*- coding: utf-8 -*-
"""WecomClient against the WeCom emulator, in-process (responses callbacks into its WSGI app).

What is pinned here comes from docs/WECOM_API.md: the token is fetched once and reused, refreshed once
on 40014/42001 (and 40001 outside gettoken), transient errors (-1, 45009, 45033, network, HTTP 5xx,
bad JSON) retried with the configured waits, configuration and permission errors never retried,
message/send never re-sent after an unclear failure unless duplicate check is on, the list_id
cursor loop, and that no error or log line ever carries the token or the secret.
"""
import logging
import threading

import pytest
import responses

from wecom.client import MemoryTokenStore, WecomClient
from wecom.errors import (
    WecomApiError,
    WecomAuthError,
    WecomError,
    WecomNetworkError,
    WecomPermissionError,
    WecomRateLimitError,
)
from wecom.messages import build_payload
from wecom_emulator import Emulator, demo_data
from wecom_emulator.testing import FakeClock, install

BASE = "https://qyapi.weixin.qq.com/cgi-bin"


class Sleeps(list):
    """Injectable sleep: records the waits, never sleeps."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def emu():
    return Emulator(directory="demo")


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_client(emu, rsps, sleeps):
    installed = []

    def make(secret=None, agent_id="app", base_url=BASE, emulator=None, **kwargs):
        emulator = emulator or emu
        if not installed:
            install(rsps, emulator, base_url=base_url.rstrip("/"))
            installed.append(base_url)
        if agent_id == "app":
            agent_id = emulator.app.agent_id
        kwargs.setdefault("sleep", sleeps)
        return WecomClient(emulator.corp_id, secret or emulator.app.secret, agent_id=agent_id,
                           base_url=base_url, **kwargs)

    return make


def text_payload(users=("zhangwei",), **kwargs):
    return build_payload("text", content="门店盘点通知", touser=list(users), **kwargs)


# ----------------------------------------------------------------------------- token
def test_token_fetched_once_and_reused(emu, make_client):
    client = make_client()
    client.department_list()
    client.user_get("zhangwei")
    client.tag_list()
    client.user_list(8)
    assert emu.calls("gettoken") == 1
    assert emu.calls() == 5


def test_token_shared_by_clients_with_the_same_store(emu, make_client):
    store = MemoryTokenStore()
    first = make_client(token_store=store)
    second = make_client(token_store=store)
    first.tag_list()
    second.tag_list()
    assert emu.calls("gettoken") == 1
    # a different secret is a different key
    make_client(secret=emu.legacy_app.secret, token_store=store).tag_list()
    assert emu.calls("gettoken") == 2


def test_token_refetched_after_expiry_with_fake_clock(rsps):
    clock = FakeClock()
    emulator = Emulator(directory="demo", token_ttl=7200, clock=clock)
    install(rsps, emulator)
    client = WecomClient(emulator.corp_id, emulator.app.secret, base_url=BASE,
                         token_store=MemoryTokenStore(clock=clock), sleep=Sleeps())
    client.tag_list()
    clock.advance(7200 - 301)
    client.tag_list()
    assert emulator.calls("gettoken") == 1
    clock.advance(2)          # inside the 5-minute safety margin: fetch before WeCom refuses
    client.tag_list()
    assert emulator.calls("gettoken") == 2
    assert emulator.calls("tag/list") == 3


def test_refresh_after_invalidate_tokens(emu, make_client, sleeps):
    client = make_client()
    old = client.get_token()
    emu.invalidate_tokens()            # the old token now gives 40014
    assert [t["tagname"] for t in client.tag_list()] == ["店长", "华东门店", "IT值班"]
    assert emu.calls("gettoken") == 2          # exactly one extra gettoken
    assert emu.calls("tag/list") == 2          # the call retried once
    assert client.get_token() != old
    assert sleeps == []


@pytest.mark.parametrize("errcode", [42001, 40014])
def test_refresh_after_expiry(rsps, errcode):
    clock = FakeClock()
    emulator = Emulator(directory="demo", clock=clock, expired_token_errcode=errcode)
    install(rsps, emulator)
    # a client whose own clock does not know about the expiry (e.g. WeCom expired it early)
    client = WecomClient(emulator.corp_id, emulator.app.secret, base_url=BASE, sleep=Sleeps())
    client.tag_list()
    emulator.expire_tokens()
    clock.advance(1)
    assert client.tag_get(2)["partylist"] == [11, 12, 13, 14]
    assert emulator.calls("gettoken") == 2
    assert emulator.calls("tag/get") == 2


@pytest.mark.parametrize("errcode", [40014, 42001, 42007, 42009, 40001])
def test_token_errcodes_refresh_and_retry_once(emu, make_client, errcode):
    client = make_client()
    client.get_token()
    emu.inject_fault("user/get", errcode=errcode, count=1)
    assert client.user_get("lina")["name"] == "李娜"
    assert emu.calls("gettoken") == 2
    assert emu.calls("user/get") == 2


def test_second_consecutive_token_failure_raises(emu, make_client, sleeps):
    client = make_client()
    emu.inject_fault("user/get", errcode=42001, count=2)
    with pytest.raises(WecomAuthError) as info:
        client.user_get("lina")
    assert info.value.errcode == 42001 and info.value.path == "user/get"
    assert emu.calls("user/get") == 2
    assert emu.calls("gettoken") == 2
    assert sleeps == []


def test_wrong_secret_at_gettoken_is_not_retried(emu, make_client, sleeps):
    client = make_client(secret="W" * 43)
    with pytest.raises(WecomAuthError) as info:
        client.department_list()
    err = info.value
    assert err.errcode == 40001 and err.path == "gettoken"
    assert "secret" in str(err).lower()
    assert emu.calls("gettoken") == 1
    assert emu.calls("department/list") == 0
    assert sleeps == []


def test_40001_injected_at_gettoken_is_not_retried(emu, make_client, sleeps):
    emu.inject_fault("gettoken", errcode=40001, count=1)
    with pytest.raises(WecomAuthError):
        make_client().tag_list()
    assert emu.calls("gettoken") == 1 and sleeps == []


def test_wrong_corp_id(emu, make_client, sleeps):
    client = make_client()
    client.corp_id = "wwnotmycorp"
    with pytest.raises(WecomAuthError) as info:
        client.get_token()
    assert info.value.errcode == 40013 and emu.calls("gettoken") == 1 and sleeps == []


# ----------------------------------------------------------------------------- retries
@pytest.mark.parametrize("kind,errcode,waits", [
    ("errcode", -1, [1.0]),
    ("errcode", 45009, [60.0]),
    ("errcode", 45033, [60.0]),
    ("timeout", None, [1.0]),
    ("http500", None, [1.0]),
    ("badjson", None, [1.0]),
])
def test_transient_failure_then_success(emu, make_client, sleeps, kind, errcode, waits):
    client = make_client()
    client.get_token()
    kwargs = {"errcode": errcode} if errcode is not None else {}
    emu.inject_fault("department/simplelist", kind=kind, count=1, **kwargs)
    ids = [d["id"] for d in client.department_simplelist()]
    assert sorted(ids) == sorted(d[0] for d in demo_data.DEPARTMENTS)
    assert emu.calls("department/simplelist") == 2
    assert sleeps == waits


def test_backoff_sequence_and_success_on_last_retry(emu, make_client, sleeps):
    client = make_client()
    emu.inject_fault("tag/list", errcode=-1, count=3)
    assert len(client.tag_list()) == 3
    assert emu.calls("tag/list") == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_mixed_transient_failures_use_their_own_waits(emu, make_client, sleeps):
    client = make_client()
    client.get_token()
    emu.inject_fault("tag/list", kind="timeout", count=1)
    emu.inject_fault("tag/list", errcode=45009, count=1)
    emu.inject_fault("tag/list", kind="http500", count=1)
    client.tag_list()
    assert sleeps == [1.0, 60.0, 4.0]


@pytest.mark.parametrize("kind,errcode,exc", [
    ("errcode", -1, WecomApiError),
    ("errcode", 45009, WecomRateLimitError),
    ("timeout", None, WecomNetworkError),
    ("http500", None, WecomNetworkError),
    ("badjson", None, WecomNetworkError),
])
def test_give_up_after_max_retries(emu, make_client, sleeps, kind, errcode, exc):
    client = make_client()
    client.get_token()
    kwargs = {"errcode": errcode} if errcode is not None else {}
    emu.inject_fault("tag/list", kind=kind, count=10, **kwargs)
    with pytest.raises(exc) as info:
        client.tag_list()
    assert info.value.transient and info.value.path == "tag/list"
    assert emu.calls("tag/list") == 4                 # 1 + max_retries
    assert len(sleeps) == 3


def test_configured_retries_and_backoff(emu, make_client, sleeps):
    client = make_client(max_retries=1, backoff=(0.5,), rate_limit_backoff=(7.0, 9.0))
    client.get_token()
    emu.inject_fault("tag/list", errcode=-1, count=5)
    with pytest.raises(WecomApiError):
        client.tag_list()
    assert emu.calls("tag/list") == 2 and sleeps == [0.5]
    emu.clear_faults()
    del sleeps[:]
    client = make_client(max_retries=2, rate_limit_backoff=(7.0, 9.0))
    emu.inject_fault("tag/list", errcode=45033, count=2)
    client.tag_list()
    assert sleeps == [7.0, 9.0]
    no_retry = make_client(max_retries=0)
    emu.inject_fault("tag/list", errcode=-1, count=1)
    with pytest.raises(WecomApiError):
        no_retry.tag_list()


def test_transient_gettoken_failure_is_retried(emu, make_client, sleeps):
    emu.inject_fault("gettoken", errcode=-1, count=1)
    emu.inject_fault("gettoken", kind="timeout", count=1)
    assert make_client().tag_list()
    assert emu.calls("gettoken") == 3 and sleeps == [1.0, 2.0]


@pytest.mark.parametrize("errcode,exc", [
    (60020, WecomPermissionError), (48002, WecomPermissionError), (48009, WecomPermissionError),
    (60011, WecomPermissionError), (301002, WecomPermissionError), (81013, WecomApiError),
    (40058, WecomApiError), (44004, WecomApiError), (40013, WecomAuthError),
    (60111, WecomApiError), (40003, WecomApiError),
])
def test_configuration_and_permission_errors_are_not_retried(emu, make_client, sleeps, errcode,
                                                             exc):
    client = make_client()
    client.get_token()
    emu.inject_fault("user/get", errcode=errcode, count=5)
    with pytest.raises(exc) as info:
        client.user_get("lina")
    assert type(info.value) is exc
    assert info.value.errcode == errcode and not info.value.transient
    assert emu.calls("user/get") == 1
    assert emu.calls("gettoken") == 1
    assert sleeps == []


# ----------------------------------------------------------------------------- real emulator rules
def test_contact_sync_secret_cannot_send_messages(emu, make_client, sleeps):
    client = make_client(secret=emu.contact_secret)
    with pytest.raises(WecomPermissionError) as info:
        client.message_send(text_payload())
    assert info.value.errcode == 48002 and info.value.path == "message/send"
    assert "contact-sync" in str(info.value)
    assert emu.calls("message/send") == 1 and sleeps == []


def test_contact_sync_secret_from_new_ip_cannot_read_details(emu, make_client, sleeps):
    client = make_client(secret=emu.contact_secret, agent_id=None)
    with pytest.raises(WecomPermissionError) as info:
        client.user_list(1)
    assert info.value.errcode == 48009 and "user/list_id" in str(info.value)
    assert emu.calls("user/list") == 1 and sleeps == []
    # enumeration endpoints stay open to it
    assert client.department_simplelist()
    assert client.user_list_id()


def test_app_secret_cannot_call_list_id(emu, make_client, sleeps):
    with pytest.raises(WecomPermissionError) as info:
        make_client().user_list_id()
    assert info.value.errcode == 48002 and emu.calls("user/list_id") == 1 and sleeps == []


def test_untrusted_ip_gives_60020_at_gettoken(emu, make_client, sleeps):
    emu.add_app(1000099, "T" * 43, trusted_ips=["203.0.113.7"])
    client = make_client(secret="T" * 43, agent_id=1000099)
    with pytest.raises(WecomPermissionError) as info:
        client.tag_list()
    err = info.value
    assert err.errcode == 60020 and err.path == "gettoken"
    assert "企业可信IP" in str(err) and "企业可信IP" in err.describe("zh")
    assert emu.calls("gettoken") == 1 and sleeps == []


def test_outside_visible_range(emu, make_client, sleeps):
    region = make_client(secret=emu.region_app.secret, agent_id=emu.region_app.agent_id)
    assert region.user_get("zhuhong")["name"] == "朱红"          # 上海静安店, inside 华东区
    with pytest.raises(WecomApiError) as info:
        region.user_get("lina")                                   # 北京朝阳店, outside
    assert info.value.errcode in (60011, 60111) and not info.value.transient
    assert emu.calls("user/get") == 2 and sleeps == []


def test_all_recipients_invalid_is_81013_with_the_response(emu, make_client, sleeps):
    client = make_client()
    with pytest.raises(WecomApiError) as info:
        client.message_send(text_payload(users=["nobody1", "nobody2"]))
    err = info.value
    assert err.errcode == 81013 and err.path == "message/send"
    assert err.response is not None and "nobody1" in err.response.get("invaliduser", "")
    assert emu.calls("message/send") == 1 and sleeps == []


# ----------------------------------------------------------------------------- message/send
def test_message_send_sets_agentid_and_returns_the_full_answer(emu, make_client):
    client = make_client()
    payload = text_payload(users=["zhangwei", "ghost"])
    assert "agentid" not in payload
    result = client.message_send(payload)
    assert payload["agentid"] == emu.app.agent_id
    assert result["errcode"] == 0 and result["msgid"]
    assert result["invaliduser"] == "ghost"
    assert len(emu.messages) == 1
    assert client.message_recall(result["msgid"])["errcode"] == 0


def test_message_send_keeps_an_explicit_agentid(emu, make_client):
    client = make_client()
    with pytest.raises(WecomPermissionError) as info:
        client.message_send(text_payload(agent_id=emu.legacy_app.agent_id))
    assert info.value.errcode == 301002


@pytest.mark.parametrize("kind", ["timeout", "timeout_after", "http500", "badjson"])
def test_message_send_not_resent_after_unclear_failure(emu, make_client, sleeps, kind):
    client = make_client()
    client.get_token()
    emu.inject_fault("message/send", kind=kind, count=1)
    with pytest.raises(WecomNetworkError) as info:
        client.message_send(text_payload())
    assert info.value.maybe_delivered and info.value.path == "message/send"
    assert emu.calls("message/send") == 1
    assert sleeps == []
    if kind == "timeout_after":
        assert len(emu.messages) == 1       # it was delivered although the caller saw a timeout


@pytest.mark.parametrize("kind", ["timeout", "timeout_after", "http500", "badjson"])
def test_message_send_retried_after_unclear_failure_with_duplicate_check(emu, make_client, sleeps,
                                                                          kind):
    client = make_client()
    client.get_token()
    emu.inject_fault("message/send", kind=kind, count=1)
    result = client.message_send(text_payload(enable_duplicate_check=True))
    assert result["errcode"] == 0
    assert emu.calls("message/send") == 2
    assert sleeps == [1.0]


@pytest.mark.parametrize("errcode,waits", [(-1, [1.0]), (45009, [60.0]), (45033, [60.0])])
def test_message_send_retried_after_explicit_not_sent_errcodes(emu, make_client, sleeps, errcode,
                                                               waits):
    client = make_client()
    client.get_token()
    emu.inject_fault("message/send", errcode=errcode, count=1)
    assert client.message_send(text_payload())["msgid"]
    assert emu.calls("message/send") == 2 and sleeps == waits
    assert len(emu.messages) == 1


def test_message_send_token_refresh(emu, make_client):
    client = make_client()
    client.get_token()
    emu.invalidate_tokens()
    assert client.message_send(text_payload())["msgid"]
    assert emu.calls("message/send") == 2 and emu.calls("gettoken") == 2
    assert len(emu.messages) == 1


# ----------------------------------------------------------------------------- list_id
def test_list_id_cursor_loop_over_a_large_directory(rsps):
    emulator = Emulator(directory="large:25000")
    install(rsps, emulator)
    client = WecomClient(emulator.corp_id, emulator.contact_secret, base_url=BASE, sleep=Sleeps())
    rows = client.user_list_id(limit=10000)
    pages = emulator.calls("user/list_id")
    assert pages >= 3
    pairs = [(r["userid"], r["department"]) for r in rows]
    assert len(pairs) == len(set(pairs))           # every pair once
    expected = set((u["userid"], d) for u in emulator.directory.users.values()
                   for d in u["department"])
    assert set(pairs) == expected
    assert len(set(p[0] for p in pairs)) == 25000
    assert pages == -(-len(expected) // 10000) or pages == -(-len(expected) // 10000) + 1


def test_list_id_small_pages_on_demo(emu, make_client):
    client = make_client(secret=emu.contact_secret, agent_id=None)
    rows = client.user_list_id(limit=7)
    pairs = [(r["userid"], r["department"]) for r in rows]
    expected = [(m[0], d) for m in demo_data.MEMBERS for d, _leader in m[4]]
    assert sorted(pairs) == sorted(expected)
    assert emu.calls("user/list_id") >= len(expected) // 7


def test_list_id_retries_a_page(emu, make_client, sleeps):
    client = make_client(secret=emu.contact_secret, agent_id=None)
    client.get_token()
    emu.inject_fault("user/list_id", errcode=-1, count=1)
    rows = client.user_list_id(limit=20)
    assert len(rows) == sum(len(m[4]) for m in demo_data.MEMBERS)
    assert sleeps == [1.0]


# ----------------------------------------------------------------------------- demo data
def test_department_methods_return_the_demo_data(make_client):
    client = make_client(secret=None)
    departments = client.department_list()
    assert sorted((d["id"], d["name"], d["parentid"]) for d in departments) == sorted(
        (d[0], d[1], d[3]) for d in demo_data.DEPARTMENTS)
    assert sorted(d["id"] for d in client.department_list(id=3)) == [3, 11, 12, 13, 14]
    simple = client.department_simplelist()
    assert all(set(d) == {"id", "parentid", "order"} for d in simple)
    assert len(simple) == len(demo_data.DEPARTMENTS)
    assert sorted(d["id"] for d in client.department_simplelist(id=7)) == [7, 18, 19]
    assert client.department_get(3)["name"] == "华东区"
    assert client.department_get(3)["department_leader"] == ["liujun"]


def test_user_methods_return_the_demo_data(make_client):
    client = make_client()
    user = client.user_get("zhangwei")
    assert user["name"] == "张伟" and user["department"] == [1] and user["status"] == 1
    assert "errcode" not in user and "errmsg" not in user
    # user/list is one department only, no children
    store_8 = sorted(m[0] for m in demo_data.MEMBERS if any(d == 8 for d, _ in m[4]))
    assert sorted(u["userid"] for u in client.user_list(8)) == store_8
    assert sorted(u["userid"] for u in client.user_list(2)) == ["wangqiang", "zhaomin"]


def test_tag_methods_return_the_demo_data(make_client):
    client = make_client()
    assert sorted((t["tagid"], t["tagname"]) for t in client.tag_list()) == sorted(
        (t[0], t[1]) for t in demo_data.TAGS)
    tag = client.tag_get(3)
    assert tag["tagname"] == "IT值班"
    assert sorted(u["userid"] for u in tag["userlist"]) == ["shiyong", "xiongfei"]
    assert tag["partylist"] == [18]
    with pytest.raises(WecomApiError) as info:
        client.tag_get(999)
    assert info.value.errcode == 40068 and info.value.path == "tag/get"


# ----------------------------------------------------------------------------- secrecy
def test_errors_and_logs_never_carry_token_or_secret(emu, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("wecom.test")
    client = make_client(logger=logger)
    token = client.get_token()
    secret = emu.app.secret
    failures = []
    for path, kwargs, call in (
            ("tag/list", {"kind": "timeout", "count": 10}, client.tag_list),
            ("tag/list", {"kind": "http500", "count": 10}, client.tag_list),
            ("tag/list", {"kind": "badjson", "count": 10}, client.tag_list),
            ("user/get", {"errcode": 60011, "count": 1}, lambda: client.user_get("lina")),
            ("user/get", {"errcode": 42001, "count": 2}, lambda: client.user_get("lina")),
            ("message/send", {"kind": "timeout"}, lambda: client.message_send(text_payload()))):
        emu.clear_faults()
        emu.inject_fault(path, **kwargs)
        with pytest.raises(WecomError) as info:
            call()
        failures.append(info.value)
        token = client.get_token()
    emu.clear_faults()
    wrong = make_client(secret="Z" * 43, logger=logger)
    with pytest.raises(WecomAuthError) as info:
        wrong.get_token()
    failures.append(info.value)
    tokens = set(t.value for t in emu.corp.tokens.by_value.values()) | {token}
    for err in failures:
        assert err.path and "?" not in err.path
        texts = [str(err), repr(err), err.errmsg, str(err.response), err.describe("zh"),
                 str(err.args)]
        for text in texts:
            assert secret not in text and "Z" * 43 not in text
            for value in tokens:
                assert value not in text
            assert "access_token=" not in text or "access_token=***" in text
    assert caplog.records, "the client logs its retries"
    for value in tokens | {secret, "Z" * 43}:
        assert value not in caplog.text
    assert "tag/list" in caplog.text


# ----------------------------------------------------------------------------- transport
@pytest.mark.parametrize("base_url", ["https://wecom.example.internal/cgi-bin",
                                      "https://wecom.example.internal/cgi-bin/"])
def test_base_url_with_and_without_trailing_slash(emu, rsps, base_url):
    install(rsps, emu, base_url="https://wecom.example.internal/cgi-bin")
    client = WecomClient(emu.corp_id, emu.app.secret, base_url=base_url, sleep=Sleeps())
    assert len(client.department_list()) == len(demo_data.DEPARTMENTS)
    assert all(c.request.url.startswith("https://wecom.example.internal/cgi-bin/")
               and "/cgi-bin//" not in c.request.url for c in rsps.calls)


def test_timeout_reaches_requests_on_every_call(emu, make_client, rsps):
    client = make_client(timeout=12.5)
    client.tag_list()
    client.message_send(text_payload())
    assert len(rsps.calls) == 3
    for call in rsps.calls:
        assert call.request.req_kwargs["timeout"] == 12.5
        assert call.request.req_kwargs["verify"] not in (False, None)   # True or a CA bundle


def test_token_in_query_never_in_body(emu, make_client, rsps):
    client = make_client()
    client.message_send(text_payload())
    send = rsps.calls[-1].request
    assert "access_token=" in send.url
    assert b"access_token" not in send.body
    assert "门店盘点通知".encode("utf-8") in send.body


def test_concurrent_callers_share_one_gettoken(emu, make_client):
    store = MemoryTokenStore()
    clients = [make_client(token_store=store) for _ in range(6)]
    errors = []

    def work(client):
        try:
            client.tag_list()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert emu.calls("gettoken") == 1
    assert emu.calls("tag/list") == 6
