"""Every sign-in with WeCom and every refusal, with the member and the reason."""
from odoo import _, api, fields, models

FLOWS = [("oauth", "Inside WeCom"), ("weblogin", "QR code")]
REASONS = [
    ("ok", "Signed in"),
    ("disabled", "Log in with WeCom is off"),
    ("not_configured", "WeCom is not configured"),
    ("state", "Wrong or missing state"),
    ("code", "Code expired or already used"),
    ("wecom_error", "WeCom refused"),
    ("not_member", "Not a member of the corp"),
    ("unknown_member", "Member not in Odoo"),
    ("member_disabled", "Member disabled"),
    ("member_not_activated", "Member not activated"),
    ("member_left", "Member left"),
    ("unlinked", "Member not linked to an Odoo user"),
    ("user_inactive", "Odoo user inactive"),
    ("portal_created", "Signed in, portal user created"),
    ("login_taken", "Login already used by another Odoo user"),
]


class WecomLoginLog(models.Model):
    _name = "wecom.login.log"
    _description = "WeCom sign-in"
    _order = "id desc"

    date = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    userid = fields.Char("WeCom UserID", readonly=True)
    member_id = fields.Many2one("wecom.user", "Member", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", "Odoo user", readonly=True, ondelete="set null")
    result = fields.Selection([("success", "Signed in"), ("refused", "Refused")], readonly=True, index=True)
    reason = fields.Selection(REASONS, readonly=True)
    detail = fields.Char(readonly=True)
    flow = fields.Selection(FLOWS, readonly=True)
    ip = fields.Char("IP address", readonly=True)

    @api.model
    def _record(self, result, reason, flow=None, member=None, user=None, userid=None, detail=None, ip=None):
        return self.sudo().create({
            "result": result, "reason": reason, "flow": flow or False, "member_id": member.id if member else False,
            "user_id": user.id if user else False, "userid": userid or (member.userid if member else False),
            "detail": (detail or "")[:500] or False, "ip": ip or False})

    @api.model
    def _reason_text(self, reason):
        """What the refusal page says (in the context's language)."""
        texts = {
            "title": _("You cannot sign in with WeCom"),
            "other": _("Sign in with a login and password"),
            "disabled": _("Logging in with WeCom is turned off on this Odoo."),
            "not_configured": _("WeCom is not configured on this Odoo."),
            "state": _("This sign-in was not started in this browser, or it was already finished. Start again "
                       "from the link."),
            "code": _("The sign-in code has expired or was already used. Start again from the link."),
            "wecom_error": _("WeCom refused the sign-in. Ask your administrator to check the app's trusted "
                             "domain."),
            "not_member": _("Only members of the company's WeCom can sign in."),
            "unknown_member": _("Your WeCom account is not known to Odoo yet. Ask your administrator to "
                                "synchronize the directory."),
            "member_disabled": _("Your WeCom account is disabled."),
            "member_not_activated": _("Your WeCom account is not activated yet."),
            "member_left": _("Your WeCom account has left the company."),
            "unlinked": _("Your WeCom account is not linked to an Odoo user. Ask your administrator to link it."),
            "user_inactive": _("The Odoo user linked to your WeCom account is deactivated."),
            "login_taken": _("An Odoo user already has your email or WeCom userid as login. Ask your administrator "
                             "to link your WeCom account to it."),
        }
        return texts.get(reason, reason)

    @api.model
    def _create_portal_user(self, member):
        """A portal user for ``member`` (never an internal user), linked to it; None when another
        user (archived ones included) already has the login: that one is for an admin to link."""
        portal = self.env.ref("base.group_portal")
        login = member.email or member.userid
        self.env.cr.execute("SELECT 1 FROM res_users WHERE lower(login) = lower(%s)", (login,))
        if self.env.cr.fetchone():
            return None
        user = self.env["res.users"].sudo().with_context(no_reset_password=True).create({
            "name": member.name or member.userid, "login": login, "email": member.email or False,
            "groups_id": [(6, 0, [portal.id])]})
        member.sudo().write({"odoo_user_id": user.id})
        return user
