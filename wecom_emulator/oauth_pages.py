# -*- coding: utf-8 -*-
"""The browser side of OAuth (WECOM_API_CARDS_LOGIN §D) and web login (§E), served on the
emulator's own host in place of open.weixin.qq.com and login.work.weixin.qq.com:

- GET /connect/oauth2/authorize: the WeCom client opening the link. The emulator cannot know who
  holds the phone, so the page lists the corp's members (and "a WeChat user") to act as.
- GET /wwlogin/sso/login (and the older /wwopen/sso/qrConnect): the "QR code" page; each member
  button stands for that member scanning it.
- GET /wwopen/uriconfirm: what an untrusted redirect_uri shows (observed WeCom behaviour).
Each button is a form POST to /_emulator/oauth/approve; privateinfo then shows the consent page.
Error pages answer HTTP 200 (as WeCom does) with an X-Emulator-Error header naming the kind.
Everything is escaped; no JavaScript.
"""
import urllib.parse

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from .inbox import esc
from .oauth import NeedConsent, OAuthError

MAX_LISTED = 200   # members shown as buttons; a text field covers the rest of a large corp
ERROR_HEADER = "X-Emulator-Error"
FIELD_NAMES = {"gender": u"性别", "avatar": u"头像", "qr_code": u"二维码", "mobile": u"手机",
               "email": u"邮箱", "biz_mail": u"企业邮箱", "address": u"地址"}

STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f2f3f5;color:#1f2329}
header{background:#07c160;color:#fff;padding:12px 20px}header h1{margin:0;font-size:18px}
main{padding:16px 20px;max-width:720px}section{background:#fff;border-radius:6px;padding:14px 16px;margin-bottom:14px}
.meta{color:#8f959e;font-size:12px}.err{color:#d93026;font-size:18px;font-weight:600}
form.inline{display:inline-block;margin:3px}button{border:1px solid #c9cdd4;background:#fff;border-radius:4px;padding:5px 10px;cursor:pointer}
button.primary{background:#07c160;color:#fff;border-color:#07c160}button:disabled{color:#b1b5bb;cursor:not-allowed}
"""


def page(title, body, error=None):
    html = (u"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            u"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            u"<title>%s</title><style>%s</style></head><body><header><h1>%s</h1></header>"
            u"<main>%s</main></body></html>\n") % (esc(title), STYLE, esc(title), body)
    headers = {ERROR_HEADER: error} if error else None
    return Response(html.encode("utf-8"), headers=headers,
                    content_type="text/html; charset=UTF-8")


def error_page(exc):
    if exc.kind == "domain_err" and exc.uri is not None:
        detail = u"<p class=\"meta\">redirect_uri: %s</p>" % esc(exc.uri)
    else:
        detail = ""
    return page(u"企业微信", u"<section><p class=\"err\">%s</p>%s</section>"
                % (esc(exc.message), detail), error=exc.kind)


def _approve_form(pending, fields, label, disabled=False, primary=False):
    hidden = "".join(u"<input type=\"hidden\" name=\"%s\" value=\"%s\">" % (esc(k), esc(v))
                     for k, v in [("pending", pending["id"])] + list(fields))
    return (u"<form class=\"inline\" method=\"post\" action=\"/_emulator/oauth/approve\">%s"
            u"<button type=\"submit\"%s%s>%s</button></form>") % (
        hidden, u" class=\"primary\"" if primary else "", " disabled" if disabled else "",
        esc(label))


def picker(emu, pending, title, intro):
    with emu.lock:
        users = list(emu.directory.users.values())[:MAX_LISTED]
        total = len(emu.directory.users)
        app = emu.corp.apps.get(pending["agentid"]) if pending["agentid"] else None
    status = {2: u"已禁用", 4: u"未激活"}
    buttons = "".join(_approve_form(
        pending, [("userid", u["userid"])],
        u"%s (%s)%s" % (u["name"], u["userid"], u" · " + status[u["status"]]
                        if u["status"] in status else ""), disabled=u["status"] != 1)
        for u in users)
    more = (u"<form method=\"post\" action=\"/_emulator/oauth/approve\">"
            u"<input type=\"hidden\" name=\"pending\" value=\"%s\">"
            u"<input name=\"userid\" placeholder=\"userid\"> <button type=\"submit\">确定</button>"
            u"</form><p class=\"meta\">%d 名成员, 列出前 %d 名</p>" % (
                esc(pending["id"]), total, len(users))) if total > len(users) else ""
    stranger = _approve_form(pending, [("non_member", "1")], u"微信用户 (非企业成员)")
    return page(title, (
        u"<section><p>%s</p><p class=\"meta\">应用 %s · scope %s · state %s · redirect_uri %s</p>"
        u"</section><section>%s%s<div>%s</div></section>") % (
        esc(intro), esc(app.name if app else u"(未指定 agentid)"), esc(pending["scope"] or "-"),
        esc(pending["state"]), esc(pending["redirect_uri"]), buttons, more, stranger))


def authorize(emu, request):
    try:
        pending = emu.oauth.open_authorize(request.args)
    except OAuthError as exc:
        if exc.kind == "domain_err" and emu.oauth.domain_error == "uriconfirm":
            return redirect("/wwopen/uriconfirm?" + urllib.parse.urlencode(
                [("err_type", "domain_err"), ("uri", exc.uri)]))
        return error_page(exc)
    return picker(emu, pending, u"企业微信 · 网页授权",
                  u"模拟企业微信客户端打开此链接: 选择以哪位成员的身份访问。")


def weblogin(emu, request):
    try:
        pending = emu.oauth.open_weblogin(request.args)
    except OAuthError as exc:
        return error_page(exc)
    return picker(emu, pending, u"企业微信登录",
                  u"请使用企业微信扫描二维码登录 · 模拟扫码: 选择扫码的成员。")


def uriconfirm(emu, request):
    return page(u"企业微信", u"<section><p class=\"err\">%s</p><p class=\"meta\">%s</p>"
                u"</section>" % (esc(u"redirect_uri需使用应用可信域名"),
                                 esc(request.args.get("uri") or "")), error="domain_err")


def consent_page(emu, exc):
    pending, user = exc.pending, exc.user
    with emu.lock:
        app = emu.corp.apps[pending["agentid"]]
        fields = [FIELD_NAMES[f] for f in app.oauth_fields if f in FIELD_NAMES]
    base = [("userid", user["userid"])]
    return page(u"企业微信 · 授权", (
        u"<section><p>「%s」申请获取你的以下信息:</p><p>%s</p><p class=\"meta\">%s (%s)</p>"
        u"%s%s</section>") % (
        esc(app.name), esc(u"、".join(fields) or u"(无)"), esc(user["name"]),
        esc(user["userid"]), _approve_form(pending, base + [("consent", "1")], u"允许",
                                           primary=True),
        _approve_form(pending, base + [("consent", "0")], u"拒绝")))


def approve_form(emu, form):
    """A button of the pages above: redirect the browser, show the consent page, or an error."""
    consent = form.get("consent")
    userid = form.get("userid") or None
    openid = None
    if form.get("non_member") and not userid:
        openid = emu.oauth.openid_for(form.get("pending") or "")
    try:
        out = emu.oauth.approve(pending_id=form.get("pending"), state=form.get("state"),
                                userid=userid, openid=openid,
                                consent=None if consent is None else consent in ("1", "true"),
                                ask=True)
    except NeedConsent as exc:
        return consent_page(emu, exc)
    except OAuthError as exc:
        return error_page(exc)
    return redirect(out["redirect_url"])
