"""The exceptions the addon raises to its callers (other addons, the JSON API, the UI)."""
from odoo.exceptions import UserError


class WecomSyncError(UserError):
    """A sync run failed; its log (``log_id``) says why. Nothing was changed in the mirror."""

    def __init__(self, message, log_id=None, reason=None):
        super(WecomSyncError, self).__init__(message)
        self.log_id = log_id
        self.reason = reason or message  # what went wrong, without the "... sync failed" prefix


class WecomSyncBusy(UserError):
    """Another run of the same kind holds the lock."""
