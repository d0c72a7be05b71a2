"""The migration scripts, run on this database's tables inside the test transaction (PostgreSQL's
DDL is transactional: everything is rolled back afterwards)."""
import importlib.util
import json
import os

from .common import WecomTransactionCase

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def load(version, name):
    path = os.path.join(MIGRATIONS, version, name + ".py")
    spec = importlib.util.spec_from_file_location("wecom_migration_%s_%s" % (version.replace(".", "_"), name), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestMigrations(WecomTransactionCase):

    def test_11_0_6_2_0_renames_columns_and_fields_keeping_the_values(self):
        cr = self.env.cr
        odoo_user = self.env.ref("base.user_root").id
        # the tables and field records as 11.0.6.0.0 had them
        cr.execute("ALTER TABLE wecom_tag RENAME COLUMN wecom_id TO tag_id")
        cr.execute("ALTER TABLE wecom_user RENAME COLUMN odoo_user_id TO user_id")
        # (a database updated before may still hold the old field's record: it would be in the way)
        cr.execute("DELETE FROM ir_model_fields WHERE model = 'wecom.message' AND name = 'user_ids'")
        cr.execute("DELETE FROM ir_model_data WHERE module = 'wecom_integration' AND name = 'field_wecom_message_user_ids'")
        cr.execute("UPDATE ir_model_fields SET name = 'user_ids' WHERE model = 'wecom.message' AND name = 'member_ids'")
        cr.execute("""UPDATE ir_model_data SET name = 'field_wecom_message_user_ids'
                      WHERE module = 'wecom_integration' AND name = 'field_wecom_message_member_ids'""")
        cr.execute("""INSERT INTO wecom_tag (tag_id, name, active, create_uid, write_uid, create_date, write_date)
                      VALUES (4242, 'migrated', true, 1, 1, now(), now()) RETURNING id""")
        tag_id = cr.fetchone()[0]
        cr.execute("""INSERT INTO wecom_user (userid, name, user_id, active, create_uid, write_uid, create_date,
                                              write_date)
                      VALUES ('migrated', 'migrated', %s, true, 1, 1, now(), now()) RETURNING id""", (odoo_user,))
        member_id = cr.fetchone()[0]
        migration = load("11.0.6.2.0", "pre-migration")
        for _twice in range(2):  # an interrupted update runs it again: nothing breaks
            migration.migrate(cr, "11.0.6.0.0")
        cr.execute("SELECT wecom_id FROM wecom_tag WHERE id = %s", (tag_id,))
        self.assertEqual(cr.fetchone()[0], 4242)
        cr.execute("SELECT odoo_user_id FROM wecom_user WHERE id = %s", (member_id,))
        self.assertEqual(cr.fetchone()[0], odoo_user)
        cr.execute("SELECT count(*) FROM information_schema.columns WHERE (table_name, column_name) IN "
                   "(('wecom_tag', 'tag_id'), ('wecom_user', 'user_id'))")
        self.assertEqual(cr.fetchone()[0], 0)
        self.assertTrue(self.env.ref("wecom_integration.field_wecom_message_member_ids", raise_if_not_found=False))

    def test_11_0_6_3_0_renames_the_item_error_model_keeping_its_records(self):
        cr = self.env.cr
        log = self.env["wecom.sync.log"].create({"sync_type": "user", "trigger": "cron", "status": "partial"})
        # the table and model as 11.0.6.2.0 had them
        cr.execute("ALTER TABLE wecom_sync_item_error RENAME TO wecom_sync_error")
        cr.execute("ALTER SEQUENCE wecom_sync_item_error_id_seq RENAME TO wecom_sync_error_id_seq")
        cr.execute("UPDATE ir_model SET model = 'wecom.sync.error' WHERE model = 'wecom.sync.item.error'")
        cr.execute("UPDATE ir_model_data SET name = 'model_wecom_sync_error' "
                   "WHERE module = 'wecom_integration' AND name = 'model_wecom_sync_item_error'")
        cr.execute("""INSERT INTO wecom_sync_error (log_id, record_type, record_ref, message, create_uid, write_uid,
                                                    create_date, write_date)
                      VALUES (%s, 'user', 'migrated', 'kept', 1, 1, now(), now())""", (log.id,))
        migration = load("11.0.6.3.0", "pre-migration")
        for _twice in range(2):
            migration.migrate(cr, "11.0.6.2.0")
        cr.execute("SELECT message FROM wecom_sync_item_error WHERE record_ref = 'migrated'")
        self.assertEqual(cr.fetchall(), [("kept",)])
        cr.execute("SELECT count(*) FROM ir_model WHERE model = 'wecom.sync.item.error'")
        self.assertEqual(cr.fetchone()[0], 1)
        self.assertTrue(self.env.ref("wecom_integration.model_wecom_sync_item_error", raise_if_not_found=False))
        cr.execute("SELECT nextval('wecom_sync_item_error_id_seq')")  # what the ORM's create uses
        self.assertTrue(cr.fetchone()[0])

    def test_11_0_7_0_0_turns_the_text_fields_into_calls_and_recipients(self):
        cr = self.env.cr
        Department, Member = self.env["wecom.department"].sudo(), self.env["wecom.user"].sudo()
        store = Department.create({"wecom_id": 90801, "name": "迁移门店"})
        lina = Member.create({"userid": "mig_lina", "name": "李娜", "status": "1", "department_ids": [(6, 0, store.ids)]})
        sun = Member.create({"userid": "mig_sun", "name": "孙浩", "status": "1", "department_ids": [(6, 0, store.ids)]})
        gone = Member.create({"userid": "mig_gone", "name": "梁晨", "status": "1"})
        # a message as 11.0.6.3.0 kept it: recipients and WeCom's answers as text; the columns are
        # added in this transaction, whose lock on the table must be gone before the cleanup's
        # own cursor deletes the test's rows (cleanups run last added first)
        self.addCleanup(cr.rollback)
        for column in ("touser", "toparty", "totag", "msgid", "invaliduser", "invalidparty", "invalidtag",
                       "unlicenseduser", "chunks"):
            cr.execute('ALTER TABLE wecom_message ADD COLUMN "%s" text' % column)
        chunks = [{"users": ["mig_lina", "mig_gone"], "parties": [90801], "tags": [], "status": "sent",
                   "attempts": 1, "msgid": "msgid-1", "errcode": 0, "errmsg": "", "invaliduser": ["mig_gone"],
                   "invalidparty": [], "invalidtag": [], "unlicenseduser": []}]
        message = self.env["wecom.message"].sudo().create({"message_type": "text", "content": "迁移", "status": "partial",
                                                          "member_ids": [(6, 0, (lina | gone).ids)]})
        cr.execute("UPDATE wecom_message SET chunks = %s, touser = 'mig_lina|mig_gone', msgid = 'msgid-1' WHERE id = %s",
                   (json.dumps(chunks), message.id))
        migration = load("11.0.7.0.0", "post-migration")
        migration.migrate(cr, "11.0.6.3.0")
        migration.migrate(cr, "11.0.6.3.0")  # again: nothing breaks, nothing doubles
        message.invalidate_cache()
        self.assertEqual(message.call_ids.mapped("msgid"), ["msgid-1"])
        self.assertEqual(message.call_ids.invalid_member_ids, gone)
        self.assertEqual(message.call_ids.department_ids, store)
        outcome = {r.member_id.userid: (r.via, r.state, r.reason or None) for r in message.recipient_ids}
        self.assertEqual(outcome, {"mig_lina": ("direct", "delivered", None),
                                   "mig_gone": ("direct", "not_delivered", "outside_range"),
                                   "mig_sun": ("department", "delivered", None)})
        cr.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'wecom_message' "
                   "AND column_name IN ('chunks', 'touser', 'msgid')")
        self.assertEqual(cr.fetchone()[0], 0)
