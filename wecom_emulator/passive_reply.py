# -*- coding: utf-8 -*-
"""Passive replies to a card click (WECOM_API_CARDS_LOGIN §B.3): the receiver answers the
template_card_event POST with an encrypted update_button or update_template_card message, and
WeCom changes the clicking member's copy of the card.

Envelope (main spec §8.3): <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>, signed and
encrypted with the app callback's Token and key (receive id = corpid). The TemplateCard XML maps
to the JSON schema by PascalCase names (MainTitle -> main_title, Id -> id); arrays are repeated
elements without a wrapper.
"""
import xml.etree.ElementTree as ET

from .msgcrypt import MsgCryptError

LISTS = {"horizontal_content_list", "jump_list", "vertical_content_list", "button_list",
         "option_list", "select_list", "action_list"}
INTS = {"type", "style", "mode", "desc_color"}
BOOLS = {"is_checked", "disable"}
FLOATS = {"aspect_ratio"}
KNOWN = LISTS | INTS | BOOLS | FLOATS | {
    "card_type", "source", "icon_url", "desc", "action_menu", "text", "key", "task_id",
    "main_title", "title", "quote_area", "url", "appid", "pagepath", "quote_text",
    "emphasis_content", "sub_title_text", "keyname", "value", "media_id", "userid",
    "card_action", "card_image", "image_text_area", "image_url", "button_selection",
    "question_key", "id", "selected_id", "checkbox", "submit_button", "replace_text"}
_BY_FOLDED = dict((k.replace("_", ""), k) for k in KNOWN)


class ReplyError(ValueError):
    """A reply that is not a well-formed, correctly signed passive reply."""


def _text(element, path):
    found = element.find(path)
    return None if found is None else (found.text or "")


def _value(key, text):
    text = (text or "").strip() if key in INTS | BOOLS | FLOATS else (text or "")
    try:
        if key in INTS:
            return int(text)
        if key in FLOATS:
            return float(text)
    except ValueError:
        raise ReplyError("%s must be a number, got %r" % (key, text))
    if key in BOOLS:
        return text.lower() in ("1", "true")
    return text


def card_from_xml(element):
    """<TemplateCard> -> the JSON card (unknown names become snake_case)."""
    out = {}
    for child in element:
        folded = child.tag.lower()
        key = _BY_FOLDED.get(folded) or "".join(
            "_" + c.lower() if c.isupper() else c for c in child.tag).lstrip("_")
        value = card_from_xml(child) if len(child) else _value(key, child.text)
        if key in LISTS:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def parse(crypt, body):
    """{"msgtype", "to", "replace_name" | "template_card"}, or ReplyError."""
    try:
        envelope = ET.fromstring(body)
        encrypt, signature = _text(envelope, "Encrypt"), _text(envelope, "MsgSignature")
        timestamp, nonce = _text(envelope, "TimeStamp"), _text(envelope, "Nonce")
        if None in (encrypt, signature, timestamp, nonce):
            raise ReplyError("the reply needs Encrypt, MsgSignature, TimeStamp and Nonce")
        if crypt.sign(timestamp, nonce, encrypt) != signature:
            raise ReplyError("MsgSignature does not match (-40001)")
        message = ET.fromstring(crypt.decrypt(encrypt))
    except ET.ParseError as exc:
        raise ReplyError("not XML: %s" % exc)
    except MsgCryptError as exc:
        raise ReplyError("does not decrypt: %s" % exc)
    msgtype = _text(message, "MsgType")
    out = {"msgtype": msgtype, "to": _text(message, "ToUserName")}
    if msgtype == "update_button":
        name = _text(message, "Button/ReplaceName")
        if not name:
            raise ReplyError("update_button needs Button/ReplaceName")
        out["replace_name"] = name
    elif msgtype == "update_template_card":
        card = message.find("TemplateCard")
        if card is None:
            raise ReplyError("update_template_card needs TemplateCard")
        out["template_card"] = card_from_xml(card)
    else:
        raise ReplyError("unsupported passive reply MsgType %r" % (msgtype,))
    return out
