"""The same institutions before and after a change: pairs, stage, national trend, paired tests.

* :func:`switch_pairs` — one institution's last score under the old framework and its first under the
  new one, with the **stage** (official, provisional, self-assessment, unknown) of both ends;
* :func:`trend_adjust` — each pair's change beside the national change over the same years (from
  :func:`~spbe_research.impact.decomposition.national_trend`): a change is judged against what happened to
  everyone else;
* :func:`stage_subsets`, :func:`switch_effect_tests` — exact Hodges–Lehmann / Wilcoxon results for the
  headline subset (both ends official) and labelled sensitivity subsets, one tidy row each;
* :func:`year_pairs`, :func:`paired_change_tests`, :func:`predicate_transitions`,
  :func:`rank_stability`, :func:`domain_contributions` — two years under the same framework.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..errors import SPBEError
from ..frameworks import get_framework
from ..scoring import PREDICATES, predicate
from ..stats import N_BOOT, hodges_lehmann, paired_tests, rank_correlation
from ._common import SOURCE_PRIORITY, need
from .decomposition import national_trend

__all__ = [
    "switch_pairs", "year_pairs", "trend_adjust", "stage_subsets", "switch_effect_tests", "exact_signed_rank_p",
    "paired_change_tests", "predicate_transitions", "transition_summary", "transition_matrix", "rank_stability",
    "domain_contributions", "pair_changes", "change_counts", "STAGES",
]

#: Stages of a published value (``stage`` column of the panel), from most to least final.
STAGES = ("official", "provisional", "self_assessment", "unknown")

_PAIR_COLS = ["institution_id", "institution_name", "institution_type", "year", "source_kind", "stage",
              "index", "predicate", "source"]


def _with_predicate_any(results: pd.DataFrame) -> pd.DataFrame:
    """Add ``predicate_any``: the printed predicate, or the predicate of the printed index when none is printed."""
    need(results, ["index", "predicate"], "results")
    out = results.copy()
    printed = out["predicate"].astype("string")
    printed = printed.where(printed.isin(PREDICATES))
    has_idx = out["index"].notna()
    from_index = pd.Series(pd.NA, index=out.index, dtype="string")
    if has_idx.any():
        from_index[has_idx] = predicate(out.loc[has_idx, "index"].astype(float)).astype(str).to_numpy()
    out["predicate_any"] = printed.fillna(from_index)
    return out


def _one_score_per_institution_year(results: pd.DataFrame, on: str = "index") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Collapse duplicate (institution, year) rows.

    The best source wins (:data:`~spbe_research.impact._common.SOURCE_PRIORITY`: official report, then
    imported official lists, then press). Among several rows of the winning source, identical values of
    ``on`` are kept once; *different* values are a conflict: the institution-year is dropped and listed
    in the second frame, never averaged. Rows without a value of ``on`` are ignored.
    """
    need(results, ["institution_id", "year", "source_kind", on], "results")
    df = results[results[on].notna()].copy()
    df["_rank"] = df["source_kind"].map(SOURCE_PRIORITY).fillna(len(SOURCE_PRIORITY)).astype(int)
    best = df.groupby(["institution_id", "year"])["_rank"].transform("min")
    df = df[df["_rank"] == best]
    nvals = df.groupby(["institution_id", "year"])[on].transform("nunique")
    conflicts = df[nvals > 1].drop(columns="_rank")
    kept = df[nvals == 1].drop_duplicates(["institution_id", "year"]).drop(columns="_rank")
    return kept, conflicts


def _stage_filter(df: pd.DataFrame, stages, side: str) -> pd.DataFrame:
    if stages is None:
        return df
    stages = (stages,) if isinstance(stages, str) else tuple(stages)
    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise SPBEError(f"unknown stage {bad[0]!r}; use some of {', '.join(STAGES)}", field=f"{side}_stages")
    need(df, ["stage"], "results")
    return df[df["stage"].isin(stages)]


def switch_pairs(results: pd.DataFrame, last_old: int | None = None, first_new: int | None = None,
                 on: str = "index", before_stages=None, after_stages=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs of the same institution across a framework switch.

    ``before``: the institution's latest score in a year ≤ ``last_old``; ``after``: its earliest score in a
    year ≥ ``first_new``. The defaults are the declared years of PermenPANRB 5/2018 (last year) and
    59/2020 (first year). ``before_stages`` / ``after_stages`` (e.g. ``("official",)``) keep only scores
    of those stages on that side before the years are chosen (``after_stages=("official",)``: the first
    *official* score after the switch, however late).

    Returns ``(pairs, conflicts)``: one row per institution with ``*_before`` / ``*_after`` columns
    (``year``, ``source_kind``, ``stage``, ``index``, ``predicate``, ``source``), ``gap_years`` and
    ``change``; and the institution-years dropped because two sources of the same rank disagree. When
    the year nearest the switch on either side is such a conflicted year, the institution has no pair.

    ``on="predicate"`` pairs on the predicate instead (``predicate_any_before/after``: printed
    predicate, else the predicate of the printed index), which also uses the press rows that report
    only a predicate; ``change`` is then NaN where an index is missing on either side.
    """
    if on not in ("index", "predicate"):
        raise SPBEError(f"on must be 'index' or 'predicate', got {on!r}", field="on")
    last_old = get_framework("2018").last_year if last_old is None else last_old
    first_new = get_framework("2020").first_year if first_new is None else first_new
    if on == "predicate":
        results = _with_predicate_any(results)
    key = "index" if on == "index" else "predicate_any"
    need(results, ["year"], "results")
    old_rows = _stage_filter(results[results["year"] <= last_old], before_stages, "before")
    new_rows = _stage_filter(results[results["year"] >= first_new], after_stages, "after")
    kept, conflicts = _one_score_per_institution_year(pd.concat([old_rows, new_rows]), on=key)
    cols = [c for c in [*_PAIR_COLS, "predicate_any"] if c in kept.columns]
    # choose the years over all scored institution-years (conflicted ones included), so that a
    # conflicted year nearest the switch removes the pair instead of silently moving it further away
    both = pd.concat([kept[cols], conflicts[[c for c in cols if c in conflicts.columns]]], ignore_index=True)
    conflicted = pd.MultiIndex.from_frame(conflicts[["institution_id", "year"]]) if len(conflicts) else None
    old = both[both["year"] <= last_old].sort_values("year", kind="stable").groupby("institution_id").tail(1)
    new = both[both["year"] >= first_new].sort_values("year", kind="stable").groupby("institution_id").head(1)
    if conflicted is not None:
        old = old[~pd.MultiIndex.from_frame(old[["institution_id", "year"]]).isin(conflicted)]
        new = new[~pd.MultiIndex.from_frame(new[["institution_id", "year"]]).isin(conflicted)]
    pairs = _merge_pairs(old, new)
    pairs["gap_years"] = pairs["year_after"] - pairs["year_before"]
    return pairs, conflicts


def year_pairs(results: pd.DataFrame, year_a: int = 2023, year_b: int = 2024,
               source_kind: str | None = "official_report") -> pd.DataFrame:
    """All institutions scored in both ``year_a`` and ``year_b`` (matched on ``institution_id``).

    Keeps domain values (``D1_before``…) for :func:`domain_contributions`. With
    ``source_kind="official_report"`` only the official per-institution tables are used.
    """
    df = results if source_kind is None else results[results["source_kind"] == source_kind]
    kept, _ = _one_score_per_institution_year(df)
    cols = [c for c in [*_PAIR_COLS, "D1", "D2", "D3", "D4"] if c in kept.columns]
    a = kept[kept["year"] == year_a][cols]
    b = kept[kept["year"] == year_b][cols]
    if a.empty or b.empty:
        raise SPBEError(f"no scores for year {year_a if a.empty else year_b}", field="year")
    return _merge_pairs(a, b)


def _merge_pairs(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    static = [c for c in ("institution_name", "institution_type") if c in old.columns]
    varying = [c for c in old.columns if c not in ("institution_id", *static)]
    pairs = old.merge(new[["institution_id", *varying]], on="institution_id", suffixes=("_before", "_after"))
    pairs["change"] = pairs["index_after"] - pairs["index_before"]
    return pairs.sort_values("institution_id").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# against the national trend
# ---------------------------------------------------------------------------------------------

def trend_adjust(pairs: pd.DataFrame, national: pd.DataFrame, missing: str = "raise") -> pd.DataFrame:
    """Each pair's change beside the national change over the same years.

    Adds ``national_before``, ``national_after`` (the national index of ``year_before`` and
    ``year_after``, recomputed from the published domain means so that it splits exactly, see
    :func:`~spbe_research.impact.decomposition.national_trend`), ``national_change``, its
    ``national_level_change`` and ``national_reweighting`` parts (the latter non-zero only when the
    span crosses a framework switch), and ``trend_adjusted_change`` = ``change − national_change``: how
    much more (or less) the institution moved than the national index did over its own span. Under
    "the institution moved like everyone else, the switch included" it is zero.

    A year absent from the national series raises, unless ``missing="propagate"`` (NaN, on purpose).
    """
    need(pairs, ["year_before", "year_after", "change"], "pairs")
    if missing not in ("raise", "propagate"):
        raise SPBEError(f"missing must be 'raise' or 'propagate', got {missing!r}", field="missing")
    tr = national_trend(national).set_index("year")
    out = pairs.copy()
    for side in ("before", "after"):
        years = out[f"year_{side}"].astype(int)
        absent = ~years.isin(tr.index)
        if absent.any() and missing == "raise":
            i = out.index[absent][0]
            who = out.loc[i, "institution_name"] if "institution_name" in out.columns else i
            raise SPBEError(f"the national series has no year {int(years[i])} (pass missing='propagate' for NaN)",
                            row=who, field=f"year_{side}")
        look = tr.reindex(years.to_numpy())
        out[f"national_{side}"] = look["national_index"].to_numpy()
        out[f"_lvl_{side}"] = look["cum_level"].to_numpy()
        out[f"_rew_{side}"] = look["cum_reweighting"].to_numpy()
    out["national_change"] = out["national_after"] - out["national_before"]
    out["national_level_change"] = out["_lvl_after"] - out["_lvl_before"]
    out["national_reweighting"] = out["_rew_after"] - out["_rew_before"]
    out["trend_adjusted_change"] = out["change"] - out["national_change"]
    return out.drop(columns=["_lvl_before", "_lvl_after", "_rew_before", "_rew_after"])


def stage_subsets(pairs: pd.DataFrame, near_years: int = 2) -> dict:
    """The subsets of switch pairs a referee asks for: ``{name: (description, role, boolean mask)}``.

    * ``both_official`` (role ``headline``): both ends official;
    * ``after_official`` (``sensitivity``): the later score official, the earlier of any stage;
    * ``all_pairs`` (``sensitivity``): every pair, stages as published (mostly unknown);
    * ``near_switch`` (``sensitivity``): pairs at most ``near_years`` apart.
    """
    need(pairs, ["stage_before", "stage_after", "gap_years"], "pairs")
    ob, oa = pairs["stage_before"].eq("official"), pairs["stage_after"].eq("official")
    return {
        "both_official": ("both ends official", "headline", (ob & oa).to_numpy()),
        "after_official": ("later score official, earlier of any stage", "sensitivity", oa.to_numpy()),
        "all_pairs": ("every pair, stages as published (mostly unknown)", "sensitivity",
                      np.ones(len(pairs), bool)),
        "near_switch": (f"scores at most {near_years} years apart, any stage", "sensitivity",
                        (pairs["gap_years"] <= near_years).to_numpy()),
    }


def exact_signed_rank_p(d) -> float:
    """Two-sided p of the Wilcoxon signed-rank test by complete enumeration of the 2^n sign flips.

    Zero differences are dropped (Wilcoxon's convention); tied absolute values keep their average ranks,
    and the enumeration is exact for them too (conditional on the observed ranks). Up to 20 non-zero
    differences (about a million flips); beyond that the normal approximation is good and scipy's is used.
    """
    d = np.asarray(d, dtype=float)
    if np.isnan(d).any():
        raise SPBEError("differences contain NaN", field="difference")
    d = d[d != 0]
    if d.size == 0:
        raise SPBEError("all differences are zero; the signed-rank test is undefined", field="difference")
    if d.size > 20:
        return float(_st.wilcoxon(d, zero_method="wilcox", method="approx").pvalue)

    def t_plus(x, axis):
        return (_st.rankdata(np.abs(x), axis=axis) * (x > 0)).sum(axis=axis)

    res = _st.permutation_test((d,), t_plus, permutation_type="samples", n_resamples=np.inf, vectorized=True,
                               alternative="two-sided")
    return float(min(res.pvalue, 1.0))


def pair_changes(pairs: pd.DataFrame) -> pd.Series:
    """``change`` (after − before) of each pair, or ``index_after − index_before``; missing values raise."""
    if "change" in pairs.columns:
        c = pairs["change"].astype(float)
    else:
        need(pairs, ["index_before", "index_after"], "pairs")
        c = pairs["index_after"].astype(float) - pairs["index_before"].astype(float)
    if c.isna().any():
        i = c.index[c.isna()][0]
        raise SPBEError("pair without a change (index before or after missing)",
                        row=pairs.loc[i, "institution_id"] if "institution_id" in pairs.columns else i, field="change")
    return c


def change_counts(pairs: pd.DataFrame) -> pd.Series:
    """How many pairs rose, fell or stayed the same (``change`` > 0, < 0, = 0), and ``n``.

    ``pairs``: :func:`spbe_research.impact.year_pairs` or :func:`~spbe_research.impact.switch_pairs` output (column
    ``change``, else ``index_before`` and ``index_after``). The counts
    :func:`spbe_research.plotting.impact.plot_change_vs_before` draws; the same strict sign rule as the
    ``n_up``/``n_down`` of :func:`switch_effect_tests`.

    >>> change_counts(pd.DataFrame({"index_before": [2.0, 3.0, 3.5], "index_after": [2.5, 2.9, 3.5]})).to_dict()
    {'n': 3, 'rose': 1, 'fell': 1, 'same': 1}
    """
    c = pair_changes(pairs).to_numpy()
    return pd.Series({"n": int(c.size), "rose": int((c > 0).sum()), "fell": int((c < 0).sum()),
                      "same": int((c == 0).sum())}, name="count")


def switch_effect_tests(pairs: pd.DataFrame, subsets: dict | None = None,
                        measures=("change", "trend_adjusted_change")) -> pd.DataFrame:
    """Hodges–Lehmann shift with its exact Wilcoxon CI and the exact signed-rank p, per subset and measure.

    ``pairs`` from :func:`switch_pairs` then :func:`trend_adjust`; ``subsets`` as :func:`stage_subsets`
    returns (the default). One tidy row per subset and measure: ``subset``, ``role``, ``description``,
    ``measure``, ``n``, ``n_official_both``, ``median``, ``hodges_lehmann``, ``ci95_low``, ``ci95_high``
    (exact; NaN when ``n`` is too small for a 95 % interval), ``ci_coverage``, ``p_val`` (exact),
    ``min_attainable_p`` (the smallest two-sided p that ``n`` pairs can give, ``2 / 2^n``),
    ``rank_biserial``, ``n_up``, ``n_down``. Subsets with fewer than 2 pairs give a row with ``n``
    and NaN statistics, so that a missing headline is visible, not skipped.
    """
    need(pairs, list(measures), "pairs")
    subsets = stage_subsets(pairs) if subsets is None else subsets
    both = (pairs["stage_before"].eq("official") & pairs["stage_after"].eq("official")).to_numpy() \
        if {"stage_before", "stage_after"} <= set(pairs.columns) else np.zeros(len(pairs), bool)
    rows = []
    for name, (desc, role, mask) in subsets.items():
        mask = np.asarray(mask, bool)
        for m in measures:
            d = pairs.loc[mask, m].astype(float).to_numpy()
            if np.isnan(d).any():
                raise SPBEError(f"measure {m!r} has missing values in subset {name!r}", field=m)
            row = {"subset": name, "role": role, "description": desc, "measure": m, "n": int(d.size),
                   "n_official_both": int(both[mask].sum()), "median": np.nan, "hodges_lehmann": np.nan,
                   "ci95_low": np.nan, "ci95_high": np.nan, "ci_coverage": np.nan, "p_val": np.nan,
                   "min_attainable_p": float(min(1.0, 2.0 / 2 ** d.size)) if d.size else np.nan,
                   "rank_biserial": np.nan, "n_up": int((d > 0).sum()), "n_down": int((d < 0).sum()), "note": ""}
            if d.size:
                row["median"] = float(np.median(d))
            if d.size >= 2 and np.any(d != 0):
                row["p_val"] = exact_signed_rank_p(d)
                try:
                    hl = hodges_lehmann(pd.DataFrame({"a": np.zeros(d.size), "b": d}), "a", "b").iloc[0]
                except SPBEError as e:  # too few pairs for an exact 95 % interval: say so, do not invent one
                    row["note"] = str(e)
                else:
                    row.update(hodges_lehmann=float(hl["hodges_lehmann"]), ci95_low=float(hl["ci95_low"]),
                               ci95_high=float(hl["ci95_high"]), ci_coverage=float(hl["ci_coverage"]),
                               rank_biserial=float(hl["rank_biserial"]))
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# paired tests and transitions
# ---------------------------------------------------------------------------------------------

def paired_change_tests(pairs: pd.DataFrame, by: str | None = None, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Paired tests of ``index_after`` vs ``index_before`` (Wilcoxon + rank-biserial, paired t + dz,
    bootstrap CIs of the median and mean change), overall and, with ``by``, per group.

    Groups with fewer than 5 pairs are skipped (check ``n``).
    """
    need(pairs, ["index_before", "index_after"], "pairs")
    groups = [("all", pairs)]
    if by is not None:
        need(pairs, [by], "pairs")
        groups += [(str(k), g) for k, g in pairs.groupby(by, sort=True)]
    out = []
    for name, g in groups:
        if len(g) < 5:
            continue
        res = paired_tests(g, "index_before", "index_after", n_boot=n_boot, seed=seed)
        res.insert(0, "group", name)
        out.append(res)
    return pd.concat(out, ignore_index=True)


def predicate_transitions(pairs: pd.DataFrame, use_index: bool = True,
                          columns: tuple[str, str] = ("predicate_before", "predicate_after")) -> pd.DataFrame:
    """Predicate (predikat) transition counts, tidy: ``predicate_before``, ``predicate_after``, ``n``.

    With ``use_index=True`` predicates are recomputed from the printed index (the published predicate
    cell is often missing in press rows); otherwise the two ``columns`` are used. All 5 × 5 combinations
    are listed (zeros included), ordered low → high.
    """
    if use_index:
        before = predicate(pairs["index_before"].astype(float))
        after = predicate(pairs["index_after"].astype(float))
    else:
        need(pairs, list(columns), "pairs")
        before, after = pairs[columns[0]].astype("string"), pairs[columns[1]].astype("string")
        bad = ~(before.isin(PREDICATES).fillna(False) & after.isin(PREDICATES).fillna(False))
        if bad.any():
            i = pairs.index[bad][0]
            raise SPBEError("printed predicate missing or unknown; use use_index=True or drop the row",
                            row=pairs.loc[i, "institution_id"] if "institution_id" in pairs.columns else i,
                            field="predicate")
    cat = pd.CategoricalDtype(PREDICATES, ordered=True)
    tab = pd.crosstab(pd.Series(before, dtype=cat, name="predicate_before"),
                      pd.Series(after, dtype=cat, name="predicate_after"), dropna=False)
    tab = tab.reindex(index=list(PREDICATES), columns=list(PREDICATES), fill_value=0)
    long = tab.stack().rename("n").reset_index()
    long["predicate_before"] = long["predicate_before"].astype(str)
    long["predicate_after"] = long["predicate_after"].astype(str)
    long["n"] = long["n"].astype(int)
    return long


def _check_transitions(trans: pd.DataFrame) -> None:
    need(trans, ["predicate_before", "predicate_after", "n"], "transitions")
    for col in ("predicate_before", "predicate_after"):
        bad = ~trans[col].isin(PREDICATES)
        if bad.any():
            raise SPBEError(f"unknown predicate {trans.loc[bad, col].iloc[0]!r}", row=trans.index[bad][0], field=col)


def transition_summary(trans: pd.DataFrame) -> pd.DataFrame:
    """How many moved up, down or stayed, from a :func:`predicate_transitions` table.

    One row: ``n``, ``n_up`` (a higher predicate after), ``n_down``, ``n_same``, ``share_up``,
    ``share_down``, ``share_same``; ``n_up_2plus`` / ``n_down_2plus`` count moves of two or more bands.
    """
    _check_transitions(trans)
    order = {p: i for i, p in enumerate(PREDICATES)}
    step = trans["predicate_after"].map(order).to_numpy(int) - trans["predicate_before"].map(order).to_numpy(int)
    n = trans["n"].to_numpy(int)
    total = int(n.sum())
    row = {"n": total, "n_up": int(n[step > 0].sum()), "n_down": int(n[step < 0].sum()),
           "n_same": int(n[step == 0].sum()), "n_up_2plus": int(n[step >= 2].sum()),
           "n_down_2plus": int(n[step <= -2].sum())}
    for k in ("up", "down", "same"):
        row[f"share_{k}"] = row[f"n_{k}"] / total if total else np.nan
    return pd.DataFrame([row])


def transition_matrix(trans: pd.DataFrame) -> pd.DataFrame:
    """A :func:`predicate_transitions` table as a 5 × 5 count matrix (rows: before, columns: after)."""
    _check_transitions(trans)
    mat = trans.pivot_table(index="predicate_before", columns="predicate_after", values="n", aggfunc="sum")
    return mat.reindex(index=list(PREDICATES), columns=list(PREDICATES)).fillna(0).astype(int)


def rank_stability(pairs: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Spearman and Kendall correlations of ``index_before`` and ``index_after`` with 95 % CIs."""
    groups = [("all", pairs)]
    if by is not None:
        groups += [(str(k), g) for k, g in pairs.groupby(by, sort=True)]
    out = []
    for name, g in groups:
        if len(g) < 10:
            continue
        for m in ("spearman", "kendall"):
            r = rank_correlation(g, "index_before", "index_after", m)
            r.insert(0, "group", name)
            out.append(r)
    return pd.concat(out, ignore_index=True)


def domain_contributions(pairs: pd.DataFrame, framework="2020", by: str | None = None) -> pd.DataFrame:
    """Which domains drove the change: mean ``w_d · ΔD_d`` per domain (overall and per group).

    Rows with a missing domain value in either year are excluded (``n`` says how many remain).
    ``share_of_change`` = contribution / mean recomputed change of the group. Contributions sum to the
    mean change of the recomputed index (not of the rounded printed index).
    """
    fw = get_framework(framework)
    cols = [f"{d}_{s}" for d in fw.domain_codes for s in ("before", "after")]
    need(pairs, cols, "pairs")
    ok = pairs.dropna(subset=cols)
    w = pd.Series(fw.domain_weights, index=fw.domain_codes)
    names = fw.domains.set_index("domain")["name"]
    groups = [("all", ok)]
    if by is not None:
        groups += [(str(k), g) for k, g in ok.groupby(by, sort=True)]
    rows = []
    for name, g in groups:
        deltas = {d: (g[f"{d}_after"] - g[f"{d}_before"]).astype(float) for d in fw.domain_codes}
        total = float(sum(w[d] * deltas[d].mean() for d in fw.domain_codes))
        for d in fw.domain_codes:
            c = float(w[d] * deltas[d].mean())
            rows.append({"group": name, "domain": d, "domain_name": names[d],
                         "n": len(g), "weight": float(w[d]), "mean_before": float(g[f"{d}_before"].mean()),
                         "mean_after": float(g[f"{d}_after"].mean()), "mean_delta": float(deltas[d].mean()),
                         "contribution": c, "share_of_change": c / total if total != 0 else np.nan})
    return pd.DataFrame(rows)
