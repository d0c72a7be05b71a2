# -*- coding: utf-8 -*-
"""Routing and transport: /cgi-bin/* (WeCom API), /_emulator/* (admin), / (inbox page).

For /cgi-bin/ this layer does what is common to every endpoint, in this order: count the call,
method check, frequency limits (45009), concurrency (45033), the round-trip latency (slept in
the slot, without the lock), injected faults, authentication, then the handler; and it shapes every answer like WeCom does (HTTP 200, errcode/errmsg first,
Error-Code/Error-Msg headers).
"""
import collections
import json
import random
import time

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .errors import ApiError, build_errmsg
from .faults import SERVER_TIMEOUT_SLEEP
from .api import Call

IN_PROCESS_KEY = "wecom_emulator.in_process"   # set by testing.install()
FAULT_HEADER = "X-Emulator-Fault"

NGINX_500 = (b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
             b"<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")
NGINX_504 = NGINX_500.replace(b"500 Internal Server Error", b"504 Gateway Time-out")


def json_response(data, status=200, headers=None):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status=status, headers=headers,
                    content_type="application/json; charset=UTF-8")


def wecom_response(data):
    """errcode/errmsg first, the data fields after; mirrored headers as captured from WeCom."""
    ordered = collections.OrderedDict()
    ordered["errcode"] = data.get("errcode", 0)
    ordered["errmsg"] = data.get("errmsg", "ok")
    for key, value in data.items():
        if key not in ordered:
            ordered[key] = value
    headers = {
        "Error-Code": str(ordered["errcode"]),
        # Header values must be latin-1; keep them ASCII.
        "Error-Msg": ordered["errmsg"].encode("ascii", "backslashreplace").decode("ascii"),
        "Server": "nginx",
        "X-W-No": str(random.randint(1, 9)),
    }
    return json_response(ordered, headers=headers)


class WsgiApp(object):
    def __init__(self, emulator):
        self.emu = emulator
        self.url_map = Map([
            Rule("/", endpoint="inbox"),
            Rule("/inbox", endpoint="inbox"),
            Rule("/cgi-bin/<path:api>", endpoint="cgi"),
            Rule("/_emulator/<path:rest>", endpoint="admin"),
            # Browser pages of OAuth and web login (oauth_pages.py), on the emulator's host.
            Rule("/connect/oauth2/authorize", endpoint="oauth_authorize"),
            Rule("/wwlogin/sso/login", endpoint="oauth_weblogin"),
            Rule("/wwopen/sso/qrConnect", endpoint="oauth_weblogin"),
            Rule("/wwopen/uriconfirm", endpoint="oauth_uriconfirm"),
        ], strict_slashes=False)

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            if endpoint == "cgi":
                response = self.cgi(request, values["api"])
            elif endpoint == "admin":
                response = self.emu.admin.dispatch(request, values["rest"])
            elif endpoint.startswith("oauth_"):
                from . import oauth_pages
                response = getattr(oauth_pages, endpoint[len("oauth_"):])(self.emu, request)
            else:
                from .inbox import render_inbox
                response = Response(render_inbox(self.emu, request.args.get("userid")),
                                    content_type="text/html; charset=UTF-8")
        except NotFound:
            response = json_response({"error": "not found: %s" % request.path}, status=404)
        except HTTPException as exc:
            response = exc
        return response(environ, start_response)

    # ------------------------------------------------------------------ /cgi-bin/
    def cgi(self, request, api):
        # Every answer takes the configured round trip (latency.py): inside the concurrency
        # slot for a call that got one, just before the answer for one refused earlier.
        wait = self.emu.latency.once()
        try:
            return self._cgi(request, api, wait)
        finally:
            wait()

    def _cgi(self, request, api, wait):
        emu = self.emu
        api = api.strip("/")
        ip = request.remote_addr or "127.0.0.1"
        in_process = bool(request.environ.get(IN_PROCESS_KEY))
        emu.record_call(api)
        endpoint = emu.api.endpoints.get(api)
        if endpoint is None:
            return json_response({"errcode": 404, "errmsg": "emulator: unknown API path /cgi-bin/%s"
                                  % api}, status=404)

        args = dict((k, request.args.get(k)) for k in request.args)
        call = Call(api, request.method, args, request.get_data(cache=True), ip, emu.clock())
        call.host_url = request.host_url

        def answer(data=None, error=None):
            if error is not None:
                body = dict(error.extra)
                body["errcode"] = error.errcode
                body["errmsg"] = build_errmsg(error.errcode, ip, error.detail)
                return wecom_response(body)
            return wecom_response(data or {})

        if request.method != endpoint.method:
            # GET on a POST endpoint (or the reverse): 40058 per §0.
            return answer(error=ApiError(40058, "http method %s not allowed, use %s. "
                                         "Invalid input invalid Request Parameter"
                                         % (request.method, endpoint.method)))

        # message/send does not count toward the base limits, nor a valid code exchange (§6).
        exempt = api in ("message/send", "message/recall") or (
            api in ("auth/getuserinfo", "user/getuserinfo")
            and emu.oauth.live_code(args.get("code")))
        if not exempt:
            fired = emu.limiter.hit(emu.limiter.api_checks(
                emu.corp.corp_id, ip, api, debug=args.get("debug") == "1"), call.now)
            if fired:
                return answer(error=ApiError(45009, "api freq out of limit (%s)" % fired))

        slot = (emu.corp.corp_id, api)
        if not emu.limiter.enter(slot):
            return answer(error=ApiError(45033))
        try:
            wait()   # in flight meanwhile, and without the emulator lock
            fault = call.fault = emu.faults.take(api)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if fault.kind == "errcode":
                    return answer(error=ApiError(fault.errcode))
                if fault.kind == "http500":
                    return Response(NGINX_500, status=500, content_type="text/html")
                if fault.kind == "badjson":
                    return Response(b'{"errcode":0,"errmsg":"ok","userl', status=200,
                                    content_type="application/json; charset=UTF-8")
                if fault.kind == "timeout":
                    return self._timeout(in_process, fault)
            response = self._handle(call, endpoint, answer)
            if fault is not None and fault.kind == "timeout_after":
                return self._timeout(in_process, fault)
            return response
        finally:
            emu.limiter.leave(slot)

    def _handle(self, call, endpoint, answer):
        emu = self.emu
        try:
            with emu.lock:
                if endpoint.token:
                    emu.api.authenticate(call, endpoint)
                data = endpoint.handler(call)
        except ApiError as error:
            return answer(error=error)
        return answer(data)

    @staticmethod
    def _timeout(in_process, fault):
        if in_process:
            # testing.install() turns this marker into requests.exceptions.ReadTimeout.
            return Response(b"", status=504, headers={FAULT_HEADER: "timeout"})
        time.sleep(SERVER_TIMEOUT_SLEEP if not fault.delay else 0)
        return Response(NGINX_504, status=504, content_type="text/html")
