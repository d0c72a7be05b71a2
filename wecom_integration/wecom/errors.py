# -*- coding: utf-8 -*-
"""WeCom error codes and the exception hierarchy of the WeCom API layer.

Every WeCom answer carries an ``errcode`` (HTTP 200 for business errors too, docs/WECOM_API.md §0).
The client turns a non-zero errcode into one of the exceptions below, chosen by `error_for`.
Each exception knows its path, whether retrying may help (`transient`) and a plain-language
explanation in English and Chinese (`explanation`), so that a user sees what happened and what to
do. Exceptions never carry an access token, a secret or a full URL with its query string.

Pure Python: nothing here imports Odoo.
"""
import io
import os
import re
import threading

__all__ = [
    "TRANSIENT_ERRCODES", "TOKEN_ERRCODES", "AUTH_ERRCODES", "PERMISSION_ERRCODES",
    "RATE_LIMIT_ERRCODES",
    "WecomError", "WecomApiError", "WecomAuthError", "WecomPermissionError",
    "WecomRateLimitError", "WecomNetworkError", "WecomValidationError",
    "error_for", "explain", "errcode_title",
]

#: errcodes after which retrying the same call (after a wait) may succeed
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45033})
#: errcodes that mean "the access token is bad: fetch a new one and retry once".
#: 40001 too, when it comes from a call other than gettoken (at gettoken it means a wrong secret).
TOKEN_ERRCODES = frozenset({40014, 42001, 42007, 42009})
RATE_LIMIT_ERRCODES = frozenset({45009, 45033})
AUTH_ERRCODES = frozenset({
    40001,   # invalid secret / credential
    40013,   # invalid corpid
    40014,   # invalid access_token
    40082,   # invalid suite_token
    40091,   # secret invalid (another corp's)
    41001,   # access_token missing
    41002,   # corpid missing
    41004,   # secret missing
    42001,   # access_token expired
    42007,   # pre_auth_code expired
    42009,   # suite_access_token expired
})
PERMISSION_ERRCODES = frozenset({
    48001,   # API feature not authorised
    48002,   # API forbidden for this token (e.g. contact-sync secret sending a message)
    48003, 48004, 48005, 48006, 48007, 48008,
    48009,   # contact-sync secret from a new IP may not read details
    60011,   # outside the app's visible range / no privilege
    60020,   # untrusted caller IP
    60021,   # userid outside the app's visible range
    81011,   # no right to operate on the tag
    301002,  # agentid does not belong to this token's app
})

_ERRMSG_IP = re.compile(r"from ip:\s*(?P<ip>[0-9A-Fa-f:.]+)", re.I)

# --------------------------------------------------------------------------------------------
# Hand-written explanations: what it means, and what to do.
# --------------------------------------------------------------------------------------------
_EXPLANATIONS = {
    -1: (
        "WeCom is busy (system busy). This is temporary: the call is retried automatically with a "
        "short wait (at most 3 times). If it keeps happening, try again a few minutes later.",
        "企业微信系统繁忙，属于临时性错误：系统会自动稍后重试（最多 3 次）。如果持续出现，请几分钟后再试。",
    ),
    40001: (
        "The app secret is wrong: it was mistyped, it belongs to another app, it was reset in the "
        "WeCom admin console, or the app is disabled. Copy the secret again from the admin console "
        "(应用管理 → the app → Secret; or 管理工具 → 通讯录同步 for the contact-sync secret), check that "
        "the app is enabled, and save the settings. Repeated wrong secrets get this server's IP "
        "blocked for 1 hour.",
        "Secret 不正确：可能输错、属于其他应用、已在管理后台重置，或应用已停用。请从企业微信管理后台重新复制 "
        "Secret（应用管理 → 对应应用 → Secret；通讯录同步 Secret 在 管理工具 → 通讯录同步），确认应用已启用后保存设置。"
        "多次使用错误的 Secret 会导致本服务器 IP 被封禁 1 小时。",
    ),
    40003: (
        "Invalid UserID: it must be 1-64 characters of letters, digits, _ . - @, and the member must "
        "exist (members who left or were deleted are invalid). Check the member's account in the "
        "WeCom address book and re-sync the directory.",
        "UserID 不合法：必须为 1-64 个字母、数字或 _ . - @ 字符，且成员必须存在（已离职或已删除的成员无效）。"
        "请在企业微信通讯录中核对该成员账号，并重新同步通讯录。",
    ),
    40013: (
        "The Corp ID is invalid. Copy the Corp ID (企业ID, it starts with 'ww' or 'wx') again from the "
        "WeCom admin console, 我的企业 → 企业信息, and save the settings.",
        "企业ID（CorpID）不合法。请在企业微信管理后台 我的企业 → 企业信息 中重新复制企业ID（以 ww 或 wx 开头）并保存设置。",
    ),
    40014: (
        "The access token is invalid or expired. A new token is fetched and the call retried "
        "automatically; if this error still reaches you, check that the Corp ID and secret belong to "
        "the same app and that no other system resets the secret.",
        "access_token 无效或已过期。系统会自动重新获取 token 并重试一次；如果仍然出现，请确认企业ID和 Secret "
        "属于同一个应用，且没有其他系统重置 Secret。",
    ),
    40056: (
        "The agent ID is invalid: it is not a number or no app with this AgentId exists. Copy the "
        "AgentId from the WeCom admin console (应用管理 → the app) and save the settings.",
        "AgentId 不合法：不是数字，或不存在该应用。请在企业微信管理后台（应用管理 → 对应应用）复制 AgentId 并保存设置。",
    ),
    40058: (
        "WeCom rejected a request parameter: a required field is empty, a value is too long, a list "
        "has too many elements, or a message is recalled by another app. Check the message content "
        "and its limits; this is not fixed by retrying.",
        "请求参数不合法：必填字段为空、内容超长、列表元素过多，或撤回了其他应用发送的消息。请检查消息内容及其长度限制；"
        "重试无法解决此问题。",
    ),
    41001: (
        "The access token is missing from the request. This is a client problem (the token must be "
        "in the URL, never in the body); report it to the administrator.",
        "请求缺少 access_token 参数（token 必须放在 URL 中，不能放在请求包体中）。这是客户端问题，请联系管理员。",
    ),
    42001: (
        "The access token has expired. A new token is fetched and the call retried automatically; "
        "if this error still reaches you, check the server clock and the token cache.",
        "access_token 已过期。系统会自动重新获取 token 并重试一次；如果仍然出现，请检查服务器时间和 token 缓存。",
    ),
    44004: (
        "The message text is empty. Enter some content and send again.",
        "消息内容为空。请填写内容后重新发送。",
    ),
    45002: (
        "The message content is too large for WeCom (text and markdown: at most 2048 bytes in UTF-8; "
        "a Chinese character takes 3 bytes). Shorten the message.",
        "消息内容超过大小限制（文本和 markdown 最多 2048 字节，UTF-8 编码下一个汉字占 3 字节）。请缩短消息内容。",
    ),
    45009: (
        "WeCom's call-frequency limit was exceeded (per minute, per hour or per day; a wrong secret "
        "repeated many times also blocks the IP for an hour). The call is retried after a wait; if it "
        "persists, reduce how often the sync runs, or wait for the limit window to pass.",
        "接口调用频率超过限制（按分钟、小时或天计算；多次使用错误 Secret 也会导致 IP 被封禁 1 小时）。系统会等待后重试；"
        "如果持续出现，请降低同步频率，或等待限制时间窗口结束。",
    ),
    45033: (
        "Too many concurrent calls to this WeCom API from this company. The call is retried after a "
        "short wait; if it persists, lower the number of parallel workers calling WeCom.",
        "该接口的并发调用数超过限制。系统会稍后重试；如果持续出现，请减少同时调用企业微信接口的并发数。",
    ),
    48002: (
        "This token's app may not call this API. For example, the contact-sync (通讯录同步) secret "
        "cannot send messages, and only the contact-sync secret may call user/list_id or write the "
        "address book. Use the right secret for this operation (the app secret for messages), or "
        "grant the API to the app in the admin console.",
        "当前 token 所属应用无权调用此接口。例如通讯录同步 Secret 不能发送应用消息，而 user/list_id 及通讯录写接口只能用"
        "通讯录同步 Secret 调用。请为该操作配置正确的 Secret（发消息请使用应用 Secret），或在管理后台为应用开通相应权限。",
    ),
    48009: (
        "Since 2022-08-15 the contact-sync (通讯录同步) secret may not read member or department "
        "details from a newly added server IP. Enumerate with department/simplelist and "
        "user/list_id (still allowed), and read details with the app secret instead; the sync does "
        "this when both secrets are configured.",
        "自 2022-08-15 起，通讯录同步助手不再允许从新增 IP 读取通讯录详情。请使用 department/simplelist 和 "
        "user/list_id 获取 ID 列表（仍然允许），并改用应用 Secret 读取详情；同时配置两个 Secret 时，同步会自动这样处理。",
    ),
    60011: (
        "The member, department or tag is outside the app's visible range (可见范围), or the app has "
        "no right to it. In the WeCom admin console open 应用管理 → the app → 可见范围 and add the "
        "departments or members concerned.",
        "指定的成员、部门或标签不在应用的可见范围内，或应用没有相应权限。请在企业微信管理后台 应用管理 → 对应应用 → 可见范围 "
        "中添加相关部门或成员。",
    ),
    60020: (
        "WeCom refused this server's IP address. Add this server's public IP to the app's trusted "
        "IPs (企业可信IP) in the WeCom admin console (应用管理 → the app → 企业可信IP; for the "
        "contact-sync secret: 管理工具 → 通讯录同步), then wait about 1 minute and try again.",
        "不安全的访问 IP：企业微信拒绝了本服务器的 IP。请在企业微信管理后台将本服务器的公网 IP 加入应用的企业可信IP"
        "（应用管理 → 对应应用 → 企业可信IP；通讯录同步 Secret 在 管理工具 → 通讯录同步），约 1 分钟后生效，然后重试。",
    ),
    42014: (
        "WeCom refused the card's task_id: it is empty, longer than 128 bytes, has characters other "
        "than letters, digits and _-@, or was already used by this app (a task_id is unique in the "
        "app forever). Send the card with a new task_id.",
        "企业微信拒绝了卡片的 task_id：为空、超过 128 字节、包含数字字母和 _-@ 以外的字符，或已被本应用使用过"
        "（同一应用的任务 id 不能重复）。请使用新的 task_id 发送。",
    ),
    43012: (
        "Cards with buttons need the app's own callback URL: this app has none in WeCom. In the WeCom "
        "admin console open 应用管理 → the app → 接收消息 → 设置API接收 and enter the URL, Token and "
        "EncodingAESKey shown in Odoo's WeCom settings (App callback).",
        "带按钮的卡片需要应用配置接收消息的回调 URL，而该应用在企业微信中尚未配置。请在企业微信管理后台 应用管理 → 对应应用 → "
        "接收消息 → 设置API接收 中填写 Odoo 企业微信设置（应用回调）里显示的 URL、Token 和 EncodingAESKey。",
    ),
    60140: (
        "The card's response_code can no longer be used: it was already used (each code updates a card "
        "once) or is older than 72 hours. The card stays as it is in the members' WeCom.",
        "卡片的 response_code 已不可用：已经使用过（每个 code 只能更新一次卡片），或已超过 72 小时。成员企业微信中的卡片保持不变。",
    ),
    60111: (
        "No such UserID: the member does not exist, has left or was deleted, or is outside the app's "
        "visible range. Check the member in the WeCom address book and re-sync the directory.",
        "UserID 不存在：成员不存在、已离职或已删除，或不在应用可见范围内。请在企业微信通讯录中核对该成员，并重新同步通讯录。",
    ),
    81013: (
        "None of the recipients could receive the message: every user, department and tag is "
        "invalid or outside the app's visible range. Check the recipients, re-sync the directory, "
        "and check the app's visible range (可见范围).",
        "所有接收人（成员、部门、标签）均无效或不在应用可见范围内，消息未发送。请检查接收人、重新同步通讯录，并检查应用的可见范围。",
    ),
    82001: (
        "The message has no recipients: touser, toparty and totag are all empty. Choose at least one "
        "user, department or tag.",
        "未指定接收人：touser、toparty、totag 均为空。请至少选择一个成员、部门或标签。",
    ),
    301002: (
        "The agent ID does not belong to the app whose secret is configured. Make sure the AgentId "
        "and the secret are from the same app (应用管理 → the app).",
        "AgentId 与所配置 Secret 所属的应用不一致。请确认 AgentId 和 Secret 来自同一个应用（应用管理 → 对应应用）。",
    ),
    # --- further common codes -------------------------------------------------------------
    40008: (
        "Invalid message type. Use one of the supported types (text, textcard, markdown, news, ...).",
        "消息类型（msgtype）不合法。请使用支持的消息类型（text、textcard、markdown、news 等）。",
    ),
    40031: (
        "None of the given user IDs is valid or visible to the app. Check the members and the app's "
        "visible range.",
        "UserID 列表不合法：指定的成员均不存在或不在应用可见范围内。请检查成员及应用可见范围。",
    ),
    40032: (
        "Too many users in one call (message/send allows at most 1000). Send in batches of 1000.",
        "UserID 列表长度不合法（发送消息最多指定 1000 人）。请按每批 1000 人分批发送。",
    ),
    40035: (
        "Invalid parameter (for example all recipient lists empty, or too many users or "
        "departments). Check the request.",
        "参数不合法（例如接收人列表全部为空，或成员、部门数量超过上限）。请检查请求参数。",
    ),
    40066: (
        "Invalid department list: it is empty or some department does not exist. Re-sync the "
        "departments and check the IDs.",
        "部门列表不合法：为空或包含不存在的部门。请重新同步部门并检查部门 ID。",
    ),
    40068: (
        "Invalid tag ID: the tag does not exist. Re-sync the tags.",
        "标签 ID 不合法：标签不存在。请重新同步标签。",
    ),
    40091: (
        "The secret is invalid (it probably belongs to another company). Check that the Corp ID and "
        "the secret come from the same WeCom company.",
        "Secret 不合法（可能属于其他企业）。请确认企业ID和 Secret 来自同一个企业微信企业。",
    ),
    41002: (
        "The Corp ID is missing. Enter the Corp ID (企业ID) in the WeCom settings.",
        "缺少企业ID（corpid）。请在企业微信设置中填写企业ID。",
    ),
    41004: (
        "The secret is missing. Enter the app secret in the WeCom settings.",
        "缺少 Secret。请在企业微信设置中填写应用 Secret。",
    ),
    41011: (
        "The agent ID is missing. Enter the app's AgentId in the WeCom settings.",
        "缺少 AgentId。请在企业微信设置中填写应用的 AgentId。",
    ),
    42009: (
        "The suite access token has expired; a new token is fetched and the call retried once.",
        "suite_access_token 已过期；系统会重新获取 token 并重试一次。",
    ),
    48001: (
        "This API is not authorised for the app. Grant the permission in the WeCom admin console, "
        "or use the secret of an app that has it.",
        "该应用未获授权调用此 API。请在企业微信管理后台开通相应权限，或使用具备该权限的应用 Secret。",
    ),
    60003: (
        "The department does not exist (it may have been deleted in WeCom). Re-sync the departments.",
        "部门 ID 不存在（可能已在企业微信中删除）。请重新同步部门。",
    ),
    60021: (
        "The member is outside the app's visible range (可见范围). Add the member or their "
        "department to the app's visible range in the admin console.",
        "该成员不在应用可见范围内。请在管理后台将该成员或其所在部门加入应用的可见范围。",
    ),
    60123: (
        "Invalid department ID. Re-sync the departments and check the ID.",
        "部门 ID 无效。请重新同步部门并检查部门 ID。",
    ),
    81011: (
        "The app may not modify this tag: apps can only change tags they created.",
        "无权限操作该标签：应用只能修改自己创建的标签。",
    ),
    82002: (
        "Too many departments in one message (at most 100). Send in batches of 100.",
        "部门列表长度不合法（单条消息最多 100 个部门）。请按每批 100 个分批发送。",
    ),
    82003: (
        "Too many tags in one message (at most 100). Send in batches of 100.",
        "标签列表长度不合法（单条消息最多 100 个标签）。请按每批 100 个分批发送。",
    ),
}

_GENERIC_EN = (
    "Check the request and the app's configuration and permissions in the WeCom admin console; "
    "details: https://open.work.weixin.qq.com/devtool/query?e={code}"
)
_GENERIC_ZH = (
    "请检查请求参数，以及企业微信管理后台中应用的配置与权限；详情可查询："
    "https://open.work.weixin.qq.com/devtool/query?e={code}"
)

# --------------------------------------------------------------------------------------------
# errcode titles from the official global error-code page, shipped as errcodes.tsv
# --------------------------------------------------------------------------------------------
_TITLES = None
_TITLES_LOCK = threading.Lock()
_TITLES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "errcodes.tsv")


def _load_titles():
    titles = {}
    try:
        with io.open(_TITLES_FILE, encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                code, _sep, title = line.partition("\t")
                try:
                    titles[int(code.strip())] = title.strip()
                except ValueError:
                    continue
    except (IOError, OSError):
        # the package must stay importable and usable without its data file
        return {}
    return titles


def language_of(locale):
    """The language ``WecomError.describe`` speaks for a locale: "zh" for zh_CN, zh_TW ..., else "en"."""
    return "zh" if (locale or "").startswith("zh") else "en"


def errcode_title(errcode):
    """Chinese title of a WeCom errcode from the official list, or None."""
    global _TITLES
    if _TITLES is None:
        with _TITLES_LOCK:
            if _TITLES is None:
                _TITLES = _load_titles()
    try:
        return _TITLES.get(int(errcode))
    except (TypeError, ValueError):
        return None


def explain(errcode):
    """Plain-language explanation of a WeCom errcode: {"en": ..., "zh": ...}.

    Hand-written for the common codes; for the others the official Chinese title plus generic
    advice; for unknown codes generic advice only.
    """
    try:
        code = int(errcode)
    except (TypeError, ValueError):
        code = None
    if code in _EXPLANATIONS:
        en, zh = _EXPLANATIONS[code]
        return {"en": en, "zh": zh}
    if code is None:
        return {
            "en": "WeCom gave no usable answer. Check the network connection to WeCom and try again later.",
            "zh": "企业微信未返回有效结果。请检查与企业微信的网络连接，稍后重试。",
        }
    title = errcode_title(code)
    if title:
        return {
            "en": "WeCom error %d (%s). %s" % (code, title, _GENERIC_EN.format(code=code)),
            "zh": "企业微信错误 %d：%s。%s" % (code, title, _GENERIC_ZH.format(code=code)),
        }
    return {
        "en": "Unknown WeCom error %d. %s" % (code, _GENERIC_EN.format(code=code)),
        "zh": "未知的企业微信错误 %d。%s" % (code, _GENERIC_ZH.format(code=code)),
    }


def short_errmsg(errmsg):
    """errmsg without WeCom's ', hint: [...], from ip: ..., more info at ...' tail."""
    text = errmsg or ""
    for marker in (", hint:", " hint:", ", from ip:", ", more info at"):
        idx = text.find(marker)
        if idx != -1:
            text = text[:idx]
    return text.strip().rstrip(",.").strip()


def caller_ip(errmsg):
    """The 'from ip: x.x.x.x' part of a WeCom errmsg (the IP WeCom saw), or None."""
    match = _ERRMSG_IP.search(errmsg or "")
    return match.group("ip") if match else None


# --------------------------------------------------------------------------------------------
# exceptions
# --------------------------------------------------------------------------------------------
class WecomError(Exception):
    """Base of every error raised by the WeCom layer.

    Attributes: errcode (int or None), errmsg (str), path (API path without query, e.g.
    "user/list"), response (decoded body or None), http_status (int or None).
    """

    def __init__(self, errmsg="", errcode=None, path="", response=None, http_status=None):
        self.errcode = errcode
        self.errmsg = errmsg or ""
        self.path = path or ""
        self.response = response
        self.http_status = http_status
        super(WecomError, self).__init__(self.errmsg)

    @property
    def transient(self):
        """True when retrying the same call later may succeed."""
        return self.errcode in TRANSIENT_ERRCODES

    @property
    def explanation(self):
        return explain(self.errcode)

    def describe(self, lang="en"):
        """The full message in `lang` ("en" or "zh"): code, path, WeCom's message and what to do."""
        if lang == "zh":
            return self._format_zh()
        return str(self)

    def _where(self):
        return (" on %s" % self.path) if self.path else ""

    def __str__(self):
        return "WeCom error%s: %s" % (self._where(), self.errmsg)

    def _format_zh(self):
        return "企业微信错误%s：%s" % ((" (%s)" % self.path) if self.path else "", self.errmsg)

    def __repr__(self):
        return "%s(errcode=%r, path=%r, errmsg=%r)" % (
            type(self).__name__, self.errcode, self.path, self.errmsg)


class WecomApiError(WecomError):
    """WeCom answered with errcode != 0."""

    def __init__(self, errcode, errmsg="", path="", response=None, http_status=200):
        super(WecomApiError, self).__init__(
            errmsg=errmsg, errcode=errcode, path=path, response=response, http_status=http_status)

    def _message_parts(self):
        msg = short_errmsg(self.errmsg) or (errcode_title(self.errcode) or "")
        ip = caller_ip(self.errmsg)
        if ip:
            msg = "%s (from ip: %s)" % (msg, ip)
        return msg

    def __str__(self):
        return "WeCom API error [%s]%s: %s. %s" % (
            self.errcode, self._where(), self._message_parts(), self.explanation["en"])

    def _format_zh(self):
        return "企业微信接口错误 [%s]%s：%s。%s" % (
            self.errcode, (" (%s)" % self.path) if self.path else "", self._message_parts(),
            self.explanation["zh"])


class WecomAuthError(WecomApiError):
    """Credentials or token problem (wrong corp id or secret, token invalid after a refresh, ...)."""


class WecomPermissionError(WecomApiError):
    """The app may not do this (untrusted IP, API not allowed for the token, visible range, ...)."""


class WecomRateLimitError(WecomApiError):
    """Frequency (45009) or concurrency (45033) limit."""


class WecomNetworkError(WecomError):
    """No usable answer: connection error, timeout, HTTP 5xx, body not JSON.

    `maybe_delivered` is True when the request may have reached WeCom (read timeout, connection
    dropped after sending, HTTP 5xx, unreadable answer): a message/send may have been delivered.
    """

    def __init__(self, errmsg="", path="", http_status=None, response=None, transient=True,
                 maybe_delivered=True, errmsg_zh=None):
        super(WecomNetworkError, self).__init__(
            errmsg=errmsg, errcode=None, path=path, response=response, http_status=http_status)
        self._transient = transient
        self.maybe_delivered = maybe_delivered
        self.errmsg_zh = errmsg_zh or errmsg

    @property
    def transient(self):
        return self._transient

    @property
    def explanation(self):
        if self.http_status and 400 <= self.http_status < 500:
            return {
                "en": "The WeCom server answered HTTP %s. Check the WeCom base URL in the settings."
                      % self.http_status,
                "zh": "企业微信服务器返回 HTTP %s。请检查设置中的企业微信接口地址。" % self.http_status,
            }
        return {
            "en": "WeCom could not be reached or gave no usable answer. This is usually temporary: "
                  "try again later, and check this server's network connection and proxy settings "
                  "towards qyapi.weixin.qq.com.",
            "zh": "无法连接企业微信或未收到有效响应，通常是临时问题：请稍后重试，并检查本服务器到 "
                  "qyapi.weixin.qq.com 的网络连接和代理设置。",
        }

    def __str__(self):
        return "WeCom network error%s: %s. %s" % (
            self._where(), self.errmsg.rstrip("."), self.explanation["en"])

    def _format_zh(self):
        return "企业微信网络错误%s：%s。%s" % (
            (" (%s)" % self.path) if self.path else "", self.errmsg_zh.rstrip("."),
            self.explanation["zh"])


class WecomValidationError(WecomError, ValueError):
    """Rejected locally before anything was sent; `field` names the offending field."""

    def __init__(self, message, field=None, zh=None):
        super(WecomValidationError, self).__init__(errmsg=message, errcode=None, path="")
        self.field = field
        self.message_zh = zh

    @property
    def transient(self):
        return False

    @property
    def explanation(self):
        return {"en": self.errmsg, "zh": self.message_zh or self.errmsg}

    def __str__(self):
        return self.errmsg

    def _format_zh(self):
        return self.message_zh or self.errmsg


def error_for(errcode, errmsg, path, response=None, http_status=200):
    """The right WecomApiError subclass for a non-zero errcode."""
    try:
        code = int(errcode)
    except (TypeError, ValueError):
        code = errcode
    if code in RATE_LIMIT_ERRCODES:
        cls = WecomRateLimitError
    elif code in AUTH_ERRCODES:
        cls = WecomAuthError
    elif code in PERMISSION_ERRCODES:
        cls = WecomPermissionError
    else:
        cls = WecomApiError
    return cls(code, errmsg or "", path=path, response=response, http_status=http_status)
