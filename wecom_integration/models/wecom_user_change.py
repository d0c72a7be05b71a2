"""A member's history: one line per change the sync, a contact change or Odoo made to it.

Written in bulk by the member writer (sync/history.py) and by the member form (the Odoo user
link); read on the member's form and on each contact change. Values are text as they were then.
"""
from odoo import _, api, fields, models

KINDS = [("created", "Created"), ("updated", "Changed"), ("archived", "Archived (gone from WeCom)"),
         ("restored", "Restored")]
ORIGINS = [("sync", "Sync"), ("contact_change", "Contact change"), ("odoo", "Odoo")]


class WecomUserChange(models.Model):
    _name = "wecom.user.change"
    _description = "WeCom member change"
    _order = "date desc, id desc"
    _rec_name = "summary"

    member_id = fields.Many2one("wecom.user", "Member", required=True, readonly=True, index=True,
                                ondelete="cascade")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    kind = fields.Selection(KINDS, "Change", required=True, readonly=True)
    field_name = fields.Char("Technical field name", readonly=True)
    field_label = fields.Char("Field", compute="_compute_texts")
    old_value = fields.Char("Before", readonly=True)
    new_value = fields.Char("After", readonly=True)
    old_display = fields.Char("Before", compute="_compute_texts")
    new_display = fields.Char("After", compute="_compute_texts")
    summary = fields.Char("What changed", compute="_compute_texts")
    origin = fields.Selection(ORIGINS, "Through", required=True, readonly=True, default="odoo")
    # the run's log is written by its own committed transaction, which the run's snapshot may not
    # see: a foreign key would refuse the row, so the id is plain and the link computed
    log_ref = fields.Integer("Sync log id", readonly=True, index=True)
    log_id = fields.Many2one("wecom.sync.log", "Sync log", compute="_compute_log_id")

    @api.depends("log_ref")
    def _compute_log_id(self):
        logs = self.env["wecom.sync.log"].sudo().browse(self.mapped("log_ref")).exists()
        for change in self:
            change.log_id = logs.filtered(lambda log, ref=change.log_ref: log.id == ref)

    @api.depends("kind", "field_name", "old_value", "new_value")
    def _compute_texts(self):
        member_fields = self.env["wecom.user"]._fields
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for change in self:
            field = member_fields.get(change.field_name or "")
            change.field_label = field.get_description(self.env)["string"] if field else change.field_name
            labels = dict(field._description_selection(self.env)) if field and field.type == "selection" else {}
            change.old_display = labels.get(change.old_value, change.old_value)
            change.new_display = labels.get(change.new_value, change.new_value)
            if change.kind == "updated" and change.field_name:
                change.summary = _("%(field)s: %(before)s → %(after)s") % {
                    "field": change.field_label, "before": change.old_display or _("(empty)"),
                    "after": change.new_display or _("(empty)")}
            else:
                change.summary = kinds.get(change.kind, change.kind)

    @api.model
    def _record_odoo_edit(self, members, field_name, old_values, new_value):
        """Keep a change made in Odoo (``old_values``: {member id: text before})."""
        for member in members:
            if (old_values.get(member.id) or False) != (new_value or False):
                self.sudo().create({"member_id": member.id, "kind": "updated", "field_name": field_name,
                                    "old_value": old_values.get(member.id) or False, "new_value": new_value or False,
                                    "origin": "odoo"})
