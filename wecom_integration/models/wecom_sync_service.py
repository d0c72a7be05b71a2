"""Directory sync: fetch everything from WeCom first, then write only the difference.

The writes happen in the caller's transaction (cron, button, API) inside a savepoint, so a run
that fails part-way leaves the mirror exactly as it was. The sync log is written through a
cursor of its own: it shows "running" while the run goes on and keeps "failed" after a crash.
One run per kind at a time: a PostgreSQL advisory lock held by the caller's transaction.
"""
import json
import logging
import time
from collections import namedtuple
from datetime import datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..compat import after_rollback, as_user, form_action, invalidate_all
from ..sync.events import apply_events as apply_contact_events, event_members
from ..sync.outcome import SyncOutcome, SyncRefused
from ..sync.history import MemberHistory
from ..sync.writers import DepartmentWriter, TagWriter, UserWriter
from ..wecom import health
from ..wecom.directory import fetch_departments, fetch_tags, fetch_users, fetch_users_export
from ..wecom.export import ExportFailed, ExportReader
from ..wecom.errors import WecomError
from ..jobs.runner import run_after_response
from ..exceptions import WecomSyncBusy, WecomSyncError
from ..cursors import CallerHoldsLock, own_cursor, own_env, visible_record

_logger = logging.getLogger(__name__)

KINDS = {"department": ("department",), "user": ("user",), "tag": ("tag",),
         "all": ("department", "user", "tag"), "event": ("department", "user", "tag")}
LOCK_NAMESPACE = 0x57C0  # "WeCom": first key of the two-key advisory lock
LOCK_KEYS = {"department": 1, "user": 2, "tag": 3}
# held by the transaction of a running sync for its log: a "running" log whose lock is free belongs
# to a process that died (kill -9, a recycled worker) and is marked interrupted
RUN_LOCK_NAMESPACE = 0x57C2
PUBLIC_TRIGGERS = ("manual", "api")
PUBLIC_SYNC_TYPES = ("department", "user", "tag", "all")  # "event" is the contact changes' own run
EVENT_LOCK_WAIT_MS = 5000  # contact changes wait this long for a running sync, then their job retries (a
# worker blocked longer is a worker lost to requests, in prefork)
PERMISSION_GROUPS = {
    "department": "wecom_integration.wecom_group_sync_department",
    "user": "wecom_integration.wecom_group_sync_user",
    "tag": "wecom_integration.wecom_group_sync_user",  # tags are groupings of members
    "all": "wecom_integration.wecom_group_sync_all",
    "event": "wecom_integration.wecom_group_sync_all",  # callbacks apply them as the superuser
}
RETRY_DELAYS = (120, 600, 1800)  # seconds before automatic retries 1, 2 and 3
# what a run's work is given: the WeCom clients and the settings read once for the run
RunSetup = namedtuple("RunSetup", "app contact threshold user_match progress log_id fetch record")
# how a run fetches the members: mode (auto / export / per_department), the auto threshold in members,
# the longest wait for an export job
FetchSettings = namedtuple("FetchSettings", "mode threshold max_wait")


class RunReport(object):
    """What a running sync has done so far, one line per kind, written on its log as it goes (the
    log form follows it): "Members: 53 fetched from WeCom", then "Members: 53 fetched, 2 created,
    1 updated, 0 archived, 50 unchanged"."""

    def __init__(self, publish):
        self.publish, self.lines, self.label, self.count = publish, [], None, 0

    def note(self, text):
        self.lines.append(text)
        self.publish("\n".join(self.lines))

    def fetched(self, label, count):
        self.label, self.count = label, count
        self.lines.append(_("%(kind)s: %(count)s fetched from WeCom, writing...") % {"kind": label, "count": count})
        self.publish("\n".join(self.lines))

    def written(self, outcome):
        self.lines[-1] = (_("%(kind)s: %(count)s fetched, %(created)s created, %(updated)s updated, %(archived)s "
                            "archived, %(unchanged)s unchanged, %(failed)s failed")
                          % {"kind": self.label, "count": self.count, "created": outcome.created,
                             "updated": outcome.updated, "archived": outcome.archived,
                             "unchanged": outcome.unchanged, "failed": outcome.failed})
        self.publish("\n".join(self.lines))
        return outcome


def _use_export(env, fetch, departments):
    """Whether a full sync reads the members through export jobs."""
    if fetch.mode != "auto":
        return fetch.mode == "export"
    threshold = max(fetch.threshold, 1)
    if len(departments) * 10 >= threshold:
        return True
    env.cr.execute("SELECT count(*) FROM wecom_user")
    return env.cr.fetchone()[0] >= threshold


def _fetch_members(env, setup, departments, report):
    """The members of a full sync: through export jobs for a large directory (or when the settings say
    so), else one user/list per department; a failed export falls back to the latter in the same run,
    and the log says which path was used and why."""
    if not _use_export(env, setup.fetch, departments):
        setup.record({"fetch_mode": "per_department"})
        return fetch_users(setup.app, departments, setup.contact)
    try:
        users = fetch_users_export(setup.app, setup.contact, ExportReader(setup.app, max_wait=setup.fetch.max_wait))
    except (ExportFailed, KeyError, TypeError, ValueError, AttributeError) as error:
        reason = getattr(error, "reason", "format")
        detail = str(error) if isinstance(error, ExportFailed) else "%s: %s" % (type(error).__name__, error)
        _logger.warning("WeCom export of the members failed (%s: %s): fetching per department instead", reason, detail)
        note = (_("The export job failed (%(reason)s: %(detail)s); the members were fetched per department instead.")
                % {"reason": reason, "detail": detail})
        report.note(note)
        setup.record({"fetch_mode": "fallback", "fetch_note": note})
        return fetch_users(setup.app, departments, setup.contact)
    setup.record({"fetch_mode": "export"})
    return users


class WecomSyncService(models.AbstractModel):
    _name = "wecom.sync.service"
    _description = "WeCom directory sync"

    # ------------------------------------------------------------------ public API
    @api.model
    def sync_departments(self, trigger="manual"):
        return self.run_sync("department", trigger)

    @api.model
    def sync_users(self, trigger="manual"):
        return self.run_sync("user", trigger)

    @api.model
    def sync_tags(self, trigger="manual"):
        return self.run_sync("tag", trigger)

    @api.model
    def sync_all(self, trigger="manual"):
        return self.run_sync("all", trigger)

    @api.model
    def run_sync(self, sync_type, trigger="manual"):
        """Run a sync of ``sync_type`` ("department", "user", "tag" or "all") now, as ``trigger``
        ("manual" or "api"), and return its log: the one entry point of every synchronous run
        (the sync_* methods, the menus, the JSON API). start_sync queues one instead."""
        self._check_sync_type(sync_type)
        if trigger not in PUBLIC_TRIGGERS:
            raise UserError(_("A sync can be started as %(allowed)s, not %(trigger)r.")
                            % {"allowed": " or ".join(PUBLIC_TRIGGERS), "trigger": trigger})
        return self._run(sync_type, trigger)

    @api.model
    def start_sync(self, sync_type, trigger="manual"):
        """Queue a sync run in the background and return its log at once ("queued", then
        "running" and its outcome), for the caller to open or poll. Raises WecomSyncBusy at once
        when a run of this kind is going on or queued."""
        self._check_sync_type(sync_type)
        if trigger not in PUBLIC_TRIGGERS:
            raise UserError(_("A sync can be started as %(allowed)s, not %(trigger)r.")
                            % {"allowed": " or ".join(PUBLIC_TRIGGERS), "trigger": trigger})
        self._check_idle(KINDS[sync_type])  # busy now: 409 at once
        self._check_not_queued(KINDS[sync_type])
        log_id = self._queue_run(sync_type, trigger, started_by=self.env.uid)
        return visible_record(self.env, "wecom.sync.log", log_id)

    def _check_idle(self, kinds):
        """Raise WecomSyncBusy when a run holds one of ``kinds``, without keeping the lock (the
        queued run takes it once this transaction has ended)."""
        for kind in kinds:
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS[kind]))
            if self.env.cr.fetchone()[0]:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS[kind]))
            else:
                self._lock([kind])  # raises the "already running" error

    def _check_not_queued(self, kinds):
        # queued logs are committed by other transactions: read them as they are now
        with own_cursor(self.pool, serialized=False) as cr:
            cr.execute("SELECT sync_type FROM wecom_sync_log WHERE status = 'queued'")
            queued_types = [row[0] for row in cr.fetchall()]
        for queued in queued_types:
            if set(KINDS[queued]).intersection(kinds):
                raise WecomSyncBusy(_("A sync of this kind is already queued: its log is in WeCom > Sync Logs."))

    def _queue_run(self, sync_type, trigger, started_by=False, attempt=1, retry_of=None, eta=None):
        """Queue a run: its log ("queued") and its job, committed at once (the caller may roll
        back: a retry is planned by a run that failed). Returns the log id."""
        with self._log_env() as env:
            log = env["wecom.sync.log"].create({
                "sync_type": sync_type, "trigger": trigger, "status": "queued", "attempt": attempt,
                "retry_of_id": retry_of, "user_id": started_by,
                "start_date": fields.Datetime.to_string(eta) if eta else fields.Datetime.now()})
            job_id = env["wecom.job"]._enqueue(
                "sync", log.name, eta=eta, res_model="wecom.sync.log", res_id=log.id, run_after_response=False,
                payload={"sync_type": sync_type, "trigger": trigger, "log_id": log.id, "attempt": attempt,
                         "retry_of": retry_of, "user_id": started_by or None})
            log_id = log.id
        if eta is None:  # committed above: it may run as soon as this request has answered
            run_after_response(self.env, job_id)
        return log_id

    # ------------------------------------------------------------------ background job
    @api.model
    def _job_sync(self, job, sync_type, trigger, log_id, attempt=1, retry_of=None, user_id=None):
        """Run a queued sync (wecom.job "sync"); its outcome is on its log, a failure plans its retry."""
        service = as_user(self, user_id) if user_id else self
        try:
            service._run(sync_type, trigger, attempt=attempt, retry_of=retry_of, log_id=log_id)
        except WecomSyncError:  # pylint: disable=except-pass
            pass  # the log says why, and a transient failure has its retry queued
        except UserError as error:  # busy, or the user who queued it may no longer sync: say so on the log
            self._log_write(log_id, dict(status="failed", error_message=error.name, **self._timing(time.time())))

    @api.model
    def _job_sync_failed(self, job, error, log_id=None, sync_type=None, attempt=1, **_payload):
        """The job died before its run could report (its process was killed): its log must not
        stay queued or running, and the run is retried like a transient failure. The job is reaped
        before _reap_interrupted_runs looks at the running logs, so this is where a killed
        background sync is retried."""
        if not log_id:
            return
        with own_cursor(self.pool, serialized=False) as cr:  # committed before _plan_retry writes the log
            cr.execute("""UPDATE wecom_sync_log SET status = 'failed', error_message = %s,
                                 end_date = now() at time zone 'UTC'
                          WHERE id = %s AND status IN ('queued', 'running')""", (error, log_id))
            failed = cr.rowcount
        if failed and sync_type in KINDS and sync_type != "event":
            _logger.warning("WeCom %s sync (log %s) was interrupted: retrying", sync_type, log_id)
            self._plan_retry(log_id, sync_type, attempt)

    # ------------------------------------------------------------------ scheduler entry points
    @api.model
    def _cron_sync_all(self):
        self._run_quietly("all", "cron")

    @api.model
    def _cron_sync_users(self):
        self._run_quietly("user", "cron")

    @api.model
    def _cron_sync_departments(self):
        self._run_quietly("department", "cron")

    def _run_quietly(self, sync_type, trigger, **kwargs):
        if not self.env["wecom.config"]._is_configured():
            _logger.info("WeCom is not configured: scheduled %s sync skipped", sync_type)
            return
        try:
            self._run(sync_type, trigger, **kwargs)
        except (WecomSyncError, WecomSyncBusy) as error:
            _logger.warning("WeCom %s sync (%s) did not complete: %s", sync_type, trigger, error)

    # ------------------------------------------------------------------ the run
    def _run(self, sync_type, trigger, attempt=1, retry_of=None, work=None, log_id=None, wait_for_lock=False):
        """One sync run with its lock and log. ``work(env, setup, outcome)`` does the fetching
        and writing (default: the directory sync of ``sync_type``). ``log_id``: the log of a
        queued run; ``wait_for_lock``: wait for a running sync instead of raising WecomSyncBusy."""
        self._check_permission(sync_type)
        kinds = KINDS[sync_type]
        self._lock(kinds, wait=wait_for_lock)
        started_by = False if trigger in ("cron", "retry", "callback") else self.env.uid  # nobody started it
        if log_id is None:
            log_id = self._log_create({"sync_type": sync_type, "trigger": trigger, "attempt": attempt,
                                       "retry_of_id": retry_of, "user_id": started_by})
        else:
            self._hold_run_lock(log_id)
            self._log_write(log_id, {"status": "running", "start_date": fields.Datetime.now()})
        started = time.time()
        try:
            config = self.env["wecom.config"]
            settings = config._get_settings()
            setup = RunSetup(app=config._get_client("app", settings),
                              contact=config._get_client("contact", settings) if settings["contact_secret"] else None,
                              threshold=config._get_archive_threshold(), user_match=config._get_user_match(),
                              progress=lambda text: self._log_write(log_id, {"progress": text}), log_id=log_id,
                              fetch=FetchSettings(settings["fetch_mode"], int(settings["export_threshold"]),
                                                  config._get_export_max_wait()),
                              record=lambda values: self._log_write(log_id, values))
            outcome = SyncOutcome()
            env = self.sudo().env  # permission checked above; the mirror is system data
            with self.env.cr.savepoint():
                (work or self._sync_directory(kinds))(env, setup, outcome)
        except (WecomError, SyncRefused, UserError) as error:
            invalidate_all(self.env)
            raise self._failure(log_id, sync_type, started, error, attempt) from error
        except Exception as error:
            invalidate_all(self.env)
            _logger.exception("WeCom %s sync crashed", sync_type)
            raise self._failure(log_id, sync_type, started, error, attempt) from error
        values = outcome.log_values()
        values.update(status="partial" if outcome.errors else "success", **self._timing(started))
        self._log_write(log_id, values)
        # the mirror is only saved when the caller's transaction commits
        message = _("The transaction that ran this sync was rolled back: nothing was saved.")
        after_rollback(self.env, lambda: self._log_mark_rolled_back(log_id, message))
        return visible_record(self.env, "wecom.sync.log", log_id)

    @staticmethod
    def _sync_directory(kinds):
        def work(env, setup, outcome):
            app, contact, threshold = setup.app, setup.contact, setup.threshold
            report = RunReport(setup.progress)
            departments = fetch_departments(app, contact)
            if "department" in kinds:
                report.fetched(_("Departments"), len(departments))
                outcome.merge(report.written(DepartmentWriter(env, threshold).apply(departments)))
            if "user" in kinds:
                users = _fetch_members(env, setup, departments, report)
                report.fetched(_("Members"), len(users))
                history = MemberHistory(env, setup.log_id, "sync")
                outcome.merge(report.written(UserWriter(env, threshold, history).apply(users, departments)))
                env["wecom.user"]._link_odoo_users(setup.user_match)
                env["wecom.user"].with_context(active_test=False).search([])._after_directory_change(full_sync=True)
                # what WeCom withholds, from what was just read: kept on the run's log (its own
                # cursor, no row every sync would write) for the settings page
                env["wecom.sync.service"]._log_write(setup.log_id, {"directory_health": json.dumps(
                    health.from_directory(departments, users, contact is not None))})
            if "tag" in kinds:
                tags = fetch_tags(app)
                report.fetched(_("Tags"), len(tags))
                outcome.merge(report.written(TagWriter(env, threshold).apply(tags)))
        return work

    @api.model
    def _apply_events(self, events):
        """Apply contact-change events (wecom.callback.event) in one run logged as "event" /
        "callback"; marks them applied, or to retry. Returns the log, or None when another sync
        holds the directory (the events stay pending for the next try)."""
        payloads = [json.loads(event.payload) for event in events]

        def work(env, setup, outcome):
            history = MemberHistory(env, setup.log_id, "contact_change")
            outcome.merge(apply_contact_events(env, payloads, setup.app, setup.contact, setup.threshold, history))
            env["wecom.user"]._link_odoo_users(setup.user_match)
            env["wecom.user"]._by_userids(event_members(payloads))._after_directory_change()

        try:
            log = self.sudo()._run("event", "callback", work=work, wait_for_lock=True)
        except WecomSyncBusy:
            return None
        except WecomSyncError as error:
            events._mark(self.env["wecom.sync.log"].browse(error.log_id), error.reason)
            return visible_record(self.env, "wecom.sync.log", error.log_id)
        events._mark(log)
        return log

    def _failure(self, log_id, sync_type, started, error, attempt):
        """Record a failed run (and plan its retry when the cause is transient); returns the
        WecomSyncError for the caller to raise."""
        message = error.name if isinstance(error, UserError) else str(error)
        values = dict(status="failed", error_message=message, **self._timing(started))
        self._log_write(log_id, values)
        # failed events are retried as events (their job), not as a sync
        if isinstance(error, WecomError) and error.transient and sync_type != "event":
            self._plan_retry(log_id, sync_type, attempt)
        return WecomSyncError(self._failed_label(sync_type) % message, log_id=log_id, reason=message)

    def _plan_retry(self, log_id, sync_type, attempt):
        """Queue the next attempt of a run that failed for a transient reason (or was interrupted),
        after 2, 10 and 30 minutes; each attempt has a log of its own."""
        if attempt > len(RETRY_DELAYS):
            return None
        retry_at = datetime.utcnow() + timedelta(seconds=RETRY_DELAYS[attempt - 1])
        self._log_write(log_id, {"retry_at": fields.Datetime.to_string(retry_at)})
        return self._queue_run(sync_type, "retry", attempt=attempt + 1, retry_of=log_id, eta=retry_at)

    # ------------------------------------------------------------------ runs that died
    @api.model
    def _reap_interrupted_runs(self):
        """Mark failed ("interrupted") the running logs whose process died, and retry them like a
        transient failure. A running sync holds its log's advisory lock (RUN_LOCK_NAMESPACE) in
        its transaction; PostgreSQL releases it when that connection goes."""
        reaped = []
        with own_cursor(self.pool, serialized=False) as cr:
            cr.execute("SELECT id, sync_type, attempt FROM wecom_sync_log WHERE status = 'running' ORDER BY id")
            for log_id, sync_type, attempt in cr.fetchall():
                cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (RUN_LOCK_NAMESPACE, log_id))
                if not cr.fetchone()[0]:
                    continue  # its run goes on
                cr.execute("""UPDATE wecom_sync_log SET status = 'failed', error_message = %s,
                                     end_date = now() at time zone 'UTC'
                              WHERE id = %s AND status = 'running'""",
                           (_("Interrupted: the process running this sync stopped (restarted, killed or out of "
                              "memory) before it finished. Nothing was saved."), log_id))
                if cr.rowcount:
                    reaped.append((log_id, sync_type, attempt))
        for log_id, sync_type, attempt in reaped:
            _logger.warning("WeCom %s sync (log %s) was interrupted: retrying", sync_type, log_id)
            if sync_type != "event":  # the events stay pending: their job applies them again
                self._plan_retry(log_id, sync_type, attempt)
        return len(reaped)

    def _failed_label(self, sync_type):
        return {"department": _("Department sync failed: %s"), "user": _("Member sync failed: %s"),
                "tag": _("Tag sync failed: %s"), "all": _("Full sync failed: %s"),
                "event": _("Applying WeCom contact changes failed: %s")}[sync_type]

    @staticmethod
    def _timing(started):
        return {"end_date": fields.Datetime.now(), "duration": round(time.time() - started, 3)}

    def _check_sync_type(self, sync_type):
        """A sync a user may start: the permission first (a caller without any sync group learns
        nothing about the arguments), then the type."""
        self._check_permission(sync_type)
        if sync_type not in PUBLIC_SYNC_TYPES:
            raise UserError(_("Unknown sync type %(type)r: use one of %(types)s.")
                            % {"type": sync_type, "types": ", ".join(PUBLIC_SYNC_TYPES)})

    def _check_permission(self, sync_type):
        if self.env.uid == SUPERUSER_ID:
            return
        xmlid = PERMISSION_GROUPS.get(sync_type) if isinstance(sync_type, str) else None
        if xmlid is None:  # not a sync type: only someone who may run some sync hears why
            if not any(self.env.user.has_group(group) for group in set(PERMISSION_GROUPS.values())):
                raise AccessError(_("You are not allowed to run WeCom syncs."))
            return
        if not self.env.user.has_group(xmlid):
            raise AccessError(_("You are not allowed to run this WeCom sync: it needs the group \"%(group)s\".")
                              % {"group": self.env.ref(xmlid).sudo().name})

    def _lock(self, kinds, wait=False):
        for kind in kinds:
            if wait and self._wait_for_lock(kind):
                continue
            self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS[kind]))
            if not self.env.cr.fetchone()[0]:
                labels = dict(self.env["wecom.sync.log"]._fields["sync_type"]._description_selection(self.env))
                raise WecomSyncBusy(_("A sync of this kind is already running (%s). Wait for it to finish: "
                                      "its progress is in WeCom > Sync Logs.") % labels[kind])

    def _wait_for_lock(self, kind):
        """Wait (up to EVENT_LOCK_WAIT_MS) for the run holding ``kind``; False on timeout."""
        self.env.cr.execute("SAVEPOINT wecom_lock_wait")
        try:
            self.env.cr.execute("SET LOCAL lock_timeout = %s", (EVENT_LOCK_WAIT_MS,))
            self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS[kind]),
                                log_exceptions=False)
        except psycopg2.OperationalError:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT wecom_lock_wait")
            return False
        self.env.cr.execute("SET LOCAL lock_timeout = 0")
        self.env.cr.execute("RELEASE SAVEPOINT wecom_lock_wait")
        return True

    def _hold_run_lock(self, log_id):
        """This transaction runs the sync of ``log_id``: hold its liveness lock until it ends."""
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (RUN_LOCK_NAMESPACE, log_id))

    # ------------------------------------------------------------------ the log, in its own cursor
    def _log_env(self):
        return own_env(self.env)

    def _log_create(self, values):
        """The "running" log of a run in this transaction, committed at once in a cursor of its own;
        the run's liveness lock is taken before that commit, so no one sees it running unlocked."""
        try:
            with self._log_env() as env:
                log_id = env["wecom.sync.log"].create(values).id
                self._hold_run_lock(log_id)
                return log_id
        except CallerHoldsLock as error:
            raise UserError(_("The sync cannot write its log while this transaction is changing your user "
                              "record: save your other changes first, then sync.")) from error

    def _log_write(self, log_id, values):
        with self._log_env() as env:
            env["wecom.sync.log"].browse(log_id).write(values)

    def _log_mark_rolled_back(self, log_id, message):
        with own_cursor(self.pool) as cr:
            cr.execute("UPDATE wecom_sync_log SET status = 'failed', error_message = %s "
                       "WHERE id = %s AND status IN ('success', 'partial')", (message, log_id))

    # ------------------------------------------------------------------ buttons and menu actions
    @api.model
    def action_sync(self, sync_type):
        """Start a sync in the background (a job, run right after this answer) and open its log at
        once: the form follows the run to its end (static/src/js/refresh_while_running.js)."""
        log = self.start_sync(sync_type, "manual")
        return form_action("wecom.sync.log", log.id, _("Sync run"))
