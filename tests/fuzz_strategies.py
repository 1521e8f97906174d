"""Hypothesis strategies for the fuzz suites (tests/test_fuzz_*.py): the same values in hostile forms.

A *clean* column is a list of floats (NaN = missing). :func:`represent` writes it in another form that
the package's input rules (:mod:`spbe_research.checks`) must read as the same numbers: int, float32 of a
short decimal, nullable ``Int64``/``Float64``, object with ``None``/``pd.NA``, plain-decimal text,
``Decimal``, categorical. :func:`spoil` puts one value that the rules reject (a decimal comma, a word,
a boolean, a complex number, bytes) at a drawn row. Every fuzz test then asserts one of two things: the
call raises :class:`SPBEError` naming the row and field that were spoiled, or it returns exactly what
the clean float64 input gives.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from spbe_research import SPBEError

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FORMS = ("float64", "object_float", "text", "decimal", "float32", "Float64", "int", "category", "object_none")
BAD_VALUES = ("3,5", "abc", True, np.bool_(False), complex(1, 2), b"3.5", object())


def values(lo=0.0, hi=5.0, *, n_min=2, n_max=12, missing=True, decimals=2, unique=False):
    """Lists of short decimals in [lo, hi] (NaN sometimes), like printed scores."""
    num = st.integers(int(lo * 10**decimals), int(hi * 10**decimals)).map(lambda k: k / 10**decimals)
    item = st.one_of(num, st.just(np.nan)) if missing else num
    return st.lists(item, min_size=n_min, max_size=n_max, unique=unique)


def represent(clean, form: str) -> pd.Series:
    """The clean values (floats, NaN = missing) in another form the input rules read as the same numbers."""
    x = pd.Series(clean, dtype="float64")
    miss = x.isna()
    if form == "float64":
        return x
    if form == "object_float":
        return pd.Series([None if m else float(v) for v, m in zip(x, miss)], dtype=object)
    if form == "object_none":
        return pd.Series([pd.NA if m else v for v, m in zip(x, miss)], dtype=object)
    if form == "text":
        return pd.Series(["" if m else repr(float(v)) for v, m in zip(x, miss)], dtype=object)
    if form == "decimal":
        return pd.Series([None if m else Decimal(repr(float(v))) for v, m in zip(x, miss)], dtype=object)
    if form == "float32":
        return x.astype("float32")  # read back as the shortest decimal: 4.2, not 4.199999809
    if form == "Float64":
        return x.astype("Float64")
    if form == "int":
        if (x.dropna() % 1 == 0).all():
            return x.astype("Int64")
        return x
    if form == "category":
        return x.astype("category")
    raise ValueError(form)


def spoil(col: pd.Series, pos: int, bad) -> pd.Series:
    out = col.astype(object).copy()
    out.iloc[pos] = bad
    return out


def forms():
    return st.sampled_from(FORMS)


def maybe_bad():
    """None (no spoiled value) or a value the rules reject."""
    return st.one_of(st.none(), st.sampled_from(BAD_VALUES))


def assert_located(err: SPBEError, *, row=None, field=None):
    """The package's error names where the problem is (and, when given, exactly this row and field)."""
    assert isinstance(err, SPBEError)
    assert (err.file, err.row, err.field) != (None, None, None), f"no location in {err}"
    if field is not None:
        assert err.field == field, (err.field, field, str(err))
    if row is not None:
        assert err.row == row, (err.row, row, str(err))


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_exact=False, rtol=1e-12, atol=1e-12)
