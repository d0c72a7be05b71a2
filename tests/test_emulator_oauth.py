# -*- coding: utf-8 -*-
"""Emulator: OAuth2 inside WeCom (WECOM_API_CARDS_LOGIN §D) and web login (§E) over real HTTP:
open the page, approve (admin API or the page's own forms), follow the redirect to a local
receiver, exchange the code; the trusted-domain rule, code and user_ticket lifetimes, consent,
members vs non-members, and the legacy user/getuserinfo through wechatpy 1.8.18."""
import re
import urllib.parse

import pytest
import requests

from wecom_emulator import (APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, CORP_ID, Emulator,
                            LEGACY_SECRET, REGION_AGENT_ID, REGION_SECRET)
from wecom_emulator.oauth import DEFAULT_AVATAR, domain_trusted, redirect_host, with_code
from wecom_emulator.testing import FakeClock, RawCaller, emulator_server

from wecom_receivers import RedirectCatcher


class Browser(object):
    """The member's browser and the app's server, against one emulator over HTTP."""

    def __init__(self, emu, base, catcher):
        self.emu = emu
        self.root = base[:-len("/cgi-bin")]
        self.base = base
        self.catcher = catcher
        self.session = requests.Session()

    def authorize(self, scope="snsapi_base", state="S1", agentid=APP_AGENT_ID, redirect=None,
                  **extra):
        params = {"appid": CORP_ID, "redirect_uri": redirect or self.catcher.url,
                  "response_type": "code", "scope": scope, "state": state}
        if agentid is not None:
            params["agentid"] = agentid
        params.update(extra)
        return self.session.get(self.root + "/connect/oauth2/authorize", params=params,
                                allow_redirects=False, timeout=10)

    def login_page(self, state="L1", agentid=APP_AGENT_ID, redirect=None, **extra):
        params = {"login_type": "CorpApp", "appid": CORP_ID, "agentid": agentid,
                  "redirect_uri": redirect or self.catcher.url, "state": state}
        params.update(extra)
        return self.session.get(self.root + "/wwlogin/sso/login", params=params,
                                allow_redirects=False, timeout=10)

    def approve(self, **body):
        return self.session.post(self.root + "/_emulator/oauth/approve", json=body, timeout=10)

    def land(self, redirect_url):
        """Follow the redirect to the app: the catcher sees code and state."""
        assert self.session.get(redirect_url, timeout=10).text == "ok"
        return self.catcher.hits[-1]["args"]

    def exchange(self, code, secret=APP_SECRET, path="auth/getuserinfo"):
        app = RawCaller(self.base)
        app.token(secret)
        return app.get(path, code=code)

    def detail(self, ticket, secret=APP_SECRET):
        app = RawCaller(self.base)
        app.token(secret)
        return app.post("auth/getuserdetail", {"user_ticket": ticket} if ticket else {})

    def login(self, userid="lina", scope="snsapi_base", consent=None, **kwargs):
        """The whole flow through the admin hook; returns what the app received."""
        assert self.authorize(scope=scope, **kwargs).status_code == 200
        body = {"state": kwargs.get("state", "S1"), "userid": userid}
        if consent is not None:
            body["consent"] = consent
        res = self.approve(**body)
        assert res.status_code == 200, res.text
        return self.land(res.json()["redirect_url"])


@pytest.fixture(scope="module")
def catcher():
    """Shared: tests read only the hit they caused (the last one)."""
    rec = RedirectCatcher()
    yield rec
    rec.close()


@pytest.fixture
def browser(emu, catcher):
    with emulator_server(emu) as base:
        yield Browser(emu, base, catcher)


def pending_id(html):
    return re.search(r'name="pending" value="([^"]+)"', html).group(1)


# ---------------------------------------------------------------------------- rules


@pytest.mark.parametrize("configured, url, ok", [
    (["mail.qq.com:8080"], "https://mail.qq.com:8080/cgi-bin/helloworld", True),
    (["mail.qq.com"], "https://mail.qq.com:8080/cgi-bin/helloworld", False),   # port too
    (["email.qq.com", "support.mail.qq.com"], "https://mail.qq.com:8080/x", False),
    (["mail.qq.com"], "http://mail.qq.com/anything?x=1", True),               # scheme, path: free
    (["mail.qq.com"], "https://exmail.qq.com/", False),
    (["127.0.0.1:*"], "http://127.0.0.1:8069/wecom/oauth", True),            # emulator default
    (["127.0.0.1:*"], "http://127.0.0.1/x", True),
    (["127.0.0.1:*"], "http://127.0.0.2:8069/x", False),
])
def test_trusted_domain_is_exact_host_and_port(configured, url, ok):
    assert domain_trusted(configured, redirect_host(url)) is ok


def test_code_and_state_go_before_a_fragment():
    assert with_code("https://a.cn/p?action=get", "C", "") == \
        "https://a.cn/p?action=get&code=C&state="
    assert with_code("https://a.cn/p#/home", "C", "S") == "https://a.cn/p?code=C&state=S#/home"


# ---------------------------------------------------------------------------- D: in WeCom


def test_base_flow(emu, browser, catcher):
    page = browser.authorize(redirect=catcher.url + "?next=%2Fweb")
    assert page.status_code == 200 and "X-Emulator-Error" not in page.headers
    assert u"李娜 (lina)" in page.text and 'action="/_emulator/oauth/approve"' in page.text
    res = browser.approve(state="S1", userid="lina")
    assert res.status_code == 200
    out = res.json()
    assert out["redirect_url"].startswith(catcher.url + "?next=%2Fweb&code=")
    assert (out["state"], out["kind"], out["userid"]) == ("S1", "oauth", "lina")
    args = browser.land(out["redirect_url"])
    assert (args["next"], args["state"], args["code"]) == ("/web", "S1", out["code"])
    assert len(args["code"]) <= 512
    data = browser.exchange(args["code"])
    assert data == {"errcode": 0, "errmsg": "ok", "userid": "lina"}   # no ticket for base
    assert browser.approve(state="S1", userid="lina").status_code == 404   # used once


def test_privateinfo_with_consent(browser):
    args = browser.login(scope="snsapi_privateinfo", consent=True)
    data = browser.exchange(args["code"])
    assert data["userid"] == "lina" and data["expires_in"] == 1800
    assert len(data["user_ticket"]) <= 512
    detail = browser.detail(data["user_ticket"])
    user = browser.emu.directory.get_user("lina")
    assert list(detail) == ["errcode", "errmsg", "userid", "gender", "avatar", "qr_code",
                            "mobile", "email", "biz_mail", "address"]
    assert (detail["mobile"], detail["email"], detail["gender"]) == (
        user["mobile"], user["email"], "2")
    assert detail["avatar"] == user["avatar"]
    assert "name" not in detail


def test_privateinfo_without_consent(browser):
    args = browser.login(scope="snsapi_privateinfo", consent=False)
    data = browser.exchange(args["code"])
    detail = browser.detail(data["user_ticket"])
    assert detail == {"errcode": 0, "errmsg": "ok", "userid": "lina", "gender": "0",
                      "avatar": DEFAULT_AVATAR}


def test_the_admin_chooses_the_fields(browser):
    res = browser.session.post(browser.root + "/_emulator/apps/%d" % APP_AGENT_ID,
                               json={"oauth_fields": ["mobile"]}, timeout=10)
    assert res.json()["oauth_fields"] == ["mobile"]
    args = browser.login(scope="snsapi_privateinfo", consent=True)
    detail = browser.detail(browser.exchange(args["code"])["user_ticket"])
    assert set(detail) == {"errcode", "errmsg", "userid", "gender", "avatar", "mobile"}
    assert detail["gender"] == "0" and detail["avatar"] == DEFAULT_AVATAR
    res = browser.session.post(browser.root + "/_emulator/apps/%d" % APP_AGENT_ID,
                               json={"oauth_fields": ["name"]}, timeout=10)
    assert res.status_code == 400


def test_unconsented_fields_empty_option(catcher):
    emu = Emulator(clock=FakeClock(), oauth_options={"unconsented_fields": "empty"})
    with emulator_server(emu) as base:
        browser = Browser(emu, base, catcher)
        args = browser.login(scope="snsapi_privateinfo", consent=False)
        detail = browser.detail(browser.exchange(args["code"])["user_ticket"])
    assert (detail["mobile"], detail["email"], detail["gender"]) == ("", "", "0")


def test_browser_forms_and_the_consent_page(browser, catcher):
    page = browser.authorize(scope="snsapi_privateinfo", state="F1")
    form = {"pending": pending_id(page.text), "userid": "lina"}
    consent = browser.session.post(browser.root + "/_emulator/oauth/approve", data=form,
                                   allow_redirects=False, timeout=10)
    assert consent.status_code == 200
    assert u"「门店通知」申请获取你的以下信息" in consent.text and u"手机" in consent.text
    assert u"允许" in consent.text and u"拒绝" in consent.text
    res = browser.session.post(browser.root + "/_emulator/oauth/approve",
                               data=dict(form, consent="1"), allow_redirects=False, timeout=10)
    assert res.status_code == 302
    args = browser.land(res.headers["Location"])
    assert args["state"] == "F1"
    assert browser.detail(browser.exchange(args["code"])["user_ticket"])["mobile"]
    # consented: within 30 days the page is skipped
    page = browser.authorize(scope="snsapi_privateinfo", state="F2")
    res = browser.session.post(browser.root + "/_emulator/oauth/approve",
                               data={"pending": pending_id(page.text), "userid": "lina"},
                               allow_redirects=False, timeout=10)
    assert res.status_code == 302 and "state=F2" in res.headers["Location"]
    # a base page: straight back to the app
    page = browser.authorize(state="F3")
    res = browser.session.post(browser.root + "/_emulator/oauth/approve",
                               data={"pending": pending_id(page.text), "userid": "sunhao"},
                               allow_redirects=False, timeout=10)
    assert res.status_code == 302
    assert browser.exchange(browser.land(res.headers["Location"])["code"])["userid"] == "sunhao"


def test_consent_is_remembered_30_days(emu, clock, browser):
    browser.login(scope="snsapi_privateinfo", consent=True, state="A")
    clock.advance(29 * 86400)
    browser.authorize(scope="snsapi_privateinfo", state="B")
    out = browser.approve(state="B", userid="lina").json()   # no consent given: remembered
    data = browser.exchange(browser.land(out["redirect_url"])["code"])
    assert browser.detail(data["user_ticket"])["mobile"]
    assert emu.oauth.consent_remembered(APP_AGENT_ID, "lina")
    clock.advance(2 * 86400)
    assert not emu.oauth.consent_remembered(APP_AGENT_ID, "lina")


def test_non_member(browser):
    browser.authorize(state="W")
    out = browser.approve(state="W", non_member=True).json()
    assert out["openid"].startswith("oEmu")
    code = browser.land(out["redirect_url"])["code"]
    assert browser.exchange(code) == {"errcode": 0, "errmsg": "ok", "openid": out["openid"]}
    browser.authorize(state="W2")
    out = browser.approve(state="W2", openid="oWeChatUser1").json()
    legacy = browser.exchange(browser.land(out["redirect_url"])["code"], path="user/getuserinfo")
    assert (legacy["OpenId"], legacy["DeviceId"]) == ("oWeChatUser1", "")


def test_visible_range_and_member_status(browser):
    # privateinfo: the member must be in the app's visible range (华东区 app; lina is 华北)
    browser.authorize(scope="snsapi_privateinfo", agentid=REGION_AGENT_ID)
    res = browser.approve(state="S1", userid="lina")
    assert res.status_code == 403 and res.json()["kind"] == "not_visible"
    out = browser.approve(state="S1", userid="zhuhong").json()   # the pending one is still there
    data = browser.exchange(browser.land(out["redirect_url"])["code"], secret=REGION_SECRET)
    assert data["userid"] == "zhuhong" and data["user_ticket"]
    # base: any member; no ticket
    args = browser.login(userid="lina", agentid=REGION_AGENT_ID)
    assert browser.exchange(args["code"], secret=REGION_SECRET) == {
        "errcode": 0, "errmsg": "ok", "userid": "lina"}
    for userid, text in (("liangchen", u"禁用"), ("zhengshuang", u"激活"), ("ghost", "no member")):
        browser.authorize(state="M")
        res = browser.approve(state="M", userid=userid)
        assert res.status_code == 403 and text in res.json()["error"], userid


# ---------------------------------------------------------------------------- D: errors


def test_code_expires_after_5_minutes_and_works_once(clock, browser):
    args = browser.login()
    clock.advance(299)
    assert browser.exchange(args["code"])["userid"] == "lina"
    data = browser.exchange(args["code"])
    assert data["errcode"] == 40029 and "invalid code" in data["errmsg"]
    args = browser.login(state="S2")
    clock.advance(300)
    assert browser.exchange(args["code"])["errcode"] == 40029
    assert browser.exchange("nonsense")["errcode"] == 40029
    app = RawCaller(browser.base)
    app.token(APP_SECRET)
    assert app.get("auth/getuserinfo")["errcode"] == 41008


def test_a_code_for_another_app_is_50001_and_not_used_up(browser):
    args = browser.login()
    data = browser.exchange(args["code"], secret=LEGACY_SECRET)
    assert data["errcode"] == 50001 and "redirect_uri unauthorized" in data["errmsg"]
    assert browser.exchange(args["code"])["userid"] == "lina"
    # without agentid (base) the code belongs to no app: any app trusting the domain may use it
    args = browser.login(agentid=None, state="N")
    assert browser.exchange(args["code"], secret=LEGACY_SECRET)["userid"] == "lina"
    args = browser.login(state="C")
    assert browser.exchange(args["code"], secret=CONTACT_SECRET)["errcode"] == 50001


def test_untrusted_redirect(emu, browser, catcher):
    root = browser.root + "/_emulator/apps/%d" % APP_AGENT_ID
    res = browser.session.post(root, json={"trusted_domains": ["erp.example.com:8443"]}, timeout=10)
    assert res.json()["trusted_domains"] == ["erp.example.com:8443"]
    res = browser.authorize()
    assert res.status_code == 302
    location = res.headers["Location"]
    assert "/wwopen/uriconfirm?err_type=domain_err&uri=" in location
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["uri"] == [catcher.url]
    page = browser.session.get(urllib.parse.urljoin(browser.root, location), timeout=10)
    assert u"redirect_uri需使用应用可信域名" in page.text
    assert page.headers["X-Emulator-Error"] == "domain_err"
    assert browser.approve(state="S1", userid="lina").status_code == 404   # nothing pending
    res = browser.login_page()
    assert res.headers["X-Emulator-Error"] == "domain_err"
    for bad in (["http://a.cn"], ["a.cn/path"], "a.cn"):
        assert browser.session.post(root, json={"trusted_domains": bad},
                                    timeout=10).status_code == 400
    # a domain removed between the redirect and the exchange: 50001 at the exchange
    browser.session.post(root, json={"trusted_domains": ["127.0.0.1:%d" % catcher.port]},
                         timeout=10)
    args = browser.login()
    browser.session.post(root, json={"trusted_domains": ["127.0.0.1:1"]}, timeout=10)
    assert browser.exchange(args["code"])["errcode"] == 50001


def test_domain_error_page_option(catcher):
    emu = Emulator(clock=FakeClock(), oauth_options={"domain_error": "page"})
    emu.app.trusted_domains = ["erp.example.com"]
    with emulator_server(emu) as base:
        res = Browser(emu, base, catcher).authorize()
    assert res.status_code == 200 and res.headers["X-Emulator-Error"] == "domain_err"
    with pytest.raises(ValueError):
        Emulator(oauth_options={"domain_error": "nope"})


@pytest.mark.parametrize("changes, kind", [
    ({"appid": "wwother"}, "param_err"),
    ({"response_type": "token"}, "param_err"),
    ({"scope": "snsapi_login"}, "param_err"),
    ({"state": "a-b"}, "param_err"),                          # a-zA-Z0-9 only
    ({"state": "s" * 129}, "param_err"),                      # at most 128 bytes
    ({"agentid": 4242}, "invalid_agentid"),
    ({"agentid": "abc"}, "invalid_agentid"),
    ({"scope": "snsapi_privateinfo", "agentid": None}, "param_err"),
    ({"redirect_uri": "/relative"}, "param_err"),
    ({"redirect_uri": "ftp://127.0.0.1/x"}, "param_err"),
])
def test_authorize_parameter_errors(browser, changes, kind):
    changes = dict(changes)
    agentid = changes.pop("agentid", APP_AGENT_ID)
    res = browser.authorize(agentid=agentid, **changes)
    assert res.status_code == 200 and res.headers["X-Emulator-Error"] == kind
    assert browser.emu.oauth.pending == {}


def test_options_for_state_and_privateinfo_without_agentid(catcher):
    emu = Emulator(clock=FakeClock(), oauth_options={
        "strict_state": False, "privateinfo_without_agentid": "base"})
    with emulator_server(emu) as base:
        browser = Browser(emu, base, catcher)
        args = browser.login(scope="snsapi_privateinfo", agentid=None, state="a-b_c")
        assert args["state"] == "a-b_c"
        assert "user_ticket" not in browser.exchange(args["code"])   # treated as snsapi_base


def test_user_ticket_errors(emu, clock, browser):
    args = browser.login(scope="snsapi_privateinfo", consent=True)
    ticket = browser.exchange(args["code"])["user_ticket"]
    assert browser.detail(None)["errcode"] == 84090
    assert browser.detail("nonsense")["errcode"] == 84015
    assert browser.detail(ticket, secret=LEGACY_SECRET)["errcode"] == 84015
    sync = RawCaller(browser.base)
    sync.token(CONTACT_SECRET)
    assert sync.post("auth/getuserdetail", {"user_ticket": ticket})["errcode"] == 48002
    assert browser.detail(ticket)["errcode"] == 0   # reusable while valid
    emu.app.visible_parties = [3]
    assert browser.detail(ticket)["errcode"] == 60011
    emu.app.visible_parties = [1]
    emu.directory.remove_user("lina")
    assert browser.detail(ticket)["errcode"] == 60111
    args = browser.login(userid="sunhao", scope="snsapi_privateinfo", consent=True, state="T")
    ticket = browser.exchange(args["code"])["user_ticket"]
    clock.advance(1800)
    assert browser.detail(ticket)["errcode"] == 84014


def test_valid_code_exchanges_are_exempt_from_frequency_limits(emu, browser):
    emu.rate_limits = {"corp_per_minute": 2}
    codes = [browser.login(state="R%d" % i)["code"] for i in range(4)]
    app = RawCaller(browser.base)
    app.token(APP_SECRET)
    assert [app.get("auth/getuserinfo", code=c)["errcode"] for c in codes] == [0, 0, 0, 0]
    assert [app.get("auth/getuserinfo", code="bad")["errcode"] for _ in range(3)] == [
        40029, 40029, 45009]


# ---------------------------------------------------------------------------- E: web login


def test_web_login_flow(browser):
    page = browser.login_page(state="L1")
    assert page.status_code == 200 and u"扫描二维码" in page.text
    out = browser.approve(state="L1", userid="zhuhong").json()
    assert out["kind"] == "weblogin"
    args = browser.land(out["redirect_url"])
    assert args["state"] == "L1"
    assert browser.exchange(args["code"]) == {"errcode": 0, "errmsg": "ok", "userid": "zhuhong"}


def test_web_login_never_gives_a_ticket_and_ignores_the_range_by_default(browser):
    browser.login_page(agentid=REGION_AGENT_ID)
    out = browser.approve(state="L1", userid="lina").json()   # lina: outside the range
    code = browser.land(out["redirect_url"])["code"]
    assert browser.exchange(code, secret=REGION_SECRET) == {"errcode": 0, "errmsg": "ok",
                                                            "userid": "lina"}


def test_web_login_visible_only_option(catcher):
    emu = Emulator(clock=FakeClock(), oauth_options={"weblogin_visible_only": True})
    with emulator_server(emu) as base:
        browser = Browser(emu, base, catcher)
        browser.login_page(agentid=REGION_AGENT_ID)
        res = browser.approve(state="L1", userid="lina")
    assert res.status_code == 403 and res.json()["kind"] == "no_permission"


@pytest.mark.parametrize("changes", [{"login_type": "ServiceApp"}, {"appid": "wwother"},
                                     {"agentid": ""}, {"agentid": 4242},
                                     {"redirect_uri": "nope"}])
def test_web_login_errors(browser, changes):
    agentid = changes.pop("agentid", APP_AGENT_ID) if "agentid" in changes else APP_AGENT_ID
    res = browser.login_page(agentid=agentid, **changes)
    assert res.headers.get("X-Emulator-Error") in ("param_err", "invalid_agentid")


def test_old_qrconnect_page_and_form(browser):
    res = browser.session.get(browser.root + "/wwopen/sso/qrConnect", params={
        "appid": CORP_ID, "agentid": APP_AGENT_ID, "redirect_uri": browser.catcher.url,
        "state": "Q"}, timeout=10)
    res = browser.session.post(browser.root + "/_emulator/oauth/approve",
                               data={"pending": pending_id(res.text), "userid": "lina"},
                               allow_redirects=False, timeout=10)
    assert res.status_code == 302 and "state=Q" in res.headers["Location"]


# ---------------------------------------------------------------------------- admin, wechatpy


def test_admin_approve_errors_and_listing(browser):
    assert browser.approve(state="nothing", userid="lina").status_code == 404
    browser.authorize(state="X")
    assert browser.approve(userid="lina").status_code == 400               # no state
    assert browser.approve(state="X").status_code == 400                   # nobody
    assert browser.approve(state="X", userid="lina", consent="yes").status_code == 400
    listing = browser.session.get(browser.root + "/_emulator/oauth", timeout=10).json()
    (pending,) = listing["pending"]
    assert (pending["state"], pending["kind"], pending["agentid"]) == ("X", "oauth", APP_AGENT_ID)
    browser.approve(state="X", userid="lina")
    listing = browser.session.get(browser.root + "/_emulator/oauth", timeout=10).json()
    assert listing["pending"] == [] and listing["codes"][0]["status"] == "live"
    browser.session.post(browser.root + "/_emulator/reset", timeout=10)
    assert browser.session.get(browser.root + "/_emulator/oauth", timeout=10).json() == {
        "pending": [], "codes": [], "user_tickets": [], "consents": []}


def test_wechatpy_authorize_url_and_legacy_getuserinfo(browser):
    pytest.importorskip("wechatpy")
    from test_emulator_wechatpy import client_for
    client = client_for(browser.base)
    url = client.oauth.authorize_url(browser.catcher.url, state="WP")
    assert url.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    local = browser.root + url[len("https://open.weixin.qq.com"):].split("#")[0]
    assert browser.session.get(local, timeout=10).status_code == 200
    out = browser.approve(state="WP", userid="lina").json()
    code = browser.land(out["redirect_url"])["code"]
    data = client.oauth.get_user_info(code)   # GET user/getuserinfo: capitalised keys
    assert (data["UserId"], data["DeviceId"]) == ("lina", "")
    assert client.user.get_info(APP_AGENT_ID, browser.login(state="WQ")["code"])[
        "UserId"] == "lina"


def test_cli_options():
    from wecom_emulator.__main__ import build, main, parse_args
    emu = build(parse_args(["--trusted-domain", "ERP.example.com:8443", "--response-code-hours",
                            "24", "--click-code-scope", "clicker", "--oauth-domain-error", "page",
                            "--weblogin-visible-only"]))
    assert all(app.trusted_domains == ["erp.example.com:8443"] for app in emu.corp.apps.values())
    assert (emu.cards.response_code_ttl, emu.cards.click_code_scope) == (24 * 3600, "clicker")
    assert (emu.oauth.domain_error, emu.oauth.weblogin_visible_only) == ("page", True)
    assert build(parse_args([])).app.trusted_domains == ["127.0.0.1:*", "localhost:*"]
    assert main(["--trusted-domain", "http://bad", "--port", "0"]) == 2


def test_curl_style_json_with_a_form_content_type(browser):
    """`curl -d '{...}'` sends application/x-www-form-urlencoded: still JSON for the admin API."""
    browser.authorize(state="CU")
    res = browser.session.post(browser.root + "/_emulator/oauth/approve",
                               data='{"state": "CU", "userid": "lina"}',
                               headers={"Content-Type": "application/x-www-form-urlencoded"},
                               timeout=10)
    assert res.status_code == 200 and res.json()["userid"] == "lina"
