"""Refresh the addon's translation files from a database that has it installed.

Usage: python scripts/i18n_update.py ODOO_CFG DB [NEW_TRANSLATIONS.json]

Exports the terms (Odoo's own exporter), writes i18n/wecom_integration.pot, and rewrites
i18n/zh_CN.po keeping every existing translation, adding those given in the JSON file
({"msgid": "msgstr"}), and listing the terms still untranslated.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
I18N = os.path.join(ROOT, "wecom_integration", "i18n")
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def unquote(block):
    return "".join(json.loads(line) for line in block.strip().split("\n"))


def quote(text):
    if "\n" not in text[:-1]:
        return json.dumps(text, ensure_ascii=False)
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(json.dumps(p, ensure_ascii=False) for p in lines)


def translations(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return {unquote(m.group(1)): unquote(m.group(2)) for m in ENTRY.finditer(handle.read())}


def main(cfg, db, extra=None):
    pot = os.path.join(I18N, "wecom_integration.pot")
    exported = os.path.join(I18N, "export.po")  # Odoo 11 refuses a .pot extension
    subprocess.check_call([sys.executable, "-c", "import odoo.cli; odoo.cli.main()", "-c", cfg, "-d", db,
                           "--i18n-export=" + exported, "--modules=wecom_integration", "--stop-after-init",
                           "--logfile", os.devnull])
    os.replace(exported, pot)
    known = translations(os.path.join(I18N, "zh_CN.po"))
    if extra:
        with open(extra, encoding="utf-8") as handle:
            known.update(json.load(handle))
    with open(pot, encoding="utf-8") as handle:
        template = handle.read()
    missing = []

    def fill(match):
        msgid = unquote(match.group(1))
        if not msgid:
            return match.group(0)
        msgstr = known.get(msgid, "")
        if not msgstr:
            missing.append(msgid)
        return "msgid %smsgstr %s\n" % (match.group(1), quote(msgstr))

    body = ENTRY.sub(fill, template)
    body = body.replace('"Language-Team: \\n"', '"Language-Team: \\n"\n"Language: zh_CN\\n"', 1)
    with open(os.path.join(I18N, "zh_CN.po"), "w", encoding="utf-8") as handle:
        handle.write(body)
    for msgid in missing:
        print("untranslated: %r" % msgid)
    print("%d untranslated" % len(missing))


if __name__ == "__main__":
    main(*sys.argv[1:4])
