"""Effective WeCom configuration and the factory for WeCom clients.

Settings are stored as ir.config_parameter keys ``wecom_integration.<name>``. An environment
variable, when set, wins over the stored value (server_environment style), so production
secrets need not live in the database. ``WECHAT_*`` names are accepted as aliases: they are the
names the original module used.
"""
import os
import urllib.parse
from collections import OrderedDict

from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError, UserError

from ..wecom.client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, WecomClient
from ..wecom.crypto import WXBizMsgCrypt
from .wecom_access_token import PgTokenStore

PARAM_PREFIX = "wecom_integration."
CALLBACK_PATH = "/wecom/callback/contact"  # where WeCom posts contact changes (controllers/callback.py)
APP_CALLBACK_PATH = "/wecom/callback/app"  # the app's own callback: card clicks (controllers/callback.py)
MAX_TIMEOUT = 300
LOGIN_PATH = "/wecom/login"  # entry point of every link sent to WeCom (controllers/login.py)

# setting name -> environment variables, the first one set wins
ENV_VARS = OrderedDict([
    ("corp_id", ("WECOM_CORP_ID", "WECHAT_CORP_ID")),
    ("agent_id", ("WECOM_AGENT_ID", "WECHAT_AGENT_ID")),
    ("secret", ("WECOM_SECRET", "WECHAT_SECRET")),
    ("contact_secret", ("WECOM_CONTACT_SECRET", "WECHAT_CONTACT_SECRET")),
    ("base_url", ("WECOM_API_BASE_URL", "WECHAT_API_BASE_URL")),
    ("timeout", ("WECOM_TIMEOUT", "WECHAT_TIMEOUT")),
    # contact-change callbacks: the Token and EncodingAESKey set in the WeCom admin console
    ("callback_token", ("WECOM_CALLBACK_TOKEN", "WECHAT_CALLBACK_TOKEN")),
    ("callback_aes_key", ("WECOM_CALLBACK_AES_KEY", "WECHAT_ENCODING_AES_KEY")),
    # the app's own callback (应用管理 → the app → 接收消息 → 设置API接收): card clicks
    ("app_callback_token", ("WECOM_APP_CALLBACK_TOKEN",)),
    ("app_callback_aes_key", ("WECOM_APP_CALLBACK_AES_KEY",)),
    # how a full sync fetches the members: auto, export (WeCom's export jobs) or per_department
    ("fetch_mode", ("WECOM_FETCH_MODE",)),
    # auto uses export jobs from this many members in the mirror, or a tenth as many departments
    ("export_threshold", ("WECOM_EXPORT_THRESHOLD",)),
    # sign-in with WeCom (controllers/login.py): the hosts of the OAuth page opened inside WeCom
    # and of the web login (QR code) page; the emulator stands in for both in tests and make run
    ("oauth_url", ("WECOM_OAUTH_URL",)),
    ("sso_url", ("WECOM_SSO_URL",)),
])
SECRET_SETTINGS = ("secret", "contact_secret", "callback_token", "callback_aes_key", "app_callback_token",
                   "app_callback_aes_key")
USER_MATCH_MODES = ("off", "login", "email", "mobile")
DEFAULT_DUPLICATE_CHECK_INTERVAL = 1800
DEFAULT_ARCHIVE_THRESHOLD = 20
FETCH_MODES = ("auto", "export", "per_department")
DEFAULT_EXPORT_THRESHOLD = 10000
DEFAULT_EXPORT_MAX_WAIT = 600  # seconds an export job may take before the sync falls back
DEFAULT_OAUTH_URL = "https://open.weixin.qq.com"
DEFAULT_SSO_URL = "https://login.work.weixin.qq.com"
DEFAULTS = {"base_url": DEFAULT_BASE_URL, "timeout": str(DEFAULT_TIMEOUT), "fetch_mode": "auto",
            "export_threshold": str(DEFAULT_EXPORT_THRESHOLD), "oauth_url": DEFAULT_OAUTH_URL,
            "sso_url": DEFAULT_SSO_URL}
# sign-in toggles (technical parameters set from the settings page), all off by default
LOGIN_TOGGLES = ("login_enabled", "login_create_portal", "login_consent")


def login_url(base_url, path):
    """The link to put into WeCom for the same-site ``path``: it signs the member in first.
    ``#``, ``&`` and ``?`` are escaped (the path is one query value), ``/`` and ``=`` stay readable."""
    return "%s%s?redirect=%s" % ((base_url or "").rstrip("/"), LOGIN_PATH, urllib.parse.quote(path, safe="/="))


def env_override(name):
    """(variable, value) of the environment variable overriding setting ``name``, or (None, None)."""
    for var in ENV_VARS[name]:
        value = os.environ.get(var, "").strip()
        if value:
            return var, value
    return None, None


class WecomConfig(models.AbstractModel):
    _name = "wecom.config"
    _description = "WeCom configuration"

    @api.model
    def _check_group(self, xmlid):
        """Raise AccessError unless the current user is in the group ``xmlid`` (or the superuser).
        Every public method that does more than Odoo's access rights allow starts with this."""
        if self.env.uid == SUPERUSER_ID or self.env.user.has_group(xmlid):
            return
        group = self.env.ref(xmlid, raise_if_not_found=False)
        raise AccessError(_("This needs the group \"%(group)s\".") % {"group": group.sudo().name if group else xmlid})

    @api.model
    def _get_stored(self, name):
        return self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + name) or ""

    @api.model
    def _set_stored(self, name, value):
        self.env["ir.config_parameter"].sudo().set_param(PARAM_PREFIX + name, value or "")

    @api.model
    def _get_settings(self, overrides=None):
        """The effective settings as a dict of strings, validated and normalised.

        ``overrides`` (values typed in the settings form but not saved yet) take the place of the
        stored values; environment variables still win over both. ``settings['env']`` maps each
        overridden setting to the variable that set it.
        """
        overrides = overrides or {}
        settings, from_env = {}, {}
        for name in ENV_VARS:
            var, value = env_override(name)
            if var:
                from_env[name] = var
            elif overrides.get(name):
                value = overrides[name]
            else:
                value = self._get_stored(name) or DEFAULTS.get(name, "")
            settings[name] = (value or "").strip()
        settings["env"] = from_env
        self._validate(settings)
        return settings

    @api.model
    def _validate(self, settings):
        def origin(name):
            var = settings["env"].get(name)
            return _("environment variable %s") % var if var else _("WeCom settings")

        agent_id = settings["agent_id"]
        if agent_id and not agent_id.isdigit():
            raise UserError(_("The WeCom agent id must be a whole number (AgentId of the app), got %(value)r in "
                              "the %(origin)s.") % {"value": agent_id, "origin": origin("agent_id")})
        try:
            timeout = float(settings["timeout"])
        except ValueError:
            timeout = -1
        if not 0 < timeout <= MAX_TIMEOUT:
            raise UserError(_("The WeCom API timeout must be a number of seconds between 1 and %(max)s, got "
                              "%(value)r in the %(origin)s.")
                            % {"max": MAX_TIMEOUT, "value": settings["timeout"], "origin": origin("timeout")})
        for name in ("callback_aes_key", "app_callback_aes_key"):
            aes_key = settings[name]
            if aes_key and not (len(aes_key) == 43 and aes_key.isalnum() and aes_key.isascii()):
                raise UserError(_("The callback EncodingAESKey must be the 43 letters and digits shown in the WeCom "
                                  "admin console, got %(length)s characters in the %(origin)s.")
                                % {"length": len(aes_key), "origin": origin(name)})
        if settings["fetch_mode"] not in FETCH_MODES:
            raise UserError(_("The member fetch mode must be one of %(modes)s, got %(value)r in the %(origin)s.")
                            % {"modes": ", ".join(FETCH_MODES), "value": settings["fetch_mode"],
                               "origin": origin("fetch_mode")})
        if not settings["export_threshold"].isdigit():
            raise UserError(_("The export threshold must be a whole number of members, got %(value)r in the "
                              "%(origin)s.") % {"value": settings["export_threshold"], "origin": origin("export_threshold")})
        if not settings["base_url"].startswith(("http://", "https://")):
            raise UserError(_("The WeCom API base URL must start with http:// or https://, got %(value)r in the "
                              "%(origin)s.") % {"value": settings["base_url"], "origin": origin("base_url")})
        for name in ("oauth_url", "sso_url"):
            if not settings[name].startswith(("http://", "https://")):
                raise UserError(_("The WeCom sign-in URL must start with http:// or https://, got %(value)r in the "
                                  "%(origin)s.") % {"value": settings[name], "origin": origin(name)})

    @api.model
    def _is_configured(self):
        """True when a corp id and an app secret are set (stored or in the environment)."""
        return all(env_override(name)[1] or self._get_stored(name) for name in ("corp_id", "secret"))

    @api.model
    def _get_callback_crypto(self, settings=None, prefix=""):
        """The WXBizMsgCrypt for contact-change callbacks (``prefix="app_"``: the app's own
        callback, card clicks), or None while it is not configured. ReceiveId is the corp id."""
        settings = settings or self._get_settings()
        token, aes_key = settings[prefix + "callback_token"], settings[prefix + "callback_aes_key"]
        if not (settings["corp_id"] and token and aes_key):
            return None
        return WXBizMsgCrypt(token, aes_key, settings["corp_id"])

    @api.model
    def _get_app_callback_crypto(self, settings=None):
        """The WXBizMsgCrypt of the app's own callback (card clicks), or None while it is not configured."""
        return self._get_callback_crypto(settings, prefix="app_")

    @api.model
    def _get_client(self, secret_kind="app", settings=None, patient=None):
        """A WecomClient for the app secret (``app``) or the contact-sync secret (``contact``).

        Tokens are cached in PostgreSQL (wecom.access.token) and shared by every worker.
        ``patient``: wait as WeCom asks on rate limits (45009 blocks for a minute) and retry; by
        default only background work is patient. Inside a request the client gives up after one
        short retry, so no request blocks for a minute: the retry is left to a background job.
        """
        settings = settings or self._get_settings()
        secret = settings["secret"] if secret_kind == "app" else settings["contact_secret"]
        if not settings["corp_id"] or not secret:
            which = _("app secret") if secret_kind == "app" else _("contact-sync secret")
            raise UserError(_("WeCom is not configured: set the corp id and the %(which)s in Settings > WeCom, "
                              "or WECOM_CORP_ID and WECOM_%(variable)s in the server environment.")
                            % {"which": which, "variable": "SECRET" if secret_kind == "app" else "CONTACT_SECRET"})
        if patient is None:
            patient = self._in_background()
        backoff = self._seconds_list("retry_backoff", (1.0, 2.0, 4.0))
        rate_limit_backoff = self._seconds_list("rate_limit_backoff", (60.0,))
        if not patient:
            backoff, rate_limit_backoff = backoff[:1], tuple(min(wait, 1.0) for wait in rate_limit_backoff[:1])
        return WecomClient(
            backoff=backoff,
            rate_limit_backoff=rate_limit_backoff,
            max_retries=3 if patient else 1,
            corp_id=settings["corp_id"],
            secret=secret,
            agent_id=int(settings["agent_id"]) if settings["agent_id"] and secret_kind == "app" else None,
            base_url=settings["base_url"],
            timeout=float(settings["timeout"]),
            token_store=PgTokenStore(self.pool),
        )

    @api.model
    def _in_background(self):
        """True outside an HTTP request (cron, shell) and in background jobs."""
        from odoo.http import request
        return bool(self.env.context.get("wecom_job_id")) or not request

    @api.model
    def _seconds_list(self, name, default):
        """Waits between retries, e.g. "1,2,4" (a technical parameter: tests set it to zeros)."""
        raw = self._get_stored(name)
        try:
            return tuple(float(part) for part in raw.split(",")) if raw else default
        except ValueError as error:
            raise UserError(_("The technical parameter %(param)s must be a comma-separated list of seconds, got "
                              "%(value)r.") % {"param": PARAM_PREFIX + name, "value": raw}) from error

    @api.model
    def _get_days(self, name, default):
        """A retention period in days from the technical parameter ``name`` (``default`` when unset
        or not a whole number)."""
        raw = self._get_stored(name)
        return int(raw) if raw.isdigit() else default

    @api.model
    def _get_archive_threshold(self):
        """Largest share (percent) of the mirror one sync run may archive."""
        raw = self._get_stored("archive_threshold") or str(DEFAULT_ARCHIVE_THRESHOLD)
        try:
            value = float(raw)
        except ValueError:
            value = -1
        if not 0 <= value <= 100:
            raise UserError(_("The archive safety threshold must be a percentage between 0 and 100, got %r.") % raw)
        return value

    @api.model
    def _get_message_lang(self):
        """The language of business messages to members whose Odoo user has none (or who have no
        Odoo user): the setting, else the company's language, else English."""
        installed = set(code for code, _name in self.env["res.lang"].get_installed())
        for lang in (self._get_stored("message_lang"), self.env.user.company_id.partner_id.lang, "en_US"):
            if lang in installed:
                return lang
        return "en_US"

    @api.model
    def _get_export_max_wait(self):
        """Seconds an export job may take before the sync gives it up and fetches per department
        (technical parameter ``wecom_integration.export_max_wait``)."""
        raw = self._get_stored("export_max_wait")
        return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_EXPORT_MAX_WAIT

    @api.model
    def _get_login_flag(self, name):
        """One of the sign-in toggles (LOGIN_TOGGLES): True when set to "1"."""
        return self._get_stored(name) == "1"

    @api.model
    def _get_user_match(self):
        """How WeCom members are linked to Odoo users: off, login, email or mobile."""
        mode = self._get_stored("user_match") or "login"
        if mode not in USER_MATCH_MODES:
            raise UserError(_("Unknown way to link WeCom members to Odoo users: %r.") % mode)
        return mode

    @api.model
    def _get_duplicate_check_interval(self):
        """Seconds during which WeCom drops a repeat of the same message to the same recipients
        (enable_duplicate_check), so that a retry after an unclear failure is not delivered twice.
        None when turned off (technical parameter set to 0)."""
        raw = self._get_stored("duplicate_check_interval") or str(DEFAULT_DUPLICATE_CHECK_INTERVAL)
        if not raw.isdigit() or int(raw) > 14400:
            raise UserError(_("The duplicate check interval must be a number of seconds up to 14400 (4 hours), "
                              "got %r.") % raw)
        return int(raw) or None
