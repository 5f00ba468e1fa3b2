"""numpy reference for bench/simulate.sh, written for canvass (not taken from
any other project): the same 300 contests x 1,000 simulated comparison audits
as crates/audit/examples/simulate_bench.rs -- the same SplitMix64 streams, the
same assorter values and the same ALPHA shrink-trunc formula (Stark 2023,
ALPHA section 2.5.2; sampling without replacement, section 2.3) -- vectorised
over the 1,000 trials of a contest. Prints one JSON line with its time and
how many of the 90% quantiles equal canvass's (file given as argument).

usage: simulate_numpy.py CANVASS_SIZES_FILE [CONTESTS]
"""
import json
import sys
import time

import numpy as np

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
EPS = np.finfo(float).eps


def splitmix_next(state):
    """Advance uint64 states in place; return the outputs (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        state += GOLDEN
        z = state.copy()
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def audit_seeds(seed, contest, trials):
    with np.errstate(over="ignore"):
        mix = np.array([np.uint64(seed) ^ (np.uint64(contest) * np.uint64(0xD1B54A32D192ED03))],
                       dtype=np.uint64)
        first = splitmix_next(mix)[0]
        t = np.arange(trials, dtype=np.uint64)
        return first ^ (t * GOLDEN)


def contest_sizes(margin, n_pop, p1, p2, alpha, trials, seed, contest):
    upper = 2.0 / (2.0 - margin)
    clean = 1.0 / (2.0 - margin)
    eta0, d, t = 0.99 * upper, 100.0, 0.5
    c = (eta0 - t) / 2.0 - EPS
    if upper - c < t + c:
        c = (upper - c) / 2.0
    state = audit_seeds(seed, contest, trials)
    s = np.zeros(trials)          # running sum
    tm = np.ones(trials)          # T
    tmax = np.ones(trials)
    size = np.full(trials, n_pop, dtype=np.int64)
    active = np.ones(trials, dtype=bool)
    for j in range(n_pop):        # j draws so far
        r = (splitmix_next(state) >> np.uint64(11)).astype(np.float64) * (1.0 / 2.0**53)
        x = np.where(r < 1.0 - p1 - p2, clean,
                     np.where(r < 1.0 - p1 - p2 + p1, 0.5 * clean,
                              np.where(r < 1.0 - p1 - p2 + p1 + p2, 0.0, 0.0)))
        m = (n_pop * t - s) / (n_pop - j)
        dj = d + j
        weighted = (d * eta0 + s) / dj
        tol = c / np.sqrt(dj)
        eta = np.minimum(upper * (1.0 - EPS) - tol, np.maximum(weighted, m * (1.0 + EPS) + tol))
        factor = (x * eta / m + (upper - x) * (upper - eta) / (upper - m)) / upper
        # m outside (0, u) does not happen in these contests before stopping
        tm = np.where(active, tm * factor, tm)
        s = np.where(active, s + x, s)
        tmax = np.maximum(tmax, tm)
        stop = active & (np.minimum(1.0, 1.0 / tmax) <= alpha)
        size[stop] = j + 1
        active &= ~stop
        if not active.any():
            break
    srt = np.sort(size)
    rank = min(max(int(np.ceil(0.9 * trials)), 1), trials)
    return int(srt[rank - 1])


def main():
    ours = [int(l) for l in open(sys.argv[1]) if l.strip()]
    contests = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    start = time.perf_counter()
    cpu0 = time.process_time()
    sizes = [contest_sizes(0.02 + 0.3 * i / 300.0, 100_000, 0.001, 0.0001, 0.05, 1000, 7, i)
             for i in range(contests)]
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    same = sum(1 for a, b in zip(sizes, ours) if a == b)
    print(json.dumps({"contests": contests, "wall_s": wall, "cpu_s": cpu, "equal": same,
                      "first": sizes[0], "last": sizes[-1]}))


if __name__ == "__main__":
    main()
