# -*- coding: utf-8 -*-
"""How WeCom talks to a callback receiver, for every kind of callback (WECOM_API §8.2–8.3):
the URL verification GET, the encrypted POST envelope, 3 attempts, sync or background delivery
and a record of every delivery. The contact-sync callback (callbacks.py) and the apps' own
callbacks (app_callback.py) differ only in what they send and when.

HTTP goes through http.client, not `requests`: tests of the addon run the emulator inside the
`responses` mock, which intercepts every `requests` call in the process.

Delivery modes:
- "sync": the POST happens inside the change (or click), in the caller's thread, so a test can
  assert right after it. The emulator lock is released during the HTTP exchange: a receiver that
  calls the emulator back (user/get after an event) would otherwise deadlock.
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

from .contact_events import cdata
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


class ReceiverConfig(object):
    """URL, Token and EncodingAESKey as the admin enters them (§8.1), plus emulator options.
    agent_id: the app whose callback this is (sent as AgentID), None for contact sync."""

    def __init__(self, url, token, encoding_aes_key, corp_id, mode="sync", timeout=TIMEOUT,
                 retry_delay=0.0, agent_id=None):
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
        self.mode = mode
        self.timeout = float(timeout)
        self.retry_delay = float(retry_delay)
        self.agent_id = agent_id

    def describe(self):
        out = {"url": self.url, "token": self.token, "encoding_aes_key": self.encoding_aes_key,
               "mode": self.mode, "timeout": self.timeout}
        if self.agent_id is not None:
            out["agentid"] = self.agent_id
        return out

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


def envelope(corp_id, encrypt, agent_id=None):
    # AgentID is the receiving app; empty for contact-sync callbacks (§8.3 [UNCERTAIN]).
    return ("<xml><ToUserName>%s</ToUserName><Encrypt>%s</Encrypt><AgentID>%s</AgentID></xml>"
            % (cdata(corp_id), cdata(encrypt), cdata("" if agent_id is None else str(agent_id))))


def post_event(config, record):
    """POST one event, up to ATTEMPTS times; fills in the record's attempts, status,
    http_status and error. Returns the body of the HTTP 200 answer (None if there was none)."""
    ts, nc = str(record["event"]["CreateTime"]), nonce()
    encrypt = config.crypt.encrypt(record["xml"])
    url = config.signed_url(msg_signature=config.crypt.sign(ts, nc, encrypt), timestamp=ts,
                            nonce=nc)
    body = envelope(config.corp_id, encrypt, config.agent_id).encode("utf-8")
    headers = {"Content-Type": "text/xml", "User-Agent": "wecom_emulator"}
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1 and config.retry_delay:
            time.sleep(config.retry_delay)
        record["attempts"] = attempt
        try:
            status, answer = http_exchange("POST", url, body, headers, timeout=config.timeout)
        except (OSError, http.client.HTTPException) as exc:
            record["http_status"], record["error"] = None, describe_error(exc)
            continue
        record["http_status"] = status
        if status == 200:   # any body: empty, "success", anything (§8.3)
            record["status"], record["error"] = "delivered", None
            return answer
        record["error"] = "HTTP %d" % status
    record["status"] = "failed"
    return None


class Channel(object):
    """One callback slot: its current config (or None), its delivery records (kept when the
    config is replaced or cleared) and, in background mode, its worker thread.

    submit(record) takes {"event": dict with CreateTime, "xml": plaintext, ...own fields} and
    adds "id", "url", "mode", "attempts", "status" ("pending", "delivered", "failed", or
    "dropped" when the config was cleared or replaced before a queued event was sent),
    "http_status" (last one or None) and "error" (last one or None).
    `on_answer(config, record, body)`, if set, sees the body of each delivered event's HTTP 200
    answer (passive replies).
    """

    def __init__(self, clock, lock, ids=None, on_answer=None):
        self.clock = clock
        self.lock = lock                # the emulator lock (released while talking HTTP)
        self.on_answer = on_answer
        self.config = None
        self._worker = None
        self._records = []
        self._ids = ids if ids is not None else itertools.count(1)
        self._state = threading.Condition()   # guards records and the pending count
        self._pending = 0

    # ------------------------------------------------------------------ configuration
    def configure(self, config, verify=True):
        """Verify the URL (unless verify=False), then replace the current config."""
        if verify:
            with released(self.lock):
                verify_url(config, self.clock())
        with self.lock:
            self.clear()
            self.config = config
            if config.mode == "background":
                self._worker = _Worker(self)
        return config.describe()

    def clear(self):
        """No config any more; events queued and not yet sent are dropped."""
        with self.lock:
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
    def submit(self, record):
        """Deliver one event to the current config: now (sync, emulator lock released) or
        queued (background). Returns the record, or None when no config is set."""
        config, worker = self.config, self._worker
        if config is None:
            return None
        record.update({"id": None, "url": config.url, "mode": config.mode, "attempts": 0,
                       "status": "pending", "http_status": None, "error": None})
        with self._state:
            record["id"] = next(self._ids)
            self._records.append(record)
            self._pending += 1
        if worker is not None:
            worker.put(config, record)
            return record
        try:
            with released(self.lock):
                self._send(config, record)
        finally:
            self._finished(record)
        return record

    def _send(self, config, record):
        try:
            answer = post_event(config, record)
            if answer and self.on_answer is not None:
                self.on_answer(config, record, answer)
        except Exception as exc:   # never let a delivery problem break the change itself
            record["status"], record["error"] = "failed", describe_error(exc)


class _Worker(object):
    """One thread per background config; stop() drops what is still queued."""

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
