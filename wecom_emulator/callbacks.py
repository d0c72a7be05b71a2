# -*- coding: utf-8 -*-
"""The contact-sync callback: WeCom verifying a receiver's URL and POSTing change_contact events
to it (WECOM_API §8.2–8.3), with retries and a record of every delivery.

HTTP goes through http.client, not `requests`: tests of the addon run the emulator inside the
`responses` mock, which intercepts every `requests` call in the process.

Delivery modes:
- "sync": the POST happens inside the directory change, in the caller's thread, so a test can
  assert right after the change. The emulator lock is released during the HTTP exchange: a
  receiver that calls the emulator back (user/get after an event) would otherwise deadlock.
- "background": a worker thread and a queue, as WeCom does; flush(timeout) waits for it.
"""
import contextlib
import copy
import http.client
import itertools
import queue
import random
import threading
import time
import urllib.parse

from . import contact_events
from .errors import ApiError
from .msgcrypt import MsgCrypt, MsgCryptError

MODES = ("sync", "background")
ATTEMPTS = 3          # "retry, at most 3 times in total" (§8.3; UNCERTAIN: 1 + 3 retries?)
TIMEOUT = 5.0         # WeCom drops the connection after 5 s
VERIFY_ERRCODE = 40057
VERIFY_ERRMSG = "callback url verification failed"
_rng = random.SystemRandom()


@contextlib.contextmanager
def released(lock):
    """Fully release an RLock the current thread holds (however deeply), re-take it after.
    A no-op when the thread does not hold it."""
    depth = 0
    while True:
        try:
            lock.release()
        except RuntimeError:   # not (or no longer) held by this thread
            break
        depth += 1
    try:
        yield
    finally:
        for _ in range(depth):
            lock.acquire()


def nonce():
    return str(_rng.randrange(10 ** 8, 10 ** 10))


class CallbackConfig(object):
    """What the admin enters in 通讯录同步 → 设置接收事件服务器 (§8.1), plus emulator options."""

    def __init__(self, url, token, encoding_aes_key, corp_id, legacy_full_fields=False,
                 mode="sync", timeout=TIMEOUT, retry_delay=0.0):
        parts = urllib.parse.urlsplit(url if isinstance(url, str) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("callback url must be an http:// or https:// URL, got %r" % (url,))
        if not isinstance(token, str) or not token:
            raise ValueError("callback token must be a non-empty string")
        try:
            self.crypt = MsgCrypt(token, encoding_aes_key, corp_id)
        except MsgCryptError as exc:
            raise ValueError(str(exc))
        if mode not in MODES:
            raise ValueError("callback mode must be one of %s" % ", ".join(MODES))
        self.url, self.token, self.encoding_aes_key = url, token, encoding_aes_key
        self.corp_id = corp_id
        self.legacy_full_fields = bool(legacy_full_fields)
        self.mode = mode
        self.timeout = float(timeout)
        self.retry_delay = float(retry_delay)

    def describe(self):
        return {"url": self.url, "token": self.token, "encoding_aes_key": self.encoding_aes_key,
                "legacy_full_fields": self.legacy_full_fields, "mode": self.mode,
                "timeout": self.timeout}

    def signed_url(self, **params):
        """url?msg_signature=..&timestamp=..&nonce=..[&echostr=..], properly URL-encoded."""
        sep = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return self.url + sep + urllib.parse.urlencode(params)


def http_exchange(method, url, body=None, headers=None, timeout=TIMEOUT):
    """(status, body bytes); raises OSError / http.client.HTTPException on transport errors."""
    parts = urllib.parse.urlsplit(url)
    conn_class = (http.client.HTTPSConnection if parts.scheme == "https"
                  else http.client.HTTPConnection)
    # netloc minus any user info: http.client parses "host:port" and "[v6]:port" itself.
    conn = conn_class(parts.netloc.rpartition("@")[2], timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def verify_url(config, timestamp):
    """GET url?msg_signature&timestamp&nonce&echostr; the body must be the plaintext, exactly.
    Raises ApiError(40057) otherwise (what the admin console reports)."""
    plain = str(_rng.randrange(10 ** 18, 10 ** 19))   # 19 digits, as in the doc's vectors
    echostr = config.crypt.encrypt(plain)
    ts, nc = str(int(timestamp)), nonce()
    url = config.signed_url(msg_signature=config.crypt.sign(ts, nc, echostr), timestamp=ts,
                            nonce=nc, echostr=echostr)
    try:
        status, body = http_exchange("GET", url, timeout=config.timeout)
    except (OSError, http.client.HTTPException) as exc:
        raise ApiError(VERIFY_ERRCODE, "%s: %s" % (VERIFY_ERRMSG, describe_error(exc)))
    if status != 200:
        raise ApiError(VERIFY_ERRCODE, "%s: HTTP %d" % (VERIFY_ERRMSG, status))
    if body != plain.encode("ascii"):
        raise ApiError(VERIFY_ERRCODE, "%s: the answer is not the decrypted echostr (got %r)"
                       % (VERIFY_ERRMSG, body[:64]))


def describe_error(exc):
    text = str(exc) or exc.__class__.__name__
    return "%s: %s" % (exc.__class__.__name__, text) if text != exc.__class__.__name__ else text


def envelope(corp_id, encrypt):
    # AgentID is empty for contact-sync callbacks (§8.3 [UNCERTAIN]).
    return ("<xml><ToUserName>%s</ToUserName><Encrypt>%s</Encrypt><AgentID>%s</AgentID></xml>"
            % (contact_events.cdata(corp_id), contact_events.cdata(encrypt),
               contact_events.cdata("")))


def post_event(config, record):
    """POST one event, up to ATTEMPTS times; fills in the record's attempts, status,
    http_status and error."""
    ts, nc = str(record["event"]["CreateTime"]), nonce()
    encrypt = config.crypt.encrypt(record["xml"])
    url = config.signed_url(msg_signature=config.crypt.sign(ts, nc, encrypt), timestamp=ts,
                            nonce=nc)
    body = envelope(config.corp_id, encrypt).encode("utf-8")
    headers = {"Content-Type": "text/xml", "User-Agent": "wecom_emulator"}
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1 and config.retry_delay:
            time.sleep(config.retry_delay)
        record["attempts"] = attempt
        try:
            status, _ = http_exchange("POST", url, body, headers, timeout=config.timeout)
        except (OSError, http.client.HTTPException) as exc:
            record["http_status"], record["error"] = None, describe_error(exc)
            continue
        record["http_status"] = status
        if status == 200:   # any body: empty, "success", anything (§8.3)
            record["status"], record["error"] = "delivered", None
            return record
        record["error"] = "HTTP %d" % status
    record["status"] = "failed"
    return record


class ContactCallbacks(object):
    """The corp's one contact-sync callback: config, directory subscription, delivery records.

    Records: {"id", "url", "mode", "change_type", "event" (the plaintext event as a dict),
    "xml" (the plaintext XML), "attempts", "status" ("pending", "delivered", "failed", or
    "dropped" when the callback was cleared or replaced before a queued event was sent),
    "http_status" (last HTTP status or None), "error" (last error or None)}.
    """

    def __init__(self, directory, corp_id, clock, lock):
        self.directory = directory
        self.corp_id = corp_id          # a callable: the corp may be rebuilt by reset()
        self.clock = clock
        self.lock = lock                # the emulator lock (released while talking HTTP)
        self.config = None
        self._worker = None
        self._records = []
        self._ids = itertools.count(1)
        self._state = threading.Condition()   # guards records and the pending count
        self._pending = 0

    # ------------------------------------------------------------------ configuration
    def configure(self, url, token, encoding_aes_key, legacy_full_fields=False, mode="sync",
                  verify=True, timeout=TIMEOUT, retry_delay=0.0):
        config = CallbackConfig(url, token, encoding_aes_key, self.corp_id(), legacy_full_fields,
                                mode, timeout, retry_delay)
        if verify:
            with released(self.lock):
                verify_url(config, self.clock())
        with self.lock:
            self.clear()
            self.config = config
            if mode == "background":
                self._worker = _Worker(self)
            self.directory.observers.append(self._observe)
        return config.describe()

    def clear(self):
        """Unsubscribe; events queued and not yet sent are dropped."""
        with self.lock:
            if self._observe in self.directory.observers:
                self.directory.observers.remove(self._observe)
            worker, self._worker, self.config = self._worker, None, None
        if worker is not None:
            worker.stop()

    def reset(self):
        self.clear()
        with self._state:
            self._records = []

    def describe(self):
        return self.config.describe() if self.config is not None else None

    # ------------------------------------------------------------------ records
    def deliveries(self):
        with self._state:
            return [copy.deepcopy(r) for r in self._records]

    def flush(self, timeout=10.0):
        """Wait until every queued event was sent (or failed); False on timeout."""
        with released(self.lock), self._state:
            return self._state.wait_for(lambda: self._pending == 0, timeout)

    def _finished(self, record, status=None):
        with self._state:
            if status:
                record["status"] = status
            self._pending -= 1
            self._state.notify_all()

    # ------------------------------------------------------------------ delivery
    def _observe(self, change, before, after):
        # Called by the directory under its lock: build the event now, from the state of now.
        config, worker = self.config, self._worker
        if config is None:
            return
        event = contact_events.build_event(change, before, after, config.corp_id, self.clock(),
                                           config.legacy_full_fields)
        if event is None:
            return
        record = {"id": None, "url": config.url, "mode": config.mode,
                  "change_type": event["ChangeType"], "event": event,
                  "xml": contact_events.to_xml(event), "attempts": 0, "status": "pending",
                  "http_status": None, "error": None}
        with self._state:
            record["id"] = next(self._ids)
            self._records.append(record)
            self._pending += 1
        if worker is not None:
            worker.put(config, record)
            return
        try:
            with released(self.lock):
                self._send(config, record)
        finally:
            self._finished(record)

    def _send(self, config, record):
        try:
            post_event(config, record)
        except Exception as exc:   # never let a delivery problem break the directory change
            record["status"], record["error"] = "failed", describe_error(exc)


class _Worker(object):
    """One thread per background callback config; stop() drops what is still queued."""

    _STOP = object()

    def __init__(self, owner):
        self.owner = owner
        self.queue = queue.Queue()
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="wecom-emulator-callbacks",
                                       daemon=True)
        self.thread.start()

    def put(self, config, record):
        self.queue.put((config, record))

    def stop(self):
        self.stopped = True
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            if item is not self._STOP:
                self.owner._finished(item[1], "dropped")
        self.queue.put(self._STOP)

    def _run(self):
        while True:
            item = self.queue.get()
            if item is self._STOP:
                return
            config, record = item
            if self.stopped:
                self.owner._finished(record, "dropped")
                continue
            try:
                self.owner._send(config, record)
            finally:
                self.owner._finished(record)
