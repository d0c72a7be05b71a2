# -*- coding: utf-8 -*-
"""Helpers for tests: route `requests` into the emulator in-process, or serve it over HTTP.

    import responses
    from wecom_emulator import Emulator
    from wecom_emulator.testing import install, emulator_server

    emu = Emulator()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)                      # https://qyapi.weixin.qq.com/cgi-bin/... -> emu
        requests.get("https://qyapi.weixin.qq.com/cgi-bin/gettoken", params=...)

    with emulator_server(emu) as base_url:      # "http://127.0.0.1:PORT/cgi-bin"
        ...
"""
import contextlib
import json
import re
import socketserver
import threading
import urllib.parse

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .defaults import BASE_URL
from .wsgi import FAULT_HEADER, IN_PROCESS_KEY


def _split_url(url, base_url, prefix="/cgi-bin"):
    rest = url[len(base_url):]
    path, _, query = rest.partition("?")
    return prefix + path, query


def install(rsps, emulator, base_url=BASE_URL, remote_addr="127.0.0.1"):
    """Register `responses` callbacks (GET and POST) for base_url + "/..." that call the
    emulator's WSGI app in-process. Faults: "timeout" raises requests.exceptions.ReadTimeout,
    "http500" answers 500, "badjson" a 200 with a non-JSON body. Export data_list urls
    (SCHEME://HOST/_emulator/export/...) are served in-process too."""
    import requests

    base_url = base_url.rstrip("/")
    pattern = re.compile(re.escape(base_url) + r"(/.*)?$")
    # The emulator sees base_url's host, so the export urls it hands out come back here.
    parts = urllib.parse.urlsplit(base_url)
    host_url = "%s://%s" % (parts.scheme, parts.netloc)
    files = re.compile(re.escape(host_url) + r"/_emulator/export/.*$")

    def callback(request, root=base_url, prefix="/cgi-bin"):
        path, query = _split_url(request.url, root, prefix)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = dict(request.headers)
        builder = EnvironBuilder(path=path, base_url=host_url + "/", method=request.method,
                                 query_string=query, data=body, headers=headers,
                                 environ_base={"REMOTE_ADDR": remote_addr, IN_PROCESS_KEY: True})
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, response_headers = run_wsgi_app(emulator.wsgi_app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        if response_headers.get(FAULT_HEADER) == "timeout":
            return requests.exceptions.ReadTimeout(
                "emulator fault: read timed out (%s)" % request.url, request=request)
        out_headers = dict((k, v) for k, v in response_headers.items()
                           if k.lower() not in ("content-length", "content-type"))
        out_headers["Content-Type"] = response_headers.get("Content-Type", "application/json")
        return int(status.split(" ", 1)[0]), out_headers, content

    for method in ("GET", "POST", "PUT", "DELETE"):
        rsps.add_callback(method, pattern, callback=callback)
    rsps.add_callback("GET", files, callback=lambda request: callback(request, host_url, ""))
    return pattern


class _QuietHandler(WSGIRequestHandler):
    """No per-request log lines on stderr."""

    def log_request(self, *args, **kwargs):
        pass

    def log(self, type, message, *args):
        if type == "error":
            WSGIRequestHandler.log(self, type, message, *args)


@contextlib.contextmanager
def emulator_server(emulator, host="127.0.0.1", port=0, quiet=True):
    """Serve the emulator over real HTTP in a daemon thread; yields "http://HOST:PORT/cgi-bin"."""
    server = make_server(host, port, emulator.wsgi_app, threaded=True,
                         request_handler=_QuietHandler if quiet else None)
    # socketserver's loop directly: werkzeug's serve_forever() has no poll_interval, and the
    # default 0.5 s poll makes every shutdown() wait that long.
    thread = threading.Thread(target=socketserver.BaseServer.serve_forever, args=(server, 0.05),
                              name="wecom-emulator", daemon=True)
    thread.start()
    try:
        yield "http://%s:%d/cgi-bin" % (host, server.server_port)
    finally:
        if thread.is_alive():
            server.shutdown()
        server.server_close()
        thread.join(5)


class FakeClock(object):
    """A clock to pass as Emulator(clock=...): time stands still until advance()."""

    def __init__(self, start=1700000000.0):
        self.now = float(start)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds
        return self.now


class RawCaller(object):
    """A deliberately dumb WeCom caller for emulator tests: no retries, no token refresh, returns
    the parsed JSON whatever the errcode. `token(secret)` fetches and remembers one token."""

    def __init__(self, base_url=BASE_URL, corp_id=None, session=None):
        import requests
        from .defaults import CORP_ID
        self.base_url = base_url.rstrip("/")
        self.corp_id = corp_id or CORP_ID
        self.session = session or requests.Session()
        self.access_token = None

    def token(self, secret):
        data = self.get("gettoken", corpid=self.corp_id, corpsecret=secret)
        assert data["errcode"] == 0, data
        self.access_token = data["access_token"]
        return self.access_token

    def _params(self, params, token):
        params = dict(params)
        if token is not False and "access_token" not in params:
            if token or self.access_token:
                params["access_token"] = token or self.access_token
        return params

    def get(self, path, token=None, **params):
        if path != "gettoken":
            params = self._params(params, token)
        return self.session.get("%s/%s" % (self.base_url, path), params=params, timeout=10).json()

    def post(self, path, body=None, token=None, raw=None, **params):
        params = self._params(params, token)
        data = raw if raw is not None else json.dumps(body or {}, ensure_ascii=False).encode("utf-8")
        return self.session.post("%s/%s" % (self.base_url, path), params=params, data=data,
                                 headers={"Content-Type": "application/json"}, timeout=10).json()
