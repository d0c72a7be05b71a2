"""Every attempt to decide a WeCom approval, and its outcome: a click on the card (who, as which
Odoo user, what Odoo answered), a cancellation, a document decided in Odoo meanwhile, an expiry.
Nothing is ever removed: this is what the approval shows as its history."""
from odoo import fields, models

DECISIONS = [("approve", "Approve"), ("refuse", "Refuse"), ("cancel", "Cancel"), ("expire", "Expire")]
OUTCOMES = [
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("not_allowed", "Not allowed"),        # no linked Odoo user, not an approver, or Odoo's rights refused
    ("error", "Refused by the document"),  # the document's method raised (a UserError, a ValidationError, ...)
    ("stale", "Already decided in Odoo"),  # the document moved on, or is gone
    ("too_late", "Already decided"),       # a second click, a second approver, a replayed event
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
]
VIAS = [("wecom", "WeCom"), ("odoo", "Odoo"), ("system", "Automatic")]


class WecomApprovalDecision(models.Model):
    _name = "wecom.approval.decision"
    _description = "WeCom approval attempt"
    _order = "approval_id, id"

    approval_id = fields.Many2one("wecom.approval", "Approval", required=True, readonly=True, index=True,
                                  ondelete="cascade")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    via = fields.Selection(VIAS, required=True, readonly=True)
    decision = fields.Selection(DECISIONS, readonly=True, help="What was asked for.")
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    member_id = fields.Many2one("wecom.user", "Member", readonly=True, ondelete="set null")
    userid = fields.Char("WeCom UserID", readonly=True)
    user_id = fields.Many2one("res.users", "Odoo user", readonly=True, ondelete="set null",
                              help="The Odoo user the decision was made as.")
    reason = fields.Text(readonly=True)
    card_note = fields.Text("Cards", readonly=True, help="What happened to the WeCom cards after it.")
    event_ref = fields.Integer("App event", readonly=True, index=True,
                               help="The WeCom app event (click) this attempt came from.")
