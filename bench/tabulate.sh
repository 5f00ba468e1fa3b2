#!/usr/bin/env bash
# Benchmark: read + tabulate 1M generated ballots (CDF JSON and Dominion JSON),
# next to the time `cat` needs to read the same bytes, with peak memory.
# Run from the repository root:  bench/tabulate.sh
# Environment: BALLOTS (default 1000000), CARGO_TARGET_DIR (default target).
set -euo pipefail

ballots=${BALLOTS:-1000000}
target=${CARGO_TARGET_DIR:-target}
bench=target/bench
bin="$target/release/canvass"
data=../shared/data/rctab/2013_minneapolis_mayor_scale

cargo build --release -p canvass --quiet
mkdir -p "$bench"

cdf="$bench/cvr_${ballots}.cdf.json"
dominion="$bench/cvr_${ballots}_dominion"
gen=(--ballots "$ballots" --contests 8 --ranked 1 --candidates 5 --seed 2026)
if [[ ! -s "$cdf" ]]; then
    echo "generating $cdf" >&2
    "$bin" generate "${gen[@]}" --format cdf-json --out "$cdf" > "$bench/truth_${ballots}.json"
fi
if [[ ! -s "$dominion/CvrExport.json" ]]; then
    echo "generating $dominion" >&2
    "$bin" generate "${gen[@]}" --format dominion-json --out "$dominion" > /dev/null
fi

rows=()
# measure LABEL CMD...: one run; elapsed seconds and peak RSS from GNU time.
measure() {
    local label=$1; shift
    local out secs user sys cpu kb status
    if [[ -x /usr/bin/time ]]; then
        # GNU time reports on stderr; the command's stdout is discarded.
        out=$( /usr/bin/time -f "TIME %e %U %S %M %x" "$@" 2>&1 > /dev/null | grep '^TIME' | tail -n 1 )
        read -r _ secs user sys kb status <<< "$out"
        cpu=$(echo "$user + $sys" | bc)
        [[ "$status" == 0 ]] || label="$label (exit $status)"
    else
        local start end
        start=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; end=$(date +%s.%N)
        secs=$(echo "$end - $start" | bc); kb="-"; cpu="-"
    fi
    rows+=("$(printf '%-52s %9s s %9s s %10s KB' "$label" "$secs" "$cpu" "$kb")")
}

size() { du -sh "$1" | cut -f1; }

measure "cat CDF JSON ($(size "$cdf"))" cat "$cdf"
measure "canvass tabulate CDF JSON --report json" "$bin" tabulate "$cdf" --format cdf-json --report json
measure "canvass tabulate CDF JSON, one thread" env CANVASS_READ_THREADS=1 "$bin" tabulate "$cdf" --format cdf-json --report json
measure "cat Dominion JSON ($(size "$dominion"))" bash -c 'cat "$1"/*.json' _ "$dominion"
measure "canvass tabulate Dominion JSON --report json" "$bin" tabulate "$dominion" --format dominion-json --report json
measure "canvass tabulate Dominion JSON, one thread" env CANVASS_READ_THREADS=1 "$bin" tabulate "$dominion" --format dominion-json --report json
config=$(ls "$data"/*config.json 2>/dev/null | head -n 1 || true)
if [[ -n "$config" ]]; then
    measure "canvass tabulate --rctab-config minneapolis_scale" "$bin" tabulate --rctab-config "$config" --report json
fi

echo
echo "ballots: $ballots   machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %11s %11s %13s\n' "job" "elapsed" "CPU (u+s)" "peak RSS"
for r in "${rows[@]}"; do echo "$r"; done
