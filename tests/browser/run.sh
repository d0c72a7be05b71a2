#!/usr/bin/env bash
# Layer 3 of `make test`: a headless Chromium smoke test of the running stack.
#
#   1. Chromium from Debian (apt-get install chromium) when /usr/bin/chromium is missing;
#   2. .local/browser-venv: the machine's python3 (>= 3.10) with the pinned Playwright and pytest
#      of tests/browser/requirements.txt (never the project's Python 3.7 .venv);
#   3. scripts/run.sh (what `make run` runs) in the background on its own ports and database, so a
#      `make run` on 8069/8899 or the test server on 8169 are left alone; log in .local/browser-stack.log;
#   4. every tests/browser/test_*.py, in file order; screenshots in .local/screenshots/:
#      test_directory_sync.py: a full sync from the settings page, the mirrored departments and
#      members, a member sync after a change made through the emulator's admin API, the sync logs;
#      test_settings_smoke.py: WeCom > Configuration > Settings, "Test connection", its dialog and
#      the emulator's counters;
#   5. the stack is always stopped on exit; the exit status is pytest's.
#
# Settings (environment): BROWSER_ODOO_PORT (8269), BROWSER_EMULATOR_PORT (8999), BROWSER_ODOO_DB
# (wecom_browser; the database remembers the emulator port it was created with, so change both
# together), BROWSER_STACK_TIMEOUT (seconds to wait for Odoo, 300), CHROMIUM (/usr/bin/chromium),
# BROWSER_PYTHON (an interpreter for the venv), BROWSER_HEADED=1 (show the browser, needs a display).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LOCAL="$ROOT/.local"
BVENV="$LOCAL/browser-venv"
BPY="$BVENV/bin/python"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
ODOO_PORT="${BROWSER_ODOO_PORT:-8269}"
EMULATOR_PORT="${BROWSER_EMULATOR_PORT:-8999}"
ODOO_DB="${BROWSER_ODOO_DB:-wecom_browser}"
STACK_TIMEOUT="${BROWSER_STACK_TIMEOUT:-300}"
STACK_LOG="$LOCAL/browser-stack.log"
SCREENSHOTS="$LOCAL/screenshots"
MIN_PYTHON="3.10"  # playwright 1.65 needs it

log() { printf '\033[1m[browser]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[browser] %s\033[0m\n' "$*" >&2; exit 1; }
mkdir -p "$LOCAL" "$SCREENSHOTS"
started=$SECONDS

# ---------------------------------------------------------------------------------- 1. Chromium
apt_install() {
    [ "$(id -u)" = 0 ] || die "missing Debian packages: run 'sudo apt-get install $*' (or set CHROMIUM=/path/to/chromium)"
    command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install Chromium and set CHROMIUM=/path/to/chromium"
    export DEBIAN_FRONTEND=noninteractive
    local pkg
    for pkg in "$@"; do
        # (no `| grep -q`: with pipefail its early exit would fail the pipeline)
        if [[ "$(apt-cache policy "$pkg" 2>/dev/null)" != *"Candidate: "[0-9]* ]]; then
            log "apt-get update"
            apt-get update -qq >"$LOCAL/browser-apt.log" 2>&1 || { cat "$LOCAL/browser-apt.log" >&2; die "apt-get update failed"; }
            break
        fi
    done
    log "apt-get install $*"
    apt-get install -y -qq "$@" >>"$LOCAL/browser-apt.log" 2>&1 \
        || { tail -n 30 "$LOCAL/browser-apt.log" >&2; die "apt-get install $* failed (log: .local/browser-apt.log)"; }
}

ensure_chromium() {
    local missing=()
    if [ ! -x "$CHROMIUM" ]; then
        [ "$CHROMIUM" = /usr/bin/chromium ] || die "CHROMIUM=$CHROMIUM is not an executable"
        missing+=(chromium)
    fi
    # A CJK font, so screenshots show the page's Chinese (企业ID, 通讯录同步) instead of empty boxes.
    if [ "$CHROMIUM" = /usr/bin/chromium ] && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] \
        && ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }; then
        if [ "$(id -u)" = 0 ]; then missing+=(fonts-wqy-microhei); else log "no CJK font: Chinese text shows as boxes in screenshots"; fi
    fi
    [ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"
    [ -x "$CHROMIUM" ] || die "$CHROMIUM is still missing after apt-get install chromium"
}

# ---------------------------------------------------------------------------------- 2. the venv
find_python() {
    local c
    for c in "${BROWSER_PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.10 /usr/bin/python3; do
        [ -n "$c" ] || continue
        # a pyenv shim answers `command -v` without working, so each candidate is run
        if "$c" -c "import sys, venv, ensurepip; assert sys.version_info >= tuple(map(int, '$MIN_PYTHON'.split('.')))" \
            >/dev/null 2>&1; then
            "$c" -c 'import sys; print(sys.executable)'; return 0
        fi
    done
    return 1
}

ensure_venv() {
    local stamp="$BVENV/.installed" py
    if [ -f "$stamp" ] && cmp -s "$stamp" "$HERE/requirements.txt" && "$BPY" -c 'import playwright, pytest' >/dev/null 2>&1; then
        return 0
    fi
    if ! "$BPY" -c "import sys; assert sys.version_info >= tuple(map(int, '$MIN_PYTHON'.split('.')))" >/dev/null 2>&1; then
        py="$(find_python)" || die "no Python >= $MIN_PYTHON with venv/ensurepip for the browser tooling: install python3 and python3-venv, or set BROWSER_PYTHON"
        log "creating .local/browser-venv with $py"
        rm -rf "$BVENV"
        "$py" -m venv "$BVENV"
    fi
    log "installing the pinned Playwright and pytest into .local/browser-venv"
    "$BPY" -m pip install -q --disable-pip-version-check --no-input -r "$HERE/requirements.txt" >"$LOCAL/browser-pip.log" 2>&1 \
        || { grep -v "^WARNING: Location" "$LOCAL/browser-pip.log" | tail -n 30 >&2; die "pip install failed (log: .local/browser-pip.log)"; }
    cp "$HERE/requirements.txt" "$stamp"
}

# ---------------------------------------------------------------------------------- 3. the stack
STACK_PY="$BPY" STACK_NAME="browser-test" STACK_PORT_VARS="BROWSER_ODOO_PORT / BROWSER_EMULATOR_PORT"
source "$ROOT/tests/stack.sh"

# ---------------------------------------------------------------------------------- 4. the test
ensure_chromium
ensure_venv
start_stack

log "running tests/browser/test_*.py"
rm -f "$SCREENSHOTS"/*.png
status=0
(cd "$HERE" && env PYTHONDONTWRITEBYTECODE=1 \
    BROWSER_ODOO_URL="http://127.0.0.1:$ODOO_PORT" BROWSER_EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT" \
    BROWSER_CHROMIUM="$CHROMIUM" BROWSER_SCREENSHOTS="$SCREENSHOTS" \
    "$BPY" -m pytest -c "$HERE/pytest.ini" --rootdir "$HERE" --confcutdir "$HERE" -v "$HERE") \
    || status=$?
# (pytest's own summary line stays the last "N passed/failed" line: scripts/test.sh totals those)
if [ $status = 0 ]; then
    log "browser smoke test OK after $((SECONDS - started)) s in all; screenshots in .local/screenshots/"
else
    log "browser smoke test FAILED (pytest status $status); screenshots in .local/screenshots/, logs .local/browser-stack.log and .local/odoo.log"
fi
exit $status
