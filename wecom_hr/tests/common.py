"""Shared setup of the wecom_hr tests: the demo corp mirrored, employees made as HR would."""
from wecom_emulator.defaults import LEGACY_AGENT_ID, LEGACY_SECRET

from odoo.addons.wecom_integration.tests.common import MirrorMixin

from ..models.wecom_employee_link import CREATE_PARAM


class EmployeeMixin(MirrorMixin):
    """Syncs read the directory with the emulator's app created before 2022-06-20, which WeCom still
    gives the members' mobile and email (the default app, created after, gets neither)."""

    def set_wecom_params(self, **values):
        if "secret" in values:
            values.update(agent_id=str(LEGACY_AGENT_ID), secret=LEGACY_SECRET)
        return super(EmployeeMixin, self).set_wecom_params(**values)

    def employee(self, name, **values):
        return self.env["hr.employee"].create(dict(values, name=name))

    def employee_of(self, userid):
        return self.env["hr.employee"].with_context(active_test=False).search(
            [("wecom_user_id", "=", self.member(userid).id)])

    def set_create_employees(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param(CREATE_PARAM, "1" if enabled else "0")

    def sync(self):
        log = self.env["wecom.sync.service"].sync_all()
        self.assertIn(log.status, ("success", "partial"), log.error_message)
        self.env.cache.invalidate()
        return log
