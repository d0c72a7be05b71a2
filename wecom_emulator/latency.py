# -*- coding: utf-8 -*-
"""The round trip of a /cgi-bin/ call as a client of the real WeCom sees it (tens of ms).

The delay is slept in the request's own thread and never under the emulator lock, so calls
made at the same time overlap as they do against WeCom (4 calls at a time at 30 ms: about 4
calls per 30 ms). A call that got a concurrency slot spends it inside the slot, i.e. in flight,
so 45033 keeps being modelled; a call refused before that (40058 method, 45009, 45033) spends
it just before its answer. Real time (time.sleep), not the emulator clock: a FakeClock does
not move.
"""
import math
import time

MAX_MS = 60000   # a typo guard: a minute per call is already no emulation of anything


def check_ms(value):
    """A latency in milliseconds (int or float, 0..MAX_MS); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError("latency_ms must be a number of milliseconds")
    if not 0 <= value <= MAX_MS:
        raise ValueError("latency_ms must be between 0 and %d" % MAX_MS)
    return int(value) if float(value).is_integer() else float(value)


class Latency(object):
    def __init__(self, ms=0):
        self.ms = ms

    @property
    def ms(self):
        return self._ms

    @ms.setter
    def ms(self, value):
        self._ms = check_ms(value)

    def once(self):
        """The delay of one request, read now: a callable that sleeps the first time only."""
        return _Once(self._ms / 1000.0)


class _Once(object):
    __slots__ = ("seconds",)

    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self):
        seconds, self.seconds = self.seconds, 0.0
        if seconds > 0:
            time.sleep(seconds)
