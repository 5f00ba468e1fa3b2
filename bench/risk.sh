#!/usr/bin/env bash
# Risk-function benchmark (DESIGN.md budget: risk of a 100k-ballot sample under
# 10 ms). The 300 contests x 1,000 simulated audits are bench/simulate.sh.
#
# 1. one ALPHA shrink-trunc risk computation over 100k values (finite N = 1M):
#    canvass-audit vs a plain numpy implementation of the same formula
#    (bench/alpha_numpy.py), which must give the same p-value;
# 2. a Kaplan-Markov initial sample size vs rlacalc (PyPI) for the same contest.
#
# Python tools go in target/bench-venv (created here when absent; skipped
# with a note when the registry cannot be reached). Run it alone: the
# machine has two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="${CARGO_TARGET_DIR}/bench-risk"
VENV="${BENCH_VENV:-target/bench-venv}"

cargo build --quiet --release -p canvass-audit --example risk_bench
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q numpy rlacalc \
        || echo "note: could not install numpy/rlacalc into $VENV; reference timings skipped" >&2
fi

ours=$("$CARGO_TARGET_DIR/release/examples/risk_bench" "$OUT")
numpy=$("$VENV/bin/python" bench/alpha_numpy.py "$OUT/values.txt" 1000000 2>/dev/null || echo '{}')
rlacalc=$("$VENV/bin/python" bench/rlacalc_time.py 2>/dev/null || echo '{}')

python3 - "$ours" "$numpy" "$rlacalc" <<'PY'
import json, sys
ours, numpy, rlacalc = (json.loads(a) for a in sys.argv[1:4])
def ms(s): return f"{s*1e3:.3f} ms" if s is not None else "n/a"
def ratio(a, b): return f"{b/a:.1f}x" if a and b else "n/a"
rows = [
    ("ALPHA shrink-trunc, 100k values, N=1M", ms(ours["risk_100k_s"]), ms(numpy.get("risk_100k_s")),
     ratio(ours["risk_100k_s"], numpy.get("risk_100k_s")), "10 ms"),
    ("Kaplan-Markov initial size (margin 20%)", f'{ours["km_size_s"]*1e6:.2f} us',
     f'{rlacalc["km_size_s"]*1e6:.2f} us' if "km_size_s" in rlacalc else "n/a",
     ratio(ours["km_size_s"], rlacalc.get("km_size_s")), "-"),
]
print(f'{"job":42} {"canvass":>12} {"reference":>12} {"ref/ours":>9} {"budget":>7}')
for r in rows:
    print(f"{r[0]:42} {r[1]:>12} {r[2]:>12} {r[3]:>9} {r[4]:>7}")
print(f'p-value canvass {ours["p_value"]!r}, numpy {numpy.get("p_value")!r}; '
      f'KM size canvass {ours["km_size"]}, rlacalc {rlacalc.get("km_size")}')
if "p_value" in numpy and abs(numpy["p_value"] - ours["p_value"]) > 1e-9 * abs(ours["p_value"]):
    sys.exit("p-values differ between canvass and numpy")
PY
