"""Contact changes WeCom posted to Odoo (change_contact callbacks), kept until applied.

The controller stores each event as it arrives and answers WeCom at once; a background job
(wecom.job "contact_events", one pending at a time) applies the pending ones right after the
answer, oldest first, so a burst of changes, a crash or a busy sync only delays them. A post WeCom
repeats (it retries when the answer is slow) is stored once.
"""
import json
from datetime import datetime

from odoo import _, api, fields, models

from ..jobs.runner import RetryLater
from ..cursors import own_cursor, own_env, visible_record

MAX_ATTEMPTS = 5  # then the event is "failed"; the next full sync repairs the mirror anyway
MEMBER_EVENTS = ("create_user", "update_user", "delete_user")
CHANGE_TYPES = [("create_user", "Member created"), ("update_user", "Member updated"),
                ("delete_user", "Member deleted"), ("create_party", "Department created"),
                ("update_party", "Department updated"), ("delete_party", "Department deleted"),
                ("update_tag", "Tag updated"), ("other", "Other")]


class WecomCallbackEvent(models.Model):
    _name = "wecom.callback.event"
    _inherit = ["wecom.event.queue"]
    _description = "WeCom contact change"
    _order = "id desc"
    _event_job_type = "contact_events"
    _event_retention_param = "callback_event_retention_days"

    change_type = fields.Selection(CHANGE_TYPES, required=True, readonly=True, index=True)
    record_ref = fields.Char("WeCom id", readonly=True, help="UserID, department id or tag id of the change.")
    new_userid = fields.Char("New UserID", readonly=True)
    event_time = fields.Datetime("Changed at", readonly=True, help="When WeCom says the change happened.")
    log_id = fields.Many2one("wecom.sync.log", "Sync log", readonly=True, ondelete="set null")
    member_id = fields.Many2one("wecom.user", "Member", compute="_compute_member",
                                help="The member this change is about, as mirrored now.")
    member_change_ids = fields.Many2many("wecom.user.change", string="What changed", compute="_compute_member",
                                         help="What applying this change wrote on the member (field: before → "
                                              "after). Empty when WeCom's answer matched the mirror already.")

    @api.depends("record_ref", "new_userid", "log_id")
    def _compute_member(self):
        members = self.env["wecom.user"].sudo()
        changes = self.env["wecom.user.change"].sudo()
        for event in self:
            member = members.browse()
            if event.change_type in MEMBER_EVENTS:
                member = members._by_userid(event.new_userid) or members._by_userid(event.record_ref)
            event.member_id = member
            event.member_change_ids = changes.search([("member_id", "=", member.id), ("log_ref", "=", event.log_id.id)]) \
                if member and event.log_id else changes.browse()

    def name_get(self):
        labels = dict(CHANGE_TYPES)
        return [(event.id, "%s %s" % (labels.get(event.change_type, event.change_type), event.record_ref or ""))
                for event in self]

    # ------------------------------------------------------------------ receiving
    @api.model
    def _receive(self, event, delivery_key):
        """Store a decrypted change_contact event (a dict of its XML fields); returns the record,
        or an empty recordset when the same delivery was already received.

        ``delivery_key`` identifies the post canonically (controllers/callback.py: the signature
        recomputed from the ciphertext, which covers the random bytes of the encryption): WeCom
        repeating a post is received once, however its signature is spelled, while two changes
        that look alike (ids only, same second) stay two events. Applying one twice is harmless
        (the member is read again); losing one is not."""
        raw = json.dumps(event, sort_keys=True, ensure_ascii=False)
        key = delivery_key
        change = event.get("ChangeType") or ""
        known = change in dict(CHANGE_TYPES) and event.get("Event") == "change_contact"
        ref = event.get("UserID") or event.get("Id") or event.get("TagId") or ""
        created = event.get("CreateTime") or ""
        # ON CONFLICT: WeCom retries a slow answer, and the retry may race with the first delivery
        self.env.cr.execute("""
            INSERT INTO wecom_callback_event (change_type, record_ref, new_userid, event_time, payload, dedupe_key,
                                              state, attempts, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
            ON CONFLICT (dedupe_key) DO NOTHING RETURNING id""", (
            change if known else "other", ref, event.get("NewUserID") or None,
            fields.Datetime.to_string(datetime.utcfromtimestamp(int(created))) if created.isdigit() else None,
            raw, key, "pending" if known else "ignored", self.env.uid, self.env.uid))
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else [])

    # ------------------------------------------------------------------ applying
    @api.model
    def _apply_pending(self, limit=500):
        """Apply the pending events, oldest first, in one sync run; returns its log (or None when
        there was nothing to do or a sync holds the directory: the events wait for the next try).

        The run has a READ COMMITTED transaction of its own, committed at the end: the events must
        point at the run's log, which is committed (in its own cursor) after the run started."""
        with own_env(self.env, serialized=False) as env:
            env.cr.execute("SELECT id FROM wecom_callback_event WHERE state = 'pending' ORDER BY id "
                           "LIMIT %s FOR UPDATE SKIP LOCKED", (limit,))
            events = env[self._name].browse([row[0] for row in env.cr.fetchall()])
            log = env["wecom.sync.service"]._apply_events(events) if events else None
            log_id = log.id if log else None
        self.invalidate_cache()
        return visible_record(self.env, "wecom.sync.log", log_id) if log_id else None

    def _mark(self, log, error=None):
        """Record the outcome of a run on its events: applied, or retried until MAX_ATTEMPTS."""
        for event in self:
            values = {"attempts": event.attempts + 1, "log_id": log.id if log else False}
            if error is None:
                values.update(state="done", error_message=False)
            else:
                values.update(error_message=error,
                              state="failed" if event.attempts + 1 >= MAX_ATTEMPTS else "pending")
            event.write(values)

    @api.model
    def _apply_soon(self):
        """Have the pending events applied by the background job, right after this request's
        answer (one pending job however many events arrive meanwhile)."""
        self.env["wecom.job"]._enqueue("contact_events", _("Apply WeCom contact changes"),
                                       identity_key="contact_events")

    @api.model
    def _job_apply(self, job):
        """The "contact_events" job: apply what is pending, in runs of 500, until nothing is
        (events that another job is applying right now are left to it)."""
        while self._pending_unclaimed():
            log = self._apply_pending()
            if log is None:
                raise RetryLater(_("A directory sync holds the mirror: the changes wait for it."), delay=5)
            if log.status == "failed":
                raise RetryLater(log.error_message or _("Applying the contact changes failed."))

    @api.model
    def _pending_unclaimed(self):
        """Whether pending events are left that no other transaction is applying, as committed
        now: the job's own transaction is REPEATABLE READ and would still see as pending what it
        has just applied (and another job's events, locked, are not this job's to wait for)."""
        with own_cursor(self.pool, serialized=False) as cr:
            cr.execute("SELECT 1 FROM wecom_callback_event WHERE state = 'pending' LIMIT 1 FOR UPDATE SKIP LOCKED")
            return bool(cr.fetchone())

    def action_retry(self):
        return self._retry_failed()
