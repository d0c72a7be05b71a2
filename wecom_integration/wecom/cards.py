# -*- coding: utf-8 -*-
"""Template-card messages (msgtype=template_card, docs/WECOM_API_CARDS_LOGIN.md §A): builders for
the two card types Odoo sends, ``text_notice`` and ``button_interaction``, and ``validate_card``.

Everything is checked before anything is sent, as for the other message types (messages.py): a
bad card raises WecomValidationError naming the offending field, in English (Chinese in
``.message_zh``). The hard limits (list counts, byte lengths of keys and task_id, its charset,
required fields, §A.2–§A.4) are WeCom's; the "建议不超过N个字" display lengths (§A.3) are
enforced too, in characters, because WeCom cuts longer text when it shows the card.

Pure Python: nothing here imports Odoo.
"""
import copy
import re

from .errors import WecomValidationError

__all__ = ["CARD_TYPES", "CALLBACK_TYPES", "TEXT_LIMITS", "validate_card", "text_notice",
           "button_interaction", "needs_callback", "card_title", "card_buttons", "clip"]

CARD_TYPES = ("text_notice", "button_interaction")
CALLBACK_TYPES = ("button_interaction",)  # cards that need the app's callback and get a response_code
TASK_ID_RE = re.compile(r"^[A-Za-z0-9_@-]+$")
TASK_ID_MAX, KEY_MAX = 128, 1024  # bytes
URL_RE = re.compile(r"^https?://\S+$", re.I)

#: display length (characters) per text field, §A.3
TEXT_LIMITS = {
    "source.desc": 20, "main_title.title": 36, "main_title.desc": 44, "emphasis_content.title": 14,
    "emphasis_content.desc": 22, "sub_title_text": 160, "horizontal_content_list.keyname": 5,
    "horizontal_content_list.value": 30, "jump_list.title": 18, "button_list.text": 10,
    "replace_text": 10, "action_menu.desc": 20, "action_menu.action_list.text": 10,
}
FIELDS = {
    "text_notice": ("card_type", "source", "action_menu", "task_id", "main_title", "quote_area",
                    "emphasis_content", "sub_title_text", "horizontal_content_list", "jump_list",
                    "card_action"),
    "button_interaction": ("card_type", "source", "action_menu", "task_id", "main_title", "quote_area",
                           "sub_title_text", "horizontal_content_list", "card_action", "button_list",
                           "replace_text"),
}


def _fail(field, en, zh):
    raise WecomValidationError(en, field="template_card." + field if field else "template_card", zh=zh)


def _utf8(text):
    return len(text.encode("utf-8"))


def _obj(value, field):
    if not isinstance(value, dict):
        _fail(field, "Card field %s must be an object (a dict)." % field, "卡片字段 %s 必须是对象。" % field)
    return value


def _text(obj, key, field, required=False, limit_key=None):
    """A text field of ``obj``: checked type, presence and display length; returns it or None."""
    value = obj.get(key)
    where = "%s.%s" % (field, key) if field else key
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(where, "Card field %s is required." % where, "卡片字段 %s 不能为空。" % where)
        obj.pop(key, None)
        return None
    if not isinstance(value, str):
        _fail(where, "Card field %s must be text, got %s." % (where, type(value).__name__),
              "卡片字段 %s 必须是文本。" % where)
    limit = TEXT_LIMITS.get(limit_key or where)
    if limit and len(value) > limit:
        _fail(where, "Card field %s is %d characters; WeCom shows at most %d (it cuts the rest). Shorten it."
              % (where, len(value), limit),
              "卡片字段 %s 为 %d 个字，企业微信最多显示 %d 个字（多余部分会被截断），请缩短。" % (where, len(value), limit))
    return value


def _key(obj, key, field, required=True):
    value = _text(obj, key, field, required=required)
    if value is not None and _utf8(value) > KEY_MAX:
        _fail("%s.%s" % (field, key), "Card field %s.%s is %d bytes; WeCom allows at most %d."
              % (field, key, _utf8(value), KEY_MAX),
              "卡片字段 %s.%s 为 %d 字节，企业微信最多允许 %d 字节。" % (field, key, _utf8(value), KEY_MAX))
    return value


def _url(obj, key, field, required=True):
    value = _text(obj, key, field, required=required)
    if value is not None and not URL_RE.match(value.strip()):
        _fail("%s.%s" % (field, key), "Card field %s.%s must be a full link starting with http:// or https://, "
                                      "got %r." % (field, key, value[:80]),
              "卡片字段 %s.%s 必须是以 http:// 或 https:// 开头的完整链接。" % (field, key))
    return value


def _choice(obj, key, field, allowed, default=0):
    value = obj.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or value not in allowed:
        _fail("%s.%s" % (field, key), "Card field %s.%s must be one of %s, got %r."
              % (field, key, ", ".join(str(a) for a in allowed), value),
              "卡片字段 %s.%s 只能是 %s 之一。" % (field, key, "、".join(str(a) for a in allowed)))
    return value


def _list(card, key, low, high):
    items = card.get(key)
    if items is None:
        if low:
            _fail(key, "The card needs %s (%d to %d items)." % (key, low, high),
                  "卡片必须包含 %s（%d 到 %d 项）。" % (key, low, high))
        return []
    if not isinstance(items, list) or not low <= len(items) <= high:
        count = len(items) if isinstance(items, list) else 0
        _fail(key, "Card field %s must be a list of %d to %d items, got %s." % (
            key, low, high, count if isinstance(items, list) else type(items).__name__),
              "卡片字段 %s 必须是包含 %d 到 %d 项的列表，当前为 %s。" % (key, low, high, count))
    for index, item in enumerate(items):
        _obj(item, "%s[%d]" % (key, index))
    return items


def _link(obj, field, types, required=False):
    """type 0 = no link, 1 = url, 2 = mini-program (appid)."""
    kind = _choice(obj, "type", field, types, default=types[0] if required else 0)
    if kind == 1:
        _url(obj, "url", field)
    elif kind == 2:
        _text(obj, "appid", field, required=True)
    return kind


def _unique(values, field):
    seen = set()
    for value in values:
        if value in seen:
            _fail(field, "Card keys must be unique: %r appears twice in %s." % (value, field),
                  "卡片按键必须唯一：%r 在 %s 中重复出现。" % (value, field))
        seen.add(value)


def check_task_id(task_id):
    """A task_id as WeCom takes it (§A.4): 1-128 bytes of letters, digits and _-@."""
    if not isinstance(task_id, str) or not task_id:
        _fail("task_id", "The card's task_id is required.", "卡片的 task_id 不能为空。")
    if _utf8(task_id) > TASK_ID_MAX or not TASK_ID_RE.match(task_id):
        _fail("task_id", "The card's task_id %r must be at most 128 letters, digits and _ - @." % task_id[:140],
              "卡片的 task_id %r 只能由不超过 128 个数字、字母和 _-@ 组成。" % task_id[:140])
    return task_id


def validate_card(card, update=False, require_task_id=True):
    """The validated card (a copy, fields foreign to its type refused), or WecomValidationError.

    ``update=True``: a replacement card of update_template_card (§B.1): task_id is not checked (WeCom
    keeps the original's) and ``replace_text`` is allowed. ``require_task_id=False``: the caller
    fills the task_id in later (the outbox gives each send call its own).
    """
    if not isinstance(card, dict):
        _fail("", "A template card must be a dict with card_type and its fields.",
              "模板卡片必须是包含 card_type 等字段的对象。")
    card = copy.deepcopy(card)
    card_type = card.get("card_type")
    if card_type not in CARD_TYPES:
        _fail("card_type", "Unknown or unsupported card_type %r: use one of %s." % (card_type, ", ".join(CARD_TYPES)),
              "card_type %r 不支持，可用类型：%s。" % (card_type, "、".join(CARD_TYPES)))
    allowed = set(FIELDS[card_type]) - (set() if update else {"replace_text"})
    foreign = sorted(set(card) - allowed)
    if foreign:
        _fail(foreign[0], "A %s card has no field %s." % (card_type, ", ".join(foreign)),
              "%s 卡片没有字段 %s。" % (card_type, "、".join(foreign)))
    if card.get("source") is not None:
        source = _obj(card["source"], "source")
        _url(source, "icon_url", "source", required=False)
        _text(source, "desc", "source")
        _choice(source, "desc_color", "source", (0, 1, 2, 3))
    if card.get("main_title") is not None:
        title = _obj(card["main_title"], "main_title")
        _text(title, "title", "main_title")
        _text(title, "desc", "main_title")
    elif card_type == "button_interaction":
        _fail("main_title", "A button_interaction card needs main_title.", "按钮交互型卡片必须包含 main_title。")
    if card.get("emphasis_content") is not None:
        emphasis = _obj(card["emphasis_content"], "emphasis_content")
        _text(emphasis, "title", "emphasis_content")
        _text(emphasis, "desc", "emphasis_content")
    _text(card, "sub_title_text", "")
    if card_type == "text_notice" and not (card.get("main_title") or {}).get("title") \
            and not card.get("sub_title_text"):
        _fail("main_title", "A text_notice card needs main_title.title or sub_title_text.",
              "文本通知型卡片的 main_title.title 和 sub_title_text 不能同时为空。")
    if card_type == "button_interaction" and not (card.get("main_title") or {}).get("title"):
        _fail("main_title.title", "A button_interaction card needs main_title.title.",
              "按钮交互型卡片必须包含 main_title.title。")
    if card.get("quote_area") is not None:
        area = _obj(card["quote_area"], "quote_area")
        _link(area, "quote_area", (0, 1, 2))
    for index, item in enumerate(_list(card, "horizontal_content_list", 0, 6)):
        where = "horizontal_content_list[%d]" % index
        kind = _choice(item, "type", where, (0, 1, 2, 3))
        _text(item, "keyname", where, required=True, limit_key="horizontal_content_list.keyname")
        _text(item, "value", where, limit_key="horizontal_content_list.value")
        if kind == 1:
            _url(item, "url", where)
        elif kind == 2:
            _text(item, "media_id", where, required=True)
        elif kind == 3:
            _text(item, "userid", where, required=True)
    if card_type == "text_notice":
        for index, item in enumerate(_list(card, "jump_list", 0, 3)):
            where = "jump_list[%d]" % index
            _text(item, "title", where, required=True, limit_key="jump_list.title")
            _link(item, where, (0, 1, 2))
    if card.get("card_action") is not None:
        _link(_obj(card["card_action"], "card_action"), "card_action",
              (1, 2) if card_type == "text_notice" else (0, 1, 2), required=True)
    elif card_type == "text_notice":
        _fail("card_action", "A text_notice card needs card_action (what a tap on the card opens).",
              "文本通知型卡片必须包含 card_action（点击卡片跳转的链接）。")
    if card.get("action_menu") is not None:
        menu = _obj(card["action_menu"], "action_menu")
        _text(menu, "desc", "action_menu")
        actions = _list(menu, "action_list", 1, 3)
        for index, action in enumerate(actions):
            where = "action_menu.action_list[%d]" % index
            _text(action, "text", where, required=True, limit_key="action_menu.action_list.text")
            _key(action, "key", where)
        _unique([a["key"] for a in actions], "action_menu.action_list")
    if card_type == "button_interaction":
        buttons = _list(card, "button_list", 1, 6)
        for index, button in enumerate(buttons):
            where = "button_list[%d]" % index
            kind = _choice(button, "type", where, (0, 1))
            _text(button, "text", where, required=True, limit_key="button_list.text")
            _choice(button, "style", where, (1, 2, 3, 4), default=1)
            if kind == 0:
                _key(button, "key", where)
            else:
                _url(button, "url", where)
                _key(button, "key", where, required=False)
        _unique([b["key"] for b in buttons if b.get("key")], "button_list")
        _text(card, "replace_text", "")
    needs_task = card_type in CALLBACK_TYPES or card.get("action_menu") is not None
    if "task_id" in card and card["task_id"] not in (None, "") and not update:
        check_task_id(card["task_id"])
    elif needs_task and require_task_id and not update:
        check_task_id(card.get("task_id"))
    if update:
        card.pop("task_id", None)
    return card


def needs_callback(card):
    """Whether WeCom needs the app's callback URL for this card (§A.5) and answers a response_code."""
    return card.get("card_type") in CALLBACK_TYPES or bool(card.get("action_menu"))


def clip(text, limit):
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut), for callers building cards
    from free text (TEXT_LIMITS gives each field's limit)."""
    text = text or ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ----------------------------------------------------------------------------- builders
def _source(source):
    return {"desc": source} if isinstance(source, str) else source


def _main_title(main_title, description):
    if isinstance(main_title, dict):
        return main_title
    title = {}
    if main_title:
        title["title"] = main_title
    if description:
        title["desc"] = description
    return title or None


def _horizontal(items):
    out = []
    for item in items or ():
        if isinstance(item, dict):
            out.append(item)
        elif len(item) == 3 and item[2]:
            out.append({"type": 1, "keyname": item[0], "value": item[1], "url": item[2]})
        else:
            out.append({"keyname": item[0], "value": item[1]})
    return out


def _action(action):
    return {"type": 1, "url": action} if isinstance(action, str) else action


def _common(card_type, source, main_title, main_title_desc, sub_title_text, horizontal_content_list,
            card_action, task_id):
    card = {"card_type": card_type}
    for key, value in (("source", _source(source)), ("main_title", _main_title(main_title, main_title_desc)),
                       ("sub_title_text", sub_title_text),
                       ("horizontal_content_list", _horizontal(horizontal_content_list)),
                       ("card_action", _action(card_action)), ("task_id", task_id)):
        if value:
            card[key] = value
    return card


def text_notice(main_title=None, sub_title_text=None, card_action=None, source=None, main_title_desc=None,
                horizontal_content_list=None, jump_list=None, emphasis_content=None, task_id=None):
    """A validated text_notice card. Short forms: ``source`` a text (its desc), ``main_title`` a
    text (with ``main_title_desc``), ``horizontal_content_list`` of (keyname, value[, url]),
    ``jump_list`` of (title, url), ``card_action`` a URL; the WeCom dicts are taken as they are."""
    card = _common("text_notice", source, main_title, main_title_desc, sub_title_text, horizontal_content_list,
                   card_action, task_id)
    jumps = [item if isinstance(item, dict) else {"type": 1, "title": item[0], "url": item[1]}
             for item in jump_list or ()]
    if jumps:
        card["jump_list"] = jumps
    if emphasis_content:
        card["emphasis_content"] = emphasis_content
    return validate_card(card, require_task_id=False)


def button_interaction(main_title, button_list, sub_title_text=None, source=None, main_title_desc=None,
                       horizontal_content_list=None, card_action=None, task_id=None):
    """A validated button_interaction card. ``button_list``: dicts, or (text, key[, style]) for
    buttons that call back (style 1 emphasised … 4 negative). ``task_id`` may be left to the
    outbox (one per send call). Other short forms as for text_notice."""
    card = _common("button_interaction", source, main_title, main_title_desc, sub_title_text,
                   horizontal_content_list, card_action, task_id)
    buttons = []
    for button in button_list or ():
        if isinstance(button, dict):
            buttons.append(button)
        else:
            buttons.append({"text": button[0], "key": button[1], "style": button[2] if len(button) > 2 else 1})
    card["button_list"] = buttons
    return validate_card(card, require_task_id=False)


# ----------------------------------------------------------------------------- reading
def card_title(card):
    """The card's title as a member sees it first (main_title.title, else sub_title_text)."""
    card = card or {}
    return (card.get("main_title") or {}).get("title") or card.get("sub_title_text") or ""


def card_buttons(card):
    """[(text, key or url)] of the card's buttons."""
    return [(b.get("text"), b.get("key") or b.get("url")) for b in (card or {}).get("button_list") or ()]
