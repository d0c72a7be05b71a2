# -*- coding: utf-8 -*-
"""The Emulator object: one corp, its directory, tokens, limits, faults and messages.

Everything a test or the CLI needs is reachable from here; the WSGI app (`emu.wsgi_app`, or the
Emulator itself) serves the same state over HTTP.
"""
import collections
import threading
import time

from . import defaults, demo_data
from .admin import Admin
from .api import Api
from .callbacks import TIMEOUT as CALLBACK_TIMEOUT, ContactCallbacks
from .corp import App, default_corp
from .directory import build as build_directory
from .faults import Fault, Faults
from .messages import MessageCenter
from .ratelimit import RateLimiter, RateLimits
from .wsgi import WsgiApp


class Emulator(object):
    def __init__(self, directory="demo", token_ttl=defaults.TOKEN_TTL, rate_limits=None,
                 clock=time.time, honour_fetch_child=False, recall_errcode=40058,
                 expired_token_errcode=42001, callback_mode="sync"):
        self.lock = threading.RLock()   # one lock for all state: handlers run one at a time
        self.clock = clock
        self.directory_spec = directory
        self.token_ttl = token_ttl
        # Options for behaviour WECOM_API marks [UNCERTAIN]:
        self.honour_fetch_child = honour_fetch_child        # user/list fetch_child=1 (§4.3)
        self.expired_token_errcode = expired_token_errcode  # 42001 (doc) or 40014 (often seen)
        self.directory = build_directory(directory, lock=self.lock)
        self.corp = default_corp(token_ttl, demo_data.REGION_APP_RANGE)
        self.limiter = RateLimiter(rate_limits)
        self.faults = Faults()
        self.message_center = MessageCenter(self.limiter, self._now, recall_errcode)
        self._calls = collections.Counter()
        # Contact-change callbacks; "sync" delivers inside the change (tests), "background"
        # from a worker thread (the standalone server).
        self.callback_mode = callback_mode
        self.contact_callbacks = ContactCallbacks(self.directory, lambda: self.corp.corp_id,
                                                  self._now, self.lock)
        self.api = Api(self)
        self.admin = Admin(self)
        self.wsgi_app = WsgiApp(self)

    def _now(self):
        return self.clock()

    def __call__(self, environ, start_response):
        return self.wsgi_app(environ, start_response)

    # ------------------------------------------------------------------ identities
    @property
    def corp_id(self):
        return self.corp.corp_id

    @property
    def app(self):
        return self.corp.apps[defaults.APP_AGENT_ID]

    @property
    def legacy_app(self):
        return self.corp.apps[defaults.LEGACY_AGENT_ID]

    @property
    def region_app(self):
        return self.corp.apps[defaults.REGION_AGENT_ID]

    @property
    def contact_sync(self):
        return self.corp.contact_sync

    @property
    def contact_secret(self):
        return self.corp.contact_sync.secret

    def add_app(self, agent_id, secret, name=None, created_at=defaults.APP_CREATED_AT, **kwargs):
        """Another self-built app. kwargs: visible_parties, visible_users, visible_tags,
        trusted_ips, privacy_restricted, enabled."""
        if "visible_parties" not in kwargs and ("visible_users" in kwargs or "visible_tags" in kwargs):
            kwargs["visible_parties"] = []   # a range given by users/tags only
        with self.lock:
            return self.corp.add_app(App(agent_id, secret, name or "应用%s" % agent_id,
                                         created_at, **kwargs))

    @property
    def rate_limits(self):
        return self.limiter.limits

    @rate_limits.setter
    def rate_limits(self, value):
        self.limiter.limits = RateLimits.coerce(value)

    # ------------------------------------------------------------------ test hooks
    def reset(self):
        """Initial directory, no tokens, no faults, no messages, counters zeroed, and no contact
        callback (cleared like every other setting; its delivery records are forgotten)."""
        with self.lock:
            self.contact_callbacks.reset()   # first: rebuilding the directory sends no events
            if self.directory.dirty:
                self.directory.replace_with(build_directory(self.directory_spec))
            self.corp = default_corp(self.token_ttl, demo_data.REGION_APP_RANGE)
            self.limiter.reset()
            self.faults.clear()
            self.message_center.reset()
            self._calls.clear()

    def record_call(self, api):
        with self.lock:
            self._calls[api] += 1

    def calls(self, path=None):
        """Calls received in total, or for one path such as "gettoken" or "user/list"."""
        with self.lock:
            if path is None:
                return sum(self._calls.values())
            return self._calls[path.strip("/").replace("cgi-bin/", "", 1)]

    def stats(self):
        with self.lock:
            return dict(self._calls)

    def inject_fault(self, path, kind="errcode", errcode=-1, count=1, delay=0.0):
        return self.faults.add(Fault(path, kind, errcode, count, delay))

    def clear_faults(self):
        self.faults.clear()

    def invalidate_tokens(self):
        with self.lock:
            self.corp.tokens.invalidate_all()

    def expire_tokens(self):
        """Make every current token expired (42001) without forgetting it."""
        with self.lock:
            now = self.clock()
            for token in self.corp.tokens.by_value.values():
                token.expires_at = min(token.expires_at, now)

    # ------------------------------------------------------------------ contact callbacks
    def set_contact_callback(self, url, token, encoding_aes_key, legacy_full_fields=False,
                             mode=None, verify=True, timeout=CALLBACK_TIMEOUT, retry_delay=0.0):
        """Point the contact-sync callback (WECOM_API §8) at a receiver, replacing any previous
        one. Verifies the URL first unless verify=False: ApiError(40057) when the receiver does
        not echo the plaintext, and the previous callback then stays. ValueError on a bad URL,
        token, EncodingAESKey or mode. legacy_full_fields: full event fields, as for callbacks
        configured before 2022-08-15. mode: "sync" or "background" (default self.callback_mode).
        Returns the config as a dict."""
        return self.contact_callbacks.configure(
            url, token, encoding_aes_key, legacy_full_fields=legacy_full_fields,
            mode=mode or self.callback_mode, verify=verify, timeout=timeout,
            retry_delay=retry_delay)

    def clear_contact_callback(self):
        """No more events; background events not yet sent are dropped."""
        self.contact_callbacks.clear()

    @property
    def contact_callback(self):
        """The current callback config as a dict, or None."""
        return self.contact_callbacks.describe()

    def callback_deliveries(self):
        """Every event delivery (copies), oldest first; see callbacks.ContactCallbacks."""
        return self.contact_callbacks.deliveries()

    def flush_callbacks(self, timeout=10):
        """Wait until background deliveries are done; False if some remain after timeout."""
        return self.contact_callbacks.flush(timeout)

    # ------------------------------------------------------------------ messages
    @property
    def messages(self):
        """Message records, oldest first (see messages.MessageCenter)."""
        return self.message_center.records

    def inbox(self, userid):
        """Messages delivered to one member, newest first."""
        return list(reversed(self.message_center.for_user(userid)))
