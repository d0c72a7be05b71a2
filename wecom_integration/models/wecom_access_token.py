"""Access tokens cached in PostgreSQL, shared by every Odoo worker and server.

WeCom rate-limits gettoken and returns the same token while it is valid, so all workers must
share one token per (corp id, secret). The row is refreshed under a row lock in a cursor of its
own that is committed at once: two workers asking at the same moment cause one gettoken, and a
business transaction that rolls back afterwards never loses the fresh token.
"""
import logging
from datetime import datetime, timedelta

from odoo import fields, models

from ..cursors import own_cursor

_logger = logging.getLogger(__name__)

# renew this long before WeCom's expiry (capped at a tenth of the token's life)
RENEW_MARGIN = 300


class WecomAccessToken(models.Model):
    _name = "wecom.access.token"
    _description = "WeCom access token cache"

    key = fields.Char(required=True, readonly=True, index=True,
                      help="Corp id and a fingerprint of the secret; never the secret itself.")
    corp_id = fields.Char(readonly=True)
    token = fields.Char(readonly=True, groups="base.group_system")
    expires_at = fields.Datetime(readonly=True, help="When this token will be renewed (UTC).")

    _sql_constraints = [("key_uniq", "unique(key)", "One cached token per corp id and secret.")]


class PgTokenStore(object):
    """The WecomClient token store backed by the wecom_access_token table."""

    def __init__(self, registry):
        self.registry = registry
        # what this store (one client's lifetime: a sync run, a send) last read, so that a run of
        # thousands of calls reads the table once rather than once per call
        self._memo = {}

    def get_token(self, key, fetch, stale_token=None):
        memo = self._memo.get(key)
        if memo and memo[0] != stale_token and memo[1] > datetime.utcnow():
            return memo[0]
        token, expires_at = self._get_token(key, fetch, stale_token)
        self._memo[key] = (token, expires_at)
        return token

    def _get_token(self, key, fetch, stale_token):
        # READ COMMITTED, not Odoo's default REPEATABLE READ: after waiting for the row lock we
        # must see the token the other worker just committed.
        with own_cursor(self.registry, serialized=False) as cr:
            found = self._valid_token(cr, key, stale_token)
            if found:
                return found
            cr.execute("""INSERT INTO wecom_access_token (key, corp_id, create_date, write_date)
                          VALUES (%s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
                          ON CONFLICT (key) DO NOTHING""", (key, key.split(":")[0]))
            cr.execute("SELECT id FROM wecom_access_token WHERE key = %s FOR UPDATE", (key,))
            # Another worker may have refreshed it while we waited for the lock.
            found = self._valid_token(cr, key, stale_token)
            if not found:
                token, expires_in = fetch()
                margin = min(RENEW_MARGIN, int(expires_in) // 10)
                expires_at = datetime.utcnow() + timedelta(seconds=int(expires_in) - margin)
                cr.execute("""UPDATE wecom_access_token
                              SET token = %s, expires_at = %s, write_date = now() at time zone 'UTC'
                              WHERE key = %s""", (token, fields.Datetime.to_string(expires_at), key))
                _logger.info("WeCom access token renewed for %s", key)
                found = token, expires_at
            return found  # own_cursor commits: the token is published to every worker at once

    @staticmethod
    def _valid_token(cr, key, stale_token):
        cr.execute("""SELECT token, expires_at FROM wecom_access_token
                      WHERE key = %s AND token IS NOT NULL AND expires_at > now() at time zone 'UTC'""", (key,))
        row = cr.fetchone()
        if row and row[0] != stale_token:
            return row[0], fields.Datetime.from_string(row[1]) if isinstance(row[1], str) else row[1]
        return None
