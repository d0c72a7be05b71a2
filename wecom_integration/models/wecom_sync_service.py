"""Directory sync: fetch everything from WeCom first, then write only the difference.

The writes happen in the caller's transaction (cron, button, API) inside a savepoint, so a run
that fails part-way leaves the mirror exactly as it was. The sync log is written through a
cursor of its own: it shows "running" while the run goes on and keeps "failed" after a crash.
One run per kind at a time: a PostgreSQL advisory lock held by the caller's transaction.
"""
import json
import logging
import queue
import threading
import time
from collections import namedtuple
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..sync.bulk import invalidate_all
from ..sync.events import apply_events as apply_contact_events
from ..sync.outcome import SyncOutcome, SyncRefused
from ..sync.writers import DepartmentWriter, TagWriter, UserWriter
from ..wecom.directory import fetch_departments, fetch_tags, fetch_users
from ..wecom.errors import WecomError
from .own_cursor import CallerHoldsLock, after_rollback, own_cursor, own_env, visible_record

_logger = logging.getLogger(__name__)

KINDS = {"department": ("department",), "user": ("user",), "tag": ("tag",),
         "all": ("department", "user", "tag"), "event": ("department", "user", "tag")}
LOCK_NAMESPACE = 0x57C0  # "WeCom": first key of the two-key advisory lock
LOCK_KEYS = {"department": 1, "user": 2, "tag": 3}
PERMISSION_GROUPS = {
    "department": "wecom_integration.wecom_group_sync_department",
    "user": "wecom_integration.wecom_group_sync_user",
    "tag": "wecom_integration.wecom_group_sync_user",  # tags are groupings of members
    "all": "wecom_integration.wecom_group_sync_all",
    "event": "wecom_integration.wecom_group_sync_all",  # callbacks apply them as the superuser
}
RETRY_DELAYS = (120, 600, 1800)  # seconds before automatic retries 1, 2 and 3
# what a run's work needs: WeCom clients and the settings read once per run
Clients = namedtuple("Clients", "app contact threshold user_match")


class WecomSyncError(UserError):
    """A sync run failed; its log (``log_id``) says why. Nothing was changed in the mirror."""

    def __init__(self, message, log_id=None, cause=None, reason=None):
        super(WecomSyncError, self).__init__(message)
        self.log_id = log_id
        self.cause = cause
        self.reason = reason or message  # what went wrong, without the "... sync failed" prefix


class WecomSyncBusy(UserError):
    """Another run of the same kind holds the lock."""


class WecomSyncService(models.AbstractModel):
    _name = "wecom.sync.service"
    _description = "WeCom directory sync"

    # ------------------------------------------------------------------ public API
    @api.model
    def sync_departments(self, trigger="manual"):
        return self._run("department", trigger)

    @api.model
    def sync_users(self, trigger="manual"):
        return self._run("user", trigger)

    @api.model
    def sync_tags(self, trigger="manual"):
        return self._run("tag", trigger)

    @api.model
    def sync_all(self, trigger="manual"):
        return self._run("all", trigger)

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

    @api.model
    def _cron_retry_failed(self, now=None):
        """Retry runs that failed for a transient reason once their retry time has come."""
        now = now or fields.Datetime.now()
        # read and mark in the log's own cursor: the logs were committed there
        with self._log_env() as env:
            due = env["wecom.sync.log"].search(
                [("status", "=", "failed"), ("retry_at", "!=", False), ("retry_at", "<=", now),
                 ("retried", "=", False)], order="retry_at")
            due.write({"retried": True})
            todo = [(log.id, log.sync_type, log.attempt) for log in due]
        for log_id, sync_type, attempt in todo:
            self._run_quietly(sync_type, "retry", attempt=attempt + 1, retry_of=log_id)

    def _run_quietly(self, sync_type, trigger, **kwargs):
        if not self.env["wecom.config"].is_configured():
            _logger.info("WeCom is not configured: scheduled %s sync skipped", sync_type)
            return
        try:
            self._run(sync_type, trigger, **kwargs)
        except (WecomSyncError, WecomSyncBusy) as error:
            _logger.warning("WeCom %s sync (%s) did not complete: %s", sync_type, trigger, error)

    # ------------------------------------------------------------------ the run
    def _run(self, sync_type, trigger, attempt=1, retry_of=None, on_start=None, work=None):
        """One sync run with its lock and log. ``work(env, clients, outcome)`` does the fetching
        and writing (default: the directory sync of ``sync_type``)."""
        self._check_permission(sync_type)
        kinds = KINDS[sync_type]
        self._lock(kinds)
        started_by = False if trigger in ("cron", "retry", "callback") else self.env.uid  # nobody started it
        log_id = self._log_create({"sync_type": sync_type, "trigger": trigger, "attempt": attempt,
                                   "retry_of_id": retry_of, "user_id": started_by})
        if on_start:
            on_start(log_id)
        started = time.time()
        try:
            config = self.env["wecom.config"]
            settings = config.get_settings()
            clients = Clients(app=config.get_client("app", settings),
                              contact=config.get_client("contact", settings) if settings["contact_secret"] else None,
                              threshold=config.get_archive_threshold(), user_match=config.get_user_match())
            outcome = SyncOutcome()
            env = self.sudo().env  # permission checked above; the mirror is system data
            with self.env.cr.savepoint():
                (work or self._sync_directory(kinds))(env, clients, outcome)
        except (WecomError, SyncRefused, UserError) as error:
            invalidate_all(self.env)
            return self._fail(log_id, sync_type, started, error, attempt)
        except Exception as error:
            invalidate_all(self.env)
            _logger.exception("WeCom %s sync crashed", sync_type)
            return self._fail(log_id, sync_type, started, error, attempt)
        values = outcome.log_values()
        values.update(status="partial" if outcome.errors else "success", **self._timing(started))
        self._log_write(log_id, values)
        # the mirror is only saved when the caller's transaction commits
        message = _("The transaction that ran this sync was rolled back: nothing was saved.")
        after_rollback(self.env, lambda: self._log_mark_rolled_back(log_id, message))
        return visible_record(self.env, "wecom.sync.log", log_id)

    @staticmethod
    def _sync_directory(kinds):
        def work(env, clients, outcome):
            app, contact, threshold = clients.app, clients.contact, clients.threshold
            departments = fetch_departments(app, contact)
            if "department" in kinds:
                outcome.merge(DepartmentWriter(env, threshold).apply(departments))
            if "user" in kinds:
                users = fetch_users(app, departments, contact)
                outcome.merge(UserWriter(env, threshold).apply(users, departments))
                env["wecom.user"]._link_odoo_users(clients.user_match)
            if "tag" in kinds:
                outcome.merge(TagWriter(env, threshold).apply(fetch_tags(app)))
        return work

    @api.model
    def apply_events(self, events):
        """Apply contact-change events (wecom.callback.event) in one run logged as "event" /
        "callback"; marks them applied, or to retry. Returns the log, or None when another sync
        holds the directory (the events stay pending for the next try)."""
        payloads = [json.loads(event.payload) for event in events]

        def work(env, clients, outcome):
            outcome.merge(apply_contact_events(env, payloads, clients.app, clients.contact, clients.threshold))
            env["wecom.user"]._link_odoo_users(clients.user_match)

        try:
            log = self.sudo()._run("event", "callback", work=work)
        except WecomSyncBusy:
            return None
        except WecomSyncError as error:
            events._mark(self.env["wecom.sync.log"].browse(error.log_id), error.reason)
            return visible_record(self.env, "wecom.sync.log", error.log_id)
        events._mark(log)
        return log

    def _fail(self, log_id, sync_type, started, error, attempt):
        message = error.name if isinstance(error, UserError) else str(error)
        values = dict(status="failed", error_message=message, **self._timing(started))
        # failed events are retried by their own cron (wecom.callback.event), not as a sync
        if isinstance(error, WecomError) and error.transient and attempt <= len(RETRY_DELAYS) and sync_type != "event":
            retry_at = datetime.utcnow() + timedelta(seconds=RETRY_DELAYS[attempt - 1])
            values["retry_at"] = fields.Datetime.to_string(retry_at)
        self._log_write(log_id, values)
        raise WecomSyncError(self._failed_label(sync_type) % message, log_id=log_id, cause=error, reason=message)

    def _failed_label(self, sync_type):
        return {"department": _("Department sync failed: %s"), "user": _("Member sync failed: %s"),
                "tag": _("Tag sync failed: %s"), "all": _("Full sync failed: %s"),
                "event": _("Applying WeCom contact changes failed: %s")}[sync_type]

    @staticmethod
    def _timing(started):
        return {"end_date": fields.Datetime.now(), "duration": round(time.time() - started, 3)}

    def _check_permission(self, sync_type):
        if self.env.uid != SUPERUSER_ID and not self.env.user.has_group(PERMISSION_GROUPS[sync_type]):
            group = self.env.ref(PERMISSION_GROUPS[sync_type])
            raise AccessError(_("You are not allowed to run this WeCom sync: it needs the group \"%s\".")
                              % group.name)

    def _lock(self, kinds):
        for kind in kinds:
            self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_KEYS[kind]))
            if not self.env.cr.fetchone()[0]:
                labels = dict(self.env["wecom.sync.log"]._fields["sync_type"]._description_selection(self.env))
                raise WecomSyncBusy(_("A sync of this kind is already running (%s). Wait for it to finish: "
                                      "its progress is in WeCom > Sync Logs.") % labels[kind])

    # ------------------------------------------------------------------ the log, in its own cursor
    def _log_env(self):
        return own_env(self.env)

    def _log_create(self, values):
        try:
            with self._log_env() as env:
                return env["wecom.sync.log"].create(values).id
        except CallerHoldsLock:
            raise UserError(_("The sync cannot write its log while this transaction is changing your user "
                              "record: save your other changes first, then sync."))

    def _log_write(self, log_id, values):
        with self._log_env() as env:
            env["wecom.sync.log"].browse(log_id).write(values)

    def _log_mark_rolled_back(self, log_id, message):
        with own_cursor(self.pool) as cr:
            cr.execute("UPDATE wecom_sync_log SET status = 'failed', error_message = %s "
                       "WHERE id = %s AND status IN ('success', 'partial')", (message, log_id))

    @api.model
    def start_in_background(self, sync_type, trigger="api"):
        """Start a run in a thread and transaction of its own; return its log once it is running,
        for the caller to poll. Raises WecomSyncBusy at once if a run of this kind is going on."""
        self._check_permission(sync_type)
        if self.pool.in_test_mode():
            return self._run(sync_type, trigger)  # HttpCase: one shared test cursor, so run inline
        started = queue.Queue()
        dbname, uid, context = self.env.cr.dbname, self.env.uid, dict(self.env.context)

        def work():
            with api.Environment.manage():
                try:
                    with odoo.registry(dbname).cursor() as cr:  # committed when the run ends well
                        api.Environment(cr, uid, context)[self._name]._run(sync_type, trigger, on_start=started.put)
                except Exception as error:  # the log says what happened; tell the waiting caller too
                    started.put(error)

        threading.Thread(target=work, name="wecom-%s-sync" % sync_type, daemon=True).start()
        first = started.get(timeout=60)
        if isinstance(first, Exception):
            raise first
        return visible_record(self.env, "wecom.sync.log", first)

    # ------------------------------------------------------------------ buttons and menu actions
    @api.model
    def action_sync(self, sync_type):
        """Run a sync now and open its log (the counts are on it)."""
        log = self._run(sync_type, "manual")
        return {
            "type": "ir.actions.act_window",
            "name": _("Sync result"),
            "res_model": "wecom.sync.log",
            "res_id": log.id,
            "view_mode": "form",
            "view_type": "form",
            "target": "current",
        }
