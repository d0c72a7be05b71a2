"""Sign in to Odoo with WeCom (CARDS_LOGIN §D-E).

- ``/wecom/login?redirect=<path>``: the one entry point of every link the addon sends to WeCom.
  Signed in already: straight to the path. Inside WeCom (its browser's user agent says
  ``wxwork``): WeCom's OAuth page (snsapi_base, or snsapi_privateinfo when the consent setting is
  on). On a desktop: WeCom's web login (QR code).
- ``/wecom/login/callback?code=&state=``: the state must be the one bound to this browser
  session; the code (single-use, short-lived, WeCom checks) gives the userid through
  auth/getuserinfo; an active member linked to an active Odoo user is signed in with a one-time
  credential (wecom.login.token) that Odoo's own authentication consumes.
Only same-site relative paths are followed. Every sign-in and refusal is logged (wecom.login.log).
"""
import logging
import secrets
import urllib.parse

import werkzeug.utils
from werkzeug.wrappers import Response

from odoo import SUPERUSER_ID, api, http
from odoo.addons.web.controllers.main import Home
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import html_escape

from ..models.wecom_config import LOGIN_PATH
from ..wecom.errors import WecomError

_logger = logging.getLogger(__name__)

CALLBACK = "/wecom/login/callback"
SESSION_KEY = "wecom_login"
DEFAULT_REDIRECT = "/web"
CODE_ERRCODES = (40029, 40163)  # invalid / used code
MEMBER_REFUSALS = {"2": "member_disabled", "4": "member_not_activated", "5": "member_left"}


def safe_redirect(path):
    """``path`` when it is a path on this site, else the web client: no scheme, no host, no
    protocol-relative ``//``, no backslashes or control characters."""
    if not path or not isinstance(path, str):
        return DEFAULT_REDIRECT
    path = path.strip()
    if (not path.startswith("/") or path.startswith("//") or "\\" in path
            or any(ord(char) < 32 or ord(char) == 127 for char in path)):
        return DEFAULT_REDIRECT
    parts = urllib.parse.urlsplit(path)
    if parts.scheme or parts.netloc:
        return DEFAULT_REDIRECT
    return path


def login_link(path):
    """The link to put into WeCom for ``path`` (relative)."""
    return "%s?%s" % (LOGIN_PATH, urllib.parse.urlencode({"redirect": path}))


def in_wecom(httprequest):
    return "wxwork" in (httprequest.headers.get("User-Agent") or "").lower()


def _env():
    return api.Environment(request.cr, SUPERUSER_ID, dict(request.context))


def _enabled(env):
    return env["wecom.config"]._get_login_flag("login_enabled") and env["wecom.config"]._is_configured()


class WecomLoginController(http.Controller):

    @http.route(LOGIN_PATH, type="http", auth="public", methods=["GET"], csrf=False)
    def wecom_login(self, redirect=None, **_ignored):
        target = safe_redirect(redirect)
        env = _env()
        if request.session.uid:
            return werkzeug.utils.redirect(target, 303)
        if not _enabled(env):
            return werkzeug.utils.redirect("/web/login?" + urllib.parse.urlencode({"redirect": target}), 303)
        try:
            settings = env["wecom.config"]._get_settings()
        except UserError as error:
            env["wecom.login.log"]._record("refused", "not_configured", detail=str(error),
                                           ip=request.httprequest.remote_addr)
            return self._refusal_page(env, "not_configured")
        state = secrets.token_hex(16)
        flow = "oauth" if in_wecom(request.httprequest) else "weblogin"
        request.session[SESSION_KEY] = {"state": state, "redirect": target, "flow": flow}
        callback = request.httprequest.host_url.rstrip("/") + CALLBACK
        if flow == "oauth":
            scope = "snsapi_privateinfo" if env["wecom.config"]._get_login_flag("login_consent") else "snsapi_base"
            query = [("appid", settings["corp_id"]), ("redirect_uri", callback), ("response_type", "code"),
                     ("scope", scope), ("state", state), ("agentid", settings["agent_id"])]
            url = "%s/connect/oauth2/authorize?%s#wechat_redirect" % (
                settings["oauth_url"].rstrip("/"), urllib.parse.urlencode(query))
        else:
            query = [("login_type", "CorpApp"), ("appid", settings["corp_id"]), ("agentid", settings["agent_id"]),
                     ("redirect_uri", callback), ("state", state)]
            url = "%s/wwlogin/sso/login?%s" % (settings["sso_url"].rstrip("/"), urllib.parse.urlencode(query))
        return werkzeug.utils.redirect(url, 303)

    @http.route(CALLBACK, type="http", auth="public", methods=["GET"], csrf=False)
    def wecom_login_callback(self, code=None, state=None, **_ignored):
        env = _env()
        pending = request.session.pop(SESSION_KEY, None) or {}
        flow = pending.get("flow")
        ip = request.httprequest.remote_addr
        Log = env["wecom.login.log"]

        def refuse(reason, member=None, user=None, userid=None, detail=None):
            Log._record("refused", reason, flow=flow, member=member, user=user, userid=userid, detail=detail, ip=ip)
            return self._refusal_page(env, reason)

        if not _enabled(env):
            return refuse("disabled")
        if not state or not pending.get("state") or not secrets.compare_digest(str(state), pending["state"]):
            return refuse("state")
        try:
            info = env["wecom.config"]._get_client("app").auth_getuserinfo(code)
        except WecomError as error:
            errcode = getattr(error, "errcode", None)
            return refuse("code" if errcode in CODE_ERRCODES or not code else "wecom_error", detail=str(error))
        userid = info.get("userid")
        if not userid:
            return refuse("not_member", detail=info.get("openid"))
        member = env["wecom.user"].with_context(active_test=False).search([("userid", "=ilike", userid)], limit=1)
        if not member:
            return refuse("unknown_member", userid=userid)
        if member.status in MEMBER_REFUSALS:
            return refuse(MEMBER_REFUSALS[member.status], member=member)
        if not member.active or member.status != "1":
            return refuse("member_left", member=member)
        user = member.odoo_user_id.with_context(active_test=False)
        reason = "ok"
        if not user:
            if not env["wecom.config"]._get_login_flag("login_create_portal"):
                return refuse("unlinked", member=member)
            user = env["wecom.login.log"]._create_portal_user(member)
            if user is None:
                return refuse("login_taken", member=member)
            reason = "portal_created"
        if not user.active:
            return refuse("user_inactive", member=member, user=user)
        if info.get("user_ticket") and env["wecom.config"]._get_login_flag("login_consent"):
            self._fill_private_fields(env, member, info["user_ticket"])
        token = env["wecom.login.token"]._issue(user)
        request.cr.commit()  # authenticate checks the credential in a cursor of its own
        uid = request.session.authenticate(request.db, user.login, token)
        if not uid:
            return refuse("user_inactive", member=member, user=user)
        Log._record("success", reason, flow=flow, member=member, user=user, ip=ip)
        return werkzeug.utils.redirect(pending.get("redirect") or DEFAULT_REDIRECT, 303)

    @staticmethod
    def _fill_private_fields(env, member, ticket):
        """mobile, email and avatar the member consented to share; never clears a field."""
        try:
            detail = env["wecom.config"]._get_client("app").auth_getuserdetail(ticket)
        except WecomError as error:
            _logger.warning("WeCom sign-in of %s: auth/getuserdetail failed: %s", member.userid, error)
            return
        values = {name: detail[name] for name in ("mobile", "email", "avatar")
                  if detail.get(name) and detail[name] != member[name]}
        if values:
            member.write(values)

    @staticmethod
    def _refusal_page(env, reason):
        lang_env = env(context=dict(env.context, lang=request.context.get("lang") or env.context.get("lang")))
        text = lang_env["wecom.login.log"]._reason_text(reason)
        body = (u"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                u"content=\"width=device-width, initial-scale=1\"><title>%(title)s</title></head>"
                u"<body style=\"font-family: sans-serif; margin: 2em;\"><h1>%(title)s</h1>"
                u"<p class=\"wecom-login-refusal\" data-reason=\"%(reason)s\">%(text)s</p>"
                u"<p><a href=\"/web/login?no_wecom=1\">%(other)s</a></p></body></html>") % {
                    "title": html_escape(lang_env["wecom.login.log"]._reason_text("title")),
                    "reason": html_escape(reason), "text": html_escape(text),
                    "other": html_escape(lang_env["wecom.login.log"]._reason_text("other"))}
        return Response(body, status=403, content_type="text/html; charset=utf-8")


class WecomLoginHome(Home):
    """Odoo's login page: a "Log in with WeCom" button, and inside WeCom straight to WeCom."""

    @http.route()
    def web_login(self, redirect=None, **kw):
        if request.httprequest.method == "GET" and not request.session.uid and request.db:
            env = _env()
            if _enabled(env):
                if in_wecom(request.httprequest) and not kw.get("no_wecom"):
                    return werkzeug.utils.redirect(login_link(safe_redirect(redirect)), 303)
                response = super(WecomLoginHome, self).web_login(redirect=redirect, **kw)
                if getattr(response, "qcontext", None) is not None:
                    response.qcontext["wecom_login_url"] = login_link(safe_redirect(redirect))
                return response
        return super(WecomLoginHome, self).web_login(redirect=redirect, **kw)
