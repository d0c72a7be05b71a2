"""WeCom settings page: stored in ir.config_parameter, environment variables win.

Secrets are write-only here: the form never receives a stored secret back, an empty secret field
means "keep the stored one", and the fields are restricted to system administrators.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .wecom_config import APP_CALLBACK_PATH, CALLBACK_PATH, DEFAULTS, ENV_VARS, LOGIN_TOGGLES, SECRET_SETTINGS, env_override

SYSTEM = "base.group_system"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wecom_corp_id = fields.Char("Corp ID", help="企业ID, from My Company > Company Information in the WeCom admin console.")
    wecom_agent_id = fields.Char("Agent ID", help="AgentId of the self-built app that sends messages.")
    wecom_secret = fields.Char("App Secret", groups=SYSTEM,
                               help="Secret of the self-built app. Leave empty to keep the stored secret.")
    wecom_contact_secret = fields.Char(
        "Contact-Sync Secret", groups=SYSTEM,
        help="Optional secret of the Contacts Sync assistant (通讯录同步). With it, the directory is enumerated "
             "with department/simplelist and user/list_id. Leave empty to keep the stored secret.")
    wecom_base_url = fields.Char("API Base URL", help="https://qyapi.weixin.qq.com/cgi-bin, or the emulator's URL.")
    wecom_timeout = fields.Integer("API Timeout (seconds)")
    wecom_fetch_mode = fields.Selection(
        [("auto", "Automatic"), ("export", "Export jobs"), ("per_department", "Per department")],
        string="Member fetch for full syncs",
        help="Export jobs read the whole directory in a handful of WeCom calls (files encrypted with a key "
             "chosen for each job); per department makes one user/list call per department. Automatic uses "
             "export jobs for a large directory. A failed export falls back to per department in the same run.")
    wecom_export_threshold = fields.Integer(
        "Export threshold (members)",
        help="In automatic mode, a sync uses export jobs once the mirror has this many members or the "
             "directory a tenth as many departments.")
    wecom_archive_threshold = fields.Integer(
        "Archive safety threshold (%)",
        help="A sync that would archive more than this share of the departments, members or tags "
             "refuses to run and changes nothing.")
    wecom_user_match = fields.Selection(
        [("off", "Do not link"), ("login", "Login = userid"), ("email", "Same email"),
         ("mobile", "Same mobile")], string="Link members to Odoo users",
        help="How the sync links WeCom members to existing Odoo users. Only unambiguous matches are "
             "linked and no Odoo user is ever created.")
    wecom_message_lang = fields.Selection(
        lambda self: self.env["res.lang"].get_installed(), string="Language of business messages",
        help="Approval notifications, milestone reminders and record notifications are worded in each "
             "recipient's language (that of the linked Odoo user); this one is for the others.")
    wecom_callback_token = fields.Char(
        "Callback Token", groups=SYSTEM,
        help="Token of the event receiving server (接收事件服务器) set in the WeCom admin console for contact "
             "changes. Leave empty to keep the stored one.")
    wecom_callback_aes_key = fields.Char(
        "Callback EncodingAESKey", groups=SYSTEM,
        help="The 43-character EncodingAESKey set next to the Token. Leave empty to keep the stored one.")
    wecom_callback_url = fields.Char(
        "Callback URL", readonly=True,
        help="The URL to enter in the WeCom admin console: WeCom posts every contact change there and "
             "Odoo applies it at once.")
    wecom_app_callback_token = fields.Char(
        "App callback Token", groups=SYSTEM,
        help="Token of the app's own callback (应用管理 → the app → 接收消息 → 设置API接收), which receives the "
             "clicks on cards with buttons. Leave empty to keep the stored one.")
    wecom_app_callback_aes_key = fields.Char(
        "App callback EncodingAESKey", groups=SYSTEM,
        help="The 43-character EncodingAESKey set next to the app callback's Token. Leave empty to keep the "
             "stored one.")
    wecom_app_callback_url = fields.Char(
        "App callback URL", readonly=True,
        help="The URL to enter in the WeCom admin console for the app (接收消息 → 设置API接收): WeCom posts the "
             "clicks on cards there. WeCom refuses cards with buttons from an app without it.")
    wecom_oauth_url = fields.Char(
        "OAuth URL", help="Host of WeCom's authorize page opened inside WeCom: https://open.weixin.qq.com, or "
                          "the emulator's URL.")
    wecom_sso_url = fields.Char(
        "Web login URL", help="Host of WeCom's web login (QR code) page: https://login.work.weixin.qq.com, or "
                              "the emulator's URL.")
    wecom_login_enabled = fields.Boolean(
        "Log in with WeCom",
        help="Members linked to an active Odoo user sign in with WeCom: at once inside WeCom, with a QR code on "
             "a desktop. Links sent to WeCom open signed in.")
    wecom_login_create_portal = fields.Boolean(
        "Create portal users for members without a user",
        help="An active member with no Odoo user gets a portal user at the first sign-in. Internal users are "
             "never created this way.")
    wecom_login_consent = fields.Boolean(
        "Ask consent for private fields",
        help="At sign-in, ask the member to share mobile, email and avatar, which WeCom withholds from apps "
             "created after 2022-06-20; they are filled on the member, nothing is cleared.")
    wecom_secret_set = fields.Boolean("App secret stored", readonly=True)
    wecom_callback_token_set = fields.Boolean("Callback token stored", readonly=True)
    wecom_callback_aes_key_set = fields.Boolean("Callback key stored", readonly=True)
    wecom_app_callback_token_set = fields.Boolean("App callback token stored", readonly=True)
    wecom_app_callback_aes_key_set = fields.Boolean("App callback key stored", readonly=True)
    wecom_contact_secret_set = fields.Boolean("Contact-sync secret stored", readonly=True)
    # name of the environment variable overriding each setting, empty when none does
    wecom_last_runs = fields.Text("Last runs", readonly=True)
    wecom_last_contact_change = fields.Datetime("Last contact change received", readonly=True)
    wecom_directory_health = fields.Text("Directory health", readonly=True)
    wecom_corp_id_env = fields.Char("Overridden by", readonly=True)
    wecom_agent_id_env = fields.Char("Overridden by", readonly=True)
    wecom_secret_env = fields.Char("Overridden by", readonly=True)
    wecom_contact_secret_env = fields.Char("Overridden by", readonly=True)
    wecom_base_url_env = fields.Char("Overridden by", readonly=True)
    wecom_timeout_env = fields.Char("Overridden by", readonly=True)
    wecom_oauth_url_env = fields.Char("Overridden by", readonly=True)
    wecom_sso_url_env = fields.Char("Overridden by", readonly=True)
    wecom_callback_token_env = fields.Char("Overridden by", readonly=True)
    wecom_callback_aes_key_env = fields.Char("Overridden by", readonly=True)
    wecom_app_callback_token_env = fields.Char("Overridden by", readonly=True)
    wecom_app_callback_aes_key_env = fields.Char("Overridden by", readonly=True)
    wecom_fetch_mode_env = fields.Char("Overridden by", readonly=True)
    wecom_export_threshold_env = fields.Char("Overridden by", readonly=True)

    @api.model
    def get_values(self):
        res = super(ResConfigSettings, self).get_values()
        if not self._wecom_is_admin():
            return res  # the WeCom settings are for system administrators (never a secret anyway)
        res.update(self._wecom_activity())
        config = self.env["wecom.config"]
        for name in ENV_VARS:
            var, value = env_override(name)
            res["wecom_%s_env" % name] = var or False
            if name in SECRET_SETTINGS:
                res["wecom_%s_set" % name] = bool(value or config._get_stored(name))
            else:
                res["wecom_" + name] = value or config._get_stored(name) or DEFAULTS.get(name) or False
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        res["wecom_callback_url"] = base_url.rstrip("/") + CALLBACK_PATH
        res["wecom_app_callback_url"] = base_url.rstrip("/") + APP_CALLBACK_PATH
        res["wecom_archive_threshold"] = int(config._get_archive_threshold())
        res["wecom_user_match"] = config._get_user_match()
        res["wecom_message_lang"] = config._get_message_lang()
        threshold = res["wecom_export_threshold"]
        res["wecom_export_threshold"] = int(threshold) if threshold and str(threshold).isdigit() else 0
        for name in LOGIN_TOGGLES:
            res["wecom_" + name] = config._get_login_flag(name)
        timeout = res["wecom_timeout"]
        res["wecom_timeout"] = int(float(timeout)) if timeout and timeout.replace(".", "", 1).isdigit() else 0
        return res

    def _wecom_activity(self):
        """The last run of each kind, one line each, and when the last contact change arrived."""
        Log = self.env["wecom.sync.log"].sudo()
        kinds = dict(Log._fields["sync_type"]._description_selection(self.env))
        statuses = dict(Log._fields["status"]._description_selection(self.env))
        lines = []
        for kind in ("all", "department", "user", "tag", "event"):
            log = Log.search([("sync_type", "=", kind)], order="id desc", limit=1)
            if not log:
                lines.append(_("%(kind)s: never") % {"kind": kinds[kind]})
                continue
            when = fields.Datetime.context_timestamp(self, fields.Datetime.from_string(log.start_date or log.create_date))
            lines.append(_("%(kind)s: %(status)s, %(when)s, %(done)s of %(total)s records, %(failed)s failed")
                         % {"kind": kinds[kind], "status": statuses[log.status], "when": when.strftime("%Y-%m-%d %H:%M"),
                            "done": log.success_count, "total": log.total_count, "failed": log.failed_count})
        event = self.env["wecom.callback.event"].sudo().search([], order="id desc", limit=1)
        return {"wecom_last_runs": "\n".join(lines), "wecom_last_contact_change": event.create_date or False,
                "wecom_directory_health": self.env["wecom.directory.health"]._describe_last()}

    def _wecom_is_admin(self):
        return self.env.user._is_superuser() or self.env.user.has_group(SYSTEM)

    def _wecom_check_admin(self):
        self.env["wecom.config"]._check_group(SYSTEM)

    def _wecom_form_values(self):
        """The values typed in the form, as strings keyed by setting name (empty = not given)."""
        self.ensure_one()
        values = {name: (self["wecom_" + name] or "").strip() for name in ENV_VARS
                  if name not in ("timeout", "export_threshold")}
        values["timeout"] = str(self.wecom_timeout)
        values["export_threshold"] = str(max(self.wecom_export_threshold, 0))
        return values

    def set_values(self):
        result = super(ResConfigSettings, self).set_values()
        self._wecom_check_admin()  # set_values is public: execute() checks, a direct call would not
        config = self.env["wecom.config"]
        typed = self._wecom_form_values()
        config._get_settings(overrides=typed)  # validates; raises with a clear message, nothing stored
        for name, value in typed.items():
            if env_override(name)[0]:
                continue  # the environment decides; keep the stored value as it is
            if name in SECRET_SETTINGS and not value:
                continue  # write-only: empty means keep
            config._set_stored(name, value)
        if not 0 <= self.wecom_archive_threshold <= 100:
            raise UserError(_("The archive safety threshold must be a percentage between 0 and 100, got %s.")
                            % self.wecom_archive_threshold)
        config._set_stored("archive_threshold", str(self.wecom_archive_threshold))
        config._set_stored("user_match", self.wecom_user_match or "off")
        if self.wecom_message_lang:
            config._set_stored("message_lang", self.wecom_message_lang)
        for name in LOGIN_TOGGLES:
            config._set_stored(name, "1" if self["wecom_" + name] else "0")
        return result

    def action_wecom_sync_departments(self):
        return self.env["wecom.sync.service"].action_sync("department")

    def action_wecom_sync_users(self):
        return self.env["wecom.sync.service"].action_sync("user")

    def action_wecom_sync_tags(self):
        return self.env["wecom.sync.service"].action_sync("tag")

    def action_wecom_sync_all(self):
        return self.env["wecom.sync.service"].action_sync("all")

    def action_wecom_clear_contact_secret(self):
        self._wecom_check_admin()
        self.env["wecom.config"]._set_stored("contact_secret", "")
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_wecom_clear_callback(self):
        """Stop accepting contact-change callbacks (WeCom's posts are refused from now on)."""
        self._wecom_check_admin()
        for name in ("callback_token", "callback_aes_key"):
            self.env["wecom.config"]._set_stored(name, "")
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_wecom_clear_app_callback(self):
        """Stop accepting the app's callback (card clicks are refused from now on)."""
        self._wecom_check_admin()
        for name in ("app_callback_token", "app_callback_aes_key"):
            self.env["wecom.config"]._set_stored(name, "")
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_wecom_test_connection(self):
        """Test what is on screen, saved or not (environment variables still win). Administrators
        only: the stored secrets are sent to the URL typed on the form."""
        self._wecom_check_admin()
        settings = self.env["wecom.config"]._get_settings(overrides=self._wecom_form_values())
        return self.env["wecom.connection.test"]._run(settings)
