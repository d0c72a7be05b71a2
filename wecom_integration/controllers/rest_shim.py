"""How Odoo 11 hands our unauthenticated and REST URLs to their controllers.

1. Plain JSON for the REST API under /api/v1/: Odoo 11 turns every application/json request into
   JSON-RPC (Root.get_request), which a plain REST client cannot speak. Requests under
   API_PREFIX are handed to our type='http' routes as ordinary HTTP requests; the handlers read
   the raw body themselves. OCA's base_rest does the same in 11.0.
2. The WeCom callback URLs take any content type as raw bytes (a JSON post gets a 400 from the
   controller, not a JSON-RPC traceback), and no form is ever parsed from their body.
3. A body cap on both, applied before anything reads the body: a larger body is replaced by an
   empty one and flagged (``body_too_large``), and the controller answers 413. A chunked body
   (no Content-Length) is read up to the cap and no further.

Odoo 16+ accepts JSON bodies on type='http' routes: there only the cap remains (a WSGI
middleware or the reverse proxy's client_max_body_size).
"""
import io

from odoo import http

API_PREFIX = "/api/v1/"
CALLBACK_PREFIX = "/wecom/callback/"
API_MAX_BODY = 1024 * 1024  # a message is at most a few KB; 10,000 userids fit easily
CALLBACK_MAX_BODY = 64 * 1024  # a WeCom event post is a few hundred bytes
TOO_LARGE = "wecom.body_too_large"
ORIGINAL_CONTENT_TYPE = "wecom.content_type"

_original_get_request = http.Root.get_request


def body_cap(path):
    if path.startswith(API_PREFIX):
        return API_MAX_BODY
    if path.startswith(CALLBACK_PREFIX):
        return CALLBACK_MAX_BODY
    return None


def cap_body(environ, cap):
    """Make the WSGI input at most ``cap`` bytes, without reading more than cap + 1 of it."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = cap + 1  # unreadable: treat as too large
    if length > cap:
        data = None
    elif length >= 0:
        return  # werkzeug limits the stream to Content-Length
    elif environ.get("wsgi.input_terminated"):  # chunked: read up to the cap
        data = environ["wsgi.input"].read(cap + 1)
        if len(data) > cap:
            data = None
    else:
        return  # no length and not terminated: werkzeug reads nothing
    environ[TOO_LARGE] = data is None
    data = data or b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("wsgi.input_terminated", None)


def body_too_large(httprequest):
    return bool(httprequest.environ.get(TOO_LARGE))


def original_content_type(httprequest):
    """The Content-Type the client sent to a callback URL (the shim hides it from werkzeug)."""
    return httprequest.environ.get(ORIGINAL_CONTENT_TYPE, httprequest.environ.get("CONTENT_TYPE", ""))


def get_request(self, httprequest):
    path = httprequest.path
    cap = body_cap(path)
    if cap is None:
        return _original_get_request(self, httprequest)
    environ = httprequest.environ
    cap_body(environ, cap)
    if path.startswith(CALLBACK_PREFIX):
        # raw bytes only: no form parsing of an unauthenticated body, no JSON-RPC
        environ[ORIGINAL_CONTENT_TYPE] = environ.get("CONTENT_TYPE", "")
        environ["CONTENT_TYPE"] = "application/octet-stream"
    return http.HttpRequest(httprequest)


if not getattr(http.Root.get_request, "_wecom_rest_shim", False):
    get_request._wecom_rest_shim = True
    http.Root.get_request = get_request
