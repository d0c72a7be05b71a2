"""Message tests need a committed directory mirror: sent messages are recorded in a cursor of
their own, and their recipients must exist outside the test transaction, as they do in life."""
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
from .common import EMULATOR_URL, WecomTransactionCase

MIRROR_TABLES = ("wecom_message", "wecom_tag", "wecom_user", "wecom_department")


def commit_mirror(directory="demo"):
    """Mirror an emulator corp into the test database, committed."""
    emulator = Emulator(directory=directory)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emulator, base_url=EMULATOR_URL)
        client = WecomClient(emulator.corp_id, emulator.app.secret, base_url=EMULATOR_URL)
        departments = fetch_departments(client)
        users = fetch_users(client, departments)
        tags = fetch_tags(client)
    with closing(odoo.registry(get_db_name()).cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        DepartmentWriter(env, 100).apply(departments)
        UserWriter(env, 100).apply(users, departments)
        TagWriter(env, 100).apply(tags)
        cr.commit()


def commit_settings(**values):
    """Committed settings, as the outbox cron (its own transaction) reads them."""
    with closing(odoo.registry(get_db_name()).cursor()) as cr:
        config = api.Environment(cr, SUPERUSER_ID, {})["wecom.config"]
        for name, value in values.items():
            config.set_stored(name, value)
        cr.commit()


def drop_mirror():
    with closing(odoo.registry(get_db_name()).cursor()) as cr:
        for table in MIRROR_TABLES:
            cr.execute("DELETE FROM %s" % table)
        cr.commit()


class MessageCase(WecomTransactionCase):
    mirror_directory = "demo"

    @classmethod
    def setUpClass(cls):
        super(MessageCase, cls).setUpClass()
        drop_mirror()
        commit_mirror(cls.mirror_directory)
        emulator = Emulator(directory="empty")
        commit_settings(corp_id=emulator.corp_id, agent_id=str(emulator.app.agent_id), secret=emulator.app.secret,
                        base_url=EMULATOR_URL, timeout="5", retry_backoff="0,0,0", rate_limit_backoff="0")

    @classmethod
    def tearDownClass(cls):
        drop_mirror()
        commit_settings(corp_id="", agent_id="", secret="", base_url="", timeout="", retry_backoff="",
                        rate_limit_backoff="")
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
