"""Point the addon of database DB at a running WeCom emulator (used by `make run`).

Usage: python configure_emulator.py ODOO_CFG DB EMULATOR_URL
Reads the corp id, the messaging app and the contact-sync secret from GET /_emulator/corp and
stores them as the addon's settings, as an administrator would on the settings page. Only empty
settings are filled: what an administrator changed is kept.
"""
import json
import sys
from urllib.request import urlopen

import odoo

MESSAGING_AGENT_ID = 1000002  # the emulator's default self-built app


def main(cfg, db, emulator_url):
    corp = json.load(urlopen(emulator_url + "/_emulator/corp", timeout=10))
    app = next(a for a in corp["apps"] if a["agentid"] == MESSAGING_AGENT_ID)
    odoo.tools.config.parse_config(["-c", cfg])
    filled = []
    with odoo.api.Environment.manage():
        with odoo.registry(db).cursor() as cr:
            config = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["wecom.config"]
            for name, value in [("corp_id", corp["corpid"]), ("agent_id", str(app["agentid"])),
                                ("secret", app["secret"]), ("contact_secret", corp["contact_sync"]["secret"]),
                                ("base_url", emulator_url + "/cgi-bin"), ("timeout", "10")]:
                if not config.get_stored(name):
                    config.set_stored(name, value)
                    filled.append(name)
    if filled:
        print("pointed %s at the emulator corp %s: %s" % (db, corp["corpid"], ", ".join(filled)))


if __name__ == "__main__":
    main(*sys.argv[1:4])
