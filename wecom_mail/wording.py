"""Fitting Odoo texts into WeCom's byte limits (plain Python: no Odoo models or environment).

WeCom counts bytes of UTF-8 (a Chinese character is 3) and refuses a message over a limit; an
activity's summary, a record's name or a message body have no such limit in Odoo, so they are
cut here, with an ellipsis, before the message is built.
"""
import html

from odoo.addons.wecom_integration.wecom.messages import LIMITS, utf8_len

ELLIPSIS = "…"
CARD_TITLE_BYTES = LIMITS["textcard.title"][1]
CARD_DESCRIPTION_BYTES = LIMITS["textcard.description"][1]
TEXT_BYTES = LIMITS["text.content"][1]
LINE_BYTES = 160  # one line of a card (a record's name, a summary) at most, markup included
MIN_NOTE_BYTES = 40  # less room than this left for the note: the card goes without it


def fit(text, limit, escape=False):
    """``text`` (HTML-escaped with ``escape``) in at most ``limit`` UTF-8 bytes, cut with an
    ellipsis when it is longer; "" when not even the ellipsis fits."""
    text = text or ""
    render = (lambda value: html.escape(value, quote=False)) if escape else (lambda value: value)
    if utf8_len(render(text)) <= limit:
        return render(text)
    kept = text[:limit]
    while kept and utf8_len(render(kept) + ELLIPSIS) > limit:
        kept = kept[:-1]
    return render(kept) + ELLIPSIS if kept else ""


def card_line(css, text, limit=LINE_BYTES):
    """A textcard description line (``gray``, ``normal`` or ``highlight``) of at most ``limit``
    bytes, or "" when ``text`` is empty."""
    if not text:
        return ""
    markup = '<div class="%s"></div>' % css
    body = fit(text, limit - utf8_len(markup), escape=True)
    return '<div class="%s">%s</div>' % (css, body) if body else ""


def card_description(lines, note=None):
    """The description of a textcard: ``lines`` [(css, text)] each within LINE_BYTES, then as
    much of ``note`` as the remaining room takes (WeCom allows 512 bytes)."""
    parts = [card_line(css, text) for css, text in lines]
    left = CARD_DESCRIPTION_BYTES - sum(utf8_len(part) for part in parts)
    if note and left >= MIN_NOTE_BYTES:
        parts.append(card_line("normal", note, left))
    return "".join(parts)


def text_with_link(head, body, link_text, url):
    """A text message: ``head`` on its first line, ``body`` cut to the room left, then a link."""
    link = '<a href="%s">%s</a>' % (html.escape(url), html.escape(link_text, quote=False))
    head = fit(head, LINE_BYTES)
    left = TEXT_BYTES - utf8_len(head) - utf8_len(link) - 2  # the two line breaks
    return "\n".join(part for part in (head, fit(body, max(left, 0)), link) if part)
