"""The "Test connection" result: one line per configured secret, with what to do on failure."""
from odoo import _, api, fields, models

from ..compat import form_action
from ..wecom import health
from ..wecom.errors import WecomError, caller_ip, language_of


class WecomConnectionTest(models.TransientModel):
    _name = "wecom.connection.test"
    _description = "WeCom connection test"

    success = fields.Boolean(readonly=True)
    summary = fields.Text(readonly=True)

    @api.model
    def _run(self, settings):
        checks = [("app", _("App secret"))]
        if settings["contact_secret"]:
            checks.append(("contact", _("Contact-sync secret")))
        lines, success = [], True
        for kind, label in checks:
            try:
                lines.append(_("%(label)s: %(result)s") % {"label": label, "result": self._check(kind, settings)})
            except WecomError as error:
                success = False
                lines.append(_("%(label)s: FAILED\n  %(error)s")
                             % {"label": label, "error": error.describe(language_of(self.env.lang))})
                ip = caller_ip(error.errmsg or "") if error.errcode == 60020 else None
                if ip:
                    lines.append("  " + self.env["wecom.directory.health"]._ip_line(ip))
        if success:
            config = self.env["wecom.config"]
            report = health.check(config._get_client("app", settings),
                                  config._get_client("contact", settings) if settings["contact_secret"] else None)
            lines.append(_("Directory health:"))
            lines.extend("  " + line for line in self.env["wecom.directory.health"]._describe(report))
        if not settings["agent_id"]:
            lines.append(_("Agent ID: not set. Directory sync works, but messages cannot be sent."))
        lines.insert(0, _("Connection OK.") if success else _("Connection FAILED."))
        wizard = self.create({"success": success, "summary": "\n".join(lines)})
        return form_action(self._name, wizard.id, _("WeCom connection test"), target="new")

    @api.model
    def _check(self, kind, settings):
        client = self.env["wecom.config"]._get_client(kind, settings)
        if kind == "app":
            departments = client.department_simplelist()
            return _("OK (agent %(agent)s): access token obtained, %(count)s departments visible to the app.") % {
                "agent": settings["agent_id"] or "-", "count": len(departments)}
        client.request("POST", "user/list_id", json={"limit": 1})
        return _("OK: access token obtained, the member list can be enumerated.")

