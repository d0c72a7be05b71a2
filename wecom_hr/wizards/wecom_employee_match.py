"""Match employees: link members and employees now (what every sync does), and say what happened."""
from odoo import _, fields, models

from odoo.addons.wecom_integration.compat import form_action

from ..models.wecom_employee_link import CREATE_PARAM

GROUP = "hr.group_hr_manager"


class WecomEmployeeMatch(models.TransientModel):
    _name = "wecom.employee.match"
    _description = "Match employees with WeCom members"

    create_employees = fields.Boolean(
        "Create employees for members", default=lambda self: self._default_create_employees(),
        help="Also create an employee for every active member that no rule links (the setting of the same "
             "name does this after each sync).")
    summary = fields.Text(readonly=True)

    def _default_create_employees(self):
        return self.env["ir.config_parameter"].sudo().get_param(CREATE_PARAM) == "1"

    def action_match(self):
        """Link (and create, when asked) now; the wizard shows the summary."""
        self.ensure_one()
        self.env["wecom.config"]._check_group(GROUP)
        link = self.env["wecom.employee.link"].sudo()
        summary = link._describe(link._run(create=self.create_employees))
        self.write({"summary": summary})
        return form_action(self._name, self.id, _("Match employees"), target="new")
