"""Scoring 1,000,000 synthetic 47-indicator profiles versus a plain numpy matrix-product baseline.

The profiles are SYNTHETIC (uniform random levels 1-5, seed 0): they measure speed only.
Baseline: the same aggregation as three bare matrix products (levels → aspects → domains → index)
on the same integer array, with no checks and no DataFrame. Target: score() within 2×.
"""
import numpy as np
import pandas as pd
import pytest

import spbe_research as spbe

pytestmark = pytest.mark.benchmark(group="scoring: 1,000,000 profiles x 47 indicators")

N = 1_000_000
FW = spbe.get_framework("2020")


@pytest.fixture(scope="module")
def profiles():
    rng = np.random.default_rng(0)
    return rng.integers(1, 6, size=(N, len(FW.indicator_codes)), dtype=np.int8)


def baseline(mat):
    a = mat @ FW.indicator_to_aspect
    d = a @ FW.aspect_to_domain
    return d @ FW.domain_weights


def test_baseline_matrix_products(benchmark, profiles):
    out = benchmark(baseline, profiles)
    assert out.shape == (N,)


def test_score_numpy_input(benchmark, profiles):
    out = benchmark(spbe.score, profiles, FW)
    np.testing.assert_allclose(out["index"].to_numpy(), baseline(profiles.astype(float)))


def test_score_dataframe_input(benchmark, profiles):
    df = pd.DataFrame(profiles, columns=list(FW.indicator_codes))
    out = benchmark(spbe.score, df, FW)
    assert len(out) == N
