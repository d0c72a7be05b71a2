# The stack of a test layer that drives `make run`'s processes (tests/browser, tests/fuzz):
# scripts/run.sh in a process group of its own on the layer's ports and database, waited for, and
# always stopped on exit. Sourced; the layer sets before: ROOT, ODOO_PORT, EMULATOR_PORT, ODOO_DB,
# STACK_LOG, STACK_TIMEOUT, STACK_PY (a Python for the HTTP probes, read when called), STACK_NAME and
# STACK_PORT_VARS (for messages), started (=$SECONDS), and the functions log and die.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_ok() { "$STACK_PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" >/dev/null 2>&1; }

# process $1 runs (a zombie does not)
proc_alive() { local s; s="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ $s != Z* ]]; }

# a process (not a zombie) is left in process group $1
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

STACK_PID=""
stop_stack() {
    local rc=$? i p
    trap - EXIT INT TERM
    if [ -n "$STACK_PID" ]; then
        if group_alive "$STACK_PID"; then
            log "stopping the stack (scripts/run.sh, process group $STACK_PID)"
            kill -TERM -- "-$STACK_PID" 2>/dev/null || true
            for i in $(seq 1 120); do group_alive "$STACK_PID" || break; sleep 0.5; done
            if group_alive "$STACK_PID"; then
                log "still running after 60 s: SIGKILL"
                kill -KILL -- "-$STACK_PID" 2>/dev/null || true
                sleep 1
            fi
        fi
        wait "$STACK_PID" 2>/dev/null || true
        for p in "$ODOO_PORT" "$EMULATOR_PORT"; do
            for i in $(seq 1 20); do port_open "$p" || break; sleep 0.5; done
            if port_open "$p"; then
                log "something still listens on 127.0.0.1:$p after the stack was stopped:"
                ss -ltnp "sport = :$p" >&2 2>/dev/null || true
                [ "$rc" != 0 ] || rc=1
            fi
        done
    fi
    exit "$rc"
}

start_stack() {
    local p
    for p in "$ODOO_PORT" "$EMULATOR_PORT"; do
        if port_open "$p"; then
            ss -ltnp "sport = :$p" >&2 2>/dev/null || true
            die "port $p is already taken (a leftover $STACK_NAME stack?): stop it, or set $STACK_PORT_VARS"
        fi
    done
    # WECOM_*/WECHAT_* would make scripts/run.sh talk to a real corp and override the stored settings
    # (the layers send real messages: only ever to the emulator).
    local clean_env=(-u EMULATOR_DIRECTORY) v
    for v in $(compgen -e | grep -E '^(WECOM|WECHAT)_' || true); do clean_env+=(-u "$v"); done
    log "starting scripts/run.sh: Odoo on 127.0.0.1:$ODOO_PORT (database $ODOO_DB), emulator on 127.0.0.1:$EMULATOR_PORT"
    trap stop_stack EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # setsid: a process group of its own, so stop_stack reaches every process run.sh started
    # no scheduler: a scheduled sync must not race what the tests do
    setsid env "${clean_env[@]}" ODOO_DB="$ODOO_DB" ODOO_PORT="$ODOO_PORT" EMULATOR_PORT="$EMULATOR_PORT" \
        ODOO_EXTRA_ARGS="--max-cron-threads=0" bash "$ROOT/scripts/run.sh" >"$STACK_LOG" 2>&1 </dev/null &
    STACK_PID=$!
    local i
    for i in $(seq 1 50); do  # until setsid has run
        [ "$(ps -o pgid= -p "$STACK_PID" 2>/dev/null | tr -d ' ')" = "$STACK_PID" ] && break
        sleep 0.1
    done

    local deadline=$((SECONDS + STACK_TIMEOUT)) status
    until http_ok "http://127.0.0.1:$ODOO_PORT/web/login"; do
        if ! proc_alive "$STACK_PID"; then
            status=0; wait "$STACK_PID" || status=$?
            tail -n 40 "$STACK_LOG" >&2
            die "scripts/run.sh exited (status $status) before Odoo answered on port $ODOO_PORT (log: ${STACK_LOG#$ROOT/})"
        fi
        if [ $SECONDS -ge $deadline ]; then
            tail -n 40 "$STACK_LOG" >&2
            die "Odoo did not answer on http://127.0.0.1:$ODOO_PORT/web/login within ${STACK_TIMEOUT}s (log: ${STACK_LOG#$ROOT/})"
        fi
        sleep 1
    done
    http_ok "http://127.0.0.1:$EMULATOR_PORT/_emulator/corp" || die "the emulator does not answer on port $EMULATOR_PORT"
    log "stack up after $((SECONDS - started)) s"
}
