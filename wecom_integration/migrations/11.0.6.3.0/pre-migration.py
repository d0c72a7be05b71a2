"""11.0.6.3.0: the model of a sync run's per-record errors is wecom.sync.item.error (it was
wecom.sync.error, the name of the exception a failed run raises, WecomSyncError). Table,
sequence, indexes and every record naming the model or its fields are renamed before the registry
loads, so the errors, their access rights and rules stay as they were. Safe to run twice."""

OLD, NEW = "wecom.sync.error", "wecom.sync.item.error"
OLD_TABLE, NEW_TABLE = "wecom_sync_error", "wecom_sync_item_error"


def migrate(cr, version):
    cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = %s", (OLD_TABLE,))
    if cr.fetchone():
        cr.execute('ALTER TABLE "%s" RENAME TO "%s"' % (OLD_TABLE, NEW_TABLE))
        cr.execute('ALTER SEQUENCE IF EXISTS "%s_id_seq" RENAME TO "%s_id_seq"' % (OLD_TABLE, NEW_TABLE))
        cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
                   (NEW_TABLE, OLD_TABLE + "%"))
        for (index,) in cr.fetchall():
            cr.execute('ALTER INDEX "%s" RENAME TO "%s"' % (index, NEW_TABLE + index[len(OLD_TABLE):]))
    for table, column in (("ir_model", "model"), ("ir_model_fields", "model"), ("ir_model_fields", "relation"),
                          ("ir_model_data", "model"), ("ir_ui_view", "model"), ("ir_act_window", "res_model")):
        cr.execute('UPDATE "%s" SET "%s" = %%s WHERE "%s" = %%s' % (table, column, column), (NEW, OLD))
    # the module's xml ids of the model, its fields, access rights and rules
    for old_prefix, new_prefix in (("model_" + OLD_TABLE, "model_" + NEW_TABLE),
                                   ("field_" + OLD_TABLE + "_", "field_" + NEW_TABLE + "_"),
                                   ("access_" + OLD_TABLE + "_", "access_" + NEW_TABLE + "_"),
                                   (OLD_TABLE + "_rule_", NEW_TABLE + "_rule_")):
        cr.execute("""UPDATE ir_model_data SET name = %s || substr(name, %s)
                      WHERE module = 'wecom_integration' AND (name = %s OR name LIKE %s)""",
                   (new_prefix, len(old_prefix) + 1, old_prefix, old_prefix.replace("_", r"\_") + "%"))
    cr.execute("UPDATE ir_translation SET name = %s || substr(name, %s) WHERE name LIKE %s",
               (NEW + ",", len(OLD) + 2, OLD + ",%"))
