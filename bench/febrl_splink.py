#!/usr/bin/env python3
"""FEBRL4 with Splink 5 (DuckDB backend), peer comparison for bench/linkage.sh.

Our own configuration, in the shape of Splink's FEBRL4 example: link_only,
Fellegi-Sunter with u from random sampling, lambda from deterministic rules
and m by EM on two blocking rules; comparisons on given name and surname
(Jaro-Winkler levels, term-frequency adjusted), date of birth (exact /
Damerau-Levenshtein <= 1 / different), street number, address, suburb,
postcode, state and soc_sec_id. Pairs at match probability >= 0.5 are
reported. Prints precision, recall, F1 and the time of the linkage (reading
excluded), CPU time (user+sys) of the process, and peak RSS.

Usage: febrl_splink.py FEBRL_DIR   (with splink==5.0.0 importable)
"""
import logging
import resource
import sys
import time

import pandas as pd
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

logging.disable(logging.WARNING)
d = sys.argv[1]


def read(name):
    df = pd.read_csv(f"{d}/{name}", skipinitialspace=True, dtype=str)
    df = df.rename(columns={"rec_id": "unique_id"})
    for c in df.columns:
        df[c] = df[c].str.strip().replace("", None)
    return df


a, b = read("dataset4a.csv"), read("dataset4b.csv")
w0, c0 = time.time(), time.process_time()
db = DuckDBAPI()
settings = SettingsCreator(
    link_type="link_only",
    blocking_rules_to_generate_predictions=[
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("surname", "postcode"),
        block_on("given_name", "postcode"),
    ],
    comparisons=[
        cl.JaroWinklerAtThresholds("given_name", [0.94, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        cl.JaroWinklerAtThresholds("surname", [0.94, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9]),
        cl.JaroWinklerAtThresholds("suburb", [0.9]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
    ],
    retain_intermediate_calculation_columns=False,
)
linker = Linker([db.register(a), db.register(b)], settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given_name", "surname", "date_of_birth")], recall=0.7
)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("date_of_birth")
)
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("given_name", "surname")
)
pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
wall, cpu = time.time() - w0, time.process_time() - c0

person = lambda r: r.split("-")[1]
by = {}
for y in b["unique_id"]:
    by.setdefault(person(y), []).append(y)
truth = {(x, y) for x in a["unique_id"] for y in by.get(person(x), [])}
ids_a = set(a["unique_id"])
found = {
    (l, r) if l in ids_a else (r, l)
    for l, r in zip(pred["unique_id_l"], pred["unique_id_r"])
}
tp = len(found & truth)
p, rc = tp / max(len(found), 1), tp / len(truth)
f1 = 2 * p * rc / max(p + rc, 1e-12)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    f"{'FEBRL4 splink ' + splink.__version__:<28} found {len(found)} precision {p:.4f} "
    f"recall {rc:.4f} F1 {f1:.4f}  linkage wall {wall:.1f}s cpu(process) {cpu:.2f}s "
    f"peak RSS {rss:.0f} MiB"
)
