"""The JSON API under /api/v1/wechat/, compatible with the original module's routes.

Thin on purpose: authenticate, parse, call the wecom.api model, wrap the answer in
{"code", "message", "data"}. Plain JSON in and out (see rest_shim.py for why Odoo 11 needs help).
"""
import json
import logging

from odoo import _, http
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import request

from ..models.wecom_api import CODES, ApiError
from .openapi import openapi_document

_logger = logging.getLogger(__name__)

PREFIX = "/api/v1/wechat"
MAX_BODY = 1024 * 1024  # a message is at most a few KB; 10,000 userids fit easily


def routes(path):
    """The path with and without its trailing slash, as the original API accepted both."""
    return [PREFIX + path, PREFIX + path + "/"]


def respond(code=0, message="ok", data=None, status=None):
    body = json.dumps({"code": code, "message": message, "data": data}, ensure_ascii=False, default=str)
    return http.Response(body, status=status or CODES.get(code, 200),
                         headers=[("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")])


def authenticate():
    """Bearer API key, else the Odoo session; the public user is not let in."""
    header = request.httprequest.headers.get("Authorization", "")
    if header:
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(1401, _("Use the header Authorization: Bearer <API key>."))
        user_id = request.env["wecom.api.key"].sudo().authenticate(key.strip())
        if not user_id:
            raise ApiError(1401, _("Unknown or revoked API key."))
        request.uid = user_id
        return
    if not request.session.uid or request.env.user._is_public():
        raise ApiError(1401, _("Not authenticated: log in (/web/session/authenticate) or send an API key "
                               "(Authorization: Bearer <key>)."))


def json_body():
    if request.httprequest.mimetype != "application/json":
        raise ApiError(1003, _("Send the body as JSON with Content-Type: application/json."))
    length = request.httprequest.content_length
    if length is not None and length > MAX_BODY:
        raise ApiError(1002, _("The body is larger than %s bytes.") % MAX_BODY)
    raw = request.httprequest.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise ApiError(1002, _("The body is larger than %s bytes.") % MAX_BODY)
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        raise ApiError(1000, _("The body is not valid JSON."))
    if not isinstance(body, dict):
        raise ApiError(1000, _("The body must be a JSON object."))
    return body


def query():
    return {key: value for key, value in request.httprequest.args.items()}


def handle(call, permission_message=None, success=None):
    """Run ``call()`` and wrap its result or its error in the envelope."""
    try:
        authenticate()
        data = call()
        return respond(0, success or _("ok"), data)
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
        return request.env["wecom.api"]

    # ------------------------------------------------------------------ sync
    @http.route(routes("/sync/sync_departments"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_departments(self, **_kw):
        return handle(lambda: self._api().run_sync("department", json_body()), success=_("Department sync done"))

    @http.route(routes("/sync/sync_users"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_users(self, **_kw):
        return handle(lambda: self._api().run_sync("user", json_body()), success=_("Member sync done"))

    @http.route(routes("/sync/sync_all"), type="http", auth="public", methods=["POST"], csrf=False)
    def sync_all(self, **_kw):
        return handle(lambda: self._api().run_sync("all", json_body()), success=_("Full sync done"))

    @http.route(routes("/sync/sync_logs"), type="http", auth="public", methods=["GET"], csrf=False)
    def sync_logs(self, **_kw):
        return handle(lambda: self._api().list_sync_logs(query()))

    # ------------------------------------------------------------------ directory
    @http.route(routes("/departments"), type="http", auth="public", methods=["GET"], csrf=False)
    def departments(self, **_kw):
        return handle(lambda: self._api().list_departments(query()))

    @http.route(routes("/users"), type="http", auth="public", methods=["GET"], csrf=False)
    def users(self, **_kw):
        return handle(lambda: self._api().list_users(query()))

    # ------------------------------------------------------------------ messages
    @http.route(routes("/messages/send_message"), type="http", auth="public", methods=["POST"], csrf=False)
    def send_message(self, **_kw):
        return handle(lambda: self._api().send_message(json_body()), success=_("Message sent"))

    @http.route(routes("/messages/send_to_users"), type="http", auth="public", methods=["POST"], csrf=False)
    def send_to_users(self, **_kw):
        return handle(lambda: self._api().send_to_users(json_body()), success=_("Message sent"))

    @http.route(routes("/messages/retry_failed"), type="http", auth="public", methods=["POST"], csrf=False)
    def retry_failed(self, **_kw):
        return handle(lambda: self._api().retry_failed(json_body()), success=_("Failed messages retried"))

    @http.route(routes("/messages"), type="http", auth="public", methods=["GET"], csrf=False)
    def messages(self, **_kw):
        return handle(lambda: self._api().list_messages(query()))

    @http.route(routes("/messages/<string:message_id>"), type="http", auth="public", methods=["GET"],
                csrf=False)
    def message(self, message_id, **_kw):
        def get():
            if "/messages/" + message_id in ROUTE_METHODS:
                raise ApiError(1405, _("Use POST on %s.") % request.httprequest.path)
            if not message_id.isdigit() or int(message_id) < 1:
                raise ApiError(1404, _("Message %s does not exist.") % message_id)
            return self._api().get_message(int(message_id))
        return handle(get)

    # ------------------------------------------------------------------ documentation and the rest
    @http.route(PREFIX + "/openapi.json", type="http", auth="public", methods=["GET"], csrf=False)
    def openapi(self, **_kw):
        body = json.dumps(openapi_document(request.httprequest.host_url.rstrip("/")), ensure_ascii=False, indent=1)
        return request.make_response(body, headers=[("Content-Type", "application/json; charset=utf-8")])

    @http.route([PREFIX + "/<path:rest>"], type="http", auth="public", csrf=False)
    def not_found(self, rest, **_kw):
        method, path = request.httprequest.method, request.httprequest.path
        allowed = ROUTE_METHODS.get(path.rstrip("/")[len(PREFIX):])
        if allowed:
            return respond(1405, _("Use %s on %s.") % (allowed, path))
        return respond(1404, _("No such API route: %s %s") % (method, path))


# path (without prefix and trailing slash) -> the method it takes, for 405 answers
ROUTE_METHODS = {
    "/sync/sync_departments": "POST", "/sync/sync_users": "POST", "/sync/sync_all": "POST",
    "/sync/sync_logs": "GET", "/departments": "GET", "/users": "GET", "/messages": "GET",
    "/messages/send_message": "POST", "/messages/send_to_users": "POST", "/messages/retry_failed": "POST",
}
