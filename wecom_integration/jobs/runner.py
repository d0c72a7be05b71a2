"""Claim, run and take over wecom.job rows. Every coordination is in PostgreSQL, none in memory,
so prefork workers, threads and several Odoo servers on one database share the queue safely.

A job is claimed by a "holder" connection: ``FOR UPDATE SKIP LOCKED`` picks a due row nobody else
is claiming, a session-level advisory lock (JOB_LOCK_NAMESPACE, id) is taken, the row is marked
running and committed. The lock is held while the job runs in a transaction of its own, and
released after the outcome is written. When the process dies (kill -9, a recycled or timed-out
worker, a lost server) PostgreSQL drops the connection and with it the lock: ``reap`` finds
running jobs whose lock is free and hands them back (or fails them after the last attempt).
"""
import json
import logging
import os
import socket
import time
import traceback
from collections import namedtuple
from contextlib import closing

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api

from ..compat import new_cursor
from ..cursors import own_cursor

_logger = logging.getLogger(__name__)

JOB_LOCK_NAMESPACE = 0x57C1  # first key of the two-key advisory lock; sync runs use 0x57C0 and 0x57C2
Job = namedtuple("Job", "id job_type attempts max_attempts payload")


def _worker():
    """host:pid of this process, read at each claim: prefork workers are forks of the master that
    imported this module, so a value computed at import would name the master."""
    return "%s:%s" % (socket.gethostname(), os.getpid())


class RetryLater(Exception):
    """The job could not be done now: run it again later (after ``delay`` seconds, or the job
    type's next retry delay), unless it has had all its attempts. What the job wrote before
    raising it is kept (committed): a partial delivery, the attempts counted on events."""

    def __init__(self, message, delay=None):
        super(RetryLater, self).__init__(message)
        self.delay = delay


class JobFailed(Exception):
    """The job cannot succeed: fail it now, without further attempts."""


def _job_types():
    from ..models.wecom_job import JOB_TYPES  # the model module imports this one
    return JOB_TYPES


# ---------------------------------------------------------------------- cursors
class _Holder(object):
    """The claiming connection: READ COMMITTED (after a SKIP LOCKED claim the row must be read
    as just committed), committed after each step. In HttpCase's test mode it is the one shared
    test cursor, which must neither commit nor roll back what the test and the request did."""

    def __init__(self, registry):
        self.test_mode = registry.in_test_mode()
        self.cr = registry.cursor() if self.test_mode else new_cursor(registry, serialized=False)
        self.dbname = self.cr.dbname

    def execute(self, query, params=None, log_exceptions=None):
        self.cr.execute(query, params, log_exceptions=log_exceptions)

    def fetchone(self):
        return self.cr.fetchone()

    def fetchall(self):
        return self.cr.fetchall()

    def commit(self):
        if not self.test_mode:
            self.cr.commit()  # pylint: disable=invalid-commit  # the claiming connection of its own, never a request's

    def rollback(self):
        if not self.test_mode:
            self.cr.rollback()

    def close(self):
        if self.test_mode:
            self.cr.release()
        else:
            self.cr.close()


# ---------------------------------------------------------------------- running
def run_job(registry, job_id=None):
    """Claim and run one due job (``job_id``, or the next due one); True if one ran."""
    with closing(_Holder(registry)) as holder:
        job = _claim(holder, job_id)
        if job is None:
            return False
        try:
            outcome = _execute(registry, job)
            _finish(holder, job, *outcome)
        finally:
            _unlock(holder, job.id)
    return True


def _unlock(holder, job_id):
    """Release the job's advisory lock, even after a failed statement: the lock belongs to the
    session, and a pooled connection would keep it (the job would look alive until the process ends)."""
    holder.rollback()  # what _finish did is committed; an aborted transaction would refuse the unlock
    holder.execute("SELECT pg_advisory_unlock(%s, %s)", (JOB_LOCK_NAMESPACE, job_id))
    holder.commit()


def run_due(registry, budget=45.0):
    """Run due jobs one after the other until none is left or ``budget`` seconds have passed."""
    deadline, count = time.time() + budget, 0
    while time.time() < deadline and run_job(registry):
        count += 1
    return count


def run_requested(dbname, job_ids):
    """Run the jobs a request queued (after its response was sent); the cron does what is left."""
    with api.Environment.manage():
        try:
            registry = odoo.registry(dbname)
            for job_id in job_ids:
                run_job(registry, job_id)
        except Exception:  # the answer is sent already: log it, the cron retries
            _logger.exception("WeCom background jobs %s could not run after the response", job_ids)


def _claim(holder, job_id):
    holder.execute("""SELECT id, job_type, attempts, max_attempts, payload FROM wecom_job
                      WHERE state = 'pending' AND eta <= now() at time zone 'UTC' %s
                      ORDER BY eta, id LIMIT 1 FOR UPDATE SKIP LOCKED""" % ("AND id = %s" if job_id else ""),
                   (job_id,) if job_id else ())
    row = holder.fetchone()
    if row is None:
        holder.rollback()
        return None
    holder.execute("SELECT pg_try_advisory_lock(%s, %s)", (JOB_LOCK_NAMESPACE, row[0]))
    if not holder.fetchone()[0]:  # cannot happen while the row lock is ours; be safe anyway
        holder.rollback()
        return None
    holder.execute("""UPDATE wecom_job SET state = 'running', attempts = attempts + 1, worker = %s,
                             date_started = now() at time zone 'UTC', write_date = now() at time zone 'UTC'
                      WHERE id = %s""", (_worker(), row[0]))
    holder.commit()  # the row lock goes, the advisory lock stays: others now see "running"
    return Job(row[0], row[1], row[2] + 1, row[3], json.loads(row[4] or "{}"))


def _execute(registry, job):
    """Run the job's method in a transaction of its own; returns (state, error, retry delay)."""
    model, method, delays = _job_types()[job.job_type]
    try:
        with api.Environment.manage(), own_cursor(registry) as cr, cr.savepoint():
            env = api.Environment(cr, SUPERUSER_ID, {"wecom_job_id": job.id})
            try:
                getattr(env[model], method)(job, **job.payload)
            except RetryLater as error:  # inside the savepoint: what the job did is kept
                retry = error
            else:
                retry = None
        if retry is not None:
            return "retry", str(retry), retry.delay
        return "done", None, None
    except JobFailed as error:
        return "failed", str(error), None
    except Exception as error:  # unexpected: retried like a transient failure, with its traceback logged
        _logger.exception("WeCom job %s (%s) failed", job.id, job.job_type)
        return "retry", "%s: %s\n%s" % (type(error).__name__, error, traceback.format_exc(limit=5)), None


def _finish(holder, job, state, error, delay):
    delays = _job_types()[job.job_type][2]
    if state == "retry":
        if job.attempts < job.max_attempts:
            if delay is None:
                delay = delays[min(job.attempts, len(delays)) - 1] if delays else 60
            if _requeue(holder, job, error, delay):
                holder.commit()
                return
            # a job of the same identity key was queued while this one ran (one pending job per
            # key): that one does this one's work, no later than this retry would have
            holder.execute("""UPDATE wecom_job SET eta = least(eta, now() at time zone 'UTC' + %s * interval '1 second')
                              WHERE state = 'pending'
                                AND identity_key = (SELECT identity_key FROM wecom_job WHERE id = %s)""",
                           (delay, job.id))
            state, error = "done", "Left to the job of the same kind queued meanwhile. %s" % (error or "")
        else:
            state = "failed"
    holder.execute("""UPDATE wecom_job SET state = %s, error_message = %s, date_done = now() at time zone 'UTC'
                      WHERE id = %s""", (state, error, job.id))
    holder.commit()
    if state == "failed":
        _on_failed(holder, job, error)


def _requeue(holder, job, error, delay):
    """Make the job pending again, to run after ``delay`` seconds; False (nothing changed) when a
    pending job of the same identity key exists (the unique index wecom_job_pending_identity)."""
    holder.execute("SAVEPOINT wecom_job_requeue")
    try:
        holder.execute("""UPDATE wecom_job SET state = 'pending', error_message = %s,
                                 eta = now() at time zone 'UTC' + %s * interval '1 second'
                          WHERE id = %s""", (error, delay, job.id), log_exceptions=False)
    except psycopg2.IntegrityError:
        holder.execute("ROLLBACK TO SAVEPOINT wecom_job_requeue")
        return False
    holder.execute("RELEASE SAVEPOINT wecom_job_requeue")
    return True


def _on_failed(holder, job, error):
    """Let the job's model record the failure (``<method>_failed(job, error, **payload)``)."""
    model, method, _delays = _job_types()[job.job_type]
    registry = odoo.registry(holder.dbname)
    try:
        with api.Environment.manage(), own_cursor(registry) as cr, cr.savepoint():
            hook = getattr(api.Environment(cr, SUPERUSER_ID, {})[model], method + "_failed", None)
            if hook:
                hook(job, error, **job.payload)
    except Exception:
        _logger.exception("WeCom job %s: recording its failure failed", job.id)


# ---------------------------------------------------------------------- taking over
def reap(registry):
    """Hand back the running jobs whose process died (their advisory lock is free); returns how many."""
    reaped = 0
    with closing(_Holder(registry)) as holder:
        holder.execute("SELECT id FROM wecom_job WHERE state = 'running' ORDER BY id")
        for (job_id,) in holder.fetchall():
            holder.execute("SELECT pg_try_advisory_lock(%s, %s)", (JOB_LOCK_NAMESPACE, job_id))
            if not holder.fetchone()[0]:
                continue  # alive
            try:
                holder.execute("""SELECT id, job_type, attempts, max_attempts, payload FROM wecom_job
                                  WHERE id = %s AND state = 'running' FOR UPDATE""", (job_id,))
                row = holder.fetchone()
                if row:
                    job = Job(row[0], row[1], row[2], row[3], json.loads(row[4] or "{}"))
                    _logger.warning("WeCom job %s (%s) was interrupted (its process died)", job_id, job.job_type)
                    _finish(holder, job, "retry", "Interrupted: the process running it stopped.", None)
                    reaped += 1
            finally:
                _unlock(holder, job_id)
    return reaped


# ---------------------------------------------------------------------- after the response
def run_after_response(env, job_id):
    """Run ``job_id`` once the current request's answer is sent (its transaction committed).

    Outside a request (cron, shell) the cron runs it within a minute. In Odoo's test mode (one
    shared transaction, never committed) it runs once the request's answer is built
    (models/ir_http.py), or at once outside a request."""
    from odoo.http import request
    in_request = bool(request) and getattr(request, "db", None) == env.cr.dbname
    if env.registry.in_test_mode() and not in_request:
        run_job(env.registry, job_id)
        return
    if not in_request:
        return
    pending = getattr(request, "_wecom_job_ids", None)
    if pending is None:
        pending = request._wecom_job_ids = []
    if job_id not in pending:
        pending.append(job_id)
