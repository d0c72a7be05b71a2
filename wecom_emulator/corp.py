# -*- coding: utf-8 -*-
"""Who may call: the corp, its apps, the contact-sync secret, and their access tokens.

Each token binds one caller (an App or the ContactSync pseudo-app) (WECOM_API §10.1). A Scope
is what one caller can see of the directory; it is cached per directory version.
"""
import datetime
import secrets

from . import defaults
from .directory import ROOT_ID


class Scope(object):
    """The visible range of a caller, resolved against the current directory."""

    def __init__(self, directory, parties=(), users=(), tags=(), everything=False):
        self.directory = directory
        self.everything = everything or ROOT_ID in set(parties)
        self.depts = set()
        self.users = set()   # lower-case userids
        if self.everything:
            return
        tag_parties, tag_users = [], []
        for tagid in tags:
            tag = directory.get_tag(tagid)
            if tag is not None:
                tag_parties.extend(tag["parties"])
                tag_users.extend(tag["users"])
        for dept_id in list(parties) + tag_parties:
            self.depts.update(directory.subtree(dept_id))
        for dept_id in self.depts:
            self.users.update(directory.member_keys(dept_id))
        for uid in list(users) + tag_users:
            if directory.get_user(uid) is not None:
                self.users.add(uid.lower())

    def dept_visible(self, dept_id):
        return (self.everything and dept_id in self.directory.departments) or dept_id in self.depts

    def user_visible(self, user):
        return self.everything or user["userid"].lower() in self.users

    def visible_dept_ids(self):
        ids = self.directory.all_departments()
        if self.everything:
            return ids
        return [i for i in ids if i in self.depts]

    def visible_user_keys(self):
        if self.everything:
            return list(self.directory.users)
        return [k for k in self.directory.users if k in self.users]


class Caller(object):
    """Common part of apps and the contact-sync assistant."""
    is_contact_sync = False
    agent_id = None

    def __init__(self, secret, trusted_ips=None, enabled=True):
        self.secret = secret
        self.trusted_ips = list(trusted_ips or [])   # empty = no allowlist configured
        self.enabled = enabled
        self._scope_cache = (None, None)

    def ip_allowed(self, ip):
        return not self.trusted_ips or ip in self.trusted_ips

    def scope(self, directory):
        version, scope = self._scope_cache
        key = (id(directory), directory.version, self._range_key())
        if version != key:
            scope = self._make_scope(directory)
            self._scope_cache = (key, scope)
        return scope


class App(Caller):
    """A self-built app (自建应用)."""

    def __init__(self, agent_id, secret, name, created_at, visible_parties=(ROOT_ID,),
                 visible_users=(), visible_tags=(), trusted_ips=None, privacy_restricted=None,
                 enabled=True, description=""):
        Caller.__init__(self, secret, trusted_ips, enabled)
        self.agent_id = int(agent_id)
        self.name = name
        self.description = description
        if isinstance(created_at, str):
            created_at = datetime.datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=defaults.CN_TZ)
        self.created_at = created_at
        self.visible_parties = [int(p) for p in visible_parties]
        self.visible_users = list(visible_users)
        self.visible_tags = [int(t) for t in visible_tags]
        # None: derive from created_at (the 2022-06-20 rule); True/False: override.
        self._privacy_override = privacy_restricted
        # 网页授权 可信域名 (OAuth and web login redirects, §D.3) and the sensitive fields the
        # admin lets auth/getuserdetail return (§D.5).
        self.trusted_domains = list(defaults.TRUSTED_DOMAINS)
        self.oauth_fields = list(defaults.OAUTH_FIELDS)
        # members without a basic interface licence (基础接口许可, §7.1 unlicenseduser): a
        # third-party or 代开发 app's concern, settable here for tests and demos
        self.unlicensed_users = []

    @property
    def privacy_restricted(self):
        if self._privacy_override is not None:
            return bool(self._privacy_override)
        return self.created_at > defaults.PRIVACY_CUTOFF

    @privacy_restricted.setter
    def privacy_restricted(self, value):
        self._privacy_override = value

    def _range_key(self):
        return (tuple(self.visible_parties), tuple(self.visible_users), tuple(self.visible_tags))

    def _make_scope(self, directory):
        return Scope(directory, self.visible_parties, self.visible_users, self.visible_tags)

    def describe(self):
        return {
            "name": self.name, "agentid": self.agent_id, "secret": self.secret,
            "created_at": self.created_at.isoformat(), "privacy_restricted": self.privacy_restricted,
            "enabled": self.enabled,
            "visible_range": {"parties": list(self.visible_parties), "users": list(self.visible_users),
                              "tags": list(self.visible_tags)},
            "trusted_ips": list(self.trusted_ips), "unlicensed_users": list(self.unlicensed_users),
            "trusted_domains": list(self.trusted_domains), "oauth_fields": list(self.oauth_fields),
        }

    def __repr__(self):
        return "<App %s %s>" % (self.agent_id, self.name)


class ContactSync(Caller):
    """通讯录同步助手: sees everything, cannot send messages, and since 2022-08-15 may not read
    details from a new IP (`new_ip`, on by default because every emulator caller is "new")."""
    is_contact_sync = True
    name = "通讯录同步"

    def __init__(self, secret, new_ip=True, trusted_ips=None, enabled=True):
        Caller.__init__(self, secret, trusted_ips, enabled)
        self.new_ip = new_ip

    def _range_key(self):
        return ("all",)

    def _make_scope(self, directory):
        return Scope(directory, everything=True)

    privacy_restricted = False

    def describe(self):
        return {"name": self.name, "secret": self.secret, "new_ip": self.new_ip,
                "enabled": self.enabled, "trusted_ips": list(self.trusted_ips)}

    def __repr__(self):
        return "<ContactSync>"


class Token(object):
    __slots__ = ("value", "caller", "issued_at", "expires_at")

    def __init__(self, value, caller, issued_at, expires_at):
        self.value = value
        self.caller = caller
        self.issued_at = issued_at
        self.expires_at = expires_at


class TokenStore(object):
    """Same token while valid (with the remaining lifetime), a new one after expiry (§1 rule 4).

    Expired tokens are remembered so that using one gives 42001 rather than 40014;
    invalidate_all() forgets everything, so old tokens then give 40014.
    """

    def __init__(self, ttl=defaults.TOKEN_TTL):
        self.ttl = ttl
        self.by_value = {}
        self.current = {}   # secret -> Token

    def issue(self, caller, now):
        token = self.current.get(caller.secret)
        if token is not None and token.caller is caller and now < token.expires_at:
            return token
        # 172 chars, like real tokens (they may be up to 512 bytes).
        value = secrets.token_urlsafe(129)[:172]
        token = Token(value, caller, now, now + self.ttl)
        self.by_value[value] = token
        self.current[caller.secret] = token
        return token

    def lookup(self, value):
        return self.by_value.get(value)

    def invalidate_all(self):
        self.by_value.clear()
        self.current.clear()


class Corp(object):
    def __init__(self, corp_id=defaults.CORP_ID, token_ttl=defaults.TOKEN_TTL):
        self.corp_id = corp_id
        self.apps = {}   # agent_id -> App
        self.contact_sync = ContactSync(defaults.CONTACT_SECRET)
        self.tokens = TokenStore(token_ttl)

    def add_app(self, app):
        if app.agent_id in self.apps:
            raise ValueError("agent %s already exists" % app.agent_id)
        if self.by_secret(app.secret) is not None:
            raise ValueError("secret already used")
        self.apps[app.agent_id] = app
        return app

    def by_secret(self, secret):
        if secret == self.contact_sync.secret:
            return self.contact_sync
        for app in self.apps.values():
            if app.secret == secret:
                return app
        return None

    def describe(self):
        return {
            "corpid": self.corp_id,
            "token_ttl": self.tokens.ttl,
            "apps": [self.apps[k].describe() for k in sorted(self.apps)],
            "contact_sync": self.contact_sync.describe(),
        }


def default_corp(token_ttl=defaults.TOKEN_TTL, region_range=None):
    corp = Corp(defaults.CORP_ID, token_ttl)
    corp.add_app(App(defaults.APP_AGENT_ID, defaults.APP_SECRET, defaults.APP_NAME,
                     defaults.APP_CREATED_AT, description="门店消息通知 (self-built, 2023)"))
    corp.add_app(App(defaults.LEGACY_AGENT_ID, defaults.LEGACY_SECRET, defaults.LEGACY_NAME,
                     defaults.LEGACY_CREATED_AT, description="created before 2022-06-20: full fields"))
    region_range = region_range or {"parties": [3], "users": [], "tags": []}
    corp.add_app(App(defaults.REGION_AGENT_ID, defaults.REGION_SECRET, defaults.REGION_NAME,
                     defaults.REGION_CREATED_AT, visible_parties=region_range["parties"],
                     visible_users=region_range["users"], visible_tags=region_range["tags"],
                     description="narrow visible range (华东区)"))
    return corp
