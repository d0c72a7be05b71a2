#!/usr/bin/env bash
# Layer 4 of `make test`: the addon deployed as in production, background work included.
#
#   1. a fresh database (wecom_deploy) with the addon, pointed at a WeCom emulator (demo corp,
#      --latency-ms 20) on its own port; its scheduled directory syncs postponed by a day (they
#      would race the syncs the tests start), the job cron left as it is;
#   2. two Odoo servers on that one database, each in prefork mode with
#      --workers=2 --limit-request=5 --max-cron-threads=1 (a worker is recycled after 5 requests,
#      so jobs run while workers come and go), each with its own HTTP and longpolling port and
#      process group; the emulator posts contact changes to server A;
#   3. tests/deploy/test_*.py (pytest, plain HTTP and psycopg2 clients): background syncs,
#      contact changes, the outbox, and a server killed with SIGKILL in the middle of a sync;
#   4. everything it started is stopped on exit; the exit status is pytest's.
#
# Settings (environment): DEPLOY_ODOO_DB (wecom_deploy), DEPLOY_PORT_A / DEPLOY_PORT_B (8569 / 8570),
# DEPLOY_LONGPOLLING_A / DEPLOY_LONGPOLLING_B (8571 / 8572), DEPLOY_EMULATOR_PORT (8599),
# DEPLOY_KEEP_DB=1 (reuse the database instead of recreating it), DEPLOY_STACK_TIMEOUT (120 s),
# DEPLOY_HOLD=1 (keep the stack up after the tests until Ctrl-C, to look around), more pytest
# arguments as arguments (e.g. -k kill).
# Logs: .local/deploy-odoo-a.log, .local/deploy-odoo-b.log, .local/deploy-emulator.log.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
HERE="$ROOT/tests/deploy"

log() { printf '\033[1m[deploy]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[deploy] %s\033[0m\n' "$*" >&2; exit 1; }

DB="${DEPLOY_ODOO_DB:-wecom_deploy}"
PORT_A="${DEPLOY_PORT_A:-8569}"
PORT_B="${DEPLOY_PORT_B:-8570}"
LP_A="${DEPLOY_LONGPOLLING_A:-8571}"
LP_B="${DEPLOY_LONGPOLLING_B:-8572}"
EMU_PORT="${DEPLOY_EMULATOR_PORT:-8599}"
STACK_TIMEOUT="${DEPLOY_STACK_TIMEOUT:-120}"
case "$DB" in wecom|wecom_test|wecom_browser) die "DEPLOY_ODOO_DB=$DB belongs to another layer" ;; esac
CFG_A="$LOCAL/odoo-deploy-a.cfg"
CFG_B="$LOCAL/odoo-deploy-b.cfg"
LOG_A="$LOCAL/deploy-odoo-a.log"
LOG_B="$LOCAL/deploy-odoo-b.log"
EMU_LOG="$LOCAL/deploy-emulator.log"
PSQL="$(pg_bin)/psql"
started=$SECONDS
# prefork: 2 HTTP workers, 1 cron worker, each recycled after 5 requests (cron: 5 turns)
PREFORK=(--workers=2 --limit-request=5 --max-cron-threads=1)

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# a process (not a zombie) is left in process group $1
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

GROUPS_STARTED=()
stop_group() {
    local pgid=$1 i
    group_alive "$pgid" || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for i in $(seq 1 60); do group_alive "$pgid" || return 0; sleep 0.5; done
    log "process group $pgid still running after 30 s: SIGKILL"
    kill -KILL -- "-$pgid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pgid p i
    trap - EXIT INT TERM
    for pgid in "${GROUPS_STARTED[@]}"; do stop_group "$pgid"; done
    for p in "$PORT_A" "$PORT_B" "$LP_A" "$LP_B" "$EMU_PORT"; do
        for i in $(seq 1 20); do port_open "$p" || break; sleep 0.5; done
        if port_open "$p"; then
            log "something still listens on 127.0.0.1:$p after the stack was stopped"
            [ "$rc" != 0 ] || rc=1
        fi
    done
    exit "$rc"
}

# start_group LOGFILE CMD...: CMD in a process group of its own (kill -9 -PGID reaches all of a
# prefork server: master, HTTP and cron workers, longpolling); prints the group id
start_group() {
    local logfile=$1 pid i; shift
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    pid=$!
    disown "$pid"  # the test kills server A: no "Killed" job report from this shell
    for i in $(seq 1 50); do  # until setsid has run
        [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && break
        sleep 0.1
    done
    GROUPS_STARTED+=("$pid")
    STARTED_PGID=$pid
}

for p in "$PORT_A" "$PORT_B" "$LP_A" "$LP_B" "$EMU_PORT"; do
    port_open "$p" && die "port $p is already taken (a leftover deploy-test stack?): stop it, or set DEPLOY_* ports"
done
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/pg.sh" start
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# WECOM_*/WECHAT_* would override the stored settings (a real corp instead of the emulator)
CLEAN_ENV=(env)
for v in $(compgen -e | grep -E '^(WECOM|WECHAT)_' || true); do CLEAN_ENV+=(-u "$v"); done

log "starting the WeCom emulator on 127.0.0.1:$EMU_PORT (demo corp, 20 ms per call)"
start_group "$EMU_LOG" "${CLEAN_ENV[@]}" "$PY" -m wecom_emulator --host 127.0.0.1 --port "$EMU_PORT" \
    --directory demo --latency-ms 20
wait_http "http://127.0.0.1:$EMU_PORT/_emulator/corp" 20 || { cat "$EMU_LOG" >&2; die "the emulator did not start"; }

write_odoo_config "$CFG_A" "$PORT_A" "$DB"
write_odoo_config "$CFG_B" "$PORT_B" "$DB"
if [ "${DEPLOY_KEEP_DB:-}" != 1 ] && db_exists "$DB"; then
    log "dropping database $DB (DEPLOY_KEEP_DB=1 keeps it)"
    "$PSQL" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -qc "DROP DATABASE \"$DB\" WITH (FORCE)" >/dev/null
fi
ensure_addon "$CFG_A" "$DB" "$LOCAL/deploy-install.log"
"${CLEAN_ENV[@]}" "$PY" "$ROOT/scripts/configure_emulator.py" "$CFG_A" "$DB" "http://127.0.0.1:$EMU_PORT" \
    2>>"$LOCAL/deploy-install.log" || die "configuring the addon for the emulator failed (log: .local/deploy-install.log)"
# The scheduled directory syncs (due at once in a new database) would race the syncs the tests
# start: they wait a day. The job cron ("WeCom: run background jobs", every minute) is under test.
"$PSQL" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d "$DB" -qtAc "
    UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day'
    WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'wecom_integration' AND model = 'ir.cron'
                 AND name IN ('wecom_sync_all_cron', 'wecom_sync_users_cron', 'wecom_sync_departments_cron'))" >/dev/null
log "database ready after $((SECONDS - started)) s"

# tests/deploy/odoo_server.py, not `python -c`: the prefork master starts its longpolling
# process as `python <argv[0]> gevent ...`
: > "$LOG_A"; : > "$LOG_B"  # (Odoo appends: the tests read this run's lines only)
log "starting Odoo A on 127.0.0.1:$PORT_A and Odoo B on 127.0.0.1:$PORT_B (prefork ${PREFORK[*]}, database $DB)"
start_group "$LOCAL/deploy-odoo-a.out" "${CLEAN_ENV[@]}" "$PY" "$HERE/odoo_server.py" -c "$CFG_A" -d "$DB" \
    --logfile "$LOG_A" --longpolling-port "$LP_A" "${PREFORK[@]}"
PGID_A=$STARTED_PGID
start_group "$LOCAL/deploy-odoo-b.out" "${CLEAN_ENV[@]}" "$PY" "$HERE/odoo_server.py" -c "$CFG_B" -d "$DB" \
    --logfile "$LOG_B" --longpolling-port "$LP_B" "${PREFORK[@]}"
PGID_B=$STARTED_PGID
for p in "$PORT_A" "$PORT_B"; do
    wait_http "http://127.0.0.1:$p/web/login" "$STACK_TIMEOUT" \
        || { tail -n 30 "$LOG_A" "$LOG_B" >&2; die "Odoo did not answer on port $p within ${STACK_TIMEOUT}s"; }
done
# as an administrator would in WeCom's console: the emulator posts contact changes to server A
"${CLEAN_ENV[@]}" "$PY" "$ROOT/scripts/configure_emulator.py" "$CFG_A" "$DB" "http://127.0.0.1:$EMU_PORT" \
    "http://127.0.0.1:$PORT_A" 2>>"$LOCAL/deploy-install.log" || die "the emulator could not reach Odoo A's callback URL (see $LOG_A)"
log "stack up after $((SECONDS - started)) s"

status=0
(cd "$HERE" && env PYTHONDONTWRITEBYTECODE=1 \
    DEPLOY_A_URL="http://127.0.0.1:$PORT_A" DEPLOY_B_URL="http://127.0.0.1:$PORT_B" \
    DEPLOY_EMULATOR_URL="http://127.0.0.1:$EMU_PORT" DEPLOY_A_PGID="$PGID_A" DEPLOY_B_PGID="$PGID_B" \
    DEPLOY_DB="$DB" DEPLOY_PGHOST="$PGHOST" DEPLOY_PGPORT="$PGPORT" DEPLOY_PGUSER="$PGUSER_ODOO" \
    DEPLOY_A_LOG="$LOG_A" DEPLOY_B_LOG="$LOG_B" \
    "$PY" -m pytest -p no:odoo -p no:cacheprovider -c "$HERE/pytest.ini" --rootdir "$HERE" --confcutdir "$HERE" \
    "$HERE" "$@") || status=$?
# (pytest's summary stays the last "N passed/failed" line: scripts/test.sh totals those)
if [ $status = 0 ]; then
    log "deployment tests OK after $((SECONDS - started)) s in all"
else
    log "deployment tests FAILED (pytest status $status); logs: ${LOG_A#$ROOT/}, ${LOG_B#$ROOT/}, ${EMU_LOG#$ROOT/}"
fi
if [ "${DEPLOY_HOLD:-}" = 1 ]; then
    log "DEPLOY_HOLD=1: the stack stays up (A $PORT_A, B $PORT_B, emulator $EMU_PORT) until Ctrl-C"
    while true; do sleep 1; done  # (short: a signal's trap runs once the sleep ends)
fi
exit $status
