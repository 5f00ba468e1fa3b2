#!/usr/bin/env bash
# bench/linkage.sh -- record linkage (canvass check deceased / duplicates):
#  1. FEBRL4 (../shared/data/febrl): precision, recall, F1 of our linkage, of
#     the naive method (exact first name + surname + date of birth) and, when
#     the Python package `recordlinkage` is importable (PYTHON=... to choose
#     the interpreter), of recordlinkage's Fellegi-Sunter/EM on the same files.
#  2. Scale: a generated register of VOTERS voters (default 1,000,000) against
#     DEATHS death records (default 100,000), then duplicates within the
#     voters: wall time, CPU time (user+sys) and peak memory of each command.
# Usage: bench/linkage.sh            (VOTERS=... DEATHS=... to change sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
VOTERS=${VOTERS:-1000000}
DEATHS=${DEATHS:-100000}
PYTHON=${PYTHON:-python3}
cargo build --release -q -p canvass
BIN=${CARGO_TARGET_DIR:-target}/release/canvass
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

timed() { # timed NAME CMD... : run, keep stdout in $WORK/NAME.out, print time and memory
  local name=$1; shift
  /usr/bin/time -v "$@" > "$WORK/$name.out" 2> "$WORK/$name.time"
  awk -v n="$name" -F': ' '
    /Elapsed \(wall clock\)/ {w=$2} /User time/ {u=$2} /System time/ {s=$2}
    /Maximum resident set size/ {m=$2}
    END {printf "%-28s wall %s  cpu %.2fs (user %s + sys %s)  peak RSS %.0f MiB\n", n, w, u+s, u, s, m/1024}' \
    "$WORK/$name.time"
}

FEBRL=../shared/data/febrl
if [ -f "$FEBRL/dataset4a.csv" ]; then
  MAP="id=rec_id,first_name=given_name,last_name=surname,address=address_1,city=suburb,zip=postcode,birth_date=date_of_birth,national_id=soc_sec_id"
  timed febrl4-canvass "$BIN" check duplicates --voters "$FEBRL/dataset4a.csv" \
    --other-state "$FEBRL/dataset4b.csv" --map "$MAP" --map-other "$MAP" --json
  "$PYTHON" - "$WORK/febrl4-canvass.out" "$FEBRL" <<'PY'
import csv, json, sys
out, d = sys.argv[1], sys.argv[2]
def rows(f):
    with open(f"{d}/{f}") as h:
        return list(csv.DictReader(h, skipinitialspace=True))
a, b = rows("dataset4a.csv"), rows("dataset4b.csv")
n = lambda r: r["rec_id"].split("-")[1]
truth = {(x["rec_id"], y["rec_id"]) for x in a for y in b if False}
by = {}
for y in b: by.setdefault(n(y), []).append(y["rec_id"])
truth = {(x["rec_id"], y) for x in a for y in by.get(n(x), [])}
def score(name, found):
    tp = len(found & truth); p = tp / max(len(found), 1); r = tp / len(truth)
    print(f"{name:<28} found {len(found)} precision {p:.4f} recall {r:.4f} F1 {2*p*r/max(p+r,1e-12):.4f}")
score("FEBRL4 canvass", {(p["a"], p["b"]) for p in json.load(open(out))["pairs"]})
key = lambda r: (r["given_name"], r["surname"], r["date_of_birth"])
idx = {}
for y in b:
    if all(key(y)): idx.setdefault(key(y), []).append(y["rec_id"])
score("FEBRL4 naive exact name+dob", {(x["rec_id"], y) for x in a if all(key(x)) for y in idx.get(key(x), [])})
PY
  if "$PYTHON" -c "import recordlinkage" 2>/dev/null; then
    "$PYTHON" bench/febrl_recordlinkage.py "$FEBRL"
  else
    echo "recordlinkage not importable by $PYTHON: peer run skipped (pip install recordlinkage)"
  fi
else
  echo "skipped FEBRL: $FEBRL not present"
fi

timed mock-people "$BIN" check mock-people --out "$WORK" --voters "$VOTERS" --deaths "$DEATHS"
echo "register: $(($(wc -l < "$WORK/voters.csv") - 1)) voters, $(($(wc -l < "$WORK/deaths.csv") - 1)) deaths, $(($(wc -l < "$WORK/other_state.csv") - 1)) other-state voters"
timed deceased "$BIN" check deceased --voters "$WORK/voters.csv" --deaths "$WORK/deaths.csv" --json
timed duplicates-within "$BIN" check duplicates --voters "$WORK/voters.csv" --json
timed duplicates-across "$BIN" check duplicates --voters "$WORK/voters.csv" --other-state "$WORK/other_state.csv" --json
"$PYTHON" - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
t = json.load(open(f"{w}/truth.json"))
d = json.load(open(f"{w}/deceased.out"))
f = d["finding"]["figures"]
dead = {tuple(x) for x in t["dead_voters"]}
found = {(m["voter"], m["death"]) for m in d["matches"] if m["death_before_vote"]}
print(f"deceased: candidate pairs {f['candidate_pairs']}, matches {f['matches']}, "
      f"death before vote {f['matches_death_before_vote']} (planted {len(dead)}, found {len(dead & found)}); "
      f"naive exact name+dob pairs {f['naive_exact_name_and_birth_date_pairs']}, "
      f"expected by coincidence {d['expected_coincidental']:.1f}")
for name, key in [("duplicates-within", "in_file"), ("duplicates-across", "cross_state")]:
    o = json.load(open(f"{w}/{name}.out"))
    planted = {tuple(sorted(x)) for x in t[key]}
    got = {tuple(sorted((p["a"], p["b"]))) for p in o["pairs"] if p["both_voted"]}
    print(f"{name}: pairs {len(o['pairs'])}, both voted {len(got)} (planted {len(planted)}, found {len(planted & got)}), "
          f"candidate pairs {o['finding']['figures']['candidate_pairs']}, expected by coincidence {o['expected_coincidental']:.1f}")
PY
