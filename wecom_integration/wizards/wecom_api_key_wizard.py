"""Create an API key and show it once."""
from odoo import _, fields, models


class WecomApiKeyWizard(models.TransientModel):
    _name = "wecom.api.key.wizard"
    _description = "New WeCom API key"

    name = fields.Char(required=True, help="What will use the key, e.g. 门店开业系统.")
    key = fields.Char(readonly=True)

    def action_generate(self):
        self.ensure_one()
        _record, key = self.env["wecom.api.key"].generate(self.name)
        self.key = key
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "view_type": "form", "target": "new", "name": _("Your new API key")}
