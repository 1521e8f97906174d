"""Benchmark: the multi-choice uncertainty analysis, vectorised engine against a per-draw rebuild (same run).

Synthetic data (seeded, not real): 1,236 institutions (the 2023 + 2024 official tables together) × the 47
indicator levels of PermenPANRB 59/2020, uniform on 1-5. Uncertain inputs: weights at every level (Dirichlet,
concentration 100), aggregation (arithmetic or geometric, at random), measurement error (each level moves ±1
with probability 0.1). The per-draw rebuild (``benchmarks/reference.py``) builds a new Framework with the
draw's weights and recomputes the whole index for each draw, the way COINr does; it consumes the same draws
and gives the same numbers (checked here and in tests/test_sensitivity_engine.py).

    .venv/bin/pytest benchmarks/bench_uncertainty.py -o python_files="bench_*.py" --benchmark-only \
        --benchmark-columns=min,median,max,rounds -q

The time per draw of each is printed in ``extra_info`` (``--benchmark-json``) and on stdout with ``-s``.
"""
import os

import numpy as np
import pandas as pd
import pytest

from reference import uncertainty_loop
from spbe_research import get_framework
from spbe_research import sensitivity as S

N_INST, N_DRAWS, N_LOOP = 1236, 10_000, 40

pytestmark = pytest.mark.benchmark(group="uncertainty: weights + aggregation + level noise, 1,236 x 47")


@pytest.fixture(scope="module")
def prob():
    fw = get_framework("2020")
    rng = np.random.default_rng(2026)
    levels = pd.DataFrame(rng.integers(1, 6, (N_INST, 47)), columns=list(fw.indicator_codes))
    return S.problem(levels, fw, weights=S.Weights(concentration=100), aggregation=S.Aggregation(),
                     noise=S.MeasurementError(p=0.1))


def test_vectorised(benchmark, prob):
    res = benchmark.pedantic(S.uncertainty, args=(prob, N_DRAWS), kwargs={"seed": 0, "chunk_size": 1024},
                             rounds=3, iterations=1, warmup_rounds=0)
    per_draw = benchmark.stats.stats.median / N_DRAWS
    benchmark.extra_info.update(per_draw_ms=per_draw * 1e3, load=os.getloadavg()[0])
    print(f"\nvectorised: {per_draw * 1e3:.3f} ms per draw (load {os.getloadavg()[0]:.2f})")
    assert res.summary["n_draws"].iloc[0] == N_DRAWS


def test_per_draw_rebuild(benchmark, prob):
    table, rs, idx = benchmark.pedantic(uncertainty_loop, args=(prob, N_LOOP), kwargs={"seed": 0}, rounds=2,
                                        iterations=1)
    per_draw = benchmark.stats.stats.median / N_LOOP
    benchmark.extra_info.update(per_draw_ms=per_draw * 1e3, load=os.getloadavg()[0])
    print(f"\nper-draw rebuild: {per_draw * 1e3:.3f} ms per draw (load {os.getloadavg()[0]:.2f})")
    fast = S.uncertainty(prob, N_LOOP, seed=0, keep_draws=True)
    np.testing.assert_allclose(fast.indices, idx, atol=1e-12)
    assert fast.rs == pytest.approx(rs)
