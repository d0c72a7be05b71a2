# -*- coding: utf-8 -*-
"""Each self-built app's own callback (接收消息服务器, WECOM_API_CARDS_LOGIN §C): one URL, Token
and EncodingAESKey per app, distinct from the contact-sync callback. Set through the admin API,
verified with the same echostr GET (40057 on failure), and the target of template_card_event /
template_card_menu_event when a member taps a card the app sent. The envelope's AgentID is the
app. Verification, encryption, attempts and modes are callback_delivery.py's.

Records: the Channel fields ("id", "url", "mode", "attempts", "status", "http_status",
"error") plus "agentid", "event_type" (the Event), "event", "xml", "msgid" and "userid" (the
card and the member who tapped it) and "reply" (None, or what a passive reply did:
{"msgtype", "applied", "error"}).
"""
import copy
import itertools
import time

from .callback_delivery import TIMEOUT, Channel, ReceiverConfig
from .contact_events import to_xml


class AppCallbacks(object):
    def __init__(self, corp_id, clock, lock, on_reply=None):
        self.corp_id = corp_id          # a callable: the corp may be rebuilt by reset()
        self.clock = clock
        self.lock = lock
        self.on_reply = on_reply        # (config, record, body) for an HTTP 200 with a body
        self._channels = {}             # agentid -> Channel (kept while records matter)
        self._ids = itertools.count(1)  # one sequence for all apps: records merge in order

    def _channel(self, agent_id):
        channel = self._channels.get(agent_id)
        if channel is None:
            channel = self._channels[agent_id] = Channel(self.clock, self.lock, self._ids,
                                                         self._answered)
        return channel

    def _answered(self, config, record, body):
        if self.on_reply is not None:
            self.on_reply(config, record, body)

    # ------------------------------------------------------------------ configuration
    def configure(self, agent_id, url, token, encoding_aes_key, mode="sync", verify=True,
                  timeout=TIMEOUT, retry_delay=0.0):
        config = ReceiverConfig(url, token, encoding_aes_key, self.corp_id(), mode, timeout,
                                retry_delay, agent_id=agent_id)
        return self._channel(agent_id).configure(config, verify)

    def clear(self, agent_id):
        channel = self._channels.get(agent_id)
        if channel is not None:
            channel.clear()

    def reset(self):
        for channel in self._channels.values():
            channel.reset()
        self._channels = {}

    def describe(self, agent_id):
        channel = self._channels.get(agent_id)
        return channel.describe() if channel is not None else None

    def configured(self, agent_id):
        return self.describe(agent_id) is not None

    # ------------------------------------------------------------------ delivery
    def deliver(self, agent_id, event, msgid=None, userid=None):
        """Send one event to the app's callback; a copy of the record (None without a
        callback). Sync mode: delivered when this returns."""
        record = {"agentid": agent_id, "event_type": event["Event"], "event": event,
                  "xml": to_xml(event), "msgid": msgid, "userid": userid, "reply": None}
        record = self._channel(agent_id).submit(record)
        return copy.deepcopy(record) if record is not None else None

    def deliveries(self, agent_id=None):
        """Records oldest first, of one app or of all."""
        if agent_id is None:
            channels = list(self._channels.values())
        else:
            channels = [self._channels[agent_id]] if agent_id in self._channels else []
        records = [r for channel in channels for r in channel.deliveries()]
        return sorted(records, key=lambda r: r["id"])

    def flush(self, timeout=10.0):
        deadline = time.time() + timeout
        for channel in list(self._channels.values()):
            if not channel.flush(max(0.0, deadline - time.time())):
                return False
        return True
