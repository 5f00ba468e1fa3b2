#!/usr/bin/env bash
# 200 audit boards entering ballots at once against one canvass server over
# loopback: entries/s, p50/p90/p99 latency of the entry posts (and of the
# entry-form fetches), errors (must be 0: the script fails otherwise).
#
#   bench/serve-load.sh                       SQLite (a file in a temporary folder)
#   bench/serve-load.sh --postgres            SQLite, then a throwaway local PostgreSQL
#                                             (.ci/postgres.sh: Debian's postgresql)
#   bench/serve-load.sh --database postgres://user@host:port/db
#                                             SQLite, then that (empty) PostgreSQL database
#
# BOARDS (200), BALLOTS (20000), SEED (3: a close contest, 6,204 ballots to enter),
# RISK (0.01), METHOD (polling), MAX_SECONDS (120)
# set the run. The request loops are bounded by the round's sample and MAX_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
BOARDS=${BOARDS:-200}
BALLOTS=${BALLOTS:-20000}
SEED=${SEED:-3}
RISK=${RISK:-0.01}
METHOD=${METHOD:-polling}
MAX_SECONDS=${MAX_SECONDS:-120}
pg=""
case "${1:-}" in
  --postgres) pg=local ;;
  --database) pg="${2:?--database URL}" ;;
  "") ;;
  *) echo "usage: bench/serve-load.sh [--postgres | --database postgres://...]" >&2; exit 2 ;;
esac
target=${CARGO_TARGET_DIR:-target}
timefmt="process: wall %e s, CPU user %U s + sys %S s, peak RSS %M KiB"
run() {
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "$timefmt" "$target/release/examples/serve_load" \
    --boards "$BOARDS" --ballots "$BALLOTS" --risk-limit "$RISK" --method "$METHOD" \
    --max-seconds "$MAX_SECONDS" --seed "$SEED" "$@"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "== building (release)"
cargo build --release -p canvass-server --example serve_load 2>&1 | tail -1
echo "== SQLite: $BOARDS boards, $BALLOTS ballots, $METHOD, risk limit $RISK"
run

if [ -n "$pg" ]; then
  cargo build --release -p canvass-server --example serve_load --features postgres 2>&1 | tail -1
  if [ "$pg" = local ]; then
    source .ci/postgres.sh
    trap canvass_pg_stop EXIT
    unset CANVASS_TEST_POSTGRES_URL
    canvass_pg_start
    pg="$CANVASS_TEST_POSTGRES_URL"
  fi
  echo "== PostgreSQL ($pg): $BOARDS boards, $BALLOTS ballots, $METHOD, risk limit $RISK"
  run --database "$pg"
fi
