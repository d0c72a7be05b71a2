# -*- coding: utf-8 -*-
"""The corp's contacts as WeCom holds them: departments, members and tags.

Users are stored in the exact JSON shape of user/get (full fields); endpoints filter per app.
Indexes (members per department, children per department) keep per-department reads fast on
large corps. Every mutation bumps `version` so cached views (visible ranges, list_id rows) know
when to rebuild. Mutations raise DirectoryError subclasses carrying an HTTP status for the
admin API.
"""
import hashlib
import re
import threading

from . import demo_data

USERID_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
BAD_DEPT_CHARS = set('\\:*?"<>|')
MAX_DEPTH = 15
ROOT_ID = 1

USER_FIELDS = (
    "userid", "name", "department", "order", "position", "mobile", "gender", "email",
    "biz_mail", "is_leader_in_dept", "direct_leader", "avatar", "thumb_avatar", "telephone",
    "alias", "address", "main_department", "extattr", "status", "qr_code",
    "external_position", "external_profile",
)
DEPT_FIELDS = ("id", "name", "name_en", "department_leader", "parentid", "order")


class DirectoryError(ValueError):
    status = 400


class NotFound(DirectoryError):
    status = 404


class Conflict(DirectoryError):
    status = 409


def _digest(text, size=32):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


def avatar_url(userid):
    """A stable fake avatar URL in WeCom's shape (…/0 is full size, …/100 the thumbnail)."""
    return "https://wework.qpic.cn/wwpic3az/%s/0" % _digest("avatar:" + userid, 40)


def qr_code_url(userid):
    return "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vc%s" % _digest(
        "qr:" + userid, 18)


class Directory(object):
    def __init__(self, departments=(), users=(), tags=(), corp_name=None, lock=None):
        self.lock = lock or threading.RLock()
        self.listeners = []  # callables(event dict) told about each change (change_contact shape)
        # callables(event, before, after): the same events plus the changed user, department or
        # tag as it was before and is after (None when it did not exist), so that callbacks can
        # say what changed (contact callbacks.py). Called under self.lock, objects not copied.
        self.observers = []
        self.corp_name = corp_name
        self._load(departments, users, tags)

    # ------------------------------------------------------------------ loading
    def _load(self, departments, users, tags):
        self.version = 0
        self.dirty = False      # changed since built (Emulator.reset() rebuilds only then)
        self.departments = {}   # id -> department dict (department/get shape)
        self._children = {}     # id -> [child ids]
        self._members = {}      # dept id -> {userid_lower: None} (ordered set)
        self.users = {}         # userid_lower -> user dict (user/get shape, all fields)
        self.tags = {}          # tagid -> {"tagid", "tagname", "users": [userid], "parties": [id]}
        for dept in departments:
            dept = dict(dept)
            dept.setdefault("name_en", "")
            dept.setdefault("order", 0)
            dept["department_leader"] = []
            self.departments[dept["id"]] = dept
            self._children.setdefault(dept["id"], [])
            self._members.setdefault(dept["id"], {})
        for dept in self.departments.values():
            if dept["parentid"] in self._children:
                self._children[dept["parentid"]].append(dept["id"])
        for kids in self._children.values():
            self._sort_children(kids)
        for user in users:
            key = user["userid"].lower()
            self.users[key] = user
            for dept_id in user["department"]:
                self._members.setdefault(dept_id, {})[key] = None
        self._refresh_leaders(list(self.departments))
        for tag in tags:
            tag = dict(tag)
            tag["users"] = list(tag.get("users") or [])
            tag["parties"] = list(tag.get("parties") or [])
            self.tags[int(tag["tagid"])] = tag

    def replace_with(self, other):
        """Take over another directory's content in place (used by Emulator.reset())."""
        with self.lock:
            self.departments = other.departments
            self._children = other._children
            self._members = other._members
            self.users = other.users
            self.tags = other.tags
            self.corp_name = other.corp_name
            self.version += 1     # monotonic, so no cache keyed on the old version survives
            self.dirty = False

    def _sort_children(self, kids):
        kids.sort(key=lambda i: (-self.departments[i].get("order", 0), i))

    def _refresh_leaders(self, dept_ids):
        # department_leader is derived from the members' is_leader_in_dept flags.
        for dept_id in dept_ids:
            dept = self.departments.get(dept_id)
            if dept is None:
                continue
            leaders = []
            for key in self._members.get(dept_id, ()):
                user = self.users[key]
                idx = user["department"].index(dept_id)
                if user["is_leader_in_dept"][idx]:
                    leaders.append(user["userid"])
            dept["department_leader"] = leaders

    def _changed(self, event, before=None, after=None):
        self.version += 1
        self.dirty = True
        for listener in list(self.listeners):
            listener(dict(event))
        for observer in list(self.observers):
            observer(dict(event), before, after)

    # ------------------------------------------------------------------ reads
    def get_department(self, dept_id):
        return self.departments.get(dept_id)

    def children(self, dept_id):
        return list(self._children.get(dept_id, ()))

    def subtree(self, dept_id):
        """dept_id and all its descendants, parents before children (pre-order)."""
        if dept_id not in self.departments:
            return []
        out, stack = [], [dept_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self._children.get(current, ())))
        return out

    def all_departments(self):
        """Every department, parents before children (roots: departments with no known parent)."""
        roots = [d for d, v in self.departments.items() if v["parentid"] not in self.departments]
        roots.sort(key=lambda i: (-self.departments[i]["order"], i))
        out = []
        for root in roots:
            out.extend(self.subtree(root))
        return out

    def depth(self, dept_id):
        depth = 0
        while dept_id in self.departments:
            depth += 1
            dept_id = self.departments[dept_id]["parentid"]
        return depth

    def member_keys(self, dept_id):
        return list(self._members.get(dept_id, ()))

    def members(self, dept_id):
        return [self.users[k] for k in self._members.get(dept_id, ())]

    def get_user(self, userid):
        if not isinstance(userid, str):
            return None
        return self.users.get(userid.lower())

    def get_tag(self, tagid):
        try:
            return self.tags.get(int(tagid))
        except (TypeError, ValueError):
            return None

    def dept_user_rows(self):
        """(userid, department) pairs as user/list_id returns them: one row per membership."""
        rows = []
        for user in self.users.values():
            uid = user["userid"]
            for dept_id in user["department"]:
                rows.append((uid, dept_id))
        return rows

    def snapshot(self):
        """Everything as plain JSON-able data (GET /_emulator/directory)."""
        with self.lock:
            return {
                "version": self.version,
                "department": [dict(self.departments[i]) for i in self.all_departments()],
                "userlist": [dict(u) for u in self.users.values()],
                "taglist": [
                    {"tagid": t["tagid"], "tagname": t["tagname"], "userlist": list(t["users"]),
                     "partylist": list(t["parties"])}
                    for t in sorted(self.tags.values(), key=lambda t: t["tagid"])],
            }

    # ------------------------------------------------------------------ users
    def _check_userid(self, userid):
        if not isinstance(userid, str) or not USERID_RE.match(userid):
            raise DirectoryError("invalid userid %r: 1-64 chars of [A-Za-z0-9_.@-]" % (userid,))

    def _normalize_memberships(self, user, old=None):
        depts = user.get("department")
        if depts is None:
            depts = [ROOT_ID]
        if not isinstance(depts, list) or not depts:
            raise DirectoryError("department must be a non-empty list of department ids")
        try:
            depts = [int(d) for d in depts]
        except (TypeError, ValueError):
            raise DirectoryError("department must be a list of integers")
        if len(set(depts)) != len(depts):
            raise DirectoryError("department has duplicates")
        for dept_id in depts:
            if dept_id not in self.departments:
                raise NotFound("department %s does not exist" % dept_id)
        old_pos = {}
        if old is not None:
            old_pos = dict((d, i) for i, d in enumerate(old["department"]))

        def aligned(field):
            # Keep each flag aligned with its department: explicit value, else the old one, else 0.
            given = user.get(field)
            if given is not None:
                if not isinstance(given, list) or len(given) != len(depts):
                    raise DirectoryError("%s must be a list as long as department" % field)
                return [int(v) for v in given]
            out = []
            for dept_id in depts:
                if dept_id in old_pos:
                    out.append(old[field][old_pos[dept_id]])
                else:
                    out.append(0)
            return out

        user["department"] = depts
        user["order"] = aligned("order")
        user["is_leader_in_dept"] = [1 if v else 0 for v in aligned("is_leader_in_dept")]
        main = user.get("main_department")
        if main is None or int(main) not in depts:
            main = depts[0]
        user["main_department"] = int(main)

    def _check_fields(self, user, own_key=None):
        name = user.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise DirectoryError("name is required (1-64 chars)")
        status = int(user.get("status", 1))
        if status not in (1, 2, 4, 5):
            raise DirectoryError("status must be 1, 2, 4 or 5")
        user["status"] = status
        gender = str(user.get("gender", "0"))
        if gender not in ("0", "1", "2"):
            raise DirectoryError("gender must be \"0\", \"1\" or \"2\"")
        user["gender"] = gender
        leaders = user.get("direct_leader") or []
        if not isinstance(leaders, list) or len(leaders) > 5:
            raise DirectoryError("direct_leader must be a list of at most 5 userids")
        user["direct_leader"] = [str(x) for x in leaders]
        mobile = user.get("mobile")
        if mobile:
            for other in self.users.values():
                if other.get("mobile") == mobile and other["userid"].lower() != own_key:
                    raise Conflict("mobile %s already used by %s" % (mobile, other["userid"]))

    def add_user(self, data):
        with self.lock:
            if not isinstance(data, dict):
                raise DirectoryError("user must be an object")
            user = dict(data)
            user.pop("new_userid", None)
            self._check_userid(user.get("userid"))
            key = user["userid"].lower()
            if key in self.users:
                raise Conflict("userid %s already exists" % user["userid"])
            self._normalize_memberships(user)
            self._check_fields(user)
            full = blank_user(user["userid"])
            full.update(user)
            for field in list(full):
                if field not in USER_FIELDS:
                    del full[field]
            self.users[key] = full
            for dept_id in full["department"]:
                self._members[dept_id][key] = None
            self._refresh_leaders(full["department"])
            self._changed({"ChangeType": "create_user", "UserID": full["userid"]}, after=full)
            return dict(full)

    def update_user(self, userid, changes):
        with self.lock:
            user = self.get_user(userid)
            if user is None:
                raise NotFound("user %s does not exist" % userid)
            if not isinstance(changes, dict):
                raise DirectoryError("changes must be an object")
            changes = dict(changes)
            changes.pop("userid", None)
            new_userid = changes.pop("new_userid", None)
            old_key = user["userid"].lower()
            merged = dict(user)
            merged.update(changes)
            if new_userid is not None and new_userid != user["userid"]:
                self._check_userid(new_userid)
                if new_userid.lower() != old_key and new_userid.lower() in self.users:
                    raise Conflict("userid %s already exists" % new_userid)
                merged["userid"] = new_userid
            if "department" in changes:
                # Flags not given are re-aligned from the old memberships, not copied by index.
                for field in ("order", "is_leader_in_dept"):
                    if field not in changes:
                        merged[field] = None
                if "main_department" not in changes:
                    merged["main_department"] = user["main_department"]
                self._normalize_memberships(merged, old=user)
            else:
                for field in ("order", "is_leader_in_dept"):
                    if field in changes and len(changes[field]) != len(merged["department"]):
                        raise DirectoryError("%s must be a list as long as department" % field)
                if merged.get("main_department") not in merged["department"]:
                    raise DirectoryError("main_department must be one of the departments")
            self._check_fields(merged, own_key=old_key)
            for field in list(merged):
                if field not in USER_FIELDS:
                    del merged[field]
            touched = set(user["department"]) | set(merged["department"])
            for dept_id in user["department"]:
                self._members[dept_id].pop(old_key, None)
            del self.users[old_key]
            new_key = merged["userid"].lower()
            self.users[new_key] = merged
            for dept_id in merged["department"]:
                self._members[dept_id][new_key] = None
            old_userid = user["userid"]
            if merged["userid"] != old_userid:
                self._rename_references(old_userid, merged["userid"])
            self._refresh_leaders(touched)
            event = {"ChangeType": "update_user", "UserID": old_userid}
            if merged["userid"] != old_userid:
                event["NewUserID"] = merged["userid"]
            self._changed(event, before=user, after=merged)   # `user` is replaced, not mutated
            return dict(merged)

    def _rename_references(self, old, new):
        low = old.lower()
        for other in self.users.values():
            if any(x.lower() == low for x in other.get("direct_leader") or ()):
                other["direct_leader"] = [new if x.lower() == low else x
                                          for x in other["direct_leader"]]
        for tag in self.tags.values():
            tag["users"] = [new if x.lower() == low else x for x in tag["users"]]

    def remove_user(self, userid):
        with self.lock:
            user = self.get_user(userid)
            if user is None:
                raise NotFound("user %s does not exist" % userid)
            key = user["userid"].lower()
            del self.users[key]
            for dept_id in user["department"]:
                self._members[dept_id].pop(key, None)
            for other in self.users.values():
                if any(x.lower() == key for x in other.get("direct_leader") or ()):
                    other["direct_leader"] = [x for x in other["direct_leader"] if x.lower() != key]
            for tag in self.tags.values():
                tag["users"] = [x for x in tag["users"] if x.lower() != key]
            self._refresh_leaders(user["department"])
            self._changed({"ChangeType": "delete_user", "UserID": user["userid"]}, before=user)
            return dict(user)

    # ------------------------------------------------------------------ departments
    def _check_dept_name(self, name):
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            raise DirectoryError("department name must be 1-32 chars")
        if BAD_DEPT_CHARS & set(name):
            raise DirectoryError('department name may not contain \\:*?"<>|')

    def add_department(self, data):
        with self.lock:
            if not isinstance(data, dict):
                raise DirectoryError("department must be an object")
            self._check_dept_name(data.get("name"))
            try:
                parentid = int(data.get("parentid", ROOT_ID))
                dept_id = int(data["id"]) if data.get("id") is not None else None
                order = int(data.get("order", 0))
            except (TypeError, ValueError):
                raise DirectoryError("id, parentid and order must be integers")
            if parentid not in self.departments:
                raise NotFound("parent department %s does not exist" % parentid)
            if self.depth(parentid) >= MAX_DEPTH:
                raise DirectoryError("departments are at most %d levels deep" % MAX_DEPTH)
            if dept_id is None:
                dept_id = max(self.departments or [0]) + 1
            if dept_id < 1:
                raise DirectoryError("department id must be positive")
            if dept_id in self.departments:
                raise Conflict("department %s already exists" % dept_id)
            for sibling in self._children.get(parentid, ()):
                if self.departments[sibling]["name"] == data["name"]:
                    raise Conflict("department name %s already used under %s" % (data["name"], parentid))
            dept = {"id": dept_id, "name": data["name"], "name_en": data.get("name_en") or "",
                    "department_leader": [], "parentid": parentid, "order": order}
            self.departments[dept_id] = dept
            self._children[dept_id] = []
            self._members[dept_id] = {}
            self._children[parentid].append(dept_id)
            self._sort_children(self._children[parentid])
            self._changed({"ChangeType": "create_party", "Id": dept_id, "Name": dept["name"],
                           "ParentId": parentid, "Order": order}, after=dept)
            return dict(dept)

    def update_department(self, dept_id, changes):
        with self.lock:
            dept_id = int(dept_id)
            dept = self.departments.get(dept_id)
            if dept is None:
                raise NotFound("department %s does not exist" % dept_id)
            if not isinstance(changes, dict):
                raise DirectoryError("changes must be an object")
            event = {"ChangeType": "update_party", "Id": dept_id}
            before = dict(dept)   # dept is changed in place below
            if "name" in changes:
                self._check_dept_name(changes["name"])
            if "parentid" in changes:
                try:
                    parentid = int(changes["parentid"])
                except (TypeError, ValueError):
                    raise DirectoryError("parentid must be an integer")
                if dept_id == ROOT_ID:
                    raise DirectoryError("the root department cannot move")
                if parentid not in self.departments:
                    raise NotFound("parent department %s does not exist" % parentid)
                if parentid in self.subtree(dept_id):
                    raise DirectoryError("a department cannot move under itself")
            if "department_leader" in changes:
                leaders = changes["department_leader"]
                if not isinstance(leaders, list):
                    raise DirectoryError("department_leader must be a list of userids")
                wanted = set(str(x).lower() for x in leaders)
                unknown = wanted - set(self._members[dept_id])
                if unknown:
                    raise DirectoryError("leaders must be members of the department: %s"
                                         % ", ".join(sorted(unknown)))
            if "name" in changes and changes["name"] != dept["name"]:
                dept["name"] = changes["name"]
                event["Name"] = dept["name"]
            if "name_en" in changes:
                dept["name_en"] = changes["name_en"] or ""
            if "order" in changes:
                dept["order"] = int(changes["order"])
                if dept["parentid"] in self._children:
                    self._sort_children(self._children[dept["parentid"]])
            if "parentid" in changes and int(changes["parentid"]) != dept["parentid"]:
                old_parent = dept["parentid"]
                if old_parent in self._children:
                    self._children[old_parent].remove(dept_id)
                dept["parentid"] = int(changes["parentid"])
                self._children[dept["parentid"]].append(dept_id)
                self._sort_children(self._children[dept["parentid"]])
                event["ParentId"] = dept["parentid"]
            if "department_leader" in changes:
                for key in self._members[dept_id]:
                    user = self.users[key]
                    idx = user["department"].index(dept_id)
                    user["is_leader_in_dept"][idx] = 1 if key in wanted else 0
                self._refresh_leaders([dept_id])
            self._changed(event, before=before, after=dept)
            return dict(dept)

    def remove_department(self, dept_id):
        with self.lock:
            dept_id = int(dept_id)
            dept = self.departments.get(dept_id)
            if dept is None:
                raise NotFound("department %s does not exist" % dept_id)
            if dept_id == ROOT_ID:
                raise DirectoryError("the root department cannot be deleted")
            if self._children.get(dept_id):
                raise Conflict("department %s has sub-departments" % dept_id)
            if self._members.get(dept_id):
                raise Conflict("department %s has members" % dept_id)
            del self.departments[dept_id]
            self._children.pop(dept_id, None)
            self._members.pop(dept_id, None)
            if dept["parentid"] in self._children:
                self._children[dept["parentid"]].remove(dept_id)
            for tag in self.tags.values():
                if dept_id in tag["parties"]:
                    tag["parties"].remove(dept_id)
            self._changed({"ChangeType": "delete_party", "Id": dept_id}, before=dept)
            return dict(dept)

    # ------------------------------------------------------------------ tags
    def _check_tag_members(self, users, parties):
        users = list(users or [])
        parties = [int(p) for p in parties or []]
        out = []
        for uid in users:
            user = self.get_user(uid)
            if user is None:
                raise NotFound("user %s does not exist" % uid)
            out.append(user["userid"])
        for dept_id in parties:
            if dept_id not in self.departments:
                raise NotFound("department %s does not exist" % dept_id)
        return out, parties

    def add_tag(self, data):
        with self.lock:
            name = data.get("tagname")
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                raise DirectoryError("tagname must be 1-32 chars")
            if any(t["tagname"] == name for t in self.tags.values()):
                raise Conflict("tagname %s already exists" % name)
            tagid = int(data["tagid"]) if data.get("tagid") is not None else max(self.tags or [0]) + 1
            if tagid in self.tags:
                raise Conflict("tag %s already exists" % tagid)
            users, parties = self._check_tag_members(data.get("users"), data.get("parties"))
            tag = {"tagid": tagid, "tagname": name, "users": users, "parties": parties}
            self.tags[tagid] = tag
            self._changed({"ChangeType": "create_tag", "TagId": tagid}, after=tag)
            return dict(tag)

    def update_tag(self, tagid, changes):
        with self.lock:
            tag = self.get_tag(tagid)
            if tag is None:
                raise NotFound("tag %s does not exist" % tagid)
            before = dict(tag, users=list(tag["users"]), parties=list(tag["parties"]))
            users, parties = self._check_tag_members(
                changes.get("users", tag["users"]), changes.get("parties", tag["parties"]))
            if "tagname" in changes:
                name = changes["tagname"]
                if not isinstance(name, str) or not 1 <= len(name) <= 32:
                    raise DirectoryError("tagname must be 1-32 chars")
                tag["tagname"] = name
            tag["users"], tag["parties"] = users, parties
            self._changed({"ChangeType": "update_tag", "TagId": tag["tagid"]},
                          before=before, after=tag)
            return dict(tag)

    def remove_tag(self, tagid):
        with self.lock:
            tag = self.get_tag(tagid)
            if tag is None:
                raise NotFound("tag %s does not exist" % tagid)
            del self.tags[tag["tagid"]]
            self._changed({"ChangeType": "delete_tag", "TagId": tag["tagid"]}, before=tag)
            return dict(tag)


def blank_user(userid):
    """Defaults for every field a member has (user/get shape)."""
    return {
        "userid": userid, "name": userid, "department": [ROOT_ID], "order": [0],
        "position": "", "mobile": "", "gender": "0", "email": "", "biz_mail": "",
        "is_leader_in_dept": [0], "direct_leader": [], "avatar": avatar_url(userid),
        "thumb_avatar": avatar_url(userid)[:-2] + "/100", "telephone": "", "alias": "",
        "address": "", "main_department": ROOT_ID, "extattr": {"attrs": []}, "status": 1,
        "qr_code": qr_code_url(userid), "external_position": "",
        "external_profile": {"external_corp_name": "", "external_attr": []},
    }


def build_demo(lock=None):
    """The `demo` corp from demo_data, with derived fields filled in deterministically."""
    depts = [{"id": i, "name": n, "name_en": en, "parentid": p, "order": o}
             for (i, n, en, p, o) in demo_data.DEPARTMENTS]
    users = []
    for idx, (uid, name, gender, position, memberships, leaders, status) in enumerate(demo_data.MEMBERS):
        dept_ids = [d for d, _ in memberships]
        user = blank_user(uid)
        main = dept_ids[0]
        user.update({
            "name": name, "department": dept_ids,
            # Leaders sort first inside their department (larger order first).
            "order": [100 if lead else 50 - idx % 50 for _, lead in memberships],
            "position": position,
            "mobile": "1%d%09d" % (3 + idx % 7, 380010000 + idx * 7919),
            "gender": gender,
            "email": "%s@haolinju.com.cn" % uid,
            "biz_mail": "%s@haolinju.wecom.work" % uid,
            "is_leader_in_dept": [lead for _, lead in memberships],
            "direct_leader": list(leaders),
            "telephone": "021-6288%04d" % (1000 + idx),
            "alias": "",
            "address": demo_data.ADDRESSES.get(main) or demo_data.ADDRESSES[1],
            "main_department": main,
            "status": status,
            "extattr": {"attrs": [
                {"type": 0, "name": "工号", "text": {"value": "HL%04d" % (idx + 1)}},
                {"type": 1, "name": "个人主页", "web": {
                    "url": "https://intranet.haolinju.com.cn/people/%s" % uid, "title": name}},
            ]},
            "external_position": position,
            "external_profile": {"external_corp_name": demo_data.CORP_NAME, "external_attr": []},
        })
        users.append(user)
    tags = [{"tagid": t, "tagname": n, "users": u, "parties": p}
            for (t, n, u, p) in demo_data.TAGS]
    return Directory(depts, users, tags, corp_name=demo_data.CORP_NAME, lock=lock)


def build_empty(lock=None):
    root = {"id": ROOT_ID, "name": demo_data.CORP_NAME, "name_en": "", "parentid": 0,
            "order": 100000000}
    return Directory([root], [], [], corp_name=demo_data.CORP_NAME, lock=lock)


def build(spec, lock=None):
    """"demo", "empty" or "large:USERS[:DEPARTMENTS[:SEED]]"."""
    spec = (spec or "demo").strip()
    if spec == "demo":
        return build_demo(lock)
    if spec == "empty":
        return build_empty(lock)
    if spec.startswith("large:"):
        from .largecorp import build_large, parse_spec
        users, depts, seed = parse_spec(spec)
        return build_large(users, depts, seed, lock=lock)
    raise ValueError("unknown directory %r: use demo, empty or large:USERS[:DEPARTMENTS[:SEED]]"
                     % spec)
