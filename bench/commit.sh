#!/usr/bin/env bash
# Benchmark the CVR commitment (DESIGN.md: "Merkle commitment of 10M CVRs,
# under 10 s" on one 2-core machine).
#
#   bench/commit.sh [CARDS]        (default 10,000,000)
#
# 1. Release build of `canvass`.
# 2. `canvass bench-commit --cards N --write FILE`: builds N synthetic cards
#    deterministically and writes their canonical encodings (canvass.card.v1,
#    one per line) to FILE under the target dir's bench/ folder.
# 3. `canvass bench-commit --cards N`: the timed run (no file writing):
#    build cards in memory, then encode + leaf-hash + root on all cores.
# 4. `sha256sum FILE`: one SHA-256 pass over the same bytes, single-threaded,
#    from the page cache — the floor any commitment must pay once.
# Prints both times and their ratio; removes FILE unless KEEP=1.
set -euo pipefail

cards="${1:-10000000}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bench_dir="$target/bench"
file="$bench_dir/cards.jsonl"
mkdir -p "$bench_dir"

cargo build --release -p canvass --quiet
bin="$target/release/canvass"

echo "== writing $cards canonical cards to $file"
"$bin" bench-commit --cards "$cards" --write "$file" | grep -E "^(cards|root|wrote)"
ls -l "$file"

# Wall-clock figures depend on what else the machine runs; /usr/bin/time
# also reports the CPU seconds (user + sys), which do not.
timefmt="wall %e s, cpu %U s user + %S s sys, max RSS %M KB"

echo "== canvass bench-commit --cards $cards (timed run)"
out="$(/usr/bin/time -f "process: $timefmt" "$bin" bench-commit --cards "$cards" 2>&1)"
echo "$out"
commit_s="$(echo "$out" | awk '/^encode \+ hash \+ root:/ {print $6}')"

echo "== sha256sum over the same bytes"
cat "$file" > /dev/null # warm the page cache
start="$(date +%s.%N)"
/usr/bin/time -f "sha256sum: $timefmt" sha256sum "$file"
end="$(date +%s.%N)"
sha_s="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')"
echo "sha256sum wall: $sha_s s"

awk -v c="$commit_s" -v s="$sha_s" 'BEGIN {
  printf "commitment (encode + hash + root, all cores) / sha256sum (1 core), wall: %.3f / %.3f = %.2f\n", c, s, c / s
}'
uptime

if [[ "${KEEP:-0}" != "1" ]]; then
  rm -f "$file"
fi
