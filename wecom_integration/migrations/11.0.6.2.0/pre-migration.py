"""11.0.6.2.0 (with 11.0.6.1.0, which renamed the tag column alone): one name per concept.

- A WeCom id is ``wecom_id`` on departments and tags (a tag's was ``tag_id``, read like a Many2one);
  a member's stays ``userid``, WeCom's own name for it.
- A member's Odoo user is ``odoo_user_id`` (it was ``user_id``, next to ``userid``), as the JSON
  API already called it; the members of a message, a tag or the compose wizard are ``member_ids``
  (they were ``user_ids``, which elsewhere are Odoo users).

Columns are renamed before the registry loads, so no value is lost; unique constraints get their
new names (Odoo creates them); the fields' records and xml ids follow, so translations and views
find them. Safe to run twice.
"""

COLUMNS = [("wecom_tag", "tag_id", "wecom_id"), ("wecom_user", "user_id", "odoo_user_id")]
CONSTRAINTS = ["wecom_tag_tag_id_uniq", "wecom_user_user_id_uniq"]
FIELDS = [("wecom.tag", "tag_id", "wecom_id"), ("wecom.user", "user_id", "odoo_user_id"),
          ("wecom.message", "user_ids", "member_ids"), ("wecom.tag", "user_ids", "member_ids"),
          ("wecom.message.compose", "user_ids", "member_ids")]


def migrate(cr, version):
    for table, old, new in COLUMNS:
        cr.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                   (table, old))
        if cr.fetchone():
            cr.execute('ALTER TABLE "%s" RENAME COLUMN "%s" TO "%s"' % (table, old, new))
            cr.execute('ALTER INDEX IF EXISTS "%s_%s_index" RENAME TO "%s_%s_index"' % (table, old, table, new))
    for table, constraint in zip(("wecom_tag", "wecom_user"), CONSTRAINTS):
        cr.execute('ALTER TABLE "%s" DROP CONSTRAINT IF EXISTS "%s"' % (table, constraint))
    for model, old, new in FIELDS:  # unless the new one exists already (Odoo then drops the old one)
        cr.execute("""UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s AND NOT EXISTS (
                          SELECT 1 FROM ir_model_fields WHERE model = %s AND name = %s)""", (new, model, old, model, new))
        prefix = "field_%s_" % model.replace(".", "_")
        cr.execute("""UPDATE ir_model_data SET name = %s
                      WHERE module = 'wecom_integration' AND model = 'ir.model.fields' AND name = %s AND NOT EXISTS (
                          SELECT 1 FROM ir_model_data WHERE module = 'wecom_integration' AND name = %s)""",
                   (prefix + new, prefix + old, prefix + new))
