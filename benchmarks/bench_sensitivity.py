"""Benchmark: vectorised weight Monte Carlo vs a straightforward per-draw loop (same draws, same run).

Synthetic data (seeded, not real): 615 institutions, the size of the official 2024 table, with domain
indices rounded to 2 decimals like the published ones; 10,000 Dirichlet draws of the 2020 domain weights.

Run (not collected by CI, which runs tests/ and notebooks/ only):

    .venv/bin/pytest benchmarks/bench_sensitivity.py --benchmark-columns=min,mean,median,max,rounds -q
"""
import numpy as np
import pandas as pd
import pytest

from reference import weight_uncertainty_loop as _weight_uncertainty_loop
from spbe_research.sensitivity import draw_weights, weight_uncertainty

N_INST, N_DRAWS = 615, 10_000


pytestmark = pytest.mark.benchmark(group="weight Monte Carlo: 10,000 draws x 615 institutions")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2024)
    d = pd.DataFrame(np.round(rng.uniform(1, 5, (N_INST, 4)), 2), columns=["D1", "D2", "D3", "D4"])
    w = draw_weights("2020", N_DRAWS, concentration=100, seed=0)
    return d, w


def test_vectorised(benchmark, data):
    d, w = data
    res = benchmark.pedantic(weight_uncertainty, args=(d, "2020"), kwargs={"weights": w}, rounds=5, iterations=1,
                             warmup_rounds=1)
    assert res.ranks.shape == (N_DRAWS, N_INST)


def test_vectorised_with_own_draws(benchmark, data):
    d, _ = data
    res = benchmark.pedantic(weight_uncertainty, args=(d, "2020"), kwargs={"n_draws": N_DRAWS, "seed": 0},
                             rounds=5, iterations=1, warmup_rounds=1)
    assert res.ranks.shape == (N_DRAWS, N_INST)


def test_per_draw_loop(benchmark, data):
    d, w = data
    slow, slow_rs = benchmark.pedantic(_weight_uncertainty_loop, args=(d, "2020", w), rounds=2, iterations=1)
    fast = weight_uncertainty(d, "2020", weights=w)
    np.testing.assert_array_equal(fast.table["median_rank"], slow["median_rank"])
    np.testing.assert_allclose(fast.table["p_keep_predicate"], slow["p_keep_predicate"])
    assert fast.rs == pytest.approx(slow_rs)
