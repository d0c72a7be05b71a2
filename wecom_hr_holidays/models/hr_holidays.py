"""Leave requests decided from WeCom.

A leave request waiting for approval (state "To Approve", and "Second Approval" for leave types
with double validation) asks the people Odoo lets approve it, through the core's
wecom.approval: one card with 同意 / 拒绝 to their WeCom members. A tap runs hr.holidays' own
action_approve / action_validate / action_refuse as the tapping member's Odoo user, so Odoo's rights
and checks decide; the requester is told the outcome on WeCom. A request decided, reset or
cancelled in Odoo closes its approval and the cards say so.

Who is asked (Odoo 11 lets only Leave Officers approve, hr_holidays' _check_security_action_*):
the employee's manager when that manager's user is a Leave Officer, else the Leave Officers; the
second approval goes to the Leave Managers. The requester is not asked about their own leave while
someone else can decide.
"""
import logging

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

OFFICERS = "hr_holidays.group_hr_holidays_user"
MANAGERS = "hr_holidays.group_hr_holidays_manager"
# state waiting for a decision -> (who decides, the method that approves)
STEPS = {"confirm": (OFFICERS, "action_approve"), "validate1": (MANAGERS, "action_validate")}


class HrHolidays(models.Model):
    _inherit = "hr.holidays"

    wecom_approval_ids = fields.Many2many("wecom.approval", string="WeCom approvals",
                                          compute="_compute_wecom_approvals")
    wecom_note = fields.Char("WeCom", readonly=True, copy=False,
                             help="Why the request was not sent to WeCom, when it was not.")

    def _compute_wecom_approvals(self):
        # as the user: the core's record rules show the approvals one asked for, decides or requested
        approvals = self.env["wecom.approval"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], order="id desc")
        for leave in self:
            leave.wecom_approval_ids = approvals.filtered(lambda a: a.res_id == leave.id)

    @api.model
    def create(self, values):
        leave = super(HrHolidays, self).create(values)
        leave._wecom_ask()
        return leave

    @api.multi
    def write(self, values):
        before = dict((leave.id, leave.state) for leave in self) if "state" in values else None
        result = super(HrHolidays, self).write(values)
        if before is not None:
            moved = self.filtered(lambda leave: leave.state != before.get(leave.id))
            if moved:
                # decided, reset or cancelled in Odoo: the approvals asked before are closed
                self.env["wecom.approval"].sudo()._sync_from_records(moved)
                moved._wecom_ask()
        return result

    def _wecom_ask(self):
        """Ask on WeCom for the leave requests now waiting for a decision. Never blocks the request:
        what stops it (nobody linked to WeCom, WeCom not configured) is noted on the leave."""
        for leave in self.filtered(lambda l: l.type == "remove" and l.state in STEPS):
            try:
                with self.env.cr.savepoint():
                    leave._wecom_request()
                    note = False
            except (UserError, AccessError) as error:
                note = _("Not sent to WeCom: %(reason)s") % {"reason": getattr(error, "name", None) or error}
                _logger.info("Leave request %s not sent to WeCom: %s", leave.id, note)
            if note != leave.wecom_note:
                leave.sudo().write({"wecom_note": note})

    def _wecom_request(self):
        self.ensure_one()
        group, approve = STEPS[self.state]
        approvers = self._wecom_approvers(group)
        if not approvers:
            raise UserError(_("nobody may approve it (no active user in %(group)s).")
                            % {"group": self.env.ref(group).display_name})
        Approval = self.env["wecom.approval"].sudo()
        worded = self.with_context(lang=Approval._card_lang(approvers))
        requester = self.employee_id.user_id
        return Approval.request(
            self, approvers, worded._wecom_title(), description=self.name or None, approve=approve,
            refuse="action_refuse", details=worded._wecom_details(approvers), requester=requester or None,
            pending_domain=[("state", "=", self.state)])

    def _wecom_approvers(self, group):
        """The users Odoo lets take this step: for the first, the employee's manager when allowed,
        else the Leave Officers; for the second, the Leave Managers. Not the requester while someone
        else can decide; of those, the ones linked to a WeCom member."""
        self.ensure_one()
        users = self.env.ref(group).sudo().users.filtered(lambda u: u.active and not u.share)
        manager = self.employee_id.parent_id.user_id
        if group == OFFICERS and manager in users:
            users = manager
        others = users - self.employee_id.user_id
        users = others or users
        # those who can decide on WeCom; with none, request() says that nobody is linked
        members = self.env["wecom.user"].sudo().search([("odoo_user_id", "in", users.ids), ("active", "=", True)])
        return members.mapped("odoo_user_id") or users

    def _wecom_title(self):
        if self.state == "validate1":
            return _("Leave request, second approval: %(employee)s") % {"employee": self.employee_id.name or self.category_id.name or ""}
        return _("Leave request: %(employee)s") % {"employee": self.employee_id.name or self.category_id.name or ""}

    def _wecom_details(self, approvers):
        tz = pytz.timezone(approvers[:1].tz or self.employee_id.user_id.tz or "UTC")

        def local(value):
            if not value:
                return ""
            return pytz.utc.localize(fields.Datetime.from_string(value)).astimezone(tz).strftime("%Y-%m-%d %H:%M")

        # short terms (a card line's label shows 5 characters) whose sense is the same in any module:
        # Odoo 11 looks code terms up in every module's translations
        return [(_("Type"), self.holiday_status_id.name or ""), (_("Start"), local(self.date_from)),
                (_("End"), local(self.date_to)),
                (_("Days"), ("%.1f" % self.number_of_days_temp).rstrip("0").rstrip("."))]
