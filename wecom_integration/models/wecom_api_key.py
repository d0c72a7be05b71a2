"""API keys for the JSON API: created by each user for themself, stored hashed, shown once."""
import hashlib
import hmac
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..compat import as_user
from ..cursors import own_cursor

KEY_PREFIX = "wck_"


def key_hash(key):
    # The key is 32 random bytes: a plain SHA-256 is enough (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class WecomApiKey(models.Model):
    _name = "wecom.api.key"
    _description = "WeCom API key"
    _order = "create_date desc"

    name = fields.Char(required=True, help="What the key is for, e.g. the system that uses it.")
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade", index=True,
                              default=lambda self: self.env.user)
    prefix = fields.Char("Key starts with", readonly=True, help="The first characters, to recognise the key.")
    key_hash = fields.Char(readonly=True, groups="base.group_system", index=True)
    last_used = fields.Datetime("Last used", readonly=True)
    active = fields.Boolean(default=True, readonly=True, help="Revoked keys are archived.")

    _sql_constraints = [("key_hash_uniq", "unique(key_hash)", "API keys are unique.")]

    @api.model
    def generate(self, name):
        """Create a key for the current user; returns (record, the key in clear: shown only now).
        Internal users only: a portal user has nothing to call the API for."""
        self.env["wecom.config"]._check_group("base.group_user")
        if not isinstance(name, str) or not name.strip():
            raise UserError(_("Give the key a name (what will use it)."))
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        record = self.sudo().create({"name": name.strip(), "user_id": self.env.uid, "prefix": key[:10],
                                     "key_hash": key_hash(key)})
        return as_user(record, self.env.uid), key

    def action_revoke(self):
        for key in self:
            if key.user_id != self.env.user and not self.env.user.has_group("base.group_system"):
                raise UserError(_("You can only revoke your own API keys."))
        self.sudo().write({"active": False})
        return True

    @api.model
    def _authenticate(self, key):
        """The id of the active user owning this active key, or None. Records the use."""
        if not isinstance(key, str) or not key.startswith(KEY_PREFIX):
            return None
        digest = key_hash(key)
        self.env.cr.execute("""SELECT k.id, k.user_id, k.key_hash FROM wecom_api_key k
                               JOIN res_users u ON u.id = k.user_id AND u.active
                               WHERE k.key_hash = %s AND k.active""", (digest,))
        row = self.env.cr.fetchone()
        if not row or not hmac.compare_digest(row[2], digest):
            return None
        self._record_use(row[0])
        return row[1]

    def _record_use(self, key_id):
        """Stamp last_used at most once a minute, in a transaction of its own that skips a row
        another request is stamping: one key used by many parallel requests must not make them
        conflict on this row (the request transactions never write it)."""
        with own_cursor(self.pool, serialized=False) as cr:
            cr.execute("""UPDATE wecom_api_key SET last_used = now() at time zone 'UTC'
                          WHERE id IN (SELECT id FROM wecom_api_key WHERE id = %s
                                         AND (last_used IS NULL OR last_used < now() at time zone 'UTC' - interval '1 minute')
                                       FOR UPDATE SKIP LOCKED)""", (key_id,))
