#!/usr/bin/env bash
# The public pages of a 1M-ballot election on `canvass serve`: CVR upload
# (import time, CPU, peak RSS), the audit's set-up steps, round 1 entered by
# the boards, then REQUESTS requests each of GET /e/1/report (the audit
# report), /e/1 (results) and /rumors, timed on the server (router) and on
# the client (loopback); finally a restart (log replay) timed.
#
#   bench/serve-report.sh [--postgres | --database postgres://...]
#
# CARDS (1000000), CONTESTS (2), REQUESTS (200), BOARDS (20), RISK (0.05),
# METHOD (comparison). The CVRs come from `canvass generate` (CDF JSON); the
# folder is removed unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
CARDS=${CARDS:-1000000}
CONTESTS=${CONTESTS:-2}
REQUESTS=${REQUESTS:-200}
BOARDS=${BOARDS:-20}
RISK=${RISK:-0.05}
METHOD=${METHOD:-comparison}
db_args=()
features=()
case "${1:-}" in
  --postgres) features=(--features postgres) ;;
  --database) features=(--features postgres); db_args=(--database "${2:?--database URL}") ;;
  "") ;;
  *) echo "usage: bench/serve-report.sh [--postgres | --database postgres://...]" >&2; exit 2 ;;
esac
target=${CARGO_TARGET_DIR:-target}
dir="$target/bench/serve-report"
timefmt="process: wall %e s, CPU user %U s + sys %S s, peak RSS %M KiB"

echo "== building (release)"
cargo build --release -p canvass --quiet
cargo build --release -p canvass-server --example serve_report "${features[@]}" 2>&1 | tail -1

mkdir -p "$dir"
if [ ! -f "$dir/cvr-$CARDS.json" ]; then
  echo "== canvass generate --ballots $CARDS --contests $CONTESTS --format cdf-json"
  /usr/bin/time -f "generate: wall %e s" "$target/release/canvass" generate --ballots "$CARDS" \
    --contests "$CONTESTS" --ranked 0 --seed 7 --format cdf-json --out "$dir/cvr-$CARDS.json" > /dev/null
fi
if [ "${1:-}" = --postgres ]; then
  source .ci/postgres.sh
  trap 'canvass_pg_stop; [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"' EXIT
  unset CANVASS_TEST_POSTGRES_URL
  canvass_pg_start
  db_args=(--database "$CANVASS_TEST_POSTGRES_URL")
else
  trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$dir"' EXIT
fi
echo "== serve_report: $CARDS cards, $METHOD audit at risk limit $RISK, $BOARDS boards, $REQUESTS requests per page ${db_args[*]:-(SQLite)}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "$timefmt" "$target/release/examples/serve_report" \
  --cvrs "$dir/cvr-$CARDS.json" --manifest "$dir/cvr-$CARDS.manifest.csv" \
  --requests "$REQUESTS" --boards "$BOARDS" --risk-limit "$RISK" --method "$METHOD" "${db_args[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
