"""Mirror of a WeCom department. Written by the directory sync; never deleted, only archived."""
from odoo import api, fields, models

# a change of these in Odoo makes the next sync compare every member again (their fingerprints)
MEMBER_LINK_FIELDS = frozenset(["wecom_id", "member_ids", "leader_ids"])


class WecomDepartment(models.Model):
    _name = "wecom.department"
    _description = "WeCom department"
    _order = "complete_name"
    _rec_name = "complete_name"

    wecom_id = fields.Integer("WeCom ID", required=True, readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    name_en = fields.Char("English name", readonly=True)
    complete_name = fields.Char("Full name", compute="_compute_complete_name", store=True, index=True,
                                help="The path from the top department, e.g. 总部 / 华北区 / 北京朝阳店.")
    parent_id = fields.Many2one("wecom.department", "Parent department", readonly=True, index=True,
                                ondelete="set null")
    parent_wecom_id = fields.Integer("Parent WeCom ID", readonly=True,
                                     help="As WeCom sent it; the parent may be outside the app's visible range.")
    child_ids = fields.One2many("wecom.department", "parent_id", "Sub-departments", readonly=True)
    wecom_order = fields.Float("Order", digits=(16, 0), readonly=True,
                               help="WeCom's sort order: a larger value comes first.")
    member_ids = fields.Many2many("wecom.user", "wecom_department_user_rel", "department_id", "user_id",
                                  "Members", readonly=True)
    leader_ids = fields.Many2many("wecom.user", "wecom_department_leader_rel", "department_id", "user_id",
                                  "Leaders", readonly=True)
    member_count = fields.Integer("Members", compute="_compute_member_count")
    active = fields.Boolean(default=True, readonly=True,
                            help="Archived when the department disappears from WeCom.")
    last_sync_date = fields.Datetime("Last synced", readonly=True)

    _sql_constraints = [("wecom_id_uniq", "unique(wecom_id)", "A WeCom department is mirrored once.")]

    # changes made in Odoo to what links members to departments: the next sync compares every member

    @api.multi
    def write(self, vals):
        result = super(WecomDepartment, self).write(vals)
        if MEMBER_LINK_FIELDS.intersection(vals):
            self.env["wecom.user"]._forget_fingerprints()
        return result

    @api.multi
    def unlink(self):
        result = super(WecomDepartment, self).unlink()
        self.env["wecom.user"]._forget_fingerprints()
        return result

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for department in self:
            if department.parent_id:
                department.complete_name = "%s / %s" % (department.parent_id.complete_name, department.name)
            else:
                department.complete_name = department.name

    def _compute_member_count(self):
        if not self.ids:
            return
        self.env.cr.execute("""SELECT r.department_id, count(*) FROM wecom_department_user_rel r
                               JOIN wecom_user u ON u.id = r.user_id AND u.active
                               WHERE r.department_id IN %s GROUP BY r.department_id""", (tuple(self.ids),))
        counts = dict(self.env.cr.fetchall())
        for department in self:
            department.member_count = counts.get(department.id, 0)

    def action_view_members(self):
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.env["wecom.user"].check_access_rights("read")
        action = self.env.ref("wecom_integration.wecom_user_action").read()[0]
        action["domain"] = [("department_ids", "in", self.ids)]
        action["context"] = {"default_department_ids": [(6, 0, self.ids)]}
        return action
