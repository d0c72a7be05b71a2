"""Fitting Odoo texts into WeCom's byte limits (plain Python: no Odoo models or environment).

WeCom counts a text message in bytes of UTF-8 (a Chinese character is 3) and refuses one over
2048; a message body or a record's name have no such limit in Odoo, so they are cut here, with an
ellipsis, before the message is built. (Template cards count characters: wecom/cards.py clip.)
"""
import html

from odoo.addons.wecom_integration.wecom.messages import LIMITS, utf8_len

ELLIPSIS = "…"
TEXT_BYTES = LIMITS["text.content"][1]
LINE_BYTES = 160  # the first line of a text (who, on which document) at most


def fit(text, limit):
    """``text`` in at most ``limit`` UTF-8 bytes, cut with an ellipsis when it is longer; "" when
    not even the ellipsis fits."""
    text = text or ""
    if utf8_len(text) <= limit:
        return text
    kept = text[:limit]
    while kept and utf8_len(kept + ELLIPSIS) > limit:
        kept = kept[:-1]
    return kept + ELLIPSIS if kept else ""


def text_with_link(head, body, link_text, url):
    """A text message: ``head`` on its first line, ``body`` cut to the room left, then a link."""
    link = '<a href="%s">%s</a>' % (html.escape(url), html.escape(link_text, quote=False))
    head = fit(head, LINE_BYTES)
    left = TEXT_BYTES - utf8_len(head) - utf8_len(link) - 2  # the two line breaks
    return "\n".join(part for part in (head, fit(body, max(left, 0)), link) if part)
