"""One thing that went wrong for one record during a sync run."""
from odoo import fields, models


class WecomSyncItemError(models.Model):
    _name = "wecom.sync.item.error"
    _description = "WeCom sync item error"
    _order = "id"

    log_id = fields.Many2one("wecom.sync.log", required=True, ondelete="cascade", index=True, readonly=True)
    record_type = fields.Selection([("department", "Department"), ("user", "Member"), ("tag", "Tag")],
                                   readonly=True)
    record_ref = fields.Char("WeCom ID", readonly=True)
    message = fields.Text(readonly=True)
