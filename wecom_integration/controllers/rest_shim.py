"""Plain JSON for the REST API under /api/v1/.

Odoo 11 turns every application/json request into JSON-RPC (Root.get_request), which a plain
REST client cannot speak. Requests under API_PREFIX are handed to our type='http' routes as
ordinary HTTP requests instead; the handlers read the raw body themselves. OCA's base_rest does
the same in 11.0. Odoo 16+ accepts JSON bodies on type='http' routes: drop this file there.
"""
from odoo import http

API_PREFIX = "/api/v1/"

_original_get_request = http.Root.get_request


def get_request(self, httprequest):
    if httprequest.path.startswith(API_PREFIX):
        return http.HttpRequest(httprequest)
    return _original_get_request(self, httprequest)


if not getattr(http.Root.get_request, "_wecom_rest_shim", False):
    get_request._wecom_rest_shim = True
    http.Root.get_request = get_request
