"""One input-checking vocabulary for every public function of the package.

Each public function coerces or rejects its inputs through these helpers, so every entry point follows
the same documented rules and raises :class:`~spbe_research.errors.SPBEError` naming the row and field:

Numbers
    Python and NumPy integers and floats of any width; float16/float32 values are read as their shortest
    decimal representation (``np.float32(4.2)`` is 4.2, not 4.19999980926513671875), so they band like the
    number a person typed. pandas nullable ``Int*``/``Float*`` columns (``pd.NA`` is missing) and
    categorical columns whose categories are numbers are accepted.
Text
    A string is a number only when it is a plain decimal with a point: ``"3"``, ``"3.5"``, ``" -0.25 "``,
    ``"1e-3"``. A decimal comma (``"3,5"``) is rejected with a hint (read the file with ``decimal=","``
    or convert first); any other text is rejected. ``""`` is missing.
Rejected always
    Booleans (``True`` is not a level), complex numbers (their imaginary part would be dropped silently),
    bytes and any other object.
Missing
    ``None``, ``NaN``, ``pd.NA`` and ``NaT`` become NaN; the caller decides whether missing raises.
Non-finite
    ``inf`` is rejected wherever a finite number is needed (:func:`finite_matrix`, :func:`scalar`).
Sizes
    Counts (draws, resamples, steps) are integers (``1e3`` given as a float with an integer value is
    accepted; ``2.5``, ``True``, ``None``, ``nan`` are not) within a stated range, so an absurd request
    (``n_draws=1e12``) fails at once instead of trying to allocate terabytes.
"""
from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from .errors import SPBEError

__all__ = [
    "frame", "to_float", "numeric_column", "numeric_matrix", "finite_matrix", "numeric_vector", "scalar", "count",
    "choice", "fraction", "generator", "year", "years", "label_key",
]

_PLAIN_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_MISSING = object()


class _Bad(Exception):
    def __init__(self, why: str):
        self.why = why


def _narrow_float(v) -> float:
    """A float16/float32 value as the float64 of its shortest decimal representation."""
    return float(str(v))


def to_float(v) -> float:
    """One value as a float by the rules above (NaN for missing); raise ``_Bad`` with the reason otherwise."""
    if v is None or v is pd.NA or v is pd.NaT:
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        raise _Bad(f"{v!r} is a boolean, not a number")
    if isinstance(v, (np.float16, np.float32)):
        return _narrow_float(v)
    if isinstance(v, (int, np.integer)):
        return float(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, (complex, np.complexfloating)):
        raise _Bad(f"{v!r} is a complex number; only real numbers are accepted")
    if isinstance(v, (Decimal, Fraction)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return math.nan
        if _PLAIN_DECIMAL.match(s):
            return float(s)
        if _DECIMAL_COMMA.match(s):
            raise _Bad(f"{v!r} uses a decimal comma; write {s.replace(',', '.')!r} or read the file with decimal=','")
        raise _Bad(f"{v!r} is text, not a number")
    if isinstance(v, numbers.Real):
        return float(v)
    raise _Bad(f"{v!r} ({type(v).__name__}) is not a number")


def frame(df, *, name: str = "data", required=(), min_rows: int = 0, file=None) -> pd.DataFrame:
    """Check that ``df`` is a DataFrame with unique column labels, the ``required`` columns and ≥ ``min_rows`` rows."""
    if not isinstance(df, pd.DataFrame):
        raise SPBEError(f"{name} must be a pandas DataFrame, got {type(df).__name__}", file=file, field=name)
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise SPBEError(f"column {dup[0]!r} appears more than once in {name}", file=file, field=str(dup[0]))
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SPBEError(f"{name} has no column {missing[0]!r} (needs {', '.join(map(str, required))})",
                        file=file, field=str(missing[0]))
    if len(df) < min_rows:
        raise SPBEError(f"{name} needs at least {min_rows} rows, got {len(df)}", file=file, field=name)
    return df


def _first_bad(values, labels, field, what, file):
    """Raise for the first value of ``values`` that is not a number, naming its row label."""
    for i, v in enumerate(values):
        try:
            to_float(v)
        except _Bad as e:
            raise SPBEError(f"{what} value {e.why}", file=file, row=labels[i], field=field) from None
    raise AssertionError("no bad value found")  # pragma: no cover - callers only call this after a failure


def numeric_column(col: pd.Series, *, field=None, what: str = "", file=None) -> np.ndarray:
    """A Series as a float64 array (NaN = missing) by the module's rules; raise naming row and field."""
    field = col.name if field is None else field
    what = what or "the"
    dt = col.dtype
    if isinstance(dt, pd.CategoricalDtype):
        cats = dt.categories
        if pd.api.types.is_numeric_dtype(cats.dtype) and not pd.api.types.is_bool_dtype(cats.dtype):
            conv = numeric_column(pd.Series(cats), field=field, what=what, file=file)
            codes = col.cat.codes.to_numpy()
            if not len(conv):  # no categories: every value is missing
                return np.full(len(col), np.nan)
            return np.where(codes >= 0, conv[np.maximum(codes, 0)], np.nan)
        col = col.astype(object)
        dt = col.dtype
    if pd.api.types.is_bool_dtype(dt):
        bad = col.notna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SPBEError(f"{what} value {col.iloc[i]!r} is a boolean, not a number", file=file,
                            row=col.index[i], field=field)
        return np.full(len(col), np.nan)
    if pd.api.types.is_complex_dtype(dt):
        raise SPBEError(f"{what} value {col.iloc[0]!r} is a complex number; only real numbers are accepted",
                        file=file, row=col.index[0] if len(col) else None, field=field)
    if pd.api.types.is_numeric_dtype(dt):
        np_dt = getattr(dt, "numpy_dtype", dt)
        if np_dt in (np.float16, np.float32):
            raw = col.to_numpy(dtype=object, na_value=None)
            return np.array([math.nan if v is None or v != v else _narrow_float(np_dt.type(v)) for v in raw],
                            dtype=float)
        return col.to_numpy(dtype=float, na_value=np.nan)
    # object / string columns: classify each distinct value once
    values = col.to_numpy(dtype=object)
    keys = [_key(v) for v in values]  # by type and value: pd.unique would merge True with 1 and 1.0
    lookup = {}
    for k, v in zip(keys, values):
        if k in lookup:
            continue
        try:
            lookup[k] = to_float(v)
        except _Bad:
            _first_bad(values, col.index, field, what, file)
    return np.array([lookup[k] for k in keys], dtype=float)


def _key(v):
    # NaN != NaN, and 1 == 1.0 == True: key by type and value so each keeps its own classification
    if isinstance(v, float) and v != v:
        return ("nan",)
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return (type(v), v)


def numeric_matrix(data, columns, *, what: str = "", file=None) -> np.ndarray:
    """Columns of a DataFrame as an (n_rows × n_columns) float64 matrix, NaN for missing values."""
    frame(data, name=what or "data", required=columns, file=file)
    if len(columns) and all(pd.api.types.is_numeric_dtype(data[c].dtype) and data[c].dtype.kind in "iuf"
                            and data[c].dtype.itemsize >= 8 for c in columns):
        return data.loc[:, list(columns)].to_numpy(dtype=float)  # fast path: plain int64/float64 columns
    out = np.empty((len(data), len(columns)))
    for j, c in enumerate(columns):  # per column (≤ ~50), never per row
        out[:, j] = numeric_column(data[c], field=c, what=what, file=file)
    return out


def finite_matrix(data, columns, *, what: str = "", file=None, missing: str = "raise") -> np.ndarray:
    """:func:`numeric_matrix` that also rejects ±inf and, unless ``missing="propagate"``, missing values."""
    m = numeric_matrix(data, columns, what=what, file=file)
    nan = np.isnan(m)
    if missing == "raise" and nan.any():
        r, c = np.argwhere(nan)[0]
        raise SPBEError(f"{what} value is missing".strip(), file=file, row=data.index[r], field=columns[c])
    inf = np.isinf(m)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise SPBEError(f"{what} value {m[r, c]} is not finite".strip(), file=file, row=data.index[r], field=columns[c])
    return m


def numeric_vector(x, *, what: str = "value", field: str | None = None) -> tuple[np.ndarray, pd.Index | None]:
    """A scalar, list, array or Series as a 1-D float64 array (NaN = missing) and its index (Series only)."""
    if isinstance(x, pd.Series):
        return numeric_column(x, field=field or x.name, what=what), x.index
    if isinstance(x, pd.DataFrame):
        raise SPBEError(f"{what} must be a number, a sequence or a Series, not a DataFrame", field=field)
    if isinstance(x, np.ndarray) and x.ndim > 1:
        raise SPBEError(f"{what} must be one-dimensional, got shape {x.shape}", field=field)
    arr = np.atleast_1d(np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x)
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iu":
        return arr.astype(float), None
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and arr.dtype.itemsize >= 8:
        return arr.astype(float, copy=False), None
    return numeric_column(pd.Series(list(arr), dtype=object if arr.dtype.kind != "f" else arr.dtype),
                          field=field, what=what), None


def scalar(x, *, name: str, integer: bool = False, lo=None, hi=None, lo_open: bool = False, hi_open: bool = False,
           allow_inf: bool = False, allow_none: bool = False):
    """One numeric argument checked by the module's rules; an ``int`` when ``integer``; raises naming ``name``."""
    if x is None and allow_none:
        return None
    try:
        v = to_float(x)
    except _Bad as e:
        raise SPBEError(f"{name} must be a number: {e.why}", field=name) from None
    if isinstance(x, str):
        raise SPBEError(f"{name} must be a number, not the text {x!r}", field=name)
    if math.isnan(v):
        raise SPBEError(f"{name} must be a number, got {x!r}", field=name)
    if math.isinf(v) and not allow_inf:
        raise SPBEError(f"{name} must be finite, got {x!r}", field=name)
    if integer:
        if not math.isinf(v) and v != math.floor(v):
            raise SPBEError(f"{name} must be a whole number, got {x!r}", field=name)
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise SPBEError(f"{name} must be {'>' if lo_open else '≥'} {lo}, got {x!r}", field=name)
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise SPBEError(f"{name} must be {'<' if hi_open else '≤'} {hi}, got {x!r}", field=name)
    return int(v) if integer and not math.isinf(v) else v


def count(x, *, name: str, lo: int = 1, hi: int = 10**8) -> int:
    """A whole-number size (draws, resamples, steps) in ``[lo, hi]``."""
    return scalar(x, name=name, integer=True, lo=lo, hi=hi)


def fraction(x, *, name: str, lo_open: bool = True, hi_open: bool = True) -> float:
    """A number strictly (or, with the flags off, inclusively) between 0 and 1: a confidence level, a share."""
    return scalar(x, name=name, lo=0, hi=1, lo_open=lo_open, hi_open=hi_open)


def choice(x, *, name: str, options) -> str:
    """One of ``options`` (exact match); the error lists them."""
    if not isinstance(x, str) or x not in options:
        raise SPBEError(f"{name} must be one of {', '.join(repr(o) for o in options)}, got {x!r}", field=name)
    return x


def generator(seed, *, name: str = "seed") -> np.random.Generator:
    """A NumPy Generator from ``seed`` (a non-negative int, a SeedSequence or a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise SPBEError(f"{name} must be a non-negative integer or a numpy Generator, got {seed!r}", field=name)
    if seed < 0:
        raise SPBEError(f"{name} must be a non-negative integer, got {seed!r}", field=name)
    return np.random.default_rng(int(seed))


def year(x, *, name: str = "year") -> int:
    """An evaluation year: an int, an integer-valued number or a digit string such as ``"2023"``."""
    y = scalar(x if not isinstance(x, str) else _str_year(x, name), name=name, integer=True, lo=1900, hi=2200)
    return int(y)


def _str_year(x: str, name: str) -> int:
    s = x.strip()
    if not s.isdigit():
        raise SPBEError(f"{name} must be a year such as 2023, got {x!r}", field=name)
    return int(s)


def years(x, *, name: str = "year") -> tuple[int, ...] | None:
    """``None`` (all years), one year, or an iterable of years, as a sorted tuple of ints."""
    if x is None:
        return None
    if isinstance(x, (str, numbers.Number, np.generic)):
        return (year(x, name=name),)
    try:
        items = list(x)
    except TypeError:
        raise SPBEError(f"{name} must be a year or a list of years, got {x!r}", field=name) from None
    if not items:
        raise SPBEError(f"{name} must name at least one year", field=name)
    return tuple(sorted({year(v, name=name) for v in items}))


def label_key(col) -> str:
    """A column label or code as text: ``7``, ``7.0``, ``np.int64(7)``, ``' 7 '`` → ``'7'``; ``'35-1'`` stays."""
    if isinstance(col, (bool, np.bool_)):
        return str(col)
    if isinstance(col, (int, np.integer)):
        return str(int(col))
    if isinstance(col, (float, np.floating)) and float(col).is_integer():
        return str(int(col))
    return str(col).strip()
