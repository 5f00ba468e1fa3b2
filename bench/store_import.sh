#!/usr/bin/env bash
# Benchmark a statewide card import into the SQLite store (issue 4: "a
# statewide CVR set (5M cards) imports in bounded memory").
#
#   bench/store_import.sh [CARDS]        (default 5,000,000)
#
# Runs the `bench_import` example of canvass-store (release build): N
# generated cards (4 contests, one of them ranked with 5 ranks) imported in
# one transaction into a fresh SQLite file under the target dir, then read
# back in `seq` order. It prints cards/s for both, the file size and the
# peak RSS the process saw; /usr/bin/time adds wall and CPU seconds (the
# machine is shared, so CPU time is the steadier figure).
#
# With CANVASS_BENCH_POSTGRES_URL set (and the `postgres` feature, which this
# script turns on then), the same import goes into PostgreSQL instead.
set -euo pipefail

cards="${1:-5000000}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bench_dir="$target/bench"
db="$bench_dir/store_import.db"
mkdir -p "$bench_dir"
rm -f "$db" "$db-wal" "$db-shm"

features=()
if [[ -n "${CANVASS_BENCH_POSTGRES_URL:-}" ]]; then
  features=(--features postgres)
fi
cargo build --release -p canvass-store --example bench_import "${features[@]}" --quiet

echo "== importing $cards generated cards"
/usr/bin/time -f "process: wall %e s, cpu %U s user + %S s sys, max RSS %M KB" \
  "$target/release/examples/bench_import" "$cards" "$db"
uptime
rm -f "$db" "$db-wal" "$db-shm"
