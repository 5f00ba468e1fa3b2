#!/usr/bin/env python3
"""Splink 5 (DuckDB) on a `canvass check mock-people` register: voters
against deaths, the peer run for bench/linkage_5m.sh.

Our own configuration, as close as Splink allows to what `canvass check
deceased` does on the same files: link_only; blocking on exact last name +
birth year (we use Soundex of the last name), birth date + first initial,
first name + last name (we use their Soundex codes) and first name + ZIP;
Jaro-Winkler levels on names (term-frequency adjusted), city and
Damerau-Levenshtein on birth date and ZIP, exact middle name and state; u by
random sampling, lambda from a deterministic rule, m by EM on two blocking
rules. Pairs at match probability >= 0.5 are reported. Only the columns both
files have are linked (voted_on / died_on are joined back afterwards).

Prints a timestamped line after each stage (so a run that cannot finish
shows where it stopped), then the planted dead voters found (truth.json),
the matches with death before vote, wall and CPU time (user+sys, this
process; DuckDB runs in it) and peak RSS.

Usage: splink_people.py DIR [MEMORY_LIMIT (DuckDB, default 8GB)] [TEMP_DIR]
"""
import json
import logging
import resource
import sys
import time

import duckdb
import pandas as pd
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

logging.disable(logging.WARNING)
d = sys.argv[1]
mem = sys.argv[2] if len(sys.argv) > 2 else "8GB"
tmp = sys.argv[3] if len(sys.argv) > 3 else d
w0, c0 = time.time(), time.process_time()


def stage(what):
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"  [{time.time() - w0:8.1f}s wall, {r.ru_utime + r.ru_stime:8.1f}s cpu, "
        f"peak RSS {r.ru_maxrss / 1024:.0f} MiB] {what}",
        flush=True,
    )


COLS = ["unique_id", "first_name", "middle_name", "last_name", "birth_date", "city", "zip", "state"]


def read(name):
    df = pd.read_csv(f"{d}/{name}", dtype=str, keep_default_na=False)
    df = df.rename(columns={"id": "unique_id"})
    for c in df.columns:
        df[c] = df[c].str.strip().replace("", None)
    return df


voters, deaths = read("voters.csv"), read("deaths.csv")
voted = dict(zip(voters["unique_id"], voters["voted_on"]))
died = dict(zip(deaths["unique_id"], deaths["died_on"]))
voters, deaths = voters[COLS], deaths[COLS]
stage(f"read {len(voters)} voters, {len(deaths)} deaths")
con = duckdb.connect()
con.execute(f"SET memory_limit='{mem}'")
con.execute(f"SET temp_directory='{tmp}'")
db = DuckDBAPI(connection=con)
settings = SettingsCreator(
    link_type="link_only",
    blocking_rules_to_generate_predictions=[
        block_on("last_name", "substr(birth_date, 1, 4)"),
        block_on("birth_date", "substr(first_name, 1, 1)"),
        block_on("first_name", "last_name"),
        block_on("first_name", "zip"),
    ],
    comparisons=[
        cl.JaroWinklerAtThresholds("first_name", [0.94, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        cl.ExactMatch("middle_name"),
        cl.JaroWinklerAtThresholds("last_name", [0.94, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        cl.DamerauLevenshteinAtThresholds("birth_date", [1, 2]),
        cl.JaroWinklerAtThresholds("city", [0.9]),
        cl.DamerauLevenshteinAtThresholds("zip", [1]),
        cl.ExactMatch("state"),
    ],
    retain_intermediate_calculation_columns=False,
)
linker = Linker([db.register(voters), db.register(deaths)], settings)
stage("registered")
linker.training.estimate_probability_two_random_records_match(
    [block_on("first_name", "last_name", "birth_date")], recall=0.7
)
stage("lambda estimated")
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
stage("u estimated")
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("birth_date", "substr(first_name, 1, 1)")
)
stage("EM on birth_date + first initial")
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("first_name", "last_name")
)
stage("EM on first_name + last_name")
pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
stage(f"predicted: {len(pred)} pairs at >= 0.5")
wall = time.time() - w0
r = resource.getrusage(resource.RUSAGE_SELF)

ids_v = set(voted)
pairs = {
    (l, rr) if l in ids_v else (rr, l)
    for l, rr in zip(pred["unique_id_l"], pred["unique_id_r"])
}
before = {(v, x) for v, x in pairs if died.get(x) and voted.get(v) and died[x] < voted[v]}
truth = json.load(open(f"{d}/truth.json"))
dead = {tuple(x) for x in truth["dead_voters"]}
print(
    f"splink {splink.__version__} deceased: matches {len(pairs)}, death before vote {len(before)} "
    f"(planted {len(dead)}, found {len(dead & before)}); wall {wall:.1f}s (from reading), "
    f"cpu {r.ru_utime + r.ru_stime:.1f}s (user {r.ru_utime:.1f} + sys {r.ru_stime:.1f}), "
    f"peak RSS {r.ru_maxrss / 1024:.0f} MiB"
)
