# -*- coding: utf-8 -*-
"""The /_emulator/ admin API: JSON in, JSON out, 4xx with {"error": ...} on bad input.

It exposes what tests, demos and tools need without reading code: the corp and its secrets,
the directory (and changes to it), faults, tokens, rate limits, stats and sent messages.
"""
import json

from werkzeug.exceptions import NotFound, MethodNotAllowed
from werkzeug.routing import Map, Rule

from .directory import DirectoryError
from .errors import ApiError, build_errmsg
from .faults import KINDS
from .ratelimit import RateLimits


class BadRequest(Exception):
    status = 400


R = Rule
ROUTES = Map([
    R("/corp", endpoint="corp", methods=["GET"]),
    R("/apps/<int:agent_id>", endpoint="app", methods=["GET", "POST"]),
    R("/contact_sync", endpoint="contact_sync", methods=["GET", "POST"]),
    R("/contact_sync/callback", endpoint="contact_callback", methods=["GET", "POST", "DELETE"]),
    R("/callbacks", endpoint="callbacks", methods=["GET"]),
    R("/directory", endpoint="directory", methods=["GET"]),
    R("/directory/users", endpoint="users", methods=["GET", "POST"]),
    R("/directory/users/<userid>", endpoint="user", methods=["GET", "POST", "DELETE"]),
    R("/directory/departments", endpoint="departments", methods=["GET", "POST"]),
    R("/directory/departments/<int:dept_id>", endpoint="department",
      methods=["GET", "POST", "DELETE"]),
    R("/directory/tags", endpoint="tags", methods=["GET", "POST"]),
    R("/directory/tags/<int:tagid>", endpoint="tag", methods=["GET", "POST", "DELETE"]),
    R("/faults", endpoint="faults", methods=["GET", "POST", "DELETE"]),
    R("/tokens/invalidate", endpoint="tokens_invalidate", methods=["POST"]),
    R("/tokens/expire", endpoint="tokens_expire", methods=["POST"]),
    R("/rate_limits", endpoint="rate_limits", methods=["GET", "POST"]),
    R("/reset", endpoint="reset", methods=["POST"]),
    R("/stats", endpoint="stats", methods=["GET"]),
    R("/messages", endpoint="messages", methods=["GET"]),
], strict_slashes=False)


class Admin(object):
    def __init__(self, emulator):
        self.emu = emulator

    def dispatch(self, request, rest):
        from .wsgi import json_response
        adapter = ROUTES.bind("localhost", "/", url_scheme="http")
        try:
            endpoint, values = adapter.match("/" + rest, method=request.method)
        except MethodNotAllowed:
            return json_response({"error": "method %s not allowed" % request.method}, status=405)
        except NotFound:
            return json_response({"error": "no admin endpoint /_emulator/%s" % rest}, status=404)
        try:
            with self.emu.lock:
                result = getattr(self, "do_" + endpoint)(request, **values)
        except DirectoryError as exc:
            return json_response({"error": str(exc)}, status=exc.status)
        except BadRequest as exc:
            return json_response({"error": str(exc)}, status=400)
        status = 200
        if isinstance(result, tuple):
            result, status = result
        return json_response(result, status=status)

    @staticmethod
    def body(request):
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("request body is not valid JSON")
        if not isinstance(data, (dict, list)):
            raise BadRequest("request body must be a JSON object")
        return data

    def _obj(self, request):
        data = self.body(request)
        if not isinstance(data, dict):
            raise BadRequest("request body must be a JSON object")
        return data

    # ------------------------------------------------------------------ corp and apps
    def do_corp(self, request):
        out = self.emu.corp.describe()
        out["corp_name"] = self.emu.directory.corp_name
        out["base_url"] = request.host_url.rstrip("/") + "/cgi-bin"
        out["directory"] = self.emu.directory_spec
        return out

    def do_app(self, request, agent_id):
        app = self.emu.corp.apps.get(agent_id)
        if app is None:
            return {"error": "no app with agentid %s" % agent_id}, 404
        if request.method == "POST":
            data = self._obj(request)
            try:
                if "trusted_ips" in data:
                    app.trusted_ips = [str(ip) for ip in data["trusted_ips"] or []]
                if "visible_parties" in data:
                    app.visible_parties = [int(p) for p in data["visible_parties"]]
                if "visible_users" in data:
                    app.visible_users = [str(u) for u in data["visible_users"]]
                if "visible_tags" in data:
                    app.visible_tags = [int(t) for t in data["visible_tags"]]
                if "privacy_restricted" in data:
                    app.privacy_restricted = data["privacy_restricted"]
                if "enabled" in data:
                    app.enabled = bool(data["enabled"])
            except (TypeError, ValueError):
                raise BadRequest("bad app settings")
        return app.describe()

    def do_contact_sync(self, request):
        sync = self.emu.corp.contact_sync
        if request.method == "POST":
            data = self._obj(request)
            if "new_ip" in data:
                sync.new_ip = bool(data["new_ip"])
            if "trusted_ips" in data:
                sync.trusted_ips = [str(ip) for ip in data["trusted_ips"] or []]
            if "enabled" in data:
                sync.enabled = bool(data["enabled"])
        return sync.describe()

    def do_contact_callback(self, request):
        """The contact-sync callback (§8.1): POST verifies the URL, then sets it, like the admin
        console's "设置接收事件服务器"; 40057 when the receiver fails the check."""
        if request.method == "DELETE":
            self.emu.clear_contact_callback()
            return {"callback": None}
        if request.method == "POST":
            data = self._obj(request)
            missing = [k for k in ("url", "token", "encoding_aes_key") if not data.get(k)]
            if missing:
                raise BadRequest("missing %s" % ", ".join(missing))
            for flag in ("legacy_full_fields", "verify"):
                if not isinstance(data.get(flag, False), bool):
                    raise BadRequest("%s must be true or false" % flag)
            try:
                config = self.emu.set_contact_callback(
                    data["url"], data["token"], data["encoding_aes_key"],
                    legacy_full_fields=data.get("legacy_full_fields", False),
                    mode=data.get("mode"), verify=data.get("verify", True))
            except ValueError as exc:
                raise BadRequest(str(exc))
            except ApiError as exc:
                errmsg = build_errmsg(exc.errcode, request.remote_addr, exc.detail)
                return {"errcode": exc.errcode, "errmsg": errmsg, "error": errmsg}, 400
            return {"errcode": 0, "errmsg": "ok", "callback": config}
        return {"callback": self.emu.contact_callback}

    def do_callbacks(self, request):
        """Delivery records, oldest first; ?flush=SECONDS first waits for background ones."""
        flushed = None
        if request.args.get("flush"):
            try:
                wait = float(request.args["flush"])
            except ValueError:
                raise BadRequest("flush must be a number of seconds")
            flushed = self.emu.flush_callbacks(wait)   # releases the emulator lock meanwhile
        out = {"callback": self.emu.contact_callback,
               "deliveries": self.emu.callback_deliveries()}
        if flushed is not None:
            out["flushed"] = flushed
        return out

    # ------------------------------------------------------------------ directory
    def do_directory(self, request):
        return self.emu.directory.snapshot()

    def do_users(self, request):
        d = self.emu.directory
        if request.method == "POST":
            return {"user": d.add_user(self._obj(request))}, 201
        return {"userlist": [dict(u) for u in d.users.values()]}

    def do_user(self, request, userid):
        d = self.emu.directory
        if request.method == "POST":
            return {"user": d.update_user(userid, self._obj(request))}
        if request.method == "DELETE":
            return {"deleted": d.remove_user(userid)["userid"]}
        user = d.get_user(userid)
        if user is None:
            return {"error": "user %s does not exist" % userid}, 404
        return {"user": dict(user)}

    def do_departments(self, request):
        d = self.emu.directory
        if request.method == "POST":
            return {"department": d.add_department(self._obj(request))}, 201
        return {"department": [dict(d.departments[i]) for i in d.all_departments()]}

    def do_department(self, request, dept_id):
        d = self.emu.directory
        if request.method == "POST":
            return {"department": d.update_department(dept_id, self._obj(request))}
        if request.method == "DELETE":
            return {"deleted": d.remove_department(dept_id)["id"]}
        dept = d.get_department(dept_id)
        if dept is None:
            return {"error": "department %s does not exist" % dept_id}, 404
        return {"department": dict(dept)}

    def do_tags(self, request):
        d = self.emu.directory
        if request.method == "POST":
            return {"tag": d.add_tag(self._obj(request))}, 201
        return d.snapshot()["taglist"]

    def do_tag(self, request, tagid):
        d = self.emu.directory
        if request.method == "POST":
            return {"tag": d.update_tag(tagid, self._obj(request))}
        if request.method == "DELETE":
            return {"deleted": d.remove_tag(tagid)["tagid"]}
        tag = d.get_tag(tagid)
        if tag is None:
            return {"error": "tag %s does not exist" % tagid}, 404
        return {"tag": dict(tag)}

    # ------------------------------------------------------------------ test hooks
    def do_faults(self, request):
        if request.method == "DELETE":
            self.emu.clear_faults()
            return {"faults": []}
        if request.method == "POST":
            data = self.body(request)
            for spec in data if isinstance(data, list) else [data]:
                if not isinstance(spec, dict) or not spec.get("path"):
                    raise BadRequest("a fault needs at least a path")
                kind = spec.get("kind", "errcode")
                if kind not in KINDS:
                    raise BadRequest("kind must be one of %s" % ", ".join(KINDS))
                try:
                    self.emu.inject_fault(spec["path"], kind=kind, errcode=spec.get("errcode", -1),
                                          count=spec.get("count", 1), delay=spec.get("delay", 0))
                except (TypeError, ValueError) as exc:
                    raise BadRequest("bad fault: %s" % exc)
        return {"faults": self.emu.faults.pending()}

    def do_tokens_invalidate(self, request):
        self.emu.invalidate_tokens()
        return {"ok": True}

    def do_tokens_expire(self, request):
        self.emu.expire_tokens()
        return {"ok": True}

    def do_rate_limits(self, request):
        if request.method == "POST":
            data = self._obj(request)
            current = self.emu.rate_limits.as_dict()
            current.update(data)
            try:
                self.emu.rate_limits = RateLimits(**current)
            except TypeError as exc:
                raise BadRequest(str(exc))
        return self.emu.rate_limits.as_dict()

    def do_reset(self, request):
        self.emu.reset()
        return {"ok": True}

    def do_stats(self, request):
        calls = self.emu.stats()
        return {"total": sum(calls.values()), "calls": calls,
                "messages": len(self.emu.messages), "faults": self.emu.faults.pending()}

    def do_messages(self, request):
        userid = request.args.get("userid")
        if userid:
            records = self.emu.inbox(userid)
        else:
            records = list(reversed(self.emu.messages))
        return {"messages": records}
