"""Shared statistics: bootstrap CIs, paired tests, effect sizes, rank correlations.

Convention (pingouin-like): a test function takes a tidy DataFrame and the names of its
columns and returns a one-row DataFrame with columns ``test``, ``n``, ``statistic``, ``p_val``,
an effect-size column named for the effect size (``rank_biserial``, ``cohen_dz``, ...) and the
interval columns ``ci95_low`` / ``ci95_high`` (named for the level: ``ci80_low`` at ``ci=0.8``;
what the interval is for is stated in ``ci_of``). Rows from several tests can be concatenated with
:func:`pandas.concat`.

Inputs follow :mod:`spbe_research.checks` (numbers, text, booleans; counts and seeds). Columns are
read as numbers by its rules (``"3.5"`` is 3.5, ``"3,5"`` and ``True`` are rejected); rows where
either paired value is missing are dropped.

**No answer, one rule.** When the data do not determine a statistic — fewer observations than the
method needs, a non-finite value, every value tied or a constant column, every paired difference
zero, a sample too small for the requested exact interval — the function raises
:class:`~spbe_research.errors.SPBEError` saying which and why. It never returns NaN in place of a
statistic it promises.

All randomness is seeded (``seed``: an int or a :class:`numpy.random.Generator`). Resampling is
vectorised: one ``(n_boot, n)`` index matrix, the statistic evaluated along the last axis, no Python
loop over replicates. Every resampling function defaults to :data:`N_BOOT` replicates.

>>> d = pd.DataFrame({"before": [2.0, 2.0, 3.0, 1.0, 2.5, 1.0], "after": [3.0, 4.0, 2.0, 4.0, 2.5, 5.0]})
>>> wilcoxon_test(d, "before", "after", n_boot=1000)[["n", "statistic", "rank_biserial"]]
   n  statistic  rank_biserial
0  6        1.5            0.8
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import checks
from .errors import SPBEError

__all__ = [
    "N_BOOT",
    "ci_columns",
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

#: Default number of bootstrap replicates of every resampling function in the package.
N_BOOT = 10_000
#: Largest n for the exact signed-rank distribution (beyond it the normal approximation is exact enough).
EXACT_MAX_N = 1000
#: Largest n for :func:`hodges_lehmann` (its n(n+1)/2 Walsh averages are held in memory).
HL_MAX_N = 5000
#: Largest resampling matrix (replicates × observations) built at once: 8 bytes each, about 1.6 GB.
MAX_RESAMPLED = 200_000_000


def ci_columns(ci: float) -> tuple[str, str]:
    """Names of the interval columns at level ``ci``: ``("ci95_low", "ci95_high")`` at 0.95.

    >>> ci_columns(0.8), ci_columns(0.975)
    (('ci80_low', 'ci80_high'), ('ci97_5_low', 'ci97_5_high'))
    """
    ci = checks.fraction(ci, name="ci")
    pct = round(100 * ci, 6)
    label = f"{int(pct)}" if float(pct).is_integer() else f"{pct:g}".replace(".", "_")
    return f"ci{label}_low", f"ci{label}_high"


def _sample(x, i: int) -> np.ndarray:
    field = f"sample {i}"
    if isinstance(x, np.ndarray) and x.ndim != 1:
        raise SPBEError(f"sample must be one-dimensional, got shape {x.shape}", field=field)
    s, _ = checks.numeric_vector(x, what="sample", field=field)
    if s.size < 2:
        raise SPBEError(f"need at least 2 observations, got {s.size}", field=field)
    if np.isnan(s).any():
        raise SPBEError("sample contains NaN; drop or explain missing values first", field=field)
    if np.isinf(s).any():
        raise SPBEError(f"sample contains {s[np.isinf(s)][0]}; every value must be finite", field=field)
    return _bounded(s, field)


def _as_samples(data) -> tuple[np.ndarray, ...]:
    """One or several 1-D finite float samples; raises on NaN, ±inf, empty or non-1-D input."""
    if isinstance(data, (tuple, list)) and len(data) and np.ndim(data[0]) == 1:
        return tuple(_sample(s, i) for i, s in enumerate(data))
    if isinstance(data, pd.DataFrame) or np.ndim(data) > 1:
        raise SPBEError(f"sample must be one-dimensional, got shape {np.shape(data)}", field="sample 0")
    return (_sample(data, 0),)


def _n_boot(n_boot, samples) -> int:
    n_boot = checks.count(n_boot, name="n_boot", lo=100, hi=10**7)
    size = n_boot * sum(s.size for s in samples)
    if size > MAX_RESAMPLED:
        raise SPBEError(f"n_boot = {n_boot} resamples of {sum(s.size for s in samples)} observations would need "
                        f"{size * 8 / 1e9:.1f} GB; lower n_boot", field="n_boot")
    return n_boot


def bootstrap_distribution(data, statistic: Callable, n_boot: int = N_BOOT, seed=0) -> np.ndarray:
    """Bootstrap replicates of ``statistic`` (shape ``(n_boot,)``).

    ``data`` is one 1-D sample or a tuple of independent samples (each resampled on its own,
    e.g. two groups for a difference in medians). ``statistic(*samples, axis=-1)`` must be
    vectorised along ``axis`` like :func:`numpy.mean` or :func:`numpy.median`.
    """
    samples = _as_samples(data)
    n_boot = _n_boot(n_boot, samples)
    if not callable(statistic):
        raise SPBEError(f"statistic must be a function, got {statistic!r}", field="statistic")
    rng = checks.generator(seed)
    resampled = [s[rng.integers(0, s.size, size=(n_boot, s.size))] for s in samples]
    reps = np.asarray(statistic(*resampled, axis=-1), dtype=float)
    if reps.shape != (n_boot,):
        raise SPBEError(f"statistic must return one value per replicate (shape ({n_boot},)), got {reps.shape}",
                        field="statistic")
    if not np.isfinite(reps).all():
        raise SPBEError("the statistic is not finite on some resamples (e.g. a ratio with a zero denominator)",
                        field="statistic")
    return reps


def bootstrap_ci(
    data,
    statistic: Callable = np.mean,
    n_boot: int = N_BOOT,
    seed=0,
    ci: float = 0.95,
    method: str = "percentile",
) -> tuple[float, float]:
    """Bootstrap confidence interval ``(low, high)`` of ``statistic``.

    - ``method="percentile"`` (default): the ``(1-ci)/2`` and ``(1+ci)/2`` quantiles of the
      replicates. Works for one sample or a tuple of independent samples.
    - ``method="bca"``: bias-corrected and accelerated (Efron 1987), acceleration from the
      jackknife; one sample only. Better coverage for skewed statistics and small n.

    When every replicate is identical (e.g. a constant sample) the interval is that value.

    >>> bootstrap_ci([2.5] * 10)
    (2.5, 2.5)
    """
    ci = checks.fraction(ci, name="ci")
    method = checks.choice(method, name="method", options=("percentile", "bca"))
    samples = _as_samples(data)
    if method == "bca" and len(samples) != 1:
        raise SPBEError("BCa is implemented for one sample only; use method='percentile'", field="method")
    reps = bootstrap_distribution(samples, statistic, n_boot=n_boot, seed=seed)
    alpha = (1 - ci) / 2
    if np.ptp(reps) == 0:
        return float(reps[0]), float(reps[0])
    if method == "percentile":
        lo, hi = np.quantile(reps, [alpha, 1 - alpha])
        return float(lo), float(hi)
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
    """``after - before`` for rows where both are known; raises on missing columns, ±inf or < 2 pairs."""
    checks.frame(df, name="data", required=(before, after))
    m = checks.numeric_matrix(df, [before, after], what="paired")
    m = m[~np.isnan(m).any(axis=1)]
    inf = np.isinf(m)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise SPBEError(f"paired value {m[r, c]} is not finite", field=(before, after)[c])
    if len(m) < 2:
        raise SPBEError(f"need at least 2 complete pairs, got {len(m)}", field=f"{before}/{after}")
    return _bounded(m[:, 1] - m[:, 0], field=f"{before}/{after}")


#: Largest |value| the statistics accept: their sums of squares stay finite in float64.
MAX_ABS = 1e150


def _bounded(d: np.ndarray, field) -> np.ndarray:
    if d.size and np.nanmax(np.abs(d)) > MAX_ABS:
        raise SPBEError(f"values as large as {np.nanmax(np.abs(d)):.3g} would overflow the statistics "
                        f"(|value| must be ≤ {MAX_ABS:g})", field=field)
    return d


def _differences(d, what: str) -> np.ndarray:
    d, _ = checks.numeric_vector(d, what=what, field="difference")
    if np.isnan(d).any() or np.isinf(d).any():
        raise SPBEError("differences must be finite numbers (drop missing pairs first)", field="difference")
    return _bounded(d, "difference")


def rank_biserial_paired(d) -> float:
    """Matched-pairs rank-biserial correlation (Kerby 2014) of paired differences ``d``.

    ``r = (R+ - R-) / (R+ + R-)`` with R± the sums of the ranks of ``|d|`` (average ranks for
    ties) over positive / negative differences; zero differences are dropped (Wilcoxon's
    convention, as in ``scipy.stats.wilcoxon(zero_method="wilcox")``). Range -1..1;
    +1 means every non-zero change is an increase.

    >>> rank_biserial_paired([1, 2, -1, 3, 0, 4])
    0.8
    """
    d = _differences(d, "difference")
    d = d[d != 0]
    if d.size == 0:
        raise SPBEError("all paired differences are zero; rank-biserial undefined", field="difference")
    r = _st.rankdata(np.abs(d))
    r_plus, r_minus = r[d > 0].sum(), r[d < 0].sum()
    return float((r_plus - r_minus) / (r_plus + r_minus))


def cohen_dz(d) -> float:
    """Cohen's d_z for paired data: mean difference / SD of differences (ddof=1)."""
    d = _differences(d, "difference")
    if d.size < 2:
        raise SPBEError(f"Cohen's dz needs at least 2 differences, got {d.size}", field="difference")
    sd = d.std(ddof=1)
    if not sd > 0:
        raise SPBEError("differences have zero spread (all equal); Cohen's dz undefined", field="difference")
    return float(d.mean() / sd)


def wilcoxon_test(df: pd.DataFrame, before: str, after: str, n_boot: int = N_BOOT, seed=0) -> pd.DataFrame:
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


def paired_t_test(df: pd.DataFrame, before: str, after: str, n_boot: int = N_BOOT, seed=0) -> pd.DataFrame:
    """Paired t-test of ``after - before`` with Cohen's dz and a bootstrap CI of the mean difference."""
    d = _paired_diff(df, before, after)
    dz = cohen_dz(d)  # raises first when the differences have no spread (t undefined)
    res = _st.ttest_1samp(d, 0.0)
    lo, hi = bootstrap_ci(d, np.mean, n_boot=n_boot, seed=seed)
    return pd.DataFrame(
        {
            "test": ["paired_t"],
            "n": [d.size],
            "statistic": [float(res.statistic)],
            "p_val": [float(res.pvalue)],
            "cohen_dz": [dz],
            "mean_diff": [float(d.mean())],
            "ci_of": ["mean difference (bootstrap percentile)"],
            "ci95_low": [lo],
            "ci95_high": [hi],
        }
    )


def paired_tests(df: pd.DataFrame, before: str, after: str, n_boot: int = N_BOOT, seed=0) -> pd.DataFrame:
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

    >>> signed_rank_distribution(2).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    n = checks.count(n, name="n", lo=1, hi=EXACT_MAX_N)
    m = n * (n + 1) // 2
    p = np.zeros(m + 1)
    p[0] = 1.0
    top = 0
    for k in range(1, n + 1):
        p[k: top + k + 1] = 0.5 * p[k: top + k + 1] + 0.5 * p[: top + 1].copy()
        p[:k] *= 0.5
        top += k
    return p


def _min_n_for(ci: float) -> int:
    """Smallest n whose exact signed-rank distribution has a tail ≤ (1 − ci)/2 (6 at 95 %)."""
    n = 1
    while 0.5**n > (1 - ci) / 2 + 1e-12:
        n += 1
    return n


def _critical_rank(n: int, ci: float) -> tuple[int, float]:
    """Largest l with P(T+ ≤ l) ≤ (1 − ci)/2, and the coverage 1 − 2·P(T+ ≤ l): exact up to
    :data:`EXACT_MAX_N`, from the normal approximation with continuity correction above."""
    if n <= EXACT_MAX_N:
        cdf = np.cumsum(signed_rank_distribution(n))
        lcrit = int(np.flatnonzero(cdf <= (1 - ci) / 2 + 1e-12)[-1])
        return lcrit, float(1 - 2 * cdf[lcrit])
    mean, sd = n * (n + 1) / 4, np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    lcrit = int(np.floor(mean - 0.5 - _st.norm.ppf((1 + ci) / 2) * sd))
    return lcrit, float(1 - 2 * _st.norm.cdf((lcrit + 0.5 - mean) / sd))


def hodges_lehmann(df: pd.DataFrame, before: str, after: str, ci: float = 0.95) -> pd.DataFrame:
    """Hodges–Lehmann estimate of the paired shift with the exact Wilcoxon confidence interval.

    The estimate is the median of the ``n(n+1)/2`` Walsh averages ``(d_i + d_j)/2, i ≤ j`` of the
    differences ``d = after − before``; the interval inverts the exact signed-rank test
    (Hollander & Wolfe): ``[W_(l+1), W_(M−l)]`` with ``W`` the sorted Walsh averages, ``M = n(n+1)/2``
    and ``l`` the largest value with ``P(T+ ≤ l) ≤ (1 − ci)/2``. The achieved coverage
    ``1 − 2·P(T+ ≤ l)`` is reported (``ci_coverage``; ≥ ``ci``, the distribution is discrete; above
    :data:`EXACT_MAX_N` pairs ``P`` comes from the normal approximation). All
    ``n`` differences are used (zeros included); with tied or zero differences the exact
    distribution is an approximation. Too few pairs for the level (n < 6 at 95 %, n < 4 at 80 %)
    raise :class:`SPBEError` (no interval exists). Suited to small samples, where a bootstrap
    percentile CI of the median is unreliable.

    One row: ``test`` = ``"hodges_lehmann"``, ``n``, ``statistic`` (the estimate), ``p_val``
    (two-sided Wilcoxon signed-rank, as :func:`wilcoxon_test`), ``rank_biserial``,
    ``hodges_lehmann``, ``ci_of``, the interval named for its level (``ci95_low``, ``ci95_high`` at
    the default; ``ci80_low``, ``ci80_high`` at ``ci=0.8``) and ``ci_coverage``.
    """
    low_col, high_col = ci_columns(ci)
    d = _paired_diff(df, before, after)
    n = d.size
    if not np.any(d != 0):
        raise SPBEError("all paired differences are zero; Hodges-Lehmann CI undefined", field=f"{before}/{after}")
    need = _min_n_for(ci)
    if n < need:
        raise SPBEError(f"{n} pairs are too few for an exact {ci:.0%} interval (need at least {need}); "
                        "lower ci or add pairs", field=f"{before}/{after}")
    if n > HL_MAX_N:
        raise SPBEError(f"{n} pairs: the {n * (n + 1) // 2} Walsh averages would not fit in memory (at most "
                        f"{HL_MAX_N} pairs); use wilcoxon_test's bootstrap interval", field=f"{before}/{after}")
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    m = walsh.size
    lcrit, coverage = _critical_rank(n, ci)
    lo, hi = float(walsh[lcrit]), float(walsh[m - lcrit - 1])
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
            "ci_of": [f"Hodges-Lehmann shift ({'' if ci == 0.95 else f'{ci:.0%}, '}"
                      f"{'exact' if n <= EXACT_MAX_N else 'normal-approximation'} Wilcoxon inversion)"],
            low_col: [lo],
            high_col: [hi],
            "ci_coverage": [coverage],
        }
    )


def rank_correlation(df: pd.DataFrame, x: str, y: str, method: str = "spearman") -> pd.DataFrame:
    """Spearman's rho or Kendall's tau-b between two columns, with a 95 % CI.

    The CI uses Fisher's z with the Fieller, Hartley & Pearson (1957) standard errors:
    ``sqrt(1.06/(n-3))`` for Spearman, ``sqrt(0.437/(n-4))`` for Kendall (fine for n ≥ 10 and
    |r| < 0.9; a closed form, so no resampling of an O(n²) statistic). A constant column has no
    ranks to correlate and raises.
    """
    method = checks.choice(method, name="method", options=("spearman", "kendall"))
    checks.frame(df, name="data", required=(x, y))
    m = checks.numeric_matrix(df, [x, y], what="correlated")
    m = m[~np.isnan(m).any(axis=1)]
    if np.isinf(m).any():
        r, c = np.argwhere(np.isinf(m))[0]
        raise SPBEError(f"value {m[r, c]} is not finite", field=(x, y)[c])
    n = len(m)
    if n < 5:
        raise SPBEError(f"need at least 5 complete pairs for a rank correlation CI, got {n}", field=f"{x}/{y}")
    for c, name in enumerate((x, y)):
        if np.ptp(m[:, c]) == 0:
            raise SPBEError(f"column {name!r} is constant; a rank correlation is undefined", field=name)
    if method == "spearman":
        res = _st.spearmanr(m[:, 0], m[:, 1])
        se = np.sqrt(1.06 / (n - 3))
    else:
        res = _st.kendalltau(m[:, 0], m[:, 1])
        se = np.sqrt(0.437 / (n - 4))
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
