"""Directory health, worded: what the app secret sees against the whole directory, which
departments are outside its visible range, which member fields WeCom withholds and why.

The report itself is built without Odoo (wecom/health.py): from every sync that reads members,
kept on its log (wecom.sync.log.directory_health) for the settings page, and by Test connection.
"""
import json

from odoo import _, api, fields, models

from ..wecom.errors import language_of

NAMES_SHOWN = 10


class WecomDirectoryHealth(models.AbstractModel):
    _name = "wecom.directory.health"
    _description = "WeCom directory health"

    @api.model
    def _last(self):
        """The report of the last sync that read members (and was saved), or None."""
        log = self.env["wecom.sync.log"].sudo().search([("directory_health", "!=", False),
                                                        ("status", "in", ("success", "partial"))],
                                                       order="id desc", limit=1)
        try:
            return json.loads(log.directory_health) if log else None
        except ValueError:
            return None

    @api.model
    def _describe(self, report):
        """The report as lines in the user's language."""
        lines = []
        app, whole = report.get("app"), report.get("directory")
        if app and app.get("members") is None:
            lines.append(_("The app secret sees %(departments)s departments (its members are counted by the next "
                           "full sync).") % {"departments": app["departments"]})
        elif app and whole:
            lines.append(_("The app secret sees %(departments)s of the %(all_departments)s departments and "
                           "%(members)s of the %(all_members)s members of the directory.")
                         % {"departments": app["departments"], "all_departments": whole["departments"],
                            "members": app["members"], "all_members": whole["members"]})
        elif app:
            lines.append(_("The app secret sees %(departments)s departments and %(members)s members. Set the "
                           "contact-sync secret to compare them with the whole directory.")
                         % {"departments": app["departments"], "members": app["members"]})
        outside = report.get("outside_range") or []
        if outside:
            lines.append(_("Departments outside the app's visible range (%(count)s): %(names)s. Their members "
                           "get no message from the app; widen the app's visible range (可见范围) in the WeCom "
                           "admin console to include them.")
                         % {"count": len(outside), "names": self._department_names(outside)})
        elif app and whole:
            lines.append(_("Every department is inside the app's visible range."))
        if app and app.get("withheld"):
            labels = self.env["wecom.user"].fields_get(app["withheld"], ["string"])
            lines.append(_("%(fields)s came back empty for all %(count)s members the app read. WeCom no longer "
                           "returns these fields to apps created after 2022-06-20 (older apps still get them). "
                           "To fill them: members consent when they sign in with WeCom (snsapi_privateinfo), or "
                           "they are kept in Odoo.")
                         % {"fields": ", ".join(labels[name]["string"] for name in app["withheld"] if name in labels),
                            "count": app["sampled"]})
        elif app and app.get("sampled"):
            lines.append(_("Mobile, email and avatar came back for the members the app read: nothing is withheld."))
        for kind, label in (("app_error", _("The app secret")), ("contact_error", _("The contact-sync secret"))):
            failure = report.get(kind)
            if not failure:
                continue
            lines.append(_("%(secret)s could not be checked: %(error)s")
                         % {"secret": label, "error": failure["error"].describe(language_of(self.env.lang))})
            if failure.get("ip"):
                lines.append(self._ip_line(failure["ip"]))
        return lines

    @api.model
    def _ip_line(self, ip):
        return _("WeCom saw this server as IP %(ip)s: add it to the app's trusted IPs (企业可信IP) in the WeCom admin "
                 "console.") % {"ip": ip}

    @api.model
    def _describe_last(self):
        """The settings page's section: the last sync's report, with its date."""
        report = self._last()
        if not report:
            return _("No sync has read the members yet: run a full sync, or Test connection.")
        when = fields.Datetime.context_timestamp(self, fields.Datetime.from_string(report["date"]))
        return "\n".join([_("From the sync of %(when)s:") % {"when": when.strftime("%Y-%m-%d %H:%M")}]
                         + self._describe(report))

    @api.model
    def _department_names(self, wecom_ids):
        """Names as the mirror knows them (the app cannot read them), else the WeCom id."""
        known = {d.wecom_id: d.name for d in self.env["wecom.department"].sudo().with_context(
            active_test=False).search([("wecom_id", "in", list(wecom_ids))]) if d.name != str(d.wecom_id)}
        names = [known.get(i) or "#%s" % i for i in wecom_ids[:NAMES_SHOWN]]
        if len(wecom_ids) > NAMES_SHOWN:
            names.append(_("and %(more)s more") % {"more": len(wecom_ids) - NAMES_SHOWN})
        return ", ".join(names)
