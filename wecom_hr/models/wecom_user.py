"""The member's employee (the inverse of hr.employee.wecom_user_id), kept current by the syncs."""
from odoo import api, fields, models


class WecomUser(models.Model):
    _inherit = "wecom.user"

    employee_id = fields.Many2one("hr.employee", "Employee", compute="_compute_employee_id",
                                  search="_search_employee_id",
                                  help="The Odoo employee linked to this member (on the employee's form).")

    def _compute_employee_id(self):
        employees = self.env["hr.employee"].sudo().with_context(active_test=False).search(
            [("wecom_user_id", "in", self.ids)])
        by_member = {employee.wecom_user_id.id: employee.id for employee in employees}
        for member in self:
            member.employee_id = by_member.get(member.id, False)

    def _search_employee_id(self, operator, value):
        if operator in ("=", "!=") and not value:  # linked or not
            self.env.cr.execute("SELECT wecom_user_id FROM hr_employee WHERE wecom_user_id IS NOT NULL")
            linked = [row[0] for row in self.env.cr.fetchall()]
            return [("id", "not in" if operator == "=" else "in", linked)]
        employees = self.env["hr.employee"].with_context(active_test=False).search([("id", operator, value)]) \
            if not isinstance(value, str) else self.env["hr.employee"].with_context(active_test=False).search(
                [("name", operator, value)])
        return [("id", "in", employees.sudo().mapped("wecom_user_id").ids)]

    @api.multi
    def _after_directory_change(self, full_sync=False):
        result = super(WecomUser, self)._after_directory_change(full_sync=full_sync)
        self.env["wecom.employee.link"]._keep_current(self, full_sync=full_sync)
        return result

    @api.multi
    def write(self, vals):
        result = super(WecomUser, self).write(vals)
        if vals.get("odoo_user_id"):  # linked to an Odoo user (by hand, or by a sync): that user's employee
            self.env["wecom.employee.link"]._link(rules=("user",), members=self)
        return result
