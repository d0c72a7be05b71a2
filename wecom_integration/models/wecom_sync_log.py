"""One row per directory sync run, written in a cursor of its own so that it is visible while
the run is going and survives a run that fails."""
from datetime import datetime, timedelta

from odoo import api, fields, models

SYNC_TYPES = [("department", "Departments"), ("user", "Members"), ("tag", "Tags"), ("all", "Full sync"),
              ("event", "Callback event")]
TRIGGERS = [("cron", "Scheduled"), ("manual", "Manual"), ("api", "API"), ("callback", "Callback"),
            ("retry", "Automatic retry")]
STATUSES = [("queued", "Queued"), ("running", "Running"), ("success", "Success"), ("partial", "Partial"),
            ("failed", "Failed")]
DEFAULT_RETENTION_DAYS = 90


class WecomSyncLog(models.Model):
    _name = "wecom.sync.log"
    _description = "WeCom sync log"
    _order = "start_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    sync_type = fields.Selection(SYNC_TYPES, required=True, readonly=True, index=True)
    trigger = fields.Selection(TRIGGERS, required=True, readonly=True, default="manual")
    status = fields.Selection(STATUSES, required=True, readonly=True, default="running", index=True)
    # the status again, for the form's "follow the run" widget (one field name, one widget per form)
    run_status = fields.Selection(related="status", readonly=True, string="Run status")
    progress = fields.Text(readonly=True, help="What the run has done so far, per kind; after the run, its report.")
    total_count = fields.Integer("Total", readonly=True)
    created_count = fields.Integer("Created", readonly=True)
    updated_count = fields.Integer("Updated", readonly=True)
    archived_count = fields.Integer("Archived", readonly=True)
    unchanged_count = fields.Integer("Unchanged", readonly=True)
    failed_count = fields.Integer("Failed", readonly=True)
    success_count = fields.Integer("Succeeded", compute="_compute_success_count", store=True,
                                   help="Records synced without error (total minus failed), as in the original API.")
    error_message = fields.Text(readonly=True)
    # what WeCom showed the app (wecom/health.py), for the settings page's "Directory health"
    directory_health = fields.Text("Directory health (JSON)", readonly=True)
    fetch_mode = fields.Selection(
        [("export", "Export jobs"), ("per_department", "Per department"),
         ("fallback", "Per department, after a failed export")], "Members fetched", readonly=True,
        help="How this run read the members from WeCom: through WeCom's export jobs (a few calls), or one "
             "user/list call per department.")
    fetch_note = fields.Text("Why the export was not used", readonly=True,
                             help="Set when an export failed and the run fetched the members per department instead.")
    error_ids = fields.One2many("wecom.sync.item.error", "log_id", "Item errors", readonly=True)
    start_date = fields.Datetime("Started", readonly=True, default=fields.Datetime.now)
    end_date = fields.Datetime("Finished", readonly=True)
    duration = fields.Float("Duration (s)", readonly=True, digits=(16, 2))
    user_id = fields.Many2one("res.users", "Started by", readonly=True, ondelete="set null")
    attempt = fields.Integer(readonly=True, default=1)
    retry_of_id = fields.Many2one("wecom.sync.log", "Retry of", readonly=True, ondelete="set null")
    retry_at = fields.Datetime("Retry planned at", readonly=True,
                               help="Set when the run failed for a transient reason and will be retried.")
    retried = fields.Boolean(readonly=True)

    @api.depends("total_count", "failed_count")
    def _compute_success_count(self):
        for log in self:
            log.success_count = max(log.total_count - log.failed_count, 0)

    def _compute_name(self):
        labels = dict(self._fields["sync_type"]._description_selection(self.env))
        for log in self:
            log.name = "%s #%s" % (labels.get(log.sync_type, log.sync_type), log.id)

    @api.model
    def _purge_old(self, now=None):
        """Forget finished runs (and their item errors) after the retention period (technical
        parameter wecom_integration.sync_log_retention_days, default 90)."""
        days = self.env["wecom.config"]._get_days("sync_log_retention_days", DEFAULT_RETENTION_DAYS)
        limit = fields.Datetime.to_string((now or datetime.utcnow()) - timedelta(days=days))
        self.env.cr.execute("""DELETE FROM wecom_sync_log WHERE status NOT IN ('queued', 'running')
                                 AND coalesce(end_date, start_date) < %s""", (limit,))
        return self.env.cr.rowcount
