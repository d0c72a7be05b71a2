# -*- coding: utf-8 -*-
"""Injected faults, consumed in order by matching /cgi-bin calls.

Kinds:
- "errcode": answer {"errcode": N, ...} (HTTP 200) without running the endpoint.
- "timeout": the request is not processed; in-process (testing.install) the client gets
  requests.exceptions.ReadTimeout, over real HTTP the server sleeps (`delay`, default 15 s) and
  then answers 504.
- "timeout_after": like "timeout", but the endpoint runs first (a send that did happen although
  the caller saw a timeout: the case WeCom's duplicate check exists for).
- "http500": HTTP 500 with an nginx-style HTML page.
- "badjson": HTTP 200 whose body is not valid JSON (a truncated response).
- "delay": sleep `delay` seconds, then answer normally (holds a concurrency slot meanwhile).
- "job_failed", "job_stuck": on an export/* start path, the call succeeds and the job it
  starts ends with status 3 / never finishes (exports.py); no effect on other paths.
`delay` applies before every kind. `count` None or <= 0 means "until cleared".
"""
import threading

KINDS = ("errcode", "timeout", "timeout_after", "http500", "badjson", "delay", "job_failed",
         "job_stuck")
SERVER_TIMEOUT_SLEEP = 15.0


class Fault(object):
    def __init__(self, path, kind="errcode", errcode=-1, count=1, delay=0.0):
        if kind not in KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(KINDS))
        path = (path or "*").strip("/")
        if path.startswith("cgi-bin/"):
            path = path[len("cgi-bin/"):]
        self.path = path or "*"
        self.kind = kind
        self.errcode = int(errcode)
        self.remaining = None if count is None or int(count) <= 0 else int(count)
        self.delay = float(delay or 0.0)

    def matches(self, path):
        return self.path == "*" or self.path == path

    def describe(self):
        return {"path": self.path, "kind": self.kind, "errcode": self.errcode,
                "remaining": self.remaining, "delay": self.delay}


class Faults(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path):
        """The first pending fault for path (one use consumed), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def clear(self):
        with self._lock:
            del self._faults[:]

    def pending(self):
        with self._lock:
            return [f.describe() for f in self._faults]
