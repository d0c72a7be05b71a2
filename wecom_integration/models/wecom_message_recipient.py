"""One member a message was meant for: how it reached them, and whether it did.

Planned when the message is recorded (outbox/recipients.py expands departments, tags and @all
from the mirror) and settled from WeCom's answer to each call; answers "did she get it?" on the
member, on her Odoo user and on the message.
"""
from odoo import api, fields, models

VIA = [("direct", "Directly"), ("department", "Department"), ("tag", "Tag"), ("all", "Everyone (@all)")]
STATES = [("pending", "Waiting"), ("delivered", "Delivered"), ("not_delivered", "Not delivered"),
          ("recalled", "Recalled")]
REASONS = [("unknown", "Unknown to WeCom (left the company)"), ("disabled", "Disabled in WeCom"),
           ("not_activated", "Not activated in WeCom"),
           ("outside_range", "Outside the app's visible range, or no longer in WeCom"),
           ("unlicensed", "No WeCom interface licence"), ("failed", "WeCom refused the send call")]


class WecomMessageRecipient(models.Model):
    _name = "wecom.message.recipient"
    _description = "WeCom message recipient"
    _order = "message_id desc, id"
    _rec_name = "member_id"

    message_id = fields.Many2one("wecom.message", "Message", required=True, readonly=True, index=True,
                                 ondelete="cascade")
    member_id = fields.Many2one("wecom.user", "Member", required=True, readonly=True, index=True,
                                ondelete="cascade")
    call_id = fields.Many2one("wecom.message.call", "Send call", readonly=True, index=True, ondelete="cascade")
    via = fields.Selection(VIA, "Reached through", required=True, readonly=True)
    via_department_id = fields.Many2one("wecom.department", "Through department", readonly=True,
                                        ondelete="set null")
    via_tag_id = fields.Many2one("wecom.tag", "Through tag", readonly=True, ondelete="set null")
    via_display = fields.Char("Reached through", compute="_compute_via_display")
    state = fields.Selection(STATES, "Delivery", required=True, default="pending", readonly=True, index=True)
    reason = fields.Selection(REASONS, "Why not", readonly=True)
    # what the member's list of messages shows
    message_type = fields.Selection(related="message_id.message_type", readonly=True)
    message_name = fields.Char("Title / content", related="message_id.name", readonly=True)
    sent_date = fields.Datetime(related="message_id.sent_date", readonly=True)
    create_date = fields.Datetime("Created on", readonly=True)
    odoo_user_id = fields.Many2one("res.users", "Odoo user", related="member_id.odoo_user_id", readonly=True)

    _sql_constraints = [("message_member_uniq", "unique(message_id, member_id)",
                         "A member is a message's recipient once.")]

    @api.model
    def _counts_by(self, column, ids):
        """{member or Odoo user id: how many messages were meant for them}; ``column`` is
        "member_id" or "odoo_user_id". Plain SQL: counted on every member form."""
        if not ids:
            return {}
        join = "" if column == "member_id" else "JOIN wecom_user u ON u.id = r.member_id"
        key = "r.member_id" if column == "member_id" else "u.odoo_user_id"
        self.env.cr.execute("SELECT %s, count(*) FROM wecom_message_recipient r %s WHERE %s IN %%s GROUP BY %s"
                            % (key, join, key, key), (tuple(ids),))
        return dict(self.env.cr.fetchall())

    @api.depends("via", "via_department_id", "via_tag_id")
    def _compute_via_display(self):
        labels = dict(self._fields["via"]._description_selection(self.env))
        for recipient in self:
            through = recipient.via_department_id.name or recipient.via_tag_id.name
            label = labels.get(recipient.via, "")
            recipient.via_display = "%s: %s" % (label, through) if through else label
