"""11.0.6.0.0: one background queue (wecom.job) replaces the outbox, sync-retry and contact-change
crons; their records were noupdate, so an update would keep them: remove them here."""
from odoo import SUPERUSER_ID, api

OLD_CRONS = ("wecom_message_outbox_cron", "wecom_sync_retry_cron", "wecom_callback_event_cron")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name in OLD_CRONS:
        cron = env.ref("wecom_integration." + name, raise_if_not_found=False)
        if cron:
            cron.unlink()
    # messages waiting in the old outbox are handed to the new queue
    for message in env["wecom.message"].search([("status", "in", ("queued", "sending"))]):
        message.write({"status": "queued"})
        message._enqueue_delivery()
