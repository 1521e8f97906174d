"""Any framework switch A → B: re-banding, projection under named assumptions, bounds, decompositions.

Given the two definitions and a crosswalk (:mod:`spbe_research.frameworks`), for published values of
framework A (indicator levels, or aspect/domain values, or only the index):

* :func:`rebanding`, :func:`rebanding_summary` — the new bands applied to unchanged scores (what the
  predicate would be if nothing else changed);
* :func:`project` — each unit's indicator values, aspects, index and predicate under B, for one named
  :class:`~spbe_research.impact.mapping.Assumptions` set; a :class:`Projection` with ``.to_frame()``;
  :func:`project_sets` for every set at once;
* :func:`projection_bounds` — the range the mapping leaves: the lowest and highest B index consistent
  with the published values when the within-domain profile (and, by default, every indicator B scores
  without a carried value) is unknown — exact, by linear programming in closed form;
* :func:`projection_summary` — per unit: the range across sets, the bounds, the predicates they span,
  and the exposure to indicators with no counterpart;
* :func:`structure_decomposition` (carried / new / dropped indicators) and :func:`switch_decomposition`
  (concept-level shift-share: level, weight, added, removed parts) — both exact;
* :func:`switch_simulation` — the same projection over many (e.g. synthetic) profiles, one tidy row
  per assumption set with a bootstrap CI;
* :func:`crosswalk_coverage` — which old weight carries over, which new weight is new or external.

Every projected value is labelled ``kind = "projection"``: a reading of the published values under
stated assumptions, not a measurement.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import checks
from ..errors import SPBEError
from ..frameworks import get_crosswalk, get_framework
from ..scoring import EDGE_EPS, band_codes, evaluate, predicate, score
from ..stats import N_BOOT, bootstrap_ci
from ._common import need
from .decomposition import _top_concepts, concept_weights, shift_share_frame
from .mapping import (Assumptions, _external_mask, assumption_sets, get_assumptions, leaf_values, link_matrix,
                      linear_form, map_values)

__all__ = [
    "Projection", "project", "project_sets", "projection_bounds", "projection_summary", "rebanding",
    "rebanding_summary", "structure_decomposition", "switch_decomposition", "switch_simulation",
    "crosswalk_coverage", "dropped_exposure", "projector", "PROJECTION_LABEL",
]

#: The label every projected value carries.
PROJECTION_LABEL = "projection"


# ---------------------------------------------------------------------------------------------
# re-banding
# ---------------------------------------------------------------------------------------------

def rebanding(index, from_framework="59/2020", to_framework="8/2026") -> pd.DataFrame:
    """The same index values banded by both frameworks (nothing else changes).

    ``index``: a number, a sequence or a Series (its index is kept). Columns: ``index``,
    ``predicate_from``, ``predicate_to``, ``band_from``, ``band_to`` (0 = lowest band), ``band_step``
    (``band_to − band_from``; compared by position, so meaningful when both frameworks have the same
    number of bands), ``changed`` (the predicate's name differs) and ``on_to_scale`` (False when the value
    lies outside B's scale, e.g. a 5/2018 index below 1 under 59/2020: then ``predicate_to`` is NA).
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    vals, idx = checks.numeric_vector(index, what="index", field="index")
    idx = pd.RangeIndex(len(vals)) if idx is None else idx
    pa = predicate(pd.Series(vals, index=idx), a)
    on = (vals >= b.scale_min - EDGE_EPS) & (vals <= b.scale_max + EDGE_EPS)
    pb = pd.Series(pd.NA, index=idx, dtype="string")
    codes_b = np.full(len(vals), -1)
    if on.any():
        pb[on] = predicate(pd.Series(vals[on], index=idx[on]), b).astype(str).to_numpy()
        codes_b[on] = band_codes(vals[on], b)
    codes_a = band_codes(vals, a).astype(int)
    out = pd.DataFrame({"index": vals, "predicate_from": pa.astype(str).to_numpy(), "predicate_to": pb.to_numpy(),
                        "band_from": codes_a, "band_to": pd.array(np.where(on, codes_b, -1), dtype="Int64")},
                       index=idx)
    out.loc[~on, "band_to"] = pd.NA
    out["band_step"] = out["band_to"] - out["band_from"]
    out["changed"] = (out["predicate_from"] != out["predicate_to"]).fillna(True).astype(bool) & on
    out["on_to_scale"] = on
    out["from_framework"], out["to_framework"] = a.name, b.name
    return out


def rebanding_summary(frame: pd.DataFrame, by=None) -> pd.DataFrame:
    """Counts from a :func:`rebanding` frame (with any extra grouping columns joined on), overall and per group.

    One row per group: ``group_by``, ``group``, ``n``, ``n_changed``, ``n_up``, ``n_down``,
    ``share_changed``, ``n_off_scale``.
    """
    need(frame, ["band_step", "changed", "on_to_scale"], "rebanding frame")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    need(frame, by, "rebanding frame")
    f = frame.assign(_up=(frame["band_step"] > 0).fillna(False).astype(bool),
                     _down=(frame["band_step"] < 0).fillna(False).astype(bool))
    parts = [("all", "all", f)]
    for col in by:
        parts += [(col, str(k), g) for k, g in f.groupby(col, sort=True)]
    rows = [{"group_by": col, "group": k, "n": len(g), "n_changed": int(g["changed"].sum()),
             "n_up": int(g["_up"].sum()), "n_down": int(g["_down"].sum()),
             "share_changed": float(g["changed"].mean()) if len(g) else np.nan,
             "n_off_scale": int((~g["on_to_scale"]).sum())} for col, k, g in parts]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# projection
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Projection:
    """One projection A → B of a set of units under one assumption set (see :func:`project`).

    ``values``: projected B indicator values (units × B leaves); ``scores``: B's aspects/domains,
    ``index`` and ``predicate`` from the scoring engine; ``index_before`` / ``predicate_before``: A's
    index recomputed from the inputs and its A predicate; ``origin``: per B leaf ``carried``, ``new`` or
    ``external_rule``; ``old_values``: the A leaf values used (after disaggregation); ``linked``: per A
    leaf, whether it carries into some B leaf. ``kind`` is always ``"projection"``.
    """

    assumptions: Assumptions
    from_framework: str
    to_framework: str
    input_level: str
    values: pd.DataFrame
    scores: pd.DataFrame
    index_before: pd.Series
    predicate_before: pd.Series
    origin: pd.Series
    old_values: pd.DataFrame
    linked: pd.Series
    kind: str = PROJECTION_LABEL

    @property
    def index(self) -> pd.Series:
        """The projected B index (a Series over the units)."""
        return self.scores["index"]

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per unit: ``unit``, ``assumption_set``, ``from_framework``, ``to_framework``,
        ``input_level``, ``index_before``, ``predicate_before``, ``index``, ``predicate``, ``change``, B's
        top-level values (``A1``…), ``evidence_grade``, ``kind``."""
        b = get_framework(self.to_framework)
        tops = list(b.codes(b.top_level))
        name = self.scores.index.name or "unit"
        out = pd.DataFrame({
            "assumption_set": self.assumptions.name, "from_framework": self.from_framework,
            "to_framework": self.to_framework, "input_level": self.input_level,
            "index_before": self.index_before.to_numpy(), "predicate_before": self.predicate_before.to_numpy(),
            "index": self.scores["index"].to_numpy(), "predicate": self.scores["predicate"].astype(str).to_numpy(),
        }, index=self.scores.index)
        out["change"] = out["index"] - out["index_before"]
        for t in tops:
            out[t] = self.scores[t].to_numpy()
        out["evidence_grade"] = self.assumptions.evidence_grade
        out["kind"] = self.kind
        return out.rename_axis(name).reset_index()

    def indicator_frame(self) -> pd.DataFrame:
        """Long: ``unit``, ``indicator``, ``value``, ``origin``, ``assumption_set``, ``kind``."""
        name = self.values.index.name or "unit"
        long = self.values.rename_axis(name).reset_index().melt(id_vars=name, var_name="indicator", value_name="value")
        long["origin"] = long["indicator"].map(self.origin)
        long["assumption_set"] = self.assumptions.name
        long["kind"] = self.kind
        return long


def project(values: pd.DataFrame, assumptions, *, from_framework="59/2020", to_framework="8/2026",
            level: str | None = None, crosswalk: pd.DataFrame | None = None, seed=0,
            national_means: dict | None = None) -> Projection:
    """Project published A values to framework B under one named assumption set (vectorised).

    ``values``: one row per unit (the frame's index identifies units) holding every A indicator level,
    or all codes of one A level (``D1``…``D4`` domain values, ``A1``… aspect values), or only ``index``
    (``level="index"``: every indicator at the institution's index). Other columns are ignored. With
    aggregate inputs each indicator takes its ancestor's value (``parent_value``; the range this leaves is
    :func:`projection_bounds`). ``assumptions``: a set name from
    :func:`~spbe_research.impact.mapping.assumption_sets` (e.g. ``"all/own_mean/carry"``) or an
    :class:`~spbe_research.impact.mapping.Assumptions`. ``crosswalk``: defaults to the shipped one.

    Returns a :class:`Projection` (``.to_frame()``: one row per unit, labelled ``projection``).
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    asm = get_assumptions(assumptions, a, b)
    x, lv, _ = leaf_values(values, a, level)
    y, origin = map_values(x, a, b, asm, crosswalk=crosswalk, seed=seed, national_means=national_means)
    units = values.index
    before = evaluate(x, a)[:, -1]
    scores = score(y, b)
    scores.index = units
    lm = link_matrix(a, b, crosswalk, asm.links)
    carried = origin == "carried"
    linked = (lm.matrix[:, carried] > 0).any(axis=1)
    return Projection(
        assumptions=asm, from_framework=a.name, to_framework=b.name, input_level=lv,
        values=pd.DataFrame(y, index=units, columns=list(b.indicator_codes)), scores=scores,
        index_before=pd.Series(before, index=units, name="index_before"),
        predicate_before=pd.Series(predicate(before, a).astype(str), index=units, name="predicate_before"),
        origin=pd.Series(origin, index=list(b.indicator_codes), name="origin"),
        old_values=pd.DataFrame(x, index=units, columns=list(a.indicator_codes)),
        linked=pd.Series(linked, index=list(a.indicator_codes), name="linked"),
    )


def projector(assumptions, *, from_framework="59/2020", to_framework="8/2026", level: str | None = None,
              crosswalk: pd.DataFrame | None = None):
    """The projection as a callable ``data -> (values, framework)``: the framework itself as an uncertain input
    of :class:`spbe_research.sensitivity.FrameworkChoice` (each draw may score the institutions with A, or with
    their B indicator values projected under ``assumptions``). Columns other than A's codes are ignored.

    >>> from spbe_research import sensitivity as S
    >>> choice = S.FrameworkChoice({"8/2026 projection": projector("all/own_mean/carry")})
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    asm = get_assumptions(assumptions, a, b)

    def project_values(data: pd.DataFrame):
        p = project(data, asm, from_framework=a, to_framework=b, level=level, crosswalk=crosswalk)
        return p.values.reset_index(drop=True), b

    project_values.__name__ = f"projector_{asm.name.replace('/', '_')}"
    project_values.__doc__ = f"{a.name} values -> {b.name} indicator values, projected under {asm.name} (a projection)."
    return project_values


def project_sets(values: pd.DataFrame, sets=None, *, from_framework="59/2020", to_framework="8/2026",
                 level: str | None = None, crosswalk: pd.DataFrame | None = None, seed=0) -> pd.DataFrame:
    """:meth:`Projection.to_frame` for every assumption set (default: all named sets of the switch), stacked."""
    sets = assumption_sets(from_framework, to_framework) if sets is None else sets
    frames = [project(values, s, from_framework=from_framework, to_framework=to_framework, level=level,
                      crosswalk=crosswalk, seed=seed).to_frame() for s in sets]
    return pd.concat(frames, ignore_index=True)


def _knapsack(a_g: np.ndarray, v_g: np.ndarray, target: np.ndarray, lo: float, hi: float, maximise: bool) -> np.ndarray:
    """max (or min) Σ a_i x_i subject to Σ v_i x_i = target (per row), lo ≤ x_i ≤ hi, Σ v_i = 1.

    A continuous knapsack: fill the best ratio ``a_i / v_i`` first. Vectorised over rows."""
    order = np.argsort(-a_g / v_g if maximise else a_g / v_g, kind="stable")
    a_s, v_s = a_g[order], v_g[order]
    cap = v_s * (hi - lo)
    before = np.concatenate([[0.0], np.cumsum(cap)[:-1]])
    budget = (target - lo)[:, None]
    z = np.clip((budget - before[None, :]) / v_s[None, :], 0.0, hi - lo)
    return ((lo + z) * a_s[None, :]).sum(axis=1)


def projection_bounds(values: pd.DataFrame, assumptions=None, *, from_framework="59/2020", to_framework="8/2026",
                      level: str | None = None, links=("all", "strong"), crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """The lowest and highest B index consistent with the published values (exact, not sampled).

    Unknowns: the indicator profile inside each published aggregate (any levels on A's scale whose
    weighted mean is the published value) and — with ``assumptions=None`` — the value of every B
    indicator not carried from A (new ones and those fed by another agency's index: anywhere on B's
    scale), under each link rule in ``links`` (the bounds are the widest over them, so that they contain
    every assumption set built on those rules). With an assumption set, its rules fix those indicators and
    its link rule is used: only the profile is unknown. With indicator-level inputs the profile is known
    and the bounds come from the unknown indicators alone.

    Needs a continuous B scale and a linear scale rule (:func:`~spbe_research.impact.mapping.linear_form`).
    Returns one row per unit: ``index_low``, ``index_high``, ``bounds`` (what was left unknown), ``kind``.
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    x, lv, codes = leaf_values(values, a, level)
    if assumptions is None:
        rules = (links,) if isinstance(links, str) else tuple(links)
        forms = [linear_form(a, b, Assumptions("bounds", links=r), crosswalk=crosswalk, unknown_new=True)[:3]
                 for r in rules]
        what = f"every indicator not carried over unknown (links: {', '.join(rules)})"
    else:
        asm = get_assumptions(assumptions, a, b)
        forms = [linear_form(a, b, asm, crosswalk=crosswalk)[:3]]
        what = f"other indicators by {asm.name}"
    if lv != "leaf":
        what = f"profile within each {lv} unknown; {what}"
    lows, highs = [], []
    for coef, b_lo, b_hi in forms:
        if lv == "leaf":
            base = x @ coef
            lows.append(base + b_lo)
            highs.append(base + b_hi)
            continue
        w = a.indicator_weights
        if lv == a.tree_levels[0]:
            groups = np.zeros(len(w), int)
        else:
            groups = pd.Index(codes).get_indexer([a.ancestor(c, lv) for c in a.indicator_codes])
        lo = np.full(len(x), b_lo)
        hi = np.full(len(x), b_hi)
        for g in np.unique(groups):
            m = groups == g
            v = w[m] / w[m].sum()
            target = x[:, np.flatnonzero(m)[0]]  # every leaf of the group holds the published value
            lo += _knapsack(coef[m], v, target, a.scale_min, a.scale_max, maximise=False)
            hi += _knapsack(coef[m], v, target, a.scale_min, a.scale_max, maximise=True)
        lows.append(lo)
        highs.append(hi)
    return pd.DataFrame({"index_low": np.min(lows, axis=0), "index_high": np.max(highs, axis=0), "bounds": what,
                         "kind": PROJECTION_LABEL}, index=values.index)


def dropped_exposure(values: pd.DataFrame, *, from_framework="59/2020", to_framework="8/2026", level: str | None = None,
                     links: str = "all", crosswalk: pd.DataFrame | None = None) -> pd.Series:
    """How much of each unit's A index rests on indicators with no B counterpart, beyond their weight's fair share.

    ``Σ_{i dropped} w_i (x_i − I_A)`` in index points: positive when the unit is stronger in the dropped
    indicators than on average (it stands to lose when they disappear), negative when weaker. It is
    minus the ``dropped`` part of :func:`structure_decomposition` under ``external="carry"`` (under the
    assessors' rule the old indicators that feed only external-index indicators leave too). With aggregate
    inputs, ``x_i`` is the parent's value (``parent_value``).
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    x, _, _ = leaf_values(values, a, level)
    lm = link_matrix(a, b, crosswalk, links)
    w = a.indicator_weights
    ia = evaluate(x, a)[:, -1]
    dropped = ~lm.linked
    return pd.Series(((x[:, dropped] - ia[:, None]) * w[dropped]).sum(axis=1), index=values.index,
                     name="dropped_exposure")


def projection_summary(values: pd.DataFrame, sets=None, *, from_framework="59/2020", to_framework="8/2026",
                       level: str | None = None, crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit, what the projection can and cannot say.

    Columns: ``index_before``, ``predicate_before`` (A bands), ``predicate_rebanded`` (the A index under
    B's bands), ``index_min`` / ``index_max`` and ``set_min`` / ``set_max`` (across the assumption sets),
    ``predicate_min`` / ``predicate_max`` and ``n_predicates`` (how many B predicates the sets span),
    ``bounds_low`` / ``bounds_high`` (:func:`projection_bounds` with everything unknown, over the sets' link
    rules: they contain every set's value),
    ``dropped_exposure``, ``kind``.
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    sets = assumption_sets(a, b) if sets is None else sets
    long = project_sets(values, sets, from_framework=a, to_framework=b, level=level, crosswalk=crosswalk)
    unit = long.columns[0]
    wide = long.pivot(index=unit, columns="assumption_set", values="index")
    names = [s.name if isinstance(s, Assumptions) else s for s in sets]
    wide = wide.reindex(index=values.index, columns=names)
    first = long.drop_duplicates(unit).set_index(unit).reindex(values.index)
    mat = wide.to_numpy(float)
    out = pd.DataFrame({"index_before": first["index_before"].to_numpy(),
                        "predicate_before": first["predicate_before"].to_numpy()}, index=values.index)
    out["predicate_rebanded"] = rebanding(out["index_before"], a, b)["predicate_to"].to_numpy()
    out["index_min"], out["index_max"] = mat.min(axis=1), mat.max(axis=1)
    out["set_min"] = np.array(names)[mat.argmin(axis=1)]
    out["set_max"] = np.array(names)[mat.argmax(axis=1)]
    lo_b, hi_b = band_codes(out["index_min"].to_numpy(), b), band_codes(out["index_max"].to_numpy(), b)
    out["predicate_min"] = np.array(b.predicates)[lo_b]
    out["predicate_max"] = np.array(b.predicates)[hi_b]
    out["n_predicates"] = (hi_b - lo_b + 1).astype(int)
    rules = tuple(dict.fromkeys(get_assumptions(s, a, b).links for s in sets))
    bounds = projection_bounds(values, from_framework=a, to_framework=b, level=level, links=rules, crosswalk=crosswalk)
    out["bounds_low"], out["bounds_high"] = bounds["index_low"].to_numpy(), bounds["index_high"].to_numpy()
    out["dropped_exposure"] = dropped_exposure(values, from_framework=a, to_framework=b, level=level,
                                               crosswalk=crosswalk).to_numpy()
    out["kind"] = PROJECTION_LABEL
    return out


# ---------------------------------------------------------------------------------------------
# decompositions
# ---------------------------------------------------------------------------------------------

def structure_decomposition(proj: Projection) -> pd.DataFrame:
    """Exact split of each unit's projected change ``I_B − I_A`` by what happened to the indicators.

    With ``c = I_A`` (the unit's old index) and both weight sets summing to 1:

    * ``carried`` = ``Σ_{j carried} u_j (y_j − c) − Σ_{i linked} w_i (x_i − c)``: the indicators that carry
      over, re-weighted and re-combined;
    * ``new`` = ``Σ_{j not carried} u_j (y_j − c)``: B indicators with no carried value (new ones, and
      external-fed ones under the assessors' rule), against the old index;
    * ``dropped`` = ``−Σ_{i not linked} w_i (x_i − c)``: A indicators with no counterpart leave
      (``= −dropped_exposure``).

    One row per unit: ``carried``, ``new``, ``dropped``, ``total_change``, ``parts_sum_minus_total``,
    ``assumption_set``, ``kind``.
    """
    a, b = get_framework(proj.from_framework), get_framework(proj.to_framework)
    x = proj.old_values.to_numpy(float)
    y = proj.values.to_numpy(float)
    c = proj.index_before.to_numpy(float)[:, None]
    w, u = a.indicator_weights, b.indicator_weights
    car = (proj.origin == "carried").to_numpy()
    lk = proj.linked.to_numpy()
    carried = ((y[:, car] - c) * u[car]).sum(axis=1) - ((x[:, lk] - c) * w[lk]).sum(axis=1)
    new = ((y[:, ~car] - c) * u[~car]).sum(axis=1)
    dropped = -((x[:, ~lk] - c) * w[~lk]).sum(axis=1)
    total = proj.scores["index"].to_numpy(float) - c[:, 0]
    out = pd.DataFrame({"carried": carried, "new": new, "dropped": dropped, "total_change": total},
                       index=proj.scores.index)
    out["parts_sum_minus_total"] = out["carried"] + out["new"] + out["dropped"] - out["total_change"]
    out["assumption_set"] = proj.assumptions.name
    out["kind"] = proj.kind
    return out


def switch_decomposition(proj: Projection, baseline: str | float = "previous") -> pd.DataFrame:
    """Concept-level shift-share of each unit's projected change (level, weight, added, removed parts).

    A's top-level values (recomputed from the inputs) and B's projected top-level values are keyed by
    concept and decomposed by :func:`~spbe_research.impact.decomposition.shift_share_frame` (default
    baseline: the unit's old index, so a part scored below it counts negative). Long: ``unit``,
    ``component``, ``part``, ``value``, ``assumption_set``, ``kind``.
    """
    a, b = get_framework(proj.from_framework), get_framework(proj.to_framework)
    internal = list(a.compiled.internal)
    allv = evaluate(proj.old_values.to_numpy(float), a)
    top_a = pd.DataFrame(allv[:, [internal.index(t) for t in a.codes(a.top_level)]],
                         index=proj.scores.index, columns=_top_concepts(a))
    top_b = proj.scores[list(b.codes(b.top_level))].astype(float)
    top_b.columns = _top_concepts(b)
    out = shift_share_frame(top_a, concept_weights(a), top_b, concept_weights(b), baseline=baseline)
    out["assumption_set"] = proj.assumptions.name
    out["kind"] = proj.kind
    return out


# ---------------------------------------------------------------------------------------------
# simulation over many profiles
# ---------------------------------------------------------------------------------------------

def switch_simulation(profiles: pd.DataFrame, sets, *, from_framework, to_framework, n_boot: int = N_BOOT,
                      seed_map=0, seed_boot=0, national_means: dict | None = None, crosswalk: pd.DataFrame | None = None,
                      label: str = "synthetic") -> pd.DataFrame:
    """Index shift when the same A indicator profiles are re-scored under B, one row per assumption set.

    ``profiles``: one row per profile, every A leaf as a column (e.g. synthetic profiles). Per set:
    ``n``, ``mean_index_from``, ``mean_index_to``, ``mean_shift`` with a bootstrap 95 % CI of the mean
    (``ci95_low``/``ci95_high``; ``seed_boot``), ``median_shift``, ``shift_p05``/``shift_p95`` (5th–95th
    percentile of per-profile shifts), ``share_lower`` (shift below −EDGE_EPS: float noise is no fall),
    ``share_predicate_down`` / ``share_predicate_up``
    (B band below / above the A band by position), the set's rules and ``evidence_grade``, and ``kind``
    (``label``: ``"synthetic"`` for generated profiles, ``"projection"`` for real ones).
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    x, lv, _ = leaf_values(profiles, a)
    if lv != "leaf":
        raise SPBEError("switch_simulation needs every indicator of the old framework as a column", field="profiles")
    n_boot = checks.count(n_boot, name="n_boot", lo=100, hi=10**6)
    ia = evaluate(x, a)[:, -1]
    band_a = band_codes(ia, a)
    rows = []
    for s in sets:
        asm = get_assumptions(s, a, b)
        y, _ = map_values(x, a, b, asm, crosswalk=crosswalk, seed=seed_map, national_means=national_means)
        ib = evaluate(y, b)[:, -1]
        shift = ib - ia
        lo, hi = bootstrap_ci(shift, np.mean, n_boot=n_boot, seed=seed_boot)
        band_b = band_codes(ib, b)
        rows.append({**asm.to_frame().iloc[0].to_dict(), "n": len(x), "mean_index_from": float(ia.mean()),
                     "mean_index_to": float(ib.mean()), "mean_shift": float(shift.mean()), "ci95_low": lo,
                     "ci95_high": hi, "median_shift": float(np.median(shift)),
                     "shift_p05": float(np.quantile(shift, 0.05)), "shift_p95": float(np.quantile(shift, 0.95)),
                     "share_lower": float(np.mean(shift < -EDGE_EPS)), "share_predicate_down": float(np.mean(band_b < band_a)),
                     "share_predicate_up": float(np.mean(band_b > band_a)), "kind": label})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# what carries over
# ---------------------------------------------------------------------------------------------

def crosswalk_coverage(from_framework="59/2020", to_framework="8/2026", *, links: str = "all",
                       external: str = "carry", crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every leaf of both frameworks with its fate: old leaves ``carried`` or ``dropped``; new leaves
    ``carried``, ``new`` or ``external_rule`` (fed by an external index and set by the assessors' rule).

    Columns: ``side`` (``from``/``to``), ``framework``, ``indicator``, ``top_level`` (its domain or aspect),
    ``concept``, ``weight`` (% of that framework's index), ``external_index`` (bool), ``status``. Sum
    ``weight`` by ``status`` for the share of each index that carries over.
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    asm = Assumptions("coverage", links=links, external=external)
    lm = link_matrix(a, b, crosswalk if crosswalk is not None else get_crosswalk(a, b), links)
    ext, _ = _external_mask(b)
    status_b = np.where(lm.has_pred, "carried", "new").astype(object)
    if asm.external == "rule":
        status_b[ext] = "external_rule"
    carried_b = status_b == "carried"
    linked_a = (lm.matrix[:, carried_b] > 0).any(axis=1)
    rows = []
    for side, fw, status, extm in (("from", a, np.where(linked_a, "carried", "dropped"), np.zeros(len(linked_a), bool)),
                                   ("to", b, status_b, ext)):
        top = [fw.ancestor(c, fw.top_level) for c in fw.indicator_codes]
        rows.append(pd.DataFrame({
            "side": side, "framework": fw.name, "indicator": list(fw.indicator_codes), "top_level": top,
            "concept": fw.concept_of(top).to_numpy(), "weight": fw.indicator_weights * 100,
            "external_index": extm, "status": status}))
    return pd.concat(rows, ignore_index=True)
