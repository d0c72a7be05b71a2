# -*- coding: utf-8 -*-
"""What an export job contains (WECOM_API §9.2, CARDS_LOGIN §F): the caller's records in the
documented shape, cut into documents of block_size records each, one per data file.

Visibility and fields are those of the matching read API, because the doc says so
("userlist内容与获取部门成员接口一致"; "仅会返回有权限的人员/部门列表"):
- simple_user: user/simplelist rows (userid, name, department inside the visible range; no
  open_userid, which only third-party apps get);
- user: user/list rows, privacy rules included (restricted apps lose the sensitive fields);
- department: id, name, name_en (only when set), parentid, order of the visible departments;
- taguser: tag/get's members and departments inside the visible range (block_size counts both).
A caller that sees nothing gets one document with empty lists.
"""
from .errors import ApiError

KINDS = ("simple_user", "user", "department", "taguser")


def chunks(items, size):
    """items cut into lists of at most size; at least one (empty) list."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def department_row(dept):
    out = {"id": dept["id"], "name": dept["name"]}
    if dept.get("name_en"):
        out["name_en"] = dept["name_en"]
    out["parentid"] = dept["parentid"]
    out["order"] = dept["order"]
    return out


def tag_id(body):
    """The body's tagid: 41017 when missing, 40068 when not a positive integer."""
    value = body.get("tagid")
    if value is None or value == "":
        raise ApiError(41017, "tagid missing")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ApiError(40068, "invalid tagid %r" % (value,))
    return value


def documents(kind, api, call, body, block_size):
    """(record count, [document]) for one export of `kind` by call.caller."""
    scope = api.scope(call)
    directory = api.directory
    if kind in ("simple_user", "user"):
        rows = [api.render_user(directory.users[key], scope, call.caller, detail=kind == "user")
                for key in scope.visible_user_keys()]
        return len(rows), [{"userlist": part} for part in chunks(rows, block_size)]
    if kind == "department":
        rows = [department_row(directory.departments[i]) for i in scope.visible_dept_ids()]
        return len(rows), [{"department": part} for part in chunks(rows, block_size)]
    tag = directory.get_tag(tag_id(body))
    if tag is None:
        raise ApiError(40068)
    users, parties = api.tag_members(tag, scope)
    items = [("user", u) for u in users] + [("party", d) for d in parties]
    docs = [{"tagname": tag["tagname"],
             "userlist": [value for what, value in part if what == "user"],
             "partylist": [value for what, value in part if what == "party"]}
            for part in chunks(items, block_size)]
    return len(items), docs
