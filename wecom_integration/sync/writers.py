"""Turn a fetched WeCom directory into mirror rows: departments, members, tags.

Each writer diffs what WeCom returned against the mirror and writes only the difference
(sync/bulk.py). Fields that WeCom no longer returns (the 2022 privacy rules) are left out of the
wanted values, so they keep their stored value.
"""
from collections import OrderedDict

from odoo import _

from . import bulk
from .bulk import BulkTable, stamp, sync_relation
from .fingerprint import PLAIN_FIELDS, SENSITIVE_FIELDS, member_fingerprint
from .outcome import SyncOutcome, SyncRefused

DEPARTMENT_COLUMNS = ["wecom_id", "name", "name_en", "parent_wecom_id", "wecom_order", "complete_name",
                      "parent_id"]
USER_COLUMNS = ["userid", "name", "alias", "position", "telephone", "status", "main_department_id",
                "mobile", "email", "biz_mail", "avatar", "gender"]
TAG_COLUMNS = ["wecom_id", "name"]
# an archived member older than this is never paired with a new userid: after that long, the same
# name in the same departments is more likely a new colleague than a rename
REVIVE_DAYS = 30


def _paths(names, parents):
    """{id: ["总部", "华北区", "北京朝阳店"]}: the names from the root, as far as parents are known;
    cycles are cut."""
    result = {}
    for dept_id in names:
        path, seen, current = [], set(), dept_id
        while current in names and current not in seen:
            seen.add(current)
            path.append(names[current])
            current = parents.get(current)
        result[dept_id] = path[::-1]
    return result


class Writer(object):
    """What the three writers share: the environment and the archive safety threshold."""

    # a handful of records may always be archived, so that small directories can shrink
    ARCHIVE_ALWAYS_ALLOWED = 10

    table = None  # each writer's BulkTable (its model's rows), set by its __init__

    def __init__(self, env, archive_threshold):
        self.env = env
        self.threshold = archive_threshold

    def check_archive_threshold(self, kind_label, to_archive, active=None):
        """Refuse to archive more than the threshold's share of the active mirror in one run."""
        if active is None:
            active = sum(1 for row in self.table.rows.values() if row["active"])
        if to_archive <= self.ARCHIVE_ALWAYS_ALLOWED or not active:
            return
        share = 100.0 * to_archive / active
        if share > self.threshold:
            raise SyncRefused(_(
                "WeCom's answer would archive %(count)s of %(active)s %(kind)s (%(share)s%%), more than the safety "
                "threshold of %(threshold)s%%. Nothing was changed. If this is expected (for example the app's "
                "visible range was narrowed), raise the threshold in Settings > WeCom and sync again.")
                % {"count": to_archive, "active": active, "kind": kind_label, "share": int(round(share)),
                   "threshold": "%g" % self.threshold})


    def finish(self, outcome, synced, created, updated, archived, relations_changed, changed_fields):
        """Count what happened (a record whose relations alone changed counts as updated), stamp
        those records, and hand the changed ids to the ORM."""
        new_ids = set(created.values())
        relation_only = set(relations_changed) - new_ids - set(updated)
        stamp(self.env, self.table.table, relation_only)
        outcome.created = len(created)
        outcome.updated = len(updated) + len(relation_only)
        outcome.archived = len(archived)
        outcome.unchanged = synced - outcome.created - outcome.updated
        self.table.done(new_ids | set(updated) | relation_only | set(archived), changed_fields)
        return outcome


class DepartmentWriter(Writer):
    def __init__(self, env, archive_threshold):
        super(DepartmentWriter, self).__init__(env, archive_threshold)
        self.table = BulkTable(env, "wecom.department", "wecom_id", DEPARTMENT_COLUMNS)

    def apply(self, departments):
        outcome = SyncOutcome()
        outcome.total = len(departments)
        rows = self.table.load()
        names = {}
        for dept_id, dept in departments.items():
            stored = rows.get(dept_id)
            names[dept_id] = dept["name"] or (stored and stored["name"]) or str(dept_id)
        parents = {d: departments[d]["parentid"] for d in departments}
        paths = _paths(names, parents)
        wanted = {}
        for dept_id, dept in departments.items():
            values = {"wecom_id": dept_id, "name": names[dept_id], "parent_wecom_id": dept["parentid"],
                      "complete_name": " / ".join(paths[dept_id])}
            if dept.get("name_en") is not None:
                values["name_en"] = dept["name_en"] or None
            if dept.get("order") is not None:
                values["wecom_order"] = float(dept["order"])
            wanted[dept_id] = values
        # parents may arrive after their children: new departments get their ids first, so that
        # each row is written once, with its parent
        self.table.reserve_ids([dept_id for dept_id in departments if dept_id not in rows])
        for dept_id, values in wanted.items():
            values["parent_id"] = self.table.id_of(parents[dept_id])
        creates, updates, _unchanged, archive = self.table.plan(wanted)
        self.check_archive_threshold(_("departments"), len(archive))
        # parents before children: a page of the INSERT may only reference rows already inserted
        created = self.table.create(OrderedDict(sorted(creates.items(), key=lambda item: len(paths[item[0]]))))
        updated = self.table.update(updates)
        archived = self.table.archive(archive)
        return self.finish(outcome, len(wanted), created, updated, archived, (), DEPARTMENT_COLUMNS + ["active"])


class UserWriter(Writer):
    def __init__(self, env, archive_threshold, history=None):
        """``history``: a sync.history.MemberHistory that keeps what changed on each member (none
        for writes that are nobody's history, e.g. a benchmark)."""
        super(UserWriter, self).__init__(env, archive_threshold)
        self.table = BulkTable(env, "wecom.user", "userid", USER_COLUMNS, key_sql="lower(userid)",
                               quiet=("sync_fingerprint",))
        self.history = history

    def _department_ids(self):
        self.env.cr.execute("SELECT wecom_id, id FROM wecom_department")
        return dict(self.env.cr.fetchall())

    def _values(self, member, dept_ids, stored):
        values = {"userid": member["userid"]}
        if member.get("name"):
            values["name"] = member["name"]
        elif not stored:
            values["name"] = member["userid"]  # only the contact-sync secret sees this member
        for field in PLAIN_FIELDS:
            if field in member:
                values[field] = member[field] or None
        if member.get("status") is not None:
            values["status"] = str(member["status"])
        if member.get("main_department") is not None:
            values["main_department_id"] = dept_ids.get(int(member["main_department"]))
        for field in SENSITIVE_FIELDS:
            value = member.get(field)
            if value and not (field == "gender" and str(value) == "0"):
                values[field] = str(value)
        return values

    def apply(self, users, departments=None, complete=True):
        """``users``: {lower(userid): member}; ``departments``: the fetched departments, for their
        department_leader lists (optional). ``complete``: ``users`` is the whole directory, so the
        members missing from it are archived (False for the few members of contact-change events).

        Members whose fingerprint (sync/fingerprint.py) matches the stored one are unchanged and
        skipped; the others are diffed column by column and written in batches."""
        outcome = SyncOutcome()
        outcome.total = len(users)
        index = self.table.load_index()
        dept_ids = self._department_ids()
        led = self._led_departments(departments)
        if not index and complete and len(users) >= bulk.COPY_MIN:
            return self._first_import(outcome, users, dept_ids, led)
        todo, failed = self._changed_members(outcome, users, index, dept_ids, led)
        gone = [key for key, stored in index.items() if complete and stored[1] and key not in users]
        # archived lately under a userid WeCom does not know: maybe the same member, renamed
        revivable = self._recently_archived(users, index) if complete and any(k not in index for k in todo) else []
        self.table.load([key for key in list(todo) + gone + revivable if key in index])
        wanted, memberships, leaderships, direct_leaders = {}, {}, {}, {}
        for key, (member, fingerprint) in todo.items():
            wecom_depts = [int(d) for d in member.get("department") or []]
            wanted[key] = self._values(member, dept_ids, self.table.rows.get(key))
            wanted[key]["sync_fingerprint"] = fingerprint
            memberships[key] = set(dept_ids[d] for d in wecom_depts)
            flags = member.get("is_leader_in_dept") or []
            leaderships[key] = set(dept_ids[d] for d, flag in zip(wecom_depts, flags) if int(flag or 0) == 1)
            leaderships[key].update(dept_ids[d] for d in led.get(key, ()) if d in dept_ids)
            direct_leaders[key] = [u.lower() for u in member.get("direct_leader") or []]
        self._follow_renames(wanted, memberships, gone + revivable)
        creates, updates, unchanged, _archive = self.table.plan(wanted, archive_missing=False)
        archive = [key for key in gone if key in self.table.rows]  # renamed members were taken out
        self.check_archive_threshold(_("members"), len(archive), sum(1 for stored in index.values() if stored[1]))
        history = self.history
        if history is not None:  # before the writes, which update the stored rows
            for key, values in updates.items():
                history.compare(self.table.rows[key]["id"], self.table.rows[key], values, self.table.differs)
        created = self.table.create(creates)
        updated = set(self.table.update(updates))
        self.table.write_quiet(unchanged, wanted)
        archived = self._archive(archive)
        id_of = self.table.id_of
        fresh = set(created.values())
        relations_changed, moves = set(), {}
        relations_changed |= sync_relation(self.env.cr, "wecom_department_user_rel", "user_id", "department_id",
                                           {id_of(k): v for k, v in memberships.items()}, report=moves, fresh=fresh)
        if history is not None:
            # the first import is not history: each member's creation date says when it came
            first_import = not index
            for member_id in ([] if first_import else created.values()):
                history.add(member_id, "created")
            new_ids = set(created.values())
            for member_id, (before, after) in moves.items():
                if member_id not in new_ids:
                    history.departments(member_id, before, after)
            history.flush()
        relations_changed |= sync_relation(self.env.cr, "wecom_department_leader_rel", "user_id", "department_id",
                                           {id_of(k): v for k, v in leaderships.items()}, fresh=fresh)
        relations_changed |= sync_relation(
            self.env.cr, "wecom_user_direct_leader_rel", "user_id", "leader_id",
            {id_of(k): set(id_of(l) for l in leaders if id_of(l)) for k, leaders in direct_leaders.items()},
            fresh=fresh)
        self.finish(outcome, len(users) - len(failed), created, updated, archived, relations_changed,
                    USER_COLUMNS + ["active", "department_ids", "leader_department_ids", "direct_leader_ids"])
        return outcome

    def _first_import(self, outcome, users, dept_ids, led):
        """apply() on an empty mirror (a first sync), as the general path would do it: every member is
        new, so there is nothing to read back or compare; each member's row (values, fingerprint,
        relations) is made while COPY stores the rows before it, and the relations follow by COPY.
        A first import is not history (each member's creation date says when it came)."""
        failed = set(key for key in users if not self._check(outcome, users[key], dept_ids))
        keys = [key for key in users if key not in failed]
        present = set(keys)
        table = self.table
        table.reserve_ids(keys)
        id_of = table.reserved.get
        memberships, leaderships, direct_leaders = {}, {}, {}

        def rows():
            for key in keys:
                member = users[key]
                values = self._values(member, dept_ids, None)
                values["sync_fingerprint"] = member_fingerprint(member, led.get(key), present)
                member_id = id_of(key)
                wecom_depts = [int(d) for d in member.get("department") or []]
                memberships[member_id] = set(dept_ids[d] for d in wecom_depts)
                flags = member.get("is_leader_in_dept") or []
                leads = set(dept_ids[d] for d, flag in zip(wecom_depts, flags) if int(flag or 0) == 1)
                leads.update(dept_ids[d] for d in led.get(key, ()) if d in dept_ids)
                leaderships[member_id] = leads
                direct_leaders[member_id] = set(id_of(u.lower()) for u in member.get("direct_leader") or []
                                                if id_of(u.lower()))
                yield key, values
        created = table.copy_insert(rows())
        fresh = set(created.values())
        cr = self.env.cr
        sync_relation(cr, "wecom_department_user_rel", "user_id", "department_id", memberships, fresh=fresh)
        sync_relation(cr, "wecom_department_leader_rel", "user_id", "department_id", leaderships, fresh=fresh)
        sync_relation(cr, "wecom_user_direct_leader_rel", "user_id", "leader_id", direct_leaders, fresh=fresh)
        return self.finish(outcome, len(keys), created, set(), [], (),
                           USER_COLUMNS + ["active", "department_ids", "leader_department_ids", "direct_leader_ids"])

    def _changed_members(self, outcome, users, index, dept_ids, led):
        """({key: (member, fingerprint)} to diff and write, keys that cannot be synced): members whose
        fingerprint matches the stored one are left out, without reading their row."""
        failed = set(key for key in users if key not in index and not self._check(outcome, users[key], dept_ids))
        present = set(index).union(users).difference(failed)  # members with a record after this run
        todo = {}
        for key, member in users.items():
            if key in failed:
                continue
            fingerprint = member_fingerprint(member, led.get(key), present)
            stored = index.get(key)
            if stored is None or not stored[1] or stored[2] != fingerprint:
                # only a changed member can have lost a department (Odoo deletions clear fingerprints)
                if stored is not None and not self._check(outcome, member, dept_ids):
                    failed.add(key)
                    continue
                todo[key] = (member, fingerprint)
        return todo, failed

    def rename(self, old, new):
        """Follow a userid change WeCom announced (update_user with NewUserID): the record, its
        links and its Odoo user stay. Nothing happens when the new userid is already mirrored."""
        self.env.cr.execute("""
            UPDATE wecom_user SET userid = %s, write_uid = %s, write_date = now() at time zone 'UTC'
            WHERE lower(userid) = lower(%s)
              AND NOT EXISTS (SELECT 1 FROM wecom_user WHERE lower(userid) = lower(%s))
            RETURNING id""", (new, self.env.uid, old, new))
        renamed = [row[0] for row in self.env.cr.fetchall()]
        if self.history is not None:
            for member_id in renamed:
                self.history.add(member_id, "updated", "userid", old, new)
            self.history.flush()
        self.table.done(renamed, ["userid"])
        return bool(renamed)

    def _archive(self, keys):
        archived = self.table.archive(keys)
        if self.history is not None:
            for member_id in archived:
                self.history.add(member_id, "archived")
            self.history.flush()
        if archived:
            # archived members keep their departments (history) but no longer lead any
            self.env.cr.execute("DELETE FROM wecom_department_leader_rel WHERE user_id IN %s", (tuple(archived),))
        return archived

    def archive_keys(self, keys):
        """Archive the members of ``keys`` (lower-case userids) that WeCom deleted."""
        outcome = SyncOutcome()
        outcome.total = len(keys)
        rows = self.table.load(keys)
        archived = self._archive([key for key in keys if key in rows and rows[key]["active"]])
        outcome.archived = len(archived)
        outcome.unchanged = outcome.total - outcome.archived
        self.table.done(archived, ["active", "leader_department_ids"])
        return outcome

    @staticmethod
    def _check(outcome, member, dept_ids):
        """False, with the item error, when one of the member's departments is not mirrored."""
        unknown = [d for d in member.get("department") or [] if int(d) not in dept_ids]
        if unknown:
            outcome.error("user", member["userid"], _("Department %s is not in Odoo: run a department sync "
                                                      "first.") % ", ".join(str(d) for d in unknown))
        return not unknown

    @staticmethod
    def _led_departments(departments):
        """{lower(userid): sorted WeCom ids of the departments whose department_leader list names it}."""
        led = {}
        for dept in (departments or {}).values():
            for userid in dept.get("department_leader") or []:
                led.setdefault(userid.lower(), []).append(dept["id"])
        return {key: tuple(sorted(ids)) for key, ids in led.items()}

    def _recently_archived(self, users, index):
        """Lower-case userids of members archived in the last REVIVE_DAYS days that WeCom no longer
        lists: candidates for a rename that was missed (or a record renamed wrongly)."""
        self.env.cr.execute("SELECT lower(userid) FROM wecom_user WHERE NOT active "
                            "AND write_date > now() at time zone 'UTC' - %s * interval '1 day'", (REVIVE_DAYS,))
        return [key for (key,) in self.env.cr.fetchall() if key not in users and key in index]

    def _follow_renames(self, wanted, memberships, gone):
        """A member whose userid changed looks like one member gone and one new. Pair them when the
        match is unambiguous (same name and same departments), so the record, its links and its
        Odoo user stay. ``gone`` also holds members archived lately under a userid WeCom does not
        know (a rename missed, or applied from a forged event before events were confirmed)."""
        rows, index = self.table.rows, self.table.index
        new = [k for k in wanted if k not in index]
        if not gone or not new:
            return
        self.env.cr.execute("SELECT user_id, array_agg(department_id) FROM wecom_department_user_rel "
                            "WHERE user_id IN %s GROUP BY user_id", (tuple(rows[k]["id"] for k in gone),))
        depts_of = {uid: frozenset(depts) for uid, depts in self.env.cr.fetchall()}

        def signature_old(k):
            return rows[k]["name"], depts_of.get(rows[k]["id"], frozenset())

        def signature_new(k):
            return wanted[k].get("name"), frozenset(memberships[k])

        old_by_sig, new_by_sig = {}, {}
        for k in gone:
            old_by_sig.setdefault(signature_old(k), []).append(k)
        for k in new:
            new_by_sig.setdefault(signature_new(k), []).append(k)
        for sig, old_keys in old_by_sig.items():
            new_keys = new_by_sig.get(sig, [])
            if len(old_keys) == 1 and len(new_keys) == 1:
                rows[new_keys[0]] = rows.pop(old_keys[0])
                index[new_keys[0]] = index.pop(old_keys[0])


class TagWriter(Writer):
    def __init__(self, env, archive_threshold):
        super(TagWriter, self).__init__(env, archive_threshold)
        self.table = BulkTable(env, "wecom.tag", "wecom_id", TAG_COLUMNS)

    def apply(self, tags):
        outcome = SyncOutcome()
        outcome.total = len(tags)
        self.table.load()
        wanted = {tag_id: {"wecom_id": tag_id, "name": tag["tagname"]} for tag_id, tag in tags.items()}
        creates, updates, _unchanged, archive = self.table.plan(wanted)
        self.check_archive_threshold(_("tags"), len(archive))
        created = self.table.create(creates)
        updated = set(self.table.update(updates))
        archived = self.table.archive(archive)
        cr = self.env.cr
        cr.execute("SELECT lower(userid), id FROM wecom_user")
        user_ids = dict(cr.fetchall())
        cr.execute("SELECT wecom_id, id FROM wecom_department")
        dept_ids = dict(cr.fetchall())
        members, parties = {}, {}
        for tag_id, tag in tags.items():
            tag_odoo_id = self.table.id_of(tag_id)
            members[tag_odoo_id] = set(user_ids[u.lower()] for u in tag["userids"] if u.lower() in user_ids)
            parties[tag_odoo_id] = set(dept_ids[d] for d in tag["partyids"] if d in dept_ids)
            missing = [u for u in tag["userids"] if u.lower() not in user_ids]
            missing += [str(d) for d in tag["partyids"] if d not in dept_ids]
            if missing:
                outcome.warn("tag", tag_id, _("Tag %(tag)s: members not in Odoo (sync members and departments "
                                              "first): %(missing)s")
                             % {"tag": tag["tagname"], "missing": ", ".join(missing)})
        fresh = set(created.values())
        changed = sync_relation(cr, "wecom_tag_user_rel", "tag_id", "user_id", members, fresh=fresh)
        changed |= sync_relation(cr, "wecom_tag_department_rel", "tag_id", "department_id", parties, fresh=fresh)
        self.finish(outcome, len(wanted), created, updated, archived, changed, TAG_COLUMNS + ["active", "member_ids"])
        return outcome
