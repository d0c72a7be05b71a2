"""The whole JSON-RPC surface, as an attacker with an ordinary login sees it.

Every public method (a name without a leading underscore) that a wecom_* addon defines or
overrides on any model is called over real HTTP (``/web/dataset/call_kw``) as a portal user and
as an internal user without any WeCom group. Each call must be refused with an access error,
unless the method is on ALLOWED below with the reason it is harmless; no answer may contain a
secret. The methods are discovered from the registry, so a public method added later is walked
without anyone touching this test.
"""
import inspect
import json

import odoo

from .common import SharedCursorHttpCase, make_user

ACCESS_ERRORS = ("odoo.exceptions.AccessError", "odoo.exceptions.AccessDenied")
# (model, method, who) -> why a plain login may call it; who is "portal", "internal" or "*"
ALLOWED = {
    # the settings page's values: WeCom's are left out unless the caller is a system admin
    ("res.config.settings", "get_values", "*"): "returns no WeCom value to a non-admin",
    # the compose wizard's defaults come from the context alone; sending checks the group
    ("wecom.message.compose", "default_get", "*"): "defaults only, nothing read or sent",
    # Odoo's own (the web client's toolbars use it), on every action model; the override only
    # removes sync entries (model "*": whichever model inherits it)
    ("*", "get_bindings", "*"): "Odoo's bindings, with entries removed",
    # Odoo's own (the web client reads it with each action): a fixed text, chosen by whether the
    # caller can see any member
    ("wecom.user", "get_empty_list_help", "*"): "Odoo's list help, about what the caller may see",
    # an internal user's own API key carries that user's rights, nothing more
    ("wecom.api.key", "generate", "internal"): "a key with the caller's own rights",
    ("wecom.api.key.wizard", "action_generate", "internal"): "a key with the caller's own rights",
}
# bridge addons' overrides of Odoo's own methods, allowed where the bridge is installed:
# (model, method, who) -> (addon, why)
BRIDGE_ALLOWED = {
    ("mail.activity", "create", "*"): ("wecom_mail", "mail's own create, with mail's rights; the override "
                                                     "only queues the assignee's WeCom card"),
    ("mail.activity", "write", "*"): ("wecom_mail", "mail's own write, with mail's rights; the override "
                                                    "only queues the new assignee's WeCom card"),
}
SECRETS = {
    "secret": "app-secret-must-not-leak",
    "contact_secret": "contact-secret-must-not-leak",
    "callback_token": "callback-token-must-not-leak",
    "callback_aes_key": "callbackaeskeymustnotleak0123456789abcdefgh",
    "app_callback_token": "app-callback-token-must-not-leak",
    "app_callback_aes_key": "appcallbackaeskeymustnotleak0123456789abcde",
}


def public_methods(env):
    """{model: {method: api kind}} for the public methods wecom_* addons define or override."""
    surface = {}
    for name in sorted(env.registry.models):
        cls = type(env[name])
        for klass in cls.__mro__:
            if not klass.__module__.startswith("odoo.addons.wecom_"):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or not (callable(value) or isinstance(value, (classmethod, staticmethod))):
                    continue
                surface.setdefault(name, {})[attr] = getattr(getattr(cls, attr), "_api", None)
    return surface


def allowed_here(env):
    """ALLOWED, with the entries of the bridge addons installed in this database."""
    installed = set(env["ir.module.module"].sudo().search([("state", "=", "installed")]).mapped("name"))
    allowed = dict(ALLOWED)
    allowed.update((key, why) for key, (addon, why) in BRIDGE_ALLOWED.items() if addon in installed)
    return allowed


def required_arguments(method):
    """How many positional arguments (after self) the method needs: each is sent as null."""
    function = getattr(method, "_orig", method)
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return sum(1 for p in parameters
               if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


class TestJsonRpcSurface(SharedCursorHttpCase):

    def setUp(self):
        super(TestJsonRpcSurface, self).setUp()
        self.base = "http://127.0.0.1:%s" % odoo.tools.config["http_port"]
        config = self.env["wecom.config"]
        for name, value in SECRETS.items():
            config._set_stored(name, value)
        config._set_stored("corp_id", "wwsurface")
        config._set_stored("agent_id", "1000002")
        self.users = {
            "portal": self.make_login("surface_portal", "base.group_portal"),
            "internal": self.make_login("surface_internal", "base.group_user"),
        }
        self.records = self.make_records()
        self.cr.commit()  # a savepoint of the shared test cursor: failed requests roll back to here

    def make_login(self, login, group):
        return make_user(self.env, login, base=group, password=login)

    def make_records(self):
        """One record of each stored model, made by the superuser, for the record methods."""
        env = self.env
        department = env["wecom.department"].create({"wecom_id": 90001, "name": "Surface"})
        member = env["wecom.user"].create({"userid": "surface", "name": "Surface", "department_ids": [(6, 0, department.ids)]})
        log = env["wecom.sync.log"].create({"sync_type": "user", "trigger": "manual", "status": "failed"})
        records = {
            "wecom.department": department, "wecom.user": member, "wecom.sync.log": log,
            "wecom.tag": env["wecom.tag"].create({"wecom_id": 90001, "name": "Surface"}),
            "wecom.sync.item.error": env["wecom.sync.item.error"].create({"log_id": log.id, "record_type": "user",
                                                                "record_ref": "surface", "message": "x"}),
            "wecom.message": env["wecom.message"].create({"message_type": "text", "content": "x", "status": "failed",
                                                         "touser": "surface"}),
            "wecom.callback.event": env["wecom.callback.event"]._receive(
                {"Event": "change_contact", "ChangeType": "delete_user", "UserID": "surface"}, "surface-1"),
            "wecom.job": env["wecom.job"].browse(env["wecom.job"]._enqueue(
                "contact_events", "Surface", run_after_response=False, eta=self.far_future())),
        }
        records["wecom.api.key"] = env["wecom.api.key"].generate("Surface")[0]
        return records

    def far_future(self):
        from datetime import datetime, timedelta
        return datetime.utcnow() + timedelta(days=365)

    def call(self, model, method, args):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"model": model, "method": method, "args": args, "kwargs": {}}}
        response = self.opener.post(self.base + "/web/dataset/call_kw/%s/%s" % (model, method),
                                    data=json.dumps(payload), headers={"Content-Type": "application/json"},
                                    timeout=60)
        self.env.cache.invalidate()
        return response.text, response.json()

    def ids_for(self, who, model):
        if model in self.records:
            return self.records[model].ids
        if model == "res.users":
            return self.users[who].ids
        if self.env[model].is_transient():  # wizards: the caller makes its own, if Odoo lets it
            _text, answer = self.call(model, "create", [self.required_values(model)])
            return [answer["result"]] if "result" in answer else []
        return self.env[model].search([], limit=1).ids

    def required_values(self, model):
        values = {}
        for name, field in self.env[model]._fields.items():
            if not field.required or field.default:
                continue
            if field.type in ("char", "text"):
                values[name] = "x"
            elif field.type == "selection" and isinstance(field.selection, list):
                values[name] = field.selection[0][0]
        return values

    def test_every_public_method_is_refused_or_harmless(self):
        surface = public_methods(self.env)
        self.assertIn("send_message", surface["wecom.message"], "the discovery finds the addon's methods")
        allowed_calls = allowed_here(self.env)
        walked, problems = 0, []
        for who, user in sorted(self.users.items()):
            self.authenticate(user.login, user.login)
            for model, methods in sorted(surface.items()):
                for method, kind in sorted(methods.items()):
                    args = [None] * required_arguments(getattr(type(self.env[model]), method))
                    if kind != "model":
                        args = [self.ids_for(who, model)] + args
                    text, answer = self.call(model, method, args)
                    walked += 1
                    for secret in SECRETS.values():
                        if secret in text:
                            problems.append("%s: %s.%s answered a secret" % (who, model, method))
                    allowed = (allowed_calls.get((model, method, who)) or allowed_calls.get((model, method, "*"))
                               or allowed_calls.get(("*", method, "*")))
                    error = (answer.get("error") or {}).get("data", {}).get("name")
                    if allowed:
                        continue
                    if error not in ACCESS_ERRORS:
                        problems.append("%s: %s.%s(%s) was not refused: %s" % (
                            who, model, method, json.dumps(args), error or "answered %.200s" % answer.get("result")))
        self.assertGreater(walked, 60)
        self.maxDiff = None
        self.assertEqual(problems, [])
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("wecom_integration.corp_id"), "wwsurface",
                         "no setting changed")
        self.assertTrue(self.records["wecom.user"].active, "no member archived")
        self.assertEqual(self.records["wecom.callback.event"].state, "pending", "no event applied")

    def test_allow_list_is_still_needed(self):
        """An entry that no longer names a public method is a stale exception: remove it."""
        surface = public_methods(self.env)
        for model, method, _who in allowed_here(self.env):
            models = list(surface) if model == "*" else [model]
            self.assertTrue(any(method in surface.get(name, {}) for name in models),
                            "%s.%s is allowed but no longer public" % (model, method))
