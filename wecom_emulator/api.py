# -*- coding: utf-8 -*-
"""The /cgi-bin/ endpoints: authentication, visibility and the JSON each one returns.

A handler gets a Call (parsed request + resolved caller) and returns the data fields of a
success response, or raises ApiError. Transport matters (rate limits, faults, headers) live in
wsgi.py.
"""
import base64
import functools
import hashlib
import hmac
import json
import secrets

from . import export_data
from .directory import USERID_RE
from .errors import ApiError
from .messages import check_agentid

SENSITIVE = ("mobile", "email", "biz_mail", "avatar", "thumb_avatar", "qr_code", "address")


class Call(object):
    """One /cgi-bin request as the handlers see it."""

    def __init__(self, api, method, args, body, ip, now):
        self.api = api
        self.method = method
        self.args = args          # dict of query parameters (first value of each)
        self.raw_body = body      # bytes
        self.ip = ip
        self.now = now
        self.caller = None
        self._json = None
        self.fault = None         # the injected fault taken for this call (export outcomes)
        self.host_url = "http://localhost/"   # where the emulator serves (export file URLs)

    def json(self):
        """The JSON object body; 40058 if it is not one."""
        if self._json is None:
            try:
                data = json.loads(self.raw_body.decode("utf-8") or "{}")
            except (ValueError, UnicodeDecodeError):
                raise ApiError(40058, "invalid json: request body is not valid JSON. "
                                      "Invalid input invalid Request Parameter")
            if not isinstance(data, dict):
                raise ApiError(40058, "request body must be a JSON object. "
                                      "Invalid input invalid Request Parameter")
            self._json = data
        return self._json


class Endpoint(object):
    def __init__(self, method, handler, token=True, detail_read=False, messaging=False):
        self.method = method            # "GET" or "POST"
        self.handler = handler
        self.token = token              # needs access_token
        self.detail_read = detail_read  # refused to the contact-sync assistant on a new IP (48009)
        self.messaging = messaging      # refused to the contact-sync assistant (48002)


def _int_arg(call, name, missing_code=40058, invalid_code=60123, required=True):
    value = call.args.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(missing_code, "%s missing" % name)
        return None
    try:
        out = int(value)
    except ValueError:
        raise ApiError(invalid_code, "invalid %s %r" % (name, value))
    if out <= 0:
        raise ApiError(invalid_code, "invalid %s %r" % (name, value))
    return out


class Api(object):
    def __init__(self, emulator):
        self.emu = emulator
        self._cursor_key = secrets.token_bytes(16)
        self._rows_cache = (None, None)
        self.endpoints = {
            "gettoken": Endpoint("GET", self.gettoken, token=False),
            "department/list": Endpoint("GET", self.department_list, detail_read=True),
            "department/simplelist": Endpoint("GET", self.department_simplelist),
            "department/get": Endpoint("GET", self.department_get, detail_read=True),
            "user/get": Endpoint("GET", self.user_get, detail_read=True),
            "user/simplelist": Endpoint("GET", self.user_simplelist, detail_read=True),
            "user/list": Endpoint("GET", self.user_list, detail_read=True),
            "user/list_id": Endpoint("POST", self.user_list_id),
            "tag/list": Endpoint("GET", self.tag_list),
            "tag/get": Endpoint("GET", self.tag_get),
            "message/send": Endpoint("POST", self.message_send, messaging=True),
            "message/recall": Endpoint("POST", self.message_recall, messaging=True),
            # Async export jobs (§9.2): exports.py; the 48009 rule is an export setting there.
            "export/simple_user": Endpoint("POST", functools.partial(self.export, "simple_user")),
            "export/user": Endpoint("POST", functools.partial(self.export, "user")),
            "export/department": Endpoint("POST", functools.partial(self.export, "department")),
            "export/taguser": Endpoint("POST", functools.partial(self.export, "taguser")),
            "export/get_result": Endpoint("GET", self.export_get_result),
            "message/update_template_card": Endpoint("POST", self.message_update_template_card,
                                                     messaging=True),
            # OAuth / web login code exchange (CARDS_LOGIN §D.4, §D.5, §E.4): oauth.py.
            "auth/getuserinfo": Endpoint("GET", self.auth_getuserinfo),
            "auth/getuserdetail": Endpoint("POST", self.auth_getuserdetail),
            "user/getuserinfo": Endpoint("GET", self.user_getuserinfo),
        }

    @property
    def directory(self):
        return self.emu.directory

    # ------------------------------------------------------------------ auth
    def authenticate(self, call, endpoint):
        corp = self.emu.corp
        value = call.args.get("access_token")
        if not value:
            detail = None
            if call.method == "POST":
                try:
                    if "access_token" in call.json():
                        detail = "access_token missing: it must be in the URL, not the request body"
                except ApiError:
                    pass
            raise ApiError(41001, detail)
        token = corp.tokens.lookup(value)
        if token is None or not token.caller.enabled:
            raise ApiError(40014)
        if call.now >= token.expires_at:
            raise ApiError(self.emu.expired_token_errcode)
        caller = token.caller
        if not caller.ip_allowed(call.ip):
            raise ApiError(60020)
        if caller.is_contact_sync:
            if endpoint.messaging:
                raise ApiError(48002, "api forbidden: the contact sync secret cannot send messages")
            if endpoint.detail_read and caller.new_ip:
                raise ApiError(48009)
        call.caller = caller
        return caller

    def scope(self, call):
        return call.caller.scope(self.directory)

    # ------------------------------------------------------------------ gettoken
    def gettoken(self, call):
        corp = self.emu.corp
        corpid = call.args.get("corpid")
        secret = call.args.get("corpsecret")
        if not corpid:
            raise ApiError(41002)
        if not secret:
            raise ApiError(41004)
        if corpid != corp.corp_id:
            raise ApiError(40013)
        if self.emu.limiter.ip_banned(call.ip, call.now):
            raise ApiError(45009, "api freq out of limit: too many invalid secrets from this ip")
        caller = corp.by_secret(secret)
        if caller is None or not caller.enabled:
            self.emu.limiter.bad_secret(call.ip, call.now)
            raise ApiError(40001)
        if not caller.ip_allowed(call.ip):
            raise ApiError(60020)
        token = corp.tokens.issue(caller, call.now)
        return {"access_token": token.value,
                "expires_in": max(1, int(round(token.expires_at - call.now)))}

    # ------------------------------------------------------------------ departments
    def _dept_out(self, dept, scope, simple=False):
        if simple:
            return {"id": dept["id"], "parentid": dept["parentid"], "order": dept["order"]}
        out = {"id": dept["id"], "name": dept["name"]}
        if dept.get("name_en"):
            out["name_en"] = dept["name_en"]   # only with multi-language names (§3.1)
        leaders = dept["department_leader"]
        if not scope.everything:
            leaders = [u for u in leaders if u.lower() in scope.users]
        out["department_leader"] = list(leaders)
        out["parentid"] = dept["parentid"]
        out["order"] = dept["order"]
        return out

    def _dept_ids(self, call, scope):
        dept_id = _int_arg(call, "id", required=False)
        if dept_id is None:
            return scope.visible_dept_ids()
        if dept_id not in self.directory.departments:
            raise ApiError(60003, "department %d not found" % dept_id)
        if not scope.dept_visible(dept_id):
            raise ApiError(60011)
        return [d for d in self.directory.subtree(dept_id) if scope.dept_visible(d)]

    def department_list(self, call):
        scope = self.scope(call)
        depts = self.directory.departments
        return {"department": [self._dept_out(depts[i], scope) for i in self._dept_ids(call, scope)]}

    def department_simplelist(self, call):
        scope = self.scope(call)
        depts = self.directory.departments
        return {"department_id": [self._dept_out(depts[i], scope, simple=True)
                                  for i in self._dept_ids(call, scope)]}

    def department_get(self, call):
        scope = self.scope(call)
        dept_id = _int_arg(call, "id")
        dept = self.directory.get_department(dept_id)
        if dept is None:
            raise ApiError(60003, "department %d not found" % dept_id)
        if not scope.dept_visible(dept_id):
            raise ApiError(60011)
        return {"department": self._dept_out(dept, scope)}

    # ------------------------------------------------------------------ users
    def render_user(self, user, scope, caller, detail=True):
        if not detail:
            out = {"userid": user["userid"], "name": user["name"],
                   "department": list(user["department"])}
        else:
            out = dict(user)
            for key in ("department", "order", "is_leader_in_dept", "direct_leader"):
                out[key] = list(user[key])
        if not scope.everything:
            # Only departments and leaders inside the visible range (§4.1, §10.2).
            keep = [i for i, d in enumerate(user["department"]) if scope.dept_visible(d)]
            out["department"] = [user["department"][i] for i in keep]
            if detail:
                out["order"] = [user["order"][i] for i in keep]
                out["is_leader_in_dept"] = [user["is_leader_in_dept"][i] for i in keep]
                out["direct_leader"] = [u for u in user["direct_leader"] if u.lower() in scope.users]
                if not scope.dept_visible(user["main_department"]):
                    out.pop("main_department", None)
        if detail and caller.privacy_restricted:
            # 2022-06-20 rule: absent fields, gender "0" (§4.5).
            for key in SENSITIVE:
                out.pop(key, None)
            out["gender"] = "0"
        return out

    def user_get(self, call):
        scope = self.scope(call)
        userid = call.args.get("userid")
        if not userid:
            raise ApiError(41009)
        if not USERID_RE.match(userid):
            raise ApiError(40003, "invalid userid %r" % userid)
        user = self.directory.get_user(userid)
        if user is None:
            raise ApiError(60111, "userid not found")
        if not scope.user_visible(user):
            raise ApiError(60011)
        return self.render_user(user, scope, call.caller)

    def _members(self, call, scope):
        dept_id = _int_arg(call, "department_id")
        if dept_id not in self.directory.departments:
            raise ApiError(60003, "department %d not found" % dept_id, extra={"userlist": []})
        if not scope.dept_visible(dept_id):
            raise ApiError(60011, extra={"userlist": []})
        dept_ids = [dept_id]
        if self.emu.honour_fetch_child and call.args.get("fetch_child") == "1":
            dept_ids = [d for d in self.directory.subtree(dept_id) if scope.dept_visible(d)]
        seen, out = set(), []
        for d in dept_ids:
            for key in self.directory.member_keys(d):
                if key not in seen:
                    seen.add(key)
                    out.append(self.directory.users[key])
        return out

    def user_simplelist(self, call):
        scope = self.scope(call)
        return {"userlist": [self.render_user(u, scope, call.caller, detail=False)
                             for u in self._members(call, scope)]}

    def user_list(self, call):
        scope = self.scope(call)
        return {"userlist": [self.render_user(u, scope, call.caller)
                             for u in self._members(call, scope)]}

    # -- user/list_id: contact-sync only, opaque cursor over (user, department) rows
    def _cursor(self, offset):
        raw = str(offset).encode("ascii")
        sig = hmac.new(self._cursor_key, raw, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(raw + b":" + sig).decode("ascii").rstrip("=")

    def _offset(self, cursor):
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            text, sig = raw.split(b":", 1)
            if hmac.compare_digest(sig, hmac.new(self._cursor_key, text, hashlib.sha256).digest()[:12]):
                return int(text)
        except (ValueError, TypeError):
            pass
        raise ApiError(40058, "invalid cursor. Invalid input invalid Request Parameter")

    def _rows(self):
        key = (id(self.directory), self.directory.version)
        cached_key, rows = self._rows_cache
        if cached_key != key:
            rows = self.directory.dept_user_rows()
            self._rows_cache = (key, rows)
        return rows

    def user_list_id(self, call):
        if not call.caller.is_contact_sync:
            raise ApiError(48002, "api forbidden: user/list_id needs the contact sync secret")
        body = call.json()
        cursor = body.get("cursor") or ""
        if not isinstance(cursor, str):
            raise ApiError(40058, "cursor must be a string")
        limit = body.get("limit", 10000)   # [UNCERTAIN] default when omitted
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10000:
            raise ApiError(40058, "limit must be an integer in 1..10000. "
                                  "Invalid input invalid Request Parameter")
        offset = self._offset(cursor) if cursor else 0
        rows = self._rows()
        page = rows[offset:offset + limit]
        end = offset + len(page)
        return {"next_cursor": self._cursor(end) if end < len(rows) else "",
                "dept_user": [{"userid": u, "department": d} for u, d in page]}

    # ------------------------------------------------------------------ tags
    def tag_list(self, call):
        tags = self.directory.tags
        return {"taglist": [{"tagid": t["tagid"], "tagname": t["tagname"]}
                            for t in sorted(tags.values(), key=lambda t: t["tagid"])]}

    def tag_get(self, call):
        scope = self.scope(call)
        tagid = _int_arg(call, "tagid", invalid_code=40068)
        tag = self.directory.get_tag(tagid)
        if tag is None:
            raise ApiError(40068)
        users, parties = self.tag_members(tag, scope)
        return {"tagname": tag["tagname"], "userlist": users, "partylist": parties}

    def tag_members(self, tag, scope):
        """([{"userid", "name"}], [department id]) of a tag, inside the visible range."""
        users = []
        for uid in tag["users"]:
            user = self.directory.get_user(uid)
            if user is not None and scope.user_visible(user):
                users.append({"userid": user["userid"], "name": user["name"]})
        return users, [d for d in tag["parties"] if scope.dept_visible(d)]

    # ------------------------------------------------------------------ export
    def export(self, kind, call):
        return self.emu.exports.start(call, kind, functools.partial(
            export_data.documents, kind, self, call))

    def export_get_result(self, call):
        return self.emu.exports.result(call, call.host_url)

    # ------------------------------------------------------------------ messages
    def message_send(self, call):
        return self.emu.message_center.send(call.caller, call.json(), self.directory,
                                            self.scope(call), agent_ids=self.emu.corp.apps)

    def message_recall(self, call):
        return self.emu.message_center.recall(call.caller, call.json())

    def message_update_template_card(self, call):
        body = call.json()
        check_agentid(call.caller, body, self.emu.corp.apps)
        return self.emu.cards.update(call.caller, body, self.directory, self.scope(call))

    # ------------------------------------------------------------------ oauth
    def auth_getuserinfo(self, call):
        return self.emu.oauth.getuserinfo(call)

    def user_getuserinfo(self, call):
        # The legacy path (UserId/DeviceId/OpenId keys) that wechatpy 1.8.18 still calls.
        return self.emu.oauth.getuserinfo(call, legacy=True)

    def auth_getuserdetail(self, call):
        return self.emu.oauth.getuserdetail(call)
