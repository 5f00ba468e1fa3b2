"""Times rlacalc's Kaplan-Markov initial sample size (margin 20%, risk 10%,
gamma 1.03905, default error rates) for bench/risk.sh. Prints JSON."""
import json
import timeit

import rlacalc

reps = 2000
size = rlacalc.KM_Expected_sample_size_rounded(alpha=0.1, gamma=1.03905, margin=0.2)
secs = timeit.timeit(
    lambda: rlacalc.KM_Expected_sample_size_rounded(alpha=0.1, gamma=1.03905, margin=0.2), number=reps
)
print(json.dumps({"km_size": size, "km_size_s": secs / reps}))
