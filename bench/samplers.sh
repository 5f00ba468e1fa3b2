#!/usr/bin/env bash
# Benchmark canvass's samplers against the published Python tools on the same
# inputs, check that the outputs agree, and print times and ratios.
#   bash bench/samplers.sh            (heavy: ~10M ids; run it alone)
# Builds the release binary, makes a venv under $CARGO_TARGET_DIR (or
# target/)/bench-venv with consistent-sampler, cryptorandom and numpy, and runs
# bench/samplers_bench.py. Inputs are generated under .../bench-samplers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"

cargo build --release -p canvass
bin="$target/release/canvass"

venv="$target/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
for pkg in consistent-sampler cryptorandom numpy; do
  if ! "$venv/bin/pip" install --quiet "$pkg"; then
    echo "warning: could not install $pkg; its comparison will be reported as missing" >&2
  fi
done

"$venv/bin/python" "$root/bench/samplers_bench.py" "$bin" "$target/bench-samplers"
