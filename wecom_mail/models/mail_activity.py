"""An activity reaches its assignee on WeCom: when it is scheduled, and when it is reassigned, the
assignee's WeCom member gets a text card (type, summary, deadline, document, who assigned it)
whose button opens the document in Odoo, signed in with WeCom. Nobody is notified of an activity
they schedule for themselves (as Odoo's own assignment e-mails, 12.0+), nor without a member."""
from odoo import _, api, fields, models
from odoo.tools import html2plaintext

from ..wording import CARD_TITLE_BYTES, card_description, fit


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def create(self, values):
        activity = super(MailActivity, self).create(values)
        activity._wecom_notify_assignee()
        return activity

    @api.multi
    def write(self, values):
        assigned_before = {activity.id: activity.user_id.id for activity in self.sudo()} if "user_id" in values else {}
        result = super(MailActivity, self).write(values)
        if assigned_before:
            self.filtered(lambda activity: activity.sudo().user_id.id != assigned_before[activity.id]
                          )._wecom_notify_assignee()
        return result

    def _wecom_notify_assignee(self):
        """Queue a WeCom card to the assignee of each activity who has a member (see the module)."""
        Notify = self.env["wecom.mail.notify"]
        activities = self.sudo().filtered(lambda activity: activity.user_id and activity.user_id != self.env.user)
        members = Notify._members_of(activities.mapped("user_id"))
        if not members or not Notify._ready("activity"):
            return
        for activity in activities.filtered(lambda activity: activity.user_id.id in members):
            member = members[activity.user_id.id]
            url = Notify._link(activity.res_model, activity.res_id)
            for lang, _user_ids in Notify._by_language(activity.user_id.ids):
                title, description = self.with_context(lang=lang)._wecom_card(activity)
                # no button text: WeCom shows its default ("详情"); a 4-letter "View" (WeCom's limit)
                # would be worded with any module's translation by Odoo 11's _() (mail's: 视图, "a view")
                Notify._queue("activity %s" % activity.id, member, "textcard", description, title=title, url=url,
                              business_type="activity", business_id=activity.id, res_model=activity.res_model,
                              res_id=activity.res_id)

    @api.model
    def _wecom_card(self, activity):
        """(title, description) of ``activity``'s card in the context's language (Odoo 11's _()
        reads it from ``self``)."""
        activity = activity.with_context(lang=self.env.lang)
        record = self.env[activity.res_model].sudo().browse(activity.res_id).with_context(lang=self.env.lang)
        record_name = (record.display_name if record.exists() else activity.res_name) or ""
        kind = activity.activity_type_id.name or _("Activity")
        title = fit(_("%(type)s: %(document)s") % {"type": kind, "document": record_name}, CARD_TITLE_BYTES)
        lines = [
            ("highlight", activity.summary),
            ("gray", _("Due: %(date)s") % {"date": self._wecom_date(activity.date_deadline)}),
            ("normal", _("Document: %(name)s") % {"name": record_name}),
            ("gray", _("Assigned by: %(name)s") % {"name": self.env.user.name}),
        ]
        note = html2plaintext(activity.note).strip() if activity.note else ""
        return title, card_description(lines, note)

    @api.model
    def _wecom_date(self, value):
        """A date as the context's language writes it (zh_CN: 2026年12月01日)."""
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        return fields.Date.from_string(value).strftime(lang.date_format if lang else "%Y-%m-%d")
