"""Odoo notifications on WeCom, for the users who ask for them (res.users.wecom_notify).

The hook is mail.message._notify (Odoo 11): it works out who a posted message notifies (the
partners named on it and the document's followers of its subtype, less the author) and records
them as the message's needaction partners, before e-mailing those who take notifications by
e-mail and pushing it to the Inbox of the others. After it, each of those partners' users who
chose "notifications" and has a WeCom member also gets a text with a link to the document.
"""
from odoo import _, api, models
from odoo.tools import html2plaintext

from ..wording import text_with_link


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.multi
    def _notify(self, force_send=False, send_after_commit=True, user_signature=True):
        subject = self.sudo().subject  # the notification e-mails write theirs ("Re: ...") onto the message
        result = super(MailMessage, self)._notify(force_send=force_send, send_after_commit=send_after_commit,
                                                  user_signature=user_signature)
        self._wecom_notify_recipients(subject)
        return result

    def _wecom_notify_recipients(self, subject):
        """Queue this message's notification as a WeCom text to its notified users who want it."""
        message = self.sudo()
        users = message.needaction_partner_ids.mapped("user_ids").filtered(
            lambda user: user.wecom_notify == "notifications")
        Notify = self.env["wecom.mail.notify"]
        members = Notify._members_of(users)
        if not members or not Notify._ready("notification of message %s" % message.id):
            return
        url = Notify._link(message.model, message.res_id)
        for lang, user_ids in Notify._by_language(list(members)):
            worded = self.with_context(lang=lang)
            Notify._queue("notification of message %s" % message.id, [members[i] for i in user_ids], "text",
                          lambda: (worded._wecom_text(message, subject, url), None),  # pylint: disable=cell-var-from-loop
                          business_type="mail.message", business_id=message.id,
                          res_model=message.model or None, res_id=message.res_id or None)

    @api.model
    def _wecom_text(self, message, subject, url):
        """The text of ``message``'s notification in the context's language (Odoo 11's _() reads
        it from ``self``): who, on which document, what they wrote (or changed), the link."""
        message = message.with_context(lang=self.env.lang)
        author = message.author_id.name or message.email_from or _("Someone")
        if message.model and message.res_id:
            head = _("%(author)s on %(document)s:") % {"author": author,
                                                       "document": message.record_name or message.model}
        else:
            head = _("%(author)s:") % {"author": author}
        body = html2plaintext(message.body).strip() if message.body else ""
        changes = ["%s: %s → %s" % (value.field_desc, value.get_old_display_value()[0] or "",
                                    value.get_new_display_value()[0] or "")
                   for value in message.tracking_value_ids]
        text = "\n".join(part for part in [subject, body] + changes if part) or message.subtype_id.name or ""
        return text_with_link(head, text, _("Open in Odoo"), url)
