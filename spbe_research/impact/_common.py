"""Small helpers shared by the impact modules."""
from __future__ import annotations

import pandas as pd

from ..errors import SPBEError

#: Which source wins when one institution-year has rows from several sources: the official report
#: tables, then results a researcher imported from an official list (:mod:`spbe_research.importer`),
#: then the press. Lower number wins; unknown kinds rank last.
SOURCE_PRIORITY = {"official_report": 0, "imported": 1, "press": 2}


def need(df: pd.DataFrame, cols, what: str) -> None:
    """Raise naming the first of ``cols`` missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise SPBEError(f"{what} must be a pandas DataFrame, got {type(df).__name__}", field=what)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SPBEError(f"{what} lacks column {missing[0]!r}", field=missing[0])
