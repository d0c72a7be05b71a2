"""Odoo users show the WeCom member they are linked to."""
from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    wecom_user_ids = fields.One2many("wecom.user", "user_id", "WeCom member", readonly=True)
    wecom_userid = fields.Char("WeCom UserID", compute="_compute_wecom_userid")

    @api.depends("wecom_user_ids.userid")
    def _compute_wecom_userid(self):
        for user in self:
            user.wecom_userid = user.sudo().wecom_user_ids[:1].userid or False
