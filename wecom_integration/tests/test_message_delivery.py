import threading
from contextlib import closing
from datetime import datetime, timedelta

from odoo import api, fields
from odoo.exceptions import UserError

from ..jobs import runner
from ..cursors import own_env
from .message_common import MessageCase


class TestChunks(MessageCase):
    mirror_directory = "large:2500:150"
    emulator_directory = "large:2500:150"

    def test_members_in_chunks_of_1000_and_departments_of_100(self):
        userids = self.env["wecom.user"].search([("status", "!=", "2")]).mapped("userid")  # not disabled
        self.assertGreater(len(userids), 2000)
        message = self.Message.send_message("text", "年终盘点", to_users=userids)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(self.emulator.calls("message/send"), 3)
        self.assertEqual(len(message._msgids()), 3)
        sizes = [len(m["request"]["touser"].split("|")) for m in self.emulator.messages]
        self.assertEqual(sizes, [1000, 1000, len(userids) - 2000])
        departments = self.env["wecom.department"].search([]).mapped("wecom_id")
        self.assertEqual(len(departments), 150)
        message = self.Message.send_message("text", "各部门", to_departments=departments)
        self.assertEqual(message.status, "sent", message.errmsg)
        self.assertEqual(self.emulator.calls("message/send"), 5)

    def test_one_failed_chunk_makes_the_message_partial(self):
        userids = self.env["wecom.user"].search([("status", "!=", "2")], limit=1500).mapped("userid")
        self.emulator.inject_fault("message/send", kind="errcode", errcode=48002, count=1)
        message = self.Message.send_message("text", "分批", to_users=userids)
        self.assertEqual(message.status, "partial")
        self.assertEqual(message.errcode, 48002)
        self.assertEqual(len(message._msgids()), 1)


class TestOutboxAndRetries(MessageCase):

    def queue_committed(self, count=1, content="排队消息"):
        """Queue messages as a committed transaction would."""
        with own_env(self.env) as env:
            return [env["wecom.message"].send_message("text", "%s %s" % (content, i), to_users=["lina"], queue=True).id
                    for i in range(count)]

    def make_due(self):
        """Move the clock past the next attempt: the message's schedule and its outbox job's."""
        with closing(self.registry.cursor()) as cr:
            cr.execute("UPDATE wecom_message SET next_attempt = now() at time zone 'UTC' - interval '1 second' "
                       "WHERE status = 'queued'")
            cr.execute("UPDATE wecom_job SET eta = now() at time zone 'UTC' - interval '1 second' "
                       "WHERE state = 'pending' AND job_type = 'message'")
            cr.commit()

    def run_outbox(self):
        """What the job cron does: run the due jobs; returns how many ran."""
        return runner.run_due(self.registry, budget=60)

    def test_outbox_sends_queued_messages(self):
        ids = self.queue_committed(3)
        self.assertEqual(self.run_outbox(), 3)
        self.assertEqual(self.committed_messages(), [(i, "sent") for i in ids])
        self.assertEqual(self.run_outbox(), 0)

    def test_transient_failures_are_retried_with_backoff_then_sent(self):
        self.emulator.inject_fault("message/send", kind="errcode", errcode=-1, count=4)  # 1 try + 3 client retries
        message = self.Message.send_message("text", "重要通知", to_users=["lina"])
        self.assertEqual(message.status, "queued")
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.errcode, -1)
        next_attempt = fields.Datetime.from_string(message.next_attempt)
        self.assertAlmostEqual((next_attempt - datetime.utcnow()).total_seconds(), 60, delta=10)
        self.assertEqual(self.run_outbox(), 0, "not due yet")
        self.make_due()
        self.assertEqual(self.run_outbox(), 1)
        self.assertEqual(self.committed_messages(), [(message.id, "sent")])
        self.assertEqual(len(self.inbox("lina")), 1, "delivered once")

    def test_growing_delays_then_failed(self):
        self.emulator.inject_fault("message/send", kind="errcode", errcode=45033, count=0)
        message = self.Message.send_message("text", "一直失败", to_users=["lina"])
        delays = []
        for _attempt in range(4):
            with closing(self.registry.cursor()) as cr:
                cr.execute("SELECT extract(epoch from next_attempt - now() at time zone 'UTC') FROM wecom_message")
                delays.append(round(float(cr.fetchone()[0]) / 60))
            self.make_due()
            self.run_outbox()
        self.assertEqual(delays, [1, 5, 15, 60])
        self.assertEqual(self.committed_messages(), [(message.id, "failed")])
        message.invalidate_cache()
        self.assertEqual(message.attempts, 5)

    def test_unclear_failure_is_resent_under_the_duplicate_check(self):
        self.emulator.inject_fault("message/send", kind="timeout_after", count=1)  # delivered, answer lost
        message = self.Message.send_message("text", "只发一次", to_users=["lina"])
        self.assertEqual(message.status, "sent")
        statuses = [m["status"] for m in self.emulator.messages]
        self.assertEqual(statuses, ["delivered", "suppressed"], "WeCom's duplicate check caught the resend")
        self.assertEqual(len(self.inbox("lina")), 1)

    def test_recall_after_an_unclear_send_recalls_the_delivered_copy(self):
        self.emulator.inject_fault("message/send", kind="timeout_after", count=1)  # delivered, answer lost
        message = self.Message.send_message("text", "撤回我", to_users=["lina"])
        self.assertEqual(message.status, "sent")
        message.recall()
        self.assertEqual([m["recalled"] for m in self.emulator.messages], [True, True])
        self.assertTrue(self.inbox("lina")[0]["recalled"], "what lina saw is gone")

    def test_unclear_failure_without_duplicate_check_is_not_resent_blindly(self):
        self.set_wecom_params(duplicate_check_interval="0")
        self.emulator.inject_fault("message/send", kind="timeout_after", count=1)
        message = self.Message.send_message("text", "只发一次", to_users=["lina"])
        self.assertEqual(message.status, "queued", "an unclear failure is not resent at once")
        self.assertEqual(self.emulator.calls("message/send"), 1)

    def test_two_workers_never_send_a_message_twice(self):
        ids = self.queue_committed(12)
        sent = []

        errors = []

        def worker():
            with api.Environment.manage():  # as in a cron thread
                try:
                    sent.append(self.run_outbox())
                except Exception as error:  # reported below
                    errors.append(repr(error))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(sum(sent), 12)
        self.assertEqual(self.committed_messages(), [(i, "sent") for i in ids])
        self.assertEqual(self.emulator.calls("message/send"), 12)
        contents = sorted(m["payload"]["content"] for m in self.emulator.messages)
        self.assertEqual(len(set(contents)), 12)

    def test_retry_button(self):
        self.set_wecom_params(secret="revoked-secret")
        message = self.Message.send_message("text", "配置修好后重发", to_users=["lina"])
        self.assertEqual(message.status, "failed")
        self.assertIn("40001", message.errmsg)
        self.set_wecom_params(secret=self.emulator.app.secret)
        message.retry()
        self.assertEqual(message.status, "sent")
        self.assertEqual(message.attempts, 2)
        with self.assertRaises(UserError):
            message.retry()

    def test_recall(self):
        message = self.Message.send_message("text", "发错了", to_users=["lina"])
        message.recall()
        self.assertEqual(message.status, "recalled")
        self.assertTrue(self.emulator.messages[-1]["recalled"])
        with self.assertRaises(UserError):
            message.recall()
        old = self.Message.send_message("text", "太久了", to_users=["lina"])
        with closing(self.registry.cursor()) as cr:
            cr.execute("UPDATE wecom_message SET sent_date = %s WHERE id = %s",
                       (fields.Datetime.to_string(datetime.utcnow() - timedelta(hours=25)), old.id))
            cr.commit()
        old.invalidate_cache()
        with self.assertRaises(UserError) as caught:
            old.recall()
        self.assertIn("24 hours", caught.exception.name)
