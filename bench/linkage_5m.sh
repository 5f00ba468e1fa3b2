#!/usr/bin/env bash
# bench/linkage_5m.sh -- the issue's speed target: a voter history against
# death records (`canvass check deceased`), next to Splink 5 (DuckDB) on the
# same files (bench/splink_people.py). Generates the register with
# `canvass check mock-people` in a scratch directory (SCRATCH, default a
# mktemp dir under $TMPDIR; removed afterwards unless KEEP=1), then prints
# wall, CPU time (user+sys) and peak RSS of each step, planted dead voters
# found, matches with death before vote, the naive count (exact name +
# birth date) and the birthday-problem expectation. Load average is printed
# before and after (the machine is shared).
# Usage: bench/linkage_5m.sh           (200,000 voters x 120,000 deaths)
#        bench/linkage_5m.sh --full    (5,000,000 x 3,000,000: about 1.1 GB of
#                                       CSV, 6 GB peak while generating)
#        VOTERS=... DEATHS=... to choose; SPLINK_PYTHON=python with splink==5.0.0
#        and pandas importable (SPLINK=0 skips it); SPLINK_MEMORY=8GB is
#        DuckDB's memory limit (it spills to SCRATCH beyond it).
set -euo pipefail
cd "$(dirname "$0")/.."
VOTERS=${VOTERS:-200000}
DEATHS=${DEATHS:-120000}
if [ "${1:-}" = "--full" ]; then VOTERS=5000000; DEATHS=3000000; fi
SPLINK_PYTHON=${SPLINK_PYTHON:-python3}
SPLINK=${SPLINK:-1}
SPLINK_MEMORY=${SPLINK_MEMORY:-8GB}
cargo build --release -q -p canvass
BIN=${CARGO_TARGET_DIR:-target}/release/canvass
WORK=${SCRATCH:-$(mktemp -d)}
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

TIMED_WIDTH=16
source bench/timed.sh

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$WORK/voters.csv" ] || timed mock-people "$BIN" check mock-people --out "$WORK" --voters "$VOTERS" --deaths "$DEATHS"
echo "register: $(($(wc -l < "$WORK/voters.csv") - 1)) voters, $(($(wc -l < "$WORK/deaths.csv") - 1)) deaths"
timed deceased "$BIN" check deceased --voters "$WORK/voters.csv" --deaths "$WORK/deaths.csv" --json
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
dead = {tuple(x) for x in json.load(open(f"{w}/truth.json"))["dead_voters"]}
d = json.load(open(f"{w}/deceased.out"))
f = d["finding"]["figures"]
found = {(m["voter"], m["death"]) for m in d["matches"] if m["death_before_vote"]}
print(f"canvass deceased: candidate pairs {f['candidate_pairs']}, matches {f['matches']}, "
      f"death before vote {f['matches_death_before_vote']} (planted {len(dead)}, found {len(dead & found)}); "
      f"naive exact name+dob pairs {f['naive_exact_name_and_birth_date_pairs']}, "
      f"expected by coincidence {d['expected_coincidental']:.1f}")
print(f"  cases not planted {len(found - dead)}; the model's expected false among cases "
      f"{f['expected_false_among_cases']:.1f}")
for p in f["blocking_passes"]:
    print(f"  pass {p['pass']}: {p['pairs']} pairs, {p['skipped_blocks']} blocks skipped ({p['skipped_pairs']} pairs)")
PY
echo "load after canvass: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$SPLINK" = 1 ] && "$SPLINK_PYTHON" -c "import splink, pandas, duckdb" 2>/dev/null; then
  mkdir -p "$WORK/duckdb-tmp"
  /usr/bin/time -v "$SPLINK_PYTHON" bench/splink_people.py "$WORK" "$SPLINK_MEMORY" "$WORK/duckdb-tmp" \
    2> "$WORK/splink.time" | tee "$WORK/splink.out" || echo "splink stopped (exit $?); last stage above"
  grep -E "Elapsed|Maximum resident|Exit status" "$WORK/splink.time" || true
  echo "load after splink: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  echo "splink not run (SPLINK=0, or splink/pandas/duckdb not importable by $SPLINK_PYTHON: pip install splink==5.0.0 pandas)"
fi
