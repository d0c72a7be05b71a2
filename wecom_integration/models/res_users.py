"""Odoo users show the WeCom member they are linked to, and sign in with WeCom's one-time
credentials (wecom.login.token)."""
from odoo import api, fields, models
from odoo.exceptions import AccessDenied

from ..compat import credential_password


class ResUsers(models.Model):
    _inherit = "res.users"

    # the mirror is for "View members": nobody else learns through a user who their member is
    wecom_user_ids = fields.One2many("wecom.user", "odoo_user_id", "WeCom member", readonly=True,
                                     groups="wecom_integration.wecom_group_user_view")
    wecom_userid = fields.Char("WeCom UserID", compute="_compute_wecom_userid",
                               groups="wecom_integration.wecom_group_user_view")

    wecom_message_count = fields.Integer("WeCom messages", compute="_compute_wecom_message_count",
                                         groups="wecom_integration.wecom_group_message_view")

    def _compute_wecom_message_count(self):
        counts = self.env["wecom.message.recipient"].sudo()._counts_by("odoo_user_id", self.ids)
        for user in self:
            user.wecom_message_count = counts.get(user.id, 0)

    @api.depends("wecom_user_ids.userid")
    def _compute_wecom_userid(self):
        for user in self:
            user.wecom_userid = user.sudo().wecom_user_ids[:1].userid or False

    @api.model
    def check_credentials(self, password):
        """A live one-time credential issued by the WeCom sign-in counts as the password (once);
        anything else goes to Odoo's check. Odoo 11 names it check_credentials(password); 12.0+
        _check_credentials: see compat.credential_password."""
        if not isinstance(credential_password(password), str):
            raise AccessDenied()  # not a password at all (Odoo's own check would fail with a TypeError)
        if self.env["wecom.login.token"]._consume(self.env.uid, credential_password(password)):
            return None
        return super(ResUsers, self).check_credentials(password)
