"""Background work: one queue for everything that runs outside a request.

Background syncs, contact changes, queued messages and retries are rows of wecom.job. A job runs

* right after the HTTP response of the request that queued it (in that worker, once the request's
  transaction has committed: see ir_http.py), so a contact change is applied within a second;
* otherwise by the cron "WeCom: run background jobs" (every minute), which also takes over the
  jobs whose process died.

Never in a thread of an HTTP worker: prefork workers are recycled between requests and their
threads die with them. Claiming, liveness and retries live in jobs/runner.py; this model is the
record, the API to queue a job (``_enqueue``) and the cron entry point.
"""
import json
import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..jobs import runner

_logger = logging.getLogger(__name__)

STATES = [("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")]
# job type -> (model, method, retry delays in seconds; the number of delays + 1 is the number of attempts)
JOB_TYPES = {
    "sync": ("wecom.sync.service", "_job_sync", ()),          # a sync plans its own retries (new logs)
    "contact_events": ("wecom.callback.event", "_job_apply", (5, 30, 120, 600)),
    "message": ("wecom.message", "_job_deliver", (60, 300, 900, 3600)),
    "app_events": ("wecom.app.event", "_job_apply", (5, 30, 120, 600)),
}
JOB_TYPE_LABELS = [("sync", "Directory sync"), ("contact_events", "Contact changes"), ("message", "Message"),
                   ("app_events", "App events")]
DEFAULT_RETENTION_DAYS = 7  # done jobs; failed ones are kept 4 times longer, for the record


class WecomJob(models.Model):
    _name = "wecom.job"
    _description = "WeCom background job"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    job_type = fields.Selection(JOB_TYPE_LABELS, required=True, readonly=True, index=True)
    payload = fields.Text(readonly=True, help="The job's arguments (JSON).")
    state = fields.Selection(STATES, required=True, readonly=True, default="pending", index=True)
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(readonly=True, default=1)
    eta = fields.Datetime("Run at", readonly=True, index=True, default=fields.Datetime.now,
                          help="Not run before this time (UTC).")
    identity_key = fields.Char(readonly=True, index=True,
                               help="Jobs with the same key are merged while one is pending.")
    error_message = fields.Text(readonly=True)
    date_started = fields.Datetime("Started", readonly=True)
    date_done = fields.Datetime("Finished", readonly=True)
    worker = fields.Char(readonly=True, help="host:pid of the process that ran the last attempt.")
    res_model = fields.Char("Related model", readonly=True)
    res_id = fields.Integer("Related record", readonly=True)

    @api.model_cr
    def _auto_init(self):
        result = super(WecomJob, self)._auto_init()
        # one pending job per identity key: a burst of contact changes queues one "apply" job
        self.env.cr.execute("CREATE UNIQUE INDEX IF NOT EXISTS wecom_job_pending_identity "
                            "ON wecom_job (identity_key) WHERE state = 'pending' AND identity_key IS NOT NULL")
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS wecom_job_due ON wecom_job (eta) WHERE state = 'pending'")
        return result

    # ------------------------------------------------------------------ queuing
    @api.model
    def _enqueue(self, job_type, name, payload=None, eta=None, identity_key=None, res_model=None, res_id=None,
                 attempts=None, run_after_response=True):
        """Queue a job in this environment's transaction (it exists once that commits); returns its id.

        With ``identity_key``, a pending job of the same key is reused. ``eta``: a datetime (UTC) or
        None for now. ``attempts``: how many tries at most (default: the job type's retry delays + 1).
        ``run_after_response``: run it right after the current HTTP response, if there is one.
        """
        if job_type not in JOB_TYPES:
            raise UserError(_("Unknown WeCom job type %(type)r.") % {"type": job_type})
        delays = JOB_TYPES[job_type][2]
        when = fields.Datetime.to_string(eta) if eta else None
        self.env.cr.execute("""
            INSERT INTO wecom_job (name, job_type, payload, state, attempts, max_attempts, eta, identity_key,
                                   res_model, res_id, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, 'pending', 0, %s, coalesce(%s::timestamp, now() at time zone 'UTC'), %s, %s, %s,
                    %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
            ON CONFLICT (identity_key) WHERE state = 'pending' AND identity_key IS NOT NULL
            DO UPDATE SET eta = least(wecom_job.eta, excluded.eta)
            RETURNING id""", (name, job_type, json.dumps(payload or {}, sort_keys=True),
                              attempts or len(delays) + 1, when, identity_key, res_model or None, res_id or None,
                              self.env.uid, self.env.uid))
        job_id = self.env.cr.fetchone()[0]
        if run_after_response and (eta is None or eta <= datetime.utcnow()):
            runner.run_after_response(self.env, job_id)
        return job_id

    # ------------------------------------------------------------------ running
    @api.model
    def _cron_run_jobs(self, budget=None):
        """Take over the jobs and sync runs whose process died, run the due jobs (for at most
        ``budget`` seconds: the cron's turn must end), forget old ones."""
        registry = self.env.registry
        runner.reap(registry)
        self.env["wecom.sync.service"]._reap_interrupted_runs()
        self.env["wecom.message"]._requeue_orphans()
        self.env["wecom.callback.event"]._requeue_stranded()
        self.env["wecom.app.event"]._requeue_stranded()
        runner.run_due(registry, budget=budget if budget is not None else self._cron_budget())
        for model in ("wecom.job", "wecom.sync.log", "wecom.callback.event", "wecom.app.event"):
            self.env[model]._purge_old()

    @api.model
    def _cron_budget(self):
        raw = self.env["wecom.config"]._get_stored("job_cron_budget") or "45"
        return float(raw) if raw.replace(".", "", 1).isdigit() else 45.0

    @api.model
    def _purge_old(self, now=None):
        """Forget done jobs after the retention period (technical parameter
        wecom_integration.job_retention_days, default 7) and failed ones after four times as long."""
        days = self.env["wecom.config"]._get_days("job_retention_days", DEFAULT_RETENTION_DAYS)
        now = now or datetime.utcnow()
        self.env.cr.execute("""DELETE FROM wecom_job WHERE (state = 'done' AND date_done < %s)
                                                    OR (state = 'failed' AND date_done < %s)""",
                            (fields.Datetime.to_string(now - timedelta(days=days)),
                             fields.Datetime.to_string(now - timedelta(days=4 * days))))
        return self.env.cr.rowcount

    def action_requeue(self):
        """Run failed jobs again (WeCom Managers)."""
        self.env["wecom.config"]._check_group("wecom_integration.wecom_group_manager")
        failed = self.filtered(lambda job: job.state == "failed")
        if failed:
            self.env.cr.execute("""UPDATE wecom_job SET state = 'pending', attempts = 0, error_message = NULL,
                                          eta = now() at time zone 'UTC' WHERE id IN %s AND state = 'failed'""",
                                (tuple(failed.ids),))
            self.invalidate_cache()
            for job in failed:
                runner.run_after_response(self.env, job.id)
        return True
