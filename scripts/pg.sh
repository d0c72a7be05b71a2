#!/usr/bin/env bash
# Project-local PostgreSQL cluster in .local/pg on 127.0.0.1:$PGPORT with role "odoo".
# As root, when the postgres OS user cannot enter the checkout (a clone under a mode-700
# directory), the data directory is /var/tmp/wecom-pg-<hash of the checkout path> instead, and
# .local/pg-location says so (scripts/lib.sh reads it).
# Usage: pg.sh start|stop|status|clean   (clean: stop, and delete a data directory kept outside .local)
source "$(dirname "$0")/lib.sh"

BIN="$(pg_bin)" || die "PostgreSQL server binaries not found: apt-get install postgresql"

# initdb/postgres refuse to run as root: run them as the postgres OS user then.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' OS user (apt-get install postgresql creates it)"
        # from / : postgres may not be allowed into the caller's working directory
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# postgres_can_enter DIR: can the postgres OS user reach DIR (search permission on every parent)?
postgres_can_enter() { (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null; }

init() {
    [ -f "$PGDATA/PG_VERSION" ] && return 0
    mkdir -p "$LOCAL"
    if [ "$(id -u)" = 0 ] && [ "$PGDATA" = "$LOCAL/pg" ] && ! postgres_can_enter "$LOCAL"; then
        PGDATA="/var/tmp/wecom-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
        log "the postgres OS user cannot enter $LOCAL: keeping the cluster in $PGDATA (see .local/pg-location)"
        echo "$PGDATA" > "$PG_LOCATION_FILE"
    fi
    # /var/tmp is world-writable: never follow a symlink there, never take over someone else's directory
    if [ -L "$PGDATA" ] || { [ -e "$PGDATA" ] && [ "$(id -u)" = 0 ] \
            && ! [[ "$(stat -c %U "$PGDATA")" =~ ^(root|postgres)$ ]]; }; then
        die "$PGDATA exists but is not a directory of root or postgres: remove it"
    fi
    log "initialising PostgreSQL cluster in $PGDATA"
    mkdir -p -m 700 "$PGDATA"
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

# `make clean`: .local itself is removed by the Makefile; a data directory kept outside it goes here
clean() {
    stop
    [ "$PGDATA" != "$LOCAL/pg" ] || return 0
    case "$PGDATA" in
        /var/tmp/wecom-pg-*) log "deleting $PGDATA"; rm -rf -- "$PGDATA" ;;
        *) log "not deleting $PGDATA (named in .local/pg-location, not a /var/tmp/wecom-pg-* directory)" ;;
    esac
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    clean) clean ;;
    status) is_up && echo "PostgreSQL up on $PGHOST:$PGPORT" || echo "PostgreSQL down" ;;
    *) die "usage: pg.sh start|stop|status|clean" ;;
esac
