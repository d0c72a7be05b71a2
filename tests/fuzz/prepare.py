"""Prepare database DB for the fuzz layer and print a new API key of its administrator.

Usage (the project's Python 3.7 with Odoo 11): .venv/bin/python tests/fuzz/prepare.py ODOO_CFG DB
Run by tests/fuzz/run.sh before the stack answers its first API call:
  - the history of earlier runs goes (messages, sync logs, background jobs, contact-change events),
    ids starting from 1 again: each run starts from the same state, so the seed alone decides what
    is sent and answered (the directory mirror stays: the first sync of the run refreshes it);
  - the fuzzer's earlier keys (named "fuzz") are revoked, and a new one is made for the
    administrator, who has every WeCom permission (WeCom Manager).
Only for the fuzz layer's own database: it refuses any other.
"""
import sys

import odoo

KEY_NAME = "fuzz"
HISTORY = ("wecom_message", "wecom_sync_log", "wecom_job", "wecom_callback_event")


def main(cfg, db):
    if "fuzz" not in db:
        sys.exit("refusing to reset %s: not a fuzz database" % db)
    odoo.tools.config.parse_config(["-c", cfg])
    with odoo.api.Environment.manage():
        with odoo.registry(db).cursor() as cr:
            # CASCADE: the tables that point at these (sync errors, message recipients)
            cr.execute("TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(HISTORY))
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            admin = env["res.users"].browse(odoo.SUPERUSER_ID)  # admin / admin in Odoo 11
            if not admin.has_group("wecom_integration.wecom_group_manager"):
                sys.exit("%s is not a WeCom Manager: the fuzzer needs every permission" % admin.login)
            Key = env["wecom.api.key"].sudo(admin)
            Key.search([("user_id", "=", admin.id), ("name", "=", KEY_NAME)]).action_revoke()
            _record, key = Key.generate(KEY_NAME)
            cr.commit()
    print(key)


if __name__ == "__main__":
    main(*sys.argv[1:])
