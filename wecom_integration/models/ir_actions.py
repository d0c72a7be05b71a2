"""The Action menu's "Sync ... now" entries only for the users who may run that sync.

Odoo 11's server actions have no groups (window actions do), so the bindings are filtered here by
the permission group each sync needs (the service checks it again when the action runs)."""
from odoo import api, models

SYNC_ACTION_GROUPS = {
    "wecom_integration.wecom_sync_departments_action_server": "wecom_integration.wecom_group_sync_department",
    "wecom_integration.wecom_sync_users_action_server": "wecom_integration.wecom_group_sync_user",
    "wecom_integration.wecom_sync_tags_action_server": "wecom_integration.wecom_group_sync_user",
    "wecom_integration.wecom_sync_all_action_server": "wecom_integration.wecom_group_sync_all",
}


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    def get_bindings(self, model_name):
        result = super(IrActionsActions, self).get_bindings(model_name)
        # every toolbar of every model comes here: look further only when a server action is bound
        if not any(action.get("type") == "ir.actions.server" for actions in result.values() for action in actions):
            return result
        hidden = self._wecom_forbidden_sync_actions()
        if not hidden:
            return result
        # a new dict: the parent's result is cached for every user of the same groups
        return {kind: [action for action in actions if action["id"] not in hidden] for kind, actions in result.items()}

    def _wecom_forbidden_sync_actions(self):
        user = self.env.user
        if user._is_superuser():
            return set()
        hidden = set()
        for action_xmlid, group in SYNC_ACTION_GROUPS.items():
            action = self.env.ref(action_xmlid, raise_if_not_found=False)
            if action and not user.has_group(group):
                hidden.add(action.id)
        return hidden
