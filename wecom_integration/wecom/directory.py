"""Reading the WeCom directory, following the 2022 rules.

With a contact-sync secret, the directory is enumerated with department/simplelist and
user/list_id (the only calls that secret may still make from a new IP) and details are read
with the app secret; without one, the app secret does everything (department/list, then
user/list per department: WeCom no longer recurses for us). What the app cannot see stays
known by id only: its name is None, and the sync keeps whatever it had.

Imports nothing from Odoo: it returns plain dicts keyed by WeCom id.
"""
from concurrent.futures import ThreadPoolExecutor

from .errors import WecomError

DEFAULT_WORKERS = 4  # within WeCom's per-API concurrency limit (45033)


def _parallel(function, items, max_workers):
    """[function(item) for item in items], run concurrently; the first error is raised."""
    items = list(items)
    if max_workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(function, items))


def fetch_departments(app, contact=None):
    """{id: {"id", "name", "name_en", "parentid", "order", "department_leader"}}; name None when
    only the contact-sync secret can see the department."""
    departments = {}
    for row in app.department_list():
        departments[int(row["id"])] = {
            "id": int(row["id"]),
            "name": row.get("name") or str(row["id"]),
            "name_en": row.get("name_en"),
            "parentid": int(row.get("parentid") or 0),
            "order": row.get("order"),
            "department_leader": list(row.get("department_leader") or []),
            "visible": True,
        }
    if contact is not None:
        for row in contact.department_simplelist():
            dept_id = int(row["id"])
            if dept_id not in departments:
                departments[dept_id] = {"id": dept_id, "name": None, "name_en": None,
                                        "parentid": int(row.get("parentid") or 0), "order": row.get("order"),
                                        "department_leader": [], "visible": False}
    return departments


def fetch_users(app, departments, contact=None, max_workers=DEFAULT_WORKERS):
    """{lower(userid): member dict as WeCom returns it}, reading user/list for every department the
    app can see. Members known only through user/list_id carry just userid and department."""
    visible_ids = sorted(d["id"] for d in departments.values() if d.get("visible", True))
    users = {}
    for userlist in _parallel(app.user_list, visible_ids, max_workers):
        for row in userlist:
            users.setdefault(row["userid"].lower(), row)
    if contact is not None:
        memberships = {}
        for pair in contact.user_list_id():
            key = pair["userid"].lower()
            memberships.setdefault(key, (pair["userid"], []))[1].append(int(pair["department"]))
        for key, (userid, dept_ids) in memberships.items():
            if key in users:
                # the app sees only departments in its range; list_id knows them all
                known = list(users[key].get("department") or [])
                users[key] = dict(users[key], department=known + [d for d in dept_ids if d not in known])
            else:
                users[key] = {"userid": userid, "name": None, "department": dept_ids}
    return users


def fetch_members(app, userids, max_workers=DEFAULT_WORKERS):
    """[(member, None) or (None, WecomError)] for ``userids``, read with user/get a few at a time
    (contact-change events name members one by one; a bulk import in WeCom sends hundreds)."""
    def read(userid):
        try:
            return app.user_get(userid), None
        except WecomError as error:
            return None, error
    return _parallel(read, userids, max_workers)


def fetch_tags(app, max_workers=DEFAULT_WORKERS):
    """{tagid: {"tagid", "tagname", "userids", "partyids"}}."""
    tag_ids = [int(row["tagid"]) for row in app.tag_list()]
    tags = {}
    for tag_id, detail in zip(tag_ids, _parallel(app.tag_get, tag_ids, max_workers)):
        tags[tag_id] = {
            "tagid": tag_id,
            "tagname": detail.get("tagname") or str(tag_id),
            "userids": [u["userid"] for u in detail.get("userlist") or []],
            "partyids": [int(p) for p in detail.get("partylist") or []],
        }
    return tags
