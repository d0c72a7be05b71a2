"""The employee's WeCom member: one member per employee, one employee per member."""
from odoo import fields, models


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    wecom_user_id = fields.Many2one(
        "wecom.user", "WeCom member", ondelete="set null", index=True, copy=False,
        groups="wecom_integration.wecom_group_user_view",
        help="The WeCom member this employee is. Linked by the syncs when the member's Odoo user, work "
             "email or mobile points to this employee and to no other (WeCom > Configuration > Settings, "
             "Employees).")

    _sql_constraints = [("wecom_user_id_uniq", "unique(wecom_user_id)",
                         "A WeCom member can be linked to one employee only.")]
