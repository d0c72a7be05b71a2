"""Two approvers decide at the same moment, in two real transactions (two workers applying their
clicks): the second waits on the approval's row lock, then finds it decided and changes nothing.

Everything here is committed, as in production: the directory mirror, the users, the approval,
the clicks (wecom.app.event rows), so that two connections see them. The order is forced without
any timing: the first transaction decides and stays open; the second is started and observed
waiting on a lock in pg_stat_activity; only then does the first commit.
"""
import threading
from contextlib import closing

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests.common import get_db_name

from ..compat import new_cursor
from .common import CommittedUsersMixin
from .message_common import MessageCase

WAIT_ROUNDS = 600  # times 0.1 s: how long the second transaction may take to reach the lock


class TestTwoApproversAtOnce(CommittedUsersMixin, MessageCase):

    USERS = {"wang": ("base.group_partner_manager",), "liu": ("base.group_partner_manager",)}

    def setUp(self):
        super(TestTwoApproversAtOnce, self).setUp()
        self.registry = odoo.registry(get_db_name())
        # button cards need the app's callback in WeCom; the clicks are handed to Odoo below
        self.emulator.set_app_callback(self.emulator.app.agent_id, "http://127.0.0.1:9/unused", "token",
                                       "bWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", verify=False)
        with self.committed() as env:
            for name, userid in (("wang", "wangqiang"), ("liu", "liuyan")):
                env["wecom.user"].search([("userid", "=", userid)]).odoo_user_id = self.user_ids[name][0]
            self.partner_id = env["res.partner"].create({"name": "新供应商 B", "active": False}).id
            users = env["res.users"].browse([self.user_ids["wang"][0], self.user_ids["liu"][0]])
            approval = env["wecom.approval"].request(env["res.partner"].browse(self.partner_id), users,
                                                     "Approve a supplier", approve="toggle_active",
                                                     refuse="unlink", pending_domain=[("active", "=", False)])
            self.approval_id, self.message_id = approval.id, approval.message_ref
        self.addCleanup(self.cleanup)

    def committed(self, serialized=True):
        """An environment on a connection of its own, committed when the block ends."""
        registry = self.registry

        class Committed(object):
            def __enter__(inner):
                inner.cr = new_cursor(registry, serialized)
                return api.Environment(inner.cr, SUPERUSER_ID, {})

            def __exit__(inner, kind, value, traceback):
                if kind is None:
                    inner.cr.commit()
                inner.cr.close()
        return Committed()

    def cleanup(self):
        with self.committed() as env:
            env.cr.execute("DELETE FROM wecom_app_event WHERE message_id = %s", (self.message_id,))
            env.cr.execute("DELETE FROM wecom_approval WHERE id = %s", (self.approval_id,))
            env.cr.execute("DELETE FROM res_partner WHERE id = %s", (self.partner_id,))

    def click(self, userid, key="approve"):
        """The member's tap as WeCom delivers it, stored as the callback stores it; the event id."""
        with self.committed() as env:
            msgid = env["wecom.message"].browse(self.message_id).call_ids.mapped("msgid")[0]
            event = self.emulator.click(msgid, userid, key=key)["event"]  # its delivery goes nowhere
            fields = dict((name, str(value)) for name, value in event.items())
            return env["wecom.app.event"]._receive(fields, "concurrency-%s" % fields["ResponseCode"]).id

    def apply(self, env, event_id):
        env["wecom.approval"]._wecom_card_event(env["wecom.app.event"].browse(event_id))

    def test_the_second_waits_then_changes_nothing(self):
        first, second = self.click("wangqiang"), self.click("liuyan")
        outcome = {}
        with closing(new_cursor(self.registry, serialized=False)) as cr_a:  # as the event job's own_env
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            self.apply(env_a, first)  # decided, not committed yet: the row stays locked
            cr_a.execute("SELECT pg_backend_pid()")
            pid_a = cr_a.fetchone()[0]

            def second_worker():
                with api.Environment.manage(), closing(new_cursor(self.registry, serialized=False)) as cr_b:
                    cr_b.execute("SELECT pg_backend_pid()")
                    outcome["pid"] = cr_b.fetchone()[0]
                    try:
                        self.apply(api.Environment(cr_b, SUPERUSER_ID, {}), second)
                        cr_b.commit()
                        outcome["done"] = True
                    except Exception as error:  # pylint: disable=broad-except  # reported by the test
                        outcome["error"] = error

            worker = threading.Thread(target=second_worker)
            worker.start()
            with self.committed(serialized=False) as watcher:
                for _round in range(WAIT_ROUNDS):
                    watcher.cr.execute("""SELECT count(*) FROM pg_stat_activity
                                          WHERE pid = %s AND wait_event_type = 'Lock'""",
                                       (outcome.get("pid", 0),))
                    if watcher.cr.fetchone()[0] or "done" in outcome or "error" in outcome:
                        break
                    watcher.cr.execute("SELECT pg_sleep(0.1)")
                else:
                    self.fail("the second transaction never waited on the approval's lock")
                self.assertEqual(outcome, {"pid": outcome["pid"]}, "the second waits for the first")
                watcher.cr.execute("SELECT pg_blocking_pids(%s)", (outcome["pid"],))
                self.assertEqual(watcher.cr.fetchone()[0], [pid_a], "it waits for the first decision")
            cr_a.commit()
        worker.join(120)
        self.assertFalse(worker.is_alive())
        self.assertEqual(outcome.get("error"), None)
        self.assertTrue(outcome.get("done"))
        with self.committed() as env:
            approval = env["wecom.approval"].browse(self.approval_id)
            self.assertEqual((approval.state, approval.decided_by_id.id), ("approved", self.user_ids["wang"][0]))
            lines = approval.decision_ids.sorted("id")
            self.assertEqual([(l.outcome, l.user_id.id) for l in lines],
                             [("approved", self.user_ids["wang"][0]), ("too_late", self.user_ids["liu"][0])])
            self.assertTrue(env["res.partner"].browse(self.partner_id).active, "approved once")
