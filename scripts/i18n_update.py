"""Refresh the addon's translation files from a database that has it installed.

Usage: python scripts/i18n_update.py [--addon=NAME] ODOO_CFG DB [NEW_TRANSLATIONS.json]

Exports the terms of the addon NAME (default wecom_integration; a bridge such as wecom_hr needs a
database where it is installed) with Odoo's own exporter, writes NAME/i18n/NAME.pot, and rewrites
i18n/zh_CN.po keeping every existing translation, adding those given in the JSON file
({"msgid": "msgstr"}), and listing the terms still untranslated.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


def main(cfg, db, extra=None, addon="wecom_integration"):
    i18n = os.path.join(ROOT, addon, "i18n")
    pot = os.path.join(i18n, addon + ".pot")
    exported = os.path.join(i18n, "export.po")  # Odoo 11 refuses a .pot extension
    subprocess.check_call([sys.executable, "-c", "import odoo.cli; odoo.cli.main()", "-c", cfg, "-d", db,
                           "--i18n-export=" + exported, "--modules=" + addon, "--stop-after-init",
                           "--logfile", os.devnull])
    os.replace(exported, pot)
    known = translations(os.path.join(i18n, "zh_CN.po"))
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
    with open(os.path.join(i18n, "zh_CN.po"), "w", encoding="utf-8") as handle:
        handle.write(body)
    for msgid in missing:
        print("untranslated: %r" % msgid)
    print("%d untranslated" % len(missing))


if __name__ == "__main__":
    options = [arg for arg in sys.argv[1:] if arg.startswith("--addon=")]
    arguments = [arg for arg in sys.argv[1:] if not arg.startswith("--addon=")]
    main(*arguments[:3], addon=options[-1][len("--addon="):] if options else "wecom_integration")
