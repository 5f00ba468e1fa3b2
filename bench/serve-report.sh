#!/usr/bin/env bash
# The public pages of a 1M-ballot election on `canvass serve`: CVR upload
# (import time, CPU, peak RSS), the audit's set-up steps, round 1 entered by
# the boards, then REQUESTS requests each of GET /e/1/report (the audit
# report), /e/1 (results) and /rumors, timed on the server (router) and on
# the client (loopback); finally a restart (log replay) timed.
#
#   bench/serve-report.sh [--postgres | --database postgres://...]
#
# CARDS (1000000), REQUESTS (200), BOARDS (20), RISK (0.05), METHOD
# (comparison), SEED (7). The CVRs (CDF JSON, 2 contests) and manifest are
# written first, as `canvass generate --ballots CARDS --contests 2 --ranked 0
# --seed SEED --format cdf-json` writes them, into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
CARDS=${CARDS:-1000000}
REQUESTS=${REQUESTS:-200}
BOARDS=${BOARDS:-20}
RISK=${RISK:-0.05}
METHOD=${METHOD:-comparison}
SEED=${SEED:-7}
db_args=()
features=()
case "${1:-}" in
  --postgres) features=(--features postgres) ;;
  --database) features=(--features postgres); db_args=(--database "${2:?--database URL}") ;;
  "") ;;
  *) echo "usage: bench/serve-report.sh [--postgres | --database postgres://...]" >&2; exit 2 ;;
esac
target=${CARGO_TARGET_DIR:-target}
timefmt="process: wall %e s, CPU user %U s + sys %S s, peak RSS %M KiB"

echo "== building (release)"
cargo build --release -p canvass-server --example serve_report "${features[@]}" 2>&1 | tail -1
if [ "${1:-}" = --postgres ]; then
  source .ci/postgres.sh
  trap canvass_pg_stop EXIT
  unset CANVASS_TEST_POSTGRES_URL
  canvass_pg_start
  db_args=(--database "$CANVASS_TEST_POSTGRES_URL")
fi
echo "== serve_report: $CARDS cards, $METHOD audit at risk limit $RISK, $BOARDS boards, $REQUESTS requests per page, store ${db_args[*]:-SQLite}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "$timefmt" "$target/release/examples/serve_report" \
  --generate "$CARDS" --seed "$SEED" --requests "$REQUESTS" --boards "$BOARDS" \
  --risk-limit "$RISK" --method "$METHOD" "${db_args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
