"""The migration scripts, run on this database's tables inside the test transaction (PostgreSQL's
DDL is transactional: everything is rolled back afterwards)."""
import importlib.util
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

    def test_11_0_6_1_0_renames_the_tag_id_column_keeping_the_values(self):
        cr = self.env.cr
        cr.execute("ALTER TABLE wecom_tag RENAME COLUMN wecom_id TO tag_id")  # as 11.0.6.0.0 had it
        cr.execute("""INSERT INTO wecom_tag (tag_id, name, active, create_uid, write_uid, create_date, write_date)
                      VALUES (4242, 'migrated', true, 1, 1, now(), now()) RETURNING id""")
        tag_id = cr.fetchone()[0]
        migration = load("11.0.6.1.0", "pre-migration")
        migration.migrate(cr, "11.0.6.0.0")
        cr.execute("SELECT wecom_id FROM wecom_tag WHERE id = %s", (tag_id,))
        self.assertEqual(cr.fetchone()[0], 4242)
        migration.migrate(cr, "11.0.6.0.0")  # run twice (an interrupted update): nothing breaks
        cr.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'wecom_tag' "
                   "AND column_name = 'tag_id'")
        self.assertEqual(cr.fetchone()[0], 0)
