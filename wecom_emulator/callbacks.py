# -*- coding: utf-8 -*-
"""The contact-sync callback: WeCom verifying a receiver's URL and POSTing change_contact events
to it (WECOM_API §8.2–8.3) for every directory change, with retries and a record of every
delivery. The delivery itself (verification, envelope, attempts, sync/background modes) is
callback_delivery.py, shared with the apps' own callbacks (app_callback.py).
"""
from . import contact_events
from .callback_delivery import (
    ATTEMPTS, MODES, TIMEOUT, VERIFY_ERRCODE, VERIFY_ERRMSG, Channel, ReceiverConfig,
    describe_error, envelope, http_exchange, nonce, post_event, released, verify_url)

# The delivery names this module had before they moved to callback_delivery.py.
__all__ = ["ATTEMPTS", "MODES", "TIMEOUT", "VERIFY_ERRCODE", "VERIFY_ERRMSG", "CallbackConfig",
           "ContactCallbacks", "describe_error", "envelope", "http_exchange", "nonce",
           "post_event", "released", "verify_url"]


class CallbackConfig(ReceiverConfig):
    """What the admin enters in 通讯录同步 → 设置接收事件服务器 (§8.1), plus emulator options."""

    def __init__(self, url, token, encoding_aes_key, corp_id, legacy_full_fields=False,
                 mode="sync", timeout=TIMEOUT, retry_delay=0.0):
        ReceiverConfig.__init__(self, url, token, encoding_aes_key, corp_id, mode, timeout,
                                retry_delay)
        self.legacy_full_fields = bool(legacy_full_fields)

    def describe(self):
        out = ReceiverConfig.describe(self)
        out["legacy_full_fields"] = self.legacy_full_fields
        return out


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
        self.channel = Channel(clock, lock)

    @property
    def config(self):
        return self.channel.config

    # ------------------------------------------------------------------ configuration
    def configure(self, url, token, encoding_aes_key, legacy_full_fields=False, mode="sync",
                  verify=True, timeout=TIMEOUT, retry_delay=0.0):
        config = CallbackConfig(url, token, encoding_aes_key, self.corp_id(), legacy_full_fields,
                                mode, timeout, retry_delay)
        with self.lock:
            described = self.channel.configure(config, verify)
            if self._observe not in self.directory.observers:
                self.directory.observers.append(self._observe)
        return described

    def clear(self):
        """Unsubscribe; events queued and not yet sent are dropped."""
        with self.lock:
            if self._observe in self.directory.observers:
                self.directory.observers.remove(self._observe)
        self.channel.clear()

    def reset(self):
        self.clear()
        self.channel.reset()

    def describe(self):
        return self.channel.describe()

    # ------------------------------------------------------------------ records
    def deliveries(self):
        return self.channel.deliveries()

    def flush(self, timeout=10.0):
        """Wait until every queued event was sent (or failed); False on timeout."""
        return self.channel.flush(timeout)

    # ------------------------------------------------------------------ delivery
    def _observe(self, change, before, after):
        # Called by the directory under its lock: build the event now, from the state of now.
        config = self.config
        if config is None:
            return
        event = contact_events.build_event(change, before, after, config.corp_id, self.clock(),
                                           config.legacy_full_fields)
        if event is None:
            return
        self.channel.submit({"change_type": event["ChangeType"], "event": event,
                             "xml": contact_events.to_xml(event)})

    def deliver(self, event):
        """Send an event that is no directory change (an export job's batch_job_result);
        the record's change_type is None. Returns the record, None without a callback."""
        return self.channel.submit({"change_type": None, "event": event,
                                    "xml": contact_events.to_xml(event)})
