#!/usr/bin/env bash
# bench/checks.sh -- the checks at statewide scale on generated records:
#   reconcile a 5,000-precinct election (accounting, poll books, tapes of
#   ~7,500 tabulators vs the statement of votes, mail batches, manifest,
#   county and state totals); timeliness of 100,000 mail ballots; machine vs
#   paper (full hand count of 5,000 batches).
# No peer tool runs these reconciliations, so there is no side-by-side figure.
# Usage: bench/checks.sh [PRECINCTS]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
P=${1:-5000}
cargo build --release -q -p canvass
B=${CARGO_TARGET_DIR:-target}/release/canvass
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
t() { local name=$1; shift; /usr/bin/time -f "$name: %e s wall, %U s user, %S s sys, %M KB peak" "$@"; }
t "mock ($P precincts)" "$B" check mock --out "$D" --precincts "$P" > /dev/null
for f in accounting poll_book tapes sov mail_ballots hand; do
  printf '%s.csv: %s rows\n' "$f" "$(($(wc -l < "$D/$f.csv") - 1))"
done
t "reconcile" "$B" check reconcile --dir "$D" --json > "$D/reconcile.json"
t "timeliness" "$B" check timeliness --ballots "$D/mail_ballots.csv" --election 2020-general --json > "$D/timeliness.json"
t "machine-vs-paper" "$B" check machine-vs-paper --hand "$D/hand.csv" --machine "$D/machine.csv" \
  --discrepancies "$D/audit_discrepancies.csv" --full --json > "$D/mvp.json"
python3 - "$D" <<'PY'
import json, sys
d = sys.argv[1]
for name in ["reconcile", "timeliness", "mvp"]:
    f = json.load(open(f"{d}/{name}.json"))
    print(f"{f['check']}: {len(f['failures'])} failing rows; status {f['status']}")
PY
