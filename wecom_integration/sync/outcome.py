"""What one sync run did: counts and per-item errors, summed over departments, members and tags."""


class SyncRefused(Exception):
    """The run would do something unsafe (e.g. archive most of the directory): nothing is written."""


class SyncOutcome(object):
    COUNTS = ("total", "created", "updated", "archived", "unchanged", "failed")

    def __init__(self):
        for name in self.COUNTS:
            setattr(self, name, 0)
        self.errors = []  # (record_type, wecom id, message)

    def error(self, record_type, ref, message):
        """The record could not be synced."""
        self.errors.append((record_type, str(ref), message))
        self.failed += 1

    def warn(self, record_type, ref, message):
        """The record was synced, but not completely (the run ends "partial")."""
        self.errors.append((record_type, str(ref), message))

    def merge(self, other):
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        return self

    def log_values(self):
        values = dict(("%s_count" % name, getattr(self, name)) for name in self.COUNTS)
        values["error_ids"] = [(0, 0, {"record_type": t, "record_ref": ref, "message": message})
                               for t, ref, message in self.errors]
        return values

