"""Index recomputation: levels → aspect (aspek) → domain → SPBE index → predicate (predikat).

Every aggregation is a weighted mean (PermenPANRB 59/2020 Lampiran §B.4; the 2018 workbook's
``Rekap`` sheet computes the same), done as matrix products over all units at once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SPBEError
from .frameworks import Framework, get_framework

__all__ = ["score", "index_from_domains", "index_from_aspects", "predicate", "rounding_tolerance", "PREDICATES", "PREDICATE_BANDS"]

#: Predicates (predikat) from low to high.
PREDICATES = ("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan")
#: Lower band edges of ``PREDICATES[1:]`` (PermenPANRB 59/2020 Lampiran Tabel 13), applied to the unrounded index.
PREDICATE_BANDS = (1.8, 2.6, 3.5, 4.2)
# An index computed from levels can land a hair under a band edge through float rounding
# (2.6 as 2.5999999999999996); anything within this distance of an edge counts as on it.
_EDGE_EPS = 1e-9
_PREDICATE_DTYPE = pd.CategoricalDtype(PREDICATES, ordered=True)


def predicate(x):
    """Predikat (predicate) of an index value: a str for a scalar, an ordered categorical otherwise.

    Bands apply to the unrounded index: Memuaskan ≥ 4.2, Sangat Baik ≥ 3.5, Baik ≥ 2.6,
    Cukup ≥ 1.8, Kurang < 1.8. Missing or out-of-range values raise :class:`SPBEError`.
    """
    scalar = np.ndim(x) == 0
    arr = np.asarray(pd.to_numeric(pd.Series(np.atleast_1d(x)), errors="coerce"), dtype=float)
    bad = np.isnan(arr) | (arr < 0) | (arr > 5 + _EDGE_EPS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        label = x.index[i] if isinstance(x, pd.Series) else i
        raise SPBEError(f"index must be a number from 0 to 5, got {np.atleast_1d(x)[i]!r}", row=label, field="index")
    codes = np.searchsorted(np.asarray(PREDICATE_BANDS), arr + _EDGE_EPS, side="right")
    if scalar:
        return PREDICATES[int(codes[0])]
    cat = pd.Categorical.from_codes(codes, dtype=_PREDICATE_DTYPE)
    if isinstance(x, pd.Series):
        return pd.Series(cat, index=x.index, name="predicate")
    return cat


def _indicator_key(col) -> str:
    """Normalise a column label to an indicator code: 7, 7.0, '7', ' 7 ' → '7'; '35-1' stays."""
    if isinstance(col, (int, np.integer)):
        return str(int(col))
    if isinstance(col, float) and col.is_integer():
        return str(int(col))
    return str(col).strip()


def _wide_from_long(levels: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    missing = {"unit", "indicator", "level"} - set(levels.columns)
    if missing:
        raise SPBEError(f"long-format levels need columns unit, indicator, level; missing {sorted(missing)}", field=sorted(missing)[0])
    keys = levels["indicator"].map(_indicator_key)
    dup = pd.DataFrame({"unit": levels["unit"], "indicator": keys}).duplicated(keep=False)
    if dup.any():
        r = levels[dup].iloc[0]
        raise SPBEError(f"indicator {keys[dup].iloc[0]} given more than once for unit {r.unit!r}", row=r.unit, field=keys[dup].iloc[0])
    unknown = ~keys.isin(fw.indicator_codes)
    if unknown.any():
        i = np.flatnonzero(unknown)[0]
        raise SPBEError(f"unknown indicator {keys.iloc[i]!r} for {fw.name}", row=levels["unit"].iloc[i], field=keys.iloc[i])
    wide = pd.DataFrame({"unit": levels["unit"].to_numpy(), "indicator": keys.to_numpy(), "level": levels["level"].to_numpy()})
    wide = wide.pivot(index="unit", columns="indicator", values="level")
    gaps = wide.isna().to_numpy()
    if gaps.any():
        r, c = np.argwhere(gaps)[0]
        raise SPBEError(f"no level for indicator {wide.columns[c]} of unit {wide.index[r]!r}", row=wide.index[r], field=wide.columns[c])
    return wide


def _check_levels(mat: np.ndarray, units: pd.Index, codes: tuple, fw: Framework) -> None:
    """Range, NaN and whole-number checks on a numeric level matrix; the error names unit and indicator."""
    # Fast path: integer levels need only a range check; floats also need NaN and whole-number checks.
    if mat.dtype.kind in "iu":
        ok = mat.size == 0 or (mat.min() >= fw.level_min and mat.max() <= fw.level_max)
    else:
        ok = bool(np.all((mat >= fw.level_min) & (mat <= fw.level_max))) and bool(np.all(np.mod(mat, 1) == 0))
    if not ok:
        m = mat.astype(float)
        bad = np.isnan(m) | (m < fw.level_min) | (m > fw.level_max) | (m != np.floor(m))
        r, c = np.argwhere(bad)[0]
        v = m[r, c]
        why = ("is missing" if np.isnan(v) else
               f"= {v:g} is not a whole number" if v != np.floor(v) else
               f"= {v:g} is outside {fw.name}'s levels {fw.level_min}-{fw.level_max}")
        raise SPBEError(f"level {why}", row=units[r], field=codes[c])


def _level_matrix(levels, fw: Framework) -> tuple[np.ndarray, pd.Index]:
    """Validate levels and return them as a float matrix in the framework's indicator order."""
    if isinstance(levels, np.ndarray):
        if levels.ndim != 2 or levels.shape[1] != len(fw.indicator_codes):
            raise SPBEError(f"a level array must be 2-D with {len(fw.indicator_codes)} columns in {fw.name} indicator order, got shape {levels.shape}")
        if levels.dtype.kind in "iuf":  # already in framework order: no DataFrame round trip
            units = pd.RangeIndex(len(levels), name="unit")
            _check_levels(levels, units, fw.indicator_codes, fw)
            return levels, units
        levels = pd.DataFrame(levels, columns=list(fw.indicator_codes))
    if not isinstance(levels, pd.DataFrame):
        raise SPBEError(f"levels must be a DataFrame (wide or long) or a 2-D array, got {type(levels).__name__}")
    if {"unit", "indicator", "level"} <= set(levels.columns):
        levels = _wide_from_long(levels, fw)
    elif "unit" in levels.columns:
        levels = levels.set_index("unit")
    keys = [_indicator_key(c) for c in levels.columns]
    codes = fw.indicator_codes
    unknown = [k for k in keys if k not in codes]
    if unknown:
        hint = " (the 2018 framework scores indicator 35 as items 35-1, 35-2, 35-3)" if "35" in unknown and fw.short == "2018" else ""
        raise SPBEError(f"unknown indicator {unknown[0]!r} for {fw.name}{hint}", field=unknown[0])
    dups = pd.Index(keys)[pd.Index(keys).duplicated()]
    if len(dups):
        raise SPBEError(f"indicator {dups[0]} appears in more than one column", field=dups[0])
    missing = [c for c in codes if c not in keys]
    if missing:
        raise SPBEError(f"missing indicator {missing[0]} ({len(missing)} of {len(codes)} missing) for {fw.name}", field=missing[0])
    levels = levels.set_axis(keys, axis=1)[list(codes)]
    units = levels.index
    if levels.index.has_duplicates:
        raise SPBEError(f"unit {units[units.duplicated()][0]!r} appears more than once", row=units[units.duplicated()][0])

    for c in codes:  # per column, not per row: only object/text columns need a closer look
        col = levels[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            kinds = col.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
            if not kinds.all():
                i = int(np.flatnonzero(~kinds.to_numpy())[0])
                raise SPBEError(f"level must be a number, got {col.iloc[i]!r} (text such as '3,5' is not accepted: convert first)",
                                row=units[i], field=c)
    mat = levels.to_numpy()
    if mat.dtype.kind not in "iuf":
        mat = mat.astype(float)
    _check_levels(mat, units, codes, fw)
    return mat, units


def score(levels, framework) -> pd.DataFrame:
    """Score capability levels into aspect, domain and SPBE index values and a predicate.

    ``levels`` is wide (one row per assessed unit, columns = indicator codes such as ``1``…``47``,
    or ``"35-1"``…``"35-3"`` for the 2018 framework; an optional ``unit`` column becomes the index),
    long (columns ``unit``, ``indicator``, ``level``), or a 2-D array in framework order.
    Returns one row per unit (same index) with ``A1``…, ``D1``…, ``index`` and ``predicate``.
    """
    fw = get_framework(framework)
    mat, units = _level_matrix(levels, fw)
    na, nd = len(fw.aspect_codes), len(fw.domain_codes)
    # Computed transposed into one preallocated block, so the result DataFrame wraps it without a copy.
    out = np.empty((na + nd + 1, len(mat)))
    # One explicit float cast (keeping the memory layout) is faster than letting matmul cast a transposed int array.
    np.matmul(fw.indicator_to_aspect.T, mat.astype(float, copy=False).T, out=out[:na])
    np.matmul(fw.aspect_to_domain.T, out[:na], out=out[na:na + nd])
    np.matmul(fw.domain_weights, out[na:na + nd], out=out[-1])
    result = pd.DataFrame(out.T, index=units, columns=[*fw.aspect_codes, *fw.domain_codes, "index"], copy=False)
    result["predicate"] = pd.Categorical.from_codes(
        np.searchsorted(np.asarray(PREDICATE_BANDS), out[-1] + _EDGE_EPS, side="right"), dtype=_PREDICATE_DTYPE)
    return result


def _weighted(values: pd.DataFrame, codes: tuple, weights: np.ndarray, fw: Framework, what: str, missing: str,
              check_range: bool = True) -> pd.Series:
    if not isinstance(values, pd.DataFrame):
        raise SPBEError(f"{what} values must be a DataFrame with columns {', '.join(codes)}")
    absent = [c for c in codes if c not in values.columns]
    if absent:
        raise SPBEError(f"missing {what} column {absent[0]} for {fw.name} (needs {', '.join(codes)})", field=absent[0])
    if missing not in ("raise", "propagate"):
        raise SPBEError(f"missing must be 'raise' or 'propagate', got {missing!r}", field="missing")
    sub = values[list(codes)]
    for c in codes:
        if not pd.api.types.is_numeric_dtype(sub[c]) or pd.api.types.is_bool_dtype(sub[c]):
            col = sub[c]
            i = int(np.flatnonzero(pd.to_numeric(col, errors="coerce").isna().to_numpy() & col.notna().to_numpy())[0]) if col.notna().any() else 0
            raise SPBEError(f"{what} value must be a number, got {col.iloc[i]!r}", row=sub.index[i], field=c)
    mat = sub.to_numpy(dtype=float, na_value=np.nan)
    lo, hi = fw.level_min, fw.level_max
    nan = np.isnan(mat)
    if missing == "raise" and nan.any():
        r, c = np.argwhere(nan)[0]
        raise SPBEError(f"{what} value is missing (pass missing='propagate' to get NaN for such rows)", row=sub.index[r], field=codes[c])
    out_of_range = ~nan & ((mat < lo - 1e-9) | (mat > hi + 1e-9))
    if check_range and out_of_range.any():
        r, c = np.argwhere(out_of_range)[0]
        raise SPBEError(f"{what} value {mat[r, c]:g} is outside {fw.name}'s range {lo}-{hi}", row=sub.index[r], field=codes[c])
    return pd.Series(mat @ weights, index=values.index, name="index")


def index_from_domains(domains: pd.DataFrame, framework, *, missing: str = "raise", check_range: bool = True) -> pd.Series:
    """SPBE index from published domain indices (columns ``D1``…; other columns are ignored).

    ``index = Σ_d w_d · D_d`` with the framework's domain weights. A missing domain value raises,
    unless ``missing="propagate"``, which returns NaN for that row on purpose. A value outside the
    framework's level range raises, unless ``check_range=False`` (for auditing printed values that are
    off the scale, such as a D4 of 0.30 under 59/2020).
    """
    fw = get_framework(framework)
    return _weighted(domains, fw.domain_codes, fw.domain_weights, fw, "domain", missing, check_range)


def index_from_aspects(aspects: pd.DataFrame, framework, *, missing: str = "raise", check_range: bool = True) -> pd.Series:
    """SPBE index from published aspect indices (columns ``A1``…; other columns are ignored)."""
    fw = get_framework(framework)
    return _weighted(aspects, fw.aspect_codes, fw.aspect_weights, fw, "aspect", missing, check_range)


def domains_from_aspects(aspects: pd.DataFrame, framework) -> pd.DataFrame:
    """Domain indices (``D1``…) from aspect indices (``A1``…): weighted means within each domain."""
    fw = get_framework(framework)
    _weighted(aspects, fw.aspect_codes, fw.aspect_weights, fw, "aspect", "raise")  # validation only
    mat = aspects[list(fw.aspect_codes)].to_numpy(float) @ fw.aspect_to_domain
    return pd.DataFrame(mat, index=aspects.index, columns=list(fw.domain_codes))


def rounding_tolerance(framework, decimals: int = 2) -> float:
    """Largest |printed index − index recomputed from printed domains| that rounding explains.

    ``h·(1 + Σ_d w_d)`` with ``h`` half a unit of the last printed decimal; 0.01 for both
    frameworks at 2 decimals (their weights sum to 1).
    """
    fw = get_framework(framework)
    h = 0.5 * 10.0 ** (-decimals)
    return float(h * (1.0 + fw.domain_weights.sum()))
