"""Shared test setup: Odoo talks to the WeCom emulator in-process through `responses`.

Nothing reaches the network: the addon is configured with a base URL on a reserved test host,
and `responses` routes those requests into the emulator's WSGI app. Requests to the local Odoo
server (HttpCase) pass through.
"""
import os
from contextlib import closing

import responses

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests.common import HttpCase, TransactionCase, at_install, post_install, get_db_name

from wecom_emulator import Emulator
from wecom_emulator.testing import install

from ..models.wecom_config import ENV_VARS

EMULATOR_URL = "http://wecom-emulator.test/cgi-bin"
WECOM_ENV_VARS = [var for names in ENV_VARS.values() for var in names]


# rows the addon commits through cursors of its own: they outlive the test transaction
OWN_CURSOR_TABLES = ("wecom_sync_log", "wecom_message", "wecom_job", "wecom_callback_event", "wecom_app_event")


def table_marks(registry, tables=OWN_CURSOR_TABLES):
    """{table: highest id} now: what a test may delete afterwards is above it."""
    with closing(registry.cursor()) as cr:
        marks = {}
        for table in tables:
            cr.execute('SELECT coalesce(max(id), 0) FROM "%s"' % table)  # pylint: disable=sql-injection  # our table names
            marks[table] = cr.fetchone()[0]
        return marks


def delete_since(registry, marks, corp_id=None):
    """Delete the rows committed after ``marks`` (the test's own), never what was there before:
    the tests may run in a database that is not a test database. Tokens of the emulator's corp
    (a corp id no real company has) go too."""
    if registry.in_test_mode():
        return  # HttpCase: everything happened in the one test transaction, which is rolled back
    with closing(registry.cursor()) as cr:
        for table, mark in marks.items():
            cr.execute('DELETE FROM "%s" WHERE id > %%s' % table, (mark,))
        if corp_id:
            cr.execute("DELETE FROM wecom_access_token WHERE corp_id = %s", (corp_id,))
        cr.commit()


def restore_env(var, value):
    if value is None:
        os.environ.pop(var, None)
    else:
        os.environ[var] = value


def make_user(env, login, *groups, **values):
    """A user in ``groups`` (xml ids of this module, or module.xml_id), internal unless ``base``
    says otherwise, with the password ``login-pw`` unless ``password`` is given."""
    base = values.pop("base", "base.group_user")
    group_ids = [env.ref(base).id] + [env.ref(g if "." in g else "wecom_integration." + g).id for g in groups]
    values.setdefault("password", login + "-pw")
    return env["res.users"].with_context(no_reset_password=True).create(
        dict(values, name=values.get("name", login), login=login, groups_id=[(6, 0, group_ids)]))


def emulator_settings(emulator, contact_secret=False):
    """The addon's settings for ``emulator``: every call answered at once, retries without waiting."""
    return dict(corp_id=emulator.corp_id, agent_id=str(emulator.app.agent_id), secret=emulator.app.secret,
                contact_secret=emulator.contact_secret if contact_secret else "", base_url=EMULATOR_URL,
                timeout="5", retry_backoff="0,0,0", rate_limit_backoff="0")


class EmulatorMixin(object):
    """Start an emulator, route WeCom calls into it and configure the addon for it."""

    emulator_directory = "demo"
    configure_contact_secret = False

    def setUp(self):
        super(EmulatorMixin, self).setUp()
        saved_env = {var: os.environ.pop(var) for var in WECOM_ENV_VARS if var in os.environ}
        self.addCleanup(os.environ.update, saved_env)
        self.emulator = Emulator(directory=self.emulator_directory)
        self.rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.rsps.add_passthru("http://127.0.0.1")
        install(self.rsps, self.emulator, base_url=EMULATOR_URL)
        self.rsps.start()
        self.addCleanup(self.rsps.stop)
        delete_since(self.registry, {}, self.emulator.corp_id)  # a token left by an earlier emulator
        self.addCleanup(delete_since, self.registry, table_marks(self.registry), self.emulator.corp_id)
        self.set_wecom_params(**emulator_settings(self.emulator, self.configure_contact_secret))

    def set_wecom_params(self, **values):
        config = self.env["wecom.config"]
        for name, value in values.items():
            config._set_stored(name, value)

    def set_env(self, **variables):
        """Set environment variables for this test only."""
        for var, value in variables.items():
            self.addCleanup(restore_env, var, os.environ.get(var))
            os.environ[var] = value


@at_install(False)
@post_install(True)
class MirrorMixin(object):
    """Find mirrored records as a test names them (archived ones included)."""

    def department(self, wecom_id):
        return self.env["wecom.department"].with_context(active_test=False).search([("wecom_id", "=", wecom_id)])

    def member(self, userid):
        return self.env["wecom.user"].with_context(active_test=False).search([("userid", "=ilike", userid)])


# Odoo's own runner (--test-enable) runs at_install tests inside the module update, whose
# transaction is still open: tests that commit (own cursors, background jobs) would wait on its
# locks. After the install they see what a deployment sees.
@at_install(False)
@post_install(True)
class WecomTransactionCase(EmulatorMixin, TransactionCase):
    pass


class CommittedUsersMixin(object):
    """Users committed before the tests start, as real users are: records written in a cursor of
    their own (sync logs, sent messages) refer to them, so they must exist outside the test
    transaction. USERS maps a short name to the xml ids (in this module) of its groups."""

    USERS = {}

    @classmethod
    def setUpClass(cls):
        super(CommittedUsersMixin, cls).setUpClass()
        cls.user_ids = {}
        with closing(odoo.registry(get_db_name()).cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for name, groups in cls.USERS.items():
                user = make_user(env, "wecom_test_" + name, *groups, name=name)
                cls.user_ids[name] = (user.id, user.partner_id.id)
            cr.commit()

    @classmethod
    def tearDownClass(cls):
        with closing(odoo.registry(get_db_name()).cursor()) as cr:
            for user_id, partner_id in cls.user_ids.values():
                cr.execute("UPDATE wecom_user SET odoo_user_id = NULL WHERE odoo_user_id = %s", (user_id,))
                cr.execute("DELETE FROM wecom_sync_log WHERE user_id = %s", (user_id,))
                cr.execute("DELETE FROM res_users WHERE id = %s", (user_id,))
                cr.execute("DELETE FROM res_partner WHERE id = %s", (partner_id,))
            cr.commit()
        super(CommittedUsersMixin, cls).tearDownClass()

    def committed_user(self, name):
        return self.env["res.users"].browse(self.user_ids[name][0])


@at_install(False)
@post_install(True)
class SharedCursorHttpCase(HttpCase):
    """HttpCase whose test code and HTTP requests share one transaction.

    Odoo 11's HttpCase gives the test a cursor of its own and the server the registry's test
    cursor, so records made by the test are invisible to the requests. Here the test uses the
    test cursor too (and releases its lock, which each request takes in turn).
    """

    def setUp(self):
        super(SharedCursorHttpCase, self).setUp()
        self.cr.close()
        self.cr = self.registry.cursor()
        self.cr.release()
        self.env = api.Environment(self.cr, self.uid, {})
        # TransactionCase's own cleanup rolls back and closes self.cr after the test cursor is gone:
        # hand it a plain cursor to close (the test cursor is rolled back by leave_test_mode)
        self.addCleanup(self._plain_cursor_for_cleanup)

    def _plain_cursor_for_cleanup(self):
        self.cr = self.registry._db.cursor()
