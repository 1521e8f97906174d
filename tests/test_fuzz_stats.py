"""Fuzz the statistics: hostile dtypes, shapes and values give the package's error with its location, or
exactly the result of the clean input — and never a NaN in place of a promised statistic."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sst

from fuzz_strategies import FUZZ, assert_located, forms, frames_equal, maybe_bad, represent, spoil, values
from spbe_research import SPBEError, compare, stats

PAIRED = (
    lambda d: stats.paired_t_test(d, "before", "after", n_boot=200, seed=1),
    lambda d: stats.wilcoxon_test(d, "before", "after", n_boot=200, seed=1),
    lambda d: stats.hodges_lehmann(d, "before", "after"),
    lambda d: stats.hodges_lehmann(d, "before", "after", ci=0.8),
    lambda d: stats.rank_correlation(d, "before", "after"),
    lambda d: stats.rank_correlation(d, "before", "after", "kendall"),
)


def _finite_row(row: pd.DataFrame) -> None:
    num = row.select_dtypes("number")
    assert len(row) >= 1 and np.isfinite(num.to_numpy(dtype=float)).all(), row.T


@FUZZ
@given(st.data(), values(n_min=0, n_max=14), st.sampled_from(range(len(PAIRED))), forms(), forms(), maybe_bad())
def test_paired_statistics(data, before, which, form_b, form_a, bad):
    after = data.draw(values(n_min=len(before), n_max=len(before)))
    fn = PAIRED[which]
    clean = pd.DataFrame({"before": before, "after": after}, dtype="float64")
    hostile = pd.DataFrame({"before": represent(before, form_b), "after": represent(after, form_a)})
    if bad is not None and len(clean):
        pos = data.draw(st.integers(0, len(clean) - 1))
        hostile["after"] = spoil(hostile["after"], pos, bad)
        with pytest.raises(SPBEError) as e:
            fn(hostile)
        assert_located(e.value, row=pos, field="after")
        return
    try:
        expected = fn(clean)
    except SPBEError as err:  # degenerate data: the same error, whatever the form
        assert_located(err)
        with pytest.raises(SPBEError, match="."):
            fn(hostile)
        return
    _finite_row(expected)
    frames_equal(fn(hostile), expected)


@FUZZ
@given(values(lo=-5, hi=5, n_min=0, n_max=30, missing=False, unique=True), st.sampled_from(["t", "w", "hl"]))
def test_paired_statistics_agree_with_scipy(d, which):
    """Untied differences (scipy's exact tie handling is slow for a fuzz loop; ties are fuzzed above)."""
    df = pd.DataFrame({"before": np.zeros(len(d)), "after": d})
    try:
        row = {"t": lambda: stats.paired_t_test(df, "before", "after", n_boot=200),
               "w": lambda: stats.wilcoxon_test(df, "before", "after", n_boot=200),
               "hl": lambda: stats.hodges_lehmann(df, "before", "after")}[which]().iloc[0]
    except SPBEError as err:
        assert_located(err)
        d = np.asarray(d)
        # the documented reasons for no answer, and nothing else
        assert (len(d) < 2 or not np.any(d != 0) or (which == "t" and np.ptp(d) == 0)
                or (which == "hl" and len(d) < 6)), str(err)
        return
    d = np.asarray(d)
    if which == "t":
        assert row.statistic == pytest.approx(sst.ttest_1samp(d, 0).statistic, rel=1e-9)
    else:
        assert row.p_val == pytest.approx(sst.wilcoxon(d, zero_method="wilcox").pvalue, rel=1e-9)
    if which == "hl":
        walsh = [(d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d))]
        assert row.hodges_lehmann == pytest.approx(np.median(walsh)) and row.ci95_low <= row.ci95_high


@FUZZ
@given(values(n_min=0, n_max=20, missing=False), forms(),
       st.sampled_from([np.mean, np.median, np.std]), st.sampled_from(["percentile", "bca"]),
       st.one_of(st.just(0.95), st.floats(0.5, 0.99)), maybe_bad(), st.data())
def test_bootstrap(x, form, statistic, method, ci, bad, data):
    hostile = represent(x, form)
    if bad is not None and len(x):
        hostile = spoil(hostile, data.draw(st.integers(0, len(x) - 1)), bad)
        with pytest.raises(SPBEError) as e:
            stats.bootstrap_ci(hostile, statistic, n_boot=200, ci=ci, method=method)
        assert_located(e.value)
        return
    try:
        expected = stats.bootstrap_ci(np.asarray(x, dtype=float), statistic, n_boot=200, ci=ci, method=method)
    except SPBEError as err:
        assert_located(err)
        assert len(x) < 2, str(err)
        return
    got = stats.bootstrap_ci(hostile, statistic, n_boot=200, ci=ci, method=method)
    assert got == pytest.approx(expected) and np.isfinite(got).all() and got[0] <= got[1] + 1e-12
    assert min(x) - 1e-9 <= got[0] and got[1] <= max(x) + 1e-9 or statistic is np.std


@FUZZ
@given(st.one_of(st.integers(-5, 10**9), st.floats(allow_nan=True), st.text(max_size=5), st.booleans(),
                 st.none(), st.just(1e15)),
       st.sampled_from(["n_boot", "seed", "ci", "n"]))
def test_arguments(value, name):
    call = {"n_boot": lambda: stats.bootstrap_ci([1.0, 2.0, 3.0], n_boot=value),
            "seed": lambda: stats.bootstrap_ci([1.0, 2.0, 3.0], n_boot=100, seed=value),
            "ci": lambda: stats.bootstrap_ci([1.0, 2.0, 3.0], n_boot=100, ci=value),
            "n": lambda: stats.signed_rank_distribution(value)}[name]
    try:
        out = call()
    except SPBEError as err:
        assert_located(err, field=name)
        return
    assert np.isfinite(np.asarray(out, dtype=float)).all()


@FUZZ
@given(values(n_min=0, n_max=15, missing=True), forms(), maybe_bad(), st.data())
def test_gini_and_holm(x, form, bad, data):
    hostile = represent(x, form)
    if bad is not None and len(x):
        hostile = spoil(hostile, data.draw(st.integers(0, len(x) - 1)), bad)
    for fn, clean_input in ((compare.gini, x), (compare.holm, [v / 5 for v in x])):
        arg = hostile if fn is compare.gini else (hostile.astype(object).map(
            lambda v: v / 5 if isinstance(v, (int, float)) and not isinstance(v, bool) else v))
        try:
            expected = fn(np.asarray(clean_input, dtype=float))
        except SPBEError as err:
            assert_located(err)
            with pytest.raises(SPBEError):
                fn(arg)
            continue
        if bad is not None and len(x):
            with pytest.raises(SPBEError) as e:
                fn(arg)
            assert_located(e.value)
            continue
        got = fn(arg)
        assert np.allclose(got, expected) and np.isfinite(got).all()
        if fn is compare.gini:
            assert 0 <= got < 1
