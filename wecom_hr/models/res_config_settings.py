"""The setting "Create employees for members" (off by default), on the WeCom settings page."""
from odoo import api, fields, models

from .wecom_employee_link import CREATE_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wecom_create_employees = fields.Boolean(
        "Create employees for members",
        help="After each sync, an active member that no rule links to an existing employee gets a new "
             "employee (name, work email, mobile, phone, and the member's Odoo user when that user has no "
             "employee yet).")

    @api.model
    def get_values(self):
        res = super(ResConfigSettings, self).get_values()
        if self._wecom_is_admin():
            res["wecom_create_employees"] = self.env["wecom.employee.link"]._create_enabled()
        return res

    def set_values(self):
        result = super(ResConfigSettings, self).set_values()
        self._wecom_check_admin()
        self.env["ir.config_parameter"].sudo().set_param(CREATE_PARAM, "1" if self.wecom_create_employees else "0")
        return result
