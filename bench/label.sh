#!/usr/bin/env bash
# Benchmark: the claim matcher's ranking on CLEF CheckThat! 2020 Task 2
# (../shared/data/checkthat2020: 10,375 verified claims, train and dev tweets
# with their matching claims). `canvass label --claims --queries --qrels`
# writes a TREC run and scores it with our own MAP@5 (trec_eval's `map` cut
# at 5, see crates/checks/src/claims/trec.rs), for plain BM25 (the task's
# baseline: claim + title, lowercased words) and for the matcher's BM25F,
# with wall and CPU time. Then the ablation and parameter sweep (tuned on
# train only) from the `checkthat_sweep` example.
# Run from the repository root:  bench/label.sh
# Environment: CARGO_TARGET_DIR (default target).
set -euo pipefail

target=${CARGO_TARGET_DIR:-target}
data=../shared/data/checkthat2020
bench=target/bench/label
bin="$target/release/canvass"

if [[ ! -f "$data/verified_claims.docs.tsv" ]]; then
    echo "skipping: $data not found" >&2
    exit 0
fi
cargo build --release -p canvass --quiet
cargo build --release -p canvass-checks --example checkthat_sweep --quiet
mkdir -p "$bench"

printf '%-6s %-14s %8s %8s %8s\n' split matcher 'MAP@5' wall_s cpu_s
for split in dev train; do
    for mode in baseline canvass; do
        flag=()
        [[ $mode == baseline ]] && flag=(--baseline)
        run="$bench/$split.$mode.run"
        out=$( { /usr/bin/time -f "TIME %e %U %S" "$bin" label \
            --claims "$data/verified_claims.docs.tsv" \
            --queries "$data/$split/tweets.queries.tsv" \
            --qrels "$data/$split/tweet-vclaim-pairs.qrels" \
            --top 5 --tag "$mode" --out "$run" "${flag[@]}"; } 2>&1 )
        map=$(grep -o 'MAP@5 [0-9.]*' <<< "$out" | cut -d' ' -f2)
        read -r _ secs user sys <<< "$(grep '^TIME' <<< "$out")"
        printf '%-6s %-14s %8s %8s %8s\n' "$split" "$mode" "$map" "$secs" "$(echo "$user + $sys" | bc)"
    done
done
echo
"$target/release/examples/checkthat_sweep" "$data"
