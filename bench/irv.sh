#!/usr/bin/env bash
# IRV scale benchmark: 1,000,000 generated ranked ballots, 15 candidates
# (target: the IRV count under 1 s after reading). Prints the example's JSON
# line (wall and CPU seconds of generate+aggregate and of the count) and the
# whole process's CPU and wall time from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --quiet --release -p canvass-tabulate --example irv_scale
/usr/bin/time -f 'process: %e s wall, %U s user, %S s sys, %M KB max RSS' \
    "$CARGO_TARGET_DIR/release/examples/irv_scale" "${1:-1000000}"
