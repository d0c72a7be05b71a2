#!/usr/bin/env bash
# `make test`: every test layer; exits non-zero on any failure.
#   1. tests/                      client, crypto, emulator, wechatpy interop (no database)
#   2. wecom_integration/tests/    the addon on a real Odoo 11 database and HTTP server (pytest-odoo)
#   3. tests/browser/              headless Chromium against a running stack (skipped with NO_BROWSER=1)
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

status=0
log "layer 1: WeCom client, crypto and emulator (no database)"
"${PYTEST_ENV[@]}" "$PY" -m pytest -p no:odoo -p no:cacheprovider -q "$ROOT/tests" --ignore="$ROOT/tests/browser" || status=1

log "layer 2: the addon on Odoo 11 + PostgreSQL"
ensure_addon "$CFG" "$TEST_DB" "$LOCAL/odoo-test-install.log"
(cd "$ROOT" && "${PYTEST_ENV[@]}" ODOO_RC="$CFG" "$PY" -m pytest -p no:cacheprovider -p no:warnings -q \
    --odoo-http wecom_integration/tests) || status=1

if [ "${NO_BROWSER:-}" != 1 ] && [ -d "$ROOT/tests/browser" ]; then
    log "layer 3: browser smoke test"
    bash "$ROOT/tests/browser/run.sh" || status=1
fi

[ $status = 0 ] && log "all test layers passed" || log "some tests FAILED"
exit $status
