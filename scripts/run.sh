#!/usr/bin/env bash
# `make run`: PostgreSQL, the WeCom emulator (unless real credentials are set) and Odoo with the
# addon and its bridge addons installed, in the foreground. Ctrl-C stops everything it started.
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/setup.sh"
pg_was_up=true
[ "$(bash "$ROOT/scripts/pg.sh" status)" = "PostgreSQL down" ] && pg_was_up=false
bash "$ROOT/scripts/pg.sh" start

CFG="$LOCAL/odoo-$ODOO_DB.cfg"
ODOO_LOG="$LOCAL/odoo-$ODOO_DB.log"
EMULATOR_LOG="$LOCAL/emulator-$EMULATOR_PORT.log"
write_odoo_config "$CFG" "$ODOO_PORT" "$ODOO_DB"

pids=()
cleanup() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    $pg_was_up || bash "$ROOT/scripts/pg.sh" stop
}
trap cleanup INT TERM EXIT

real_corp() {
    [ -n "${WECOM_CORP_ID:-${WECHAT_CORP_ID:-}}" ] && [ -n "${WECOM_AGENT_ID:-${WECHAT_AGENT_ID:-}}" ] \
        && [ -n "${WECOM_SECRET:-${WECHAT_SECRET:-}}" ]
}

if real_corp; then
    export WECOM_API_BASE_URL="${WECOM_API_BASE_URL:-${WECHAT_API_BASE_URL:-https://qyapi.weixin.qq.com/cgi-bin}}"
    backend="WeCom at $WECOM_API_BASE_URL (credentials from the environment)"
else
    log "starting the WeCom emulator on 127.0.0.1:$EMULATOR_PORT"
    "$PY" -m wecom_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" --directory "${EMULATOR_DIRECTORY:-demo}" \
        > "$EMULATOR_LOG" 2>&1 &
    pids+=($!)
    wait_http "http://127.0.0.1:$EMULATOR_PORT/_emulator/corp" 20 || { cat "$EMULATOR_LOG" >&2; die "the emulator did not start"; }
    backend="the WeCom emulator at http://127.0.0.1:$EMULATOR_PORT/cgi-bin"
fi

# the core and every bridge addon (which bring hr, hr_holidays, mail): installed the first time,
# updated on later runs. WECOM_BRIDGES (space-separated, may be empty) names the bridges instead.
BRIDGES="${WECOM_BRIDGES-$(bridge_addons)}"
ensure_addon "$CFG" "$ODOO_DB" "$LOCAL/odoo-install-$ODOO_DB.log" "$(echo wecom_integration $BRIDGES | tr ' ' ,)"
if ! real_corp; then
    # fills only the settings still empty, so an administrator's changes survive restarts
    "$PY" "$ROOT/scripts/configure_emulator.py" "$CFG" "$ODOO_DB" "http://127.0.0.1:$EMULATOR_PORT"
fi

# started directly (not through the `odoo` shell function) so that $! is Odoo itself
# ODOO_EXTRA_ARGS: more Odoo options, e.g. --max-cron-threads=0 for a stack under test
# --load: every installed module is imported in the main thread before the HTTP thread starts.
# Otherwise the first request imports the addons (http.Root.load_addons) while the preload thread
# imports them too, and Odoo's addon importer hands the second thread a half-imported package: the
# registry then lacks models for the life of the process ("unknown comodel_name 'wecom.tag'").
"$PY" -c 'import odoo.cli; odoo.cli.main()' -c "$CFG" -d "$ODOO_DB" --logfile "$ODOO_LOG" \
    --load="$(installed_modules "$ODOO_DB")" ${ODOO_EXTRA_ARGS:-} &
pids+=($!)
# the first page of a new database compiles the asset bundles (mail and hr add theirs): minutes on a busy machine
wait_http "http://127.0.0.1:$ODOO_PORT/web/login" 240 || { tail -n 30 "$ODOO_LOG" >&2; die "Odoo did not start"; }
if ! real_corp; then
    # as an administrator would in WeCom's console: the emulator posts contact changes to Odoo
    "$PY" "$ROOT/scripts/configure_emulator.py" "$CFG" "$ODOO_DB" "http://127.0.0.1:$EMULATOR_PORT" \
        "http://127.0.0.1:$ODOO_PORT" || log "the emulator could not reach Odoo's callback URL (see $ODOO_LOG)"
fi

cat <<MSG

  Odoo          http://127.0.0.1:$ODOO_PORT   (login admin / admin, database $ODOO_DB)
  WeCom         $backend
$( real_corp || echo "  Inbox         http://127.0.0.1:$EMULATOR_PORT/   (messages as members receive them)")
  Settings      WeCom > Configuration > Settings (Test connection)
$( real_corp || echo "  WeCom login   http://127.0.0.1:$ODOO_PORT/web/login > Log in with WeCom (scan as 张伟, 刘艳 or 王强)")
$( real_corp || [[ " $BRIDGES " != *" wecom_hr_holidays "* ]] || echo "  Leave demo    log in with WeCom as 王强, Leaves > Leave Requests > Create (type Unpaid);
                his manager 刘艳 taps 同意 at http://127.0.0.1:$EMULATOR_PORT/?userid=liuyan and the leave is approved")
  Logs          ${ODOO_LOG#$ROOT/}$( real_corp || echo ", ${EMULATOR_LOG#$ROOT/}")

  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
