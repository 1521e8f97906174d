"""Indonesian decimals in report cells, and the recovery of a lost value from the printed others."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from .. import checks
from ..errors import SPBEError
from ..frameworks import get_framework
from .markdown import _BR

#: Half-width of the rounding interval of every printed value (2 decimals).
ROUNDING_HALF_WIDTH = 0.005

_DECIMAL_PATTERN = r"[+-]?\d+(?:[.,]\d+)?"
_MISSING_MARKS = frozenset({"", "-", "–", "—"})


def _number(v, *, file, row, field, allow_missing: bool) -> float:
    """A value that is not text, by the package's number rules (:mod:`spbe_research.checks`)."""
    try:
        x = checks.to_float(v)
    except checks._Bad as e:
        raise SPBEError(f"not a decimal number: {e.why}", file=file, row=row, field=field) from None
    if math.isnan(x):
        if allow_missing:
            return math.nan
        raise SPBEError("empty cell (missing value)", file=file, row=row, field=field)
    if math.isinf(x):
        raise SPBEError(f"not a finite number: {v!r}", file=file, row=row, field=field)
    return x


def parse_decimal(text, *, file=None, row=None, field=None, allow_missing: bool = False) -> float:
    """Parse one Indonesian decimal ("3,50", "3.50", " 4,00 ", "4,<br>00").

    ``<br>`` tags and whitespace are removed first; both decimal comma and decimal
    point are accepted (one separator at most, digits on both sides). A value that is
    not text follows the package's number rules (:mod:`spbe_research.checks`: ints and
    floats are returned as float; booleans, complex numbers and ±inf are rejected).

    An empty cell (or a lone dash, the reports' "not applicable") returns ``math.nan``
    only if ``allow_missing=True``; otherwise it is an error like any garbage
    (",60", "3,5,0", letters), raised as :class:`SPBEError` naming ``file``, ``row``
    and ``field``.

    >>> parse_decimal("3,50"), parse_decimal("4,<br>00"), parse_decimal("-", allow_missing=True)
    (3.5, 4.0, nan)
    """
    if not isinstance(text, str):
        return _number(text, file=file, row=row, field=field, allow_missing=allow_missing)
    s = "".join(_BR.sub("", text).replace("\u00a0", "").split())
    if s in _MISSING_MARKS:
        if allow_missing:
            return math.nan
        raise SPBEError(f"empty cell {text!r}", file=file, row=row, field=field)
    if not re.fullmatch(_DECIMAL_PATTERN, s):
        raise SPBEError(f"not a decimal number: {text!r}", file=file, row=row, field=field)
    return float(s.replace(",", "."))


def parse_decimal_series(values, *, file=None, field=None, allow_missing: bool = False) -> pd.Series:
    """Vectorised :func:`parse_decimal` for a Series (or list) of cell texts.

    Returns a float Series with the same index. The first bad cell raises
    :class:`SPBEError` with ``row`` = its index label.

    >>> parse_decimal_series(["3,50", "2.1"]).tolist()
    [3.5, 2.1]
    """
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    is_text = s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    out = np.full(len(s), np.nan)
    labels = s.index
    if (~is_text).any():  # typed cells: the package's number rules, each distinct value classified once
        pos = np.flatnonzero(~is_text)
        vals = checks.numeric_column(s.iloc[pos], field=field, what="cell", file=file)
        absent = np.isnan(vals)
        if absent.any() and not allow_missing:
            raise SPBEError("empty cell (missing value)", file=file, row=labels[pos[np.flatnonzero(absent)[0]]], field=field)
        if np.isinf(vals).any():
            i = pos[np.flatnonzero(np.isinf(vals))[0]]
            raise SPBEError(f"not a finite number: {s.iloc[i]!r}", file=file, row=labels[i], field=field)
        out[pos] = vals
    if is_text.any():
        pos = np.flatnonzero(is_text)
        txt = s.iloc[pos].astype(str)
        t = txt.str.replace(_BR, "", regex=True).str.replace(r"\s+", "", regex=True)
        missing = t.isin(_MISSING_MARKS).to_numpy()
        ok = t.str.fullmatch(_DECIMAL_PATTERN).to_numpy(dtype=bool)
        bad = ~ok & ~missing
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SPBEError(f"not a decimal number: {txt.iloc[i]!r}", file=file, row=labels[pos[i]], field=field)
        if missing.any() and not allow_missing:
            i = int(np.flatnonzero(missing)[0])
            raise SPBEError(f"empty cell {txt.iloc[i]!r}", file=file, row=labels[pos[i]], field=field)
        good = ok & ~missing
        out[pos[good]] = t[good].str.replace(",", ".", regex=False).astype("float64").to_numpy()
    return pd.Series(out, index=s.index, dtype="float64")


def recover(row: dict, framework, fields: tuple[str, ...]) -> None:
    """Solve the single lost/garbled value of a report row from the printed others, as an interval.

    Weights, domains, the scale and each domain's value grid (a mean of whole levels lies on multiples of 1/N:
    :meth:`~spbe_research.frameworks.Framework.value_grid`) come from ``framework``.

    Sets ``recovered_*`` on ``row`` (and the flags ``recovered``, ``recovery_inconsistent`` or
    ``unrecoverable`` in ``row["_flags"]``); the printed columns are never written.
    """
    lost = [f for f in fields if math.isnan(row[f])]
    if not lost:
        return
    if len(lost) > 1:
        row["_flags"].append("unrecoverable")
        return
    (f,) = lost
    fw = get_framework(framework)
    domains = fw.domain_codes
    weights = dict(zip(domains, (float(w) for w in fw.domain_weights)))
    lo, hi, method = _interval(row, f, weights, domains, fw.name)
    grid = fw.value_grid(f) if f in domains else None
    candidates, method, inconsistent = _grid_candidates(f, lo, hi, row["_garbled"].get(f), method, grid,
                                                        fw.scale_min, fw.scale_max)
    if inconsistent:
        row["_flags"].append("recovery_inconsistent")
    row["_flags"].append("recovered")
    row.update(
        recovered_field=f, recovered_value=(lo + hi) / 2, recovered_low=lo, recovered_high=hi,
        recovered_candidates=";".join(f"{c:.2f}" for c in candidates) if candidates else None,
        recovery_method=method,
    )


def _interval(row: dict, f: str, w: dict[str, float], domains, fw_name: str) -> tuple[float, float, str]:
    """The interval the lost value ``f`` must lie in, given every printed value is rounded (±h)."""
    h = ROUNDING_HALF_WIDTH
    if f == "index":
        mid = sum(w[d] * row[d] for d in domains)
        half = h * sum(w.values())
        method = f"weighted sum of printed {'-'.join((domains[0], domains[-1]))} ({fw_name} weights), rounding bounds ±0.005"
    else:
        others = [d for d in domains if d != f]
        mid = (row["index"] - sum(w[d] * row[d] for d in others)) / w[f]
        half = h * (1 + sum(w[d] for d in others)) / w[f]
        method = (f"solved from index and {'/'.join(others)} ({fw_name} weights), "
                  "rounding bounds ±0.005 on every printed value")
    return mid - half, mid + half, method


def _grid_candidates(f: str, lo: float, hi: float, garbled: str | None, method: str, den: int | None,
                     scale_min: float, scale_max: float):
    """Values of the domain's grid k/den inside [lo, hi] ∩ the scale (and ending in the garbled text)."""
    lo_c, hi_c = max(lo, scale_min), min(hi, scale_max)
    candidates = []
    if den is not None and lo_c <= hi_c:
        k0, k1 = math.ceil(lo_c * den - 1e-9), math.floor(hi_c * den + 1e-9)
        candidates = [k / den for k in range(k0, k1 + 1)]
        if candidates:
            method += f"; candidates on the k/{den} indicator grid"
        if garbled is not None:
            frag = garbled.replace(".", ",")
            kept = [c for c in candidates if f"{c:.2f}".replace(".", ",").endswith(frag)]
            if kept != candidates:
                method += f" ending in the garbled text {garbled!r}"
            candidates = kept
    inconsistent = lo_c > hi_c or (garbled is not None and den is not None and not candidates)
    return candidates, method, inconsistent
