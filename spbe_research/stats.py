"""Shared statistics: bootstrap CIs, paired tests, effect sizes, rank correlations.

Convention (pingouin-like): a test function takes a tidy DataFrame and the names of its
columns and returns a one-row DataFrame with columns ``test``, ``n``, ``statistic``, ``p_val``,
an effect-size column named for the effect size (``rank_biserial``, ``cohen_dz``, ...),
``ci95_low`` and ``ci95_high`` (what the interval is for is stated in ``ci_of``).
Rows from several tests can be concatenated with :func:`pandas.concat`.

All randomness is seeded (``seed`` argument, :func:`numpy.random.default_rng`).
Resampling is vectorised: one ``(n_boot, n)`` index matrix, the statistic evaluated along
the last axis, no Python loop over replicates.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as _st

from .errors import SPBEError

__all__ = [
    "bootstrap_ci",
    "bootstrap_distribution",
    "rank_biserial_paired",
    "cohen_dz",
    "wilcoxon_test",
    "paired_t_test",
    "paired_tests",
    "signed_rank_distribution",
    "hodges_lehmann",
    "rank_correlation",
]


def _as_samples(data) -> tuple[np.ndarray, ...]:
    """One or several 1-D float samples; raises on NaN, empty or non-1-D input."""
    if isinstance(data, (tuple, list)) and len(data) and np.ndim(data[0]) == 1:
        samples = tuple(np.asarray(s, dtype=float) for s in data)
    else:
        samples = (np.asarray(data, dtype=float),)
    for i, s in enumerate(samples):
        if s.ndim != 1:
            raise SPBEError(f"sample must be one-dimensional, got shape {s.shape}", field=f"sample {i}")
        if s.size < 2:
            raise SPBEError(f"need at least 2 observations, got {s.size}", field=f"sample {i}")
        if np.isnan(s).any():
            raise SPBEError("sample contains NaN; drop or explain missing values first", field=f"sample {i}")
    return samples


def bootstrap_distribution(data, statistic: Callable, n_boot: int = 10_000, seed: int = 0) -> np.ndarray:
    """Bootstrap replicates of ``statistic`` (shape ``(n_boot,)``).

    ``data`` is one 1-D sample or a tuple of independent samples (each resampled on its own,
    e.g. two groups for a difference in medians). ``statistic(*samples, axis=-1)`` must be
    vectorised along ``axis`` like :func:`numpy.mean` or :func:`numpy.median`.
    """
    samples = _as_samples(data)
    if n_boot < 100:
        raise SPBEError(f"n_boot must be at least 100, got {n_boot}", field="n_boot")
    rng = np.random.default_rng(seed)
    resampled = [s[rng.integers(0, s.size, size=(n_boot, s.size))] for s in samples]
    return np.asarray(statistic(*resampled, axis=-1), dtype=float)


def bootstrap_ci(
    data,
    statistic: Callable = np.mean,
    n_boot: int = 10_000,
    seed: int = 0,
    ci: float = 0.95,
    method: str = "percentile",
) -> tuple[float, float]:
    """Bootstrap confidence interval ``(low, high)`` of ``statistic``.

    - ``method="percentile"`` (default): the ``(1-ci)/2`` and ``(1+ci)/2`` quantiles of the
      replicates. Works for one sample or a tuple of independent samples.
    - ``method="bca"``: bias-corrected and accelerated (Efron 1987), acceleration from the
      jackknife; one sample only. Better coverage for skewed statistics and small n.

    When every replicate is identical (e.g. a constant sample) the interval is that value.
    """
    if not 0 < ci < 1:
        raise SPBEError(f"ci must be in (0, 1), got {ci}", field="ci")
    samples = _as_samples(data)
    reps = bootstrap_distribution(samples, statistic, n_boot=n_boot, seed=seed)
    alpha = (1 - ci) / 2
    if np.ptp(reps) == 0:
        return float(reps[0]), float(reps[0])
    if method == "percentile":
        lo, hi = np.quantile(reps, [alpha, 1 - alpha])
        return float(lo), float(hi)
    if method != "bca":
        raise SPBEError(f"unknown bootstrap method {method!r}; use 'percentile' or 'bca'", field="method")
    if len(samples) != 1:
        raise SPBEError("BCa is implemented for one sample only; use method='percentile'", field="method")
    x = samples[0]
    n = x.size
    theta = float(statistic(x, axis=-1))
    # bias correction: share of replicates below the estimate (ties count half)
    prop = (np.sum(reps < theta) + 0.5 * np.sum(reps == theta)) / reps.size
    prop = np.clip(prop, 1 / (2 * reps.size), 1 - 1 / (2 * reps.size))
    z0 = _st.norm.ppf(prop)
    # acceleration from the jackknife: leave-one-out samples as an (n, n-1) matrix
    loo = np.broadcast_to(x, (n, n))[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    jack = np.asarray(statistic(loo, axis=-1), dtype=float)
    d = jack.mean() - jack
    denom = 6.0 * (np.sum(d**2) ** 1.5)
    a = float(np.sum(d**3) / denom) if denom > 0 else 0.0
    z = _st.norm.ppf([alpha, 1 - alpha])
    adj = _st.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    lo, hi = np.quantile(reps, adj)
    return float(lo), float(hi)


def _paired_diff(df: pd.DataFrame, before: str, after: str) -> np.ndarray:
    """``after - before`` for rows where both are known; raises on missing columns or no pairs."""
    for col in (before, after):
        if col not in df.columns:
            raise SPBEError(f"column {col!r} not in data", field=col)
    sub = df[[before, after]].astype(float).dropna()
    if len(sub) < 2:
        raise SPBEError(f"need at least 2 complete pairs, got {len(sub)}", field=f"{before}/{after}")
    return (sub[after] - sub[before]).to_numpy()


def rank_biserial_paired(d) -> float:
    """Matched-pairs rank-biserial correlation (Kerby 2014) of paired differences ``d``.

    ``r = (R+ - R-) / (R+ + R-)`` with R± the sums of the ranks of ``|d|`` (average ranks for
    ties) over positive / negative differences; zero differences are dropped (Wilcoxon's
    convention, as in ``scipy.stats.wilcoxon(zero_method="wilcox")``). Range -1..1;
    +1 means every non-zero change is an increase.
    """
    d = np.asarray(d, dtype=float)
    d = d[d != 0]
    if d.size == 0:
        raise SPBEError("all paired differences are zero; rank-biserial undefined", field="difference")
    r = _st.rankdata(np.abs(d))
    r_plus, r_minus = r[d > 0].sum(), r[d < 0].sum()
    return float((r_plus - r_minus) / (r_plus + r_minus))


def cohen_dz(d) -> float:
    """Cohen's d_z for paired data: mean difference / SD of differences (ddof=1)."""
    d = np.asarray(d, dtype=float)
    sd = d.std(ddof=1)
    if not sd > 0:
        raise SPBEError("differences have zero spread; Cohen's dz undefined", field="difference")
    return float(d.mean() / sd)


def wilcoxon_test(df: pd.DataFrame, before: str, after: str, n_boot: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Wilcoxon signed-rank test of ``after - before`` (two-sided, zeros dropped).

    Returns one row: ``statistic`` as scipy reports it (the smaller signed-rank sum),
    ``p_val`` (exact when scipy can, normal approximation otherwise), ``rank_biserial``,
    ``median_diff`` and a percentile bootstrap CI of the median difference.
    """
    d = _paired_diff(df, before, after)
    n_nonzero = int(np.sum(d != 0))
    if n_nonzero == 0:
        raise SPBEError("all paired differences are zero; Wilcoxon test undefined", field=f"{before}/{after}")
    res = _st.wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    lo, hi = bootstrap_ci(d, np.median, n_boot=n_boot, seed=seed)
    return pd.DataFrame(
        {
            "test": ["wilcoxon_signed_rank"],
            "n": [d.size],
            "n_nonzero": [n_nonzero],
            "statistic": [float(res.statistic)],
            "p_val": [float(res.pvalue)],
            "rank_biserial": [rank_biserial_paired(d)],
            "median_diff": [float(np.median(d))],
            "ci_of": ["median difference (bootstrap percentile)"],
            "ci95_low": [lo],
            "ci95_high": [hi],
        }
    )


def paired_t_test(df: pd.DataFrame, before: str, after: str, n_boot: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Paired t-test of ``after - before`` with Cohen's dz and a bootstrap CI of the mean difference."""
    d = _paired_diff(df, before, after)
    res = _st.ttest_1samp(d, 0.0)
    lo, hi = bootstrap_ci(d, np.mean, n_boot=n_boot, seed=seed)
    return pd.DataFrame(
        {
            "test": ["paired_t"],
            "n": [d.size],
            "statistic": [float(res.statistic)],
            "p_val": [float(res.pvalue)],
            "cohen_dz": [cohen_dz(d)],
            "mean_diff": [float(d.mean())],
            "ci_of": ["mean difference (bootstrap percentile)"],
            "ci95_low": [lo],
            "ci95_high": [hi],
        }
    )


def paired_tests(df: pd.DataFrame, before: str, after: str, n_boot: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Both paired tests (Wilcoxon + paired t) stacked, one row each."""
    return pd.concat(
        [wilcoxon_test(df, before, after, n_boot, seed), paired_t_test(df, before, after, n_boot, seed)],
        ignore_index=True,
    )


def signed_rank_distribution(n: int) -> np.ndarray:
    """Exact null distribution of the Wilcoxon signed-rank sum ``T+`` for ``n`` untied, non-zero differences.

    Returns ``P(T+ = t)`` for ``t = 0 … n(n+1)/2``: under H0 each rank ``k`` enters ``T+`` with
    probability 1/2 independently, so the distribution is the convolution of ``n`` two-point laws,
    built in ``n`` vectorised steps (float probabilities: no overflow for large ``n``).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SPBEError(f"n must be a positive integer, got {n!r}", field="n")
    m = n * (n + 1) // 2
    p = np.zeros(m + 1)
    p[0] = 1.0
    top = 0
    for k in range(1, n + 1):
        p[k: top + k + 1] = 0.5 * p[k: top + k + 1] + 0.5 * p[: top + 1].copy()
        p[:k] *= 0.5
        top += k
    return p


def hodges_lehmann(df: pd.DataFrame, before: str, after: str, ci: float = 0.95) -> pd.DataFrame:
    """Hodges–Lehmann estimate of the paired shift with the exact Wilcoxon confidence interval.

    The estimate is the median of the ``n(n+1)/2`` Walsh averages ``(d_i + d_j)/2, i ≤ j`` of the
    differences ``d = after − before``; the interval inverts the exact signed-rank test
    (Hollander & Wolfe): ``[W_(l+1), W_(M−l)]`` with ``W`` the sorted Walsh averages, ``M = n(n+1)/2``
    and ``l`` the largest value with ``P(T+ ≤ l) ≤ (1 − ci)/2``. The achieved coverage
    ``1 − 2·P(T+ ≤ l)`` is reported (``ci_coverage``; ≥ ``ci``, the distribution is discrete). All
    ``n`` differences are used (zeros included); with tied or zero differences the exact
    distribution is an approximation. The endpoints are NaN when ``n`` is too small for the level
    (n < 6 at 95 %). Suited to small samples, where a bootstrap percentile CI of the median is
    unreliable.

    One row: ``test`` = ``"hodges_lehmann"``, ``n``, ``statistic`` (the estimate), ``p_val``
    (two-sided Wilcoxon signed-rank, as :func:`wilcoxon_test`), ``rank_biserial``,
    ``hodges_lehmann``, ``ci_of``, ``ci95_low``, ``ci95_high``, ``ci_coverage``.
    """
    if not 0 < ci < 1:
        raise SPBEError(f"ci must be in (0, 1), got {ci}", field="ci")
    d = _paired_diff(df, before, after)
    n = d.size
    if not np.any(d != 0):
        raise SPBEError("all paired differences are zero; Hodges-Lehmann CI undefined", field=f"{before}/{after}")
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    m = walsh.size
    cdf = np.cumsum(signed_rank_distribution(n))
    ok = np.flatnonzero(cdf <= (1 - ci) / 2 + 1e-12)
    if ok.size:
        lcrit = int(ok[-1])
        lo, hi = float(walsh[lcrit]), float(walsh[m - lcrit - 1])
        coverage = float(1 - 2 * cdf[lcrit])
    else:
        lo = hi = coverage = np.nan
    res = _st.wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    est = float(np.median(walsh))
    return pd.DataFrame(
        {
            "test": ["hodges_lehmann"],
            "n": [n],
            "statistic": [est],
            "p_val": [float(res.pvalue)],
            "rank_biserial": [rank_biserial_paired(d)],
            "hodges_lehmann": [est],
            "ci_of": ["Hodges-Lehmann shift (exact Wilcoxon inversion)"],
            "ci95_low": [lo],
            "ci95_high": [hi],
            "ci_coverage": [coverage],
        }
    )


def rank_correlation(df: pd.DataFrame, x: str, y: str, method: str = "spearman") -> pd.DataFrame:
    """Spearman's rho or Kendall's tau-b between two columns, with a 95 % CI.

    The CI uses Fisher's z with the Fieller, Hartley & Pearson (1957) standard errors:
    ``sqrt(1.06/(n-3))`` for Spearman, ``sqrt(0.437/(n-4))`` for Kendall (fine for n ≥ 10 and
    |r| < 0.9; a closed form, so no resampling of an O(n²) statistic).
    """
    for col in (x, y):
        if col not in df.columns:
            raise SPBEError(f"column {col!r} not in data", field=col)
    sub = df[[x, y]].astype(float).dropna()
    n = len(sub)
    if n < 5:
        raise SPBEError(f"need at least 5 complete pairs for a rank correlation CI, got {n}", field=f"{x}/{y}")
    if method == "spearman":
        res = _st.spearmanr(sub[x], sub[y])
        se = np.sqrt(1.06 / (n - 3))
    elif method == "kendall":
        res = _st.kendalltau(sub[x], sub[y])
        se = np.sqrt(0.437 / (n - 4))
    else:
        raise SPBEError(f"unknown method {method!r}; use 'spearman' or 'kendall'", field="method")
    r = float(res.statistic)
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    lo, hi = np.tanh(z + np.array([-1, 1]) * _st.norm.ppf(0.975) * se)
    return pd.DataFrame(
        {
            "test": [method],
            "n": [n],
            "statistic": [r],
            "p_val": [float(res.pvalue)],
            "correlation": [r],
            "ci_of": ["correlation (Fisher z, Fieller SE)"],
            "ci95_low": [float(lo)],
            "ci95_high": [float(hi)],
        }
    )

