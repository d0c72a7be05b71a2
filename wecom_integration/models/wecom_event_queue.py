"""What the two kinds of events WeCom posts to Odoo share once stored (wecom.callback.event for
contact changes, wecom.app.event for the app's own callback): the cron's safety net for events
whose job is gone, the retention purge, and "Apply again". Receiving them is shared too
(controllers/callback.py's receive_callback); applying them is each model's own."""
from datetime import datetime, timedelta

from odoo import api, fields, models

from ..cursors import own_cursor, own_env

RETENTION_DAYS = 30


class WecomEventQueue(models.AbstractModel):
    _name = "wecom.event.queue"
    _description = "WeCom events kept until applied"

    # each model sets: the wecom.job type that applies its events, and the technical parameter of
    # their retention (days); it implements _apply_soon() (queue that job)
    _event_job_type = None
    _event_retention_param = None

    # the decrypted event, the delivery's canonical key (stored once), and how applying it went
    payload = fields.Text(readonly=True, help="The decrypted event, as WeCom sent it.")
    dedupe_key = fields.Char(required=True, readonly=True)
    state = fields.Selection([("pending", "Pending"), ("done", "Applied"), ("failed", "Failed"),
                              ("ignored", "Ignored")], default="pending", required=True, readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    error_message = fields.Text(readonly=True)

    _sql_constraints = [("dedupe_key_uniq", "unique(dedupe_key)", "This WeCom event was already received.")]

    @api.model
    def _purge_old(self, now=None):
        """Forget applied and ignored events after the retention period (the technical parameter
        wecom_integration.<_event_retention_param>, default 30 days); failed ones are kept."""
        days = self.env["wecom.config"]._get_days(self._event_retention_param, RETENTION_DAYS)
        limit = fields.Datetime.to_string((now or datetime.utcnow()) - timedelta(days=days))
        self.env.cr.execute('DELETE FROM "%s" WHERE state IN (\'done\', \'ignored\') AND create_date < %%s'  # pylint: disable=sql-injection  # our table
                            % self._table, (limit,))
        return self.env.cr.rowcount

    @api.model
    def _requeue_stranded(self):
        """Give pending events a job again when none is pending or running (their job ran out of
        attempts while a long sync held the directory, or a handler kept failing): the cron's
        safety net, as wecom.message._requeue_orphans is for the outbox. Returns whether a job
        was queued."""
        with own_cursor(self.pool, serialized=False) as cr:  # as committed now
            cr.execute('SELECT 1 FROM "%s" WHERE state = \'pending\' AND NOT EXISTS ('  # pylint: disable=sql-injection  # our table
                       "SELECT 1 FROM wecom_job WHERE job_type = %%s AND state IN ('pending', 'running')) LIMIT 1"
                       % self._table, (self._event_job_type,))
            stranded = bool(cr.fetchone())
        if stranded:
            with own_env(self.env) as env:  # committed: this cron turn runs it
                env[self._name]._apply_soon()
        return stranded

    def _retry_failed(self):
        """Apply failed events again (WeCom Managers): each model's "Apply again" button
        (action_retry; public methods stay on the concrete models, which have tables)."""
        self.env["wecom.config"]._check_group("wecom_integration.wecom_group_manager")
        self.filtered(lambda e: e.state == "failed").write({"state": "pending", "attempts": 0})
        self._apply_soon()  # once this transaction, which locks the events, has committed
        return True
