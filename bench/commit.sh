#!/usr/bin/env bash
# Benchmark the CVR commitment (DESIGN.md: "Merkle commitment of 10M CVRs,
# under 10 s" on one 2-core machine).
#
#   bench/commit.sh [CARDS]        (default 10,000,000)
#
# 1. Release build of `canvass`.
# 2. `canvass bench-commit --cards N --write FILE`: builds N synthetic cards
#    deterministically and writes their leaf encodings (canvass.card.v2,
#    concatenated) to FILE under the target dir's bench/ folder.
# 3. `canvass bench-commit --cards N --profile`: the timed run (no file
#    writing): build cards in memory, then encode + leaf-hash + root on all
#    cores; --profile adds a separate encode-only pass, to show where the
#    time goes.
# 4. `sha256sum FILE` and `openssl dgst -sha256 FILE`: one SHA-256 pass over
#    the same bytes, single-threaded, from the page cache. coreutils'
#    sha256sum does not use the CPU's SHA extensions; openssl (like the sha2
#    crate) does when the CPU has them, so it is the fairer floor.
# Prints both times and their ratio; removes FILE unless KEEP=1.
set -euo pipefail

cards="${1:-10000000}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bench_dir="$target/bench"
file="$bench_dir/cards.v2.bin"
mkdir -p "$bench_dir"

cargo build --release -p canvass --quiet
bin="$target/release/canvass"

echo "== writing $cards card leaves to $file"
"$bin" bench-commit --cards "$cards" --write "$file" | grep -E "^(cards|root|wrote)"
ls -l "$file"

# Wall-clock figures depend on what else the machine runs; /usr/bin/time
# also reports the CPU seconds (user + sys), which do not.
timefmt="wall %e s, cpu %U s user + %S s sys, max RSS %M KB"

echo "== canvass bench-commit --cards $cards (timed run)"
out="$(/usr/bin/time -f "process: $timefmt" "$bin" bench-commit --cards "$cards" --profile 2>&1)"
echo "$out"
commit_s="$(echo "$out" | awk '/^encode \+ hash \+ root:/ {print $6}')"

echo "== sha256sum over the same bytes"
cat "$file" > /dev/null # warm the page cache
start="$(date +%s.%N)"
/usr/bin/time -f "sha256sum: $timefmt" sha256sum "$file"
end="$(date +%s.%N)"
sha_s="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')"
echo "sha256sum wall: $sha_s s"
if command -v openssl > /dev/null; then
  /usr/bin/time -f "openssl dgst -sha256: $timefmt" openssl dgst -sha256 "$file"
fi
grep -o -w -m1 sha_ni /proc/cpuinfo > /dev/null && echo "cpu: has SHA extensions (sha_ni)" || echo "cpu: no SHA extensions"

awk -v c="$commit_s" -v s="$sha_s" 'BEGIN {
  printf "commitment (encode + hash + root, all cores) / sha256sum (1 core), wall: %.3f / %.3f = %.2f\n", c, s, c / s
}'
uptime

if [[ "${KEEP:-0}" != "1" ]]; then
  rm -f "$file"
fi
