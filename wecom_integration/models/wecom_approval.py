"""Approvals asked on WeCom: one card with 同意 / 拒绝 to the approvers of an Odoo record.

Another addon asks for one in one call::

    env["wecom.approval"].request(record, approvers, title, description=None, approve="action_approve",
                                  refuse="action_refuse", details=None, requester=None, pending_domain=None)

A click reaches Odoo as a wecom.app.event (the app callback) whose message names this model as its
card handler: ``_wecom_card_event(event)`` runs the record's approve or refuse method as the Odoo
user linked to the clicking member (``compat.as_user(record, user)``), so Odoo's own rights
decide. A decision is executed once: the approval's row is locked and must still be pending, the
record must still match ``pending_domain`` (else the card was stale: the approval is cancelled,
"already decided in Odoo"), and the method runs inside a savepoint (an AccessError, UserError or
ValidationError changes nothing; that member's card says why and the approval stays pending for
the others). After a decision every approver's card shows the outcome (the click's response code
with atall=1), and the requester is told on WeCom.

Every attempt is a wecom.approval.decision line; a record with ``message_post`` (mail installed)
also gets a note. Cards opened from WeCom land on the record signed in (/wecom/login).

WeCom's response codes die 72 hours after the send: the cron "WeCom: expire approvals" closes the
approvals still pending shortly before (EXPIRY_MARGIN), while the send's code can still update the
cards.
"""
import ast
import json
import logging
from datetime import datetime, timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError, except_orm

from ..compat import as_user, own_term, post_note, record_url
from ..wecom import cards
from ..wecom.errors import WecomError, language_of
from .wecom_app_event import MAX_ATTEMPTS as MAX_EVENT_ATTEMPTS
from .wecom_config import login_url

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "wecom_integration.wecom_group_manager"
STATES = [("pending", "Pending"), ("approved", "Approved"), ("refused", "Refused"), ("cancelled", "Cancelled"),
          ("expired", "Expired")]
VIAS = [("wecom", "WeCom"), ("odoo", "Odoo"), ("system", "Automatic")]
KEYS = {"approve": "approve", "refuse": "refuse"}  # button key -> decision
RESPONSE_CODE_TTL = timedelta(hours=72)  # WeCom's response codes (send and click) die then
EXPIRY_MARGIN = timedelta(minutes=30)    # expire before they do: the cron (every 10 minutes) updates the cards
MAX_DETAILS = 5                          # WeCom shows 6 lines; the last one is the link to the record


def _fmt(dt):
    return fields.Datetime.to_string(dt)


class WecomApproval(models.Model):
    _name = "wecom.approval"
    _description = "WeCom approval"
    _order = "id desc"

    name = fields.Char("Title", required=True, readonly=True)
    description = fields.Text(readonly=True)
    res_model = fields.Char("Document model", required=True, readonly=True, index=True)
    res_id = fields.Integer("Document ID", required=True, readonly=True, index=True)
    record_name = fields.Char("Document", readonly=True, help="The document's name when the approval was asked.")
    record_ref = fields.Reference("_selection_models", "Open document", compute="_compute_record_ref")
    approve_method = fields.Char("Approve method", required=True, readonly=True)
    refuse_method = fields.Char("Refuse method", required=True, readonly=True)
    pending_domain = fields.Text("Still pending while", readonly=True,
                                 help="The domain the document must still match for a decision from WeCom to "
                                      "apply; otherwise it was decided in Odoo meanwhile.")
    details = fields.Text("Details (JSON)", readonly=True)
    approver_ids = fields.Many2many("res.users", "wecom_approval_approver_rel", "approval_id", "user_id",
                                    "Approvers", readonly=True)
    requester_id = fields.Many2one("res.users", "Requester", readonly=True, ondelete="set null",
                                   help="Told the outcome on WeCom.")
    asked_by_id = fields.Many2one("res.users", "Asked by", readonly=True, ondelete="set null",
                                  help="The Odoo user whose action asked for the approval.")
    state = fields.Selection(STATES, required=True, default="pending", readonly=True, index=True)
    state_reason = fields.Char("Why", readonly=True)
    card_status = fields.Char("Cards show", readonly=True, help="What the approvers' cards say now.")
    decided_by_id = fields.Many2one("res.users", "Decided by", readonly=True, ondelete="set null")
    decided_member_id = fields.Many2one("wecom.user", "Decided by member", readonly=True, ondelete="set null")
    decided_date = fields.Datetime("Decided", readonly=True)
    decided_via = fields.Selection(VIAS, "From", readonly=True)
    # the card is committed by the outbox's own cursor, which this transaction may not see: no foreign key
    message_ref = fields.Integer("Card message ID", readonly=True, index=True)
    message_id = fields.Many2one("wecom.message", "Card", compute="_compute_message_id")
    sent_date = fields.Datetime("Sent", readonly=True)
    expiry_date = fields.Datetime("Expires", readonly=True, index=True)
    lang = fields.Char("Card language", readonly=True)
    decision_ids = fields.One2many("wecom.approval.decision", "approval_id", "Attempts", readonly=True)

    @api.model
    def _selection_models(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    def _compute_record_ref(self):
        for approval in self:
            approval.record_ref = "%s,%s" % (approval.res_model, approval.res_id) \
                if approval._readable_record() else False

    def _readable_record(self):
        """Whether the current user may open the document (the link is shown only then)."""
        if self.res_model not in self.env:
            return False
        target = self.env[self.res_model].browse(self.res_id)
        if not target.check_access_rights("read", raise_exception=False) or not target.sudo().exists():
            return False
        try:
            target.check_access_rule("read")
        except AccessError:
            return False
        return True

    def _compute_message_id(self):
        existing = set(self.env["wecom.message"].sudo().browse(
            [a.message_ref for a in self if a.message_ref]).exists().ids)
        for approval in self:
            approval.message_id = approval.message_ref if approval.message_ref in existing else False

    # ------------------------------------------------------------------ asking
    @api.model
    def request(self, record, approvers, title, description=None, approve="action_approve", refuse="action_refuse",
                details=None, requester=None, pending_domain=None):
        """Ask ``approvers`` (res.users) on WeCom to approve ``record`` (one record); returns the
        wecom.approval. One button_interaction card (同意 / 拒绝, a link to the record) goes to the
        approvers' WeCom members. ``details``: [(label, value)] shown on the card (at most 5);
        ``requester``: a res.users told the outcome; ``pending_domain``: the domain the record must
        still match for a decision to apply. A pending approval of the same record is cancelled
        (replaced). Everything is checked first: a bad argument raises UserError, nothing is sent."""
        self.env["wecom.message"]._check_send_access()
        record, approvers, requester, domain = self._check_request(record, approvers, title, approve, refuse,
                                                                    details, requester, pending_domain)
        details = [(str(label), "" if value in (None, False) else str(value)) for label, value in details or ()]
        lang = self._card_lang(approvers)
        values = {"name": title.strip(), "description": description or False, "res_model": record._name,
                  "res_id": record.id, "record_name": record.sudo().display_name, "approve_method": approve,
                  "refuse_method": refuse, "pending_domain": repr(domain) if domain else False,
                  "details": json.dumps(details, ensure_ascii=False) if details else False, "lang": lang,
                  "approver_ids": [(6, 0, approvers.ids)], "requester_id": requester.id if requester else False,
                  "asked_by_id": self.env.uid}
        with self.env.cr.savepoint():
            approval = self.sudo().create(values)
            card = approval.with_context(lang=lang)._card()  # a bad card (too many details...) raises here
            previous = self.sudo().search([("res_model", "=", record._name), ("res_id", "=", record.id),
                                           ("state", "=", "pending"), ("id", "!=", approval.id),
                                           ("id", "!=", self.env.context.get("wecom_approval_deciding") or 0)])
            previous._close("cancelled", "odoo", _("Replaced by a new request."), decision="cancel",
                            user=self.env.user)
            message = self.env["wecom.message"].send_to_users(
                approvers.ids, "template_card", None, card=card, card_handler=self._name, res_model=record._name,
                res_id=record.id, business_type="approval", business_id=approval.id)
            now = datetime.utcnow()
            approval.write({"message_ref": message.id, "sent_date": _fmt(now),
                            "expiry_date": _fmt(now + RESPONSE_CODE_TTL - EXPIRY_MARGIN)})
        return as_user(approval, self.env.uid)

    @api.model
    def _check_request(self, record, approvers, title, approve, refuse, details, requester, pending_domain):
        """(record, approvers, requester, domain) checked, or UserError saying what is wrong."""
        if not isinstance(record, models.BaseModel) or len(record) != 1 or not record.sudo().exists():
            raise UserError(_("An approval is asked for one existing Odoo record."))
        if record._name == self._name:
            raise UserError(_("An approval cannot be asked for an approval."))
        caller = record.with_env(self.env)  # who asks must be able to read it (the bridges ask as sudo)
        caller.check_access_rights("read")
        caller.check_access_rule("read")
        if isinstance(approvers, (list, tuple)):
            approvers = self.env["res.users"].browse(approvers)
        if not isinstance(approvers, models.BaseModel) or approvers._name != "res.users" or not approvers:
            raise UserError(_("Name the approvers as Odoo users (res.users), at least one."))
        approvers = approvers.sudo().exists().filtered("active")
        if not approvers:
            raise UserError(_("None of the approvers is an active Odoo user."))
        linked = self.env["wecom.user"].sudo().search([("odoo_user_id", "in", approvers.ids), ("active", "=", True)])
        if not linked:
            raise UserError(_("None of the approvers (%(names)s) is linked to a WeCom member: nobody could decide.")
                            % {"names": ", ".join(approvers.mapped("name"))})
        if not isinstance(title, str) or not title.strip():
            raise UserError(_("An approval needs a title."))
        for method in (approve, refuse):
            if not isinstance(method, str) or not method or method.startswith("_") \
                    or not callable(getattr(record, method, None)):
                raise UserError(_("%(model)s has no public method %(method)r to approve or refuse with.")
                                % {"model": record._name, "method": method})
        if details is not None:
            if not isinstance(details, (list, tuple)) or len(details) > MAX_DETAILS or any(
                    not isinstance(item, (list, tuple)) or len(item) != 2 or not str(item[0] or "").strip()
                    for item in details):
                raise UserError(_("details: at most %(count)s (label, value) pairs, each with a label.")
                                % {"count": MAX_DETAILS})
        if requester is not None and requester is not False:
            if not isinstance(requester, models.BaseModel) or requester._name != "res.users" or len(requester) != 1:
                raise UserError(_("requester: one Odoo user (res.users), or None."))
        domain = list(pending_domain or [])
        if domain:
            try:
                matches = self._matching(record, domain)
            except Exception as error:  # a domain Odoo cannot read: say so, change nothing
                raise UserError(_("pending_domain is not a valid domain of %(model)s: %(error)s")
                                % {"model": record._name, "error": error}) from error
            if not matches:
                raise UserError(_("%(record)s does not match pending_domain: it is not waiting for a decision.")
                                % {"record": record.sudo().display_name})
        return record, approvers, requester or None, domain

    @api.model
    def _matching(self, record, domain):
        """Whether ``record`` matches ``domain`` (archived records included)."""
        model = record.sudo().with_context(active_test=False)
        return bool(model.search_count([("id", "=", record.id)] + list(domain)))

    @api.model
    def _card_lang(self, approvers):
        """The approvers' language when they share one, else the setting for business messages."""
        installed = set(code for code, _name in self.env["res.lang"].get_installed())
        langs = set(approvers.mapped("lang"))
        if len(langs) == 1 and list(langs)[0] in installed:
            return list(langs)[0]
        return self.env["wecom.config"]._get_message_lang()

    # ------------------------------------------------------------------ the card
    def _record(self):
        """The document, as the superuser (False when it is gone)."""
        self.ensure_one()
        if self.res_model not in self.env:
            return False
        return self.env[self.res_model].sudo().with_context(active_test=False).browse(self.res_id).exists()

    def _link(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return login_url(base_url, record_url("", self.env[self.res_model].browse(self.res_id)))

    def _card(self, status=None, note=None):
        """The card (in the context's language): the request, and once closed or refused to one
        member, ``status`` on a grey button and ``note`` above the description."""
        self.ensure_one()
        limits = cards.TEXT_LIMITS
        link = self._link()
        lines = [(cards.clip(label, limits["horizontal_content_list.keyname"]),
                  cards.clip(value, limits["horizontal_content_list.value"]))
                 for label, value in json.loads(self.details or "[]")]
        term = self._term
        lines.append((term("Link", _("Link")), term("Open", _("Open")), link))
        text = "\n".join(part for part in (note, self.description) if part)
        try:
            card = cards.button_interaction(
                cards.clip(self.name, limits["main_title.title"]),
                [(term("Approve", _("Approve")), "approve", 1), (term("Refuse", _("Refuse")), "refuse", 4)],
                sub_title_text=cards.clip(text, limits["sub_title_text"]) or None,
                source=cards.clip(term("Approval", _("Approval")), limits["source.desc"]),
                main_title_desc=cards.clip(self.record_name or "", limits["main_title.desc"]) or None,
                horizontal_content_list=lines, card_action=link)
        except WecomError as error:
            raise UserError(error.describe(language_of(self.env.lang))) from error
        if status:
            card["replace_text"] = cards.clip(status, limits["replace_text"])
        return card

    def _term(self, source, translated):
        """A short card term in this module's own translation (compat.own_term: with hr_holidays
        installed, _("Approve") would be its 批准, not 同意)."""
        return own_term(self.env, source, translated)

    def _status_text(self):
        """What a closed approval's cards say on their grey button (in the context's language)."""
        self.ensure_one()
        who = self.decided_member_id.name or self.decided_by_id.name or ""
        if self.state == "approved":
            return _("Approved · %(name)s") % {"name": who} if who else self._term("Approved", _("Approved"))
        if self.state == "refused":
            return _("Refused · %(name)s") % {"name": who} if who else self._term("Refused", _("Refused"))
        if self.state == "expired":
            return self._term("Expired", _("Expired"))
        return self._term("Cancelled", _("Cancelled"))

    def _closed_card(self):
        worded = self.with_context(lang=self.lang or self.env.context.get("lang"))
        return worded._card(status=worded._status_text(), note=worded._outcome_note())

    def _outcome_note(self):
        self.ensure_one()
        when = self.decided_date and fields.Datetime.context_timestamp(
            self, fields.Datetime.from_string(self.decided_date)).strftime("%Y-%m-%d %H:%M")
        who = self.decided_member_id.name or self.decided_by_id.name or ""
        if self.state == "approved":
            return _("Approved by %(name)s on %(date)s.") % {"name": who, "date": when}
        if self.state == "refused":
            return _("Refused by %(name)s on %(date)s.") % {"name": who, "date": when}
        return self.state_reason or ""

    # ------------------------------------------------------------------ clicks (the card handler)
    @api.model
    def _wecom_card_event(self, event):
        """A click on an approval card (wecom.app.event; called as the superuser, in a savepoint,
        possibly again for the same event: idempotent)."""
        if event.event_type != "template_card_event":
            return
        # applied already: this event (its job retried), or the same click delivered again (a
        # click's response code is its own; WeCom repeats a slow answer's post, an attacker a seen one)
        same = self.env["wecom.app.event"].sudo().search([("response_code", "=", event.response_code)]).ids \
            if event.response_code else []
        if self.env["wecom.approval.decision"].sudo().search_count([("event_ref", "in", same + [event.id])]):
            return
        approval = self.sudo().search([("message_ref", "=", event.message_id.id)], limit=1) \
            if event.message_id else self.browse()
        if not approval:
            # the request's transaction may not have committed yet: the event job tries again; on
            # its last try (the request was rolled back after its card went out) the card says so
            if event.attempts + 1 >= MAX_EVENT_ATTEMPTS:
                try:
                    event._update_clicker_card(replace_name=_("Not open"))
                except UserError as error:
                    _logger.info("WeCom app event %s: the card was not updated: %s", event.id, error.name)
            raise UserError(_("No WeCom approval for the card of message %(id)s (yet).")
                            % {"id": event.message_id.id})
        approval._decide_from_click(event)

    def _decide_from_click(self, event, now=None):
        """Decide as the click asks, if it may; what the cards and the lines say is worded in the
        card's language."""
        self.ensure_one()
        return self.with_context(lang=self.lang or "en_US")._decide_worded(event, now)

    def _decide_worded(self, event, now):
        worded = self
        decision = KEYS.get(event.event_key)
        member = event.member_id
        user = member.odoo_user_id if member else self.env["res.users"]
        attempt = {"approval_id": self.id, "via": "wecom", "decision": decision or False, "member_id": member.id or False,
                   "userid": event.userid or False, "user_id": user.id or False, "event_ref": event.id}
        # one decision: whoever clicks at the same time waits here, then sees it decided
        self.env.cr.execute("SELECT state FROM wecom_approval WHERE id = %s FOR UPDATE", (self.id,))
        self.invalidate_cache(ids=self.ids)
        if not decision:
            return worded._refuse_click(event, attempt, "error", _("This card has no button %(key)r.")
                                        % {"key": event.event_key})
        if self.state == "pending" and self._is_expired(now):
            self._expire(now)
        if self.state != "pending":
            return worded._refuse_click(event, attempt, "too_late", worded._outcome_note() or worded._status_text(),
                                        status=worded._status_text())
        if not member or not user:
            return worded._refuse_click(event, attempt, "not_allowed", _(
                "Your WeCom account is not linked to an Odoo user: you cannot decide here. Ask your administrator "
                "to link it."))
        if not user.active or user not in self.approver_ids:
            return worded._refuse_click(event, attempt, "not_allowed", _(
                "%(name)s is not one of the approvers of this request.") % {"name": user.name})
        record = self._record()
        if not record or (self.pending_domain and not self._matching(record, ast.literal_eval(self.pending_domain))):
            reason = _("Already decided in Odoo.") if record else _("The document no longer exists.")
            self.env["wecom.approval.decision"].sudo().create(dict(attempt, outcome="stale", reason=reason))
            return self._close("cancelled", "odoo", reason, event=event)
        method = self.approve_method if decision == "approve" else self.refuse_method
        try:
            with self.env.cr.savepoint():
                # the flag tells _sync_from_records and request(), reached from the method's own
                # writes (a bridge's hook), that this approval is the one deciding, not a stale one
                getattr(as_user(record, user).with_context(wecom_approval_deciding=self.id), method)()
        except psycopg2.OperationalError:
            raise  # a lock or serialization failure: the event job tries again
        except Exception as error:  # pylint: disable=broad-except  # whatever the method raised changes nothing
            self.env.cache.invalidate()
            outcome = "not_allowed" if isinstance(error, AccessError) else "error"
            if not isinstance(error, (except_orm, ValidationError, UserError)):
                _logger.exception("WeCom approval %s: %s.%s failed", self.id, self.res_model, method)
            text = getattr(error, "name", None) or str(error)
            return worded._refuse_click(event, attempt, outcome, _("Odoo refused it: %(error)s") % {"error": text})
        state = "approved" if decision == "approve" else "refused"
        self.env["wecom.approval.decision"].sudo().create(dict(attempt, outcome=state))
        return self._close(state, "wecom", False, user=user, member=member, event=event)

    def _refuse_click(self, event, attempt, outcome, reason, status=None):
        """A click that changes nothing: recorded, and the clicker's copy (only theirs) says why."""
        line = self.env["wecom.approval.decision"].sudo().create(dict(attempt, outcome=outcome, reason=reason))
        labels = {"not_allowed": _("No rights"), "error": _("Not done")}
        card = self._card(status=status or labels.get(outcome, _("Not done")), note=reason)
        try:
            event._update_clicker_card(card=card)
            note = _("The member's card says why.")
        except UserError as error:
            note = _("The member's card could not be updated: %(error)s") % {"error": error.name}
        line.card_note = note
        return line

    # ------------------------------------------------------------------ closing
    def _close(self, state, via, reason, user=None, member=None, event=None, decision=None, decided_date=None):
        """Close pending approvals: state, who, when and from where; a note on the record when it
        takes one; every approver's card updated (the click's code with atall=1, else each send
        call's code); the requester told of a decision or an expiry."""
        for approval in self:
            self.env.cr.execute("UPDATE wecom_approval SET state = %s WHERE id = %s AND state = 'pending' "
                                "RETURNING id", (state, approval.id))
            if not self.env.cr.fetchone():
                continue  # closed meanwhile
            approval.invalidate_cache(ids=approval.ids)
            approval.write({"state_reason": reason or False, "decided_via": via,
                            "decided_date": decided_date or fields.Datetime.now(),
                            "decided_by_id": user.id if user else False,
                            "decided_member_id": member.id if member else False})
            if decision:  # the line of a click was written by the caller
                line = self.env["wecom.approval.decision"].sudo().create({
                    "approval_id": approval.id, "via": via, "decision": decision, "outcome": state,
                    "reason": reason or False, "user_id": approval.decided_by_id.id or False})
            else:
                line = approval.decision_ids.sorted("id")[-1:]
            worded = approval.with_context(lang=approval.lang or "en_US")
            approval.card_status = worded._status_text()
            line.card_note = worded._update_cards(event)
            approval._post_note(worded._outcome_note() or worded._status_text())
            if state in ("approved", "refused", "expired"):
                worded._tell_requester()
        return True

    def _update_cards(self, event=None):
        """Every approver's card shows the outcome; returns what happened, for the record."""
        self.ensure_one()
        card = self._closed_card()
        if event is not None:
            try:
                event._update_clicker_card(card=card, atall=True)
                return _("Every approver's card shows the outcome.")
            except UserError as error:
                _logger.info("WeCom approval %s: the click's code did not update the cards (%s)", self.id, error)
        message = self.env["wecom.message"].sudo().browse(self.message_ref).exists()
        if not message:
            return _("No card was sent.")
        missed = message._update_card_all(card=card)
        if missed:
            return _("%(count)s send call(s) could not update their cards (WeCom's code was used or expired).") \
                % {"count": len(missed)}
        return _("Every approver's card shows the outcome.")

    def _post_note(self, text):
        """A note on the record when it has a chatter (mail installed): duck-typed, no import."""
        record = self._record()
        if not record or not hasattr(record, "message_post"):
            return
        body = "%s: %s" % (self.name, text)
        try:
            with self.env.cr.savepoint():
                post_note(record, body, author_id=self.decided_by_id.partner_id.id or None)
        except Exception:  # pylint: disable=broad-except  # the decision stands without its note
            _logger.exception("WeCom approval %s: could not post the note on %s,%s", self.id, self.res_model,
                              self.res_id)

    def _tell_requester(self):
        if not self.requester_id:
            return
        text = _("%(title)s (%(record)s): %(outcome)s") % {
            "title": self.name, "record": self.record_name or "", "outcome": self._outcome_note() or self._status_text()}
        try:
            self.env["wecom.message"].sudo().send_to_users(
                self.requester_id.ids, "text", text, business_type="approval", business_id=self.id,
                res_model=self.res_model, res_id=self.res_id)
        except UserError as error:
            _logger.warning("WeCom approval %s: the requester was not told: %s", self.id, error)

    def _is_expired(self, now=None):
        now = now or datetime.utcnow()
        return bool(self.expiry_date) and fields.Datetime.from_string(self.expiry_date) <= now

    def _expire(self, now=None):
        return self._close("expired", "system", _("No decision within 72 hours: WeCom no longer takes the card's "
                                                  "answers."), decision="expire",
                           decided_date=_fmt(now) if now else None)

    @api.model
    def _cron_expire(self, now=None):
        """Close the approvals whose expiry passed (``now``: a datetime, UTC; injectable for tests)."""
        now = now or datetime.utcnow()
        expired = self.sudo().search([("state", "=", "pending"), ("expiry_date", "<=", _fmt(now))])
        for approval in expired:
            approval._expire(now)
        return expired

    # ------------------------------------------------------------------ from Odoo
    def action_cancel(self):
        """Cancel pending approvals (their requester, or a WeCom Manager): the cards say so."""
        manager = self.env.user._is_superuser() or self.env.user.has_group(MANAGER_GROUP)
        if not manager and (not self or any(self.env.user not in (a.sudo().requester_id | a.sudo().asked_by_id)
                                            for a in self)):
            raise AccessError(_("Only its requester or a WeCom Manager may cancel an approval."))
        self.check_access_rule("read")
        pending = self.sudo().filtered(lambda a: a.state == "pending")
        for approval in pending:
            approval._close("cancelled", "odoo", _("Cancelled by %(name)s.") % {"name": self.env.user.name},
                            decision="cancel", user=self.env.user)
        return True

    @api.model
    def _sync_from_records(self, records):
        """Pending approvals of ``records`` that no longer match their pending_domain (or are gone)
        become cancelled ("decided in Odoo") and their cards say so; bridges call it when a document
        moves in Odoo. Returns the approvals closed."""
        if not records:
            return self.browse()
        pending = self.sudo().search([("res_model", "=", records._name), ("res_id", "in", records.ids),
                                      ("state", "=", "pending"),
                                      ("id", "!=", self.env.context.get("wecom_approval_deciding") or 0)])
        closed = self.browse()
        for approval in pending:
            record = approval._record()
            if record and not (approval.pending_domain and not approval._matching(
                    record, ast.literal_eval(approval.pending_domain))):
                continue
            approval._close("cancelled", "odoo", _("Already decided in Odoo.") if record
                            else _("The document no longer exists."), decision="cancel",
                            user=self.env.user if not self.env.user._is_superuser() else None)
            closed |= approval
        return closed
