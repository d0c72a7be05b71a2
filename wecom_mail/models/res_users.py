"""Each user chooses whether Odoo notifications also reach them on WeCom (their Preferences)."""
from odoo import fields, models

WECOM_NOTIFY = [("none", "Activities only"), ("notifications", "Activities and notifications")]


class ResUsers(models.Model):
    _inherit = "res.users"

    wecom_notify = fields.Selection(
        WECOM_NOTIFY, "WeCom notifications", required=True, default="none",
        help="What reaches you on WeCom, once your Odoo user is linked to a WeCom member. Activities "
             "assigned to you always do, as a card opening the document; with \"Activities and "
             "notifications\", the messages Odoo notifies you of (by e-mail or in your Inbox) do too.")

    def __init__(self, pool, cr):
        """Users may read and change their own choice (Preferences), as mail does for notification_type."""
        super(ResUsers, self).__init__(pool, cr)
        type(self).SELF_WRITEABLE_FIELDS = list(self.SELF_WRITEABLE_FIELDS) + ["wecom_notify"]
        type(self).SELF_READABLE_FIELDS = list(self.SELF_READABLE_FIELDS) + ["wecom_notify"]
