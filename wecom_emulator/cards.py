# -*- coding: utf-8 -*-
"""Template cards (msgtype=template_card, WECOM_API_CARDS_LOGIN §A): the schema check WeCom runs
on message/send and message/update_template_card, and a few read helpers.

validate_card() follows the order §A.9 recommends: card_type (42031); the required top-level
fields of that type (§A.2); sub-structures and list counts (§A.3) with their own 420xx codes
(§A.7); then byte lengths, charsets and key uniqueness. Generic problems without a code of
their own (a missing main_title, a non-object where an object belongs) are 40058.

Emulator choices: fields that are not part of the card type are ignored (not stored); the
"N字" display lengths are not enforced (§A.9 step 5); card_image.aspect_ratio is not checked;
an unknown selected_id falls back to the first option; button styles outside 1–4 become 1.
"""
import copy
import re

from .errors import ApiError

CARD_TYPES = ("text_notice", "news_notice", "button_interaction", "vote_interaction",
              "multiple_interaction")
INTERACTIVE = ("button_interaction", "vote_interaction", "multiple_interaction")
TASK_ID_RE = re.compile(r"^[A-Za-z0-9_@-]+$")
TASK_ID_MAX, KEY_MAX, OPTION_ID_MAX = 128, 1024, 128   # bytes (§A.3, §A.4)

# The top-level fields of each card type (§A.2), in the table's order (= the check order).
FIELDS = {
    "text_notice": ("source", "action_menu", "task_id", "main_title", "quote_area",
                    "emphasis_content", "sub_title_text", "horizontal_content_list",
                    "jump_list", "card_action"),
    "news_notice": ("source", "action_menu", "task_id", "main_title", "quote_area",
                    "horizontal_content_list", "jump_list", "card_action", "card_image",
                    "image_text_area", "vertical_content_list"),
    "button_interaction": ("source", "action_menu", "task_id", "main_title", "quote_area",
                           "sub_title_text", "horizontal_content_list", "card_action",
                           "button_selection", "button_list", "replace_text"),
    "vote_interaction": ("source", "task_id", "main_title", "checkbox", "submit_button",
                         "replace_text"),
    "multiple_interaction": ("source", "task_id", "main_title", "select_list", "submit_button",
                             "replace_text"),
}
# Fields translated with enable_id_trans=1 (§A.1).
ID_TRANS = re.compile(r"\$(userName|departmentName)=([^$\s]{1,64})\$")


def utf8_len(text):
    return len(text.encode("utf-8"))


def _fail(errcode, detail):
    raise ApiError(errcode, "%s. Invalid input invalid Request Parameter" % detail
                   if errcode == 40058 else detail)


def _obj(value, where, errcode=40058):
    if not isinstance(value, dict):
        _fail(errcode, "template_card.%s must be an object" % where)
    return value


def _list(value, where, low, high, errcode):
    if not isinstance(value, list) or not low <= len(value) <= high:
        _fail(errcode, "template_card.%s size must be %d-%d" % (where, low, high))
    for i, item in enumerate(value):
        _obj(item, "%s[%d]" % (where, i), errcode)
    return value


def _text(obj, key, where, errcode, required=True):
    """A string field: absent is allowed unless required; empty counts as missing."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(errcode, "template_card.%s.%s missing" % (where, key))
        return ""
    if not isinstance(value, str):
        _fail(errcode, "template_card.%s.%s must be a string" % (where, key))
    return value


def _int(obj, key, where, allowed, default=0):
    value = obj.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        _fail(40058, "template_card.%s.%s must be one of %s" % (
            where, key, ", ".join(str(a) for a in allowed)))
    return value


def callback_capable(card):
    """Cards that need the app's callback and get a response_code (§A.5)."""
    return card.get("card_type") in INTERACTIVE or bool(card.get("action_menu"))


# ---------------------------------------------------------------------------- links


def _link(obj, where, types):
    """type 1 = url (42028 when missing), 2 = mini-program (42030 when appid is missing)."""
    kind = _int(obj, "type", where, types)
    if kind == 1:
        _text(obj, "url", where, 42028)
    elif kind == 2:
        _text(obj, "appid", where, 42030)
    return kind


# ---------------------------------------------------------------------------- step 1


def _required(card, card_type, update):
    """§A.2: the required top-level fields (presence only)."""
    needs_task = card_type in INTERACTIVE or card.get("action_menu")
    if needs_task and not update:
        task_id = card.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            _fail(42014, "taskid has existed or empty or exceed max len")
    if card_type == "text_notice":
        title = card.get("main_title")
        has_title = isinstance(title, dict) and isinstance(title.get("title"), str) \
            and title["title"].strip()
        sub = card.get("sub_title_text")
        if not has_title and not (isinstance(sub, str) and sub.strip()):
            _fail(40058, "template_card.main_title.title and sub_title_text are both empty")
    elif "main_title" not in card or card["main_title"] is None:
        _fail(40058, "template_card.main_title missing")
    if card_type in ("text_notice", "news_notice") and card.get("card_action") is None:
        _fail(42045, "template_card.card_action missing or invalid")
    if card_type == "news_notice" and card.get("card_image") is None \
            and card.get("image_text_area") is None:
        _fail(42044, "template_card.card_image or image_text_area is required")
    if card_type == "button_interaction" and card.get("button_list") is None:
        _fail(40058, "template_card.button_list missing")
    if card_type == "vote_interaction" and card.get("checkbox") is None:
        _fail(40058, "template_card.checkbox missing")
    if card_type == "multiple_interaction" and not card.get("select_list"):
        _fail(42047, "template_card.select_list size must be 1-3")
    if card_type in ("vote_interaction", "multiple_interaction") \
            and card.get("submit_button") is None:
        _fail(42046, "template_card.submit_button.key missing or invalid")


# ---------------------------------------------------------------------------- step 2


def _options(question, where, high):
    options = _list(question.get("option_list"), where + ".option_list", 1, high, 42037)
    for i, opt in enumerate(options):
        at = "%s.option_list[%d]" % (where, i)
        _text(opt, "id", at, 42040)
        _text(opt, "text", at, 42041)
    return options


def _selected(question, options):
    """selected_id, defaulting to the first option when absent or unknown."""
    ids = [o["id"] for o in options]
    if question.get("selected_id") not in ids:
        question["selected_id"] = ids[0]


def _structures(card, card_type):
    """§A.3: objects, list counts and required sub-fields."""
    if "source" in card:
        _obj(card["source"], "source")
    if card.get("action_menu") is not None:
        menu = _obj(card["action_menu"], "action_menu")
        for i, action in enumerate(_list(menu.get("action_list"), "action_menu.action_list",
                                         1, 3, 40058)):
            _text(action, "text", "action_menu.action_list[%d]" % i, 40058)
            _text(action, "key", "action_menu.action_list[%d]" % i, 40058)
    if "main_title" in card:
        _obj(card["main_title"], "main_title")
    if card.get("quote_area") is not None:
        _link(_obj(card["quote_area"], "quote_area"), "quote_area", (0, 1, 2))
    if card.get("emphasis_content") is not None:
        _obj(card["emphasis_content"], "emphasis_content")
    if card.get("sub_title_text") is not None and not isinstance(card["sub_title_text"], str):
        _fail(40058, "template_card.sub_title_text must be a string")
    if card.get("horizontal_content_list") is not None:
        items = _list(card["horizontal_content_list"], "horizontal_content_list", 0, 6, 42035)
        for i, item in enumerate(items):
            where = "horizontal_content_list[%d]" % i
            _text(item, "keyname", where, 42027)
            kind = _int(item, "type", where, (0, 1, 2, 3))
            for need, code in ((1, "url"), (2, "media_id"), (3, "userid")):
                if kind == need:
                    _text(item, code, where, {"url": 42028, "media_id": 42029,
                                              "userid": 42050}[code])
    if card.get("jump_list") is not None:
        for i, item in enumerate(_list(card["jump_list"], "jump_list", 0, 3, 42042)):
            _text(item, "title", "jump_list[%d]" % i, 42033)
            _link(item, "jump_list[%d]" % i, (0, 1, 2))
    if card.get("card_action") is not None:
        action = _obj(card["card_action"], "card_action", 42045)
        allowed = (1, 2) if card_type in ("text_notice", "news_notice") else (0, 1, 2)
        kind = action.get("type", 0)
        if isinstance(kind, bool) or kind not in allowed:
            _fail(42045, "template_card.card_action.type must be one of %s"
                  % ", ".join(str(a) for a in allowed))
        _link(action, "card_action", allowed)
    if card.get("card_image") is not None:
        _text(_obj(card["card_image"], "card_image", 42044), "url", "card_image", 42044)
    if card.get("image_text_area") is not None:
        area = _obj(card["image_text_area"], "image_text_area")
        if "image_url" not in area and "images_url" in area:   # zsmhub's spelling (§A.3)
            area["image_url"] = area.pop("images_url")
        _text(area, "image_url", "image_text_area", 40058)
        _link(area, "image_text_area", (0, 1, 2))
    if card.get("vertical_content_list") is not None:
        for i, item in enumerate(_list(card["vertical_content_list"], "vertical_content_list",
                                       0, 4, 42036)):
            _text(item, "title", "vertical_content_list[%d]" % i, 42033)
    if card.get("button_selection") is not None:
        sel = _obj(card["button_selection"], "button_selection")
        _text(sel, "question_key", "button_selection", 42043)
        _selected(sel, _options(sel, "button_selection", 10))
    if card.get("button_list") is not None:
        for i, button in enumerate(_list(card["button_list"], "button_list", 1, 6, 40058)):
            where = "button_list[%d]" % i
            kind = _int(button, "type", where, (0, 1))
            _text(button, "text", where, 42038)
            if kind == 0:
                _text(button, "key", where, 42039)
            else:
                _text(button, "url", where, 42028)
            if button.get("style") not in (1, 2, 3, 4) or isinstance(button.get("style"), bool):
                button["style"] = 1
    if card.get("checkbox") is not None:
        box = _obj(card["checkbox"], "checkbox")
        _text(box, "question_key", "checkbox", 42043)
        _options(box, "checkbox", 20)
        box["mode"] = _int(box, "mode", "checkbox", (0, 1))
    if card.get("select_list") is not None:
        for i, question in enumerate(_list(card["select_list"], "select_list", 1, 3, 42047)):
            where = "select_list[%d]" % i
            _text(question, "question_key", where, 42043)
            _selected(question, _options(question, where, 10))
    if card.get("submit_button") is not None:
        submit = _obj(card["submit_button"], "submit_button", 42046)
        _text(submit, "key", "submit_button", 42046)
        if submit.get("text") is not None and not isinstance(submit["text"], str):
            _fail(42049, "template_card.submit_button.text missing or invalid")
        submit["text"] = submit.get("text") or u"提交"
    if card.get("replace_text") is not None and not isinstance(card["replace_text"], str):
        _fail(40058, "template_card.replace_text must be a string")


# ---------------------------------------------------------------------------- step 3


def _unique(values, errcode, what, limit):
    seen = set()
    for value in values:
        if utf8_len(value) > limit:
            _fail(errcode, "template_card.%s exceed max length %d bytes" % (what, limit))
        if value in seen:
            _fail(errcode, "template_card.%s %r is not unique" % (what, value))
        seen.add(value)


def _lengths(card, update):
    """§A.3/§A.4: byte lengths, the task_id charset, keys and ids unique."""
    task_id = card.get("task_id")
    if not update and isinstance(task_id, str) and task_id:
        if utf8_len(task_id) > TASK_ID_MAX or not TASK_ID_RE.match(task_id):
            _fail(42014, "taskid has existed or empty or exceed max len")
    if card.get("action_menu"):
        keys = [a["key"] for a in card["action_menu"]["action_list"]]
        if len(set(keys)) != len(keys):
            _fail(42051, "template_card.action_menu.action_list key conflict")
        _unique(keys, 40058, "action_menu.action_list.key", KEY_MAX)
    if card.get("button_list"):
        _unique([b["key"] for b in card["button_list"] if b.get("type", 0) == 0], 42039,
                "button_list.key", KEY_MAX)
    questions = [card[k] for k in ("button_selection", "checkbox") if card.get(k)]
    questions += card.get("select_list") or []
    _unique([q["question_key"] for q in questions], 42043, "question_key", KEY_MAX)
    for question in questions:
        _unique([o["id"] for o in question["option_list"]], 42040, "option_list.id",
                OPTION_ID_MAX)
    if card.get("submit_button") and utf8_len(card["submit_button"]["key"]) > KEY_MAX:
        _fail(42046, "template_card.submit_button.key exceed max length %d bytes" % KEY_MAX)


def validate_card(card, update=False):
    """The card as stored (a copy with defaults filled in and foreign fields dropped), or
    ApiError. update=True: a replacement card of update_template_card (§B.1), where task_id is
    ignored and replace_text allowed."""
    if not isinstance(card, dict):
        _fail(40058, "template_card missing")
    card_type = card.get("card_type")
    if card_type not in CARD_TYPES:
        _fail(42031, "template_card.card_type invalid")
    out = {"card_type": card_type}
    for key in FIELDS[card_type]:
        if key in card and (key != "replace_text" or update):
            out[key] = copy.deepcopy(card[key])
    if update:
        out.pop("task_id", None)
    _required(out, card_type, update)
    _structures(out, card_type)
    _lengths(out, update)
    return out


# ---------------------------------------------------------------------------- reads


def translate_ids(card, directory):
    """enable_id_trans=1: $userName=ID$ / $departmentName=ID$ in the fields of §A.1; unknown
    placeholders are left as they are."""
    def names(text):
        def one(match):
            kind, ident = match.groups()
            if kind == "userName":
                user = directory.get_user(ident)
                return user["name"] if user else match.group(0)
            try:
                dept = directory.get_department(int(ident))
            except ValueError:
                dept = None
            return dept["name"] if dept else match.group(0)
        return ID_TRANS.sub(one, text) if isinstance(text, str) else text

    for obj, key in ((card.get("source"), "desc"), (card.get("main_title"), "title"),
                     (card.get("main_title"), "desc"), (card, "sub_title_text")):
        if isinstance(obj, dict) and key in obj:
            obj[key] = names(obj[key])
    for item in card.get("horizontal_content_list") or ():
        if "value" in item:
            item["value"] = names(item["value"])
    return card


def actions(card):
    """What a member can tap: [{"kind": "button" | "url" | "submit" | "menu", "text", "key",
    "style"?, "url"?}], buttons first."""
    out = []
    for button in card.get("button_list") or ():
        if button.get("type", 0) == 1:
            out.append({"kind": "url", "text": button["text"], "url": button["url"],
                        "style": button["style"]})
        else:
            out.append({"kind": "button", "text": button["text"], "key": button["key"],
                        "style": button["style"]})
    if card.get("submit_button"):
        out.append({"kind": "submit", "text": card["submit_button"]["text"],
                    "key": card["submit_button"]["key"]})
    for action in (card.get("action_menu") or {}).get("action_list") or ():
        out.append({"kind": "menu", "text": action["text"], "key": action["key"]})
    return out


def questions(card):
    """The selectors of a card: [(question dict, multiple choice?)]."""
    out = []
    if card.get("button_selection"):
        out.append((card["button_selection"], False))
    if card.get("checkbox"):
        out.append((card["checkbox"], card["checkbox"].get("mode") == 1))
    for question in card.get("select_list") or ():
        out.append((question, False))
    return out
