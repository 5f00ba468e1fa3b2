"""Benchmark canvass's samplers against the published Python packages.

Run by bench/samplers.sh inside its venv:
    python samplers_bench.py CANVASS_BINARY WORKDIR

(a) Rivest tickets: ours on 10M ids vs `consistent_sampler` on as many ids as
    it handles in about 30 s (its time scaled linearly to 10M, and said so);
    outputs compared exactly on that subset.
(b) cryptorandom sample numbers for 1M ids: ours vs `cryptorandom.SHA256`,
    every sample number compared.
(c) Colorado's sha256 seed,counter generator: ours vs a direct Python
    transcription of the published formula (no package implements it),
    1M draws with replacement and 100k without, compared in full.
"""

import hashlib
import json
import os
import resource
import subprocess
import sys
import time

SEED = "83721950366092743315"
N_RIVEST = 10_000_000
N_CRYPTO = 1_000_000


def ballot_id(i):
    # Dominion-style "tabulator-batch-record" ids.
    return f"{1 + i // 1_000_000}-{1 + (i // 1000) % 1000}-{1 + i % 1000}"


def write_ids(path, n):
    if os.path.exists(path) and sum(1 for _ in open(path)) == n:
        return
    with open(path, "w") as f:
        for start in range(0, n, 100_000):
            f.write("".join(ballot_id(i) + "\n" for i in range(start, min(n, start + 100_000))))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_ours(binary, args, out_path):
    """(wall, cpu) seconds of one `canvass sample` run."""
    t, c = time.perf_counter(), children_cpu()
    with open(out_path, "w") as out:
        subprocess.run([binary, "sample", *args], stdout=out, check=True)
    return time.perf_counter() - t, children_cpu() - c


class Ref:
    """Times a block of reference Python code: wall and this process's CPU."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.time = (time.perf_counter() - self.t, time.process_time() - self.c)


def rows(path):
    with open(path) as f:
        return json.load(f)


def bench_rivest(binary, work, table):
    import consistent_sampler as cs

    ids_path = os.path.join(work, "ids10M.txt")
    write_ids(ids_path, N_RIVEST)
    out = os.path.join(work, "rivest10M.json")
    t_all = run_ours(binary, ["--method", "rivest", "--seed", SEED, "--ids", ids_path,
                              "--count", str(N_RIVEST), "--json"], out)
    os.remove(out)
    t_few = run_ours(binary, ["--method", "rivest", "--seed", SEED, "--ids", ids_path,
                              "--count", "1000", "--json"], out)

    # Calibrate the reference, then run it for about 30 s.
    def ref(n):
        ids = [ballot_id(i) for i in range(n)]
        with Ref() as r:
            res = list(cs.sampler(ids, seed=SEED, with_replacement=False, output="tuple", digits=9))
        return r.time, res

    t_small, _ = ref(20_000)
    n_ref = max(20_000, min(N_RIVEST, int(20_000 * 30 / t_small[1])))
    t_ref, ref_rows = ref(n_ref)

    sub_path = os.path.join(work, "ids_ref.txt")
    write_ids(sub_path, n_ref)
    sub_out = os.path.join(work, "rivest_ref_subset.json")
    t_sub = run_ours(binary, ["--method", "rivest", "--seed", SEED, "--ids", sub_path,
                              "--count", str(n_ref), "--json"], sub_out)
    ours = [(r["ticket"], r["id"], r["generation"]) for r in rows(sub_out)]
    agree = ours == [tuple(r) for r in ref_rows]

    # With replacement, 2000 draws from the same subset.
    wr_ids = [ballot_id(i) for i in range(n_ref)]
    with Ref() as r:
        ref_wr = list(cs.sampler(wr_ids, seed=SEED,
                                 with_replacement=True, take=2000, output="tuple", digits=18))
    t_ref_wr = r.time
    run_ours(binary, ["--method", "rivest", "--seed", SEED, "--ids", sub_path, "--count", "2000",
                      "--with-replacement", "--digits", "18", "--json"], sub_out)
    agree_wr = [(r["ticket"], r["id"], r["generation"]) for r in rows(sub_out)] == \
        [tuple(r) for r in ref_wr]

    scaled = tuple(x * N_RIVEST / n_ref for x in t_ref)
    table.append((f"rivest tickets, 10M ids, all drawn (ours) vs {n_ref:,} ids (reference, "
                  f"scaled x{N_RIVEST / n_ref:.1f} to 10M)", t_all, scaled, agree))
    table.append(("rivest tickets, 10M ids, first 1000 drawn (ours)", t_few, None, None))
    table.append((f"rivest, same {n_ref:,} ids, both tools, all drawn", t_sub, t_ref, agree))
    table.append((f"rivest with replacement, {n_ref:,} ids, 2000 draws, digits 18",
                  None, t_ref_wr, agree_wr))


def bench_crypto(binary, work, table):
    from cryptorandom.cryptorandom import SHA256, int_from_hash

    ids_path = os.path.join(work, "ids1M.txt")
    write_ids(ids_path, N_CRYPTO)
    out = os.path.join(work, "crypto1M.json")
    t_ours = run_ours(binary, ["--method", "cryptorandom", "--seed", SEED, "--ids", ids_path,
                               "--json"], out)
    with Ref() as r:
        prng = SHA256(SEED)
        nums = [int_from_hash(prng.nextRandom()) for _ in range(N_CRYPTO)]
        ref = sorted(((f"{n:064x}", ballot_id(i)) for i, n in enumerate(nums)))
    t_ref = r.time
    ours = [(r["sample_num"], r["id"]) for r in rows(out)]
    table.append(("cryptorandom sample numbers, 1M ids, sorted", t_ours, t_ref, ours == ref))


def colorado(seed, lo, hi, count, with_replacement):
    # The published formula (ColoradoRLA PseudoRandomNumberGenerator), written out.
    picks, seen, counter = [], set(), 0
    while len(picks) < count:
        counter += 1
        h = int.from_bytes(hashlib.sha256(f"{seed},{counter}".encode()).digest(), "big")
        v = lo + h % (hi - lo + 1)
        if with_replacement or v not in seen:
            seen.add(v)
            picks.append(v)
    return picks


def bench_counter(binary, work, table):
    out = os.path.join(work, "counter.json")
    for count, wr in ((1_000_000, True), (100_000, False)):
        flag = ["--with-replacement"] if wr else []
        t_ours = run_ours(binary, ["--method", "sha256-counter", "--seed", SEED, "--range",
                                   "1..10000000", "--count", str(count), "--json", *flag], out)
        with Ref() as r:
            ref = colorado(SEED, 1, 10_000_000, count, wr)
        t_ref = r.time
        agree = [r["value"] for r in rows(out)] == ref
        how = "with" if wr else "without"
        table.append((f"sha256-counter, {count:,} draws {how} replacement "
                      "(reference: Python transcription)", t_ours, t_ref, agree))


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    table = []
    for bench in (bench_rivest, bench_crypto, bench_counter):
        try:
            bench(binary, work, table)
        except ImportError as e:
            table.append((f"{bench.__name__}: reference package missing ({e})", None, None, None))
    fmt = lambda t: "-" if t is None else f"{t[0]:.2f}/{t[1]:.2f}"
    ratio = lambda a, b, k: f"{b[k] / a[k]:.1f}" if a and b and a[k] > 0 else "-"
    print(f"\n{'job':<100} {'ours wall/cpu s':>16} {'ref wall/cpu s':>16} "
          f"{'ratio wall':>10} {'ratio cpu':>9}  agree")
    for name, ours, ref, agree in table:
        print(f"{name:<100} {fmt(ours):>16} {fmt(ref):>16} {ratio(ours, ref, 0):>10} "
              f"{ratio(ours, ref, 1):>9}  {'-' if agree is None else agree}")


if __name__ == "__main__":
    main()
