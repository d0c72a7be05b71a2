"""Create an API key and show it once."""
from odoo import _, fields, models

from ..compat import form_action


class WecomApiKeyWizard(models.TransientModel):
    _name = "wecom.api.key.wizard"
    _description = "New WeCom API key"

    name = fields.Char(required=True, help="What will use the key, e.g. 门店开业系统.")
    key = fields.Char(readonly=True)
    header = fields.Char("Header to send", readonly=True,
                         help="The HTTP header a system sends with each request, this key in it.")

    def action_generate(self):
        self.ensure_one()
        _record, key = self.env["wecom.api.key"].generate(self.name)
        self.write({"key": key, "header": "Authorization: Bearer %s" % key})
        return form_action(self._name, self.id, _("Your new API key"), target="new")
