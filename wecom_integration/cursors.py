"""Writing records that must outlive the caller's transaction (sync logs, sent messages).

Such records are written through a cursor of their own and committed at once. The caller's
transaction, being REPEATABLE READ and older, cannot see them; `visible_record` hands it a
record read through READ COMMITTED cursors that open on demand (CommittedReader).
The Odoo-version details (new cursors, commit hooks) are in compat.py.
"""
from contextlib import closing, contextmanager

import psycopg2

from odoo import SUPERUSER_ID, api

from .compat import after_commit, after_rollback, new_cursor

# The caller's transaction may hold locks that our writes need (it updated a row we reference):
# waiting for it would wait forever, since the caller waits for us. Give up after this long.
LOCK_TIMEOUT_MS = 5000


class CallerHoldsLock(Exception):
    """The caller's own transaction locks a row this write needs."""


@contextmanager
def own_cursor(registry, serialized=True):
    """A new cursor committed when the block ends without error, closed in any case.

    In HttpCase's test mode every request shares one test transaction, whose "commit" releases
    the savepoints the caller may be inside: there, the shared cursor is lent as it is.
    """
    if registry.in_test_mode():
        cr = registry.cursor()  # takes the test cursor's lock
        try:
            yield cr
        finally:
            cr.release()
        return
    with closing(new_cursor(registry, serialized)) as cr:
        yield cr
        cr.commit()  # pylint: disable=invalid-commit  # our own cursor: what was written here must survive the caller


@contextmanager
def own_env(env, uid=SUPERUSER_ID, serialized=True):
    """An environment on a cursor of its own, committed when the block ends without error.

    ``serialized=False`` gives READ COMMITTED, for queue workers that claim rows other workers
    have just changed. Raises CallerHoldsLock when a lock is not granted within LOCK_TIMEOUT_MS.
    """
    with own_cursor(env.registry, serialized=serialized) as cr:
        if not env.registry.in_test_mode():
            cr.execute("SET LOCAL lock_timeout = %s", (LOCK_TIMEOUT_MS,))
        try:
            yield api.Environment(cr, uid, dict(env.context))
        except psycopg2.OperationalError as error:
            if getattr(error, "pgcode", None) != "55P03":  # lock_not_available
                raise
            raise CallerHoldsLock(str(error)) from error




def visible_record(env, model, record_id):
    """``env[model].browse(record_id)``, readable although committed after ``env``'s snapshot, and
    still readable after the caller commits (``log = sync_departments(); cr.commit(); log.status``)."""
    if env.registry.in_test_mode():
        return env[model].browse(record_id)  # HttpCase: one shared test transaction
    reader = getattr(env.cr, "_wecom_reader", None)
    if reader is None:
        reader = env.cr._wecom_reader = CommittedReader(env)  # one per caller cursor
    record = env[model].with_env(env(cr=reader)).browse(record_id)
    record.invalidate_cache(ids=[record_id])
    return record


class CommittedReader(object):
    """A cursor for reading what was committed after the caller's snapshot: every use goes to a
    READ COMMITTED cursor, opened on demand and closed when the caller's transaction ends (the
    next use after that opens another one)."""

    def __init__(self, env):
        self._env = env
        self._cr = None

    def __getattr__(self, name):
        if self._cr is None or self._cr.closed:
            self._cr = new_cursor(self._env.registry, serialized=False)
            after_commit(self._env, self.close)
            after_rollback(self._env, self.close)
        return getattr(self._cr, name)

    def close(self):
        if self._cr is not None and not self._cr.closed:
            self._cr.close()
