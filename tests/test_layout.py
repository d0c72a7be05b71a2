"""The repository's structural rules, checked on the source (no database needed).

- Odoo 11's own test runner (``odoo --test-enable``) runs only the test modules an addon's
  ``tests/__init__.py`` imports: every ``test_*.py`` of every addon must be imported there.
- The layering of DESIGN.md: the WeCom client (``wecom_integration/wecom/``) and the emulator
  (``wecom_emulator/``) import nothing from Odoo.
- Every addon's manifest (the core and each bridge addon beside it): OCA's version and license,
  its data files present, a Chinese translation and an access-rights file; the core depends on
  base, base_setup and web only, and each bridge on the core.
"""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = sorted(name for name in os.listdir(ROOT)
                if os.path.isfile(os.path.join(ROOT, name, "__manifest__.py")))
ODOO_FREE = [os.path.join("wecom_integration", "wecom"), "wecom_emulator"]
CORE = "wecom_integration"
BRIDGES = [name for name in ADDONS if name != CORE]
CORE_DEPENDS = ["base", "base_setup", "web"]
LICENSES = ("LGPL-3", "AGPL-3")


def manifest(addon):
    with open(os.path.join(ROOT, addon, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


def imported_names(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.level if hasattr(node, "level") else 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield node.level, (node.module or "") + "." + alias.name if node.module else alias.name


def python_files(folder):
    for dirpath, _dirs, files in os.walk(os.path.join(ROOT, folder)):
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def test_there_are_addons():
    assert "wecom_integration" in ADDONS


@pytest.mark.parametrize("addon", ADDONS)
def test_manifest_follows_oca(addon):
    values = manifest(addon)
    assert re.match(r"^11\.0\.\d+\.\d+\.\d+$", values["version"]), values["version"]
    assert values["license"] in LICENSES
    assert values.get("installable", True)
    for key in ("name", "summary", "author", "website", "category", "depends"):
        assert values.get(key), key
    missing = [path for path in values.get("data", []) if not os.path.isfile(os.path.join(ROOT, addon, path))]
    assert missing == []
    assert "security/ir.model.access.csv" in values.get("data", []), "access rights first"
    with open(os.path.join(ROOT, addon, "security", "ir.model.access.csv"), encoding="utf-8") as handle:
        assert handle.readline().strip() == "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink"
    assert os.path.isfile(os.path.join(ROOT, addon, "i18n", "zh_CN.po")), "every user-facing string in Chinese"
    assert os.path.isfile(os.path.join(ROOT, addon, "static", "description", "icon.png"))


def test_core_depends_on_base_base_setup_and_web_only():
    assert sorted(manifest(CORE)["depends"]) == CORE_DEPENDS


@pytest.mark.parametrize("addon", BRIDGES)
def test_bridge_depends_on_the_core_and_has_tests_and_a_readme(addon):
    assert CORE in manifest(addon)["depends"]
    tests = os.path.join(ROOT, addon, "tests")
    assert os.path.isdir(tests) and any(name.startswith("test_") for name in os.listdir(tests)), \
        "scripts/test.sh (layer 2b) runs %s/tests on a database of its own" % addon
    assert any(os.path.isfile(os.path.join(ROOT, addon, name)) for name in ("README.rst", "README.md"))


@pytest.mark.parametrize("addon", ADDONS)
def test_every_test_module_is_imported_for_odoos_runner(addon):
    folder = os.path.join(ROOT, addon, "tests")
    if not os.path.isdir(folder):
        pytest.skip("%s has no tests" % addon)
    modules = {name[:-3] for name in os.listdir(folder) if name.startswith("test_") and name.endswith(".py")}
    init = os.path.join(folder, "__init__.py")
    imported = {name.split(".")[-1] for level, name in imported_names(init) if level == 1}
    assert sorted(modules - imported) == [], "add them to %s/tests/__init__.py" % addon


@pytest.mark.parametrize("folder", ODOO_FREE)
def test_client_and_emulator_import_nothing_from_odoo(folder):
    offenders = []
    for path in python_files(folder):
        for level, name in imported_names(path):
            if level == 0 and (name == "odoo" or name.startswith("odoo.") or name.startswith("openerp")):
                offenders.append("%s: %s" % (os.path.relpath(path, ROOT), name))
            if level >= 2 and folder.startswith("wecom_integration"):
                offenders.append("%s: reaches outside the client (%s)" % (os.path.relpath(path, ROOT), name))
    assert offenders == []


# Odoo-version details that must go through wecom_integration/compat.py (see its docstring)
VERSION_SPECIFIC = {
    r"\.sudo\(\s*[^)\s]": "compat.as_user (sudo(uid) is with_user(uid) in 13.0+)",
    r"[\"']view_type[\"']\s*:": "compat.form_action",
    r"view_type=form": "compat.record_url",
    r"\._db\.cursor\(": "compat.new_cursor",
    r"\.cr\.after\(": "compat.after_commit / after_rollback",
    r"_field_triggers": "compat.recompute_dependents",
    r"\bcr\._obj\b": "compat.psycopg2_cursor",
    r"request\.uid\s*=": "compat.set_request_user",
}


@pytest.mark.parametrize("addon", ADDONS)
def test_odoo_version_details_go_through_compat(addon):
    offenders = []
    for path in python_files(addon):
        relative = os.path.relpath(path, ROOT)
        if relative == os.path.join("wecom_integration", "compat.py") or os.sep + "tests" + os.sep in relative:
            continue
        text = open(path, encoding="utf-8").read()
        for pattern, instead in VERSION_SPECIFIC.items():
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append("%s:%s: use %s" % (relative, line, instead))
    assert offenders == []
