"""The naive baseline for bench/sync_bench.py: the original Django module's strategy, on Odoo's ORM.

For every department (parents first), then every member, one record at a time:
look it up by its WeCom id (``search``), then ``write`` every value or ``create`` the record,
as Django's ``update_or_create(wecom_id=..., defaults={...})`` does. Nothing is diffed, so every
run rewrites every record and its many2many links (``(6, 0, ids)``). Records WeCom no longer
returns are archived, so the result is the same mirror the addon builds from the same data
(the benchmark checks it row by row).

It follows the addon's value rules (sync/writers.py) so that both mirrors can be compared:
empty alias/position/telephone are stored empty, privacy-restricted fields (mobile, email,
biz_mail, avatar, gender "0") are only written when WeCom sent a value, a member's leader
departments are its ``is_leader_in_dept`` flags plus the departments listing it in
``department_leader``.
"""
import collections
import time

from odoo import fields

from odoo.addons.wecom_integration.sync.fingerprint import SENSITIVE_FIELDS as SENSITIVE_USER_FIELDS  # the same rule


def _department_depths(departments):
    """{id: depth} so that parents are written before their children (one pass, like Django)."""
    depths = {}
    for dept_id in departments:
        path, current = [], dept_id
        while current in departments and current not in depths and current not in path:
            path.append(current)
            current = departments[current]["parentid"]
        base = depths.get(current, 0)
        for offset, node in enumerate(reversed(path)):
            depths[node] = base + offset + 1
    return depths


class Phases(object):
    """Seconds and SQL queries spent in each part of the run."""

    def __init__(self, cr):
        self.cr = cr
        self.spent = collections.OrderedDict()
        self._name = None

    def start(self, name):
        self.stop()
        self._name, self._time, self._queries = name, time.time(), self.cr.sql_log_count

    def stop(self):
        if self._name:
            self.spent[self._name] = (time.time() - self._time, self.cr.sql_log_count - self._queries)
        self._name = None


def sync(env, departments, users, phases=None):
    """Write the fetched directory one record at a time. Returns a Counter of what was done;
    ``phases`` (a Phases) gets the time and queries of the department and member parts."""
    counts = collections.Counter()
    phases = phases or Phases(env.cr)
    phases.start("departments")
    now = fields.Datetime.now()
    Department = env["wecom.department"].with_context(active_test=False)
    Member = env["wecom.user"].with_context(active_test=False)

    depths = _department_depths(departments)
    for dept_id in sorted(departments, key=lambda d: (depths[d], d)):
        dept = departments[dept_id]
        parent = Department.browse()
        if dept["parentid"]:
            parent = Department.search([("wecom_id", "=", dept["parentid"])], limit=1)
        existing = Department.search([("wecom_id", "=", dept_id)], limit=1)
        values = {
            "name": dept["name"] or (existing.name if existing else None) or str(dept_id),
            "parent_wecom_id": dept["parentid"],
            "parent_id": parent.id or False,
            "active": True,
            "last_sync_date": now,
        }
        if dept.get("name_en") is not None:
            values["name_en"] = dept["name_en"] or False
        if dept.get("order") is not None:
            values["wecom_order"] = float(dept["order"])
        if existing:
            existing.write(values)
            counts["department_written"] += 1
        else:
            values["wecom_id"] = dept_id
            Department.create(values)
            counts["department_created"] += 1
    gone = Department.search([("active", "=", True), ("wecom_id", "not in", list(departments) or [0])])
    if gone:
        gone.write({"active": False})
        counts["department_archived"] += len(gone)

    phases.start("members")
    led_by = collections.defaultdict(set)  # lower(userid) -> WeCom ids of departments it leads
    for dept in departments.values():
        for userid in dept.get("department_leader") or []:
            led_by[userid.lower()].add(dept["id"])
    with_leaders = []
    for key, member in users.items():
        wecom_depts = [int(d) for d in member.get("department") or []]
        linked = Department.search([("wecom_id", "in", wecom_depts)])
        odoo_id = dict((d.wecom_id, d.id) for d in linked)
        if any(d not in odoo_id for d in wecom_depts):
            counts["user_failed"] += 1  # department not mirrored
            continue
        existing = Member.search([("userid", "=", member["userid"])], limit=1)
        values = {"active": True, "last_sync_date": now}
        if member.get("name"):
            values["name"] = member["name"]
        elif not existing:
            values["name"] = member["userid"]
        for field in ("alias", "position", "telephone"):
            if field in member:
                values[field] = member[field] or False
        if member.get("status") is not None:
            values["status"] = str(member["status"])
        if member.get("main_department") is not None:
            values["main_department_id"] = odoo_id.get(int(member["main_department"]), False)
        for field in SENSITIVE_USER_FIELDS:
            value = member.get(field)
            if value and not (field == "gender" and str(value) == "0"):
                values[field] = str(value)
        flags = member.get("is_leader_in_dept") or []
        leads = set(d for d, flag in zip(wecom_depts, flags) if int(flag or 0) == 1)
        leads |= led_by.get(key, set())
        leader_ids = [odoo_id[d] for d in sorted(leads) if d in odoo_id]
        elsewhere = [d for d in leads if d not in odoo_id]  # leads a department it is not in
        if elsewhere:
            leader_ids += Department.search([("wecom_id", "in", elsewhere)]).ids
        values["department_ids"] = [(6, 0, [odoo_id[d] for d in wecom_depts])]
        values["leader_department_ids"] = [(6, 0, leader_ids)]
        if not member.get("direct_leader"):
            values["direct_leader_ids"] = [(6, 0, [])]
        if existing:
            existing.write(values)
            counts["user_written"] += 1
        else:
            values["userid"] = member["userid"]
            existing = Member.create(values)
            counts["user_created"] += 1
        if member.get("direct_leader"):
            with_leaders.append((existing, member.get("direct_leader") or []))
    # direct leaders are members too: link them once every member exists
    for record, leader_userids in with_leaders:
        leaders = Member.browse()
        for userid in leader_userids:
            leaders |= Member.search([("userid", "=", userid)], limit=1)
        record.write({"direct_leader_ids": [(6, 0, leaders.ids)]})
    seen = [member["userid"] for member in users.values()]
    gone = Member.search([("active", "=", True), ("userid", "not in", seen or [""])])
    if gone:
        gone.write({"active": False, "leader_department_ids": [(5,)]})
        counts["user_archived"] += len(gone)
    phases.stop()
    return counts
