"""A member's history: what changed on it, when and through which run (wecom.user.change).

The member writer tells it what it is about to write (the stored row and the new values); it keeps
one row per field that differs and inserts them all at once when the writer is done, in the run's
transaction, so a run that rolls back leaves no history either. Values are kept as text: names for
departments (a department may be renamed or deleted later), WeCom's codes for selections (shown
with their label, in the reader's language, by the model).
"""
from .bulk import NOW, run_values

# the member columns whose changes are kept (a fingerprint is not something a person changed)
TRACKED = ("userid", "name", "alias", "position", "telephone", "status", "main_department_id", "mobile",
           "email", "biz_mail", "avatar", "gender")


def _text(value):
    if value in (None, False, ""):
        return None
    return value if isinstance(value, str) else str(value)


class MemberHistory(object):
    """Collects the changes of one run; ``flush()`` writes them."""

    def __init__(self, env, log_id=None, origin="sync"):
        self.env = env
        self.log_id = log_id
        self.origin = origin
        self.rows = []
        self._department_names = None

    def department_name(self, department_id):
        if self._department_names is None:
            self.env.cr.execute("SELECT id, complete_name FROM wecom_department")
            self._department_names = dict(self.env.cr.fetchall())
        return self._department_names.get(department_id) or (department_id and str(department_id))

    def add(self, member_id, kind, field=None, old=None, new=None):
        self.rows.append((member_id, kind, field, _text(old), _text(new)))

    def compare(self, member_id, stored, values, differs):
        """One "updated" row per tracked column of ``values`` that ``differs(stored, new, column)``;
        a "restored" row first when the stored row was archived."""
        if not stored["active"]:
            self.add(member_id, "restored")
        for column in TRACKED:
            if column not in values or not differs(stored.get(column), values[column], column):
                continue
            old, new = stored.get(column), values[column]
            if column == "main_department_id":
                old, new = self.department_name(old), self.department_name(new)
            self.add(member_id, "updated", column, old, new)

    def departments(self, member_id, old_ids, new_ids):
        """The member's departments changed (names, sorted, as one value each side)."""
        def names(ids):
            return ", ".join(sorted(self.department_name(i) for i in ids)) or None
        self.add(member_id, "updated", "department_ids", names(old_ids), names(new_ids))

    def flush(self):
        if not self.rows:
            return 0
        uid = self.env.uid
        rows = [row + (self.origin, self.log_id, uid, uid) for row in self.rows]
        run_values(self.env.cr, (
            "INSERT INTO wecom_user_change (member_id, kind, field_name, old_value, new_value, origin, log_ref, "
            "create_uid, write_uid, date, create_date, write_date) VALUES %s"),
            rows, "(%%s, %%s, %%s, %%s, %%s, %%s, %%s, %%s, %%s, %s, %s, %s)" % (NOW, NOW, NOW))
        count, self.rows = len(self.rows), []
        return count
