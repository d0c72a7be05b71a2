# -*- coding: utf-8 -*-
"""Application-message payloads: building, validation, recipient chunking (docs/WECOM_API.md §7).

Everything here runs before anything is sent: a bad message raises WecomValidationError with the
offending `field` and a clear English message (Chinese in `.message_zh`), and nothing reaches
WeCom. WeCom silently truncates over-long text, so over-long content is rejected here instead.

Pure Python: nothing here imports Odoo.
"""
import math
import re

from .cards import validate_card
from .errors import WecomValidationError

__all__ = [
    "MESSAGE_TYPES", "MAX_USERS", "MAX_PARTIES", "MAX_TAGS", "LIMITS",
    "utf8_len", "build_payload", "split_recipients", "byte_report", "normalize_recipients",
]

MESSAGE_TYPES = ("text", "textcard", "markdown", "news", "image", "voice", "file", "video", "template_card")
MAX_USERS, MAX_PARTIES, MAX_TAGS = 1000, 100, 100
MAX_ARTICLES = 8
MAX_DUPLICATE_CHECK_INTERVAL = 14400

#: (unit, limit) per field; "bytes" are UTF-8 bytes
LIMITS = {
    "text.content": ("bytes", 2048),
    "markdown.content": ("bytes", 2048),
    "textcard.title": ("bytes", 128),
    "textcard.description": ("bytes", 512),
    "textcard.url": ("bytes", 2048),
    "textcard.btntxt": ("characters", 4),
    "news.title": ("bytes", 128),
    "news.description": ("bytes", 512),
    "news.url": ("bytes", 2048),
    "news.picurl": ("bytes", 2048),
    "video.title": ("bytes", 128),
    "video.description": ("bytes", 512),
}

_USERID_RE = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
_URL_RE = re.compile(r"^https?://\S+$", re.I)
_SAFE_TYPES = ("text", "image", "voice", "video", "file")
_MEDIA_TYPES = ("image", "voice", "file", "video")
_ARTICLE_KEYS = ("title", "description", "url", "picurl", "appid", "pagepath")


def utf8_len(s):
    """Length of `s` in UTF-8 bytes (a Chinese character counts 3). None counts 0."""
    if s is None:
        return 0
    if isinstance(s, bytes):
        return len(s)
    return len(str(s).encode("utf-8"))


def _fail(field, en, zh=None):
    raise WecomValidationError(en, field=field, zh=zh)


def _check_text(field, value, required, label, label_zh):
    if value is None or value == "":
        if required:
            _fail(field, "%s is required." % label, "%s不能为空。" % label_zh)
        return None
    if not isinstance(value, str):
        _fail(field, "%s must be text, got %s." % (label, type(value).__name__),
              "%s必须是文本。" % label_zh)
    if required and not value.strip():
        _fail(field, "%s is empty." % label, "%s不能为空。" % label_zh)
    return value


def _check_bytes(field, value, limit, label, label_zh):
    size = utf8_len(value)
    if size > limit:
        _fail(field,
              "%s is %d bytes in UTF-8; WeCom allows at most %d bytes (a Chinese character takes "
              "3 bytes). Shorten it by %d bytes." % (label, size, limit, size - limit),
              "%s为 %d 字节（UTF-8），企业微信最多允许 %d 字节（一个汉字占 3 字节），请缩短 %d 字节。"
              % (label_zh, size, limit, size - limit))


def _check_url(field, value, limit, label, label_zh, required=True):
    value = _check_text(field, value, required, label, label_zh)
    if value is None:
        return None
    value = value.strip()
    if not _URL_RE.match(value):
        _fail(field, "%s must be a full link starting with http:// or https:// and without spaces, "
                     "got %r." % (label, value[:80]),
              "%s必须是以 http:// 或 https:// 开头且不含空格的完整链接。" % label_zh)
    _check_bytes(field, value, limit, label, label_zh)
    return value


# ----------------------------------------------------------------------------- recipients
def _as_items(value):
    if value is None:
        return []
    if isinstance(value, bool):
        return [value]
    if isinstance(value, str):
        return value.split("|")
    if isinstance(value, int):
        return [value]
    return list(value)


def _users(value, allow_all=False):
    result, seen = [], set()
    for item in _as_items(value):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            _fail("touser", "User IDs must be text, got %r." % (item,), "成员 UserID 必须是文本。")
        userid = str(item).strip()
        if not userid:
            continue
        if userid.lower() == "@all":
            if allow_all:
                return ["@all"]
            _fail("touser",
                  'touser contains "@all". Sending to everyone in the app\'s visible range must be '
                  "asked for explicitly with to_all=True.",
                  "touser 中包含 \"@all\"。向应用可见范围内的所有人发送必须显式指定 to_all=True。")
        if not _USERID_RE.match(userid):
            _fail("touser",
                  "Invalid user ID %r: a WeCom UserID is 1-64 characters of letters, digits and "
                  "_ . - @." % (userid[:80],),
                  "UserID %r 不合法：企业微信 UserID 为 1-64 个字母、数字或 _ . - @ 字符。" % (userid[:80],))
        key = userid.lower()          # WeCom userids are case-insensitive
        if key not in seen:
            seen.add(key)
            result.append(userid)
    return result


def _ids(value, field, label, label_zh):
    result, seen = [], set()
    for item in _as_items(value):
        if isinstance(item, bool):
            _fail(field, "Invalid %s %r." % (label, item), "%s不合法。" % label_zh)
        if isinstance(item, str):
            text = item.strip()
            if not text:
                continue
            if not text.isdigit():
                _fail(field, "Invalid %s %r: it must be a positive whole number." % (label, text[:40]),
                      "%s %r 不合法：必须是正整数。" % (label_zh, text[:40]))
            number = int(text)
        elif isinstance(item, int):
            number = item
        else:
            _fail(field, "Invalid %s %r: it must be a positive whole number." % (label, item),
                  "%s不合法：必须是正整数。" % label_zh)
        if number < 1 or number >= 2 ** 32:
            _fail(field, "Invalid %s %r: it must be a positive whole number." % (label, number),
                  "%s %r 不合法：必须是正整数。" % (label_zh, number))
        if number not in seen:
            seen.add(number)
            result.append(number)
    return result


def normalize_recipients(touser=(), toparty=(), totag=()):
    """Validated, deduplicated (order kept) recipients: (users, parties, tags) lists.

    Accepts iterables of str/int or "|"-joined strings. A literal "@all" is rejected.
    """
    return (_users(touser), _ids(toparty, "toparty", "department ID", "部门 ID"),
            _ids(totag, "totag", "tag ID", "标签 ID"))


def split_recipients(touser, toparty, totag):
    """Split recipients into message/send-sized chunks.

    Users by 1000, departments and tags by 100; chunk i carries the i-th slice of each list.
    Returns a list of (users_tuple, parties_tuple, tags_tuple), at least one chunk.
    """
    users, parties, tags = normalize_recipients(touser, toparty, totag)
    count = max(int(math.ceil(len(users) / float(MAX_USERS))),
                int(math.ceil(len(parties) / float(MAX_PARTIES))),
                int(math.ceil(len(tags) / float(MAX_TAGS))), 1)
    chunks = []
    for i in range(count):
        chunks.append((tuple(users[i * MAX_USERS:(i + 1) * MAX_USERS]),
                       tuple(parties[i * MAX_PARTIES:(i + 1) * MAX_PARTIES]),
                       tuple(tags[i * MAX_TAGS:(i + 1) * MAX_TAGS])))
    return chunks


# ----------------------------------------------------------------------------- payload
def _article(index, article):
    base = "articles[%d]" % index
    if not isinstance(article, dict):
        _fail(base, "News article %d must be a dict with title, url, ..." % (index + 1),
              "第 %d 篇图文必须包含 title、url 等字段。" % (index + 1))
    unknown = sorted(set(article) - set(_ARTICLE_KEYS))
    if unknown:
        _fail(base, "News article %d has unknown fields: %s (allowed: %s)."
              % (index + 1, ", ".join(map(str, unknown)), ", ".join(_ARTICLE_KEYS)),
              "第 %d 篇图文包含未知字段：%s。" % (index + 1, ", ".join(map(str, unknown))))
    label = "News article %d" % (index + 1)
    label_zh = "第 %d 篇图文" % (index + 1)
    out = {}
    title = _check_text(base + ".title", article.get("title"), True, label + " title",
                        label_zh + "标题")
    _check_bytes(base + ".title", title, LIMITS["news.title"][1], label + " title",
                 label_zh + "标题")
    out["title"] = title
    description = _check_text(base + ".description", article.get("description"), False,
                              label + " description", label_zh + "描述")
    if description is not None:
        _check_bytes(base + ".description", description, LIMITS["news.description"][1],
                     label + " description", label_zh + "描述")
        out["description"] = description
    has_miniprogram = bool(article.get("appid")) and bool(article.get("pagepath"))
    url = _check_url(base + ".url", article.get("url"), LIMITS["news.url"][1], label + " url",
                     label_zh + "链接", required=not has_miniprogram)
    if url is not None:
        out["url"] = url
    picurl = _check_url(base + ".picurl", article.get("picurl"), LIMITS["news.picurl"][1],
                        label + " picurl", label_zh + "图片链接", required=False)
    if picurl is not None:
        out["picurl"] = picurl
    for key in ("appid", "pagepath"):
        if article.get(key):
            out[key] = _check_text(base + "." + key, article.get(key), True,
                                   "%s %s" % (label, key), "%s %s" % (label_zh, key))
    return out


def build_payload(msgtype, content=None, title=None, url=None, btntxt=None, articles=None,
                  touser=(), toparty=(), totag=(), to_all=False, agent_id=None,
                  safe=0, enable_duplicate_check=False, duplicate_check_interval=1800,
                  media_id=None, card=None):
    """A validated message/send body.

    text / markdown: `content`. textcard: `title`, `content` (the description), `url`, optional
    `btntxt`. news: `articles` (1-8 dicts: title, description, url, picurl, appid, pagepath).
    image / voice / file: `media_id`; video: `media_id`, optional `title` and `content`.
    template_card: `card` (a text_notice or button_interaction dict, cards.validate_card).
    Recipients: iterables of str/int (or "|"-joined strings), deduplicated; at most 1000 users and
    100 departments and tags (use split_recipients for more). `to_all=True` sends to the app's
    whole visible range and cannot be combined with other recipients.
    """
    if msgtype not in MESSAGE_TYPES:
        _fail("msgtype", "Unknown message type %r; use one of: %s."
              % (msgtype, ", ".join(MESSAGE_TYPES)),
              "未知的消息类型 %r，可用类型：%s。" % (msgtype, ", ".join(MESSAGE_TYPES)))

    body = {}
    if msgtype in ("text", "markdown"):
        label = "Text content" if msgtype == "text" else "Markdown content"
        content = _check_text("content", content, True, label, "消息内容")
        _check_bytes("content", content, LIMITS[msgtype + ".content"][1], label, "消息内容")
        body = {"content": content}
    elif msgtype == "textcard":
        title = _check_text("title", title, True, "Card title", "卡片标题")
        _check_bytes("title", title, LIMITS["textcard.title"][1], "Card title", "卡片标题")
        content = _check_text("content", content, True, "Card description", "卡片描述")
        _check_bytes("content", content, LIMITS["textcard.description"][1], "Card description",
                     "卡片描述")
        url = _check_url("url", url, LIMITS["textcard.url"][1], "Card link", "卡片链接")
        body = {"title": title, "description": content, "url": url}
        if btntxt is not None and btntxt != "":
            btntxt = _check_text("btntxt", btntxt, True, "Button text", "按钮文字")
            if len(btntxt) > LIMITS["textcard.btntxt"][1]:
                _fail("btntxt", "Button text %r is %d characters; WeCom allows at most 4."
                      % (btntxt, len(btntxt)),
                      "按钮文字 %r 为 %d 个字符，企业微信最多允许 4 个字符。" % (btntxt, len(btntxt)))
            body["btntxt"] = btntxt
    elif msgtype == "news":
        if articles is None or isinstance(articles, (str, bytes, dict)):
            items = [] if articles is None else None
        else:
            items = list(articles)
        if items is None:
            _fail("articles", "articles must be a list of 1 to 8 article dicts.",
                  "articles 必须是包含 1 到 8 篇图文的列表。")
        if not 1 <= len(items) <= MAX_ARTICLES:
            _fail("articles", "A news message needs 1 to 8 articles, got %d." % len(items),
                  "图文消息需要 1 到 8 篇图文，当前为 %d 篇。" % len(items))
        body = {"articles": [_article(i, a) for i, a in enumerate(items)]}
    elif msgtype == "template_card":
        body = validate_card(card)
    else:  # image, voice, file, video
        media_id = _check_text("media_id", media_id, True, "media_id", "media_id")
        body = {"media_id": media_id.strip()}
        if msgtype == "video":
            if title:
                _check_text("title", title, False, "Video title", "视频标题")
                _check_bytes("title", title, LIMITS["video.title"][1], "Video title", "视频标题")
                body["title"] = title
            if content:
                _check_text("content", content, False, "Video description", "视频描述")
                _check_bytes("content", content, LIMITS["video.description"][1],
                             "Video description", "视频描述")
                body["description"] = content

    # recipients
    if to_all not in (True, False, 0, 1):
        _fail("to_all", "to_all must be True or False.", "to_all 必须为 True 或 False。")
    users, parties, tags = normalize_recipients(touser, toparty, totag)
    payload = {}
    if to_all:
        if users or parties or tags:
            _fail("to_all", "to_all=True sends to everyone in the app's visible range and cannot be "
                            "combined with users, departments or tags.",
                  "to_all=True 表示发送给应用可见范围内的所有人，不能同时指定成员、部门或标签。")
        payload["touser"] = "@all"
    else:
        if not (users or parties or tags):
            _fail("recipients", "The message has no recipients: give at least one user, "
                                "department or tag.",
                  "消息没有接收人：请至少指定一个成员、部门或标签。")
        for field, values, limit, label, label_zh in (
                ("touser", users, MAX_USERS, "users", "成员"),
                ("toparty", parties, MAX_PARTIES, "departments", "部门"),
                ("totag", tags, MAX_TAGS, "tags", "标签")):
            if len(values) > limit:
                _fail(field, "%d %s in one message; WeCom allows at most %d. Split the recipients "
                             "with split_recipients() and send one message per chunk."
                      % (len(values), label, limit),
                      "单条消息指定了 %d 个%s，企业微信最多允许 %d 个，请分批发送。"
                      % (len(values), label_zh, limit))
            if values:
                payload[field] = "|".join(str(v) for v in values)

    payload["msgtype"] = msgtype
    if agent_id is not None and agent_id != "":
        try:
            if isinstance(agent_id, bool):
                raise ValueError
            payload["agentid"] = int(agent_id)
        except (TypeError, ValueError):
            _fail("agent_id", "The agent ID must be a number, got %r." % (agent_id,),
                  "AgentId 必须是数字。")
    payload[msgtype] = body

    if safe not in (0, 1) or isinstance(safe, bool):
        _fail("safe", "safe must be 0 (shareable) or 1 (confidential, watermarked), got %r."
              % (safe,), "safe 只能为 0（可分享）或 1（保密消息，带水印）。")
    if safe:
        if msgtype not in _SAFE_TYPES:
            _fail("safe", "Confidential sending (safe=1) is supported only for %s messages, not %s."
                  % ("/".join(_SAFE_TYPES), msgtype),
                  "保密消息（safe=1）仅支持 %s 类型，不支持 %s。" % ("/".join(_SAFE_TYPES), msgtype))
        payload["safe"] = 1
    elif msgtype in _SAFE_TYPES:
        payload["safe"] = 0

    if enable_duplicate_check:
        try:
            interval = int(duplicate_check_interval)
            if isinstance(duplicate_check_interval, bool):
                raise ValueError
        except (TypeError, ValueError):
            interval = -1
        if not 1 <= interval <= MAX_DUPLICATE_CHECK_INTERVAL:
            _fail("duplicate_check_interval",
                  "duplicate_check_interval must be 1 to 14400 seconds (4 hours), got %r."
                  % (duplicate_check_interval,),
                  "重复消息检查间隔必须为 1 到 14400 秒（4 小时）。")
        payload["enable_duplicate_check"] = 1
        payload["duplicate_check_interval"] = interval
    else:
        payload["enable_duplicate_check"] = 0
    return payload


def byte_report(msgtype, content=None, title=None, url=None, btntxt=None):
    """Size of each limited field against its limit, for a UI preview.

    A list of {"field", "bytes", "limit", "ok", "unit", "chars", "required"}; `unit` is "bytes"
    (UTF-8) except for btntxt ("characters"); `ok` is False when over the limit or when a
    required field is empty.
    """
    rows = []

    def add(field, value, key, required):
        unit, limit = LIMITS[key]
        value = value if isinstance(value, str) else ("" if value is None else str(value))
        size = utf8_len(value)
        chars = len(value)
        within = (chars if unit == "characters" else size) <= limit
        rows.append({
            "field": field, "bytes": size, "chars": chars, "limit": limit, "unit": unit,
            "required": required, "ok": within and (bool(value.strip()) or not required),
        })

    if msgtype in ("text", "markdown"):
        add("content", content, msgtype + ".content", True)
    elif msgtype == "textcard":
        add("title", title, "textcard.title", True)
        add("content", content, "textcard.description", True)
        add("url", url, "textcard.url", True)
        add("btntxt", btntxt, "textcard.btntxt", False)
    elif msgtype == "news":
        add("title", title, "news.title", True)
        add("content", content, "news.description", False)
        add("url", url, "news.url", True)
    elif msgtype == "video":
        add("title", title, "video.title", False)
        add("content", content, "video.description", False)
    return rows
