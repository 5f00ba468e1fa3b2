#!/usr/bin/env bash
# Benchmark `canvass verify` on the published record of a 1M-card audit
# (issue 4: "verify a full record of a 1M-ballot audit under 30 s").
#
#   bench/verify.sh [CARDS]        (default 1,000,000)
#
# 1. Release build of `canvass`.
# 2. Setup (timed for information only): `canvass demo --ballots N --out DIR`
#    generates the election, counts it, runs a ballot-comparison audit round
#    by round with simulated boards, publishes the record into DIR and
#    verifies it once.
# 3. The timed run: `canvass verify DIR`, under /usr/bin/time (wall, CPU,
#    peak RSS).
# 4. `sha256sum` over every file of the record: one SHA-256 pass over the same
#    bytes, the floor of any verifier that reads them all.
# Removes DIR unless KEEP=1.
set -euo pipefail

cards="${1:-1000000}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
dir="$target/bench/verify-record"
mkdir -p "$target/bench"

cargo build --release -p canvass --quiet
bin="$target/release/canvass"
timefmt="wall %e s, cpu %U s user + %S s sys, max RSS %M KB"
export SOURCE_DATE_EPOCH=1790000000

rm -rf "$dir"
echo "== setup: canvass demo --ballots $cards --out $dir"
/usr/bin/time -f "setup: $timefmt" "$bin" demo --ballots "$cards" --out "$dir" \
    | grep -E "^(==|   (PASS|FAIL))" || true
record_files=$(cd "$dir" && find . -path ./work -prune -o -type f ! -name .canvass-demo -print | sort)
bytes=$(cd "$dir" && echo "$record_files" | xargs stat -c %s | awk '{s+=$1} END {print s}')
echo "record: $(echo "$record_files" | wc -l) files, $bytes bytes"

echo "== canvass verify $dir (timed run)"
/usr/bin/time -f "verify: $timefmt" "$bin" verify "$dir" | grep -E "^(PASS|FAIL|ok    cvrs)"

echo "== sha256sum over the same files"
(cd "$dir" && echo "$record_files" | /usr/bin/time -f "sha256sum: $timefmt" xargs sha256sum > /dev/null)

if [ "${KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
