#!/usr/bin/env bash
# Project-local PostgreSQL cluster in .local/pg on 127.0.0.1:$PGPORT with role "odoo".
# Usage: pg.sh start|stop|status
source "$(dirname "$0")/lib.sh"

BIN="$(pg_bin)" || die "PostgreSQL server binaries not found: apt-get install postgresql"

# initdb/postgres refuse to run as root: run them as the postgres OS user then.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' OS user (apt-get install postgresql creates it)"
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

init() {
    [ -f "$PGDATA/PG_VERSION" ] && return 0
    log "initialising PostgreSQL cluster in $PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    as_owner "$BIN/initdb" -D "$PGDATA" -U pgadmin --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off                     # a throwaway development cluster
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
}

is_up() { "$BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT"; }

start() {
    init
    if ! is_up; then
        log "starting PostgreSQL on $PGHOST:$PGPORT"
        as_owner "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -o "-p $PGPORT" -w start >/dev/null \
            || { tail -n 20 "$PGDATA/server.log" >&2; die "PostgreSQL did not start (is port $PGPORT taken? set PGPORT)"; }
    fi
    "$BIN/psql" -h "$PGHOST" -p "$PGPORT" -U pgadmin -d postgres -tAq -c \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PGUSER_ODOO') THEN CREATE ROLE $PGUSER_ODOO LOGIN CREATEDB; END IF; END\$\$;"
}

stop() {
    [ -f "$PGDATA/postmaster.pid" ] || return 0
    log "stopping PostgreSQL"
    as_owner "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) is_up && echo "PostgreSQL up on $PGHOST:$PGPORT" || echo "PostgreSQL down" ;;
    *) die "usage: pg.sh start|stop|status" ;;
esac
