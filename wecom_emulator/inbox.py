# -*- coding: utf-8 -*-
"""GET /: an HTML inbox so a person can watch app messages arrive (refreshes every 5 s).

One section per member who received something, newest first; then the sends that reached
nobody (suppressed duplicates, all recipients dropped). Self-contained page, everything escaped.
"""
import html

STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f2f3f5;color:#1f2329}
header{background:#07c160;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;font-size:13px;opacity:.9}
main{padding:16px 20px;max-width:980px}
section{background:#fff;border-radius:6px;margin-bottom:16px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:16px;margin:0 0 8px}h2 small{color:#8f959e;font-weight:normal}
.msg{border-top:1px solid #eee;padding:8px 0}.msg:first-of-type{border-top:0}
.meta{font-size:12px;color:#8f959e}.type{display:inline-block;background:#e8f7ee;color:#07a150;border-radius:3px;padding:0 5px;margin-right:6px}
.title{font-weight:600;margin:4px 0}.content{white-space:pre-wrap;word-break:break-all;margin:4px 0}
.mark{display:inline-block;border-radius:3px;padding:0 5px;margin-left:6px;font-size:12px}
.recalled{background:#fdecea;color:#d93026}.suppressed{background:#fff4e5;color:#b26a00}
.recalled-body{text-decoration:line-through;color:#8f959e}.empty{color:#8f959e}
a{color:#3370ff}
"""


def esc(value):
    return html.escape("" if value is None else str(value), quote=True)


def link(url, text=None, block=True):
    """An escaped link (anything but http(s) becomes "#"), in a <div> unless block=False."""
    if not url:
        return ""
    safe = url if url.startswith(("http://", "https://")) else "#"
    html_ = '<a href="%s" rel="noopener noreferrer" target="_blank">%s</a>' % (
        esc(safe), esc(text or url))
    return "<div>%s</div>" % html_ if block else html_


def render_body(record, userid=None, statuses=None):
    """Title / content / link of one message, escaped. Template cards: `userid`'s copy with
    its buttons (card_view.py); statuses: app-callback delivery id -> status."""
    kind, p = record["msgtype"], record["payload"]
    parts = []
    if kind in ("text", "markdown"):
        parts.append('<div class="content">%s</div>' % esc(p.get("content")))
    elif kind == "textcard":
        parts.append('<div class="title">%s</div>' % esc(p.get("title")))
        parts.append('<div class="content">%s</div>' % esc(p.get("description")))
        parts.append(link(p.get("url")))
        parts.append('<div class="meta">[%s]</div>' % esc(p.get("btntxt")))
    elif kind in ("news", "mpnews"):
        for art in p.get("articles", []):
            parts.append('<div class="title">%s</div>' % esc(art.get("title")))
            if art.get("description") or art.get("digest"):
                parts.append('<div class="content">%s</div>' % esc(
                    art.get("description") or art.get("digest")))
            parts.append(link(art.get("url") or art.get("content_source_url")))
    elif kind == "template_card":
        from .card_view import render_card   # card_view imports this module
        copies = (record.get("card") or {}).get("copies") or {}
        parts.append(render_card(record, copies.get((userid or "").lower()), statuses))
    else:
        parts.append('<div class="content">%s</div>' % esc(
            p.get("title") or p.get("media_id") or ""))
    return "".join(parts)


def render_message(record, extra_meta="", userid=None, statuses=None):
    marks = ""
    if record["recalled"]:
        marks += '<span class="mark recalled">已撤回 recalled %s</span>' % esc(record["recalled_at"])
    if record["status"] == "suppressed":
        marks += '<span class="mark suppressed">重复消息未下发 suppressed duplicate</span>'
    body_class = "recalled-body" if record["recalled"] else ""
    return ('<div class="msg"><div class="meta"><span class="type">%s</span>%s · %s · msgid %s%s%s'
            '</div><div class="%s">%s</div></div>') % (
        esc(record["msgtype"]), esc(record["app_name"]), esc(record["created_at"]),
        esc(record["msgid"][:16] + "…"), esc(extra_meta), marks, body_class,
        render_body(record, userid, statuses))


def render_inbox(emulator, only_userid=None):
    with emulator.lock:
        records = list(emulator.messages)
        directory = emulator.directory
        statuses = dict((d["id"], d["status"]) for d in emulator.app_callback_deliveries())
        by_user = {}
        order = []
        undelivered = []
        for record in reversed(records):   # newest first
            if record["status"] != "delivered" or not record["recipients"]:
                undelivered.append(record)
                continue
            for uid in record["recipients"]:
                key = uid.lower()
                if key not in by_user:
                    by_user[key] = []
                    order.append(key)
                by_user[key].append(record)
        sections = []
        for key in order:
            if only_userid and key != only_userid.lower():
                continue
            user = directory.get_user(key)
            name = user["name"] if user else "(已删除)"
            userid = user["userid"] if user else key
            sections.append('<section><h2>%s <small>%s · %d 条</small></h2>%s</section>' % (
                esc(name), esc(userid), len(by_user[key]),
                "".join(render_message(r, userid=key, statuses=statuses)
                        for r in by_user[key])))
        if undelivered and not only_userid:
            sections.append('<section><h2>未下发 <small>not delivered to anyone</small></h2>%s</section>'
                            % "".join(render_message(r, " · to " + (r["touser"] or r["toparty"] or
                                                                     r["totag"]))
                                      for r in undelivered))
        if not sections:
            sections.append('<section class="empty">还没有消息。No messages yet: send one with '
                            'POST /cgi-bin/message/send.</section>')
        corp_name = directory.corp_name or ""
    from .card_view import STYLE as CARD_STYLE
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"refresh\" content=\"5\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>企业微信模拟器 · 消息收件箱</title><style>%s</style></head><body>"
            "<header><h1>企业微信模拟器 · 消息收件箱</h1><p>%s · corpid %s · %d 条消息 · "
            "每 5 秒刷新</p></header><main>%s</main></body></html>\n") % (
        STYLE + CARD_STYLE, esc(corp_name), esc(emulator.corp_id), len(records), "".join(sections))
