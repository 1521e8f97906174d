"""Carry indicator values from one framework to another through a crosswalk, under named assumptions.

A crosswalk (:func:`~spbe_research.frameworks.get_crosswalk`) links old indicators to new ones. It
does not say what value a new indicator takes, so every mapping rests on choices the sources do not
settle. Each choice is a named rule here, and a full set of choices is an :class:`Assumptions` object
with a name, a description and an evidence grade:

``links`` (:data:`LINK_RULES`)
    which crosswalk links carry a value; a new indicator with several predecessors takes their
    plain mean (merged links average);
``new_indicators`` (:data:`NEW_RULES`)
    what an indicator with no (kept) predecessor starts at;
``external`` (:data:`EXTERNAL_RULES`)
    what an indicator fed by another agency's index takes (the assessors' "missing external index
    counts as 1" rule of PermenPANRB 8/2026, or the crosswalk like any other indicator);
``scale`` (:data:`SCALE_RULES`)
    how an old value becomes a value on the new scale (only matters when the scales differ);
``disaggregation`` (:data:`DISAGGREGATION_RULES`)
    how published aggregates (domain, aspect or index values) become indicator values when the
    indicator levels are not published.

:func:`map_values` applies a set to a matrix of old indicator values (vectorised: one matrix product);
:func:`linear_form` writes the projected index as ``a · x + b`` when the mapping is affine (continuous
target, linear scale rule), which gives exact bounds over unknown indicator profiles.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import checks
from ..errors import SPBEError
from ..frameworks import Framework, get_crosswalk, get_framework
from ..scoring import input_level as scoring_input_level

__all__ = [
    "Assumptions", "LinkMatrix", "LINK_RULES", "NEW_RULES", "EXTERNAL_RULES", "SCALE_RULES", "DISAGGREGATION_RULES",
    "RULE_GRADES", "assumption_sets", "get_assumptions", "link_matrix", "leaf_values", "map_values", "linear_form",
    "input_level",
]

#: Which crosswalk links carry a value.
LINK_RULES = {
    "all": "every crosswalk link carries its old indicator's value; several old indicators linked to one new "
           "indicator are averaged",
    "strong": "only links graded A or B that are not 'partial' carry a value; a new indicator whose only links "
              "are weaker counts as new",
}
#: What an indicator with no (kept) predecessor starts at.
NEW_RULES = {
    "scale_min": "indicators with no predecessor start at the new scale's minimum (nothing in place yet)",
    "own_mean": "indicators with no predecessor take the unit's own mean of its carried indicators",
    "scale_max": "indicators with no predecessor at the new scale's maximum (an upper bound, not a plausible value)",
    "national_first_year": "indicators with no predecessor drawn around the national mean of their top-level part "
                           "in the new framework's first year (normal, SD 0.75; rounded on an integer scale; clipped)",
}
#: What an indicator fed by another agency's index takes.
EXTERNAL_RULES = {
    "carry": "indicators fed by another agency's index follow the crosswalk like any other (the external index is "
             "assumed to agree with the old indicators; with no predecessor, the new-indicator rule applies)",
    "rule": "indicators fed by another agency's index take the assessors' value for a missing index (PermenPANRB "
            "8/2026: 1), as when no external index is available",
}
#: How an old value becomes a value on the new scale.
SCALE_RULES = {
    "clip": "old values clipped to the new scale (e.g. 0 → 1, 1-5 unchanged)",
    "shift": "old values moved by the difference of the scale minima, then clipped (e.g. +1, 6 → 5)",
    "rescale": "old scale mapped linearly onto the new one (e.g. 0-5 → 1-5: 1 + 0.8·level)",
}
#: How published aggregates become indicator values.
DISAGGREGATION_RULES = {
    "parent_value": "each indicator takes the published value of its ancestor at the input level (domain, aspect or "
                    "index): no within-domain variation; every published aggregate and the index are kept exactly",
}
#: Evidence grade of each rule (A: stated in a regulation; B: documented practice or a strong inference;
#: C: the project's judgement). A set's grade is the weakest of its rules.
RULE_GRADES = {
    ("links", "all"): "C", ("links", "strong"): "B",
    ("new_indicators", "scale_min"): "C", ("new_indicators", "own_mean"): "C",
    ("new_indicators", "scale_max"): "C", ("new_indicators", "national_first_year"): "C",
    ("external", "carry"): "C", ("external", "rule"): "B",
    ("scale", "clip"): "C", ("scale", "shift"): "C", ("scale", "rescale"): "C",
    ("disaggregation", "parent_value"): "C",
}
_DIMENSIONS = {"links": LINK_RULES, "new_indicators": NEW_RULES, "external": EXTERNAL_RULES, "scale": SCALE_RULES,
               "disaggregation": DISAGGREGATION_RULES}


@dataclass(frozen=True)
class Assumptions:
    """One named set of mapping choices (see the module docstring for each dimension)."""

    name: str
    links: str = "all"
    new_indicators: str = "scale_min"
    external: str = "carry"
    scale: str = "clip"
    disaggregation: str = "parent_value"
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise SPBEError("an assumption set needs a name", field="name")
        for dim, rules in _DIMENSIONS.items():
            checks.choice(getattr(self, dim), name=dim, options=tuple(rules))
        if not self.description:
            object.__setattr__(self, "description", "; ".join(
                _DIMENSIONS[d][getattr(self, d)] for d in ("links", "new_indicators", "external")))

    @property
    def evidence_grade(self) -> str:
        """The weakest grade of the set's rules (A best, C weakest)."""
        return max(RULE_GRADES[(d, getattr(self, d))] for d in _DIMENSIONS)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``assumption_set``, the rule of each dimension, ``description``, ``evidence_grade``."""
        return pd.DataFrame([{"assumption_set": self.name, **{d: getattr(self, d) for d in _DIMENSIONS},
                              "description": self.description, "evidence_grade": self.evidence_grade}])


def _same_scale(a: Framework, b: Framework) -> bool:
    return a.scale_min == b.scale_min and a.scale_max == b.scale_max


def assumption_sets(from_framework="59/2020", to_framework="8/2026", *, links=("all", "strong"),
                    new_indicators=("scale_min", "own_mean"), external=None, scale=None) -> tuple:
    """The grid of named assumption sets for a switch ``from_framework → to_framework``.

    Every combination of the given rules; names are ``links/new_indicators/external`` (plus ``/scale``
    when several scale rules are given), e.g. ``"all/own_mean/carry"``. Defaults: ``external`` both rules
    when the new framework has external-index indicators, else ``"carry"``; ``scale`` all three rules
    when the scales differ, else ``"clip"`` (identity on equal scales).
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    external = (("carry", "rule") if b.conversions else ("carry",)) if external is None else tuple(external)
    scale = (("clip",) if _same_scale(a, b) else tuple(SCALE_RULES)) if scale is None else tuple(scale)
    out = []
    for lk in links:
        for nw in new_indicators:
            for ex in external:
                for sc in scale:
                    name = f"{lk}/{nw}/{ex}" + (f"/{sc}" if len(scale) > 1 else "")
                    out.append(Assumptions(name, links=lk, new_indicators=nw, external=ex, scale=sc))
    return tuple(out)


def get_assumptions(assumptions, from_framework="59/2020", to_framework="8/2026") -> Assumptions:
    """An :class:`Assumptions` passes through; a name is looked up in :func:`assumption_sets` of the switch
    (also accepting every new-indicator rule, so ``"all/scale_max/carry"`` works as a bound)."""
    if isinstance(assumptions, Assumptions):
        return assumptions
    grid = assumption_sets(from_framework, to_framework, new_indicators=tuple(NEW_RULES))
    for s in grid:
        if s.name == assumptions:
            return s
    names = ", ".join(s.name for s in assumption_sets(from_framework, to_framework))
    raise SPBEError(f"unknown assumption set {assumptions!r}; named sets of this switch: {names}", field="assumptions")


# ---------------------------------------------------------------------------------------------
# the link matrix
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LinkMatrix:
    """``matrix[i, j] = 1/k`` when old leaf ``i`` is one of the ``k`` kept predecessors of new leaf ``j``.

    ``has_pred[j]``: new leaf ``j`` has a kept predecessor; ``linked[i]``: old leaf ``i`` has a kept link;
    ``links``: the kept crosswalk rows.
    """

    from_framework: Framework
    to_framework: Framework
    rule: str
    matrix: np.ndarray
    has_pred: np.ndarray
    linked: np.ndarray
    links: pd.DataFrame


def link_matrix(from_framework, to_framework, crosswalk: pd.DataFrame | None = None, links: str = "all") -> LinkMatrix:
    """The crosswalk as a matrix between the two frameworks' scored leaves (framework order)."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    checks.choice(links, name="links", options=tuple(LINK_RULES))
    cw = get_crosswalk(a, b) if crosswalk is None else crosswalk
    checks.frame(cw, name="crosswalk", required=("from_code", "to_code", "relation", "grade"))
    kept = cw.dropna(subset=["from_code", "to_code"])
    if links == "strong":
        kept = kept[kept["grade"].isin(("A", "B")) & (kept["relation"] != "partial")]
    r = pd.Index(a.indicator_codes).get_indexer(kept["from_code"].astype(str))
    c = pd.Index(b.indicator_codes).get_indexer(kept["to_code"].astype(str))
    if (r < 0).any():
        code = kept["from_code"].astype(str).to_numpy()[r < 0][0]
        raise SPBEError(f"crosswalk links {code!r}, which is not a scored leaf of {a.name}", field="from_code")
    if (c < 0).any():
        code = kept["to_code"].astype(str).to_numpy()[c < 0][0]
        raise SPBEError(f"crosswalk links {code!r}, which is not a scored leaf of {b.name}", field="to_code")
    m = np.zeros((len(a.indicator_codes), len(b.indicator_codes)))
    m[r, c] = 1.0
    counts = m.sum(axis=0)
    has_pred = counts > 0
    m[:, has_pred] /= counts[has_pred]
    for arr in (m, has_pred):
        arr.setflags(write=False)
    linked = m.sum(axis=1) > 0
    linked.setflags(write=False)
    return LinkMatrix(a, b, links, m, has_pred, linked, kept.reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# inputs: leaf values from any level
# ---------------------------------------------------------------------------------------------

def input_level(values: pd.DataFrame, framework, level: str | None = None) -> str:
    """The level whose codes ``values`` gives: ``"leaf"`` if every scored leaf is given, else the deepest level
    whose codes are all given, by :func:`~spbe_research.scoring.input_level` (``level`` forces one;
    ``"index"`` needs an ``index`` column)."""
    fw = get_framework(framework)
    frame = values.set_axis([checks.label_key(c) for c in values.columns], axis=1)
    if level is not None:
        if level == fw.tree_levels[0]:
            if "index" not in frame.columns:
                raise SPBEError("input level 'index' needs an 'index' column", field="index")
            return level
        fw._require_level(level)
        return level
    lv = scoring_input_level(frame, fw)   # the engine's rule: all-empty columns do not count
    return "leaf" if lv == fw.indicator_level else lv


def leaf_values(values: pd.DataFrame, framework, level: str | None = None) -> tuple[np.ndarray, str, list]:
    """Old-framework values as an (n × leaves) matrix in framework order, by the ``parent_value`` rule.

    Returns ``(matrix, level, codes)``: the level used and its codes. Values are checked (numbers, no
    missing value, on the framework's scale).
    """
    fw = get_framework(framework)
    checks.frame(values, name="values")
    lv = input_level(values, fw, level)
    frame = values.set_axis([checks.label_key(c) for c in values.columns], axis=1)
    if lv == "leaf":
        codes = list(fw.indicator_codes)
    elif lv == fw.tree_levels[0]:
        codes = ["index"]
    else:
        codes = list(fw.codes(lv))
    mat = checks.finite_matrix(frame, codes, what=f"{lv} value")
    off = (mat < fw.scale_min - 1e-9) | (mat > fw.scale_max + 1e-9)
    if off.any():
        r, c = np.argwhere(off)[0]
        raise SPBEError(f"{lv} value {mat[r, c]:g} is outside {fw.name}'s scale {fw.scale_min:g}-{fw.scale_max:g}",
                        row=values.index[r], field=codes[c])
    if lv == "leaf":
        return mat, lv, codes
    if lv == fw.tree_levels[0]:
        return np.repeat(mat, len(fw.indicator_codes), axis=1), lv, codes
    pos = pd.Index(codes).get_indexer([fw.ancestor(c, lv) for c in fw.indicator_codes])
    return mat[:, pos], lv, codes


# ---------------------------------------------------------------------------------------------
# mapping
# ---------------------------------------------------------------------------------------------

def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def _scale(x: np.ndarray, a: Framework, b: Framework, rule: str) -> np.ndarray:
    if rule == "clip":
        return np.clip(x, b.scale_min, b.scale_max)
    if rule == "shift":
        return np.clip(x + (b.scale_min - a.scale_min), b.scale_min, b.scale_max)
    return b.scale_min + (x - a.scale_min) * ((b.scale_max - b.scale_min) / (a.scale_max - a.scale_min))


def _external_mask(b: Framework) -> tuple[np.ndarray, np.ndarray]:
    """(mask of new leaves fed by an external index, the assessors' missing value of each, NaN if none)."""
    codes = list(b.indicator_codes)
    mask = np.zeros(len(codes), bool)
    missing = np.full(len(codes), np.nan)
    for conv in b.conversions:
        if conv.indicator in codes:
            j = codes.index(conv.indicator)
            mask[j] = True
            missing[j] = np.nan if conv.missing is None else float(conv.missing)
    return mask, missing


def _origin(lm: LinkMatrix, assumptions: Assumptions) -> np.ndarray:
    """Where each new leaf's value comes from: ``carried``, ``new`` or ``external_rule``."""
    ext, _ = _external_mask(lm.to_framework)
    origin = np.where(lm.has_pred, "carried", "new").astype(object)
    if assumptions.external == "rule":
        origin[ext] = "external_rule"
    return origin


def map_values(x: np.ndarray, from_framework, to_framework, assumptions: Assumptions, *,
               crosswalk: pd.DataFrame | None = None, seed=0, national_means: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Old leaf values (n × old leaves) → new leaf values (n × new leaves) under ``assumptions``.

    1. the ``scale`` rule on every old value (rounded half up when the new framework scores whole levels);
    2. a new leaf with kept predecessors takes their mean (rounded half up on an integer scale);
    3. a new leaf without one follows ``new_indicators`` (``own_mean``: the unweighted mean of the unit's
       carried leaves, rounded on an integer scale; ``national_first_year`` needs ``national_means``
       ``{top-level code: mean}`` and draws from ``seed``);
    4. with ``external="rule"``, leaves fed by an external index take the assessors' missing value.

    Returns ``(values, origin)``; ``origin`` says per new leaf ``carried``, ``new`` or ``external_rule``.
    One matrix product for all units.
    """
    a, b = get_framework(from_framework), get_framework(to_framework)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(a.indicator_codes):
        raise SPBEError(f"old values must be an (n × {len(a.indicator_codes)}) matrix in {a.name} leaf order, "
                        f"got shape {x.shape}", field="values")
    lm = link_matrix(a, b, crosswalk, assumptions.links)
    conv = _scale(x, a, b, assumptions.scale)
    if b.is_integer:
        conv = _round_half_up(conv)
    mapped = conv @ lm.matrix
    if b.is_integer:
        mapped = _round_half_up(mapped)
    n, k = mapped.shape
    ext, ext_missing = _external_mask(b)
    carried = lm.has_pred & ~(ext if assumptions.external == "rule" else np.zeros(k, bool))
    rule = assumptions.new_indicators
    if rule == "scale_min":
        fill = np.full((n, k), float(b.scale_min))
    elif rule == "scale_max":
        fill = np.full((n, k), float(b.scale_max))
    elif rule == "own_mean":
        if not carried.any():
            raise SPBEError("no indicator is carried over, so there is no own mean", field="new_indicators")
        own = mapped[:, carried].mean(axis=1, keepdims=True)
        fill = np.broadcast_to(_round_half_up(own) if b.is_integer else own, (n, k))
    else:
        if national_means is None:
            raise SPBEError("new_indicators='national_first_year' needs national_means {top-level code: mean}",
                            field="national_means")
        tops = [b.ancestor(c, b.top_level) for c in b.indicator_codes]
        absent = [t for t in dict.fromkeys(tops) if t not in national_means]
        if absent:
            raise SPBEError(f"national_means lacks {absent[0]!r}", field="national_means")
        mu = np.array([float(national_means[t]) for t in tops])
        draws = checks.generator(seed).normal(mu, 0.75, size=(n, k))
        fill = np.clip(_round_half_up(draws) if b.is_integer else draws, b.scale_min, b.scale_max)
    out = np.where(lm.has_pred, mapped, fill)
    if assumptions.external == "rule":
        if np.isnan(ext_missing[ext]).any():
            raise SPBEError(f"{b.name} declares no value for a missing external index", field="external")
        out = np.where(ext, ext_missing, out)
    return out, _origin(lm, assumptions)


def linear_form(from_framework, to_framework, assumptions: Assumptions, *, crosswalk: pd.DataFrame | None = None,
                unknown_new: bool = False) -> tuple[np.ndarray, float, float, np.ndarray]:
    """The projected new index as an affine function of the old leaf values: ``I = a · x + b``.

    Exact for :func:`map_values` when the new framework has a continuous scale (no rounding) and the scale
    rule is linear on the old scale (equal scales, or ``rescale``); ``national_first_year`` is random and
    not affine. With ``unknown_new=True`` the leaves not carried (new, and external-fed under either
    external rule) are left out of ``a`` and ``b`` and returned as an interval: ``b_low`` / ``b_high``
    with those leaves at the scale minimum / maximum.

    Returns ``(a, b_low, b_high, carried)`` (``b_low == b_high`` unless ``unknown_new``).
    """
    a_fw, b_fw = get_framework(from_framework), get_framework(to_framework)
    if b_fw.is_integer:
        raise SPBEError(f"{b_fw.name} scores whole levels: the mapping rounds and is not affine", field="to_framework")
    if assumptions.new_indicators == "national_first_year":
        raise SPBEError("the national_first_year rule is random, not affine", field="new_indicators")
    if _same_scale(a_fw, b_fw) or assumptions.scale == "rescale":
        alpha = (b_fw.scale_max - b_fw.scale_min) / (a_fw.scale_max - a_fw.scale_min)
        beta = b_fw.scale_min - a_fw.scale_min * alpha
    else:
        raise SPBEError(f"scale rule {assumptions.scale!r} is not linear from {a_fw.name} to {b_fw.name}",
                        field="scale")
    lm = link_matrix(a_fw, b_fw, crosswalk, assumptions.links)
    u = b_fw.indicator_weights
    ext, ext_missing = _external_mask(b_fw)
    if unknown_new:
        carried = lm.has_pred & ~ext
        a = alpha * (lm.matrix[:, carried] @ u[carried])
        rest = u[~carried].sum()
        base = beta * u[carried].sum()
        return a, float(base + rest * b_fw.scale_min), float(base + rest * b_fw.scale_max), carried
    carried = lm.has_pred & ~(ext if assumptions.external == "rule" else np.zeros(len(u), bool))
    a = alpha * (lm.matrix[:, carried] @ u[carried])
    b = beta * u[carried].sum()
    new = ~lm.has_pred
    if assumptions.external == "rule":
        new = new & ~ext
        b += float((u[ext] * ext_missing[ext]).sum())
    u_new = u[new].sum()
    if assumptions.new_indicators == "scale_min":
        b += u_new * b_fw.scale_min
    elif assumptions.new_indicators == "scale_max":
        b += u_new * b_fw.scale_max
    else:  # own_mean: the plain mean of the carried leaves, itself affine in x
        a = a + u_new * alpha * lm.matrix[:, carried].mean(axis=1)
        b += u_new * beta
    return a, float(b), float(b), carried
