"""Reading the WeCom directory, following the 2022 rules.

With a contact-sync secret, the directory is enumerated with department/simplelist and
user/list_id (the only calls that secret may still make from a new IP) and details are read
with the app secret; without one, the app secret does everything (department/list, then
user/list per department: WeCom no longer recurses for us). What the app cannot see stays
known by id only: its name is None, and the sync keeps whatever it had.

Imports nothing from Odoo: it returns plain dicts keyed by WeCom id.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from .errors import WecomError
from .export import ExportReader

DEFAULT_WORKERS = 4  # within WeCom's per-API concurrency limit (45033)
MAX_WORKERS = 16     # the adaptive per-department path never goes above this
GROW_AFTER = 20      # successful calls in a row before one more call may run at a time
CONCURRENCY_WAIT = 0.5  # seconds before a call refused with 45033 is tried again


def _parallel(function, items, max_workers):
    """[function(item) for item in items], run concurrently; the first error is raised."""
    items = list(items)
    if max_workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(function, items))


class AdaptiveConcurrency(object):
    """How many calls run at a time, following WeCom's answers: halved on 45033 (too many
    concurrent calls) and 45009 (frequency limit), one more after GROW_AFTER successes in a row.

    ``run(function, items, client)`` is _parallel with this limit; the client tells it of each
    45033 / 45009 before retrying (WecomClient.on_rate_limit), and a 45033 is retried after
    CONCURRENCY_WAIT instead of the rate-limit backoff. ``history``: the limits it went through.
    """

    def __init__(self, start=DEFAULT_WORKERS, minimum=1, maximum=MAX_WORKERS, grow_after=GROW_AFTER,
                 concurrency_wait=CONCURRENCY_WAIT):
        self.minimum, self.maximum = max(1, int(minimum)), max(1, int(maximum))
        self.limit = min(max(int(start), self.minimum), self.maximum)
        self.grow_after, self.concurrency_wait = grow_after, concurrency_wait
        self.active, self.successes, self.throttled = 0, 0, 0
        self.history = [self.limit]
        self._cond = threading.Condition()

    def _set(self, limit):
        if limit != self.limit:
            self.limit = limit
            self.history.append(limit)

    def acquire(self):
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait()
            self.active += 1

    def release(self):
        with self._cond:
            self.active -= 1
            self.successes += 1
            if self.successes >= self.grow_after and self.limit < self.maximum:
                self._set(self.limit + 1)
                self.successes = 0
            self._cond.notify_all()

    def on_rate_limit(self, errcode, path):
        """WecomClient.on_rate_limit: lower the limit; the wait before the retry."""
        with self._cond:
            self.throttled += 1
            self.successes = 0
            self._set(max(self.minimum, self.limit // 2))
        return self.concurrency_wait if errcode == 45033 else None

    def run(self, function, items, client=None):
        items = list(items)
        if self.maximum <= 1 or len(items) <= 1:
            return [function(item) for item in items]

        def one(item):
            self.acquire()
            try:
                return function(item)
            finally:
                self.release()
        previous = getattr(client, "on_rate_limit", None)
        if client is not None:
            client.on_rate_limit = self.on_rate_limit
        try:
            with ThreadPoolExecutor(max_workers=self.maximum) as pool:
                return list(pool.map(one, items))
        finally:
            if client is not None:
                client.on_rate_limit = previous


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


def fetch_users(app, departments, contact=None, max_workers=DEFAULT_WORKERS, concurrency=None):
    """{lower(userid): member dict as WeCom returns it}, reading user/list for every department the
    app can see, as many at a time as WeCom takes (AdaptiveConcurrency starting at max_workers).
    Members known only through user/list_id carry just userid and department."""
    visible_ids = sorted(d["id"] for d in departments.values() if d.get("visible", True))
    concurrency = concurrency or AdaptiveConcurrency(start=max_workers, maximum=max(max_workers, MAX_WORKERS))
    users = {}
    for userlist in concurrency.run(app.user_list, visible_ids, app):
        for row in userlist:
            users.setdefault(row["userid"].lower(), row)
    return _add_list_id(users, contact)


def fetch_users_export(app, contact=None, reader=None):
    """fetch_users through one export/user job of the app (a handful of calls whatever the
    size): the same rows as user/list, read file by file. Raises export.ExportFailed on any
    problem (the caller then falls back to fetch_users)."""
    reader = reader or ExportReader(app)
    users = {}
    for row in reader.users():
        users.setdefault(row["userid"].lower(), row)
    return _add_list_id(users, contact)


def _add_list_id(users, contact):
    """Complete ``users`` with user/list_id when a contact-sync secret is configured."""
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
