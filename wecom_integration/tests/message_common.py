"""Message tests need a committed directory mirror: sent messages are recorded in a cursor of
their own, and their recipients must exist outside the test transaction, as they do in life."""
import unittest
from contextlib import closing

import responses

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests.common import get_db_name

from wecom_emulator import Emulator
from wecom_emulator.testing import install

from ..sync.writers import DepartmentWriter, TagWriter, UserWriter
from ..wecom.client import WecomClient
from ..wecom.directory import fetch_departments, fetch_tags, fetch_users
from .common import EMULATOR_URL, WecomTransactionCase, delete_since, emulator_settings, table_marks

MIRROR_TABLES = ("wecom_message", "wecom_job", "wecom_tag", "wecom_user", "wecom_department")


MIRROR_MARKS = {}


def commit_mirror(directory="demo"):
    """Mirror an emulator corp into the test database, committed. Only into an empty mirror: the
    tests must not mix their demo corp with a real one (nor delete it afterwards)."""
    registry = odoo.registry(get_db_name())
    with closing(registry.cursor()) as cr:
        cr.execute("SELECT count(*) FROM wecom_user")
        if cr.fetchone()[0]:
            raise unittest.SkipTest("These tests need an empty WeCom directory mirror in database %s."
                                    % cr.dbname)
    MIRROR_MARKS.update(table_marks(registry, MIRROR_TABLES))
    emulator = Emulator(directory=directory)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emulator, base_url=EMULATOR_URL)
        client = WecomClient(emulator.corp_id, emulator.app.secret, base_url=EMULATOR_URL)
        departments = fetch_departments(client)
        users = fetch_users(client, departments)
        tags = fetch_tags(client)
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        DepartmentWriter(env, 100).apply(departments)
        UserWriter(env, 100).apply(users, departments)
        TagWriter(env, 100).apply(tags)
        cr.commit()


def commit_settings(**values):
    """Committed settings, as background work (its own transactions) reads them; returns the
    values they replace."""
    with closing(odoo.registry(get_db_name()).cursor()) as cr:
        config = api.Environment(cr, SUPERUSER_ID, {})["wecom.config"]
        previous = {name: config._get_stored(name) for name in values}
        for name, value in values.items():
            config._set_stored(name, value)
        cr.commit()
    return previous


def drop_mirror():
    """Delete what the tests mirrored (rows above the marks commit_mirror took), and the messages."""
    if not MIRROR_MARKS:
        return
    delete_since(odoo.registry(get_db_name()), dict(MIRROR_MARKS))
    MIRROR_MARKS.clear()


class CommittedSettingsMixin(object):
    """The emulator's settings committed for the whole class (background work reads committed
    settings), and what was there before put back afterwards."""

    @classmethod
    def setUpClass(cls):
        super(CommittedSettingsMixin, cls).setUpClass()
        emulator = Emulator(directory="empty")
        cls._saved_settings = commit_settings(**emulator_settings(emulator))

    @classmethod
    def tearDownClass(cls):
        commit_settings(**cls._saved_settings)
        super(CommittedSettingsMixin, cls).tearDownClass()


class MessageCase(CommittedSettingsMixin, WecomTransactionCase):
    mirror_directory = "demo"

    @classmethod
    def setUpClass(cls):
        super(MessageCase, cls).setUpClass()
        commit_mirror(cls.mirror_directory)

    @classmethod
    def tearDownClass(cls):
        drop_mirror()
        super(MessageCase, cls).tearDownClass()

    def setUp(self):
        super(MessageCase, self).setUp()
        self.Message = self.env["wecom.message"]

    def committed_messages(self):
        """(id, status) of every message, as another session sees them."""
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT id, status FROM wecom_message ORDER BY id")
            return cr.fetchall()

    def inbox(self, userid):
        return self.emulator.inbox(userid)

    def last_sent(self):
        return self.emulator.messages[-1]
