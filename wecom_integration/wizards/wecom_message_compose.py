"""The "Send WeCom message" wizard, from the members list or a department."""
from odoo import _, api, fields, models

from ..compat import form_action
from ..wecom.messages import byte_report
from ..models.wecom_message import MESSAGE_TYPES


class WecomMessageCompose(models.TransientModel):
    _name = "wecom.message.compose"
    _description = "Send a WeCom message"

    message_type = fields.Selection(MESSAGE_TYPES[:3], required=True, default="text")
    title = fields.Char()
    content = fields.Text(required=True)
    url = fields.Char("URL")
    btntxt = fields.Char("Button text", help="At most 4 characters; WeCom shows 详情 when empty.")
    member_ids = fields.Many2many("wecom.user", string="Members")
    department_ids = fields.Many2many("wecom.department", string="Departments")
    tag_ids = fields.Many2many("wecom.tag", string="Tags")
    queue = fields.Boolean("Send in the background",
                           help="Queue the message: the outbox sends it within a minute and retries failures.")
    size_report = fields.Text("Size against WeCom's limits", compute="_compute_size_report")
    size_ok = fields.Boolean(compute="_compute_size_report")

    @api.model
    def default_get(self, field_names):
        values = super(WecomMessageCompose, self).default_get(field_names)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        if model == "wecom.user":
            values["member_ids"] = [(6, 0, ids)]
        elif model == "wecom.department":
            values["department_ids"] = [(6, 0, ids)]
        elif model == "wecom.tag":
            values["tag_ids"] = [(6, 0, ids)]
        return values

    @api.depends("message_type", "title", "content", "url", "btntxt")
    def _compute_size_report(self):
        labels = {"content": _("Content"), "title": _("Title"), "url": _("URL"), "btntxt": _("Button text")}
        for wizard in self:
            rows = byte_report(wizard.message_type, content=wizard.content or "", title=wizard.title or "",
                               url=wizard.url or "", btntxt=wizard.btntxt or "")
            lines = []
            for row in rows:
                used = row["chars"] if row["unit"] == "characters" else row["bytes"]
                unit = _("characters") if row["unit"] == "characters" else _("bytes")
                # a field not typed yet is no size problem: the form marks it required, Send refuses it
                mark = "·" if not used else "✓" if row["ok"] else "✗"
                lines.append("%s %s: %s / %s %s" % (mark, labels.get(row["field"], row["field"]), used,
                                                     row["limit"], unit))
            wizard.size_report = "\n".join(lines)
            wizard.size_ok = all(row["ok"] or not row["bytes"] for row in rows)

    def action_send(self):
        self.ensure_one()
        message = self.env["wecom.message"].send_message(
            self.message_type, self.content, title=self.title or None, url=self.url or None,
            btntxt=self.btntxt or None, to_users=self.member_ids, to_departments=self.department_ids,
            to_tags=self.tag_ids, queue=self.queue)
        # from the Messages menu the wizard opened over whatever screen was there: the message
        # replaces it ("main"), rather than being stacked on an unrelated breadcrumb
        from_record = self.env.context.get("active_model") in ("wecom.user", "wecom.department", "wecom.tag")
        return form_action("wecom.message", message.id, _("WeCom message"), target="current" if from_record else "main")
