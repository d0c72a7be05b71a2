"""One-time credentials for signing in with WeCom (controllers/login.py).

After WeCom has said who the member is, the controller issues a token for the linked Odoo user
and signs in with it at once through Odoo's own authentication (res.users._check_credentials
consumes it). The token is random, only its SHA-256 is stored, it lives TOKEN_TTL seconds and
is deleted when used: there is no shared secret that would let anyone in without WeCom.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from odoo import api, fields, models

TOKEN_PREFIX = "wecom-login:"
TOKEN_TTL = 60


def _digest(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class WecomLoginToken(models.Model):
    _name = "wecom.login.token"
    _description = "WeCom one-time sign-in credential"
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    token_hash = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True)

    @api.model
    def _issue(self, user):
        """A new one-time credential for ``user`` (the password to pass to authenticate)."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = datetime.utcnow()
        self.sudo().search([("expires_at", "<", fields.Datetime.to_string(now))]).unlink()
        self.sudo().create({"user_id": user.id, "token_hash": _digest(raw),
                            "expires_at": fields.Datetime.to_string(now + timedelta(seconds=TOKEN_TTL))})
        return raw

    @api.model
    def _consume(self, user_id, raw):
        """True when ``raw`` is a live credential of ``user_id``; it is deleted either way."""
        if not raw or not raw.startswith(TOKEN_PREFIX):
            return False
        token = self.sudo().search([("token_hash", "=", _digest(raw))], limit=1)
        if not token:
            return False
        valid = token.user_id.id == user_id and token.expires_at >= fields.Datetime.now()
        token.unlink()
        return valid
