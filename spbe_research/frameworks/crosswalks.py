"""Crosswalks between frameworks, one row per link (old indicator → new indicator), validated on load."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import SPBEError
from . import validation
from .concepts import data_dir
from .model import Framework
from .shipped import get_framework, shipped

__all__ = ["get_crosswalk", "load_crosswalk", "CROSSWALK_RELATIONS"]

#: Relations a crosswalk link may have.
CROSSWALK_RELATIONS = ("same", "renamed", "moved", "merged", "split", "partial", "dropped", "new")
_CROSSWALK_COLUMNS = ("from_code", "to_code", "relation", "share", "relation_note", "evidence", "grade")


def load_crosswalk(path, from_framework, to_framework) -> pd.DataFrame:
    """Read and validate a crosswalk file (one row per link; see the format README)."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    display = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            raw = pd.read_csv(f, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise validation.err("crosswalk file not found", display) from None
    return _crosswalk_frame(raw, a, b, display)


def _crosswalk_frame(raw: pd.DataFrame, a: Framework, b: Framework, display: str) -> pd.DataFrame:
    missing = [c for c in _CROSSWALK_COLUMNS if c not in raw.columns]
    if missing:
        raise validation.err(f"crosswalk lacks column {missing[0]!r}", display, None, missing[0])
    a_codes = set(a._nodes["code"])
    b_codes = set(b._nodes["code"])
    share = pd.to_numeric(raw["share"].replace("", np.nan), errors="coerce")
    for i, r in raw.iterrows():
        row = i + 2
        if r["relation"] not in CROSSWALK_RELATIONS:
            raise validation.err(f"unknown relation {r['relation']!r}", display, row, "relation")
        if r["from_code"] and r["from_code"] not in a_codes:
            raise validation.err(f"{a.name} has no code {r['from_code']!r}", display, row, "from_code")
        if r["to_code"] and r["to_code"] not in b_codes:
            raise validation.err(f"{b.name} has no code {r['to_code']!r}", display, row, "to_code")
        if not r["from_code"] and not r["to_code"]:
            raise validation.err("a link needs a from_code or a to_code", display, row, "from_code")
        if (r["relation"] == "new") != (not r["from_code"]) or (r["relation"] == "dropped") != (not r["to_code"]):
            raise validation.err("'new' links have no from_code and 'dropped' links no to_code (and only they)", display, row,
                       "relation")
        validation.grade(r["grade"], display, "grade", row, allow_empty=False)
        if r["from_code"] and r["to_code"] and not (0 < share[i] <= 1):
            raise validation.err(f"share must be in (0, 1], got {r['share']!r}", display, row, "share")
    linked = raw[(raw["from_code"] != "") & (raw["to_code"] != "")]
    sums = pd.to_numeric(linked["share"]).groupby(linked["from_code"]).sum()
    off = sums[(sums - 1).abs() > 1e-6]
    if len(off):
        raise validation.err(f"the shares of {off.index[0]!r} add up to {off.iloc[0]:g}, not 1", display, None, "share")
    name_a = a._nodes.set_index("code")["name"]
    name_b = b._nodes.set_index("code")["name"]
    out = pd.DataFrame({
        "from_framework": a.name, "to_framework": b.name,
        "from_code": raw["from_code"].replace("", pd.NA).astype("string"),
        "from_name": raw["from_code"].map(name_a).astype("string"),
        "to_code": raw["to_code"].replace("", pd.NA).astype("string"),
        "to_name": raw["to_code"].map(name_b).astype("string"),
        "relation": raw["relation"], "share": share, "relation_note": raw["relation_note"],
        "evidence": raw["evidence"], "grade": raw["grade"],
    })
    return out


@lru_cache(maxsize=None)
def _shipped_crosswalk(a_id: str, b_id: str) -> pd.DataFrame:
    path = data_dir() / "crosswalks" / f"{a_id}__{b_id}.csv"
    if not path.is_file():
        raise SPBEError(f"no shipped crosswalk from {a_id} to {b_id}; load one with load_crosswalk(path, ...)",
                        field="crosswalk")
    with path.open("r", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
    a = next(fw for fw in shipped() if fw.id == a_id)
    b = next(fw for fw in shipped() if fw.id == b_id)
    return _crosswalk_frame(raw, a, b, f"crosswalks/{a_id}__{b_id}.csv")


def get_crosswalk(from_framework="2018", to_framework="2020") -> pd.DataFrame:
    """A shipped crosswalk, one row per link: ``from_code`` → ``to_code`` with ``relation`` (same, renamed, moved,
    merged, split, partial, dropped, new), ``share`` (the part of the old indicator carried to the new one),
    ``evidence`` and ``grade`` (A/B/C). Shipped: 5/2018 → 59/2020 and 59/2020 → 8/2026."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    return _shipped_crosswalk(a.id, b.id).copy()
