"""11.0.7.0.0: a message's delivery is kept as records, no longer as text.

Each message/send call becomes a wecom.message.call (its msgid, error and refused recipients as
records) and each member it was meant for a wecom.message.recipient, from the old JSON of the
calls (``chunks``). Members reached through a department or a tag are expanded from the mirror
as it is now (the old fields never said who was in them then). The old text columns are dropped
afterwards. Safe to run twice: messages that already have calls are left alone."""
import json

from odoo import SUPERUSER_ID, api

from odoo.addons.wecom_integration.outbox import recipients

OLD_COLUMNS = ("touser", "toparty", "totag", "msgid", "invaliduser", "invalidparty", "invalidtag",
               "unlicenseduser", "chunks")


def migrate(cr, version):
    cr.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'wecom_message' AND column_name = 'chunks'")
    if not cr.fetchone():
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Call = env["wecom.message.call"]
    cr.execute("""SELECT m.id, m.chunks, m.status, m.to_all FROM wecom_message m
                  WHERE m.chunks IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wecom_message_call c WHERE c.message_id = m.id)
                  ORDER BY m.id""")
    for message_id, chunks_json, status, to_all in cr.fetchall():
        planned = []
        for sequence, chunk in enumerate(json.loads(chunks_json or "[]"), 1):
            members = Call._members_of(chunk.get("users") or [])
            departments = env["wecom.department"].with_context(active_test=False).search(
                [("wecom_id", "in", chunk.get("parties") or [])])
            tags = env["wecom.tag"].with_context(active_test=False).search([("wecom_id", "in", chunk.get("tags") or [])])
            call = Call.create({"message_id": message_id, "sequence": sequence, "member_count": len(members),
                                "department_ids": [(6, 0, departments.ids)], "tag_ids": [(6, 0, tags.ids)]})
            call._record_answer(chunk)
            planned.append((call.id, members.ids, departments.ids, tags.ids, bool(to_all)))
        recipients.plan(cr, SUPERUSER_ID, message_id, planned)
        recipients.settle(cr, message_id)
        if status == "recalled":
            recipients.recall(cr, message_id)
    for column in OLD_COLUMNS:
        cr.execute('ALTER TABLE wecom_message DROP COLUMN IF EXISTS "%s"' % column)
