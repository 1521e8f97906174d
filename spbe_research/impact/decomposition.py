"""Exact shift-share decompositions of index changes, for any pair of frameworks.

An index is a weighted mean of its top-level parts, ``I = Σ_k w_k L_k``. Parts are aligned across
frameworks by the *concept* their definitions tag them with
(:meth:`~spbe_research.frameworks.Framework.concept_of`), never by code: 5/2018's D3 Layanan and
59/2020's D4 Layanan are both *services*; 8/2026's aspect A6 is *services* too.

* :func:`shift_share` / :func:`shift_share_frame` — one change, or one change per row, split exactly
  into level, weight, added and removed parts;
* :func:`national_mechanical`, :func:`national_decomposition`, :func:`decomposition_summary` — the
  national series (:func:`~spbe_research.datasets.load_national`) scored with both weight sets and
  decomposed year by year;
* :func:`national_trend` — the national index by year with the cumulative level and re-weighting parts,
  the reference every institution's change is set against;
* :func:`counterfactual_reference` — what a simulated "same capabilities, new framework" shift should be
  compared with at the national level.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import SPBEError
from ..frameworks import concepts, framework_for_year, get_framework
from ._common import need

__all__ = [
    "concept_weights", "concept_levels", "concept_frame", "shift_share", "shift_share_frame",
    "national_mechanical", "national_decomposition", "decomposition_summary", "national_trend",
    "counterfactual_reference", "PARTS",
]

#: The parts of a shift-share decomposition.
PARTS = ("level", "weight", "added", "removed")


def _top_concepts(fw) -> list:
    """Concept of each top-level part, in framework order; each concept once."""
    return list(_top_concepts_cached(fw))


@lru_cache(maxsize=64)
def _top_concepts_cached(fw) -> tuple:
    tags = fw.concept_of(fw.codes(fw.top_level)).tolist()
    if len(set(tags)) != len(tags):
        raise SPBEError(f"{fw.name} tags two top-level parts with the same concept", field="concept")
    return tuple(tags)


def concept_weights(framework) -> pd.Series:
    """Top-level weights (fractions summing to 1) of a framework, indexed by concept."""
    fw = get_framework(framework)
    return pd.Series(fw.weights(fw.top_level), index=_top_concepts(fw), name="weight")


def concept_levels(row: pd.Series | dict, framework) -> pd.Series:
    """A row's top-level values (``D1``… or ``A1``…) re-keyed by concept for the given framework."""
    fw = get_framework(framework)
    vals = {c: float(row[d]) for c, d in zip(_top_concepts(fw), fw.codes(fw.top_level))}
    bad = [k for k, v in vals.items() if np.isnan(v)]
    if bad:
        raise SPBEError(f"top-level value missing for {bad[0]} under {fw.name}", field=bad[0])
    return pd.Series(vals, name="level")


def concept_frame(values: pd.DataFrame, framework) -> pd.DataFrame:
    """A frame's top-level columns (``D1``… or ``A1``…) renamed to their concepts (same rows)."""
    fw = get_framework(framework)
    codes = list(fw.codes(fw.top_level))
    need(values, codes, "values")
    out = values[codes].astype(float)
    out.columns = _top_concepts(fw)
    return out


# ---------------------------------------------------------------------------------------------
# shift-share
# ---------------------------------------------------------------------------------------------

def _baseline_values(baseline, levels_a: np.ndarray, weights_a: np.ndarray, weights_b: np.ndarray) -> np.ndarray:
    n = levels_a.shape[0]
    if isinstance(baseline, str):
        if baseline == "zero":
            c = np.zeros(n)
        elif baseline == "previous":
            c = np.nansum(levels_a * weights_a, axis=1)
        else:
            raise SPBEError(f"baseline must be 'zero', 'previous' or a number, got {baseline!r}", field="baseline")
    else:
        try:
            v = float(baseline)
        except (TypeError, ValueError):
            raise SPBEError(f"baseline must be 'zero', 'previous' or a number, got {baseline!r}",
                            field="baseline") from None
        if not np.isfinite(v) or isinstance(baseline, bool):
            raise SPBEError(f"baseline must be finite, got {baseline!r}", field="baseline")
        c = np.full(n, v)
    if np.any(c != 0.0) and abs(float(np.nansum(weights_a)) - float(np.nansum(weights_b))) > 1e-9:
        raise SPBEError(f"a non-zero baseline needs equal weight totals (got {float(np.nansum(weights_a)):g} and "
                        f"{float(np.nansum(weights_b)):g}); use baseline='zero'", field="baseline")
    return c


def _component_order(keys_a, keys_b) -> list:
    allk = set(keys_a) | set(keys_b)
    keys = [k for k in concepts()["concept"] if k in allk]
    return keys + sorted(allk - set(keys))


def shift_share_frame(levels_a: pd.DataFrame, weights_a: pd.Series, levels_b: pd.DataFrame, weights_b: pd.Series,
                      baseline: str | float = "zero") -> pd.DataFrame:
    """:func:`shift_share` for every row at once (vectorised over rows).

    ``levels_a`` and ``levels_b`` have the same rows (index = units) and one column per component
    (concept); ``weights_*`` are indexed by the same components. Returns one row per unit, component
    and part: ``unit``, ``component``, ``part``, ``value``; the values of a unit sum to its
    ``I_b − I_a`` up to floating-point rounding.
    """
    for df, nm in ((levels_a, "levels_a"), (levels_b, "levels_b")):
        if not isinstance(df, pd.DataFrame):
            raise SPBEError(f"{nm} must be a DataFrame", field=nm)
        if df.isna().any().any():
            col = df.columns[df.isna().any()][0]
            raise SPBEError(f"{nm} has missing values", row=df.index[df[col].isna()][0], field=str(col))
    for s, nm in ((weights_a, "weights_a"), (weights_b, "weights_b")):
        if s.isna().any():
            raise SPBEError(f"{nm} has missing values", field=str(s.index[s.isna()][0]))
    if set(levels_a.columns) != set(weights_a.index) or set(levels_b.columns) != set(weights_b.index):
        raise SPBEError("levels and weights must have the same components in each period", field="component")
    if not levels_a.index.equals(levels_b.index):
        raise SPBEError("levels_a and levels_b must have the same rows in the same order", field="unit")
    keys = _component_order(levels_a.columns, levels_b.columns)
    la = levels_a.reindex(columns=keys).to_numpy(float)
    lb = levels_b.reindex(columns=keys).to_numpy(float)
    wa = weights_a.reindex(keys).to_numpy(float)
    wb = weights_b.reindex(keys).to_numpy(float)
    c = _baseline_values(baseline, la, np.nan_to_num(wa), np.nan_to_num(wb))[:, None]
    in_a, in_b = ~np.isnan(wa), ~np.isnan(wb)
    parts, comps, vals = [], [], []
    for k, key in enumerate(keys):
        if in_a[k] and in_b[k]:
            wbar, lbar = (wa[k] + wb[k]) / 2, (la[:, k] + lb[:, k]) / 2
            parts += ["level", "weight"]
            comps += [key, key]
            vals += [wbar * (lb[:, k] - la[:, k]), (lbar - c[:, 0]) * (wb[k] - wa[k])]
        elif in_b[k]:
            parts.append("added")
            comps.append(key)
            vals.append(wb[k] * (lb[:, k] - c[:, 0]))
        else:
            parts.append("removed")
            comps.append(key)
            vals.append(-wa[k] * (la[:, k] - c[:, 0]))
    n, m = len(levels_a), len(parts)
    mat = np.column_stack(vals) if vals else np.empty((n, 0))
    return pd.DataFrame({
        "unit": np.repeat(levels_a.index.to_numpy(), m),
        "component": np.tile(comps, n), "part": np.tile(parts, n), "value": mat.ravel(),
    })


def shift_share(levels_a: pd.Series, weights_a: pd.Series, levels_b: pd.Series, weights_b: pd.Series,
                baseline: str | float = "zero") -> pd.DataFrame:
    """Exact additive decomposition of ``I_b - I_a`` where ``I = Σ_k w_k L_k``.

    Components are keyed by concept. For components present in both periods the symmetric
    (Bennet) split ``Δ(wL) = w̄ ΔL + (L̄ - c) Δw`` (bars = mean of the two periods) gives a
    *level* part and a *weight* part with no residual; a component only in ``b`` contributes
    ``w_b (L_b - c)`` (*added*), one only in ``a`` contributes ``-w_a (L_a - c)`` (*removed*).

    ``c`` is the ``baseline``: ``"zero"`` (default; an added part is then its contribution against an
    index of zero, misleading on its own for a weighted mean), ``"previous"`` (``c = I_a``: a part
    scored below the previous index contributes a negative amount) or a number. Any ``c`` keeps the
    decomposition exact when both weight sets sum to the same total; otherwise a non-zero ``c``
    raises. The level parts do not depend on ``c``, and neither does the sum of the weight, added
    and removed parts (the combined re-weighting effect, see :func:`decomposition_summary`).
    Returns one row per component and part (``component``, ``part``, ``value``).
    """
    for s, nm in ((levels_a, "levels_a"), (weights_a, "weights_a"), (levels_b, "levels_b"), (weights_b, "weights_b")):
        if s.isna().any():
            raise SPBEError(f"{nm} has missing values", field=str(s.index[s.isna()][0]))
    out = shift_share_frame(levels_a.to_frame().T.reset_index(drop=True), weights_a,
                            levels_b.to_frame().T.reset_index(drop=True), weights_b, baseline=baseline)
    return out.drop(columns="unit")


# ---------------------------------------------------------------------------------------------
# the national series
# ---------------------------------------------------------------------------------------------

def national_mechanical(national: pd.DataFrame) -> pd.DataFrame:
    """Each year's national domain means scored under both frameworks' weights.

    Columns: ``year``, ``framework`` (the one used that year), ``published_index``,
    ``index_own_weights`` (recomputed with that year's framework), ``index_2018_weights``
    (5/2018's weights of Kebijakan, Tata Kelola, Layanan), ``index_2020_weights`` (59/2020's; NA
    before 2021 because Manajemen was not measured), ``index_2020_weights_3_domains`` (59/2020's
    weights of the three comparable domains renormalised to sum to 1 — defined every year), and
    ``mechanical_effect`` = 2020 weights − 2018 weights where both exist.
    """
    need(national, ["year", "index", "D1", "D2", "D3"], "national")
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

    Uses the index recomputed from the published domain means with each year's own framework (so
    parts sum exactly to the change of the recomputed index; the published index is rounded).
    ``baseline`` is passed to :func:`shift_share`. Columns: ``year_from``, ``year_to``,
    ``component``, ``part``, ``value``, ``total_change``, ``baseline``.
    """
    need(national, ["year", "D1", "D2", "D3"], "national")
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


def decomposition_summary(dec: pd.DataFrame) -> pd.DataFrame:
    """One row per year-to-year step (or per unit) of a decomposition table.

    Columns: the keys (``year_from``, ``year_to``, or ``unit`` for :func:`shift_share_frame` output),
    the sum of each part over components (``level``, ``weight``, ``added``, ``removed``; 0 when
    absent), ``reweighting`` = weight + added + removed (the combined effect of re-allocating weight,
    including to and from parts that enter or leave; it does not depend on the baseline),
    ``total_change`` and ``parts_sum_minus_total`` (the residual, zero up to float rounding) when the
    input has ``total_change``.
    """
    keys = ["year_from", "year_to"] if {"year_from", "year_to"} <= set(dec.columns) else ["unit"]
    need(dec, [*keys, "part", "value"], "decomposition")
    unknown = sorted(set(dec["part"]) - set(PARTS))
    if unknown:
        raise SPBEError(f"unknown decomposition part {unknown[0]!r}", field="part")
    wide = dec.pivot_table(index=keys, columns="part", values="value", aggfunc="sum", sort=True)
    wide = wide.reindex(columns=list(PARTS)).fillna(0.0)
    wide.columns.name = None
    wide["reweighting"] = wide["weight"] + wide["added"] + wide["removed"]
    cols = [*PARTS, "reweighting"]
    if "total_change" in dec.columns:
        wide = wide.join(dec.groupby(keys)["total_change"].first())
        wide["parts_sum_minus_total"] = dec.groupby(keys)["value"].sum() - wide["total_change"]
        cols += ["total_change", "parts_sum_minus_total"]
    else:
        wide["total_change"] = dec.groupby(keys)["value"].sum()
        cols.append("total_change")
    return wide[cols].reset_index()


def national_trend(national: pd.DataFrame) -> pd.DataFrame:
    """The national index by year (recomputed from the published domain means with each year's framework)
    with the cumulative level and re-weighting parts since the first year.

    Columns: ``year``, ``framework``, ``published_index``, ``national_index`` (recomputed; the
    decomposition is exact for it), ``cum_level``, ``cum_reweighting``. The change between two years
    ``y0 < y1`` is ``national_index[y1] − national_index[y0]`` and splits exactly into
    ``cum_level[y1] − cum_level[y0]`` (domain levels moved) and ``cum_reweighting[y1] −
    cum_reweighting[y0]`` (weights moved, domains added or removed: non-zero only across a framework
    switch).
    """
    mech = national_mechanical(national)
    summ = decomposition_summary(national_decomposition(national)).sort_values("year_to")
    cum = pd.DataFrame({"year": summ["year_to"].to_numpy(int), "cum_level": summ["level"].cumsum().to_numpy(),
                        "cum_reweighting": summ["reweighting"].cumsum().to_numpy()})
    out = mech[["year", "framework", "published_index", "index_own_weights"]].rename(
        columns={"index_own_weights": "national_index"}).merge(cum, on="year", how="left")
    out[["cum_level", "cum_reweighting"]] = out[["cum_level", "cum_reweighting"]].fillna(0.0)
    return out


def counterfactual_reference(national: pd.DataFrame, last_old: int | None = None, first_new: int | None = None) -> pd.DataFrame:
    """What the national series says a framework switch did, to set a simulated shift against.

    A counterfactual re-scores the *same* capabilities under the new framework, so it must be compared
    with the part of the national change that is not real progress. Across the switch year
    ``last_old → first_new`` (defaults: the declared years of 5/2018 and 59/2020) the national change is
    ``level + reweighting``. Rows (``reference``, ``value``, ``meaning``):

    * ``total_change`` — the whole change; includes the domains' level gains;
    * ``level`` — the level part (progress, and whatever the new indicators and level floor did to
      domain levels);
    * ``reweighting`` — weights moved and domains added or removed: the framework's effect if every level
      gain across the switch was real progress (**the reference for a counterfactual**);
    * ``previous_step_level`` — the level part of the step before the switch (the pre-switch trend);
    * ``switch_effect_if_trend_continued`` — ``total_change − previous_step_level``: the framework's effect
      if progress across the switch equalled the pre-switch trend (a sensitivity reading).
    """
    last_old = get_framework("2018").last_year if last_old is None else int(last_old)
    first_new = get_framework("2020").first_year if first_new is None else int(first_new)
    summ = decomposition_summary(national_decomposition(national)).set_index(["year_from", "year_to"])
    if (last_old, first_new) not in summ.index:
        raise SPBEError(f"the national series has no step {last_old} → {first_new}", field="year")
    s = summ.loc[(last_old, first_new)]
    prev = summ[summ.index.get_level_values("year_to") == last_old]
    prev_level = float(prev["level"].iloc[0]) if len(prev) else np.nan
    rows = [
        ("total_change", float(s["total_change"]), "whole national change across the switch"),
        ("level", float(s["level"]), "domain levels moved (progress and indicator/floor changes together)"),
        ("reweighting", float(s["reweighting"]),
         "weights moved and domains added or removed: the framework's effect if all level gains were real"),
        ("previous_step_level", prev_level, f"level part of the step before the switch (to {last_old})"),
        ("switch_effect_if_trend_continued", float(s["total_change"]) - prev_level,
         "total change minus the pre-switch level trend"),
    ]
    out = pd.DataFrame(rows, columns=["reference", "value", "meaning"])
    out.insert(0, "year_to", first_new)
    out.insert(0, "year_from", last_old)
    return out
