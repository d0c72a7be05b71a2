"""An activity reaches its assignee on WeCom: when it is scheduled, and when it is reassigned, the
assignee's WeCom member gets a template card (text_notice: type, summary, deadline, document,
who assigned it) whose tap and link open the document in Odoo, signed in with WeCom. Nobody is
notified of an activity they schedule for themselves (as with Odoo's own assignment e-mails,
12.0+), nor without a member."""
from odoo import _, api, fields, models
from odoo.tools import html2plaintext

from odoo.addons.wecom_integration.wecom import cards


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
            url = Notify._link(activity.res_model, activity.res_id)
            for lang, _user_ids in Notify._by_language(activity.user_id.ids):
                worded = self.with_context(lang=lang)
                Notify._queue("activity %s" % activity.id, members[activity.user_id.id], "template_card",
                              lambda: (None, worded._wecom_card(activity, url)),  # pylint: disable=cell-var-from-loop
                              business_type="activity", business_id=activity.id, res_model=activity.res_model,
                              res_id=activity.res_id)

    @api.model
    def _wecom_card(self, activity, url):
        """The text_notice card of ``activity`` in the context's language (Odoo 11's _() reads it
        from ``self``): who assigned it, type and document as its title, the summary under it, the
        deadline emphasised, the note; a tap on the card or its link opens the document. (Short
        words such as "View" or "From" are avoided: Odoo 11's _() takes any module's translation.)"""
        activity = activity.with_context(lang=self.env.lang)
        record = self.env[activity.res_model].sudo().browse(activity.res_id).with_context(lang=self.env.lang)
        record_name = (record.display_name if record.exists() else activity.res_name) or ""
        kind = activity.activity_type_id.name or _("Activity")
        note = html2plaintext(activity.note).strip() if activity.note else ""
        limit = cards.TEXT_LIMITS
        return cards.text_notice(
            source=cards.clip(_("From %(name)s") % {"name": self.env.user.name}, limit["source.desc"]),
            main_title=cards.clip(_("%(type)s: %(document)s") % {"type": kind, "document": record_name},
                                  limit["main_title.title"]),
            main_title_desc=cards.clip(activity.summary, limit["main_title.desc"]) or None,
            emphasis_content={"title": cards.clip(self._wecom_date(activity.date_deadline),
                                                  limit["emphasis_content.title"]),
                              "desc": cards.clip(_("Activity deadline"), limit["emphasis_content.desc"])},
            sub_title_text=cards.clip(note, limit["sub_title_text"]) or None,
            jump_list=[(cards.clip(_("Open in Odoo"), limit["jump_list.title"]), url)],
            card_action=url)

    @api.model
    def _wecom_date(self, value):
        """A date as the context's language writes it (zh_CN: 2026年12月01日)."""
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        return fields.Date.from_string(value).strftime(lang.date_format if lang else "%Y-%m-%d")
