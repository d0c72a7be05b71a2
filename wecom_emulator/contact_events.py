# -*- coding: utf-8 -*-
"""change_contact events as WeCom pushes them (WECOM_API §8.5–8.6): dict, then plaintext XML.

`build_event` turns a directory change (directory.Directory.observers: event, before, after)
into the fields WeCom would send, or None when WeCom would send nothing. Two field modes:

- restricted (default; any contact-sync callback configured after 2022-08-15): member events
  carry only UserID, Department and NewUserID; department events only Id and ParentId, and
  update_party fires only when ParentId changed.
- legacy_full_fields: the full lists of §8.6; update_user and update_party carry only what
  changed.

Dicts keep insertion order (Python 3.7+), which is the XML order. Values: str is sent as
CDATA, int as a bare number, a dict as nested elements, a list as the same element repeated
(ExtAttr/Item).
"""

# (event field, user key): the member fields of create_user, in the order of the doc example.
MEMBER_FIELDS = (
    ("Name", "name"), ("Department", "department"), ("MainDepartment", "main_department"),
    ("IsLeaderInDept", "is_leader_in_dept"), ("DirectLeader", "direct_leader"),
    ("Position", "position"), ("Mobile", "mobile"), ("Gender", "gender"), ("Email", "email"),
    ("BizMail", "biz_mail"), ("Status", "status"), ("Avatar", "avatar"), ("Alias", "alias"),
    ("Telephone", "telephone"), ("Address", "address"), ("ExtAttr", "extattr"),
)
NUMERIC = {"MainDepartment", "Gender", "Status"}   # bare numbers in the doc examples
COMMA_LISTS = {"Department", "IsLeaderInDept", "DirectLeader"}


def comma(values):
    return ",".join(str(v) for v in values or ())


def ext_attr(extattr):
    """user/get's extattr.attrs -> <ExtAttr><Item>..</Item></ExtAttr>."""
    items = []
    for attr in (extattr or {}).get("attrs") or ():
        item = {"Name": str(attr.get("name", "")), "Type": int(attr.get("type", 0))}
        if item["Type"] == 1:
            web = attr.get("web") or {}
            item["Web"] = {"Title": str(web.get("title", "")), "Url": str(web.get("url", ""))}
        else:
            item["Text"] = {"Value": str((attr.get("text") or {}).get("value", ""))}
        items.append(item)
    return {"Item": items}


def member_value(field, user, key):
    value = user.get(key)
    if field in COMMA_LISTS:
        return comma(value)
    if field in NUMERIC:
        return int(value or 0)
    if field == "ExtAttr":
        return ext_attr(value)
    return "" if value is None else str(value)


def header(corp_id, create_time, change_type):
    return {"ToUserName": corp_id, "FromUserName": "sys", "CreateTime": int(create_time),
            "MsgType": "event", "Event": "change_contact", "ChangeType": change_type}


def build_event(change, before, after, corp_id, create_time, legacy_full_fields=False):
    """The event dict for one directory change, or None when WeCom would send nothing."""
    kind = change["ChangeType"]
    builder = _BUILDERS.get(kind)
    if builder is None:
        return None
    fields = builder(change, before, after, legacy_full_fields)
    if fields is None:
        return None
    change_type, body = fields
    event = header(corp_id, create_time, change_type)
    event.update(body)
    return event


def _user_event(change, before, after, legacy):
    kind = change["ChangeType"]
    body = {"UserID": change["UserID"]}
    if kind == "update_user" and change.get("NewUserID"):
        body["NewUserID"] = change["NewUserID"]
    if kind == "delete_user":
        return kind, body                  # UserID only, in both modes
    if not legacy:
        body["Department"] = comma(after["department"])
        return kind, body
    for field, key in MEMBER_FIELDS:
        value = member_value(field, after, key)
        if kind == "update_user":
            # Only what changed; a department change realigns IsLeaderInDept, so send both.
            moved = field == "IsLeaderInDept" and before["department"] != after["department"]
            if value == member_value(field, before, key) and not moved:
                continue
        body[field] = value
    return kind, body


def _party_event(change, before, after, legacy):
    kind = change["ChangeType"]
    body = {"Id": int(change["Id"])}
    if kind == "delete_party":
        return kind, body
    if kind == "create_party":
        if legacy:
            body["Name"] = after["name"]
        body["ParentId"] = int(after["parentid"])
        if legacy:
            body["Order"] = int(after.get("order", 0))
        return kind, body
    moved = before["parentid"] != after["parentid"]
    if not legacy:
        if not moved:
            return None                    # 2022 rule: update_party only when the parent changes
        body["ParentId"] = int(after["parentid"])
        return kind, body
    if before["name"] != after["name"]:
        body["Name"] = after["name"]
    if moved:
        body["ParentId"] = int(after["parentid"])
    return kind, body


def _tag_event(change, before, after, legacy):
    # WeCom has no create_tag/delete_tag events: members joining or leaving a tag is an
    # update_tag (emulator choice for tags created with members or deleted with members).
    old_users = (before or {}).get("users") or []
    new_users = (after or {}).get("users") or []
    old_parties = (before or {}).get("parties") or []
    new_parties = (after or {}).get("parties") or []
    items = {}
    for field, now, then in (("AddUserItems", new_users, old_users),
                             ("DelUserItems", old_users, new_users),
                             ("AddPartyItems", new_parties, old_parties),
                             ("DelPartyItems", old_parties, new_parties)):
        seen = set(str(x).lower() for x in then)
        diff = [x for x in now if str(x).lower() not in seen]
        if diff:
            items[field] = comma(diff)
    if change["ChangeType"] != "update_tag" and not items:
        return None
    body = {"TagId": int(change["TagId"])}
    body.update(items)
    return "update_tag", body


_BUILDERS = {
    "create_user": _user_event, "update_user": _user_event, "delete_user": _user_event,
    "create_party": _party_event, "update_party": _party_event, "delete_party": _party_event,
    "create_tag": _tag_event, "update_tag": _tag_event, "delete_tag": _tag_event,
}


# ---------------------------------------------------------------------------- XML
def cdata(text):
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[%s]]>" % text.replace("]]>", "]]]]><![CDATA[>")


def _render(tag, value, out):
    if isinstance(value, list):
        for item in value:
            _render(tag, item, out)
    elif isinstance(value, dict):
        out.append("<%s>" % tag)
        for key, item in value.items():
            _render(key, item, out)
        out.append("</%s>" % tag)
    elif isinstance(value, int) and not isinstance(value, bool):
        out.append("<%s>%d</%s>" % (tag, value, tag))
    else:
        out.append("<%s>%s</%s>" % (tag, cdata(str(value)), tag))


def to_xml(fields):
    """<xml>...</xml> for an event dict (or any flat/nested dict of the same kind)."""
    out = []
    _render("xml", fields, out)
    return "".join(out)
