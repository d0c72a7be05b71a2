# -*- coding: utf-8 -*-
"""The Emulator object: one corp, its directory, tokens, limits, faults and messages.

Everything a test or the CLI needs is reachable from here; the WSGI app (`emu.wsgi_app`, or the
Emulator itself) serves the same state over HTTP.
"""
import collections
import threading
import time

from . import defaults, demo_data, passive_reply
from .admin import Admin
from .api import Api
from .app_callback import AppCallbacks
from .callbacks import TIMEOUT as CALLBACK_TIMEOUT, ContactCallbacks
from .card_center import RESPONSE_CODE_TTL, CardCenter, ClickRefused
from .cards import validate_card
from .corp import App, default_corp
from .directory import build as build_directory
from .errors import ApiError
from .exports import ExportJobs, ExportSettings
from .faults import Fault, Faults
from .latency import Latency
from .messages import MessageCenter
from .oauth import OAuth
from .ratelimit import RateLimiter, RateLimits
from .wsgi import WsgiApp


class Emulator(object):
    def __init__(self, directory="demo", token_ttl=defaults.TOKEN_TTL, rate_limits=None,
                 clock=time.time, honour_fetch_child=False, recall_errcode=40058,
                 expired_token_errcode=42001, callback_mode="sync",
                 response_code_ttl=RESPONSE_CODE_TTL, click_code_scope="card",
                 passive_reply_consumes_code=True, oauth_options=None, latency_ms=0,
                 export_format=None, export_options=None, suppressed_recall="original"):
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
        # Round trip of every /cgi-bin/ call, slept without the lock (latency.py).
        self.latency = Latency(latency_ms)
        # Template cards: response codes live 72 h (24 h: older docs), see card_center.py.
        self.cards = CardCenter(self._now, response_code_ttl, click_code_scope)
        self.passive_reply_consumes_code = passive_reply_consumes_code   # §B.3 [UNCERTAIN]
        self.app_callbacks = AppCallbacks(lambda: self.corp.corp_id, self._now, self.lock,
                                          on_reply=self._on_app_reply)
        # Recalling a suppressed duplicate's msgid (WECOM_API §7.1 [UNCERTAIN]): "original" also
        # recalls the delivered copy it duplicated, "self" only the (undelivered) duplicate.
        self.message_center = MessageCenter(self.limiter, self._now, recall_errcode,
                                            cards=self.cards, suppressed_recall=suppressed_recall,
                                            has_callback=self.app_callbacks.configured)
        # OAuth / web login; oauth_options: see oauth.OAuth (privateinfo_without_agentid,
        # strict_state, weblogin_visible_only, unconsented_fields, domain_error).
        self.oauth = OAuth(self, **(oauth_options or {}))
        self._calls = collections.Counter()
        # Contact-change callbacks; "sync" delivers inside the change (tests), "background"
        # from a worker thread (the standalone server).
        self.callback_mode = callback_mode
        self.contact_callbacks = ContactCallbacks(self.directory, lambda: self.corp.corp_id,
                                                  self._now, self.lock)
        # Export jobs (§9.2): export_format "binary" | "base64" [+ "callback"] (or a dict),
        # export_options: see exports.ExportSettings (polls, delay, new_ip_ban, ...).
        settings = ExportSettings(**(export_options or {}))
        if export_format is not None:
            settings.update({"format": export_format})
        self.exports = ExportJobs(self._now, lambda: self.corp.corp_id, self._post_job_event,
                                  settings)
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

    @property
    def latency_ms(self):
        """Milliseconds added to every /cgi-bin/ call (0..60000; ValueError otherwise)."""
        return self.latency.ms

    @latency_ms.setter
    def latency_ms(self, value):
        self.latency.ms = value

    # ------------------------------------------------------------------ test hooks
    def reset(self):
        """Initial directory, no tokens, no faults, no messages, counters zeroed, and no contact
        callback (cleared like every other setting; its delivery records are forgotten)."""
        with self.lock:
            self.contact_callbacks.reset()   # first: rebuilding the directory sends no events
            self.app_callbacks.reset()
            if self.directory.dirty:
                self.directory.replace_with(build_directory(self.directory_spec))
            self.corp = default_corp(self.token_ttl, demo_data.REGION_APP_RANGE)
            self.limiter.reset()
            self.faults.clear()
            self.message_center.reset()
            self.cards.reset()
            self.oauth.reset()
            self.exports.reset()             # jobs and their files; the settings stay
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
        """Wait until background deliveries (contact and app callbacks) are done; False if
        some remain after timeout."""
        deadline = time.time() + timeout
        return self.contact_callbacks.flush(timeout) and \
            self.app_callbacks.flush(max(0.0, deadline - time.time()))

    def _post_job_event(self, owner, event):
        """An export job finished: batch_job_result (§8.7) to its owner's callback if one is
        set: the contact-sync callback, or the app's own (AgentID = the app)."""
        if owner == "contact_sync":
            self.contact_callbacks.deliver(event)
        elif owner in self.corp.apps:
            self.app_callbacks.deliver(owner, event)

    # ------------------------------------------------------------------ app callbacks
    def set_app_callback(self, agent_id, url, token, encoding_aes_key, mode=None, verify=True,
                         timeout=CALLBACK_TIMEOUT, retry_delay=0.0):
        """Point an app's own callback (接收消息服务器, CARDS_LOGIN §C) at a receiver: verified
        like the contact callback (ApiError(40057), the previous one stays), ValueError on a bad
        URL, token, key or mode, KeyError for an unknown agentid. Returns the config."""
        if agent_id not in self.corp.apps:
            raise KeyError("no app with agentid %s" % agent_id)
        return self.app_callbacks.configure(agent_id, url, token, encoding_aes_key,
                                            mode or self.callback_mode, verify, timeout,
                                            retry_delay)

    def clear_app_callback(self, agent_id):
        self.app_callbacks.clear(agent_id)

    def app_callback(self, agent_id):
        """The app's callback config as a dict, or None."""
        return self.app_callbacks.describe(agent_id)

    def app_callback_deliveries(self, agent_id=None):
        """App-callback deliveries (copies), oldest first, of one app or all."""
        return self.app_callbacks.deliveries(agent_id)

    def click(self, msgid, userid, key=None, selected_items=None):
        """A member taps a card button (or a vote/multiple submit, or an action_menu item):
        the app's callback gets template_card_event (template_card_menu_event). Returns
        {"clicked", "event", "response_code", "delivery"}; {"clicked": False, "reason"} when
        the member's copy had its buttons replaced (nothing is sent). Raises ClickRefused
        (404 unknown msgid, 403 not a recipient, 409 no app callback or recalled, 400 bad
        key or selection)."""
        with self.lock:
            record = self.message_center.by_msgid.get(msgid)
            if record is None:
                raise ClickRefused(404, "no message %s" % msgid)
            if record["msgtype"] == "template_card" \
                    and not self.app_callbacks.configured(record["agentid"]):
                raise ClickRefused(409, "app %s has no callback url: the click goes nowhere"
                                   % record["agentid"])
            event = self.cards.click(record, self.corp_id, userid, key, selected_items)
            if event is None:
                return {"clicked": False, "event": None, "delivery": None,
                        "reason": "the buttons of this copy were replaced: WeCom sends nothing"}
            click = record["card"]["copies"][userid.lower()]["clicks"][-1]
            delivery = self.app_callbacks.deliver(record["agentid"], event, msgid=msgid,
                                                  userid=event["FromUserName"])
            click["delivery"] = delivery and delivery["id"]
        return {"clicked": True, "event": event, "response_code": event["ResponseCode"],
                "delivery": delivery}

    def _on_app_reply(self, config, record, body):
        """A receiver answered a card event with a body: apply a passive reply (§B.3) to the
        clicking member's copy. Runs without the emulator lock (delivery thread)."""
        if not body.lstrip().startswith(b"<") or record["msgid"] is None:
            return   # "success" or any other text: no reply
        try:
            reply = passive_reply.parse(config.crypt, body)
        except passive_reply.ReplyError as exc:
            record["reply"] = {"msgtype": None, "applied": False, "error": str(exc)}
            return
        outcome = {"msgtype": reply["msgtype"], "applied": False, "error": None}
        record["reply"] = outcome
        with self.lock:
            message = self.message_center.by_msgid.get(record["msgid"])
            if message is None:
                outcome["error"] = "the message is gone"
                return
            try:
                new_card = reply.get("template_card")
                if new_card is not None:
                    new_card = validate_card(new_card, update=True)
                outcome["error"] = self.cards.apply_reply(
                    message, record["userid"], record["event"]["ResponseCode"],
                    reply.get("replace_name"), new_card, self.passive_reply_consumes_code)
            except ApiError as exc:
                outcome["error"] = "errcode %d: %s" % (exc.errcode, exc.detail)
            outcome["applied"] = outcome["error"] is None

    # ------------------------------------------------------------------ messages
    @property
    def messages(self):
        """Message records, oldest first (see messages.MessageCenter)."""
        return self.message_center.records

    def inbox(self, userid):
        """Messages delivered to one member, newest first."""
        return list(reversed(self.message_center.for_user(userid)))
