"""Plain numpy ALPHA shrink-trunc p-value (ALPHA, Stark 2023, §2.5.2), the
same formula as canvass-audit's, for bench/risk.sh. Written for the
benchmark; reads the values risk_bench wrote. Prints JSON."""
import json
import sys
import time

import numpy as np


def alpha_shrink_trunc(x, N, t=0.5, u=1.0, eta=0.52, d=100.0, f=0.0, minsd=1e-6):
    eps = np.finfo(float).eps
    c = (eta - t) / 2 - eps
    if u - c < t + c:
        c = (u - c) / 2
    n = len(x)
    j = np.arange(1, n + 1, dtype=float)
    S = np.concatenate(([0.0], np.cumsum(x)[:-1]))  # S_{j-1}
    m = (N * t - S) / (N - j + 1)  # running null mean
    # running sd of x_1..x_{j-1} (population form); 1 for j = 1, 2
    k = np.arange(1, n + 1, dtype=float)
    mean_k = np.cumsum(x) / k
    var_k = np.maximum(np.cumsum(x * x) / k - mean_k**2, 0.0)
    sd = np.concatenate(([1.0], np.maximum(np.sqrt(var_k), minsd)[:-1]))
    sd[1] = 1.0
    weighted = ((d * eta + S) / (d + j - 1) + u * f / sd) / (1 + f / sd)
    tol = c / np.sqrt(d + j - 1)
    etaj = np.minimum(u * (1 - eps) - tol, np.maximum(weighted, m * (1 + eps) + tol))
    terms = np.cumprod((x * etaj / m + (u - x) * (u - etaj) / (u - m)) / u)
    return min(1.0, 1.0 / np.max(terms))


def main():
    x = np.loadtxt(sys.argv[1])
    N = int(sys.argv[2])
    times = []
    p = None
    for _ in range(21):
        start = time.perf_counter()
        p = alpha_shrink_trunc(x, N)
        times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"risk_100k_s": times[len(times) // 2], "p_value": p}))


if __name__ == "__main__":
    main()
