"""What the bridge's notifications share: who has a WeCom member, in which language to word it,
the signed-in link to a record, and queueing in the outbox without ever failing the caller."""
import logging

import psycopg2

from odoo import api, models

from odoo.addons.wecom_integration.compat import record_url
from odoo.addons.wecom_integration.models.wecom_config import login_url

_logger = logging.getLogger(__name__)


class WecomMailNotify(models.AbstractModel):
    _name = "wecom.mail.notify"
    _description = "WeCom notifications of activities and Odoo messages"

    @api.model
    def _members_of(self, users):
        """{res.users id: wecom.user} for the users linked to an active member of the mirror."""
        if not users:
            return {}
        members = self.env["wecom.user"].sudo().search([("odoo_user_id", "in", users.ids)])
        return {member.odoo_user_id.id: member for member in members}

    @api.model
    def _ready(self, what):
        """True when WeCom is set up; otherwise a log line says that ``what`` is not sent."""
        if self.env["wecom.config"].sudo()._is_configured():
            return True
        _logger.info("WeCom is not configured (no corp id or app secret): the %s is not sent to WeCom", what)
        return False

    @api.model
    def _by_language(self, user_ids):
        """[(language, [user ids])]: each recipient's own language, else the message setting's."""
        return [(worded.env.lang, ids) for worded, ids in self.env["wecom.message"].sudo()._by_language(user_ids)]

    @api.model
    def _link(self, model=None, res_id=None):
        """The link that opens Odoo signed in (WeCom sign-in) on the record, or on the web client."""
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        path = record_url("", self.env[model].browse(res_id)) if model in self.env and res_id else "/web"
        return login_url(base_url, path)

    @api.model
    def _queue(self, what, members, message_type, build, **kwargs):
        """Queue a message to ``members`` in the caller's transaction (sent by the outbox job once it
        commits; nothing if it rolls back), recorded as sent by the current user. ``build()`` gives
        its (content, card). A message that cannot be built or prepared is logged and leaves the
        caller's transaction as it was."""
        try:
            with self.env.cr.savepoint():
                content, card = build()
                if card is not None:
                    kwargs["card"] = card
                message = self.env["wecom.message"].sudo().send_message(
                    message_type, content, to_users=members, queue=True, **kwargs)
                message.sudo().write({"sender_id": self.env.uid})
                return message
        except psycopg2.OperationalError:
            raise  # a concurrency failure dooms the whole transaction: Odoo retries the request
        except Exception:  # pylint: disable=broad-except  # WeCom never breaks the user's action
            _logger.exception("The %s could not be queued for WeCom: nothing is sent", what)
            return self.env["wecom.message"]
