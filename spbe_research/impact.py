"""What the framework change did: PermenPANRB 5/2018 → 59/2020 (and Pedoman 6/2023 → 3/2024).

Four views, each a function returning tidy DataFrames:

- national, mechanical: the same national domain means scored with both frameworks' weights
  (:func:`national_mechanical`), and an exact shift-share decomposition of every year-to-year
  change of the national index (:func:`shift_share`, :func:`national_decomposition`);
- institutions across the switch: pairs of one institution's last 5/2018 score (≤ 2020) and first
  59/2020 score (≥ 2021) (:func:`switch_pairs`, :func:`paired_change_tests`,
  :func:`predicate_transitions`);
- 2023 → 2024 under the same indicators (:func:`year_pairs`, :func:`rank_stability`,
  :func:`domain_contributions`);
- an indicator-level counterfactual on synthetic 2018 capability profiles mapped through the
  crosswalk (:func:`synthetic_profiles_2018`, :func:`map_profiles_to_2020`, :func:`simulate_switch`).

Domains are aligned across frameworks by the *concept* their definitions tag them with
(:meth:`~spbe_research.frameworks.Framework.concept_of`): 2018's D1 Kebijakan (policy), D2 Tata Kelola
(governance) and D3 Layanan (services) correspond to 2020's D1, D2 and D4; 2020's D3 Manajemen
(management) is new. National means come from :func:`~spbe_research.datasets.load_national`.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .errors import SPBEError
from .frameworks import concepts, framework_for_year, get_crosswalk, get_framework
from .scoring import EDGE_EPS, PREDICATES, predicate
from .stats import bootstrap_ci, paired_tests, rank_correlation

__all__ = [
    "concept_levels",
    "concept_weights",
    "shift_share",
    "national_mechanical",
    "national_decomposition",
    "decomposition_summary",
    "switch_pairs",
    "year_pairs",
    "paired_change_tests",
    "predicate_transitions",
    "transition_summary",
    "transition_matrix",
    "rank_stability",
    "domain_contributions",
    "synthetic_profiles_2018",
    "map_profiles_to_2020",
    "simulate_switch",
    "simulation_seeds",
    "indicators_without_predecessor",
    "NEW_INDICATOR_RULES",
    "SCALE_RULES",
]

def _top_concepts(fw) -> list:
    """Concept of each top-level part (domain), in framework order; each concept once."""
    tags = fw.concept_of(fw.codes(fw.top_level)).tolist()
    if len(set(tags)) != len(tags):
        raise SPBEError(f"{fw.name} tags two top-level parts with the same concept", field="concept")
    return tags


def concept_weights(framework) -> pd.Series:
    """Top-level (domain) weights (fractions summing to 1) of a framework, indexed by concept."""
    fw = get_framework(framework)
    return pd.Series(fw.weights(fw.top_level), index=_top_concepts(fw), name="weight")


def concept_levels(row: pd.Series | dict, framework) -> pd.Series:
    """A row's top-level values (``D1``…) re-keyed by concept for the given framework."""
    fw = get_framework(framework)
    vals = {c: float(row[d]) for c, d in zip(_top_concepts(fw), fw.codes(fw.top_level))}
    bad = [k for k, v in vals.items() if np.isnan(v)]
    if bad:
        raise SPBEError(f"domain value missing for {bad[0]} under {fw.name}", field=bad[0])
    return pd.Series(vals, name="level")


# ---------------------------------------------------------------------------------------------
# shift-share decomposition
# ---------------------------------------------------------------------------------------------

def shift_share(levels_a: pd.Series, weights_a: pd.Series, levels_b: pd.Series, weights_b: pd.Series,
                baseline: str | float = "zero") -> pd.DataFrame:
    """Exact additive decomposition of ``I_b - I_a`` where ``I = Σ_k w_k L_k``.

    Components are keyed by concept. For components present in both periods the symmetric
    (Bennet) split ``Δ(wL) = w̄ ΔL + (L̄ - c) Δw`` (bars = mean of the two periods) gives a
    *level* part and a *weight* part with no residual; a component only in ``b`` contributes
    ``w_b (L_b - c)`` (*added*), one only in ``a`` contributes ``-w_a (L_a - c)`` (*removed*).

    ``c`` is the ``baseline``:

    - ``"zero"`` (default, ``c = 0``): an added domain "adds" ``w_b L_b`` — its contribution
      against an index of zero. Misleading on its own for a weighted *mean*: giving weight to a
      domain scored below the current index lowers the index, although this part is positive.
    - ``"previous"`` (``c = I_a``): every part is measured against the previous index, so an
      added domain scored below ``I_a`` contributes a negative amount, and a weight moved to a
      domain above ``I_a`` a positive one.
    - a number: that value as ``c``.

    Any ``c`` keeps the decomposition exact when both weight sets sum to the same total (then
    ``c · Σ Δw = 0``); otherwise a non-zero ``c`` raises. The *level* parts do not depend on ``c``,
    and neither does the sum of the weight, added and removed parts (the combined re-weighting
    effect, see :func:`decomposition_summary`); only its split between components does.
    Returns one row per component and part (``component``, ``part``, ``value``); the values sum
    to ``I_b - I_a`` up to floating-point rounding.
    """
    for s, nm in ((levels_a, "levels_a"), (weights_a, "weights_a"), (levels_b, "levels_b"), (weights_b, "weights_b")):
        if s.isna().any():
            raise SPBEError(f"{nm} has missing values", field=str(s.index[s.isna()][0]))
    if set(levels_a.index) != set(weights_a.index) or set(levels_b.index) != set(weights_b.index):
        raise SPBEError("levels and weights must have the same components in each period", field="component")
    if isinstance(baseline, str):
        if baseline == "zero":
            c = 0.0
        elif baseline == "previous":
            c = float((levels_a * weights_a[levels_a.index]).sum())
        else:
            raise SPBEError(f"baseline must be 'zero', 'previous' or a number, got {baseline!r}", field="baseline")
    else:
        c = float(baseline)
        if not np.isfinite(c):
            raise SPBEError(f"baseline must be finite, got {baseline!r}", field="baseline")
    if c != 0.0 and abs(float(weights_a.sum()) - float(weights_b.sum())) > 1e-9:
        raise SPBEError(f"a non-zero baseline needs equal weight totals (got {float(weights_a.sum()):g} and "
                        f"{float(weights_b.sum()):g}); use baseline='zero'", field="baseline")
    keys = [k for k in concepts()["concept"] if k in set(levels_a.index) | set(levels_b.index)]
    keys += sorted((set(levels_a.index) | set(levels_b.index)) - set(keys))
    rows = []
    for k in keys:
        in_a, in_b = k in levels_a.index, k in levels_b.index
        if in_a and in_b:
            wbar = (weights_a[k] + weights_b[k]) / 2
            lbar = (levels_a[k] + levels_b[k]) / 2
            rows.append((k, "level", wbar * (levels_b[k] - levels_a[k])))
            rows.append((k, "weight", (lbar - c) * (weights_b[k] - weights_a[k])))
        elif in_b:
            rows.append((k, "added", weights_b[k] * (levels_b[k] - c)))
        else:
            rows.append((k, "removed", -weights_a[k] * (levels_a[k] - c)))
    return pd.DataFrame(rows, columns=["component", "part", "value"])


def national_mechanical(national: pd.DataFrame) -> pd.DataFrame:
    """Each year's national domain means scored under both frameworks' weights.

    Columns: ``year``, ``framework`` (the one used that year), ``published_index``,
    ``index_own_weights`` (recomputed with that year's framework), ``index_2018_weights``
    (17/28/55 on Kebijakan, Tata Kelola, Layanan), ``index_2020_weights`` (13/25/16.5/45.5; NA
    before 2021 because Manajemen was not measured), ``index_2020_weights_3_domains`` (2020's
    weights of the three comparable domains renormalised to sum to 1 — defined every year),
    and ``mechanical_effect`` = 2020 weights − 2018 weights where both exist.
    """
    _need(national, ["year", "index", "D1", "D2", "D3"], "national")
    w18, w20 = concept_weights("2018"), concept_weights("2020")
    shared = [c for c in w20.index if c in w18.index]
    w20_3 = w20[shared] / w20[shared].sum()
    rows = []
    for r in national.sort_values("year").itertuples(index=False):
        fw = framework_for_year(int(r.year))
        lv = concept_levels(r._asdict(), fw)
        own = float((lv * concept_weights(fw)).sum())
        i18 = float((lv[w18.index] * w18).sum())
        i20 = float((lv[w20.index] * w20).sum()) if set(w20.index) <= set(lv.index) else np.nan
        i20_3 = float((lv[w20_3.index] * w20_3).sum())
        rows.append({"year": int(r.year), "framework": fw.name, "published_index": float(r.index),
                     "index_own_weights": own, "index_2018_weights": i18, "index_2020_weights": i20,
                     "index_2020_weights_3_domains": i20_3, "mechanical_effect": i20 - i18})
    return pd.DataFrame(rows)


def national_decomposition(national: pd.DataFrame, baseline: str | float = "zero") -> pd.DataFrame:
    """Shift-share decomposition of every consecutive year-to-year change of the national index.

    Uses the index recomputed from the published domain means with each year's own framework
    (so parts sum exactly to the change of the recomputed index; the published index is rounded).
    ``baseline`` is passed to :func:`shift_share` (``"previous"``: parts measured against the
    previous year's index). Columns: ``year_from``, ``year_to``, ``component``, ``part``,
    ``value``, ``total_change``, ``baseline``.
    """
    _need(national, ["year", "D1", "D2", "D3"], "national")
    nat = national.sort_values("year").reset_index(drop=True)
    out = []
    for a, b in zip(nat.iloc[:-1].itertuples(index=False), nat.iloc[1:].itertuples(index=False)):
        fa, fb = framework_for_year(int(a.year)), framework_for_year(int(b.year))
        la, lb = concept_levels(a._asdict(), fa), concept_levels(b._asdict(), fb)
        wa, wb = concept_weights(fa), concept_weights(fb)
        parts = shift_share(la, wa, lb, wb, baseline=baseline)
        parts.insert(0, "year_to", int(b.year))
        parts.insert(0, "year_from", int(a.year))
        parts["total_change"] = float((lb * wb).sum() - (la * wa).sum())
        parts["baseline"] = str(baseline)
        out.append(parts)
    return pd.concat(out, ignore_index=True)


_PARTS = ("level", "weight", "added", "removed")


def decomposition_summary(dec: pd.DataFrame) -> pd.DataFrame:
    """One row per year-to-year step of a :func:`national_decomposition` table.

    Columns: ``year_from``, ``year_to``, the sum of each part over components (``level``,
    ``weight``, ``added``, ``removed``; 0 when absent), ``reweighting`` = weight + added +
    removed (the combined effect of re-allocating weight, including to and from domains that
    enter or leave; it does not depend on the baseline), ``total_change`` and
    ``parts_sum_minus_total`` (the decomposition's residual, zero up to float rounding).
    """
    _need(dec, ["year_from", "year_to", "part", "value", "total_change"], "decomposition")
    unknown = sorted(set(dec["part"]) - set(_PARTS))
    if unknown:
        raise SPBEError(f"unknown decomposition part {unknown[0]!r}", field="part")
    keys = ["year_from", "year_to"]
    wide = dec.pivot_table(index=keys, columns="part", values="value", aggfunc="sum", sort=True)
    wide = wide.reindex(columns=list(_PARTS)).fillna(0.0)
    wide.columns.name = None
    out = wide.join(dec.groupby(keys)["total_change"].first())
    out["reweighting"] = out["weight"] + out["added"] + out["removed"]
    out["parts_sum_minus_total"] = dec.groupby(keys)["value"].sum() - out["total_change"]
    cols = [*_PARTS, "reweighting", "total_change", "parts_sum_minus_total"]
    return out[cols].reset_index()


# ---------------------------------------------------------------------------------------------
# institution pairs
# ---------------------------------------------------------------------------------------------

_PAIR_COLS = ["institution_id", "institution_name", "institution_type", "year", "source_kind",
              "index", "predicate", "source"]


def _with_predicate_any(results: pd.DataFrame) -> pd.DataFrame:
    """Add ``predicate_any``: the printed predicate, or the predicate of the printed index when none is printed."""
    _need(results, ["index", "predicate"], "results")
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

    Official report rows win over press rows. Among several press rows of one institution-year,
    identical values of ``on`` (``"index"`` or ``"predicate_any"``) are kept once; *different*
    values are a conflict: the institution-year is dropped and listed in the second frame, never
    averaged. Rows without a value of ``on`` are ignored.
    """
    _need(results, ["institution_id", "year", "source_kind", on], "results")
    df = results[results[on].notna()].copy()
    df["_official"] = (df["source_kind"] == "official_report").astype(int)
    best = df.groupby(["institution_id", "year"])["_official"].transform("max")
    df = df[df["_official"] == best]
    nvals = df.groupby(["institution_id", "year"])[on].transform("nunique")
    conflicts = df[nvals > 1].drop(columns="_official")
    kept = df[nvals == 1].drop_duplicates(["institution_id", "year"]).drop(columns="_official")
    return kept, conflicts


def switch_pairs(results: pd.DataFrame, last_old: int | None = None, first_new: int | None = None,
                 on: str = "index") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs of the same institution across the framework switch.

    ``before``: the institution's latest score in a year ≤ ``last_old``; ``after``: its earliest score in a
    year ≥ ``first_new``. The defaults are the declared years of PermenPANRB 5/2018 (last year) and
    59/2020 (first year).
    Returns ``(pairs, conflicts)``: one row per institution with ``*_before`` / ``*_after``
    columns, ``gap_years`` and ``change``; and the institution-years dropped because two sources
    disagree (see :func:`_one_score_per_institution_year`). When the year nearest the switch on
    either side is such a conflicted year, the institution has no pair (a later or earlier score
    is not substituted).

    ``on="predicate"`` pairs on the predicate instead (``predicate_any_before/after``: printed
    predicate, else the predicate of the printed index), which also uses the press rows that
    report only a predicate (e.g. the 2018 ministries); ``change`` is then NaN where an index is
    missing on either side.
    """
    if on not in ("index", "predicate"):
        raise SPBEError(f"on must be 'index' or 'predicate', got {on!r}", field="on")
    last_old = get_framework("2018").last_year if last_old is None else last_old
    first_new = get_framework("2020").first_year if first_new is None else first_new
    if on == "predicate":
        results = _with_predicate_any(results)
    key = "index" if on == "index" else "predicate_any"
    kept, conflicts = _one_score_per_institution_year(results, on=key)
    cols = [c for c in [*_PAIR_COLS, "predicate_any"] if c in kept.columns]
    # choose the years over all scored institution-years (conflicted ones included), so that a
    # conflicted year nearest the switch removes the pair instead of silently moving it further away
    both = pd.concat([kept[cols], conflicts[[c for c in cols if c in conflicts.columns]]], ignore_index=True)
    conflicted = set(zip(conflicts["institution_id"], conflicts["year"]))
    old = both[both["year"] <= last_old].sort_values("year").groupby("institution_id").tail(1)
    new = both[both["year"] >= first_new].sort_values("year").groupby("institution_id").head(1)
    old = old[[(i, y) not in conflicted for i, y in zip(old["institution_id"], old["year"])]]
    new = new[[(i, y) not in conflicted for i, y in zip(new["institution_id"], new["year"])]]
    pairs = _merge_pairs(old, new)
    pairs["gap_years"] = pairs["year_after"] - pairs["year_before"]
    return pairs, conflicts


def year_pairs(results: pd.DataFrame, year_a: int = 2023, year_b: int = 2024, source_kind: str | None = "official_report") -> pd.DataFrame:
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


def paired_change_tests(pairs: pd.DataFrame, by: str | None = None, n_boot: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Paired tests of ``index_after`` vs ``index_before`` (Wilcoxon + rank-biserial, paired t + dz,
    bootstrap CIs of the median and mean change), overall and, with ``by``, per group.

    Groups with fewer than 5 pairs are skipped (listed nowhere else: check ``n``).
    """
    _need(pairs, ["index_before", "index_after"], "pairs")
    groups = [("all", pairs)]
    if by is not None:
        _need(pairs, [by], "pairs")
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

    With ``use_index=True`` predicates are recomputed from the printed index (the published
    predicate cell is often missing in press rows); otherwise the two ``columns`` are used (e.g.
    ``("predicate_any_before", "predicate_any_after")`` for :func:`switch_pairs` with ``on="predicate"``).
    All 5 × 5 combinations are listed (zeros included), ordered low → high.
    """
    if use_index:
        before = predicate(pairs["index_before"].astype(float))
        after = predicate(pairs["index_after"].astype(float))
    else:
        _need(pairs, list(columns), "pairs")
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
    _need(trans, ["predicate_before", "predicate_after", "n"], "transitions")
    for col in ("predicate_before", "predicate_after"):
        bad = ~trans[col].isin(PREDICATES)
        if bad.any():
            raise SPBEError(f"unknown predicate {trans.loc[bad, col].iloc[0]!r}", row=trans.index[bad][0], field=col)


def transition_summary(trans: pd.DataFrame) -> pd.DataFrame:
    """How many moved up, down or stayed, from a :func:`predicate_transitions` table.

    One row: ``n`` (all pairs), ``n_up`` (a higher predicate after), ``n_down``, ``n_same``,
    ``share_up``, ``share_down``, ``share_same``; ``n_up_2plus`` / ``n_down_2plus`` count moves of
    two or more bands.
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
    ``share_of_change`` = contribution / mean recomputed change of the group. Contributions sum
    to the mean change of the recomputed index (not of the rounded printed index).
    """
    fw = get_framework(framework)
    cols = [f"{d}_{s}" for d in fw.domain_codes for s in ("before", "after")]
    _need(pairs, cols, "pairs")
    ok = pairs.dropna(subset=cols)
    w = pd.Series(fw.domain_weights, index=fw.domain_codes)
    groups = [("all", ok)]
    if by is not None:
        groups += [(str(k), g) for k, g in ok.groupby(by, sort=True)]
    rows = []
    for name, g in groups:
        deltas = {d: (g[f"{d}_after"] - g[f"{d}_before"]).astype(float) for d in fw.domain_codes}
        total = float(sum(w[d] * deltas[d].mean() for d in fw.domain_codes))
        for d in fw.domain_codes:
            c = float(w[d] * deltas[d].mean())
            rows.append({"group": name, "domain": d, "domain_name": fw.domains.set_index("domain").loc[d, "name"],
                         "n": len(g), "weight": float(w[d]), "mean_before": float(g[f"{d}_before"].mean()),
                         "mean_after": float(g[f"{d}_after"].mean()), "mean_delta": float(deltas[d].mean()),
                         "contribution": c, "share_of_change": c / total if total != 0 else np.nan})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# counterfactual simulation at indicator level (synthetic data)
# ---------------------------------------------------------------------------------------------

#: How 2020 indicators with no 2018 predecessor are filled.
NEW_INDICATOR_RULES = {
    "level_1": "new indicators at level 1 (nothing in place yet: the lowest 59/2020 level)",
    "own_mean": "new indicators at the profile's own mean mapped level (rounded half up)",
    "national_2021": "new indicators drawn around the 2021 national mean of their domain (N(mean, 0.75), rounded, clipped 1-5)",
    "level_5": "new indicators at level 5 (upper bound; for monotonicity checks)",
}
#: How a 2018 level on 0-5 becomes a 59/2020 level on 1-5.
SCALE_RULES = {
    "clip": "0 → 1, 1-5 unchanged",
    "shift": "+1, then 6 → 5",
    "rescale": "linear 0-5 → 1-5 (1 + 0.8·level), rounded half up",
}
def _national_domain_means(year: int) -> dict:
    """The published national domain means of an evaluation year (Laporan 2024 Tabel 4), from the panel."""
    from .datasets import load_national  # analyses read data only through datasets

    nat = load_national()
    row = nat[nat["year"] == year]
    if row.empty:
        raise SPBEError(f"no national domain means for {year}", field="year")
    fw = framework_for_year(year)
    return {d: float(row[d].iloc[0]) for d in fw.domain_codes}


def synthetic_profiles_2018(n: int = 2000, seed: int | np.random.SeedSequence = 0, domain_means=None,
                            institution_sd: float = 0.8, item_sd: float = 0.7) -> pd.DataFrame:
    """SYNTHETIC 2018-framework capability profiles (levels 0-5), for simulation only.

    level = clip(round(μ_domain + θ_unit + ε), 0, 5) with θ_unit ~ N(0, institution_sd) shared by a
    unit's indicators and ε ~ N(0, item_sd) per indicator. Default μ are the 2020 national domain
    means (the last 5/2018 evaluation, read from :func:`~spbe_research.datasets.load_national`), so the
    synthetic population is roughly centred like it. Columns: the 37 indicator codes of 5/2018; index
    ``unit`` (``syn_0000``…); the frame's ``attrs["synthetic"]`` is ``True``.
    """
    if n < 1:
        raise SPBEError(f"n must be positive, got {n}", field="n")
    fw = get_framework("2018")
    if domain_means is None:
        domain_means = tuple(_national_domain_means(fw.last_year).values())
    rng = np.random.default_rng(seed)
    mu = pd.Series(dict(zip(fw.domain_codes, domain_means)))
    item_mu = fw.indicators["domain"].map(mu).to_numpy(float)
    theta = rng.normal(0.0, institution_sd, size=(n, 1))
    eps = rng.normal(0.0, item_sd, size=(n, item_mu.size))
    levels = np.clip(np.floor(item_mu + theta + eps + 0.5), 0, 5).astype(int)
    out = pd.DataFrame(levels, columns=list(fw.indicator_codes),
                       index=pd.Index([f"syn_{i:04d}" for i in range(n)], name="unit"))
    out.attrs["synthetic"] = True
    return out


def _crosswalk_matrix() -> tuple[np.ndarray, np.ndarray]:
    """(M, has_pred): M[i, j] = 1/k when 2018 item i is one of the k predecessors of 2020 indicator j.

    The 2018 indicator 35 is scored as three services 35-1..35-3; the crosswalk links them one-to-one
    to the three sectoral services 45, 46, 47.
    """
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    cw = get_crosswalk("2018", "2020").dropna(subset=["from_code", "to_code"])
    r = pd.Index(fw18.indicator_codes).get_indexer(cw["from_code"].astype(str))
    c = pd.Index(fw20.indicator_codes).get_indexer(cw["to_code"].astype(str))
    if (r < 0).any() or (c < 0).any():
        raise SPBEError("crosswalk link to an unknown indicator", field="crosswalk")
    m = np.zeros((len(fw18.indicator_codes), len(fw20.indicator_codes)))
    m[r, c] = 1.0
    counts = m.sum(axis=0)
    has_pred = counts > 0
    m[:, has_pred] /= counts[has_pred]
    return m, has_pred


def indicators_without_predecessor() -> pd.DataFrame:
    """The 59/2020 indicators with no 5/2018 predecessor in the crosswalk (filled by the new-indicator rule).

    Columns: ``indicator``, ``name``, ``name_en``, ``domain``, ``aspect``, ``weight`` (percent of the index).
    """
    fw20 = get_framework("2020")
    _, has_pred = _crosswalk_matrix()
    cols = [c for c in ("indicator", "name", "name_en", "domain", "aspect", "weight") if c in fw20.indicators.columns]
    return fw20.indicators.loc[~has_pred, cols].reset_index(drop=True)


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def map_profiles_to_2020(profiles: pd.DataFrame, new_indicators: str = "level_1", scale: str = "clip",
                         seed: int | np.random.SeedSequence = 0) -> pd.DataFrame:
    """Map 2018 profiles (levels 0-5) to 59/2020 levels (1-5), indicator by indicator.

    1. ``scale`` rule on every 2018 level (see :data:`SCALE_RULES`);
    2. a 2020 indicator with predecessors takes the mean of its predecessors' converted levels,
       rounded half up (one-to-many links copy the level; many-to-one links average);
    3. a 2020 indicator with no predecessor (20 of 47, :func:`indicators_without_predecessor`)
       follows ``new_indicators`` (see :data:`NEW_INDICATOR_RULES`).
    Vectorised: one matrix product for all profiles.
    """
    if scale not in SCALE_RULES:
        raise SPBEError(f"unknown scale rule {scale!r}; use one of {sorted(SCALE_RULES)}", field="scale")
    if new_indicators not in NEW_INDICATOR_RULES:
        raise SPBEError(f"unknown new-indicator rule {new_indicators!r}; use one of {sorted(NEW_INDICATOR_RULES)}",
                        field="new_indicators")
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    missing = [c for c in fw18.indicator_codes if c not in profiles.columns]
    if missing:
        raise SPBEError(f"profile column for 2018 indicator {missing[0]} missing", field=missing[0])
    lv = profiles[list(fw18.indicator_codes)].to_numpy(float)
    if np.isnan(lv).any() or (lv < 0).any() or (lv > 5).any() or (lv != np.floor(lv)).any():
        raise SPBEError("2018 levels must be whole numbers 0-5", field="level")
    if scale == "clip":
        conv = np.maximum(lv, 1)
    elif scale == "shift":
        conv = np.minimum(lv + 1, 5)
    else:
        conv = _round_half_up(1 + 0.8 * lv)
    m, has_pred = _crosswalk_matrix()
    mapped = _round_half_up(conv @ m)
    n, k = mapped.shape
    if new_indicators == "level_1":
        fill = np.ones((n, k))
    elif new_indicators == "level_5":
        fill = np.full((n, k), 5.0)
    elif new_indicators == "own_mean":
        own = mapped[:, has_pred].mean(axis=1, keepdims=True)
        fill = np.broadcast_to(_round_half_up(own), (n, k))
    else:
        rng = np.random.default_rng(seed)
        mu = fw20.indicators["domain"].map(_national_domain_means(fw20.first_year)).to_numpy(float)
        fill = np.clip(_round_half_up(rng.normal(mu, 0.75, size=(n, k))), 1, 5)
    out = np.where(has_pred, mapped, fill)
    res = pd.DataFrame(out.astype(int), index=profiles.index, columns=list(fw20.indicator_codes))
    res.attrs["synthetic"] = profiles.attrs.get("synthetic", False)
    return res


def simulation_seeds(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """Independent child seeds of ``seed`` for :func:`simulate_switch`: (profiles, mapping, bootstrap).

    ``numpy.random.SeedSequence(seed).spawn(3)``: the synthetic profiles, the random fill of new
    indicators (``national_2021`` rule) and the bootstrap each draw from their own stream, so no
    draw is reused (one integer seed for all three would replay the same normal variates).
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SPBEError(f"seed must be a non-negative integer, got {seed!r}", field="seed")
    a, b, c = np.random.SeedSequence(int(seed)).spawn(3)
    return a, b, c


def simulate_switch(n_profiles: int = 2000, seed: int = 0, new_indicators=None, scales=None,
                    n_boot: int = 2000, profiles: pd.DataFrame | None = None,
                    index_2018_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """Expected index shift when the same (synthetic) capabilities are re-scored under 59/2020.

    For every combination of a new-indicator rule and a scale rule: score each profile with
    5/2018 (``Σ w_i L_i``) and its mapped 2020 levels with 59/2020, and report
    ``mean_index_2018``, ``mean_index_2020``, ``mean_shift`` with a bootstrap 95 % CI
    (``ci95_low``/``ci95_high``, uncertainty of the mean over profiles), ``median_shift``, the
    5th-95th percentile band of per-profile shifts (``shift_p05``/``shift_p95``) and
    ``share_lower`` (profiles whose index falls). One row per assumption combination;
    ``synthetic`` is always True. ``index_2018_range=(lo, hi)`` keeps only profiles whose 5/2018
    index lies in ``[lo, hi]`` (e.g. around one institution's published score).
    Randomness: three independent streams spawned from ``seed`` (:func:`simulation_seeds`).
    """
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    new_indicators = list(NEW_INDICATOR_RULES) if new_indicators is None else list(new_indicators)
    scales = list(SCALE_RULES) if scales is None else list(scales)
    seed_profiles, seed_map, seed_boot = simulation_seeds(seed)
    prof = synthetic_profiles_2018(n_profiles, seed_profiles) if profiles is None else profiles
    idx18 = prof[list(fw18.indicator_codes)].to_numpy(float) @ fw18.indicator_weights
    if index_2018_range is not None:
        keep = (idx18 >= index_2018_range[0] - EDGE_EPS) & (idx18 <= index_2018_range[1] + EDGE_EPS)
        if keep.sum() < 10:
            raise SPBEError(f"only {int(keep.sum())} profiles have a 2018 index in {index_2018_range}; "
                            "use more profiles or a wider range", field="index_2018_range")
        prof, idx18 = prof[keep], idx18[keep]
    rows = []
    for rule, sc in itertools.product(new_indicators, scales):
        mapped = map_profiles_to_2020(prof, rule, sc, seed=seed_map)
        idx20 = mapped.to_numpy(float) @ fw20.indicator_weights
        shift = idx20 - idx18
        lo, hi = bootstrap_ci(shift, np.mean, n_boot=n_boot, seed=seed_boot)
        rows.append({"new_indicators": rule, "scale": sc, "n_profiles": len(prof),
                     "mean_index_2018": float(idx18.mean()), "mean_index_2020": float(idx20.mean()),
                     "mean_shift": float(shift.mean()), "ci95_low": lo, "ci95_high": hi,
                     "median_shift": float(np.median(shift)),
                     "shift_p05": float(np.quantile(shift, 0.05)), "shift_p95": float(np.quantile(shift, 0.95)),
                     "share_lower": float(np.mean(shift < 0)), "synthetic": True})
    return pd.DataFrame(rows)


def _need(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SPBEError(f"{what} lacks column {missing[0]!r}", field=missing[0])
