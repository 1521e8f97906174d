"""Tests of the shared statistics module against hand computations and scipy."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from spbe_research.errors import SPBEError
from spbe_research.stats import (
    bootstrap_ci,
    bootstrap_distribution,
    cohen_dz,
    paired_t_test,
    paired_tests,
    rank_biserial_paired,
    rank_correlation,
    wilcoxon_test,
)

# small fixed paired sample: differences 1, 2, -1, 3, 0, 4 (the zero is dropped by Wilcoxon)
PAIRS = pd.DataFrame({"before": [2.0, 2.0, 3.0, 1.0, 2.5, 1.0], "after": [3.0, 4.0, 2.0, 4.0, 2.5, 5.0]})


def test_rank_biserial_hand_computed():
    # |d| nonzero = 1, 2, 1, 3, 4 -> ranks 1.5, 3, 1.5, 4, 5; R+ = 1.5+3+4+5 = 13.5, R- = 1.5
    assert rank_biserial_paired([1, 2, -1, 3, 0, 4]) == pytest.approx((13.5 - 1.5) / 15.0, abs=1e-15)
    assert rank_biserial_paired([1, 2, 3]) == 1.0
    assert rank_biserial_paired([-1, -2]) == -1.0


def test_rank_biserial_all_zero_raises():
    with pytest.raises(SPBEError, match="zero"):
        rank_biserial_paired([0, 0, 0])


def test_cohen_dz_hand_computed():
    d = np.array([1.0, 2.0, -1.0, 3.0, 0.0, 4.0])
    # mean 1.5, sd (ddof=1) = sqrt(17.5/5)
    assert cohen_dz(d) == pytest.approx(1.5 / np.sqrt(3.5), abs=1e-14)
    with pytest.raises(SPBEError):
        cohen_dz([2.0, 2.0, 2.0])


def test_wilcoxon_matches_scipy():
    row = wilcoxon_test(PAIRS, "before", "after", n_boot=2000, seed=1)
    d = (PAIRS.after - PAIRS.before).to_numpy()
    ref = st.wilcoxon(d, zero_method="wilcox")
    assert list(row.columns[:5]) == ["test", "n", "n_nonzero", "statistic", "p_val"]
    assert row.loc[0, "n"] == 6 and row.loc[0, "n_nonzero"] == 5
    assert row.loc[0, "statistic"] == ref.statistic == 1.5
    assert row.loc[0, "p_val"] == pytest.approx(ref.pvalue, abs=1e-15)
    assert row.loc[0, "rank_biserial"] == pytest.approx(0.8)
    assert row.loc[0, "median_diff"] == 1.5
    assert row.loc[0, "ci95_low"] <= 1.5 <= row.loc[0, "ci95_high"]


def test_paired_t_matches_scipy_and_dz():
    row = paired_t_test(PAIRS, "before", "after", n_boot=2000, seed=1)
    ref = st.ttest_rel(PAIRS.after, PAIRS.before)
    assert row.loc[0, "statistic"] == pytest.approx(ref.statistic, abs=1e-12)
    assert row.loc[0, "p_val"] == pytest.approx(ref.pvalue, abs=1e-12)
    assert row.loc[0, "cohen_dz"] == pytest.approx(1.5 / np.sqrt(3.5), abs=1e-12)
    assert row.loc[0, "mean_diff"] == 1.5
    # dz * sqrt(n) = t for paired data
    assert row.loc[0, "cohen_dz"] * np.sqrt(6) == pytest.approx(ref.statistic, abs=1e-12)


def test_paired_tests_stacked_rows():
    out = paired_tests(PAIRS, "before", "after", n_boot=500)
    assert out.test.tolist() == ["wilcoxon_signed_rank", "paired_t"]
    assert {"ci95_low", "ci95_high", "p_val", "n"} <= set(out.columns)


def test_paired_missing_column_and_too_few_pairs():
    with pytest.raises(SPBEError, match="'nope'"):
        wilcoxon_test(PAIRS, "before", "nope")
    with pytest.raises(SPBEError, match="at least 2"):
        paired_t_test(PAIRS.iloc[:1], "before", "after")


def test_bootstrap_seeded_and_contains_true_mean():
    rng = np.random.default_rng(123)
    x = rng.normal(loc=3.0, scale=1.0, size=400)
    a = bootstrap_ci(x, np.mean, n_boot=5000, seed=7)
    b = bootstrap_ci(x, np.mean, n_boot=5000, seed=7)
    c = bootstrap_ci(x, np.mean, n_boot=5000, seed=8)
    assert a == b and a != c
    assert a[0] < 3.0 < a[1]
    # width close to the normal-theory 2*1.96*sd/sqrt(n)
    assert a[1] - a[0] == pytest.approx(2 * 1.96 * x.std(ddof=1) / np.sqrt(400), rel=0.1)


def test_bootstrap_bca_close_to_percentile_for_symmetric_case_and_contains_mean():
    rng = np.random.default_rng(5)
    x = rng.normal(2.0, 0.5, 300)
    p = bootstrap_ci(x, np.mean, n_boot=4000, seed=0)
    bca = bootstrap_ci(x, np.mean, n_boot=4000, seed=0, method="bca")
    assert bca[0] < 2.0 < bca[1]
    assert bca == pytest.approx(p, abs=0.02)


def test_bootstrap_two_samples_difference_in_medians():
    a = np.arange(50, dtype=float)
    b = np.arange(50, dtype=float) + 10.0
    lo, hi = bootstrap_ci((b, a), lambda u, v, axis=-1: np.median(u, axis=axis) - np.median(v, axis=axis),
                          n_boot=2000, seed=3)
    assert lo < 10.0 < hi
    reps = bootstrap_distribution((b, a), lambda u, v, axis=-1: np.median(u, axis=axis) - np.median(v, axis=axis),
                                  n_boot=2000, seed=3)
    assert reps.shape == (2000,)


def test_bootstrap_constant_sample_and_bad_input():
    assert bootstrap_ci(np.full(10, 2.5)) == (2.5, 2.5)
    with pytest.raises(SPBEError, match="NaN"):
        bootstrap_ci([1.0, np.nan, 2.0])
    with pytest.raises(SPBEError, match="method"):
        bootstrap_ci([1.0, 2.0, 3.0], method="bogus")
    with pytest.raises(SPBEError, match="one sample"):
        bootstrap_ci(([1.0, 2.0], [3.0, 4.0]), lambda u, v, axis=-1: u.mean(axis) - v.mean(axis), method="bca")


def test_rank_correlation_matches_scipy_and_ci():
    x = np.arange(20, dtype=float)
    y = x + np.tile([0.0, 3.0, -2.0, 1.0], 5)
    df = pd.DataFrame({"x": x, "y": y})
    sp = rank_correlation(df, "x", "y", "spearman")
    kd = rank_correlation(df, "x", "y", "kendall")
    assert sp.loc[0, "statistic"] == pytest.approx(st.spearmanr(x, y).statistic, abs=1e-14)
    assert kd.loc[0, "statistic"] == pytest.approx(st.kendalltau(x, y).statistic, abs=1e-14)
    r = sp.loc[0, "statistic"]
    se = np.sqrt(1.06 / 17)
    assert sp.loc[0, "ci95_low"] == pytest.approx(np.tanh(np.arctanh(r) - 1.959963984540054 * se), abs=1e-12)
    assert kd.loc[0, "ci95_low"] < kd.loc[0, "statistic"] < kd.loc[0, "ci95_high"]
    with pytest.raises(SPBEError):
        rank_correlation(df, "x", "y", "pearsonish")


def test_signed_rank_distribution_matches_enumeration():
    import itertools

    from spbe_research.stats import signed_rank_distribution
    for n in (1, 2, 5, 9):
        sums = [sum(k for k, s in zip(range(1, n + 1), signs) if s) for signs in itertools.product((0, 1), repeat=n)]
        counts = np.bincount(sums, minlength=n * (n + 1) // 2 + 1) / 2 ** n
        assert np.allclose(signed_rank_distribution(n), counts, atol=1e-15)
    p = signed_rank_distribution(300)
    assert p.sum() == pytest.approx(1.0, abs=1e-9) and np.allclose(p, p[::-1])
    with pytest.raises(SPBEError):
        signed_rank_distribution(0)


def test_hodges_lehmann_estimate_and_exact_ci_inverts_the_test():
    from spbe_research.stats import hodges_lehmann
    rng = np.random.default_rng(7)
    before = rng.normal(2.5, 0.5, 15)
    df = pd.DataFrame({"before": before, "after": before + rng.normal(0.2, 0.4, 15)})
    row = hodges_lehmann(df, "before", "after").iloc[0]
    d = (df.after - df.before).to_numpy()
    walsh = [(d[i] + d[j]) / 2 for i in range(15) for j in range(i, 15)]
    assert row.hodges_lehmann == pytest.approx(np.median(walsh), abs=1e-15) and row.n == 15
    assert row.ci95_low < row.hodges_lehmann < row.ci95_high and row.ci_coverage >= 0.95
    # n = 15: the 95 % exact interval is [W_(26), W_(95)] (l = 25: P(T+ <= 25) = 785/2^15 = 0.0240, table value)
    w = np.sort(walsh)
    assert (row.ci95_low, row.ci95_high) == (w[25], w[94])
    assert row.ci_coverage == pytest.approx(1 - 2 * 785 / 2 ** 15, abs=1e-12)
    # test inversion: just outside the interval the exact test rejects at 5 %, just inside it does not
    eps = 1e-9
    for theta, rejects in ((row.ci95_low - eps, True), (row.ci95_low + eps, False),
                           (row.ci95_high + eps, True), (row.ci95_high - eps, False)):
        p = st.wilcoxon(d - theta, method="exact").pvalue
        assert (p <= 0.05) == rejects, (theta, p)
    with pytest.raises(SPBEError, match=r"5 pairs are too few for an exact 95% interval \(need at least 6\)"):
        hodges_lehmann(df.head(5), "before", "after")
    # the interval is labelled with its level: 80 % at ci=0.8 (and exists from n = 4)
    r80 = hodges_lehmann(df.head(5), "before", "after", ci=0.8).iloc[0]
    assert "ci95_low" not in r80.index and r80.ci80_low <= r80.hodges_lehmann <= r80.ci80_high
    assert r80.ci_coverage >= 0.8 and "80%" in r80.ci_of


def test_degenerate_data_raise_saying_why():
    """One rule: no statistic is returned as a bare NaN; the error says why there is no answer."""
    from spbe_research.stats import hodges_lehmann
    tied = pd.DataFrame({"before": [2.0] * 6, "after": [2.0] * 6})
    shifted = pd.DataFrame({"before": [2.0] * 6, "after": [2.5] * 6})
    with pytest.raises(SPBEError, match="all paired differences are zero"):
        wilcoxon_test(tied, "before", "after")
    with pytest.raises(SPBEError, match="all paired differences are zero"):
        hodges_lehmann(tied, "before", "after")
    with pytest.raises(SPBEError, match="zero spread"):
        paired_t_test(shifted, "before", "after")
    with pytest.raises(SPBEError, match="constant"):
        rank_correlation(pd.DataFrame({"x": [1.0] * 8, "y": np.arange(8.0)}), "x", "y")
    with pytest.raises(SPBEError, match="finite"):
        bootstrap_ci([1.0, np.inf, 2.0])
    with pytest.raises(SPBEError, match="not finite"):
        paired_t_test(pd.DataFrame({"before": [1.0, 2.0, np.inf], "after": [1.0, 2.5, 3.0]}), "before", "after")
    with pytest.raises(SPBEError, match="not finite on some resamples"):
        bootstrap_ci([0.0, 1.0, 2.0], lambda x, axis=-1: np.where(np.min(x, axis=axis) > 0, 1.0, np.inf), n_boot=200)


def test_arguments_follow_the_package_rules():
    with pytest.raises(SPBEError, match="n_boot"):
        bootstrap_ci([1.0, 2.0, 3.0], n_boot=10)
    with pytest.raises(SPBEError, match="GB"):
        bootstrap_ci(np.arange(100_000.0), n_boot=5_000_000)
    with pytest.raises(SPBEError, match="seed"):
        bootstrap_ci([1.0, 2.0, 3.0], seed=-1)
    with pytest.raises(SPBEError, match="ci"):
        bootstrap_ci([1.0, 2.0, 3.0], ci=1.5)
    with pytest.raises(SPBEError, match="decimal comma"):
        paired_t_test(pd.DataFrame({"before": ["1,5", "2"], "after": ["2", "3"]}), "before", "after")
    with pytest.raises(SPBEError, match="boolean"):
        rank_biserial_paired([True, False])
    text = paired_t_test(pd.DataFrame({"before": ["1.5", "2", "2.5"], "after": ["2", "3", "3.1"]}), "before", "after",
                         n_boot=200)
    assert text.loc[0, "mean_diff"] == pytest.approx((0.5 + 1 + 0.6) / 3)
    g = bootstrap_ci([1.0, 2.0, 3.0, 4.0], n_boot=200, seed=np.random.default_rng(3))
    assert g == bootstrap_ci([1.0, 2.0, 3.0, 4.0], n_boot=200, seed=3)
