#!/usr/bin/env bash
# Layer 4 of `make test`: a property-based fuzzer of the JSON API, driven only by its OpenAPI
# document (schemathesis).
#
#   1. a venv with the pinned schemathesis of tests/fuzz/requirements.txt: the browser layer's
#      .local/browser-venv (the machine's python3 >= 3.11), or .local/fuzz-venv when that one's
#      Python is too old or its pins disagree with ours (never the project's Python 3.7 .venv);
#   2. scripts/run.sh (what `make run` runs) in the background on its own ports and database, so
#      `make run`, the test server and the browser layer are left alone; log in .local/fuzz-stack.log;
#   3. tests/fuzz/prepare.py: the history of earlier runs is cleared (same start, same answers) and
#      an API key is made for the administrator (every permission); a full sync fills the mirror;
#   4. schemathesis against /api/v1/wechat/openapi.json with that key: every operation, every phase
#      (the document's examples, coverage of its boundaries, positive and negative fuzzing, stateful
#      sequences), every check - no server error, answers on the schema (status, content type,
#      headers, body), invalid requests refused, valid ones accepted, auth not ignored, 405 with
#      Allow - plus the API's own (hooks.py); settings in tests/fuzz/schemathesis.toml. Console output
#      in .local/fuzz.log, JUnit report in .local/fuzz-report/junit.xml;
#   5. the stack is always stopped on exit; the last line is "fuzz: N passed, M failed" (one per
#      operation, plus the stateful sequences), and the exit status is non-zero on any failure.
#
# Settings (environment): FUZZ_ODOO_PORT (8369), FUZZ_EMULATOR_PORT (8399), FUZZ_ODOO_DB (wecom_fuzz;
# the database remembers the emulator port it was created with, so change both together),
# FUZZ_SEED (the seed in schemathesis.toml), FUZZ_MAX_EXAMPLES (examples per operation and phase,
# schemathesis.toml's), FUZZ_WORKERS (1), FUZZ_STACK_TIMEOUT (seconds to wait for Odoo, 300),
# FUZZ_PYTHON (an interpreter >= 3.11 for the venv).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LOCAL="$ROOT/.local"
ODOO_PORT="${FUZZ_ODOO_PORT:-8369}"
EMULATOR_PORT="${FUZZ_EMULATOR_PORT:-8399}"
ODOO_DB="${FUZZ_ODOO_DB:-wecom_fuzz}"
STACK_TIMEOUT="${FUZZ_STACK_TIMEOUT:-300}"
STACK_LOG="$LOCAL/fuzz-stack.log"
CONSOLE_LOG="$LOCAL/fuzz.log"
REPORT_DIR="$LOCAL/fuzz-report"
API="http://127.0.0.1:$ODOO_PORT/api/v1/wechat"
MIN_PYTHON="3.11"  # schemathesis 4 needs it

log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[fuzz] %s\033[0m\n' "$*" >&2; echo "fuzz: 0 passed, 1 failed"; exit 1; }
mkdir -p "$LOCAL"
started=$SECONDS

# ---------------------------------------------------------------------------------- 1. the venv
py_ok() { "$1" -c "import sys; assert sys.version_info >= tuple(map(int, '$MIN_PYTHON'.split('.')))" >/dev/null 2>&1; }

find_python() {
    local c
    for c in "${FUZZ_PYTHON:-}" python3 python3.13 python3.12 python3.11 /usr/bin/python3; do
        [ -n "$c" ] || continue
        # a pyenv shim answers `command -v` without working, so each candidate is run
        if py_ok "$c" && "$c" -c "import venv, ensurepip" >/dev/null 2>&1; then
            "$c" -c 'import sys; print(sys.executable)'; return 0
        fi
    done
    return 1
}

# the pins both requirement files name agree (then the two layers can share one venv)
pins_agree() {
    "$1" - "$ROOT/tests/browser/requirements.txt" "$HERE/requirements.txt" <<'PY'
import sys
def pins(path):
    found = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[name.strip().lower().replace("_", "-")] = version.strip()
    return found
browser, fuzz = pins(sys.argv[1]), pins(sys.argv[2])
clash = sorted(name for name in browser.keys() & fuzz.keys() if browser[name] != fuzz[name])
if clash:
    print("pins differ from tests/browser/requirements.txt: " + ", ".join(clash), file=sys.stderr)
sys.exit(1 if clash else 0)
PY
}

choose_venv() {
    local shared="$LOCAL/browser-venv" py
    if [ -x "$shared/bin/python" ]; then
        if py_ok "$shared/bin/python" && { [ ! -f "$ROOT/tests/browser/requirements.txt" ] || pins_agree "$shared/bin/python"; }; then
            echo "$shared"; return 0
        fi
        echo "$LOCAL/fuzz-venv"; return 0
    fi
    py="$(find_python)" || return 1
    if [ ! -f "$ROOT/tests/browser/requirements.txt" ] || pins_agree "$py"; then echo "$shared"; else echo "$LOCAL/fuzz-venv"; fi
}

ensure_venv() {
    FVENV="$(choose_venv)" || die "no Python >= $MIN_PYTHON with venv/ensurepip for schemathesis: install python3 and python3-venv, or set FUZZ_PYTHON"
    FPY="$FVENV/bin/python"
    STACK_PY="$FPY"
    local stamp="$FVENV/.fuzz-installed" py
    if [ -f "$stamp" ] && cmp -s "$stamp" "$HERE/requirements.txt" && "$FPY" -c 'import schemathesis' >/dev/null 2>&1; then
        return 0
    fi
    if ! { [ -x "$FPY" ] && py_ok "$FPY"; }; then
        py="$(find_python)" || die "no Python >= $MIN_PYTHON with venv/ensurepip for schemathesis: install python3 and python3-venv, or set FUZZ_PYTHON"
        log "creating ${FVENV#$ROOT/} with $py"
        rm -rf "$FVENV"
        "$py" -m venv "$FVENV"
    fi
    log "installing the pinned schemathesis into ${FVENV#$ROOT/}"
    "$FPY" -m pip install -q --disable-pip-version-check --no-input -r "$HERE/requirements.txt" >"$LOCAL/fuzz-pip.log" 2>&1 \
        || { grep -v "^WARNING: Location" "$LOCAL/fuzz-pip.log" | tail -n 30 >&2; die "pip install failed (log: .local/fuzz-pip.log)"; }
    cp "$HERE/requirements.txt" "$stamp"
}

# ---------------------------------------------------------------------------------- 2. the stack
STACK_NAME="fuzz" STACK_PORT_VARS="FUZZ_ODOO_PORT / FUZZ_EMULATOR_PORT"
source "$ROOT/tests/stack.sh"

# ---------------------------------------------------------------------------------- 3. data and a key
prepare() {
    log "clearing earlier runs' history and making an API key for the administrator"
    FUZZ_API_KEY="$("$ROOT/.venv/bin/python" "$HERE/prepare.py" "$LOCAL/odoo-$ODOO_DB.cfg" "$ODOO_DB" 2>"$LOCAL/fuzz-prepare.log" | tail -n 1)" \
        || { tail -n 20 "$LOCAL/fuzz-prepare.log" >&2; die "tests/fuzz/prepare.py failed (log: .local/fuzz-prepare.log)"; }
    [[ $FUZZ_API_KEY == wck_* ]] || { tail -n 20 "$LOCAL/fuzz-prepare.log" >&2; die "tests/fuzz/prepare.py printed no API key"; }
    export FUZZ_API_KEY
    log "full sync, so the fuzzer finds departments, members and sync logs"
    "$FPY" - "$API/sync/sync_all/" <<'PY' || die "the first full sync failed: is the stack healthy? (log: .local/odoo-$ODOO_DB.log)"
import json, os, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=b"{}", method="POST", headers={
    "Authorization": "Bearer " + os.environ["FUZZ_API_KEY"], "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=120) as response:
    answer = json.load(response)
log = answer["data"]
print("[fuzz] sync %s: %s, %s items" % (log["id"], log["status"], log["total_count"]), file=sys.stderr)
sys.exit(0 if answer["code"] == 0 and log["status"] == "success" else 1)
PY
}

# ---------------------------------------------------------------------------------- 4. the fuzzer
ensure_venv
start_stack
prepare

args=(--config-file "$HERE/schemathesis.toml" run "$API/openapi.json" --no-color
      --report junit --report-junit-path "$REPORT_DIR/junit.xml")
[ -z "${FUZZ_SEED:-}" ] || args+=(--seed "$FUZZ_SEED")
[ -z "${FUZZ_MAX_EXAMPLES:-}" ] || args+=(--max-examples "$FUZZ_MAX_EXAMPLES")
[ -z "${FUZZ_WORKERS:-}" ] || args+=(--workers "$FUZZ_WORKERS")
rm -rf "$REPORT_DIR"
mkdir -p "$REPORT_DIR"
log "schemathesis against $API/openapi.json (console output in .local/fuzz.log)"
status=0
# a failing request's body can be megabytes (a list past maxItems): long lines are cut on the
# console, .local/fuzz.log keeps them whole
(cd "$REPORT_DIR" && env PYTHONDONTWRITEBYTECODE=1 FUZZ_HOOKS="$HERE/hooks.py" \
    "$FVENV/bin/schemathesis" "${args[@]}") >"$CONSOLE_LOG" 2>&1 || status=$?
cut -c1-2000 "$CONSOLE_LOG"
summary=0
"$FPY" "$HERE/summary.py" "$REPORT_DIR/junit.xml" "$CONSOLE_LOG" || summary=$?
[ $status != 0 ] || status=$summary
if [ $status = 0 ]; then
    log "fuzz layer OK after $((SECONDS - started)) s in all"
else
    log "fuzz layer FAILED (schemathesis status $status): see above, .local/fuzz.log, .local/odoo-$ODOO_DB.log; replay with: cd .local/fuzz-report && $FVENV/bin/schemathesis replay ID"
    # (summary.py's "N passed, M failed" stays the last such line: scripts/test.sh totals it)
fi
exit $status
