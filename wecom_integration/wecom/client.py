# -*- coding: utf-8 -*-
"""WecomClient: the one request path to the WeCom server API (docs/WECOM_API.md §0-§7, §10).

* access token per (corp id, secret fingerprint) through a token store, refreshed once on the
  token errcodes (and on 40001 from calls other than gettoken), then the call retried once;
* transient failures (-1, 45009, 45033, network errors, HTTP 5xx, unreadable answers) retried with
  backoff through an injectable ``sleep``; configuration and permission errors never retried;
* message/send never re-sent after an unclear failure unless WeCom's duplicate check is on;
* errcode -> typed exception (errors.py); tokens, secrets and URLs with their query string are
  never logged nor put into an exception.

Pure Python (requests only): nothing here imports Odoo.
"""
import hashlib
import json as jsonlib
import logging
import re
import threading
import time

import requests

from .errors import (
    RATE_LIMIT_ERRCODES,
    TOKEN_ERRCODES,
    TRANSIENT_ERRCODES,
    WecomError,
    WecomNetworkError,
    WecomValidationError,
    error_for,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "MemoryTokenStore", "WecomClient",
           "token_key_for"]

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin"
DEFAULT_TIMEOUT = 30
USER_AGENT = "wecom_integration (python-requests)"

#: paths whose call must not be repeated after an unclear failure (it may have taken effect),
#: unless the body asks WeCom to drop duplicates (enable_duplicate_check = 1)
NON_IDEMPOTENT_PATHS = frozenset({"message/send", "appchat/send", "linkedcorp/message/send"})

_QUERY_SECRET_RE = re.compile(r"(access_token|corpsecret|secret)=[^&\s'\"<>)]*", re.I)


def token_key_for(corp_id, secret):
    """Token-store key: the corp id and a fingerprint of the secret (never the secret itself)."""
    digest = hashlib.sha256((secret or "").encode("utf-8")).hexdigest()[:16]
    return "%s:%s" % (corp_id, digest)


class MemoryTokenStore(object):
    """In-process, thread-safe access-token cache.

    The Odoo addon provides a PostgreSQL-backed store with the same `get_token` method, so that all
    workers and machines share one token per (corp, secret).
    """

    def __init__(self, clock=time.time, margin=300.0, margin_ratio=0.1):
        self._clock = clock
        self._margin = float(margin)
        self._margin_ratio = float(margin_ratio)
        self._tokens = {}          # key -> (token, refresh_after)
        self._locks = {}           # key -> Lock (one gettoken per key at a time)
        self._guard = threading.Lock()

    def _lock_for(self, key):
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def _usable(self, key):
        entry = self._tokens.get(key)
        if entry and self._clock() < entry[1]:
            return entry[0]
        return None

    def get_token(self, key, fetch, stale_token=None):
        """Return a valid access token for `key`.

        `fetch()` returns (token, expires_in_seconds) by calling gettoken. The cached token is
        reused until shortly before expiry (margin: 5 minutes or 10% of the lifetime, whichever is
        smaller). If `stale_token` equals the cached token it is known bad and a new one is
        fetched; if the cached token differs from `stale_token` (another thread already
        refreshed), the cached one is returned without fetching.
        """
        with self._lock_for(key):
            cached = self._usable(key)
            if cached is not None and (stale_token is None or cached != stale_token):
                return cached
            token, expires_in = fetch()
            try:
                ttl = max(float(expires_in), 0.0)
            except (TypeError, ValueError):
                ttl = 7200.0
            margin = min(self._margin, ttl * self._margin_ratio)
            self._tokens[key] = (token, self._clock() + ttl - margin)
            return token

    def invalidate(self, key):
        with self._lock_for(key):
            self._tokens.pop(key, None)

    def clear(self):
        with self._guard:
            self._tokens.clear()


def _duplicate_check_on(body):
    if not isinstance(body, dict):
        return False
    value = body.get("enable_duplicate_check")
    return value in (1, "1", True)


def _parse_errcode(value):
    """errcode as int; lenient with "0"-style strings of old fixtures. None if unparsable."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _wait(schedule, index):
    if not schedule:
        return 0.0
    return float(schedule[min(index, len(schedule) - 1)])


# (text found in the exception, why in English, in Chinese): the usual causes, said plainly
_NETWORK_REASONS = (
    (("Name or service not known", "nodename nor servname", "getaddrinfo failed", "Temporary failure in name "
      "resolution", "No address associated", "Failed to resolve"),
     "its host name could not be resolved (DNS)", "无法解析其主机名（DNS）"),
    (("Connection refused",), "the connection was refused (nothing answers at that address and port)",
     "连接被拒绝（该地址和端口上没有服务）"),
    (("Network is unreachable", "No route to host"), "this server has no network route to it",
     "本服务器没有到达它的网络路由"),
    (("Connection reset", "Connection aborted", "RemoteDisconnected"), "the connection was closed before an answer",
     "连接在收到响应前被关闭"),
    (("certificate verify failed", "CERTIFICATE_VERIFY_FAILED"), "its TLS certificate could not be verified",
     "无法验证其 TLS 证书"),
)


def network_reason(exc, timeout=None):
    """(English, Chinese) of why a request failed, from a requests exception."""
    if isinstance(exc, requests.exceptions.Timeout):
        seconds = ("%g" % timeout) if isinstance(timeout, (int, float)) else "the allowed"
        return ("no answer within %s seconds" % seconds, "%s 秒内没有响应" % seconds)
    if isinstance(exc, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                        requests.exceptions.InvalidURL)):
        return ("the URL is not valid (it must start with https://)", "URL 无效（须以 https:// 开头）")
    text = str(exc)
    for needles, en, zh in _NETWORK_REASONS:
        if any(needle in text for needle in needles):
            return en, zh
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS connection failed", "TLS 连接失败"
    return "the connection failed", "连接失败"


def _not_sent(exc):
    """True when a requests exception shows the request never left this machine."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        seen = set()
        pending = [exc]
        while pending:
            item = pending.pop()
            if item is None or id(item) in seen:
                continue
            seen.add(id(item))
            if type(item).__name__ in ("NewConnectionError", "NameResolutionError",
                                       "ConnectTimeoutError"):
                return True
            pending.append(getattr(item, "reason", None))
            pending.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
            pending.append(getattr(item, "__cause__", None))
            pending.append(getattr(item, "__context__", None))
    return False


class WecomClient(object):
    """Client of one WeCom app (corp id + secret [+ agent id])."""

    def __init__(self, corp_id, secret, agent_id=None, base_url=DEFAULT_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, token_store=None, session=None, max_retries=3,
                 backoff=(1.0, 2.0, 4.0), rate_limit_backoff=(60.0,), sleep=time.sleep,
                 logger=None):
        if not corp_id or not isinstance(corp_id, str):
            raise WecomValidationError("The WeCom Corp ID is missing.", field="corp_id",
                                       zh="缺少企业微信企业ID（CorpID）。")
        if not secret or not isinstance(secret, str):
            raise WecomValidationError("The WeCom secret is missing.", field="secret",
                                       zh="缺少企业微信 Secret。")
        if agent_id is not None and agent_id != "":
            try:
                agent_id = int(agent_id)
            except (TypeError, ValueError) as error:
                raise WecomValidationError(
                    "The WeCom agent ID must be a number, got %r." % (agent_id,), field="agent_id",
                    zh="AgentId 必须是数字。") from error
        else:
            agent_id = None
        self.corp_id = corp_id.strip()
        self._secret = secret.strip()
        self.agent_id = agent_id
        self.base_url = (base_url or DEFAULT_BASE_URL).strip().rstrip("/")
        self.timeout = timeout
        self.token_store = token_store if token_store is not None else MemoryTokenStore()
        self.session = session if session is not None else requests.Session()
        self.max_retries = max(int(max_retries), 0)
        self.backoff = tuple(backoff or ())
        self.rate_limit_backoff = tuple(rate_limit_backoff or ())
        self.sleep = sleep
        self.logger = logger or _logger
        self.token_key = token_key_for(self.corp_id, self._secret)
        self._last_token = None      # only used to scrub it from error texts
        # callable(errcode, path) -> seconds to wait or None, told of every 45009 / 45033 before
        # its retry (directory.AdaptiveConcurrency)
        self.on_rate_limit = None

    def __repr__(self):
        return "<WecomClient corp_id=%s agent_id=%s key=%s>" % (
            self.corp_id, self.agent_id, self.token_key)

    # ------------------------------------------------------------------ token
    def get_token(self):
        """A valid access token (cached by the token store)."""
        token = self.token_store.get_token(self.token_key, self._fetch_token)
        self._last_token = token
        return token

    def _fetch_token(self):
        data = self._call("GET", "gettoken",
                          {"corpid": self.corp_id, "corpsecret": self._secret}, None, auth=False)
        token = data.get("access_token")
        if not token or not isinstance(token, str):
            raise WecomError("gettoken answered without an access_token", path="gettoken",
                             response=None)
        expires_in = data.get("expires_in", 7200)
        self.logger.info("WeCom: fetched a new access token for %s (expires in %ss)",
                         self.token_key, expires_in)
        return token, expires_in

    # ------------------------------------------------------------------ request path
    def request(self, method, path, params=None, json=None):
        """Call `path` (e.g. "user/list") and return the decoded answer (errcode 0).

        Raises the typed exceptions of errors.py. `params` go into the query string (the access
        token is added there), `json` is the POST body.
        """
        method = (method or "GET").upper()
        path = (path or "").strip().strip("/")
        if not path or "?" in path or "#" in path or "://" in path:
            raise WecomValidationError("Invalid WeCom API path %r: give the path only, e.g. "
                                       "'user/list', without query string." % (path,), field="path")
        if params and "access_token" in params:
            raise WecomValidationError("Do not pass access_token yourself; the client adds it.",
                                       field="params")
        return self._call(method, path, params, json, auth=(path != "gettoken"))

    def _url(self, path):
        return "%s/%s" % (self.base_url, path)

    def _call(self, method, path, params, body, auth):
        body_bytes = None
        if body is not None:
            body_bytes = jsonlib.dumps(body, ensure_ascii=False,
                                       separators=(",", ":")).encode("utf-8")
        resend_unclear = path not in NON_IDEMPOTENT_PATHS or _duplicate_check_on(body)
        url = self._url(path)
        token = None
        token_refreshed = False
        retries = 0
        attempt = 0
        while True:
            attempt += 1
            query = dict(params) if params else {}
            if auth:
                if token is None:
                    token = self.get_token()
                query["access_token"] = token
            self.logger.debug("WeCom %s %s attempt %d", method, path, attempt)
            try:
                data = self._send(method, url, path, query, body_bytes)
            except WecomNetworkError as exc:
                if not exc.transient:
                    self.logger.warning("WeCom %s failed (%s), attempt %d: not retried",
                                        path, exc.errmsg, attempt)
                    raise
                if exc.maybe_delivered and not resend_unclear:
                    self.logger.warning(
                        "WeCom %s failed (%s), attempt %d: may have been delivered; not re-sent "
                        "without enable_duplicate_check", path, exc.errmsg, attempt)
                    raise
                if retries >= self.max_retries:
                    self.logger.warning("WeCom %s failed (%s), attempt %d: giving up after %d "
                                        "retries", path, exc.errmsg, attempt, retries)
                    raise
                wait = _wait(self.backoff, retries)
                retries += 1
                self.logger.warning("WeCom %s failed (%s), attempt %d: retrying in %.1fs",
                                    path, exc.errmsg, attempt, wait)
                self.sleep(wait)
                continue

            errcode = _parse_errcode(data.get("errcode"))
            if errcode is None:
                raise WecomNetworkError("WeCom answered with an unreadable errcode", path=path,
                                        http_status=200, transient=False, maybe_delivered=True)
            if errcode == 0:
                return data
            errmsg = self._scrub(str(data.get("errmsg") or ""), token)
            if auth and not token_refreshed and (errcode in TOKEN_ERRCODES or errcode == 40001):
                self.logger.info("WeCom %s errcode %s, attempt %d: refreshing the access token "
                                 "and retrying once", path, errcode, attempt)
                token = self.token_store.get_token(self.token_key, self._fetch_token,
                                                   stale_token=token)
                self._last_token = token
                token_refreshed = True
                continue
            error = error_for(errcode, errmsg, path, response=self._scrub_response(data, token),
                              http_status=200)
            if errcode in TRANSIENT_ERRCODES and retries < self.max_retries:
                schedule = (self.rate_limit_backoff if errcode in RATE_LIMIT_ERRCODES
                            else self.backoff)
                wait = _wait(schedule, retries)
                listener = self.on_rate_limit
                if listener is not None and errcode in RATE_LIMIT_ERRCODES:
                    # an adaptive caller lowers its concurrency and may choose a shorter wait
                    chosen = listener(errcode, path)
                    if chosen is not None:
                        wait = chosen
                retries += 1
                self.logger.warning("WeCom %s errcode %s, attempt %d: retrying in %.1fs",
                                    path, errcode, attempt, wait)
                self.sleep(wait)
                continue
            self.logger.warning("WeCom %s errcode %s, attempt %d: %s", path, errcode, attempt,
                                "giving up" if errcode in TRANSIENT_ERRCODES else "not retried")
            raise error

    def _send(self, method, url, path, query, body_bytes):
        """One HTTP exchange. Returns the decoded dict or raises WecomNetworkError."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body_bytes is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        # TLS verification is always on: a CA bundle path configured on the session is kept,
        # anything else (including a session.verify = False) becomes True.
        verify = self.session.verify if isinstance(getattr(self.session, "verify", None),
                                                   str) else True
        try:
            resp = self.session.request(method, url, params=query, data=body_bytes,
                                        headers=headers, timeout=self.timeout, verify=verify)
        except requests.exceptions.RequestException as exc:
            raise self._network_error(path, exc) from None
        status = resp.status_code
        if status >= 500:
            raise WecomNetworkError("HTTP %d from WeCom" % status, path=path, http_status=status,
                                    transient=True, maybe_delivered=True)
        try:
            data = jsonlib.loads(resp.content.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            client_side = 400 <= status < 500
            raise WecomNetworkError(
                "WeCom answered HTTP %d with a body that is not a JSON object" % status, path=path,
                http_status=status, transient=not client_side, maybe_delivered=True)
        if status != 200 and "errcode" not in data:
            raise WecomNetworkError("HTTP %d from WeCom" % status, path=path, http_status=status,
                                    transient=not (400 <= status < 500), maybe_delivered=True)
        return data

    def _network_error(self, path, exc):
        """A plain sentence (the URL, without its query, and why), never the exception's text:
        requests' messages are Python object reprs, and they may quote the query's secrets."""
        url = self._url(path)
        en, zh = network_reason(exc, self.timeout)
        errmsg, errmsg_zh = "could not reach %s: %s" % (url, en), "无法访问 %s：%s" % (url, zh)
        if isinstance(exc, requests.exceptions.SSLError):
            return WecomNetworkError(errmsg, path=path, transient=False, maybe_delivered=False,
                                     errmsg_zh=errmsg_zh)
        if isinstance(exc, (requests.exceptions.Timeout, requests.exceptions.ConnectionError,
                            requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.ContentDecodingError)):
            return WecomNetworkError(errmsg, path=path, transient=True,
                                     maybe_delivered=not _not_sent(exc), errmsg_zh=errmsg_zh)
        # invalid URL, missing schema, ...: a configuration problem, nothing was sent
        return WecomNetworkError(errmsg, path=path, transient=False, maybe_delivered=False,
                                 errmsg_zh=errmsg_zh)

    def _scrub(self, text, token=None):
        """Remove the secret, tokens and query-string credentials from a text."""
        if not text:
            return text
        text = _QUERY_SECRET_RE.sub(lambda m: "%s=***" % m.group(1), text)
        for value in (self._secret, token, self._last_token):
            if value and len(value) >= 4:
                text = text.replace(value, "***")
        return text

    def _scrub_response(self, data, token):
        """The decoded answer for an exception, without anything that looks like a credential."""
        cleaned = {}
        for key, value in data.items():
            if key in ("access_token",):
                continue
            if isinstance(value, str):
                value = self._scrub(value, token)
            cleaned[key] = value
        return cleaned

    # ------------------------------------------------------------------ typed API
    @staticmethod
    def _payload(data, *drop):
        return {k: v for k, v in data.items() if k not in ("errcode", "errmsg") + drop}

    def department_list(self, id=None):
        """department/list: the department `id` and its descendants (all visible ones if None)."""
        params = {"id": int(id)} if id is not None else None
        return self.request("GET", "department/list", params=params).get("department") or []

    def department_simplelist(self, id=None):
        """department/simplelist: [{"id", "parentid", "order"}] (allowed for contact-sync tokens)."""
        params = {"id": int(id)} if id is not None else None
        return self.request("GET", "department/simplelist",
                            params=params).get("department_id") or []

    def department_get(self, id):
        return self.request("GET", "department/get", params={"id": int(id)}).get("department") or {}

    def user_get(self, userid):
        if not userid:
            raise WecomValidationError("A userid is required.", field="userid")
        return self._payload(self.request("GET", "user/get", params={"userid": str(userid)}))

    def user_list(self, department_id):
        """user/list of one department only (no fetch_child: callers recurse themselves)."""
        return self.request("GET", "user/list",
                            params={"department_id": int(department_id)}).get("userlist") or []

    def user_list_id(self, limit=10000, max_pages=100000):
        """user/list_id: every (userid, department) pair, following next_cursor to the end."""
        try:
            limit = int(limit)
        except (TypeError, ValueError):
            limit = 0
        if not 1 <= limit <= 10000:
            raise WecomValidationError("user/list_id limit must be between 1 and 10000.",
                                       field="limit")
        rows = []
        cursor = None
        seen = set()
        pages = 0
        while True:
            body = {"limit": limit}
            if cursor:
                body["cursor"] = cursor
            data = self.request("POST", "user/list_id", json=body)
            pages += 1
            rows.extend(data.get("dept_user") or [])
            cursor = data.get("next_cursor")
            if not cursor:
                return rows
            if cursor in seen:
                raise WecomError("WeCom returned the same next_cursor twice; stopping to avoid an "
                                 "endless loop", path="user/list_id")
            if pages >= max_pages:
                raise WecomError("user/list_id did not finish after %d pages" % pages,
                                 path="user/list_id")
            seen.add(cursor)

    def tag_list(self):
        return self.request("GET", "tag/list").get("taglist") or []

    def tag_get(self, tagid):
        data = self.request("GET", "tag/get", params={"tagid": int(tagid)})
        result = self._payload(data)
        result["tagname"] = data.get("tagname") or ""
        result["userlist"] = data.get("userlist") or []
        result["partylist"] = data.get("partylist") or []
        return result

    def message_send(self, payload):
        """message/send. Sets payload["agentid"] when missing; returns the full answer
        (msgid, invaliduser, invalidparty, invalidtag, ...)."""
        if not isinstance(payload, dict):
            raise WecomValidationError("The message payload must be a dict.", field="payload")
        if payload.get("agentid") in (None, ""):
            if self.agent_id is None:
                raise WecomValidationError(
                    "No WeCom agent ID is configured: messages are sent by an app (AgentId).",
                    field="agentid", zh="未配置 AgentId：应用消息需要由应用（AgentId）发送。")
            payload["agentid"] = self.agent_id
        return self.request("POST", "message/send", json=payload)

    def message_recall(self, msgid):
        if not msgid:
            raise WecomValidationError("A msgid is required to recall a message.", field="msgid")
        return self.request("POST", "message/recall", json={"msgid": str(msgid)})

    def message_update_template_card(self, body):
        """message/update_template_card (CARDS_LOGIN §B): ``body`` has response_code, the
        recipients (userids / partyids / tagids, or atall=1) and exactly one of ``button``
        ({"replace_name"}) or ``template_card``; agentid is set when missing. 60140: the code is
        unknown, used or older than 72 hours."""
        if not isinstance(body, dict) or not body.get("response_code"):
            raise WecomValidationError("update_template_card needs a dict with a response_code.",
                                       field="response_code", zh="更新模板卡片需要 response_code。")
        if ("button" in body) == ("template_card" in body):
            raise WecomValidationError("update_template_card takes exactly one of button or template_card.",
                                       field="button", zh="更新模板卡片时 button 与 template_card 必须且只能填一个。")
        if not (body.get("userids") or body.get("partyids") or body.get("tagids") or body.get("atall")):
            raise WecomValidationError("update_template_card needs userids, partyids, tagids or atall=1.",
                                       field="userids", zh="更新模板卡片需要指定 userids、partyids、tagids 或 atall=1。")
        body = dict(body)
        if body.get("agentid") in (None, ""):
            if self.agent_id is None:
                raise WecomValidationError("No WeCom agent ID is configured: cards are updated by their app.",
                                           field="agentid", zh="未配置 AgentId：卡片需要由发送它的应用更新。")
            body["agentid"] = self.agent_id
        return self.request("POST", "message/update_template_card", json=body)

    # ------------------------------------------------------------------ sign-in (CARDS_LOGIN §D-E)
    def auth_getuserinfo(self, code):
        """auth/getuserinfo: the code of an OAuth or web-login redirect -> {"userid"} for a member
        (plus "user_ticket" and "expires_in" for snsapi_privateinfo), {"openid"} for a non-member.
        40029: unknown, used or expired code; 50001: another app's code or an untrusted domain."""
        if not code:
            raise WecomValidationError("An OAuth code is required.", field="code")
        return self._payload(self.request("GET", "auth/getuserinfo", params={"code": str(code)}))

    def auth_getuserdetail(self, user_ticket):
        """auth/getuserdetail: the member's private fields the member consented to (mobile,
        email, avatar, ...); absent or empty when withheld."""
        if not user_ticket:
            raise WecomValidationError("A user_ticket is required.", field="user_ticket")
        return self._payload(self.request("POST", "auth/getuserdetail",
                                          json={"user_ticket": str(user_ticket)}))
