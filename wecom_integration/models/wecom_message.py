"""The WeCom outbox and message history.

A message sent at once is recorded through a cursor of its own, so what was delivered stays in
the history even if the caller's transaction rolls back. A queued message belongs to the
caller's transaction (nothing is queued if it rolls back) and is sent by a background job
(wecom.job "message") right after the request's answer; so are the retries of what WeCom could
not take. A delivery holds the message's row lock: two workers never send one message at once,
and a message left "sending" by a process that died is found (its row is not locked) and sent
again by its job, WeCom's duplicate check dropping what had already reached the members.
"""
import json
import logging
from collections import OrderedDict, namedtuple
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..compat import as_user, own_term, record_url
from ..jobs.runner import RetryLater
from ..outbox import recipients
from ..wecom import delivery
from ..wecom.cards import card_buttons, card_title, check_task_id, needs_callback, validate_card
from ..wecom.errors import WecomError, language_of
from ..wecom.messages import build_payload
from ..cursors import CallerHoldsLock, own_env, visible_record
from .wecom_config import login_url

SEND_GROUP = "wecom_integration.wecom_group_message_send"
MANAGER_GROUP = "wecom_integration.wecom_group_manager"

_logger = logging.getLogger(__name__)

MESSAGE_TYPES = [("text", "Text"), ("textcard", "Text card"), ("markdown", "Markdown"), ("news", "News"),
                 ("template_card", "Template card")]
STATUSES = [("draft", "Draft"), ("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"),
            ("partial", "Partially delivered"), ("failed", "Failed"), ("recalled", "Recalled")]
RETRY_DELAYS = (60, 300, 900, 3600)  # seconds before attempts 2, 3, 4 and 5
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
RECALL_WINDOW = timedelta(hours=24)
RESPONSE_CODE_TTL = timedelta(hours=72)  # a card's response_code updates it once, within 72 h
# what a delivery sends with: the app client, or the configuration error that stops it
Sender = namedtuple("Sender", "client error duplicate_check_interval")


class WecomMessage(models.Model):
    _name = "wecom.message"
    _description = "WeCom message"
    _order = "create_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    message_type = fields.Selection(MESSAGE_TYPES, required=True, default="text", readonly=True)
    title = fields.Char(readonly=True)
    content = fields.Text(readonly=True)
    url = fields.Char("URL", readonly=True)
    btntxt = fields.Char("Button text", readonly=True)
    articles = fields.Text("News articles (JSON)", readonly=True)
    card = fields.Text("Template card (JSON)", readonly=True,
                       help="The template_card as sent, without its task_id (each send call has its own).")
    card_handler = fields.Char("Card handler", readonly=True,
                               help="The model whose _wecom_card_event(event) receives the clicks on this card.")
    card_summary = fields.Text("Card", compute="_compute_card_summary")
    member_ids = fields.Many2many("wecom.user", "wecom_message_user_rel", "message_id", "user_id", "Members",
                                readonly=True)
    department_ids = fields.Many2many("wecom.department", "wecom_message_department_rel", "message_id",
                                      "department_id", "Departments", readonly=True)
    tag_ids = fields.Many2many("wecom.tag", "wecom_message_tag_rel", "message_id", "tag_id", "Tags",
                               readonly=True)
    to_all = fields.Boolean("Everyone (@all)", readonly=True,
                            help="Sent to everyone in the app's visible range; only when asked for explicitly.")
    unlinked_users = fields.Text("Odoo users without WeCom", readonly=True,
                                 help="Odoo users asked for as recipients who are not linked to a WeCom member.")
    status = fields.Selection(STATUSES, required=True, default="draft", readonly=True, index=True)
    errcode = fields.Integer("Error code", readonly=True)
    # the code as WeCom writes it: an Integer field would show 60020 as "60,020"
    errcode_text = fields.Char("Error code", compute="_compute_errcode_text")
    errmsg = fields.Text("Error", readonly=True)
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime("Next attempt", readonly=True, index=True)
    sent_date = fields.Datetime("Sent", readonly=True)
    sender_id = fields.Many2one("res.users", "Sent by", readonly=True, ondelete="set null", index=True,
                                help="The Odoo user who sent or queued the message.")
    recalled_date = fields.Datetime("Recalled", readonly=True)
    recalled_by_id = fields.Many2one("res.users", "Recalled by", readonly=True, ondelete="set null")
    business_type = fields.Char(readonly=True, index=True, help="e.g. approval, milestone (as in the original module).")
    business_id = fields.Char(readonly=True, index=True)
    res_model = fields.Char("Related document model", readonly=True, index=True)
    res_id = fields.Integer("Related document ID", readonly=True)
    call_ids = fields.One2many("wecom.message.call", "message_id", "Send calls", readonly=True,
                               help="One line per message/send call: what it carried, its msgid, WeCom's answer.")
    recipient_ids = fields.One2many("wecom.message.recipient", "message_id", "Recipients", readonly=True,
                                    help="Every member the message was meant for, how it reached them, and "
                                         "whether it did.")
    recipient_count = fields.Integer("Recipients", compute="_compute_recipient_counts")
    delivered_count = fields.Integer("Reached", compute="_compute_recipient_counts")
    not_delivered_count = fields.Integer("Not reached", compute="_compute_recipient_counts")

    def _compute_name(self):
        for message in self:
            text = message.title or message.content or (card_title(json.loads(message.card)) if message.card else "")
            message.name = text if len(text) <= 40 else text[:39] + "…"

    # ------------------------------------------------------------------ sending API
    @api.model
    def send_message(self, message_type, content, title=None, url=None, btntxt=None, to_users=(),
                     to_departments=(), to_tags=(), to_all=False, business_type=None, business_id=None,
                     res_model=None, res_id=None, queue=False, articles=None, unlinked_users=None, card=None,
                     card_handler=None):
        """Send (or with ``queue=True`` queue) a WeCom application message; returns the wecom.message.

        ``to_users``: WeCom userids or wecom.user records; ``to_departments``: WeCom department ids
        or wecom.department records; ``to_tags``: WeCom tag ids or wecom.tag records. Everything is
        validated first: a bad message raises UserError and nothing is sent or recorded.

        ``message_type="template_card"``: ``card`` is the template_card dict (wecom/cards.py builds
        text_notice and button_interaction cards), ``content`` may be empty; each send call gets
        its own task_id unless the card has one. ``card_handler``: the model whose
        ``_wecom_card_event(event)`` is called for each click (wecom.app.event).
        """
        self._check_send_access()
        values, calls = self._prepare(message_type, content, title, url, btntxt, articles, to_users,
                                      to_departments, to_tags, to_all, card=card, card_handler=card_handler)
        values.update(self._origin_values(business_type, business_id, res_model, res_id),
                      unlinked_users=unlinked_users or False)
        if queue:
            values.update(status="queued", next_attempt=fields.Datetime.now())
            message = self.sudo()._create_planned(values, calls)
            message._enqueue_delivery()
            return as_user(message, self.env.uid)
        sender = self._sender()
        try:
            with own_env(self.env) as env:
                message_id = env[self._name]._create_planned(dict(values, status="sending"), calls).id
        except CallerHoldsLock:
            # this transaction has just changed the recipients' rows: record the message in it
            _logger.warning("WeCom message recorded in the caller's transaction: it locks its recipients")
            message = self.sudo()._create_planned(dict(values, status="sending"), calls)
            message._deliver(sender)
            return as_user(message, self.env.uid)
        self._deliver_in_own_cursor(message_id, sender)
        return visible_record(self.env, self._name, message_id)

    @api.depends("card")
    def _compute_card_summary(self):
        for message in self:
            card = json.loads(message.card) if message.card else None
            if not card:
                message.card_summary = False
                continue
            lines = [card_title(card)]
            lines += ["%s: %s" % (item.get("keyname"), item.get("value") or item.get("url") or "")
                      for item in card.get("horizontal_content_list") or ()]
            buttons = card_buttons(card)
            if buttons:
                lines.append(_("Buttons: %(buttons)s") % {"buttons": " | ".join(
                    "%s (%s)" % (text, key) for text, key in buttons)})
            message.card_summary = "\n".join(line for line in lines if line)

    def _compute_recipient_counts(self):
        counts = {}
        if self.ids:
            self.env.cr.execute("""SELECT message_id, count(*), count(*) FILTER (WHERE state = 'delivered'),
                                          count(*) FILTER (WHERE state = 'not_delivered')
                                   FROM wecom_message_recipient WHERE message_id IN %s GROUP BY message_id""",
                                (tuple(self.ids),))
            counts = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for message in self:
            message.recipient_count, message.delivered_count, message.not_delivered_count = \
                counts.get(message.id, (0, 0, 0))

    @api.depends("errcode")
    def _compute_errcode_text(self):
        for message in self:
            message.errcode_text = str(message.errcode) if message.errcode else False

    def _origin_values(self, business_type, business_id, res_model, res_id):
        """Who sent it and for what: the same values for a delivered and an undeliverable message."""
        return {"sender_id": self.env.uid, "business_type": business_type or False,
                "business_id": str(business_id) if business_id not in (None, False, "") else False,
                "res_model": res_model or False, "res_id": res_id or False}

    @api.model
    def _sender(self):
        """What delivery needs, as this transaction configures it: the app client, or the
        configuration error that prevents sending. Inside a request the client gives up fast on
        rate limits (the retry is left to the background job); in a job it waits as WeCom asks."""
        config = self.env["wecom.config"]
        try:
            return Sender(config._get_client("app"), None, config._get_duplicate_check_interval())
        except UserError as error:
            return Sender(None, error, None)

    @api.model
    def send_to_users(self, user_ids, message_type, content, **kwargs):
        """Send to Odoo users (res.users ids), through their WeCom members. Users without a WeCom
        member are listed on the message; if none has one, the message is recorded as failed."""
        self._check_send_access()
        users = self.env["res.users"].sudo().browse(list(user_ids or [])).exists()
        missing = set(user_ids or []) - set(users.ids)
        if missing:
            raise UserError(_("Unknown Odoo user ids: %s.") % ", ".join(str(i) for i in sorted(missing)))
        if not users:
            raise UserError(_("No recipients: give at least one Odoo user."))
        members = self.env["wecom.user"].sudo().search([("odoo_user_id", "in", users.ids)])
        unlinked = users - members.mapped("odoo_user_id")
        unlinked_text = ", ".join("%s (%s)" % (u.name, u.login) for u in unlinked) or None
        if not members:
            # a bad message is refused as it would be with recipients: nothing recorded
            card = self._validate_content(message_type, content, kwargs.get("title"), kwargs.get("url"),
                                          kwargs.get("btntxt"), kwargs.get("articles"), to_all=False,
                                          card=kwargs.get("card"), card_handler=kwargs.get("card_handler"))
            kwargs = dict(kwargs, card=card)
            return self._record_undeliverable(message_type, content, unlinked_text, kwargs)
        return self.send_message(message_type, content, to_users=members, unlinked_users=unlinked_text, **kwargs)

    @api.model
    def _by_language(self, user_ids):
        """[(env in a language, [user ids])]: the recipients of a business message grouped by the
        language it is worded in for them (the linked Odoo user's, else the setting), so that a
        caller working in English does not notify a Chinese team in English."""
        users = self.env["res.users"].sudo().browse(list(user_ids or [])).exists()
        if len(users) != len(set(user_ids or [])) or not users:
            return [(self, list(user_ids or []))]  # send_to_users says what is wrong with them
        default = self.env["wecom.config"]._get_message_lang()
        installed = set(code for code, _name in self.env["res.lang"].get_installed())
        groups = OrderedDict()
        for user in users:
            groups.setdefault(user.lang if user.lang in installed else default, []).append(user.id)
        return [(self.with_context(lang=lang), ids) for lang, ids in groups.items()]

    def _joined(self, messages):
        """The messages of the language groups as one recordset, readable as each was (committed
        by its own cursor: see cursors.visible_record), in the caller's context."""
        joined = messages[0]
        for message in messages[1:]:
            joined |= message
        return joined.with_context(**self.env.context)

    @api.model
    def send_approval_notification(self, approval_title, approval_content, approval_url, approver_ids,
                                   approval_id):
        """审批通知: a text card to the approvers (res.users ids) linking to the approval; one
        message per language of the approvers (usually one)."""
        return self._joined([worded._send_approval_notification(approval_title, approval_content, approval_url,
                                                                user_ids, approval_id)
                             for worded, user_ids in self._by_language(approver_ids)])

    def _send_approval_notification(self, approval_title, approval_content, approval_url, user_ids, approval_id):
        return self.send_to_users(
            user_ids, "textcard",
            _('<div class="highlight">%(title)s</div><div class="normal">%(content)s</div>')
            % {"title": approval_title, "content": approval_content},
            title=_("Approval request: %s") % approval_title, url=approval_url, btntxt=own_term(self.env, "View", _("View")),
            business_type="approval", business_id=approval_id)

    @api.model
    def send_milestone_reminder(self, milestone_name, store_name, due_date, reminder_url, recipient_ids,
                                construction_order_id):
        """里程碑提醒: a text card to the recipients (res.users ids) about a milestone of a store;
        one message per language of the recipients (usually one)."""
        return self._joined([worded._send_milestone_reminder(milestone_name, store_name, due_date, reminder_url,
                                                             user_ids, construction_order_id)
                             for worded, user_ids in self._by_language(recipient_ids)])

    # each worded in its own method: Odoo 11's _() reads the language from the caller's ``self``
    def _send_milestone_reminder(self, milestone_name, store_name, due_date, reminder_url, user_ids,
                                 construction_order_id):
        return self.send_to_users(
            user_ids, "textcard",
            _('<div class="gray">Store: %(store)s</div><div class="highlight">Due: %(due)s</div>')
            % {"store": store_name, "due": due_date},
            title=_("Milestone reminder: %s") % milestone_name, url=reminder_url, btntxt=own_term(self.env, "View", _("View")),
            business_type="milestone", business_id=construction_order_id)

    # ------------------------------------------------------------------ validation
    def _check_send_access(self):
        if not self.env.user.has_group(SEND_GROUP) and not self.env.user._is_superuser():
            raise AccessError(_("You are not allowed to send WeCom messages: it needs the group "
                                "\"Send messages (wechat.message.send)\"."))

    def _check_record_access(self):
        """The messages must be readable by the user (record rules: senders see their own)."""
        self.check_access_rights("read")
        self.check_access_rule("read")

    @api.model
    def _resolve(self, model, key_field, items, label):
        """Mirror records for ids/userids or records, in the caller's order; unknown or archived
        ones are refused. Works on ids and plain SQL: a message may go to 10,000 members."""
        table = self.env[model]._table
        ids, keys = [], []
        for item in items or ():
            if isinstance(item, models.BaseModel):
                ids.extend(item.ids)
            else:
                keys.append(item)
        if keys:
            if key_field == "userid":  # case-insensitive
                keys = [str(k).strip() for k in keys]
                self.env.cr.execute("SELECT lower(userid), id FROM wecom_user WHERE lower(userid) IN %s",
                                    (tuple(k.lower() for k in keys),))
                found = dict(self.env.cr.fetchall())
                lookup = [k.lower() for k in keys]
            else:
                try:
                    keys = [int(k) for k in keys]
                except (TypeError, ValueError) as error:
                    raise UserError(_("%(label)s must be numeric WeCom ids, got %(keys)r.")
                                    % {"label": label, "keys": keys}) from error
                self.env.cr.execute('SELECT "%s", id FROM "%s" WHERE "%s" IN %%s' % (key_field, table, key_field),
                                    (tuple(keys),))
                found = dict(self.env.cr.fetchall())
                lookup = keys
            unknown = [k for k, look in zip(keys, lookup) if look not in found]
            if unknown:
                raise UserError(_("Unknown %(label)s (not in the WeCom directory mirror, or archived): %(unknown)s. "
                                  "Run a directory sync if they were added recently.")
                                % {"label": label, "unknown": ", ".join(str(u) for u in unknown)})
            ids.extend(found[look] for look in lookup)
        ids = list(OrderedDict.fromkeys(ids))
        if ids:
            self.env.cr.execute('SELECT id, "%s" FROM "%s" WHERE id IN %%s AND NOT active' % (key_field, table),
                                (tuple(ids),))
            inactive = [str(row[1]) for row in self.env.cr.fetchall()]
            if inactive:
                raise UserError(_("These %(label)s are archived (gone from WeCom): %(archived)s.")
                                % {"label": label, "archived": ", ".join(inactive)})
        return self.env[model].sudo().browse(ids)

    @api.model
    def _prepare(self, message_type, content, title, url, btntxt, articles, to_users, to_departments,
                 to_tags, to_all, card=None, card_handler=None):
        users = self._resolve("wecom.user", "userid", to_users, _("members"))
        departments = self._resolve("wecom.department", "wecom_id", to_departments, _("departments"))
        tags = self._resolve("wecom.tag", "wecom_id", to_tags, _("tags"))
        if to_all and (users or departments or tags):
            raise UserError(_("A message to everyone (@all) cannot also name members, departments or tags."))
        if not (to_all or users or departments or tags):
            raise UserError(_("No recipients: give members, departments or tags (or to_all=True to send to "
                              "everyone in the app's visible range)."))
        userids = users.with_context(prefetch_fields=False).mapped("userid")  # not every column of 10,000 rows
        card = self._validate_content(message_type, content, title, url, btntxt, articles, to_all=to_all,
                                      touser=userids[:1000], toparty=departments.mapped("wecom_id")[:100],
                                      totag=tags.mapped("wecom_id")[:100], card=card, card_handler=card_handler)
        values = {
            "message_type": message_type, "content": content, "title": title or False, "url": url or False,
            "btntxt": btntxt or False, "articles": json.dumps(articles, ensure_ascii=False) if articles else False,
            "member_ids": [(6, 0, users.ids)], "department_ids": [(6, 0, departments.ids)],
            "tag_ids": [(6, 0, tags.ids)], "to_all": bool(to_all),
            "card": json.dumps(card, ensure_ascii=False, sort_keys=True) if card else False,
            "card_handler": card_handler or False,
        }
        return values, self._plan_calls(users.ids, userids, departments, tags, to_all)

    @api.model
    def _plan_calls(self, member_ids, userids, departments, tags, to_all):
        """The message/send calls a message needs: [(member ids, department ids, tag ids, to_all)]."""
        member_of = dict(zip(userids, member_ids))
        department_of = {d.wecom_id: d.id for d in departments}
        tag_of = {t.wecom_id: t.id for t in tags}
        return [([member_of[u] for u in chunk["users"]], [department_of[d] for d in chunk["parties"]],
                 [tag_of[t] for t in chunk["tags"]], bool(to_all))
                for chunk in delivery.plan_chunks(userids, list(department_of), list(tag_of))]

    @api.model
    def _create_planned(self, values, calls):
        """Create a message with its send calls and its recipients, all waiting."""
        message = self.create(values)
        Call = self.env["wecom.message.call"].sudo()
        planned = []
        card = json.loads(message.card) if message.card else None
        for sequence, (member_ids, department_ids, tag_ids, to_all) in enumerate(calls, 1):
            call = Call.create({"message_id": message.id, "sequence": sequence, "member_count": len(member_ids),
                                "department_ids": [(6, 0, department_ids)], "tag_ids": [(6, 0, tag_ids)],
                                "task_id": self._task_id(card, message.id, sequence) if card else False})
            planned.append((call.id, member_ids, department_ids, tag_ids, to_all))
        recipients.plan(self.env.cr, self.env.uid, message.id, planned)
        return message

    def _task_id(self, card, message_id, sequence):
        """The task_id of a card's send call: the card's own for the first call (a suffix for the
        next ones), else one unique in the app forever: odoo-<database>-<message>-<call>."""
        if card.get("task_id"):
            task_id = card["task_id"] if sequence == 1 else "%s-%s" % (card["task_id"], sequence)
        else:
            uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "") or "0"
            task_id = "odoo-%s-%s-%s" % (uuid.replace("-", "")[:8], message_id, sequence)
        try:
            return check_task_id(task_id)
        except WecomError as error:
            raise UserError(error.describe(language_of(self.env.lang))) from error

    @api.model
    def _validate_content(self, message_type, content, title, url, btntxt, articles, to_all=False, touser=None,
                          toparty=(), totag=(), card=None, card_handler=None):
        """Refuse a message WeCom would refuse (type, content, sizes, recipients), as it will be sent.
        Returns the validated card of a template_card message (None for the other types)."""
        if message_type not in dict(MESSAGE_TYPES):
            raise UserError(_("Unknown message type %(type)r: use one of %(types)s.")
                            % {"type": message_type, "types": ", ".join(dict(MESSAGE_TYPES))})
        if message_type != "template_card" and (card is not None or card_handler):
            raise UserError(_("card and card_handler are for template_card messages only, not %(type)s.")
                            % {"type": message_type})
        if card_handler and card_handler not in self.env.registry:
            raise UserError(_("Unknown card handler %(model)r: give the name of a model.") % {"model": card_handler})
        if card_handler and not hasattr(self.env[card_handler], "_wecom_card_event"):
            raise UserError(_("The card handler %(model)s has no method _wecom_card_event(event).")
                            % {"model": card_handler})
        try:
            if message_type == "template_card":
                if card is None:
                    raise UserError(_("A template_card message needs card= (wecom/cards.py builds one)."))
                card = validate_card(card, require_task_id=False)
                if card_handler and not needs_callback(card):
                    raise UserError(_("A card handler receives clicks: the card must have buttons "
                                      "(button_interaction)."))
                validation_card = dict(card, task_id=card.get("task_id") or "validation")
            else:
                validation_card = None
            build_payload(message_type, content=content, title=title, url=url, btntxt=btntxt, articles=articles,
                          touser=touser if touser is not None else ["validation"], toparty=toparty, totag=totag,
                          to_all=to_all, agent_id=1, card=validation_card)
        except WecomError as error:
            raise UserError(error.describe(language_of(self.env.lang))) from error
        return card

    @api.model
    def _record_undeliverable(self, message_type, content, unlinked_text, kwargs):
        values = {"message_type": message_type, "content": content, "title": kwargs.get("title") or False,
                  "url": kwargs.get("url") or False, "btntxt": kwargs.get("btntxt") or False,
                  "card": json.dumps(kwargs["card"], ensure_ascii=False, sort_keys=True) if kwargs.get("card") else False,
                  "card_handler": kwargs.get("card_handler") or False,
                  "status": "failed", "unlinked_users": unlinked_text,
                  "errmsg": _("None of the recipients is linked to a WeCom member: nothing was sent.")}
        values.update(self._origin_values(kwargs.get("business_type"), kwargs.get("business_id"),
                                          kwargs.get("res_model"), kwargs.get("res_id")))
        with own_env(self.env) as env:
            message_id = env[self._name].create(values).id
        return visible_record(self.env, self._name, message_id)

    # ------------------------------------------------------------------ delivery
    def _deliver_in_own_cursor(self, message_id, sender=None):
        """Deliver in a transaction of its own, holding the message's row lock; returns the new
        status, or None when another worker is delivering it right now."""
        with own_env(self.env) as env:
            message = env[self._name].browse(message_id)
            if not message._lock_for_delivery():
                return None
            return message._deliver(sender)

    def _lock_for_delivery(self):
        """Lock this message's row for its delivery (no one else sends it meanwhile); False if
        another transaction holds it."""
        self.env.cr.execute("SELECT id FROM wecom_message WHERE id = %s FOR UPDATE SKIP LOCKED", (self.id,))
        locked = bool(self.env.cr.fetchone())
        self.invalidate_cache(ids=self.ids)  # read what the last delivery wrote
        return locked

    def _enqueue_delivery(self, eta=None):
        """Have the outbox job send this message (now, or at ``eta``)."""
        self.ensure_one()
        self.env["wecom.job"]._enqueue("message", _("Send WeCom message %(id)s") % {"id": self.id},
                                       payload={"message_id": self.id}, eta=eta, res_model=self._name,
                                       res_id=self.id, attempts=MAX_ATTEMPTS + 1)

    @api.model
    def _job_deliver(self, job, message_id):
        """The "message" job: send what is pending; when WeCom asks to wait, try again at the
        message's next attempt (its own schedule, RETRY_DELAYS), until it is sent or failed.
        The delivery is committed even when the job is to be retried: what reached members stays."""
        with own_env(self.env) as env:
            message = env[self._name].browse(message_id).exists()
            if not message:
                return  # deleted meanwhile
            if not message._lock_for_delivery():
                raise RetryLater(_("Another worker is sending this message right now."), delay=30)
            if message.status not in ("queued", "sending"):
                return  # sent, recalled or failed meanwhile (a retry button, another job)
            status = message._deliver()
            next_attempt = fields.Datetime.from_string(message.next_attempt) if message.next_attempt else None
        if status == "queued":
            wait = (next_attempt - datetime.utcnow()).total_seconds() if next_attempt else None
            raise RetryLater(_("WeCom could not take it now."), delay=max(wait, 0) if wait is not None else None)

    @api.model
    def _job_deliver_failed(self, job, error, message_id=None, **_payload):
        """The job gave up (its worker died repeatedly): the message must not stay queued."""
        self.env.cr.execute("""UPDATE wecom_message SET status = 'failed', errmsg = coalesce(errmsg, %s)
                               WHERE id = %s AND status IN ('queued', 'sending')""", (error, message_id))

    @api.model
    def _requeue_orphans(self):
        """Messages left "sending" by a process that died (their row is not locked by a delivery):
        queue them again; the duplicate check keeps members from getting them twice."""
        with own_env(self.env, serialized=False) as env:
            env.cr.execute("""SELECT id FROM wecom_message WHERE status = 'sending'
                              AND write_date < now() at time zone 'UTC' - interval '1 minute'
                              FOR UPDATE SKIP LOCKED""")
            ids = [row[0] for row in env.cr.fetchall()]
            for message in env[self._name].browse(ids):
                message.write({"status": "queued", "next_attempt": fields.Datetime.now()})
                message._enqueue_delivery()
        return len(ids)

    def _deliver(self, sender=None):
        """Send the pending chunks of this message and record WeCom's answers.

        ``sender``: a Sender, by default from the configuration this record's environment sees.
        """
        self.ensure_one()
        calls = self.call_ids.sorted("sequence")
        chunks = [call._as_chunk() for call in calls]
        attempted = [chunk["status"] == delivery.PENDING for chunk in chunks]
        fields_ = {"msgtype": self.message_type, "content": self.content, "title": self.title or None,
                   "url": self.url or None, "btntxt": self.btntxt or None,
                   "articles": json.loads(self.articles) if self.articles else None,
                   "card": json.loads(self.card) if self.card else None}
        attempts = self.attempts + 1
        sender = sender or self._sender()
        if sender.error:  # not configured: a permanent failure, nothing sent
            for chunk in chunks:
                if chunk["status"] == delivery.PENDING:
                    chunk.update(status=delivery.FAILED, errcode=0, errmsg=sender.error.name, transient=False)
        else:
            delivery.send_chunks(sender.client, chunks, fields_, to_all=self.to_all,
                                 duplicate_check_interval=sender.duplicate_check_interval)
        summary = delivery.summarize(chunks)
        values = {"attempts": attempts, "errcode": summary["errcode"], "errmsg": summary["errmsg"] or False,
                  "next_attempt": False}
        status = summary["status"]
        if status == "pending":
            if attempts < MAX_ATTEMPTS:
                delay = RETRY_DELAYS[attempts - 1]
                values["next_attempt"] = fields.Datetime.to_string(datetime.utcnow() + timedelta(seconds=delay))
                status = "queued"
            else:
                for chunk in chunks:
                    if chunk["status"] == delivery.PENDING:
                        chunk["status"] = delivery.FAILED
                status = delivery.summarize(chunks)["status"]
        if status == "sent" and self.unlinked_users:
            status = "partial"  # some intended recipients have no WeCom member
        if status in ("sent", "partial") and not self.sent_date:
            values["sent_date"] = fields.Datetime.now()
        values["status"] = status
        for call, chunk, sent_now in zip(calls, chunks, attempted):
            if sent_now or chunk["status"] != call.state:
                call._record_answer(chunk)
        self.write(values)
        recipients.settle(self.env.cr, self.id)
        self.env["wecom.message.recipient"].invalidate_cache(["state", "reason"])
        if status == "queued" and not self.env.context.get("wecom_job_id"):
            self._enqueue_delivery(eta=fields.Datetime.from_string(values["next_attempt"]))
        _logger.info("WeCom message %s: %s after attempt %s", self.id, status, attempts)
        return status

    # ------------------------------------------------------------------ buttons
    def retry(self):
        """Send again what failed (failed messages, or the failed part of a partial one)."""
        results = self._retry_each()
        refused = [reason for _id, status, reason in results if reason]
        if refused:
            raise UserError("\n".join(refused))
        return True

    def _retry_each(self):
        """Retry each message on its own: [(id, new status, None) or (id, status, why not)]."""
        self._check_send_access()
        self._check_record_access()
        sender = self._sender()  # one client for all of them: its token is read once
        results = []
        for message in self:
            reason = message._retry_refusal()
            if reason:
                results.append((message.id, message.status, reason))
                continue
            with own_env(self.env) as env:
                locked = env[self._name].browse(message.id)
                if not locked._lock_for_delivery():
                    results.append((message.id, message.status,
                                    _("Message %(id)s is being sent right now.") % {"id": message.id}))
                    continue
                locked.call_ids.filtered(lambda call: call.state == delivery.FAILED).write({"state": delivery.PENDING})
                locked.write({"status": "sending"})
                status = locked._deliver(sender)
            results.append((message.id, status, None))
        self.invalidate_cache()
        return results

    def _direct_userids(self):
        """The userids the message named, in the caller's order."""
        self.env.cr.execute("""SELECT u.userid FROM wecom_message_recipient r JOIN wecom_user u ON u.id = r.member_id
                               WHERE r.message_id = %s AND r.via = 'direct' ORDER BY r.id""", (self.id,))
        return [row[0] for row in self.env.cr.fetchall()]

    def _msgids(self):
        """The msgids of the calls WeCom took, in sending order (what a recall names)."""
        return [call.msgid for call in self.call_ids.sorted("sequence") if call.state == delivery.SENT and call.msgid]

    def _retry_refusal(self):
        """Why this message cannot be retried, or None."""
        if self.status not in ("failed", "partial", "queued"):
            return _("Message %(id)s is %(status)s: only failed, partially delivered or queued messages can be "
                     "retried.") % {"id": self.id, "status": self.status}
        states = self.call_ids.mapped("state")
        if not states or (self.status != "queued" and delivery.FAILED not in states):
            return _("Message %(id)s has no failed delivery to retry (its invalid recipients were refused by "
                     "WeCom and would be refused again).") % {"id": self.id}
        return None

    def recall(self):
        """Recall sent messages from the members' WeCom clients (WeCom allows it for 24 hours).
        Their sender or a WeCom Manager may; the message records who recalled it and when."""
        self._check_send_access()
        self._check_record_access()
        manager = self.env.user._is_superuser() or self.env.user.has_group(MANAGER_GROUP)
        for message in self:
            if not manager and message.sender_id != self.env.user:
                raise AccessError(_("Only its sender or a WeCom Manager may recall message %(id)s.")
                                  % {"id": message.id})
            if message.status not in ("sent", "partial") or not message._msgids():
                raise UserError(_("Only sent messages can be recalled (message %(id)s is %(status)s).")
                                % {"id": message.id, "status": message.status})
            sent = fields.Datetime.from_string(message.sent_date)
            if datetime.utcnow() - sent > RECALL_WINDOW:
                raise UserError(_("Message %(id)s was sent more than 24 hours ago: WeCom no longer recalls it.")
                                % {"id": message.id})
        client = self.env["wecom.config"]._get_client("app")
        for message in self:
            try:
                for msgid in message._msgids():
                    client.message_recall(msgid)
            except WecomError as error:
                raise UserError(error.describe(language_of(self.env.lang))) from error
            with own_env(self.env) as env:
                env[self._name].browse(message.id).write({"status": "recalled", "recalled_date": fields.Datetime.now(),
                                                          "recalled_by_id": self.env.uid})
                recipients.recall(env.cr, message.id)
        self.invalidate_cache()
        return True

    # ------------------------------------------------------------------ template cards
    def _update_card(self, response_code, userids=None, atall=False, replace_name=None, card=None):
        """message/update_template_card with ``response_code`` (a send call's, or a click's from
        wecom.app.event): the buttons of the copies of ``userids`` (WeCom userids), or of every
        recipient with ``atall``, become the grey text ``replace_name``, or the card becomes
        ``card`` (any card type; ``replace_text`` allowed). Exactly one of replace_name / card.
        Marks the code used where it came from; returns True. Raises UserError with WeCom's reason
        (60140: the code was used or is older than 72 hours)."""
        self.ensure_one()
        body = self._card_update_body(replace_name, card)
        if not response_code:
            raise UserError(_("Message %(id)s: no response code to update its card with.") % {"id": self.id})
        if not atall and not userids:
            raise UserError(_("Updating a card needs the members (userids) or atall=True."))
        body["response_code"] = response_code
        if atall:
            body["atall"] = 1
        else:
            body["userids"] = [str(u) for u in userids]
        lang = language_of(self.env.lang)
        try:
            client = self.env["wecom.config"]._get_client("app")
            client.message_update_template_card(body)
        except WecomError as error:
            if getattr(error, "errcode", None) == 60140:
                self._mark_code_used(response_code)  # WeCom will not take it again either
            raise UserError(_("The card of message %(id)s was not updated: %(reason)s")
                            % {"id": self.id, "reason": error.describe(lang)}) from error
        self._mark_code_used(response_code)
        return True

    def _card_update_body(self, replace_name, card):
        """The button / template_card part of an update, checked (UserError when it is bad)."""
        if (replace_name is None) == (card is None):
            raise UserError(_("Updating a card takes exactly one of replace_name or card."))
        if card is not None:
            try:
                return {"template_card": validate_card(card, update=True)}
            except WecomError as error:
                raise UserError(error.describe(language_of(self.env.lang))) from error
        if not isinstance(replace_name, str) or not replace_name.strip():
            raise UserError(_("The text replacing the buttons is empty."))
        return {"button": {"replace_name": replace_name}}

    def _mark_code_used(self, response_code):
        """A response code is used once: note when, on the call or the click it came from."""
        now = fields.Datetime.now()
        self.env.cr.execute("""UPDATE wecom_message_call SET response_code_used_at = %s
                               WHERE message_id = %s AND response_code = %s AND response_code_used_at IS NULL""",
                            (now, self.id, response_code))
        self.env.cr.execute("""UPDATE wecom_app_event SET response_code_used_at = %s
                               WHERE message_id = %s AND response_code = %s AND response_code_used_at IS NULL""",
                            (now, self.id, response_code))
        self.env["wecom.message.call"].invalidate_cache(["response_code_used_at"])
        self.env["wecom.app.event"].invalidate_cache(["response_code_used_at"])

    def _update_card_all(self, replace_name=None, card=None):
        """Update every recipient's copy of this card message: each send call's unused code younger
        than 72 hours, with atall. Returns the calls that could not be updated (no code, used or
        expired: a wecom.message.call recordset), without raising for them."""
        self.ensure_one()
        self._card_update_body(replace_name, card)  # a bad update is refused before any call
        failed = self.env["wecom.message.call"]
        limit = datetime.utcnow() - RESPONSE_CODE_TTL
        for call in self.call_ids.sorted("sequence"):
            fresh = call.sent_date and fields.Datetime.from_string(call.sent_date) > limit
            if not call.response_code or call.response_code_used_at or not fresh:
                failed |= call
                continue
            try:
                self._update_card(call.response_code, atall=True, replace_name=replace_name, card=card)
            except UserError as error:
                _logger.info("WeCom card of message %s, call %s not updated: %s", self.id, call.sequence, error.name)
                failed |= call
        return failed

    # ------------------------------------------------------------------ for automated actions
    @api.model
    def notify_record_users(self, records, user_field=None, content=None, title=None):
        """Notify on WeCom the Odoo users of ``records`` (their ``user_field``, by default the
        first of user_id / user_ids / create_uid) with a text card linking to each record.

        Meant for server and automated actions: ``env['wecom.message'].notify_record_users(records)``.
        Returns the ids of the messages.
        """
        self._check_send_access()
        message_ids = []
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for record in records:
            field = user_field or next((f for f in ("user_id", "user_ids", "create_uid") if f in record._fields), None)
            if not field:
                raise UserError(_("%s has no user field to notify; name one with user_field=.") % record._name)
            users = record[field]
            if not users:
                continue
            url = login_url(base_url, record_url("", record))  # lands on the record, signed in
            for worded, user_ids in self._by_language(users.ids):
                message = worded._notify_record(record.with_env(worded.env), user_ids, url, content, title)
                message_ids.append(message.id)
        return message_ids

    def _notify_record(self, record, user_ids, url, content, title):
        return self.send_to_users(
            user_ids, "textcard", content or _("%s needs your attention.") % record.display_name,
            title=title or record.display_name, url=url, btntxt=own_term(self.env, "View", _("View")),
            business_type="record", business_id=record.id, res_model=record._name, res_id=record.id)
