"""11.0.6.1.0: a tag's WeCom id is ``wecom_id``, as on departments (it was ``tag_id``, a name that
reads like a Many2one). The column is renamed before the registry loads, so no value is lost; its
unique constraint gets the new name (Odoo creates wecom_tag_wecom_id_uniq)."""


def migrate(cr, version):
    cr.execute("""SELECT 1 FROM information_schema.columns
                  WHERE table_name = 'wecom_tag' AND column_name = 'tag_id'""")
    if not cr.fetchone():
        return
    cr.execute("ALTER TABLE wecom_tag RENAME COLUMN tag_id TO wecom_id")
    cr.execute("ALTER TABLE wecom_tag DROP CONSTRAINT IF EXISTS wecom_tag_tag_id_uniq")
    cr.execute("ALTER INDEX IF EXISTS wecom_tag_tag_id_index RENAME TO wecom_tag_wecom_id_index")
    cr.execute("UPDATE ir_model_fields SET name = 'wecom_id' WHERE model = 'wecom.tag' AND name = 'tag_id'")
    cr.execute("""UPDATE ir_model_data SET name = 'field_wecom_tag_wecom_id'
                  WHERE module = 'wecom_integration' AND name = 'field_wecom_tag_tag_id'""")
