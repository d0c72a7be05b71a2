#!/usr/bin/env bash
# `make test`: every test layer; exits non-zero on any failure.
#   0. pylint-odoo on wecom_integration/ and every bridge addon (.pylintrc-mandatory), any message fails
#   1. tests/                      client, crypto, emulator, wechatpy interop (no database)
#   2. wecom_integration/tests/    the addon on a real Odoo 11 database and HTTP server (pytest-odoo)
#  2b. <bridge>/tests/             each bridge addon (wecom_* beside the core, scripts/lib.sh bridge_addons)
#                                  alone on a database of its own, <TEST_DB>_<bridge without wecom_>
#   3. tests/browser/              headless Chromium against a running stack (skipped with NO_BROWSER=1)
#   4. tests/fuzz/                 schemathesis fuzzes the JSON API from its OpenAPI document (skipped with NO_FUZZ=1)
#   5. tests/deploy/               two prefork Odoo servers on one database: background jobs (skipped with NO_DEPLOY=1)
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/setup.sh"
if [ "$(bash "$ROOT/scripts/pg.sh" status)" = "PostgreSQL down" ]; then
    trap 'bash "$ROOT/scripts/pg.sh" stop' EXIT  # leave things as we found them
fi
bash "$ROOT/scripts/pg.sh" start

TEST_DB="${TEST_DB:-wecom_test}"
TEST_PORT="${TEST_PORT:-8169}"
CFG="$LOCAL/odoo-test.cfg"
write_odoo_config "$CFG" "$TEST_PORT" "$TEST_DB"
# keep the test server quiet; pytest-odoo reads USER/HOST/PORT/PASSWORD as db options, so unset them
PYTEST_ENV=(env -u USER -u HOST -u PORT -u PASSWORD PYTHONDONTWRITEBYTECODE=1)

status=0 passed=0 failed=0
# run_layer NAME CMD...: run a pytest layer, keep its output for the grand total
run_layer() {
    local name=$1 out="$LOCAL/test-$1.out"; shift
    "$@" 2>&1 | tee "$out" || status=1
    local p f
    read -r p f < <(awk '/[0-9]+ (passed|failed|errors?)( |,|$)/ { line = $0 }
        END { n = split(line, w, /[ ,=]+/); p = 0; f = 0
              for (i = 2; i <= n; i++) { if (w[i] == "passed") p = w[i-1]; if (w[i] ~ /^(failed|errors?)$/) f += w[i-1] }
              print p + 0, f + 0 }' "$out")
    passed=$((passed + p)) failed=$((failed + f))
    [ $((p + f)) -gt 0 ] || { log "layer $name ran no test"; status=1; }
}

log "layer 0: pylint-odoo (.pylintrc-mandatory)"
# the tests commit on purpose (what other cursors, workers and servers must see): there alone
# invalid-commit is off
ADDONS=(wecom_integration $(bridge_addons))
if ! (cd "$ROOT" && "$PY" -m pylint --rcfile=.pylintrc-mandatory --ignore=tests "${ADDONS[@]}" \
        && "$PY" -m pylint --rcfile=.pylintrc-mandatory --disable=invalid-commit "${ADDONS[@]/%//tests}"); then
    log "layer 0 FAILED: pylint-odoo messages above (fix them, or disable one inline with its reason)"
    status=1
fi

log "layer 1: WeCom client, crypto and emulator (no database)"
run_layer plain "${PYTEST_ENV[@]}" "$PY" -m pytest -p no:odoo -p no:cacheprovider -q "$ROOT/tests" --ignore="$ROOT/tests/browser" \
    --ignore="$ROOT/tests/deploy" --ignore="$ROOT/tests/fuzz"

log "layer 2: the addon on Odoo 11 + PostgreSQL"
ensure_addon "$CFG" "$TEST_DB" "$LOCAL/odoo-test-install.log"
cd "$ROOT"
run_layer odoo "${PYTEST_ENV[@]}" ODOO_RC="$CFG" "$PY" -m pytest -p no:cacheprovider -p no:warnings -q \
    --odoo-http wecom_integration/tests

# Each bridge on a database with the core and that bridge only, which is what proves it installs
# alone. The first time, the database starts as a copy of layer 2's (up to date, and the core's
# install not done again); later runs update the core and the bridge in it.
for bridge in $(bridge_addons); do
    log "layer 2b: $bridge on Odoo 11 + PostgreSQL, alone with the core"
    BRIDGE_DB="${TEST_DB}_${bridge#wecom_}"
    BRIDGE_CFG="$LOCAL/odoo-test-$bridge.cfg"
    write_odoo_config "$BRIDGE_CFG" "$TEST_PORT" "$BRIDGE_DB"
    addons="wecom_integration,$bridge"
    if ! db_exists "$BRIDGE_DB"; then
        duplicate_db "$CFG" "$TEST_DB" "$BRIDGE_DB" && addons="$bridge" \
            || { log "copying $TEST_DB failed: $BRIDGE_DB is made from scratch"; }
    fi
    if ! (ensure_addon "$BRIDGE_CFG" "$BRIDGE_DB" "$LOCAL/odoo-test-install-$bridge.log" "$addons"); then
        log "layer 2b: $bridge FAILED to install alone (log: $LOCAL/odoo-test-install-$bridge.log)"
        status=1
        continue
    fi
    run_layer "$bridge" "${PYTEST_ENV[@]}" ODOO_RC="$BRIDGE_CFG" "$PY" -m pytest -p no:cacheprovider -p no:warnings -q \
        --odoo-http "$bridge/tests"
done

if [ "${NO_BROWSER:-}" != 1 ] && [ -d "$ROOT/tests/browser" ]; then
    log "layer 3: browser smoke test"
    run_layer browser bash "$ROOT/tests/browser/run.sh"
fi

if [ "${NO_FUZZ:-}" != 1 ] && [ -d "$ROOT/tests/fuzz" ]; then
    log "layer 4: JSON API fuzzing from the OpenAPI document"
    run_layer fuzz bash "$ROOT/tests/fuzz/run.sh"
fi

if [ "${NO_DEPLOY:-}" != 1 ] && [ -d "$ROOT/tests/deploy" ]; then
    log "layer 5: deployment (two prefork servers, background jobs, a server killed)"
    run_layer deploy bash "$ROOT/tests/deploy/run.sh"
fi

[ $status = 0 ] && log "all test layers passed" || log "some tests FAILED"
echo "total: $passed passed, $failed failed"
exit $status
