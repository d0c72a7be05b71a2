# -*- coding: utf-8 -*-
"""WeCom's frequency limits (WECOM_API §6), with configurable thresholds.

Base limits are per (corp, API) and per (IP, API), per minute and per hour; hitting one blocks
that key for the whole window (45009). 45033 fires when one corp runs too many concurrent
calls to one API. message/send has its own limits instead: per (app, member) 30/min and
1000/hour dropping silently, and a daily person-times quota per app.
"""
import collections
import threading


class RateLimits(object):
    """Thresholds. A value of None or 0 turns that limit off."""
    DEFAULTS = collections.OrderedDict([
        ("corp_per_minute", 10000),
        ("corp_per_hour", 150000),
        ("ip_per_minute", 20000),
        ("ip_per_hour", 600000),
        ("concurrency", 8),            # per corp+API; undocumented number (§6, [UNCERTAIN])
        ("member_per_minute", 30),     # message/send, per app and member: excess dropped
        ("member_per_hour", 1000),
        ("app_person_times_per_day", 500 * 200),   # account limit (500) x 200
        ("debug_per_minute", 5),       # calls with debug=1
        ("bad_secret_per_hour", 30),   # wrong gettoken secrets per IP before a 1-hour IP ban
    ])

    def __init__(self, **kwargs):
        unknown = set(kwargs) - set(self.DEFAULTS)
        if unknown:
            raise TypeError("unknown rate limit(s): %s" % ", ".join(sorted(unknown)))
        for name, value in self.DEFAULTS.items():
            setattr(self, name, kwargs.get(name, value))

    @classmethod
    def coerce(cls, value):
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        raise TypeError("rate_limits must be None, a dict or a RateLimits")

    def scaled(self, factor):
        """Every count limit multiplied by factor (at least 1); concurrency is kept."""
        out = RateLimits()
        for name in self.DEFAULTS:
            value = getattr(self, name)
            if value and name != "concurrency":
                value = max(1, int(value * factor))
            setattr(out, name, value)
        return out

    def as_dict(self):
        return collections.OrderedDict((n, getattr(self, n)) for n in self.DEFAULTS)


class SlidingCounter(object):
    """Events in the last `window` seconds, in one-second buckets (O(1) amortised)."""
    __slots__ = ("window", "buckets", "total")

    def __init__(self, window):
        self.window = window
        self.buckets = collections.deque()   # [second, count]
        self.total = 0

    def _expire(self, now):
        horizon = int(now) - self.window
        while self.buckets and self.buckets[0][0] <= horizon:
            self.total -= self.buckets.popleft()[1]

    def count(self, now):
        self._expire(now)
        return self.total

    def add(self, now, n=1):
        second = int(now)
        if self.buckets and self.buckets[-1][0] == second:
            self.buckets[-1][1] += n
        else:
            self.buckets.append([second, n])
        self.total += n


class RateLimiter(object):
    def __init__(self, limits=None):
        self.limits = RateLimits.coerce(limits)
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._counters = {}
            self._blocked = {}     # key -> unix time when the block ends
            self._inflight = collections.Counter()
            self._daily = collections.Counter()

    def _counter(self, key, window):
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = SlidingCounter(window)
        return counter

    def hit(self, checks, now):
        """checks: [(key, limit, window_seconds)]. Counts the call under every key, or returns a
        description of the limit that fired (the caller answers 45009) and counts nothing."""
        with self._lock:
            for key, limit, window in checks:
                if not limit:
                    continue
                until = self._blocked.get(key)
                if until is not None:
                    if now < until:
                        return "%s blocked for %ds" % (key[0], int(until - now) + 1)
                    del self._blocked[key]
                if self._counter(key, window).count(now) + 1 > limit:
                    self._blocked[key] = now + window
                    return "%s limit %d per %ds" % (key[0], limit, window)
            for key, limit, window in checks:
                if limit:
                    self._counter(key, window).add(now)
            return None

    def api_checks(self, corp_id, ip, api, debug=False):
        lim = self.limits
        checks = [
            (("corp/min", corp_id, api), lim.corp_per_minute, 60),
            (("corp/hour", corp_id, api), lim.corp_per_hour, 3600),
            (("ip/min", ip, api), lim.ip_per_minute, 60),
            (("ip/hour", ip, api), lim.ip_per_hour, 3600),
        ]
        if debug:
            checks.append((("debug/min", corp_id, "debug"), lim.debug_per_minute, 60))
        return checks

    # -- repeated bad secrets ban the IP from gettoken for an hour (surfaces as 45009)
    def ip_banned(self, ip, now):
        with self._lock:
            until = self._blocked.get(("secret-ban", ip))
            return until is not None and now < until

    def bad_secret(self, ip, now):
        limit = self.limits.bad_secret_per_hour
        if not limit:
            return
        with self._lock:
            counter = self._counter(("bad-secret", ip), 3600)
            counter.add(now)
            if counter.count(now) >= limit:
                self._blocked[("secret-ban", ip)] = now + 3600

    # -- concurrency (45033)
    def enter(self, key):
        limit = self.limits.concurrency
        with self._lock:
            if limit and self._inflight[key] >= limit:
                return False
            self._inflight[key] += 1
            return True

    def leave(self, key):
        with self._lock:
            self._inflight[key] -= 1
            if self._inflight[key] <= 0:
                del self._inflight[key]

    # -- message/send
    def member_allow(self, agent_id, userid, now):
        """Counts one message for (app, member); False means drop it silently."""
        lim = self.limits
        checks = [(("member/min", agent_id, userid), lim.member_per_minute, 60),
                  (("member/hour", agent_id, userid), lim.member_per_hour, 3600)]
        with self._lock:
            for key, limit, window in checks:
                if limit and self._counter(key, window).count(now) + 1 > limit:
                    return False
            for key, limit, window in checks:
                if limit:
                    self._counter(key, window).add(now)
            return True

    def app_day_allow(self, agent_id, n, now):
        """Daily person-times quota per app, by Beijing natural day."""
        limit = self.limits.app_person_times_per_day
        day = int((now + 8 * 3600) // 86400)
        with self._lock:
            if limit and self._daily[(agent_id, day)] + n > limit:
                return False
            self._daily[(agent_id, day)] += n
            return True

