"""Peak memory of the weight Monte Carlo: the all-in-memory ``weight_uncertainty`` against the chunked
``uncertainty`` engine, for growing numbers of draws (synthetic, seeded: 615 institutions × 4 domains, the
size of the official 2024 table). Peak traced allocations (tracemalloc; numpy reports its buffers to it).

    .venv/bin/python benchmarks/memory_uncertainty.py
"""
import os
import time
import tracemalloc

import numpy as np
import pandas as pd

from spbe_research import sensitivity as S


def peak(fn):
    tracemalloc.start()
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20, dt


def main():
    rng = np.random.default_rng(2024)
    d = pd.DataFrame(np.round(rng.uniform(1, 5, (615, 4)), 2), columns=["D1", "D2", "D3", "D4"])
    prob = S.problem(d, "2020", weights=S.Weights(concentration=100))
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("implementation | draws | peak MiB | seconds")
    for n in (10_000, 100_000):
        mib, dt = peak(lambda: S.weight_uncertainty(d, "2020", n_draws=n, seed=0))
        print(f"weight_uncertainty (all draws in memory) | {n:,} | {mib:,.0f} | {dt:.1f}")
    for n in (10_000, 100_000, 1_000_000):
        mib, dt = peak(lambda: S.uncertainty(prob, n, seed=0, chunk_size=1024))
        print(f"uncertainty (chunks of 1,024) | {n:,} | {mib:,.0f} | {dt:.1f}")


if __name__ == "__main__":
    main()
