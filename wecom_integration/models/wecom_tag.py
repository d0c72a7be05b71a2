"""Mirror of a WeCom tag and its members, used as message recipients."""
from odoo import fields, models


class WecomTag(models.Model):
    _name = "wecom.tag"
    _description = "WeCom tag"
    _order = "name"

    wecom_id = fields.Integer("WeCom tag ID", required=True, readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    member_ids = fields.Many2many("wecom.user", "wecom_tag_user_rel", "tag_id", "user_id", "Members",
                                readonly=True)
    department_ids = fields.Many2many("wecom.department", "wecom_tag_department_rel", "tag_id",
                                      "department_id", "Departments", readonly=True)
    active = fields.Boolean(default=True, readonly=True)
    last_sync_date = fields.Datetime("Last synced", readonly=True)

    _sql_constraints = [("wecom_id_uniq", "unique(wecom_id)", "A WeCom tag is mirrored once.")]
