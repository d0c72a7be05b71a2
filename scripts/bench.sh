#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing its figures and ratios (never pass/fail on time).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
shopt -s nullglob
benches=("$ROOT"/bench/*_bench.py)
[ ${#benches[@]} -gt 0 ] || { log "no benchmarks yet (bench/*_bench.py)"; exit 0; }
bash "$ROOT/scripts/pg.sh" start
for bench in "${benches[@]}"; do
    log "running $(basename "$bench")"
    (cd "$ROOT" && "$PY" "$bench")
done
