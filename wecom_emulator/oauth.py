# -*- coding: utf-8 -*-
"""OAuth2 inside WeCom (WECOM_API_CARDS_LOGIN §D) and web login (§E): the trusted-domain rule,
pending authorizations, codes, user_tickets and consents, and the code exchange endpoints
auth/getuserinfo, auth/getuserdetail and the legacy user/getuserinfo.

A pending authorization is created when the authorize page (/connect/oauth2/authorize) or the
login page (/wwlogin/sso/login) is opened with valid parameters; approve() (the member picked on
that page, or POST /_emulator/oauth/approve) finds it by its id or by its state (the latest one
opened with that state), issues a code and returns the URL the browser is sent to. A pending
authorization is used once; one that failed (a member outside the visible range) stays.

Emulator choices where the doc is silent: only active members (status 1) can authorize (a
disabled or not-yet-activated member cannot log in to WeCom); a code bound to one app (agentid)
exchanged with another app's token gives 50001; a failed exchange does not use up the code;
refusing the privateinfo consent still redirects with a code, whose user_ticket then reads like
a member who did not consent (§D.5); a consent is remembered 30 days (§D.2), a refusal is not.
"""
import hashlib
import re
import secrets
import urllib.parse

from .errors import ApiError

CODE_TTL = 300            # "5分钟未被使用自动过期" (§D.2)
TICKET_TTL = 1800         # user_ticket (§D.4)
CONSENT_TTL = 30 * 86400  # the consent page is skipped for 30 days (§D.2)
SCOPES = ("snsapi_base", "snsapi_privateinfo", "snsapi_userinfo")
PRIVATE_SCOPES = ("snsapi_privateinfo", "snsapi_userinfo")
STATE_RE = re.compile(r"^[A-Za-z0-9]*$")
STATE_MAX = 128
# The sensitive fields of auth/getuserdetail, in the doc example's order (§D.5).
DETAIL_FIELDS = ("gender", "avatar", "qr_code", "mobile", "email", "biz_mail", "address")
DEFAULT_AVATAR = "https://wework.qpic.cn/wwpic/default_avatar/0"   # emulator stand-in
DOMAIN_RE = re.compile(r"^[a-z0-9.-]+(:([0-9]{1,5}|\*))?$")
# Options for what the doc marks [UNCERTAIN]:
PRIVATEINFO_WITHOUT_AGENTID = ("error", "base")   # current doc: error; older text: as base
UNCONSENTED = ("absent", "empty")                 # fields getuserdetail leaves out: absent or ""
DOMAIN_ERRORS = ("uriconfirm", "page")            # what an untrusted redirect_uri shows


class OAuthError(Exception):
    """What the member's browser shows instead of redirecting (or the admin API's 4xx).
    kind: "param_err", "domain_err", "invalid_agentid", "not_visible", "no_permission",
    "member", "not_found"."""

    STATUS = {"not_found": 404, "not_visible": 403, "no_permission": 403, "member": 403}

    def __init__(self, kind, message, uri=None):
        Exception.__init__(self, message)
        self.kind = kind
        self.message = message
        self.uri = uri
        self.status = self.STATUS.get(kind, 400)


class NeedConsent(Exception):
    """The privateinfo consent page must be shown first (browser flow)."""

    def __init__(self, pending, user):
        Exception.__init__(self, "consent needed")
        self.pending = pending
        self.user = user


def check_domain(value):
    """A trusted-domain entry: "host", "host:port" or (emulator only) "host:*" for any port."""
    if not isinstance(value, str) or not DOMAIN_RE.match(value.strip().lower()):
        raise ValueError("a trusted domain is host, host:port or host:* (no scheme, no path), "
                         "got %r" % (value,))
    return value.strip().lower()


def redirect_host(url):
    """"host[:port]" of an absolute http(s) URL, or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except (ValueError, TypeError, AttributeError):
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower() + (":%d" % port if port else "")


def domain_trusted(domains, host):
    """Exact host and port (§D.3): "a.com" does not cover "a.com:8080" nor "b.a.com"; the
    scheme and path do not matter. "host:*" (emulator default for 127.0.0.1 and localhost)
    covers the host on any port."""
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    for entry in domains:
        if entry == host or (entry.endswith(":*") and entry[:-2] == name):
            return True
    return False


def with_code(redirect_uri, code, state):
    """redirect_uri?code=..&state=.. (& if it has a query), before any #fragment (§D.2)."""
    base, sep, fragment = redirect_uri.partition("#")
    joiner = "" if base.endswith(("?", "&")) else "&" if "?" in base else "?"
    query = urllib.parse.urlencode([("code", code), ("state", state)])
    return base + joiner + query + (sep + fragment if sep else "")


class OAuth(object):
    def __init__(self, emulator, privateinfo_without_agentid="error", strict_state=True,
                 weblogin_visible_only=False, unconsented_fields="absent",
                 domain_error="uriconfirm"):
        for value, allowed, name in (
                (privateinfo_without_agentid, PRIVATEINFO_WITHOUT_AGENTID,
                 "privateinfo_without_agentid"),
                (unconsented_fields, UNCONSENTED, "unconsented_fields"),
                (domain_error, DOMAIN_ERRORS, "domain_error")):
            if value not in allowed:
                raise ValueError("%s must be one of %s" % (name, ", ".join(allowed)))
        self.emu = emulator
        self.privateinfo_without_agentid = privateinfo_without_agentid
        self.strict_state = strict_state            # state: [a-zA-Z0-9], <= 128 bytes (§D.1)
        self.weblogin_visible_only = weblogin_visible_only   # old doc's "无权限" on scan (§E)
        self.unconsented_fields = unconsented_fields
        self.domain_error = domain_error
        self.reset()

    def reset(self):
        self.pending = {}    # id -> pending authorization (insertion order = opening order)
        self.codes = {}      # code -> entry
        self.tickets = {}    # user_ticket -> entry
        self.consents = {}   # (agentid, userid lower) -> time of consent

    @property
    def now(self):
        return self.emu.clock()

    # ------------------------------------------------------------------ opening the pages
    def _app(self, raw, required):
        if raw in (None, ""):
            if required:
                raise OAuthError("param_err", u"agentid参数错误: agentid missing")
            return None
        try:
            app = self.emu.corp.apps.get(int(raw))
        except (TypeError, ValueError):
            app = None
        if app is None or not app.enabled:
            raise OAuthError("invalid_agentid", u"invalid agentid: 应用不存在或已停用 (%s)" % raw)
        return app

    def _redirect(self, args, apps):
        uri = args.get("redirect_uri") or ""
        host = redirect_host(uri)
        if host is None:
            raise OAuthError("param_err", u"redirect_uri参数错误", uri)
        if not any(domain_trusted(app.trusted_domains, host) for app in apps):
            raise OAuthError("domain_err", u"redirect_uri需使用应用可信域名", uri)
        return uri, host

    def _open(self, kind, app, scope, state, uri, host):
        pending = {"id": secrets.token_urlsafe(12), "kind": kind, "agentid":
                   app.agent_id if app else None, "scope": scope, "state": state,
                   "redirect_uri": uri, "redirect_host": host, "opened_at": self.now}
        with self.emu.lock:
            self.pending[pending["id"]] = pending
        return dict(pending)

    def open_authorize(self, args):
        """/connect/oauth2/authorize (§D.1): a pending authorization, or OAuthError."""
        if args.get("appid") != self.emu.corp_id:
            raise OAuthError("param_err", u"appid参数错误")
        if args.get("response_type") != "code":
            raise OAuthError("param_err", u"response_type参数错误: must be code")
        scope = args.get("scope")
        if scope not in SCOPES:
            raise OAuthError("param_err", u"scope参数错误: snsapi_base or snsapi_privateinfo")
        state = args.get("state") or ""
        if self.strict_state and (len(state.encode("utf-8")) > STATE_MAX
                                  or not STATE_RE.match(state)):
            raise OAuthError("param_err", u"state参数错误: a-zA-Z0-9, at most 128 bytes")
        app = self._app(args.get("agentid"), required=False)
        if app is None and scope in PRIVATE_SCOPES:
            if self.privateinfo_without_agentid == "error":
                raise OAuthError("param_err", u"snsapi_privateinfo时agentid必填")
            scope = "snsapi_base"
        uri, host = self._redirect(args, [app] if app else list(self.emu.corp.apps.values()))
        return self._open("oauth", app, scope, state, uri, host)

    def open_weblogin(self, args):
        """/wwlogin/sso/login (§E.1): a pending authorization, or OAuthError."""
        if (args.get("login_type") or "CorpApp") != "CorpApp":
            raise OAuthError("param_err", u"该链接无法访问: only login_type=CorpApp is emulated")
        if args.get("appid") != self.emu.corp_id:
            raise OAuthError("param_err", u"该链接无法访问: appid参数错误")
        app = self._app(args.get("agentid"), required=True)
        uri, host = self._redirect(args, [app])
        return self._open("weblogin", app, None, args.get("state") or "", uri, host)

    # ------------------------------------------------------------------ the member decides
    def find_pending(self, pending_id=None, state=None):
        if pending_id:
            found = self.pending.get(pending_id)
        else:
            found = next((p for p in reversed(list(self.pending.values()))
                          if state is not None and p["state"] == state), None)
        if found is None:
            raise OAuthError("not_found", "no pending authorization with %s %r" % (
                ("id", pending_id) if pending_id else ("state", state)))
        return found

    def consent_remembered(self, agent_id, userid):
        at = self.consents.get((agent_id, userid.lower()))
        return at is not None and self.now - at < CONSENT_TTL

    def approve(self, pending_id=None, state=None, userid=None, openid=None, consent=None,
                ask=False):
        """The member (userid) or a non-member (openid) confirms. Returns {"redirect_url",
        "code", "state", "kind", "userid" | "openid"}. consent (privateinfo): None = the choice
        remembered from the last 30 days, else ask (NeedConsent) when ask=True, else True."""
        emu = self.emu
        with emu.lock:
            pending = self.find_pending(pending_id, state)
            app = emu.corp.apps.get(pending["agentid"]) if pending["agentid"] else None
            private = pending["scope"] in PRIVATE_SCOPES
            entry = {"kind": pending["kind"], "agentid": pending["agentid"],
                     "scope": pending["scope"], "redirect_host": pending["redirect_host"],
                     "state": pending["state"], "userid": None, "openid": None,
                     "consent": None}
            if userid:
                user = emu.directory.get_user(userid)
                if user is None:
                    raise OAuthError("member", "no member %r in the corp" % userid)
                if user["status"] != 1:
                    raise OAuthError("member", u"%s: %s" % (user["userid"], {
                        2: u"该成员已被禁用", 4: u"该成员尚未激活企业微信"}.get(
                            user["status"], u"该成员无法登录")))
                visible = app is not None and app.scope(emu.directory).user_visible(user)
                if private and not visible:
                    raise OAuthError("not_visible", u"成员不在应用可见范围内")
                if pending["kind"] == "weblogin" and self.weblogin_visible_only and not visible:
                    raise OAuthError("no_permission", u"无权限: 成员不在应用可见范围内")
                entry["userid"] = user["userid"]
                if private and pending["scope"] == "snsapi_privateinfo":
                    # A remembered consent counts from the manual one: reusing it does not
                    # extend the 30 days.
                    if consent is None and self.consent_remembered(app.agent_id, user["userid"]):
                        consent = "remembered"
                    if consent is None and ask:
                        raise NeedConsent(dict(pending), user)
                    if consent is None or consent is True:
                        self.consents[(app.agent_id, user["userid"].lower())] = self.now
                    consent = consent is None or bool(consent)
                elif private:
                    consent = True   # snsapi_userinfo: like privateinfo, no page (§D.1)
                entry["consent"] = consent if private else None
            elif openid:
                entry["openid"] = openid
            else:
                raise OAuthError("param_err", "approve needs a userid (member) or an openid")
            code = secrets.token_urlsafe(48)
            entry.update(code=code, issued_at=self.now, used_at=None)
            self.codes[code] = entry
            del self.pending[pending["id"]]
        out = {"redirect_url": with_code(pending["redirect_uri"], code, pending["state"]),
               "code": code, "state": pending["state"], "kind": pending["kind"]}
        out["userid" if entry["userid"] else "openid"] = entry["userid"] or entry["openid"]
        return out

    @staticmethod
    def openid_for(seed):
        """A stable fake openid for a non-member (a WeChat user opening the link)."""
        return "oEmu" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:24]

    # ------------------------------------------------------------------ code exchange
    def live_code(self, code):
        entry = self.codes.get(code or "")
        return entry is not None and entry["used_at"] is None \
            and self.now - entry["issued_at"] < CODE_TTL

    def getuserinfo(self, call, legacy=False):
        """auth/getuserinfo (§D.4, §E.4); legacy=True: user/getuserinfo's capitalised keys."""
        caller = call.caller
        if caller.is_contact_sync:
            raise ApiError(50001, "redirect_uri unauthorized: the contact sync secret may only "
                                  "sync contacts, not consume codes")
        code = call.args.get("code")
        if not code:
            raise ApiError(41008, "missing code")
        if not self.live_code(code):
            raise ApiError(40029, "invalid code: a code is used once, within 5 minutes")
        entry = self.codes[code]
        if entry["agentid"] is not None and entry["agentid"] != caller.agent_id:
            raise ApiError(50001, "redirect_uri unauthorized: the code was issued for agentid %s"
                           % entry["agentid"])
        if not domain_trusted(caller.trusted_domains, entry["redirect_host"]):
            raise ApiError(50001, "redirect_uri unauthorized: %s is not a trusted domain of "
                                  "this app" % entry["redirect_host"])
        entry["used_at"] = self.now
        if entry["openid"]:
            return {"OpenId": entry["openid"], "DeviceId": ""} if legacy else \
                {"openid": entry["openid"]}
        out = {"UserId": entry["userid"], "DeviceId": ""} if legacy else {"userid": entry["userid"]}
        user = self.emu.directory.get_user(entry["userid"])
        if (entry["kind"] == "oauth" and entry["scope"] in PRIVATE_SCOPES and user is not None
                and caller.scope(self.emu.directory).user_visible(user)):
            ticket = secrets.token_urlsafe(64)
            self.tickets[ticket] = {"agentid": caller.agent_id, "userid": entry["userid"],
                                    "consent": entry["consent"], "issued_at": self.now}
            out["user_ticket"] = ticket
            out["expires_in"] = TICKET_TTL   # [UNCERTAIN] absent from the internal example
        return out

    def getuserdetail(self, call):
        """auth/getuserdetail (§D.5): the sensitive fields only with consent, and only those
        the admin enabled for the app (App.oauth_fields)."""
        caller = call.caller
        if caller.is_contact_sync:
            raise ApiError(48002, "api forbidden: auth/getuserdetail needs an app token")
        ticket = call.json().get("user_ticket")
        if not ticket:
            raise ApiError(84090, "user_ticket missing")
        entry = self.tickets.get(ticket) if isinstance(ticket, str) else None
        if entry is None or entry["agentid"] != caller.agent_id:
            raise ApiError(84015, "invalid user_ticket")
        if self.now - entry["issued_at"] >= TICKET_TTL:
            raise ApiError(84014, "user_ticket expired")
        user = self.emu.directory.get_user(entry["userid"])
        if user is None:
            raise ApiError(60111, "userid not found")
        if not caller.scope(self.emu.directory).user_visible(user):
            raise ApiError(60011)
        out = {"userid": user["userid"]}
        for field in DETAIL_FIELDS:
            if entry["consent"] and field in caller.oauth_fields:
                out[field] = user.get(field, "")
            elif field == "gender":
                out[field] = "0"
            elif field == "avatar":
                out[field] = DEFAULT_AVATAR
            elif self.unconsented_fields == "empty":
                out[field] = ""
        return out

    # ------------------------------------------------------------------ reads
    def describe(self):
        now = self.now

        def code_view(e):
            return dict(e, status="used" if e["used_at"] is not None else
                        "expired" if now - e["issued_at"] >= CODE_TTL else "live")

        return {"pending": list(self.pending.values()),
                "codes": [code_view(e) for e in self.codes.values()],
                "user_tickets": [dict(e, user_ticket=t, expired=now - e["issued_at"] >= TICKET_TTL)
                                 for t, e in self.tickets.items()],
                "consents": [{"agentid": a, "userid": u, "at": at}
                             for (a, u), at in self.consents.items()]}
