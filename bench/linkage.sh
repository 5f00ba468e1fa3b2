#!/usr/bin/env bash
# bench/linkage.sh -- record linkage (canvass check deceased / duplicates):
#  1. FEBRL4 (../shared/data/febrl): precision, recall, F1 of our linkage on
#     clear files, on files hashed with `canvass check hash-people` (one
#     random salt) and linked with --hashed, of the naive method (exact
#     first name + surname + date of birth) and, when importable, of the
#     peers: the Python package `recordlinkage` (PYTHON=... to choose the
#     interpreter) and Splink 5 with DuckDB (SPLINK_PYTHON=..., default
#     $PYTHON; e.g. a venv under the target dir with `pip install
#     splink==5.0.0 pandas`).
#  2. Scale: a generated register of VOTERS voters (default 1,000,000) against
#     DEATHS death records (default 100,000), then duplicates within the
#     voters and across states: wall time, CPU time (user+sys) and peak
#     memory of each command. SCALE="deceased hashed duplicates-within
#     duplicates-across" chooses the runs (default all but hashed; "hashed"
#     hashes both files and runs deceased --hashed); SCALE= skips them.
# Usage: bench/linkage.sh            (VOTERS=... DEATHS=... SCALE=... to change)
#        VOTERS=5000000 DEATHS=3000000 SCALE=deceased bench/linkage.sh   (the 5M x 3M target)
set -euo pipefail
cd "$(dirname "$0")/.."
VOTERS=${VOTERS:-1000000}
DEATHS=${DEATHS:-100000}
PYTHON=${PYTHON:-python3}
SPLINK_PYTHON=${SPLINK_PYTHON:-$PYTHON}
SCALE=${SCALE-deceased duplicates-within duplicates-across}
cargo build --release -q -p canvass
BIN=${CARGO_TARGET_DIR:-target}/release/canvass
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

source bench/timed.sh

FEBRL=../shared/data/febrl
if [ -f "$FEBRL/dataset4a.csv" ]; then
  MAP="id=rec_id,first_name=given_name,last_name=surname,address=address_1,city=suburb,zip=postcode,birth_date=date_of_birth,national_id=soc_sec_id"
  timed febrl4-canvass "$BIN" check duplicates --voters "$FEBRL/dataset4a.csv" \
    --other-state "$FEBRL/dataset4b.csv" --map "$MAP" --map-other "$MAP" --json
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/salt"
  timed febrl4-hash-4a "$BIN" check hash-people --in "$FEBRL/dataset4a.csv" --map "$MAP" \
    --salt-file "$WORK/salt" --out "$WORK/4a.hashed.csv"
  timed febrl4-hash-4b "$BIN" check hash-people --in "$FEBRL/dataset4b.csv" --map "$MAP" \
    --salt-file "$WORK/salt" --out "$WORK/4b.hashed.csv"
  timed febrl4-canvass-hashed "$BIN" check duplicates --hashed --voters "$WORK/4a.hashed.csv" \
    --other-state "$WORK/4b.hashed.csv" --json
  "$PYTHON" - "$WORK" "$FEBRL" <<'PY'
import csv, json, sys
w, d = sys.argv[1], sys.argv[2]
def rows(f):
    with open(f"{d}/{f}") as h:
        return list(csv.DictReader(h, skipinitialspace=True))
a, b = rows("dataset4a.csv"), rows("dataset4b.csv")
n = lambda r: r["rec_id"].split("-")[1]
by = {}
for y in b: by.setdefault(n(y), []).append(y["rec_id"])
truth = {(x["rec_id"], y) for x in a for y in by.get(n(x), [])}
def score(name, found):
    tp = len(found & truth); p = tp / max(len(found), 1); r = tp / len(truth)
    print(f"{name:<28} found {len(found)} precision {p:.4f} recall {r:.4f} F1 {2*p*r/max(p+r,1e-12):.4f}")
for name, out in [("FEBRL4 canvass", "febrl4-canvass"), ("FEBRL4 canvass --hashed", "febrl4-canvass-hashed")]:
    score(name, {(p["a"], p["b"]) for p in json.load(open(f"{w}/{out}.out"))["pairs"]})
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
  if "$SPLINK_PYTHON" -c "import splink, pandas" 2>/dev/null; then
    timed febrl4-splink "$SPLINK_PYTHON" bench/febrl_splink.py "$FEBRL"
    cat "$WORK/febrl4-splink.out"
  else
    echo "splink not importable by $SPLINK_PYTHON: peer run skipped (pip install splink==5.0.0 pandas)"
  fi
else
  echo "skipped FEBRL: $FEBRL not present"
fi

[ -z "$SCALE" ] && exit 0
has() { case " $SCALE " in *" $1 "*) return 0;; *) return 1;; esac; }
timed mock-people "$BIN" check mock-people --out "$WORK" --voters "$VOTERS" --deaths "$DEATHS"
echo "register: $(($(wc -l < "$WORK/voters.csv") - 1)) voters, $(($(wc -l < "$WORK/deaths.csv") - 1)) deaths, $(($(wc -l < "$WORK/other_state.csv") - 1)) other-state voters"
if has deceased; then
  timed deceased "$BIN" check deceased --voters "$WORK/voters.csv" --deaths "$WORK/deaths.csv" --json
fi
if has hashed; then
  [ -f "$WORK/salt" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$WORK/salt"
  timed hash-voters "$BIN" check hash-people --in "$WORK/voters.csv" --salt-file "$WORK/salt" --out "$WORK/voters.hashed.csv"
  timed hash-deaths "$BIN" check hash-people --in "$WORK/deaths.csv" --event died_on --salt-file "$WORK/salt" --out "$WORK/deaths.hashed.csv"
  timed deceased-hashed "$BIN" check deceased --hashed --voters "$WORK/voters.hashed.csv" --deaths "$WORK/deaths.hashed.csv" --json
fi
if has duplicates-within; then
  timed duplicates-within "$BIN" check duplicates --voters "$WORK/voters.csv" --json
fi
if has duplicates-across; then
  timed duplicates-across "$BIN" check duplicates --voters "$WORK/voters.csv" --other-state "$WORK/other_state.csv" --json
fi
"$PYTHON" - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
t = json.load(open(f"{w}/truth.json"))
dead = {tuple(x) for x in t["dead_voters"]}
for name in ["deceased", "deceased-hashed"]:
    if not os.path.exists(f"{w}/{name}.out"):
        continue
    d = json.load(open(f"{w}/{name}.out"))
    f = d["finding"]["figures"]
    found = {(m["voter"], m["death"]) for m in d["matches"] if m["death_before_vote"]}
    print(f"{name}: candidate pairs {f['candidate_pairs']}, matches {f['matches']}, "
          f"death before vote {f['matches_death_before_vote']} (planted {len(dead)}, found {len(dead & found)}); "
          f"naive exact name+dob pairs {f['naive_exact_name_and_birth_date_pairs']}, "
          f"expected by coincidence {d['expected_coincidental']:.1f}; cases not planted {len(found - dead)}, "
          f"the model's expected false among cases {f['expected_false_among_cases']:.1f}")
for name, key in [("duplicates-within", "in_file"), ("duplicates-across", "cross_state")]:
    if not os.path.exists(f"{w}/{name}.out"):
        continue
    o = json.load(open(f"{w}/{name}.out"))
    planted = {tuple(sorted(x)) for x in t[key]}
    got = {tuple(sorted((p["a"], p["b"]))) for p in o["pairs"] if p["both_voted"]}
    print(f"{name}: pairs {len(o['pairs'])}, both voted {len(got)} (planted {len(planted)}, found {len(planted & got)}), "
          f"candidate pairs {o['finding']['figures']['candidate_pairs']}, expected by coincidence {o['expected_coincidental']:.1f}; "
          f"cases not planted {len(got - planted)}, the model's expected false among cases "
          f"{o['finding']['figures']['expected_false_among_cases']:.1f}")
PY
