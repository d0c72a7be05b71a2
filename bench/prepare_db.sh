#!/usr/bin/env bash
# bench/prepare_db.sh CFG DB: write an Odoo config for the benchmark database and create it with
# wecom_integration installed (or update the addon in it). Called by bench/sync_bench.py, so that
# `make bench` stays self-contained; it reuses the project helpers of scripts/lib.sh.
source "$(dirname "$0")/../scripts/lib.sh"
cfg=$1 db=$2
write_odoo_config "$cfg" "${BENCH_HTTP_PORT:-8269}" "$db"
ensure_addon "$cfg" "$db" "$LOCAL/odoo-install-$db.log"
