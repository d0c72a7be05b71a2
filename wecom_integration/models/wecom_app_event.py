"""Events WeCom posted to the app's own callback (接收消息服务器): above all the clicks on template
cards (template_card_event, template_card_menu_event), kept until applied.

Received exactly as contact changes are (controllers/callback.py's receive_callback): stored once
per delivery, answered at once, applied by a background job (wecom.job "app_events") right after
the answer, with the cron as safety net. Applying a click calls the card's handler,
``env[message.card_handler]._wecom_card_event(event)`` (superuser, in a savepoint); a handler that
raises is retried up to MAX_ATTEMPTS times, so handlers must be idempotent.
"""
import json
import logging
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..cursors import own_env
from ..jobs.runner import RetryLater

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # then the event is "failed"
CARD_EVENTS = ("template_card_event", "template_card_menu_event")
JOB_TYPE = "app_events"


def selected_items(event):
    """{question_key: [option ids]} of a click's SelectedItems (absent when the card has no selector)."""
    items = (event.get("SelectedItems") or {})
    items = items.get("SelectedItem") if isinstance(items, dict) else None
    if isinstance(items, dict):
        items = [items]
    out = {}
    for item in items or ():
        if not isinstance(item, dict):
            continue
        ids = (item.get("OptionIds") or {})
        ids = ids.get("OptionId") if isinstance(ids, dict) else None
        out[item.get("QuestionKey") or ""] = [ids] if isinstance(ids, str) else list(ids or [])
    return out


class WecomAppEvent(models.Model):
    _name = "wecom.app.event"
    _inherit = ["wecom.event.queue"]
    _description = "WeCom app event"
    _event_job_type = "app_events"
    _event_retention_param = "app_event_retention_days"
    _order = "id desc"
    _rec_name = "event_type"

    event_type = fields.Char("Event", readonly=True, index=True, help="WeCom's Event, e.g. template_card_event.")
    userid = fields.Char("UserID", readonly=True, help="The member who sent it (FromUserName).")
    member_id = fields.Many2one("wecom.user", "Member", readonly=True, ondelete="set null")
    task_id = fields.Char("Card task_id", readonly=True, index=True)
    event_key = fields.Char("Key", readonly=True, help="The key of the button or menu item tapped.")
    card_type = fields.Char(readonly=True)
    response_code = fields.Char(readonly=True, help="The click's own code: it updates the card once, within 72 hours.")
    response_code_used_at = fields.Datetime("Response code used", readonly=True)
    selected_items = fields.Text(readonly=True, help="The options chosen on the card (JSON {question: [ids]}).")
    agent_id = fields.Char("AgentId", readonly=True)
    event_time = fields.Datetime("Sent at", readonly=True, help="When WeCom says the event happened.")
    message_id = fields.Many2one("wecom.message", "Message", readonly=True, ondelete="set null", index=True)
    call_id = fields.Many2one("wecom.message.call", "Send call", readonly=True, ondelete="set null")

    # ------------------------------------------------------------------ receiving
    @api.model
    def _receive(self, event, delivery_key):
        """Store a decrypted app event (a dict of its XML fields); returns the record, or an empty
        recordset when the same delivery was already received (``delivery_key``: the signature
        recomputed from the ciphertext, as for contact changes). A card click whose message has a
        card handler is pending; anything else is kept as ignored."""
        event_type = event.get("Event") or event.get("MsgType") or ""
        task_id = event.get("TaskId") or None
        userid = event.get("FromUserName") or None
        call_id = message_id = handler = None
        if task_id:
            self.env.cr.execute("""SELECT c.id, m.id, m.card_handler FROM wecom_message_call c
                                   JOIN wecom_message m ON m.id = c.message_id WHERE c.task_id = %s
                                   ORDER BY c.id DESC LIMIT 1""", (task_id,))
            call_id, message_id, handler = self.env.cr.fetchone() or (None, None, None)
        member_id = None
        if userid:
            self.env.cr.execute("SELECT id FROM wecom_user WHERE lower(userid) = lower(%s) LIMIT 1", (userid,))
            member_id = (self.env.cr.fetchone() or (None,))[0]
        created = event.get("CreateTime") or ""
        agent_id = event.get("AgentID")
        state = "pending" if event_type in CARD_EVENTS and handler else "ignored"
        # ON CONFLICT: WeCom retries a slow answer, and the retry may race with the first delivery
        self.env.cr.execute("""
            INSERT INTO wecom_app_event (event_type, userid, member_id, task_id, event_key, card_type, response_code,
                                         selected_items, agent_id, event_time, payload, dedupe_key, state, attempts,
                                         message_id, call_id, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s,
                    %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
            ON CONFLICT (dedupe_key) DO NOTHING RETURNING id""", (
            event_type or None, userid, member_id, task_id, event.get("EventKey") or None,
            event.get("CardType") or None, event.get("ResponseCode") or None,
            json.dumps(selected_items(event), ensure_ascii=False, sort_keys=True),
            agent_id if isinstance(agent_id, str) and agent_id else None,
            fields.Datetime.to_string(datetime.utcfromtimestamp(int(created))) if created.isdigit() else None,
            json.dumps(event, sort_keys=True, ensure_ascii=False), delivery_key, state, message_id, call_id,
            self.env.uid, self.env.uid))
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else [])

    # ------------------------------------------------------------------ applying
    @api.model
    def _apply_soon(self):
        """Have the pending events applied by the background job, right after this request's
        answer (one pending job however many events arrive meanwhile)."""
        self.env["wecom.job"]._enqueue(JOB_TYPE, _("Apply WeCom app events"), identity_key=JOB_TYPE)

    @api.model
    def _job_apply(self, job):
        """The "app_events" job: apply the pending events, oldest first, each in a transaction of
        its own; retried later while some handler raised (until their MAX_ATTEMPTS)."""
        tried, retry = [], []
        while True:
            with own_env(self.env, serialized=False) as env:
                env.cr.execute("""SELECT id FROM wecom_app_event WHERE state = 'pending' AND NOT id = ANY(%s::int[])
                                  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""", (tried,))
                row = env.cr.fetchone()
                if not row:
                    break
                tried.append(row[0])
                event = env[self._name].browse(row[0])
                if not event._apply():
                    retry.append(event.id)
        self.invalidate_cache()
        if retry:
            raise RetryLater(_("The card handler failed for %(count)s events: they are tried again.")
                             % {"count": len(retry)})

    def _apply(self):
        """Apply one event (its row locked by the caller); False when it is to be tried again."""
        self.ensure_one()
        handler = self.message_id.card_handler
        if self.event_type not in CARD_EVENTS or not handler or handler not in self.env.registry:
            self.write({"state": "ignored", "attempts": self.attempts + 1})
            return True
        try:
            with self.env.cr.savepoint():
                self.env[handler].sudo()._wecom_card_event(self)
        except Exception as error:  # pylint: disable=broad-except  # any handler failure is recorded and retried
            _logger.warning("WeCom app event %s: the card handler %s failed: %s", self.id, handler, error)
            attempts = self.attempts + 1
            self.invalidate_cache(ids=self.ids)
            self.write({"attempts": attempts, "error_message": "%s: %s" % (type(error).__name__, error),
                        "state": "failed" if attempts >= MAX_ATTEMPTS else "pending"})
            return attempts >= MAX_ATTEMPTS
        self.write({"state": "done", "attempts": self.attempts + 1, "error_message": False})
        return True

    # ------------------------------------------------------------------ for card handlers
    def _selected(self):
        """{question_key: [option ids]} chosen on the card."""
        self.ensure_one()
        return json.loads(self.selected_items) if self.selected_items else {}

    def _update_clicker_card(self, replace_name=None, card=None, atall=False):
        """Update the card this event clicked with the click's own response code: the clicking
        member's copy, or everyone's with ``atall``; the code is marked used. See
        wecom.message._update_card (UserError with WeCom's reason, e.g. 60140)."""
        self.ensure_one()
        if not self.message_id:
            raise UserError(_("App event %(id)s belongs to no message sent from Odoo.") % {"id": self.id})
        return self.message_id._update_card(self.response_code, userids=None if atall else [self.userid],
                                            atall=atall, replace_name=replace_name, card=card)

    def action_retry(self):
        return self._retry_failed()
