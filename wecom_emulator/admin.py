# -*- coding: utf-8 -*-
"""The /_emulator/ admin API: JSON in, JSON out, 4xx with {"error": ...} on bad input.

It exposes what tests, demos and tools need without reading code: the corp and its secrets,
the directory (and changes to it), faults, tokens, rate limits, stats and sent messages.
"""
import json
from html import escape as html_escape

from werkzeug.exceptions import NotFound, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import BaseResponse, Response

from .card_center import ClickRefused
from .directory import DirectoryError
from .errors import ApiError, build_errmsg
from .exports import ExportError
from .faults import KINDS
from .oauth import DETAIL_FIELDS, OAuthError, check_domain
from .ratelimit import RateLimits


class BadRequest(Exception):
    status = 400


R = Rule
ROUTES = Map([
    R("/corp", endpoint="corp", methods=["GET"]),
    R("/apps/<int:agent_id>", endpoint="app", methods=["GET", "POST"]),
    R("/apps/<int:agent_id>/callback", endpoint="app_callback", methods=["GET", "POST", "DELETE"]),
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
    R("/latency", endpoint="latency", methods=["GET", "POST"]),
    R("/exports", endpoint="exports", methods=["GET", "POST"]),
    R("/exports/<jobid>", endpoint="export_job", methods=["GET", "POST"]),
    R("/export/<jobid>/<int:number>", endpoint="export_file", methods=["GET", "HEAD"]),
    R("/reset", endpoint="reset", methods=["POST"]),
    R("/stats", endpoint="stats", methods=["GET"]),
    R("/messages", endpoint="messages", methods=["GET"]),
    R("/messages/<msgid>/click", endpoint="message_click", methods=["POST"]),
    R("/oauth", endpoint="oauth", methods=["GET"]),
    R("/oauth/approve", endpoint="oauth_approve", methods=["POST"]),
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
        if isinstance(result, BaseResponse):   # answers to the HTML forms (inbox, OAuth pages)
            return result
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

    @staticmethod
    def is_form(request):
        """An HTML form post (inbox, OAuth pages); `curl -d '{...}'` also says form-urlencoded,
        so a JSON-looking body is JSON."""
        return (request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and not request.get_data(cache=True).lstrip().startswith((b"{", b"[")))

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
                if "unlicensed_users" in data:
                    app.unlicensed_users = [str(u).lower() for u in data["unlicensed_users"] or []]
                for key in ("trusted_domains", "oauth_fields"):
                    if not isinstance(data.get(key, []), list):
                        raise ValueError("%s must be a list" % key)
                if "trusted_domains" in data:
                    app.trusted_domains = [check_domain(d) for d in data["trusted_domains"]]
                if "oauth_fields" in data:
                    fields = [str(f) for f in data["oauth_fields"]]
                    if set(fields) - set(DETAIL_FIELDS):
                        raise ValueError("oauth_fields: only %s" % ", ".join(DETAIL_FIELDS))
                    app.oauth_fields = fields
            except ValueError as exc:
                raise BadRequest("bad app settings: %s" % exc)
            except TypeError:
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
            return self._set_callback(request, ("legacy_full_fields",), lambda data: (
                self.emu.set_contact_callback(
                    data["url"], data["token"], data["encoding_aes_key"],
                    legacy_full_fields=data.get("legacy_full_fields", False),
                    mode=data.get("mode"), verify=data.get("verify", True))))
        return {"callback": self.emu.contact_callback}

    def _set_callback(self, request, flags, setter):
        """POST of a callback config: 400 {"error"} on bad input, 400 with errcode 40057 when
        the URL verification fails, else {"errcode": 0, "errmsg": "ok", "callback"}."""
        data = self._obj(request)
        missing = [k for k in ("url", "token", "encoding_aes_key") if not data.get(k)]
        if missing:
            raise BadRequest("missing %s" % ", ".join(missing))
        for flag in flags + ("verify",):
            if not isinstance(data.get(flag, False), bool):
                raise BadRequest("%s must be true or false" % flag)
        try:
            config = setter(data)
        except ValueError as exc:
            raise BadRequest(str(exc))
        except ApiError as exc:
            errmsg = build_errmsg(exc.errcode, request.remote_addr, exc.detail)
            return {"errcode": exc.errcode, "errmsg": errmsg, "error": errmsg}, 400
        return {"errcode": 0, "errmsg": "ok", "callback": config}

    def do_app_callback(self, request, agent_id):
        """An app's own callback (接收消息服务器, CARDS_LOGIN §C.1), set like the contact one."""
        if agent_id not in self.emu.corp.apps:
            return {"error": "no app with agentid %s" % agent_id}, 404
        if request.method == "DELETE":
            self.emu.clear_app_callback(agent_id)
            return {"callback": None}
        if request.method == "POST":
            return self._set_callback(request, (), lambda data: self.emu.set_app_callback(
                agent_id, data["url"], data["token"], data["encoding_aes_key"],
                mode=data.get("mode"), verify=data.get("verify", True)))
        return {"callback": self.emu.app_callback(agent_id)}

    def do_callbacks(self, request):
        """Delivery records, oldest first; ?flush=SECONDS first waits for background ones;
        ?agentid=N: that app's own callback instead of the contact-sync one."""
        flushed = None
        if request.args.get("flush"):
            try:
                wait = float(request.args["flush"])
            except ValueError:
                raise BadRequest("flush must be a number of seconds")
            flushed = self.emu.flush_callbacks(wait)   # releases the emulator lock meanwhile
        agent_id = request.args.get("agentid")
        if agent_id:
            try:
                agent_id = int(agent_id)
            except ValueError:
                raise BadRequest("agentid must be an integer")
            out = {"callback": self.emu.app_callback(agent_id),
                   "deliveries": self.emu.app_callback_deliveries(agent_id)}
        else:
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

    def do_latency(self, request):
        """{"latency_ms": N}: the round trip added to every /cgi-bin/ call (latency.py)."""
        if request.method == "POST":
            data = self._obj(request)
            if "latency_ms" not in data:
                raise BadRequest("missing latency_ms")
            try:
                self.emu.latency_ms = data["latency_ms"]
            except ValueError as exc:
                raise BadRequest(str(exc))
        return {"latency_ms": self.emu.latency_ms}

    # ------------------------------------------------------------------ export jobs
    def do_exports(self, request):
        """Export settings (POST changes some: format, polls, delay, corrupt, new_ip_ban,
        taguser_job_type, param_errcode, url_ttl) and every job, oldest first."""
        if request.method == "POST":
            try:
                self.emu.exports.settings.update(self._obj(request))
            except (TypeError, ValueError) as exc:
                raise BadRequest(str(exc))
        self.emu.exports.tick()
        return self.emu.exports.describe()

    def do_export_job(self, request, jobid):
        """One job; POST {"status": 0|1} pins it unfinished, {"status": 2|3} finishes it."""
        exports = self.emu.exports
        if jobid not in exports.jobs:
            return {"error": "no export job %s" % jobid}, 404
        if request.method == "POST":
            status = self._obj(request).get("status")
            if isinstance(status, bool):
                raise BadRequest("status must be 0, 1, 2 or 3")
            try:
                return exports.force(jobid, status)
            except ValueError as exc:
                raise BadRequest(str(exc))
        exports.tick()
        return exports.jobs[jobid].describe()

    def do_export_file(self, request, jobid, number):
        """A data_list url: the file's bytes, with HTTP Range (206; 416 when unsatisfiable)."""
        try:
            data = self.emu.exports.download(jobid, number)
        except ExportError as exc:
            return {"error": str(exc)}, exc.status
        response = Response(data, content_type="application/octet-stream")
        return response.make_conditional(request, accept_ranges=True, complete_length=len(data))

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
        # Template cards: buttons, task_id, response codes and each recipient's state.
        return {"messages": [dict(r, card=self.emu.cards.describe(r)) if r.get("card") else r
                             for r in records]}

    def do_message_click(self, request, msgid):
        """A member taps a card: JSON {"userid", "key", "selected_items"} -> the click's
        outcome; the inbox's form (userid, key, q:<question_key> fields) -> back to the inbox."""
        form = self.is_form(request)
        if form:
            selected = dict((name[2:], request.form.getlist(name)) for name in request.form
                            if name.startswith("q:"))
            data = {"userid": request.form.get("userid"), "key": request.form.get("key"),
                    "selected_items": selected}
        else:
            data = self._obj(request)
        if not data.get("userid"):
            raise BadRequest("missing userid")
        try:
            result = self.emu.click(msgid, data["userid"], data.get("key"),
                                    data.get("selected_items"))
        except ClickRefused as exc:
            if form:
                from .oauth_pages import page
                return page(u"企业微信", u"<section><p>%s</p><p><a href=\"/\">返回</a></p>"
                            u"</section>" % html_escape(str(exc)), error="click_refused")
            return {"error": str(exc)}, exc.status
        if form:
            back = request.referrer if (request.referrer or "").startswith(request.host_url) \
                else "/"
            return redirect(back.split("#")[0] + "#m-%s-%s" % (msgid[:12], data["userid"].lower()),
                            code=303)
        return result

    # ------------------------------------------------------------------ oauth
    def do_oauth(self, request):
        """Pending authorizations, codes, user_tickets and remembered consents."""
        return self.emu.oauth.describe()

    def do_oauth_approve(self, request):
        """The member decides on the authorize or login page: JSON {"state" (or "pending"),
        "userid" (or "openid" / "non_member": true), "consent"} -> {"redirect_url", "code", ...};
        the pages' forms -> the browser is redirected (or sees the consent page)."""
        if self.is_form(request):
            from .oauth_pages import approve_form
            return approve_form(self.emu, request.form)
        data = self._obj(request)
        if "pending" not in data and "state" not in data:
            raise BadRequest("missing state (or pending)")
        consent = data.get("consent")
        if consent is not None and not isinstance(consent, bool):
            raise BadRequest("consent must be true or false")
        openid = data.get("openid")
        if data.get("non_member") and not openid:
            openid = self.emu.oauth.openid_for(str(data.get("state") or data.get("pending")))
        try:
            return self.emu.oauth.approve(pending_id=data.get("pending"), state=data.get("state"),
                                          userid=data.get("userid"), openid=openid,
                                          consent=consent)
        except OAuthError as exc:
            return {"error": exc.message, "kind": exc.kind}, exc.status
