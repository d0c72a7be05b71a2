"""Employees tied to WeCom members: matching, optional creation, managers from direct leaders.

A member and an employee are linked when one rule points them to each other and to no one else:
first the member's Odoo user (the employee's user), then the work email (the member's email or
business email), then the mobile (digits only, without a leading 86 / 0086). Each rule considers
only members and employees not linked yet; a member or employee that a rule fits to two or more
is left alone (and counted as ambiguous). Links are never undone here: unlinking is a choice made
on the employee's form.

The syncs call ``_keep_current`` after writing the mirror (wecom.user._after_directory_change);
the Match employees wizard calls ``_run``.
"""
from collections import namedtuple

from odoo import _, api, models
from odoo.exceptions import ValidationError

CREATE_PARAM = "wecom_hr.create_employees"
# digits only; a Chinese mobile written with its country code compares as the bare 11 digits
MOBILE_SQL = r"regexp_replace(regexp_replace(coalesce(%s, ''), '\D', '', 'g'), '^(00)?86(1\d{10})$', '\2')"
RULES = {
    # rule: (the member's keys, the employee's key), compared for equality (a hash join, whatever the
    # size of the directory); members are w, employees e with their resource r
    "user": (["w.odoo_user_id::text"], "r.user_id::text"),
    "email": (["lower(trim(w.email))", "lower(trim(w.biz_mail))"], "lower(trim(e.work_email))"),
    "mobile": ([MOBILE_SQL % "w.mobile"], MOBILE_SQL % "e.mobile_phone"),
}
RULE_ORDER = ("user", "email", "mobile")
# members an employee is created for (setting "Create employees for members"): activated or not yet
CREATE_STATUSES = ("1", "4")

LinkSummary = namedtuple("LinkSummary", "linked created managers ambiguous unlinked_members unlinked_employees")


class WecomEmployeeLink(models.AbstractModel):
    _name = "wecom.employee.link"
    _description = "WeCom members and employees"

    @api.model
    def _create_enabled(self):
        return self.env["ir.config_parameter"].sudo().get_param(CREATE_PARAM) == "1"

    @api.model
    def _keep_current(self, members, full_sync=False):
        """After the mirror changed (``members``: those concerned): link, create when the setting says
        so, and set the managers. Runs as the superuser (in the sync's transaction)."""
        if not members and not full_sync:
            return None
        return self.sudo()._run(create=self._create_enabled())

    @api.model
    def _run(self, create=False):
        """Link every member and employee that match, create employees for the members still without
        one when ``create``, then set managers. Returns a LinkSummary."""
        linked = self._link()
        created = self._create_employees() if create else 0
        managers = self._set_managers()
        return LinkSummary(linked=linked, created=created, managers=managers, ambiguous=self._ambiguous(),
                           **self._unlinked_counts())

    # ------------------------------------------------------------------ matching
    def _pairs_sql(self, rule, members=None):
        """(SQL, params) of the unlinked (member, employee) pairs ``rule`` fits, optionally only for
        the members ``members``."""
        member_keys, employee_key = RULES[rule]
        where, params = "", {}
        if members is not None:
            where = " AND w.id IN %(members)s"
            params["members"] = tuple(members.ids) or (0,)
        unlinked = ("FROM wecom_user w WHERE w.active AND NOT EXISTS "
                    "(SELECT 1 FROM hr_employee l WHERE l.wecom_user_id = w.id)" + where)
        keyed = " UNION ".join("SELECT w.id, %s AS key %s" % (key, unlinked) for key in member_keys)
        # pylint: disable-next=sql-injection  # RULES are constants; the member ids are parameters
        return """
            SELECT DISTINCT m.id AS member, c.id AS employee
            FROM (%s) m
            JOIN (SELECT e.id, %s AS key FROM hr_employee e JOIN resource_resource r ON r.id = e.resource_id
                  WHERE e.active AND e.wecom_user_id IS NULL) c ON c.key = m.key
            WHERE m.key != ''""" % (keyed, employee_key), params

    @api.model
    def _link(self, rules=RULE_ORDER, members=None):
        """Link the unambiguous pairs, rule after rule; returns {rule: links made}."""
        made = {}
        for rule in rules:
            pairs_sql, params = self._pairs_sql(rule, members)
            # pylint: disable-next=sql-injection  # built from constants above
            self.env.cr.execute("""
                WITH pairs AS (%s)
                SELECT member, employee FROM pairs
                WHERE member IN (SELECT member FROM pairs GROUP BY member HAVING count(*) = 1)
                  AND employee IN (SELECT employee FROM pairs GROUP BY employee HAVING count(*) = 1)
                ORDER BY member""" % pairs_sql, params)
            pairs = self.env.cr.fetchall()
            Employee = self.env["hr.employee"].sudo().with_context(tracking_disable=True)
            for member_id, employee_id in pairs:
                Employee.browse(employee_id).write({"wecom_user_id": member_id})
            made[rule] = len(pairs)
        return made

    @api.model
    def _ambiguous(self):
        """How many unlinked members some rule fits to several employees, or an employee fitting
        several of them (those no rule could link)."""
        ambiguous = set()
        for rule in RULE_ORDER:
            pairs_sql, params = self._pairs_sql(rule)
            # pylint: disable-next=sql-injection  # built from constants above
            self.env.cr.execute("""
                WITH pairs AS (%s)
                SELECT member FROM pairs
                WHERE member IN (SELECT member FROM pairs GROUP BY member HAVING count(*) > 1)
                   OR employee IN (SELECT employee FROM pairs GROUP BY employee HAVING count(*) > 1)""" % pairs_sql,
                params)
            ambiguous.update(row[0] for row in self.env.cr.fetchall())
        return len(ambiguous)

    @api.model
    def _unlinked_counts(self):
        self.env.cr.execute("""
            SELECT (SELECT count(*) FROM wecom_user w WHERE w.active
                      AND NOT EXISTS (SELECT 1 FROM hr_employee e WHERE e.wecom_user_id = w.id)),
                   (SELECT count(*) FROM hr_employee e WHERE e.active AND e.wecom_user_id IS NULL)""")
        members, employees = self.env.cr.fetchone()
        return {"unlinked_members": members, "unlinked_employees": employees}

    # ------------------------------------------------------------------ creation
    @api.model
    def _create_employees(self):
        """An employee for every active member (activated or not yet activated) that has none, with
        the member's name, work email, mobile and phone, and the member's Odoo user when
        that user is no employee yet. Returns how many were created."""
        self.env.cr.execute("""
            SELECT w.id FROM wecom_user w
            WHERE w.active AND w.status IN %s
              AND NOT EXISTS (SELECT 1 FROM hr_employee e WHERE e.wecom_user_id = w.id)
            ORDER BY w.id""", (CREATE_STATUSES,))
        members = self.env["wecom.user"].sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not members:
            return 0
        self.env.cr.execute("SELECT DISTINCT r.user_id FROM hr_employee e "
                            "JOIN resource_resource r ON r.id = e.resource_id WHERE r.user_id IS NOT NULL")
        users_with_employee = set(row[0] for row in self.env.cr.fetchall())
        Employee = self.env["hr.employee"].sudo().with_context(tracking_disable=True, mail_create_nolog=True,
                                                               mail_create_nosubscribe=True)
        for member in members:
            values = {"name": member.name,
                      "work_email": member.email or member.biz_mail or False,
                      "mobile_phone": member.mobile or False, "work_phone": member.telephone or False,
                      "wecom_user_id": member.id}
            user = member.odoo_user_id
            if user and user.id not in users_with_employee:
                values["user_id"] = user.id
                users_with_employee.add(user.id)
            Employee.create(values)
        return len(members)

    # ------------------------------------------------------------------ managers
    @api.model
    def _set_managers(self):
        """The manager of each linked employee whose member has a direct leader with an employee: that
        leader's employee (the current manager is kept when it is one of them, else the first leader
        by name). Employees whose leaders have no employee keep their manager. A manager that would
        make a loop (WeCom allows leaders of each other) is skipped. Returns how many changed."""
        self.env.cr.execute("""
            SELECT e.id, e.parent_id, array_agg(le.id ORDER BY lw.name, lw.userid)
            FROM hr_employee e
            JOIN wecom_user_direct_leader_rel rel ON rel.user_id = e.wecom_user_id
            JOIN wecom_user lw ON lw.id = rel.leader_id
            JOIN hr_employee le ON le.wecom_user_id = lw.id AND le.active AND le.id != e.id
            WHERE e.active
            GROUP BY e.id, e.parent_id""")
        changed = 0
        Employee = self.env["hr.employee"].sudo().with_context(tracking_disable=True)
        for employee_id, parent_id, leader_employees in self.env.cr.fetchall():
            if parent_id in leader_employees:
                continue
            try:
                with self.env.cr.savepoint():
                    Employee.browse(employee_id).write({"parent_id": leader_employees[0]})
                changed += 1
            except ValidationError:
                continue  # a loop of managers: WeCom's leaders are not a tree there
        return changed

    @api.model
    def _describe(self, summary):
        linked = summary.linked
        return "\n".join([
            _("Linked: %(total)s (by Odoo user %(user)s, by work email %(email)s, by mobile %(mobile)s)")
            % {"total": sum(linked.values()), "user": linked.get("user", 0), "email": linked.get("email", 0),
               "mobile": linked.get("mobile", 0)},
            _("Employees created for members: %(count)s") % {"count": summary.created},
            _("Managers set from WeCom's direct leaders: %(count)s") % {"count": summary.managers},
            _("Members fitting several employees (or sharing one), left unlinked: %(count)s")
            % {"count": summary.ambiguous},
            _("Still without an employee: %(members)s members; still without a member: %(employees)s employees")
            % {"members": summary.unlinked_members, "employees": summary.unlinked_employees},
        ])
