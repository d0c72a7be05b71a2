# -*- coding: utf-8 -*-
"""HTTP peers for emulator tests: a WeCom callback receiver that verifies and decrypts with
wechatpy 1.8.18, and a browser-redirect catcher for the OAuth flows."""
import http.server
import threading
import time
import urllib.parse

import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from wecom_emulator import CORP_ID

TOKEN = "cbToken2024"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


class Receiver(object):
    """A callback receiver on port 0 that verifies and decrypts with wechatpy.

    `answers`: HTTP statuses for the next POSTs (then 200); `delays`: seconds to wait before
    answering the next POSTs; `echo`: replaces the verification answer; `on_event(event)`: runs
    before answering (e.g. calls the emulator back) and may return the body of the 200 answer
    (bytes or str: a passive reply)."""

    def __init__(self, token=TOKEN, key=AES_KEY, corp_id=CORP_ID):
        self.crypto = WeChatCrypto(token, key, corp_id)
        self.answers, self.delays = [], []
        self.echo = None
        self.on_event = None
        self.gets, self.posts, self.xml, self.events = [], [], [], []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body=b""):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                query = urllib.parse.urlsplit(self.path).query
                args = dict(urllib.parse.parse_qsl(query))
                receiver.gets.append({"raw_query": query, "args": args})
                try:
                    echo = receiver.crypto.check_signature(
                        args["msg_signature"], args["timestamp"], args["nonce"], args["echostr"])
                except (InvalidSignatureException, KeyError):
                    return self._reply(403, b"bad signature")
                answer = echo if receiver.echo is None else receiver.echo
                self._reply(200, answer.encode("utf-8"))

            def do_POST(self):
                args = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    delay = receiver.delays.pop(0) if receiver.delays else 0
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.posts.append({"args": args, "body": body.decode("utf-8"),
                                           "content_type": self.headers.get("Content-Type")})
                plain = receiver.crypto.decrypt_message(body, args["msg_signature"],
                                                        args["timestamp"], args["nonce"])
                event = xmltodict.parse(plain)["xml"]
                answer = b"" if status == 200 else b"oops"
                if status == 200:
                    receiver.xml.append(plain)
                    receiver.events.append(event)
                    if receiver.on_event is not None:
                        answer = receiver.on_event(event) or b""
                if delay:
                    time.sleep(delay)
                self._reply(status, answer.encode("utf-8") if isinstance(answer, str) else answer)

        self.server, self.thread = _serve(Handler)
        self.url = "http://127.0.0.1:%d/wecom/callback" % self.server.server_port

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def closed_port_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_port
    server.server_close()
    return "http://127.0.0.1:%d/cb" % port


class RedirectCatcher(object):
    """Where the member's browser lands after authorizing: records each GET's query."""

    def __init__(self):
        self.hits = []
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                catcher.hits.append({"path": parts.path,
                                     "args": dict(urllib.parse.parse_qsl(parts.query,
                                                                         keep_blank_values=True))})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server, self.thread = _serve(Handler)
        self.port = self.server.server_port
        self.url = "http://127.0.0.1:%d/wecom/oauth" % self.port

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
