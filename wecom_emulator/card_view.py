# -*- coding: utf-8 -*-
"""One member's copy of a template card as HTML, for the inbox page: title, texts, lists and
links, and its buttons as a small form POSTing to /_emulator/messages/<msgid>/click (selectors as
`q:<question_key>` fields). Replaced buttons show as one grey, disabled button with the new
text. Everything escaped; no JavaScript."""
from .cards import questions
from .inbox import esc, link

STYLE = """
.card{border:1px solid #e5e6eb;border-radius:6px;padding:8px 10px;margin:4px 0;max-width:520px}
.card .src{font-size:12px;color:#8f959e}.card .em{font-size:22px;color:#3370ff;font-weight:600}
.card .kv{font-size:13px}.card .kv b{color:#8f959e;font-weight:normal;margin-right:6px}
.card form{margin:6px 0 0}.card button{border:1px solid #c9cdd4;background:#fff;border-radius:4px;padding:4px 10px;margin:2px;cursor:pointer}
.card button.s1{background:#3370ff;color:#fff;border-color:#3370ff}.card button.s2{color:#3370ff;border-color:#3370ff}
.card button.s4{color:#d93026;border-color:#d93026}.card button:disabled{background:#f2f3f5;color:#b1b5bb;border-color:#e5e6eb;cursor:not-allowed}
.card .menu{float:right}.card .clicks{font-size:12px;color:#8f959e;margin-top:4px}
"""


def _line(css, *texts):
    text = " ".join(esc(t) for t in texts if t)
    return '<div class="%s">%s</div>' % (css, text) if text else ""


def _text(card):
    def part(key):
        return card.get(key) or {}

    title, quote, emphasis, area = (part("main_title"), part("quote_area"),
                                    part("emphasis_content"), part("image_text_area"))
    parts = [_line("src", part("source").get("desc")), _line("title", title.get("title")),
             _line("meta", title.get("desc")),
             _line("meta", quote.get("title"), quote.get("quote_text")),
             _line("em", emphasis.get("title")), _line("meta", emphasis.get("desc")),
             _line("content", card.get("sub_title_text")),
             _line("content", area.get("title"), area.get("desc"))]
    for item in card.get("horizontal_content_list") or ():
        value = esc(item.get("value"))
        if item.get("type") == 1 and item.get("url"):
            value = link(item["url"], item.get("value") or item["url"], block=False)
        parts.append('<div class="kv"><b>%s</b>%s</div>' % (esc(item.get("keyname")), value))
    for item in card.get("vertical_content_list") or ():
        parts.append('<div class="kv"><b>%s</b>%s</div>' % (esc(item.get("title")),
                                                           esc(item.get("desc"))))
    for item in card.get("jump_list") or ():
        parts.append(link(item.get("url"), item.get("title")) if item.get("type") == 1
                     else '<div class="meta">%s</div>' % esc(item.get("title")))
    if (card.get("card_image") or {}).get("url"):
        parts.append(link(card["card_image"]["url"], u"[图片]"))
    if (card.get("card_action") or {}).get("type") == 1:
        parts.append(link(card["card_action"].get("url"), u"查看详情"))
    return "".join(parts)


def _selectors(card, selected, disabled):
    parts = []
    for question, multi in questions(card):
        qk = question["question_key"]
        chosen = selected.get(qk)
        off = " disabled" if disabled or question.get("disable") else ""
        label = esc(question.get("title") or qk)
        if card["card_type"] == "vote_interaction":
            kind = "checkbox" if multi else "radio"
            boxes = "".join(
                '<label><input type="%s" name="q:%s" value="%s"%s%s> %s</label> ' % (
                    kind, esc(qk), esc(o["id"]), off,
                    " checked" if (o["id"] in chosen if chosen else o.get("is_checked")) else "",
                    esc(o.get("text")))
                for o in question["option_list"])
            parts.append('<div class="kv"><b>%s</b>%s</div>' % (label, boxes))
        else:
            current = chosen[0] if chosen else question.get("selected_id")
            options = "".join('<option value="%s"%s>%s</option>' % (
                esc(o["id"]), " selected" if o["id"] == current else "", esc(o.get("text")))
                for o in question["option_list"])
            parts.append('<div class="kv"><b>%s</b><select name="q:%s"%s>%s</select></div>'
                         % (label, esc(qk), off, options))
    return "".join(parts)


def _buttons(card, replaced):
    if replaced is not None:
        return '<button type="button" disabled>%s</button>' % esc(replaced)
    parts = []
    for button in card.get("button_list") or ():
        if button.get("type") == 1:
            parts.append(link(button.get("url"), button.get("text"), block=False))
        else:
            parts.append('<button type="submit" name="key" value="%s" class="s%d">%s</button>'
                         % (esc(button["key"]), button.get("style", 1), esc(button["text"])))
    if card.get("submit_button"):
        parts.append('<button type="submit" name="key" value="%s" class="s1">%s</button>' % (
            esc(card["submit_button"]["key"]), esc(card["submit_button"]["text"])))
    return "".join(parts)


def render_card(record, member_copy=None, delivery_status=None):
    """member_copy: the member's state (card_center), or None for a card nobody received."""
    card = member_copy["card"] if member_copy else record["payload"]
    replaced = member_copy["replaced_with"] if member_copy else None
    inactive = member_copy is None or record["recalled"]
    body = _text(card)
    controls = _selectors(card, member_copy["selected"] if member_copy else {},
                          inactive or replaced is not None) + _buttons(card, replaced)
    menu = "".join('<button type="submit" name="key" value="%s">⋯ %s</button>' % (
        esc(a["key"]), esc(a["text"]))
        for a in (card.get("action_menu") or {}).get("action_list") or ())
    if inactive:
        controls, menu = controls.replace("<button ", "<button disabled "), ""
    if controls or menu:
        hidden = ('<input type="hidden" name="userid" value="%s">' % esc(member_copy["userid"])
                  if member_copy else "")
        body += ('<form method="post" action="/_emulator/messages/%s/click">%s%s%s</form>' % (
            esc(record["msgid"]), hidden, '<span class="menu">%s</span>' % menu if menu else "",
            controls))
    if member_copy and member_copy["clicks"]:
        statuses = delivery_status or {}
        body += '<div class="clicks">%s</div>' % " · ".join(
            u"点击 %s → %s" % (esc(c["key"]), esc(statuses.get(c["delivery"], "?")))
            for c in member_copy["clicks"][-3:])
    anchor = ' id="m-%s-%s"' % (esc(record["msgid"][:12]), esc(member_copy["userid"].lower())) \
        if member_copy else ""
    return '<div class="card"%s>%s</div>' % (anchor, body)
