"""Who leads and who lags: SPBE scores compared by institution type, province and island group.

Everything here works on the panel of :func:`spbe_research.datasets.load_results` (one row per
institution × evaluation year × source) and returns tidy DataFrames:

- :func:`group_summary` — n, mean, median, spread, inequality (Gini, IQR), the share of each
  predikat (predicate) and the mean domain scores, per year and group;
- :func:`check_published_means` — do the per-type means reproduce the averages printed in the
  KemenPANRB reports?
- :func:`group_differences` — Kruskal–Wallis (epsilon²) and pairwise Mann–Whitney (Holm-corrected,
  rank-biserial, bootstrap CI of the difference in medians), one tidy row per test;
- :func:`province_spread` — the gap between a province's kabupaten/kota and how the province
  government itself scores;
- :func:`province_own_position` — per year, how many provincial governments score above the
  median of their kabupaten/kota, and how many above all of them;
- :func:`rank_within_province` — "8th in Jawa Timur": rank among peers in the province;
- :func:`province_coverage` — how many of a province's kabupaten/kota were evaluated at all.

By default only ``source_kind == "official_report"`` rows are used: the press rows cover other
years and a self-selected subset of institutions, so pooling them would mix two samples.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import checks, paths
from .errors import SPBEError
from .reproduce import FIT_TOLERANCE
from .scoring import PREDICATES  # predikat (predicate) bands, low → high
from .stats import N_BOOT, bootstrap_ci, bootstrap_distribution
from .vocabulary import GROUP_TYPES, INSTITUTION_TYPES, ISLAND_GROUPS, LOCAL_TYPES, SOURCE_KINDS, TYPE_LABELS
from .vocabulary import group_of_label

__all__ = [
    "PREDICATES",
    "TYPE_ORDER",
    "TYPE_LABELS",
    "ISLAND_GROUP_ORDER",
    "LOCAL_TYPES",
    "GROUPINGS",
    "select_source",
    "gini",
    "holm",
    "group_summary",
    "check_published_means",
    "kruskal_wallis",
    "pairwise_mann_whitney",
    "group_differences",
    "province_spread",
    "province_own_position",
    "rank_within_province",
    "province_coverage",
]

#: institution types in display order (:data:`spbe_research.vocabulary.INSTITUTION_TYPES`).
TYPE_ORDER = INSTITUTION_TYPES
#: island groups in display order (:data:`spbe_research.vocabulary.ISLAND_GROUPS`).
ISLAND_GROUP_ORDER = ISLAND_GROUPS
#: grouping name (the ``group_by`` argument) → panel column.
GROUPINGS = {
    "all": None,
    "type": "institution_type",
    "province": "province_name",
    "island_group": "island_group",
}
#: provinces whose kabupaten/kota are administrative, not autonomous, and so not evaluated (DKI Jakarta).
NON_AUTONOMOUS_LOCAL = ("31",)

_REQUIRED = ("institution_id", "institution_type", "year", "index", "predicate")


def _snake(predicate: str) -> str:
    return predicate.lower().replace(" ", "_")


# --------------------------------------------------------------------------- input checks


def _source_kind(source_kind):
    return None if source_kind is None else checks.choice(source_kind, name="source_kind", options=SOURCE_KINDS)


def select_source(results: pd.DataFrame, source_kind: str | None = "official_report") -> pd.DataFrame:
    """The rows of one ``source_kind`` (``None`` = all), checked for use in comparisons.

    Raises :class:`SPBEError` when a required column is missing, an index is missing, not a number
    (by :mod:`spbe_research.checks` rules) or outside 0–5, a year is not a year, a predicate is
    unknown, or an institution appears twice in the same year (which would count it twice in every
    mean).
    """
    checks.frame(results, name="panel", required=_REQUIRED)
    source_kind = _source_kind(source_kind)
    df = results
    if source_kind is not None:
        checks.frame(df, name="panel", required=("source_kind",))
        df = df[df["source_kind"] == source_kind]
        if df.empty:
            raise SPBEError(f"no rows with source_kind == {source_kind!r}", field="source_kind")
    df = df.reset_index(drop=True)
    ids = df["institution_id"].astype(str)
    idx = checks.numeric_column(df["index"].set_axis(ids), field="index", what="index")
    bad = np.isnan(idx) | (idx < 0) | (idx > 5)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SPBEError(f"index {df['index'].iloc[i]!r} is missing or outside 0–5", row=ids.iloc[i], field="index")
    year = checks.numeric_column(df["year"].set_axis(ids), field="year", what="year")
    bad = np.isnan(year) | (year != np.floor(year)) | (year < 1900) | (year > 2200)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SPBEError(f"year {df['year'].iloc[i]!r} is not a year", row=ids.iloc[i], field="year")
    unknown = ~df["predicate"].isin(PREDICATES)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise SPBEError(f"unknown predicate {df['predicate'].iloc[i]!r}", row=ids.iloc[i], field="predicate")
    dup = df.assign(year=year).duplicated(["institution_id", "year"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise SPBEError("institution appears more than once in one year; pick one source_kind",
                        row=ids.iloc[i], field="year")
    return df.assign(index=idx, year=year.astype(int))


def _only_types(df: pd.DataFrame, types) -> pd.DataFrame:
    """Rows of the given institution types (``None`` = all); raises if none is left."""
    if types is None:
        return df
    types = (types,) if isinstance(types, str) else tuple(types)
    unknown = sorted(set(map(str, types)) - set(TYPE_ORDER))
    if unknown or not types:
        raise SPBEError(f"unknown institution type(s) {unknown or list(types)}; use {', '.join(TYPE_ORDER)}",
                        field="institution_type")
    out = df[df["institution_type"].isin(types)].reset_index(drop=True)
    if out.empty:
        raise SPBEError(f"no rows of type(s) {list(types)}", field="institution_type")
    return out


def _group_col(group_by: str) -> str | None:
    if not isinstance(group_by, str) or group_by not in GROUPINGS:
        raise SPBEError(f"unknown grouping {group_by!r}; use one of {list(GROUPINGS)}", field="group_by")
    return GROUPINGS[group_by]


# --------------------------------------------------------------------------- small statistics


def gini(x) -> float:
    """Gini coefficient of non-negative values (population form, 0 = all equal).

    ``G = Σ_i Σ_j |x_i − x_j| / (2 n² mean)``; e.g. ``gini([0, 0, 1]) = 2/3``. No small-sample
    correction, so a group of n has a maximum of ``(n − 1)/n``. Values that are all equal — all zero
    included — have no inequality: 0.

    >>> gini([0, 0, 1]), gini([2.5, 2.5]), gini([0.0, 0.0])
    (0.6666666666666667, 0.0, 0.0)
    """
    x, _ = checks.numeric_vector(x, what="gini input", field="x")
    if x.size == 0:
        raise SPBEError("gini needs at least one value", field="x")
    if np.isnan(x).any() or np.isinf(x).any() or (x < 0).any():
        raise SPBEError("gini needs finite, non-negative values without NaN", field="x")
    total = x.sum()
    if total == 0:
        return 0.0
    xs = np.sort(x)
    n = x.size
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * xs) / (n * total) - (n + 1) / n)


def holm(p_values) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, in the input order.

    Sorted ascending, ``p_adj(i) = max_{j ≤ i} min(1, (m − j + 1) p(j))``.
    """
    p, _ = checks.numeric_vector(p_values, what="p-value", field="p_val")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise SPBEError("p-values must lie in [0, 1]", field="p_val")
    m = p.size
    order = np.argsort(p, kind="stable")
    adj_sorted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj_sorted
    return out


def _iqr(x: pd.Series) -> float:
    return float(x.quantile(0.75) - x.quantile(0.25))


# --------------------------------------------------------------------------- summaries


def group_summary(
    results: pd.DataFrame,
    group_by=("all", "type", "island_group", "province"),
    source_kind: str | None = "official_report",
    types=None,
) -> pd.DataFrame:
    """One row per year × grouping × group (``types``: keep only these institution types).

    ``group_by``: one grouping name of :data:`GROUPINGS` or several (as in :func:`group_differences`
    and the figures; ``by`` elsewhere in the package names data columns).
    Columns: ``year``, ``group_by`` (``all``/``type``/``island_group``/``province``), ``group``,
    ``n``, ``mean_index``, ``median_index``, ``sd_index`` (ddof=1; NaN for a group of one: no spread
    to estimate), ``min_index``, ``max_index``,
    ``iqr_index``, ``gini_index``, ``share_kurang`` … ``share_memuaskan`` (shares of the predicate
    *as printed*), ``share_baik_or_better``, ``mean_D1`` … ``mean_D4`` (means over the rows
    where the domain is known; D4 does not exist under the 2018 framework) and ``highest_domain`` /
    ``lowest_domain`` (the domain with the highest / lowest of those means; first on ties; NA when
    no domain is known).
    Central bodies have no province or island group and appear only under ``all`` and ``type``.
    """
    df = _only_types(select_source(results, source_kind), types)
    groupings = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    if not groupings:
        raise SPBEError("group_by must name at least one grouping", field="group_by")
    for g in groupings:
        _group_col(g)
    domains = [d for d in ("D1", "D2", "D3", "D4") if d in df.columns]
    dom = pd.DataFrame(checks.numeric_matrix(df, domains, what="domain"), columns=domains, index=df.index) \
        if domains else None
    if dom is not None and np.isinf(dom.to_numpy()).any():
        r, c = np.argwhere(np.isinf(dom.to_numpy()))[0]
        raise SPBEError("domain value is not finite", row=str(df["institution_id"].iloc[r]), field=domains[c])
    parts = []
    for g in groupings:
        col = _group_col(g)
        key = pd.Series("all", index=df.index, dtype="string") if col is None else df[col].astype("string")
        work = pd.DataFrame({"year": df["year"], "group": key, "index": df["index"], "predicate": df["predicate"]})
        if dom is not None:
            work[domains] = dom
        work = work[work["group"].notna()]
        grp = work.groupby(["year", "group"], sort=True)
        out = grp["index"].agg(
            n="size", mean_index="mean", median_index="median", sd_index="std", min_index="min", max_index="max"
        )
        out["iqr_index"] = grp["index"].agg(_iqr)
        out["gini_index"] = grp["index"].agg(gini)
        shares = pd.crosstab([work["year"], work["group"]], work["predicate"], normalize="index")
        shares = shares.reindex(columns=list(PREDICATES), fill_value=0.0)
        for p in PREDICATES:
            out[f"share_{_snake(p)}"] = shares[p].reindex(out.index).astype(float)
        out["share_baik_or_better"] = shares[["Baik", "Sangat Baik", "Memuaskan"]].sum(axis=1).reindex(out.index)
        for d in domains:
            out[f"mean_{d}"] = grp[d].mean()
        if domains:
            means = out[[f"mean_{d}" for d in domains]]
            known = means.notna().any(axis=1)
            arr = means.to_numpy(dtype=float)
            names = np.array(domains, dtype=object)
            filled_hi = np.where(np.isnan(arr), -np.inf, arr)
            filled_lo = np.where(np.isnan(arr), np.inf, arr)
            out["highest_domain"] = pd.Series(names[filled_hi.argmax(axis=1)], index=out.index).where(known)
            out["lowest_domain"] = pd.Series(names[filled_lo.argmin(axis=1)], index=out.index).where(known)
        out = out.reset_index()
        out.insert(1, "group_by", g)
        parts.append(out)
    res = pd.concat(parts, ignore_index=True)
    res["n"] = res["n"].astype(int)
    return res


def check_published_means(
    results: pd.DataFrame,
    aggregates: pd.DataFrame,
    tolerance: float = FIT_TOLERANCE,
    components=("index",),
    source_kind: str | None = "official_report",
) -> pd.DataFrame:
    """Compare means of the panel with the group means printed in the reports.

    ``aggregates`` is tidy (``year``, ``group``, ``component``, ``statistic``, ``value``), as from
    ``spbe_research.cleaning.parse_report_aggregates``; its ``statistic == "mean"`` rows for the
    given ``components`` (``index``, ``D1`` …) are checked. A group label is read with
    :func:`spbe_research.vocabulary.group_of_label` and pooled over
    :data:`spbe_research.vocabulary.GROUP_TYPES`. Report groups that no set of panel types matches
    (2023 prints ``LNS`` and ``Instansi Lainnya`` separately; the panel pools them as ``lns_other``)
    get ``status = "no_panel_group"``; years without panel rows ``"no_panel_rows"``.

    Returns one row per published mean: ``year``, ``published_group``, ``types`` (panel types
    pooled, ``all`` for everyone), ``component``, ``n``, ``published``, ``computed`` (mean of the
    printed values, rows with the component missing left out), ``difference`` (computed −
    published), ``tolerance`` (default :data:`spbe_research.reproduce.FIT_TOLERANCE`, the published
    mean's own rounding), ``within_tolerance`` (NA when nothing was compared) and ``status``, plus
    ``report_year``/``source_table`` if given.
    """
    checks.frame(aggregates, name="aggregates", required=("year", "group", "component", "statistic", "value"))
    tolerance = checks.scalar(tolerance, name="tolerance", lo=0)
    components = (components,) if isinstance(components, str) else tuple(components)
    agg = aggregates[(aggregates["statistic"].astype(str) == "mean") & aggregates["component"].isin(components)]
    if agg.empty:
        raise SPBEError(f"no published means for components {list(components)}", field="component")
    published = checks.numeric_column(agg["value"], field="value", what="published")
    agg_years = checks.numeric_column(agg["year"], field="year", what="year")
    if np.isnan(agg_years).any() or (agg_years != np.floor(agg_years)).any():
        raise SPBEError("aggregate year is missing or not a whole number", file="aggregates", field="year")
    df = select_source(results, source_kind)
    extra = [c for c in ("report_year", "source_table") if c in agg.columns]
    rows = []
    for r, value, year in zip(agg.to_dict("records"), published, agg_years):
        comp = str(r["component"])
        row = dict(year=int(year), published_group=str(r["group"]), types=None, component=comp, n=0,
                   published=float(value), computed=np.nan, difference=np.nan, tolerance=tolerance,
                   within_tolerance=pd.NA, status="no_panel_group", **{c: r[c] for c in extra})
        group = group_of_label(r["group"])
        types = GROUP_TYPES.get(group) if group is not None else None
        if types is not None:
            everyone = set(types) == set(TYPE_ORDER)
            row["types"] = "all" if everyone else "+".join(types)
            sel = df["year"] == row["year"]
            if not everyone:
                sel &= df["institution_type"].isin(types)
            if comp not in df.columns:
                raise SPBEError(f"panel has no column for component {comp!r}", field=comp)
            vals = checks.numeric_column(df.loc[sel, comp], field=comp, what=comp)
            vals = vals[~np.isnan(vals)]
            row["n"] = int(vals.size)
            if vals.size == 0:
                row["status"] = "no_panel_rows"
            elif np.isnan(value):
                row["status"] = "no_published_value"
            else:
                row["computed"] = float(vals.mean())
                row["difference"] = row["computed"] - row["published"]
                row["within_tolerance"] = bool(abs(row["difference"]) <= tolerance + 1e-9)
                row["status"] = "compared"
        rows.append(row)
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype(int)
    out["within_tolerance"] = out["within_tolerance"].astype("boolean")
    return out.sort_values(["year", "component", "published_group"] + extra, ignore_index=True, kind="stable")


# --------------------------------------------------------------------------- group differences


def _samples(df: pd.DataFrame, col: str, value_col: str, order) -> tuple[list[str], list[np.ndarray]]:
    """The finite values of ``value_col`` per group of ``col`` (groups in ``order``, then sorted)."""
    checks.frame(df, name="data", required=(col, value_col))
    values = checks.numeric_column(df[value_col], field=value_col, what=value_col)
    if np.isinf(values).any():
        i = int(np.flatnonzero(np.isinf(values))[0])
        raise SPBEError(f"{value_col} value {values[i]} is not finite", row=df.index[i], field=value_col)
    keep = df[col].notna().to_numpy() & ~np.isnan(values)
    labels = df[col][keep].astype(str).to_numpy()
    values = values[keep]
    present = list(pd.unique(labels))
    names = [g for g in order if g in present] + sorted(g for g in present if g not in order)
    samples = [values[labels == g] for g in names]
    return names, samples


def _h_statistic(*groups, axis=-1):
    """Kruskal–Wallis H (tie-corrected) for groups stacked along ``axis``; vectorised over rows."""
    sizes = [g.shape[-1] for g in groups]
    x = np.concatenate([np.asarray(g, dtype=float) for g in groups], axis=-1)
    x2 = x.reshape(-1, x.shape[-1])
    b, n = x2.shape
    ranks = _st.rankdata(x2, axis=1)
    bounds = np.cumsum([0] + sizes)
    term = sum(ranks[:, lo:hi].sum(axis=1) ** 2 / (hi - lo) for lo, hi in zip(bounds[:-1], bounds[1:]))
    h = 12.0 / (n * (n + 1)) * term - 3.0 * (n + 1)
    # tie correction 1 − Σ(t³ − t)/(n³ − n), with tie runs found on the sorted rows
    s = np.sort(x2, axis=1)
    new = np.ones_like(s, dtype=bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    run_id = np.cumsum(new.ravel()) - 1
    t = np.bincount(run_id).astype(float)
    run_row = np.flatnonzero(new.ravel()) // n
    ties = np.bincount(run_row, weights=t**3 - t, minlength=b)
    corr = 1.0 - ties / (n**3 - n)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(corr > 0, h / corr, 0.0)
    return h.reshape(x.shape[:-1]) if x.ndim > 1 else float(h[0])


def kruskal_wallis(
    df: pd.DataFrame, group_col: str, value_col: str = "index", order=TYPE_ORDER, n_boot: int = N_BOOT, seed=0
) -> pd.DataFrame:
    """Kruskal–Wallis test across the groups of ``group_col``: one tidy row.

    Effect size ``epsilon_squared = H / (n − 1)`` (Tomczak & Tomczak 2014; 0 = no separation,
    1 = groups fully separated), with a percentile bootstrap CI that resamples within each group.
    Fewer than 2 groups of ≥ 2 values, or every value tied, raise :class:`SPBEError` (no test exists).
    """
    names, samples = _samples(df, group_col, value_col, order)
    if len(samples) < 2 or any(s.size < 2 for s in samples):
        raise SPBEError(f"Kruskal–Wallis needs ≥ 2 groups of ≥ 2 values; got sizes "
                        f"{dict(zip(names, (s.size for s in samples)))}", field=group_col)
    if np.ptp(np.concatenate(samples)) == 0:
        raise SPBEError(f"every {value_col} value is {samples[0][0]:g}: all tied, so no rank test exists",
                        field=value_col)
    res = _st.kruskal(*samples)
    n = int(sum(s.size for s in samples))
    eps = float(res.statistic) / (n - 1)
    reps = bootstrap_distribution(tuple(samples), _h_statistic, n_boot=n_boot, seed=seed) / (n - 1)
    lo, hi = np.quantile(reps, [0.025, 0.975])
    return pd.DataFrame(
        {
            "test": ["kruskal_wallis"],
            "groups": [", ".join(names)],
            "k": [len(names)],
            "n": [n],
            "statistic": [float(res.statistic)],
            "dof": [len(names) - 1],
            "p_val": [float(res.pvalue)],
            "epsilon_squared": [eps],
            "ci_of": ["epsilon_squared (bootstrap percentile, within-group resampling)"],
            "ci95_low": [float(lo)],
            "ci95_high": [float(hi)],
        }
    )


def _median_diff(a, b, axis=-1):
    return np.median(a, axis=axis) - np.median(b, axis=axis)


def pairwise_mann_whitney(
    df: pd.DataFrame, group_col: str, value_col: str = "index", order=TYPE_ORDER, n_boot: int = N_BOOT, seed=0
) -> pd.DataFrame:
    """Two-sided Mann–Whitney U for every pair of groups, Holm-corrected: one tidy row per pair.

    ``statistic`` is U of ``group_a`` (pairs with a > b, ties counting ½); ``rank_biserial =
    2 U / (n_a n_b) − 1`` (positive: ``group_a`` tends to score higher); ``p_holm`` adjusts over the
    pairs in this call. ``ci95_low``/``ci95_high`` bound ``median_diff`` (median a − median b),
    percentile bootstrap resampling each group on its own. Groups with < 2 values are skipped.
    """
    names, samples = _samples(df, group_col, value_col, order)
    keep = [(g, s) for g, s in zip(names, samples) if s.size >= 2]
    if len(keep) < 2:
        raise SPBEError("pairwise tests need ≥ 2 groups with ≥ 2 values", field=group_col)
    rows = []
    for (ga, a), (gb, b) in itertools.combinations(keep, 2):
        res = _st.mannwhitneyu(a, b, alternative="two-sided")
        u = float(res.statistic)
        lo, hi = bootstrap_ci((a, b), _median_diff, n_boot=n_boot, seed=seed)
        rows.append(
            dict(test="mann_whitney", group_a=ga, group_b=gb, n_a=a.size, n_b=b.size, n=a.size + b.size,
                 statistic=u, p_val=float(res.pvalue), rank_biserial=2.0 * u / (a.size * b.size) - 1.0,
                 median_a=float(np.median(a)), median_b=float(np.median(b)),
                 median_diff=float(np.median(a) - np.median(b)),
                 ci_of="median_diff (bootstrap percentile)", ci95_low=lo, ci95_high=hi)
        )
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_val") + 1, "p_holm", holm(out["p_val"].to_numpy()))
    return out


def group_differences(
    results: pd.DataFrame,
    group_by: str = "type",
    value_col: str = "index",
    years=None,
    pairwise: bool = True,
    n_boot: int = N_BOOT,
    seed=0,
    source_kind: str | None = "official_report",
    types=None,
) -> pd.DataFrame:
    """Kruskal–Wallis plus (optionally) pairwise Mann–Whitney rows, per evaluation year.

    Tidy: one row per test with ``year``, ``group_by``, ``value``, ``types`` (the institution
    types compared, ``all`` if not restricted), ``test`` and the columns of :func:`kruskal_wallis` /
    :func:`pairwise_mann_whitney` (the other test's columns are NA). Holm correction runs within a
    year and grouping. ``types`` restricts the rows, e.g. ``("kabupaten", "kota")`` to compare
    island groups among local governments only.
    """
    df = _only_types(select_source(results, source_kind), types)
    col = _group_col(group_by)
    if col is None:
        raise SPBEError("group_differences needs a grouping other than 'all'", field="group_by")
    checks.frame(df, name="panel", required=(value_col,))
    if not isinstance(pairwise, (bool, np.bool_)):
        raise SPBEError(f"pairwise must be True or False, got {pairwise!r}", field="pairwise")
    order = TYPE_ORDER if group_by == "type" else ISLAND_GROUP_ORDER if group_by == "island_group" else ()
    years = sorted(df["year"].unique()) if years is None else list(checks.years(years))
    parts = []
    for y in years:
        sub = df[df["year"] == y]
        if sub.empty:
            raise SPBEError(f"no rows for year {y}", field="year")
        tests = [kruskal_wallis(sub, col, value_col, order, n_boot, seed)]
        if pairwise:
            tests.append(pairwise_mann_whitney(sub, col, value_col, order, n_boot, seed))
        t = pd.concat(tests, ignore_index=True)
        t.insert(0, "group_by", group_by)
        t.insert(0, "year", int(y))
        t.insert(2, "value", value_col)
        t.insert(3, "types", "all" if types is None else "+".join((types,) if isinstance(types, str) else types))
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    for c in ("k", "dof", "n_a", "n_b"):
        if c in out.columns:
            out[c] = out[c].astype("Int64")
    return out


# --------------------------------------------------------------------------- provinces


def province_spread(results: pd.DataFrame, source_kind: str | None = "official_report") -> pd.DataFrame:
    """The spread between each province's kabupaten/kota, and the province government's own score.

    One row per year × province: ``n`` (kabupaten + kota), ``mean_local``, ``median_local``,
    ``min_index``, ``max_index``, ``range_index``, ``iqr_index``, ``gini_index``, the names of the
    lowest and highest local government (first alphabetically on ties) with their predicates as
    printed (``lowest_predicate``, ``highest_predicate``), ``province_own_index`` and
    ``province_own_predicate`` (the Pemerintah Provinsi itself; NA if not in the data),
    ``province_above_local_median`` (nullable bool: own index strictly above ``median_local``) and
    ``province_own_rank`` — its rank among its own kabupaten/kota plus itself (1 = highest, i.e.
    at least as high as every kabupaten/kota; ties take the best rank, i.e. 1 + the number of
    kab/kota strictly above it), out of ``n_ranked = n + 1``. Sorted by year, then widest range.
    """
    df = select_source(results, source_kind)
    for c in ("province_code", "province_name", "institution_name"):
        if c not in df.columns:
            raise SPBEError(f"panel lacks column {c!r}", field=c)
    reg = df[df["province_code"].notna()]
    local = reg[reg["institution_type"].isin(LOCAL_TYPES)]
    if local.empty:
        raise SPBEError("no kabupaten/kota rows to summarise", field="institution_type")
    keys = ["year", "province_code"]
    g = local.groupby(keys, sort=True)["index"]
    out = g.agg(n="size", mean_local="mean", median_local="median", min_index="min", max_index="max")
    out["range_index"] = out["max_index"] - out["min_index"]
    out["iqr_index"] = g.agg(_iqr)
    out["gini_index"] = g.agg(gini)
    srt = local.sort_values(keys + ["index", "institution_name"], ascending=[True, True, True, True])
    lo = srt.groupby(keys)[["institution_name", "predicate"]].first()
    out["lowest"], out["lowest_predicate"] = lo["institution_name"], lo["predicate"]
    srt_hi = local.sort_values(keys + ["index", "institution_name"], ascending=[True, True, False, True])
    hi = srt_hi.groupby(keys)[["institution_name", "predicate"]].first()
    out["highest"], out["highest_predicate"] = hi["institution_name"], hi["predicate"]
    names = reg.groupby(keys)[["province_name"] + (["island_group"] if "island_group" in reg else [])].first()
    out = out.join(names)
    own = reg[reg["institution_type"] == "provinsi"]
    if own.duplicated(keys).any():
        dup = own[own.duplicated(keys, keep=False)].iloc[0]
        raise SPBEError("more than one provincial government in a province and year",
                        row=str(dup["institution_id"]), field="province_code")
    own_pred = own.set_index(keys)["predicate"].rename("province_own_predicate")
    own = own.set_index(keys)["index"].rename("province_own_index")
    out = out.join(own).join(own_pred)
    out["province_above_local_median"] = (out["province_own_index"] > out["median_local"]).astype("boolean").where(
        out["province_own_index"].notna())
    merged = local.join(own, on=keys)
    above = (merged["index"] > merged["province_own_index"]).groupby([merged["year"], merged["province_code"]]).sum()
    out["province_own_rank"] = (above.reindex(out.index) + 1).where(out["province_own_index"].notna())
    out["province_own_rank"] = out["province_own_rank"].astype("Int64")
    out["n_ranked"] = (out["n"] + 1).where(out["province_own_index"].notna()).astype("Int64")
    out = out.reset_index()
    front = ["year", "province_code", "province_name"] + (["island_group"] if "island_group" in out else [])
    out = out[front + [c for c in out.columns if c not in front]]
    return out.sort_values(["year", "range_index", "province_code"], ascending=[True, False, True], ignore_index=True)


def province_own_position(spread: pd.DataFrame) -> pd.DataFrame:
    """Per year, how the provincial governments sit among their own kabupaten/kota.

    ``spread`` is :func:`province_spread` output; provinces without a provincial-government row are
    left out. Columns: ``year``, ``n_provinces`` (with an own index), ``n_above_local_median``
    (``province_above_local_median``), ``n_ranked_first`` (``province_own_rank == 1``) and the
    shares ``share_above_local_median``, ``share_ranked_first``.
    """
    need = {"year", "province_own_index", "province_above_local_median", "province_own_rank"}
    if not need <= set(spread.columns):
        missing = sorted(need - set(spread.columns))
        raise SPBEError(f"spread lacks column(s) {missing}; use province_spread output", field=missing[0])
    own = spread[spread["province_own_index"].notna()]
    if own.empty:
        raise SPBEError("no province has a provincial-government index", field="province_own_index")
    work = pd.DataFrame({
        "year": own["year"].astype(int),
        "above": own["province_above_local_median"].astype(bool),
        "first": (own["province_own_rank"] == 1).astype(bool),
    })
    g = work.groupby("year", sort=True)
    out = pd.DataFrame({"n_provinces": g.size(), "n_above_local_median": g["above"].sum(),
                        "n_ranked_first": g["first"].sum()})
    out = out.astype(int)
    out["share_above_local_median"] = out["n_above_local_median"] / out["n_provinces"]
    out["share_ranked_first"] = out["n_ranked_first"] / out["n_provinces"]
    return out.reset_index()


def rank_within_province(
    results: pd.DataFrame, by_type: bool = True, source_kind: str | None = "official_report"
) -> pd.DataFrame:
    """Each regional government's rank within its province, per year (1 = highest index).

    ``by_type=True`` ranks among peers of the same type (a kabupaten among the province's
    kabupaten — the "8th in Jawa Timur" of the press); ``by_type=False`` among all governments in
    the province including the provincial government. Ties share the best rank (``method="min"``:
    two tied seconds are both 2nd and the next is 4th). ``n_peers`` counts the institutions ranked
    together, including the one itself. Central bodies (no province) are not ranked and are left out.
    """
    df = select_source(results, source_kind)
    for c in ("province_code", "institution_name"):
        if c not in df.columns:
            raise SPBEError(f"panel lacks column {c!r}", field=c)
    reg = df[df["province_code"].notna()].copy()
    keys = ["year", "province_code"] + (["institution_type"] if by_type else [])
    grp = reg.groupby(keys)["index"]
    reg["rank"] = grp.rank(method="min", ascending=False).astype(int)
    reg["n_peers"] = grp.transform("size").astype(int)
    cols = ["year", "institution_id", "institution_name", "institution_type", "province_code"]
    cols += [c for c in ("province_name",) if c in reg.columns] + ["index", "predicate", "rank", "n_peers"]
    return reg[cols].sort_values(keys[:2] + ["rank", "institution_name"], ignore_index=True)


def province_coverage(
    results: pd.DataFrame, regencies_path=None, source_kind: str | None = "official_report"
) -> pd.DataFrame:
    """How many of each province's kabupaten/kota were evaluated, per year.

    ``n_existing`` counts the autonomous kabupaten/kota in the Kemendagri list (code suffix
    01–69 = kabupaten, 71–99 = kota; Jakarta's administrative cities and regency count 0), so
    ``share_evaluated`` shows where provincial means rest on a partial, self-selected sample.
    ``regencies_path`` defaults to ``data/raw/regions/regencies.csv`` (:func:`spbe_research.paths.raw_path`).
    Columns: ``year``, ``province_code``, ``province_name``, ``n_kabupaten``, ``n_kota``,
    ``n_evaluated``, ``n_existing``, ``share_evaluated``.
    """
    df = select_source(results, source_kind)
    if regencies_path is None:  # the Kemendagri list (Kepmendagri 300.2.2-2138/2025, via idn-area-data; ODbL)
        regencies_path = paths.raw_path("regions", "regencies.csv")
    try:
        reg = pd.read_csv(regencies_path, dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise SPBEError(f"cannot read the regency list: {e}", file=str(regencies_path)) from None
    for c in ("code", "province_code"):
        if c not in reg.columns:
            raise SPBEError(f"regency list lacks column {c!r}", file=str(regencies_path), field=c)
    existing = reg[~reg["province_code"].isin(NON_AUTONOMOUS_LOCAL)].groupby("province_code").size()
    local = df[df["institution_type"].isin(LOCAL_TYPES) & df["province_code"].notna()]
    bad = sorted(set(local["province_code"]) - set(reg["province_code"]))
    if bad:
        raise SPBEError(f"province code(s) {bad} not in the Kemendagri list", file=str(regencies_path),
                        field="province_code")
    counts = pd.crosstab([local["year"], local["province_code"]], local["institution_type"])
    counts = counts.reindex(columns=list(LOCAL_TYPES), fill_value=0)
    years = sorted(df["year"].unique())
    provs = df.loc[df["province_code"].notna(), ["province_code", "province_name"]].drop_duplicates("province_code")
    grid = pd.MultiIndex.from_product([years, sorted(provs["province_code"])], names=["year", "province_code"])
    out = counts.reindex(grid, fill_value=0).rename(columns={"kabupaten": "n_kabupaten", "kota": "n_kota"})
    out.columns.name = None
    out["n_evaluated"] = out["n_kabupaten"] + out["n_kota"]
    out = out.reset_index()
    out["n_existing"] = out["province_code"].map(existing).fillna(0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_evaluated"] = np.where(out["n_existing"] > 0, out["n_evaluated"] / out["n_existing"].clip(lower=1),
                                          np.nan)
    over = out[out["n_evaluated"] > out["n_existing"]]
    if not over.empty:
        r = over.iloc[0]
        raise SPBEError(f"{r['n_evaluated']} kabupaten/kota evaluated but only {r['n_existing']} exist",
                        row=f"{r['year']} {r['province_code']}", field="province_code")
    out = out.merge(provs, on="province_code", how="left")
    cols = ["year", "province_code", "province_name", "n_kabupaten", "n_kota", "n_evaluated", "n_existing",
            "share_evaluated"]
    return out[cols].sort_values(["year", "province_code"], ignore_index=True)
