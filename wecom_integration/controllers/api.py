"""The JSON API under /api/v1/wechat/, compatible with the original module's routes.

Thin on purpose: authenticate, parse, call the wecom.json.api model, wrap the answer in
{"code", "message", "data"}. Plain JSON in and out (see rest_shim.py for why Odoo 11 needs help).
"""
import json
import logging

from odoo import _, http
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import request

from ..compat import set_request_user
from ..jsonapi.validation import CODES, WHOLE_NUMBER, ApiError, check_text
from .openapi import openapi_document
from .rest_shim import API_MAX_BODY, body_too_large

_logger = logging.getLogger(__name__)

PREFIX = "/api/v1/wechat"
MAX_BODY = API_MAX_BODY


def routes(path):
    """The path with and without its trailing slash, as the original API accepted both."""
    return [PREFIX + path, PREFIX + path + "/"]


def respond(code=0, message="ok", data=None, status=None, headers=()):
    body = json.dumps({"code": code, "message": message, "data": data}, ensure_ascii=False, default=str)
    return http.Response(body, status=status or CODES.get(code, 200),
                         headers=[("Content-Type", "application/json; charset=utf-8"),
                                  ("Cache-Control", "no-store")] + list(headers))


def authenticate():
    """Bearer API key, else the Odoo session; the public user is not let in."""
    header = request.httprequest.headers.get("Authorization", "")
    if header:
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(1401, _("Use the header Authorization: Bearer <API key>."))
        user_id = request.env["wecom.api.key"].sudo()._authenticate(key.strip())
        if not user_id:
            raise ApiError(1401, _("Unknown or revoked API key."))
        set_request_user(request, user_id)
        return
    if not request.session.uid or request.env.user._is_public():
        raise ApiError(1401, _("Not authenticated: log in (/web/session/authenticate) or send an API key "
                               "(Authorization: Bearer <key>)."))


def json_body(optional=False):
    """The request's JSON object. ``optional``: a POST without a body (and without a Content-Type)
    is the empty object, as for the routes whose body is not required."""
    httprequest = request.httprequest
    if body_too_large(httprequest):
        raise ApiError(1002, _("The body is larger than %(max)s bytes.") % {"max": MAX_BODY})
    raw = httprequest.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise ApiError(1002, _("The body is larger than %(max)s bytes.") % {"max": MAX_BODY})
    if optional and not raw.strip() and not httprequest.mimetype:
        return {}
    if httprequest.mimetype != "application/json":
        raise ApiError(1003, _("Send the body as JSON with Content-Type: application/json."))
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=not_json) if raw.strip() else {}
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError; 100k-deep nesting recurses
        raise ApiError(1000, _("The body is not valid JSON.")) from error
    if not isinstance(body, dict):
        raise ApiError(1000, _("The body must be a JSON object."))
    check_text(body)
    return body


def not_json(constant):
    """NaN, Infinity and -Infinity: Python's json reads them, JSON has no such numbers."""
    raise ValueError("%s is not JSON" % constant)


def query():
    values = {key: value for key, value in request.httprequest.args.items()}
    check_text(values)
    return values


def handle(call, success=None):
    """Run ``call()`` and wrap its result or its error in the envelope. ``success``: the message,
    or a function of the data that words it (a queued message is not "sent")."""
    try:
        authenticate()
        data = call()
        return respond(0, (success(data) if callable(success) else success) or _("ok"), data)
    except ApiError as error:
        return respond(error.code, error.message, status=error.status)
    except (AccessError, AccessDenied) as error:
        return respond(1403, getattr(error, "name", None) or str(error))
    except Exception:
        _logger.exception("WeCom API error on %s", request.httprequest.path)
        request.env.cr.rollback()
        return respond(1500, _("Internal error: see the server log."))


class WecomApiController(http.Controller):

    def _api(self):
        return request.env["wecom.json.api"]

    # ------------------------------------------------------------------ sync
    @http.route(routes("/sync/sync_departments"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_departments(self, **_kw):
        return handle(lambda: self._api()._run_sync("department", json_body(optional=True)),
                      success=sync_wording(_("Department sync done")))

    @http.route(routes("/sync/sync_users"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_users(self, **_kw):
        return handle(lambda: self._api()._run_sync("user", json_body(optional=True)),
                      success=sync_wording(_("Member sync done")))

    @http.route(routes("/sync/sync_all"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_all(self, **_kw):
        return handle(lambda: self._api()._run_sync("all", json_body(optional=True)),
                      success=sync_wording(_("Full sync done")))

    @http.route(routes("/sync/sync_logs"), type="http", auth="public", methods=["GET"], csrf=False)
    def sync_logs(self, **_kw):
        return handle(lambda: self._api()._list_sync_logs(query()))

    # ------------------------------------------------------------------ directory
    @http.route(routes("/departments"), type="http", auth="public", methods=["GET"], csrf=False)
    def departments(self, **_kw):
        return handle(lambda: self._api()._list_departments(query()))

    @http.route(routes("/users"), type="http", auth="public", methods=["GET"], csrf=False)
    def users(self, **_kw):
        return handle(lambda: self._api()._list_users(query()))

    # ------------------------------------------------------------------ messages
    @http.route(routes("/messages/send_message"), type="http", auth="public", methods=["POST"], csrf=False)
    def _send_message(self, **_kw):
        return handle(lambda: self._api()._send_message(json_body()), success=message_wording)

    @http.route(routes("/messages/send_to_users"), type="http", auth="public", methods=["POST"], csrf=False)
    def _send_to_users(self, **_kw):
        return handle(lambda: self._api()._send_to_users(json_body()), success=message_wording)

    @http.route(routes("/messages/retry_failed"), type="http", auth="public", methods=["POST"], csrf=False)
    def _retry_failed(self, **_kw):
        return handle(lambda: self._api()._retry_failed(json_body(optional=True)), success=retry_wording)

    @http.route(routes("/messages"), type="http", auth="public", methods=["GET"], csrf=False)
    def messages(self, **_kw):
        return handle(lambda: self._api()._list_messages(query()))

    @http.route(routes("/messages/<string:message_id>"), type="http", auth="public", methods=["GET"],
                csrf=False)
    def message(self, message_id, **_kw):
        def get():
            if "/messages/" + message_id in ROUTE_METHODS:
                raise ApiError(1405, _("Use POST on %(path)s.") % {"path": request.httprequest.path})
            if not is_record_id(message_id):
                raise ApiError(1404, _("Message %(id)s does not exist.") % {"id": message_id})
            return self._api()._get_message(message_id)
        if "/messages/" + message_id in ROUTE_METHODS:  # e.g. GET /messages/send_message
            return method_not_allowed(ROUTE_METHODS["/messages/" + message_id])
        return handle(get)

    # ------------------------------------------------------------------ documentation and the rest
    @http.route(PREFIX + "/openapi.json", type="http", auth="public", methods=["GET"], csrf=False)
    def openapi(self, **_kw):
        body = json.dumps(openapi_document(request.httprequest.host_url.rstrip("/")), ensure_ascii=False, indent=1)
        return request.make_response(body, headers=[("Content-Type", "application/json; charset=utf-8")])

    @http.route([PREFIX + "/<path:rest>"], type="http", auth="public", csrf=False)
    def not_found(self, rest, **_kw):
        method, path = request.httprequest.method, request.httprequest.path
        allowed = allowed_methods(path.rstrip("/")[len(PREFIX):])
        if allowed:
            return method_not_allowed(allowed)
        return respond(1404, _("No such API route: %(method)s %(path)s") % {"method": method, "path": path})


def allowed_methods(route):
    """The method a route takes ("GET" or "POST"), or None for no such route."""
    if route in ROUTE_METHODS:
        return ROUTE_METHODS[route]
    if route.startswith("/messages/") and is_record_id(route[len("/messages/"):]):
        return "GET"
    return None


def is_record_id(text):
    """``text`` is written as a record id: ASCII digits only (its range is checked later)."""
    return bool(WHOLE_NUMBER.match(text)) and text[0] not in "+-"


def method_not_allowed(allowed):
    return respond(1405, _("Use %(method)s on %(path)s.") % {"method": allowed, "path": request.httprequest.path},
                   headers=[("Allow", allowed)])


def sync_wording(done):
    """"Department sync done", or what a background run's answer really says."""
    def word(data):
        if data["status"] == "queued":
            return _("Sync queued: poll sync_logs/ (log %(id)s) for its outcome.") % {"id": data["id"]}
        if data["status"] == "partial":
            return _("%(done)s, with item errors: see errors.") % {"done": done}
        return done
    return word


def message_wording(data):
    """What happened to the message: sent, partly delivered, or queued for a retry."""
    return {
        "sent": _("Message sent"),
        "partial": _("Message partially delivered: see invalid_users, invalid_parties, invalid_tags and "
                     "unlinked_users."),
        "queued": _("Message queued: WeCom could not take it now; it is sent again automatically."),
    }.get(data["status"], _("Message recorded with status %(status)s.") % {"status": data["status"]})


def retry_wording(data):
    refused = len(data["results"]) - data["retried"]
    if refused:
        return _("%(retried)s message(s) resent, %(refused)s could not be: see results.") % {
            "retried": data["retried"], "refused": refused}
    return _("%(retried)s message(s) resent.") % {"retried": data["retried"]}


# path (without prefix and trailing slash) -> the method it takes, for 405 answers
ROUTE_METHODS = {
    "/sync/sync_departments": "POST", "/sync/sync_users": "POST", "/sync/sync_all": "POST",
    "/sync/sync_logs": "GET", "/departments": "GET", "/users": "GET", "/messages": "GET",
    "/messages/send_message": "POST", "/messages/send_to_users": "POST", "/messages/retry_failed": "POST",
}
