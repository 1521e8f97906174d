"""The scoring engine: the one place where values are aggregated up a framework's tree and banded.

* :func:`score` — indicator values (levels) → every aspect (aspek), domain, ... and the index, with the
  predicate (predikat); external indices converted by the framework's rules (:func:`convert_external`).
* :func:`index_from` — the index from published values at any level (:func:`index_from_domains`,
  :func:`index_from_aspects`).
* :func:`predicate`, :func:`band_codes`, :func:`distance_to_edge` — banding by the framework's own bands and
  edge rule, identical on every path (the only banding implementation of the package).
* :func:`weighted_mean` — the pluggable means (arithmetic, geometric, harmonic, power mean with any exponent)
  every aggregation goes through; :func:`evaluate` runs them level by level over a whole tree.

Every aggregation is a weighted mean of a node's children (PermenPANRB 59/2020 Lampiran B.4; PermenPANRB
8/2026 Bagian B). With arithmetic means (the official method) the whole tree is one matrix product.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from . import checks
from .errors import SPBEError
from .frameworks import Framework, get_framework
from .means import mean_exponent, weighted_mean

__all__ = [
    "score", "index_from", "index_from_domains", "index_from_aspects", "predicate", "band_codes", "band_index",
    "distance_to_edge", "weighted_mean", "mean_exponent", "evaluate", "input_level", "evaluate_draws", "leaf_weights_of",
    "convert_external", "rounding_tolerance", "EDGE_EPS", "PREDICATES", "PREDICATE_BANDS",
]

#: An index within this distance below a band edge counts as on the edge (float noise such as
#: 2.5999999999999996 for 2.6 never lowers a predicate). The one tolerance of banding.
EDGE_EPS = 1e-9
_DEFAULT = "2020"


# --------------------------------------------------------------------------------------------- banding
def band_index(x: np.ndarray, framework, rule: str | None = None) -> np.ndarray:
    """The value actually compared with the band edges: unrounded, or rounded half up to the framework's
    ``band_decimals`` when the edge rule (or ``rule``) is ``"rounded"``."""
    fw = get_framework(framework)
    rule = fw.edge_rule if rule is None else checks.choice(rule, name="rule", options=("unrounded", "rounded"))
    x = np.asarray(x, dtype=float)
    if rule == "rounded":
        f = 10.0 ** fw.band_decimals
        return np.floor(x * f + 0.5 + EDGE_EPS * f) / f
    return x


def band_codes(x, framework, rule: str | None = None) -> np.ndarray:
    """Band number (0 = lowest predicate) of each value; NaN gives -1. The only banding rule of the package:
    lower edges belong to their band, applied to :func:`band_index` with :data:`EDGE_EPS` tolerance."""
    fw = get_framework(framework)
    v = band_index(x, fw, rule)
    codes = np.zeros(v.shape, dtype=np.int8)
    for edge in fw.band_edges - EDGE_EPS:  # a handful of edges: one comparison each beats a binary search
        codes += v >= edge
    nan = np.isnan(v)
    if nan.any():
        codes[nan] = -1
    return codes


def _predicate_dtype(fw: Framework) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(fw.predicates), ordered=True)


def predicate(x, framework=_DEFAULT, *, rule: str | None = None):
    """Predikat (predicate) of index values by ``framework``'s bands: a str for a scalar, an ordered
    categorical for an array, a Series for a Series.

    Bands and their edge rule come from the framework's definition (``get_framework(...).bands_table``), lower
    edges belonging to their band. ``rule`` overrides the edge rule
    (``"unrounded"`` or ``"rounded"``). Missing, non-numeric or off-scale values raise :class:`SPBEError`.

    >>> predicate(2.59), predicate(2.59, "8/2026")
    ('Cukup', 'Baik')
    """
    fw = get_framework(framework)
    scalar = np.ndim(x) == 0 and not isinstance(x, (pd.Series, np.ndarray, list, tuple))
    values, index = checks.numeric_vector(x, what="index", field="index")
    _check_index_range(values, fw, index)
    codes = band_codes(values, fw, rule)
    if scalar:
        return fw.predicates[int(codes[0])]
    cat = pd.Categorical.from_codes(codes, dtype=_predicate_dtype(fw))
    if index is not None:
        return pd.Series(cat, index=index, name="predicate")
    return cat


def _check_index_range(values: np.ndarray, fw: Framework, index) -> None:
    bad = np.isnan(values) | (values < fw.scale_min - EDGE_EPS) | (values > fw.scale_max + EDGE_EPS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        label = index[i] if index is not None else i
        what = "is missing" if np.isnan(values[i]) else f"{values[i]:g} is outside {fw.name}'s scale {fw.scale_min:g}-{fw.scale_max:g}"
        raise SPBEError(f"index {what}", row=label, field="index")


def distance_to_edge(x, framework=_DEFAULT) -> np.ndarray:
    """Distance (index points) from each value to the nearest inner band edge; 0 on an edge."""
    fw = get_framework(framework)
    x = np.asarray(x, dtype=float)
    return np.round(np.abs(x[..., None] - fw.band_edges).min(axis=-1), 9)


def _methods(fw: Framework, aggregation) -> dict:
    spec = dict(fw.aggregation)
    if aggregation is None:
        pass
    elif isinstance(aggregation, dict):
        for lv, m in aggregation.items():
            if lv not in spec:
                raise SPBEError(f"{fw.name} has no aggregating level {lv!r} (levels with children: "
                                f"{', '.join(spec)})", field="aggregation")
            spec[lv] = m
    else:
        spec = {lv: aggregation for lv in spec}
    return {lv: mean_exponent(m) for lv, m in spec.items()}


def evaluate(values: np.ndarray, framework, aggregation=None) -> np.ndarray:
    """Value of every internal node (children before parents, the index last) for each row of ``values``
    (n × n_leaves, framework order): (n × n_internal). Arithmetic means everywhere are one matrix product."""
    fw = get_framework(framework)
    comp = fw.compiled
    methods = _methods(fw, aggregation)
    if all(p == 1.0 for p in methods.values()):
        return values @ comp.composition
    n_leaf = len(comp.leaves)
    allv = np.empty((len(values), n_leaf + len(comp.internal)))
    allv[:, :n_leaf] = values
    for level, child_cols, out_cols, W in comp.steps:
        allv[:, n_leaf + out_cols] = weighted_mean(allv[:, child_cols], W, methods[level])
    return allv[:, n_leaf:]


# --------------------------------------------------------------------------------------------- many draws
def leaf_weights_of(framework, step_weights=None) -> np.ndarray:
    """Weight of each leaf in the index (fractions, rows sum 1) for each of d weight sets: (d × n_leaves).

    ``step_weights``: one entry per step of ``framework.compiled.steps``, each ``None`` (the official
    relative weights) or a (d × children × parents) array of relative weights (columns sum 1). A leaf's
    weight is the product of the relative weights on its path to the root.
    """
    fw = get_framework(framework)
    comp = fw.compiled
    ws = _step_weight_arrays(comp, step_weights)
    d = ws[0].shape[0]
    n_leaf = len(comp.leaves)
    node = np.zeros((d, n_leaf + len(comp.internal)))
    node[:, -1] = 1.0  # the root is the last internal node
    for (_, child_cols, out_cols, _), W in zip(reversed(comp.steps), reversed(ws)):
        node[:, child_cols] = np.einsum("dcg,dg->dc", W, node[:, n_leaf + out_cols])
    return node[:, :n_leaf]


def _step_weight_arrays(comp, step_weights) -> list:
    """Per-step (d × c × g) weight arrays; official steps broadcast to the common number of draws d."""
    if step_weights is None:
        step_weights = [None] * len(comp.steps)
    if len(step_weights) != len(comp.steps):
        raise SPBEError(f"step_weights needs one entry per aggregation step ({len(comp.steps)}), got "
                        f"{len(step_weights)}", field="step_weights")
    ds = {np.shape(w)[0] for w in step_weights if w is not None}
    if len(ds) > 1:
        raise SPBEError(f"step_weights hold different numbers of draws {sorted(ds)}", field="step_weights")
    d = ds.pop() if ds else 1
    out = []
    for (lv, child_cols, out_cols, W0), w in zip(comp.steps, step_weights):
        if w is None:
            out.append(np.broadcast_to(W0, (d,) + W0.shape))
            continue
        w = np.asarray(w, dtype=float)
        if w.shape != (d,) + W0.shape:
            raise SPBEError(f"weights of the {lv} step must have shape {(d,) + W0.shape}, got {w.shape}",
                            field="step_weights")
        out.append(w)
    return out


def _phi(x: np.ndarray, p: float) -> np.ndarray:
    """The transform under which a power mean of exponent p is a weighted sum."""
    if p == 1.0:
        return x
    with np.errstate(divide="ignore"):
        return np.log(x) if p == 0.0 else x ** p


def _phi_inverse(t: np.ndarray, p: float) -> np.ndarray:
    if p == 1.0:
        return t
    with np.errstate(divide="ignore", over="ignore"):
        return np.exp(t) if p == 0.0 else t ** (1.0 / p)


def evaluate_draws(values, framework, *, step_weights=None, aggregation=None, moves=None,
                   n_draws: int | None = None) -> np.ndarray:
    """The index of every unit under each of d draws of weights and/or values: (d × n).

    The multi-draw form of :func:`evaluate`, for Monte Carlo and Sobol designs.

    ``values``: (n × n_leaves) in framework leaf order, or (d × n × n_leaves) when each draw has its own values.
    ``step_weights``: per-step relative weights of each draw (see :func:`leaf_weights_of`); ``None`` = official.
    ``aggregation``: one mean for every level, or ``{level: mean}`` (default: the framework's own).
    ``moves``: ``(draw, row, col, value)`` arrays: draw ``draw`` sees ``value`` in cell (``row``, ``col``) instead
    of ``values[row, col]`` — a sparse form of per-draw values (measurement error that moves a few levels).
    ``n_draws``: number of draws when neither ``step_weights`` nor 3-D ``values`` say it.

    When one power mean (exponent p) is used at every level, nested means compose into a single power mean
    with the leaf weights of :func:`leaf_weights_of` (``M_p(M_p(x)) = M_p(x)`` with multiplied weights), so
    the index is one matrix product under the transform ``x^p`` (``log x`` for p = 0) and a move costs one
    addition. Otherwise (different means per level, or zeros under p ≤ 0) every level goes through
    :func:`weighted_mean` with per-draw weights.
    """
    fw = get_framework(framework)
    comp = fw.compiled
    values = np.asarray(values, dtype=float)
    if values.ndim not in (2, 3) or values.shape[-1] != len(comp.leaves):
        raise SPBEError(f"values must be (n × {len(comp.leaves)}) or (draws × n × {len(comp.leaves)}), got shape "
                        f"{values.shape}", field="values")
    ws = _step_weight_arrays(comp, step_weights)
    d = ws[0].shape[0] if step_weights is not None and any(w is not None for w in step_weights) else None
    for cand in (values.shape[0] if values.ndim == 3 else None, n_draws):
        if cand is not None:
            if d is not None and cand != d:
                raise SPBEError(f"the inputs give {d} and {cand} draws", field="n_draws")
            d = int(cand)
    d = 1 if d is None else d
    if d != ws[0].shape[0]:
        ws = [np.broadcast_to(w[0], (d,) + w.shape[1:]) if w.shape[0] == 1 else w for w in ws]
    n = values.shape[-2]
    if moves is not None:
        m_draw, m_row, m_col, m_val = (np.asarray(a) for a in moves)
        m_val = m_val.astype(float)
    methods = set(_methods(fw, aggregation).values())
    p = methods.pop() if len(methods) == 1 else None
    if p is not None and p <= 0:
        has_zero = (values == 0).any() or (moves is not None and (m_val == 0).any())
        p = None if has_zero else p
    if p is not None:  # one power mean everywhere: composed leaf weights, one product
        w = leaf_weights_of(fw, ws)
        tv = _phi(values, p)
        if tv.ndim == 2:
            t = w @ tv.T
        else:
            t = np.matmul(tv, w[:, :, None])[..., 0]
        if moves is not None and len(m_draw):
            k = values.shape[-1]
            it = np.int32 if d * n * k < 2**31 else np.int64  # narrow indices when they fit: less memory traffic
            m_draw, m_row, m_col = m_draw.astype(it, copy=False), m_row.astype(it, copy=False), m_col.astype(
                it, copy=False)
            cell = m_row * it(k) + m_col
            base = tv.reshape(-1, n * k)[m_draw if values.ndim == 3 else 0, cell]
            delta = w.ravel()[m_draw * it(k) + m_col] * (_phi(m_val, p) - base)
            t += np.bincount(m_draw * it(n) + m_row, weights=delta, minlength=d * n).reshape(d, n)
        return _phi_inverse(t, p)
    full = np.array(np.broadcast_to(values, (d,) + values.shape[-2:]))
    if moves is not None and len(m_draw):
        full[m_draw, m_row, m_col] = m_val
    spec = _methods(fw, aggregation)
    n_leaf = len(comp.leaves)
    allv = np.empty((d, n, n_leaf + len(comp.internal)))
    allv[..., :n_leaf] = full
    for (level, child_cols, out_cols, _), W in zip(comp.steps, ws):
        allv[..., n_leaf + out_cols] = weighted_mean(allv[..., child_cols], W, spec[level])
    return allv[..., -1]


# --------------------------------------------------------------------------------------------- inputs
def _wide_from_long(levels: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    keys = levels["indicator"].map(checks.label_key)
    dup = pd.DataFrame({"unit": levels["unit"], "indicator": keys}).duplicated(keep=False)
    if dup.any():
        r = levels[dup].iloc[0]
        raise SPBEError(f"indicator {keys[dup].iloc[0]} given more than once for unit {r.unit!r}", row=r.unit,
                        field=keys[dup].iloc[0])
    unknown = ~keys.isin(fw.indicator_codes)
    if unknown.any():
        i = np.flatnonzero(unknown.to_numpy())[0]
        raise SPBEError(f"unknown indicator {keys.iloc[i]!r} for {fw.name}", row=levels["unit"].iloc[i],
                        field=keys.iloc[i])
    long = pd.DataFrame({"unit": levels["unit"].to_numpy(), "indicator": keys.to_numpy(),
                         "level": levels["level"].to_numpy(dtype=object)})
    wide = long.pivot(index="unit", columns="indicator", values="level")
    return wide


def _frame_columns(levels: pd.DataFrame, fw: Framework, optional: set) -> tuple[pd.DataFrame, list]:
    """Normalise column labels to leaf codes; return the frame and the leaf codes it holds."""
    checks.frame(levels, name="levels")
    if {"unit", "indicator", "level"} <= set(levels.columns):
        levels = _wide_from_long(levels, fw)
    elif "unit" in levels.columns:
        if levels["unit"].duplicated().any():
            u = levels["unit"][levels["unit"].duplicated()].iloc[0]
            raise SPBEError(f"unit {u!r} appears more than once", row=u, field="unit")
        levels = levels.set_index("unit")
    keys = [checks.label_key(c) for c in levels.columns]
    codes = fw.indicator_codes
    unknown = [k for k in keys if k not in codes]
    if unknown:
        kids = fw.children(unknown[0]) if unknown[0] in fw._nodes["code"].tolist() else ()
        hint = f" (it is scored through its parts {', '.join(kids)})" if kids else ""
        raise SPBEError(f"unknown indicator {unknown[0]!r} for {fw.name}{hint}", field=unknown[0])
    dups = pd.Index(keys)[pd.Index(keys).duplicated()]
    if len(dups):
        raise SPBEError(f"indicator {dups[0]} appears in more than one column", field=dups[0])
    missing = [c for c in codes if c not in keys and c not in optional]
    if missing:
        raise SPBEError(f"missing indicator {missing[0]} ({len(missing)} of {len(codes)} missing) for {fw.name}",
                        field=missing[0])
    if levels.index.has_duplicates:
        u = levels.index[levels.index.duplicated()][0]
        raise SPBEError(f"unit {u!r} appears more than once", row=u)
    return levels.set_axis(keys, axis=1), [c for c in codes if c in keys]


def _check_values(mat: np.ndarray, units, codes, fw: Framework, integer_cols: np.ndarray, what: str = "level",
                  missing: str = "raise", check_range: bool = True) -> None:
    """NaN, range and whole-number checks on a numeric matrix; the error names unit and field."""
    if mat.size == 0:
        return
    if mat.dtype.kind in "iu":
        if not check_range or (mat.min() >= fw.scale_min and mat.max() <= fw.scale_max):
            return
        mat = mat.astype(float)
    lo, hi = fw.scale_min - EDGE_EPS, fw.scale_max + EDGE_EPS
    if check_range and not integer_cols.any() and mat.min() >= lo and mat.max() <= hi:
        return  # two reductions, no temporaries: NaN and ±inf fail them and fall through to the detailed check
    with np.errstate(invalid="ignore"):
        bad = (mat < lo) | (mat > hi) if check_range else np.zeros(mat.shape, bool)
        bad |= np.isinf(mat)
        if missing == "raise":
            bad |= np.isnan(mat)
        if integer_cols.any():
            sub = mat[:, integer_cols]
            frac = (sub != np.floor(sub)) & ~np.isnan(sub)
            bad[:, integer_cols] |= frac
    if bad.any():
        r, c = np.argwhere(bad)[0]
        v = mat[r, c]
        if np.isnan(v):
            why = "is missing" + (" (pass missing='propagate' to get NaN for such rows)" if what != "level" else "")
        elif np.isinf(v):
            why = f"= {v} is not finite"
        elif v < lo or v > hi:
            why = f"= {v:g} is outside {fw.name}'s {'levels' if fw.is_integer and what == 'level' else 'scale'} " \
                  f"{fw.scale_min:g}-{fw.scale_max:g}"
        else:
            why = f"= {v:g} is not a whole number ({fw.name} scores whole levels)"
        raise SPBEError(f"{what} {why}", row=units[r], field=codes[c])


def _level_matrix(levels, fw: Framework, optional: set) -> tuple[np.ndarray, pd.Index, list]:
    """Levels as a numeric matrix (integer or float64) over the given leaf codes (framework order), not yet
    range-checked (:func:`_aggregate_checked` checks them chunk by chunk)."""
    if isinstance(levels, np.ndarray):
        n_leaf = len(fw.indicator_codes)
        if levels.ndim != 2 or levels.shape[1] != n_leaf:
            raise SPBEError(f"a level array must be 2-D with {n_leaf} columns in {fw.name} indicator order, got shape "
                            f"{levels.shape}")
        codes = list(fw.indicator_codes)
        units = pd.RangeIndex(len(levels), name="unit")
        if levels.dtype.kind in "iu" or (levels.dtype.kind == "f" and levels.dtype.itemsize >= 8):
            return levels, units, codes
        levels = pd.DataFrame(levels, columns=codes)
    if not isinstance(levels, pd.DataFrame):
        raise SPBEError(f"levels must be a DataFrame (wide or long) or a 2-D array, got {type(levels).__name__}")
    frame, codes = _frame_columns(levels, fw, optional)
    units = frame.index
    kinds = {frame[c].dtype.kind if isinstance(frame[c].dtype, np.dtype) else "x" for c in codes}
    if kinds <= set("iu") and codes:
        mat = frame[codes].to_numpy()  # integer levels stay integer (no float copy of the whole table)
    else:
        mat = checks.numeric_matrix(frame, codes, what="level")
    return mat, units, codes


def _integer_cols(fw: Framework, codes) -> np.ndarray:
    if not fw.is_integer:
        return np.zeros(len(codes), bool)
    converted = {c.indicator for c in fw.conversions}
    return np.array([c not in converted for c in codes], dtype=bool)


# --------------------------------------------------------------------------------------------- conversions
def _external_matrix(external, fw: Framework, units) -> tuple[np.ndarray, list]:
    """External scores as a (units × converted indicators) matrix, rows aligned to ``units``."""
    checks.frame(external, name="external")
    ext = external.set_index("unit") if "unit" in external.columns else external
    if ext.index.has_duplicates:
        u = ext.index[ext.index.duplicated()][0]
        raise SPBEError(f"unit {u!r} appears more than once in external", row=u, field="unit")
    by_id = {c.id: c.indicator for c in fw.conversions}
    keys = [by_id.get(str(c), checks.label_key(c)) for c in ext.columns]
    allowed = {c.indicator for c in fw.conversions}
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise SPBEError(f"{bad[0]!r} is not an indicator fed by an external index in {fw.name} (those are: "
                        f"{', '.join(f'{c.indicator} ({c.id})' for c in fw.conversions) or 'none'})", field=bad[0])
    if len(set(keys)) != len(keys):
        raise SPBEError("an external index is given twice (by indicator code and by conversion id)", field="external")
    ext = ext.set_axis(keys, axis=1)
    if units is not None and not ext.index.equals(units):
        if not units.isin(ext.index).any():
            raise SPBEError("no unit of levels appears in external (align them by index or a 'unit' column)",
                            field="unit")
        ext = ext.reindex(units)
    mat = np.asfortranarray(checks.numeric_matrix(ext, keys, what="external index"))  # columns contiguous
    for j, k in enumerate(keys):
        conv = fw.conversion_for(k)
        col = mat[:, j]
        off = ~np.isnan(col) & ((col < conv.input_min - EDGE_EPS) | (col > conv.input_max + EDGE_EPS) | np.isinf(col))
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise SPBEError(f"external index {col[i]:g} is outside {conv.external_index!r}'s range "
                            f"{conv.input_min:g}-{conv.input_max:g}", row=ext.index[i], field=k)
    return mat, keys


def convert_external(external: pd.DataFrame, framework, *, missing_external: str = "raise") -> pd.DataFrame:
    """External indices → indicator values by the framework's conversions, one tidy row per unit × indicator:
    ``unit``, ``indicator``, ``conversion``, ``external_index``, ``external_value``, ``value``, ``rule``.

    ``external``: one row per unit (index, or a ``unit`` column), columns = converted indicator codes or
    conversion ids (``"sdi"``, ``"epss"``...). A missing external value raises unless
    ``missing_external="rule"``: then the framework's rule applies (PermenPANRB 8/2026: assessors set the
    indicator to 1) and the row says so.
    """
    fw = get_framework(framework)
    checks.choice(missing_external, name="missing_external", options=("raise", "rule"))
    mat, keys = _external_matrix(external, fw, None)
    units = (external.set_index("unit") if "unit" in external.columns else external).index
    values, rules = _convert(mat, keys, fw, units, missing_external)
    n, k = values.shape
    rule = np.column_stack([np.asarray(rules[c], dtype=object) for c in keys]) if k else np.empty((n, 0), object)
    return pd.DataFrame({
        "unit": np.repeat(units.to_numpy(), k), "indicator": np.tile(keys, n),
        "conversion": np.tile([fw.conversion_for(c).id for c in keys], n),
        "external_index": np.tile([fw.conversion_for(c).external_index for c in keys], n),
        "external_value": mat.ravel(), "value": values.ravel(), "rule": rule.ravel(),
    })


def _convert(mat, keys, fw, units, missing_external) -> tuple[np.ndarray, dict]:
    """Converted values (n × k) and, per indicator, the rule that produced each value as a categorical."""
    values = np.empty_like(mat, order="F")  # filled and read column by column
    rules = {}
    for j, k in enumerate(keys):
        conv = fw.conversion_for(k)
        col = mat[:, j]
        values[:, j] = conv.apply(col)
        gap = np.isnan(col)
        if gap.any() and (missing_external == "raise" or conv.missing is None):
            i = int(np.flatnonzero(gap)[0])
            how = ("pass missing_external='rule' to apply the assessors' rule" if conv.missing is not None
                   else f"{fw.name} declares no rule for a missing {conv.id}")
            raise SPBEError(f"external index {conv.external_index!r} is missing ({how})", row=units[i], field=k)
        labels = [conv.describe()]
        if conv.missing is not None:
            labels.append(f"{conv.id}: external index missing → {conv.missing:g} (assessors' rule)")
            values[gap, j] = conv.missing
        rules[k] = pd.Categorical.from_codes(gap.astype(np.int8), categories=labels) if len(labels) > 1 else \
            pd.Categorical.from_codes(np.zeros(len(col), np.int8), categories=labels)
    return values, rules


# --------------------------------------------------------------------------------------------- score
def score(levels, framework, *, external=None, missing_external: str = "raise", aggregation=None) -> pd.DataFrame:
    """Score indicator values into every aggregate of the framework, the index and the predicate.

    ``levels``: wide (one row per unit, columns = indicator codes; an optional ``unit`` column becomes the
    index), long (columns ``unit``, ``indicator``, ``level``) or a 2-D array in framework order. Integer
    frameworks (SPBE) take whole levels; continuous ones (Indeks Pemdi) any value on the scale.
    ``external``: other agencies' indices for the indicators they feed (see :func:`convert_external`); such
    indicators may then be left out of ``levels``. ``missing_external``: ``"raise"`` or ``"rule"`` (a
    missing external index takes the framework's declared value, e.g. 1 under PermenPANRB 8/2026).
    ``aggregation``: the mean used at every level, or ``{level: mean}`` (default: the framework's own).

    Returns one row per unit (same index) with the values of every node above the indicators (``A1``…,
    ``D1``…), ``index`` and ``predicate``; with external indices also ``converted_<code>`` and
    ``rule_<code>`` saying which rule produced each converted value.
    """
    fw = get_framework(framework)
    converted = {c.indicator for c in fw.conversions}
    use_external = external is not None or missing_external == "rule"
    checks.choice(missing_external, name="missing_external", options=("raise", "rule"))
    mat, units, codes = _level_matrix(levels, fw, converted if use_external else set())
    conv_cols: dict = {}
    if use_external and converted - set(codes) or external is not None:
        need = [c for c in fw.indicator_codes if c in converted and c not in codes]
        given = [c for c in fw.indicator_codes if c in converted and c in codes]
        if external is not None:
            ext, keys = _external_matrix(external, fw, units)
            clash = [k for k in keys if k in given]
            if clash:
                raise SPBEError(f"indicator {clash[0]} is given both as a level and as an external index",
                                field=clash[0])
        else:
            ext, keys = np.empty((len(units), 0)), []
        absent = [c for c in need if c not in keys]
        if absent:
            ext = np.hstack([ext, np.full((len(units), len(absent)), np.nan)])
            keys = keys + absent
        values, rules = _convert(ext, keys, fw, units, missing_external)
        conv_cols = {c: (values[:, j], rules[c]) for j, c in enumerate(keys)}
        return _result([(mat, codes), (values, keys)], units, fw, aggregation, conv_cols)
    elif len(codes) != len(fw.indicator_codes):  # pragma: no cover - _frame_columns guarantees all codes
        raise SPBEError("missing indicators", field="levels")
    return _result([(mat, codes)], units, fw, aggregation)


#: Bytes of input validated, aggregated and banded at a time: memory for the float copy is bounded by it, and a
#: chunk that stays in the CPU cache is read from there by the range check, the product and the banding
#: (measured: 1M × 20 Pemdi values, check + product 24 ms in 4,096-row chunks against 33 ms in 32,768-row ones).
CHUNK_BYTES = 1 << 20
#: Bounds on the rows of a chunk (narrow frameworks get more rows, wide ones fewer).
CHUNK_ROWS = (1_024, 32_768)


def _chunk_rows(n_cols: int) -> int:
    lo, hi = CHUNK_ROWS
    return int(min(hi, max(lo, CHUNK_BYTES // (8 * max(n_cols, 1)))))


def _result(parts: list, units, fw: Framework, aggregation, conv_cols=None) -> pd.DataFrame:
    """Validate and aggregate the inputs chunk by chunk; ``parts`` are (matrix, leaf codes) pairs that together
    cover every leaf: the levels as given, and the converted external indices (valid by construction)."""
    comp = fw.compiled
    reported = list(comp.reported)
    pos = {c: i for i, c in enumerate(fw.indicator_codes)}
    methods = _methods(fw, aggregation)
    arithmetic = all(p == 1.0 for p in methods.values())
    rows = [[pos[c] for c in codes] for _, codes in parts]
    blocks = [comp.composition[r][:, reported] for r in rows]
    integer_cols = _integer_cols(fw, parts[0][1])
    n = len(units)
    out = np.empty((n, len(reported)))  # row-major: each chunk's product is written in place, contiguously
    index = np.empty(n)  # the index column, contiguous, for one banding pass at the end
    step = _chunk_rows(len(pos))
    for start in range(0, n, step):
        stop = min(start + step, n)
        first = parts[0][0][start:stop]
        _check_values(first, units[start:stop], parts[0][1], fw, integer_cols)
        if arithmetic:
            np.matmul(first.astype(float, copy=False), blocks[0], out=out[start:stop])
            for (m, _), blk in zip(parts[1:], blocks[1:]):
                out[start:stop] += m[start:stop] @ blk
        else:
            full = np.empty((stop - start, len(pos)))
            for (m, _), r in zip(parts, rows):
                full[:, r] = m[start:stop]
            out[start:stop] = evaluate(full, fw, aggregation)[:, reported]
        index[start:stop] = out[start:stop, -1]  # copied while the chunk is in the cache
    names = [comp.internal[i] for i in reported[:-1]] + ["index"]
    result = pd.DataFrame(out, index=units, columns=names, copy=False)
    extra = {"predicate": pd.Categorical.from_codes(band_codes(index, fw), dtype=_predicate_dtype(fw))}
    for c, (v, r) in (conv_cols or {}).items():
        extra[f"converted_{c}"] = v
        extra[f"rule_{c}"] = r
    return pd.concat([result, pd.DataFrame(extra, index=units)], axis=1)


# --------------------------------------------------------------------------------------------- index_from
def input_level(data: pd.DataFrame, framework, *, allow_indicators: bool = True) -> str:
    """The deepest level of ``framework`` that ``data`` gives: every code of the level is a column with at least
    one value (a panel's empty columns of another framework's parts do not count). Raises naming the first
    missing column of the top level when no level is given."""
    fw = get_framework(framework)
    checks.frame(data, name="data")

    def given(codes) -> bool:
        return all(c in data.columns and data[c].notna().any() for c in codes)

    if allow_indicators and given(fw.indicator_codes):
        return fw.indicator_level
    for lv in reversed(fw.tree_levels[1:]):
        if lv != fw.indicator_level and given(fw.codes(lv)):
            return lv
    top = fw.codes(fw.top_level)
    missing = next((c for c in top if c not in data.columns or data[c].isna().all()), top[0])
    raise SPBEError(f"data need the columns of one level of {fw.name} (e.g. {', '.join(top)}"
                    f"{', or every indicator' if allow_indicators else ''}); {missing!r} is missing or empty",
                    field=missing)


def index_from(values: pd.DataFrame, framework, level: str | None = None, *, missing: str = "raise",
               check_range: bool = True, aggregation=None) -> pd.Series:
    """The index from published values at one level (columns = that level's codes; other columns ignored).

    ``level`` defaults to the level right below the index (domains for SPBE, aspects for Indeks Pemdi).
    A missing value raises unless ``missing="propagate"`` (NaN for that row, on purpose); a value off the
    scale raises unless ``check_range=False`` (for auditing printed values that are off the scale, such
    as a D4 of 0.30 under 59/2020).
    """
    fw = get_framework(framework)
    level = fw.top_level if level is None else level
    sub_fw = fw.truncated(level)
    codes = list(fw.codes(level))
    checks.choice(missing, name="missing", options=("raise", "propagate"))
    checks.frame(values, name=f"{level} values")
    absent = [c for c in codes if c not in values.columns]
    if absent:
        raise SPBEError(f"missing {level} column {absent[0]} for {fw.name} (needs {', '.join(codes)})",
                        field=absent[0])
    mat = checks.numeric_matrix(values, codes, what=level)
    _check_values(mat, values.index, codes, sub_fw, np.zeros(len(codes), bool), what=f"{level} value", missing=missing,
                  check_range=check_range)
    idx = evaluate(mat, sub_fw, aggregation)[:, -1]
    return pd.Series(idx, index=values.index, name="index")


def index_from_domains(domains: pd.DataFrame, framework, *, missing: str = "raise", check_range: bool = True,
                       aggregation=None) -> pd.Series:
    """The index from published domain values (``D1``…): ``Σ_d w_d · D_d`` under the official weights."""
    return index_from(domains, framework, "domain", missing=missing, check_range=check_range, aggregation=aggregation)


def index_from_aspects(aspects: pd.DataFrame, framework, *, missing: str = "raise", check_range: bool = True,
                       aggregation=None) -> pd.Series:
    """The index from published aspect values (``A1``…)."""
    return index_from(aspects, framework, "aspect", missing=missing, check_range=check_range, aggregation=aggregation)


def rounding_tolerance(framework, decimals: int = 2, level: str | None = None) -> float:
    """Largest |printed index − index recomputed from printed values at ``level``| that rounding explains.

    ``h·(1 + Σ w)`` with ``h`` half a unit of the last printed decimal and ``Σ w = 1`` for a weighted mean:
    0.01 at 2 decimals for every shipped framework.
    """
    fw = get_framework(framework)
    decimals = checks.count(decimals, name="decimals", lo=0, hi=12)
    level = fw.top_level if level is None else level
    h = 0.5 * 10.0 ** (-decimals)
    return float(h * (1.0 + fw.weights(level).sum()))


#: Predicate names of the SPBE frameworks (5/2018, 59/2020; the same five words name the 8/2026 bands).
PREDICATES = get_framework(_DEFAULT).predicates
#: Lower band edges of ``PREDICATES[1:]`` under PermenPANRB 59/2020 (read from its definition).
PREDICATE_BANDS = tuple(float(x) for x in get_framework(_DEFAULT).band_edges)
