#!/usr/bin/env bash
# Simulation benchmark (DESIGN.md budget: 300 contests x 1,000 simulated audits
# under 10 s): crates/audit/examples/simulate_bench.rs (ALPHA shrink-trunc
# comparison audits, rayon, seeded SplitMix64) next to bench/simulate_numpy.py,
# our own numpy version of the same simulation (same generator streams, same
# formula, vectorised over each contest's 1,000 trials), which must give the
# same 90% sample sizes. No PyPI package simulates these audits, hence numpy.
#   bash bench/simulate.sh [CONTESTS_FOR_NUMPY]   (default 300; run it alone)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="${CARGO_TARGET_DIR}/bench-simulate"
VENV="${BENCH_VENV:-$CARGO_TARGET_DIR/bench-venv}"

cargo build --quiet --release -p canvass-audit --example simulate_bench
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q numpy \
        || echo "note: could not install numpy into $VENV; reference skipped" >&2
fi
echo "== canvass (release, $(nproc) cores)"
/usr/bin/time -f 'process: %e s wall, %U s user, %S s sys' \
    "$CARGO_TARGET_DIR/release/examples/simulate_bench" "$OUT"
echo "== numpy reference (one thread)"
/usr/bin/time -f 'process: %e s wall, %U s user, %S s sys' \
    "$VENV/bin/python" bench/simulate_numpy.py "$OUT/simulate_sizes.txt" "${1:-300}" \
    || echo "numpy reference skipped"
