#!/usr/bin/env bash
# 200 audit boards entering ballots at once against one canvass server over
# loopback: entries/s, p50/p90/p99 latency of the entry posts (and of the
# entry-form fetches), errors. SQLite by default; PostgreSQL with
#   CANVASS_BENCH_POSTGRES_URL=postgresql://user:pass@127.0.0.1/db bench/serve-load.sh
# The request loops are bounded by the round's sample and --max-seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
BOARDS=${BOARDS:-200}
BALLOTS=${BALLOTS:-20000}
RISK=${RISK:-0.01}
echo "== building (release)"
cargo build --release -p canvass-server --example serve_load --features "${FEATURES:-}" 2>&1 | tail -1
bin=${CARGO_TARGET_DIR:-target}/release/examples/serve_load
echo "== SQLite: $BOARDS boards, $BALLOTS ballots, risk limit $RISK (polling)"
/usr/bin/time -f "cpu: user %U s, sys %S s, wall %e s, peak RSS %M KiB" \
  "$bin" --boards "$BOARDS" --ballots "$BALLOTS" --risk-limit "$RISK" --max-seconds 120
if [ -n "${CANVASS_BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL"
  cargo build --release -p canvass-server --example serve_load --features postgres 2>&1 | tail -1
  /usr/bin/time -f "cpu: user %U s, sys %S s, wall %e s, peak RSS %M KiB" \
    "$bin" --boards "$BOARDS" --ballots "$BALLOTS" --risk-limit "$RISK" --max-seconds 120 \
    --database "$CANVASS_BENCH_POSTGRES_URL"
fi
