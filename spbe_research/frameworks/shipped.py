"""The frameworks shipped with the package, found by name or alias, and the one that governs each year."""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import SPBEError
from .concepts import data_dir
from .files import load_framework
from .model import Framework

__all__ = ["get_framework", "framework_for_year", "list_frameworks", "shipped", "FRAMEWORK_NAMES"]


@lru_cache(maxsize=None)
def shipped() -> tuple:
    """Every shipped framework (loaded and validated once)."""
    out = []
    for d in sorted(data_dir().iterdir(), key=lambda x: x.name):
        toml = d / "framework.toml"
        if toml.is_file():
            out.append(load_framework(Path(str(toml))))
    return tuple(out)


def list_frameworks() -> pd.DataFrame:
    """The shipped frameworks: ``name``, ``short``, ``status``, ``first_year``, ``last_year``, ``n_indicators``,
    ``scale``, ``evidence_grade``."""
    rows = []
    for fw in shipped():
        rows.append({"name": fw.name, "short": fw.short, "id": fw.id, "status": fw.status,
                     "first_year": fw.first_year, "last_year": fw.last_year,
                     "levels": " → ".join(fw.tree_levels), "n_indicators": len(fw.codes(fw.indicator_level)),
                     "scale": f"{fw.scale_kind} {fw.scale_min:g}-{fw.scale_max:g}",
                     "evidence_grade": fw.evidence_grade})
    out = pd.DataFrame(rows).astype({"first_year": "Int64", "last_year": "Int64"})
    out["_draft"] = out["status"] != "enacted"
    return (out.sort_values(["_draft", "first_year"], kind="stable").drop(columns="_draft")
            .reset_index(drop=True))


#: Names of the shipped frameworks.
FRAMEWORK_NAMES = ("PermenPANRB 5/2018", "PermenPANRB 59/2020", "PermenPANRB 8/2026",
                   "Indeks Pemdi draft 2025 (not enacted)")


def _key(name) -> str:
    s = str(name).lower()
    s = re.sub(r"permen\s*pan\s*-?\s*rb|permenpanrb", " ", s)
    s = s.replace("no.", " ").replace("nomor", " ").replace("tahun", "/")
    return " ".join(s.replace("/", " / ").split())


def get_framework(name) -> Framework:
    """A shipped framework by name, short name or alias (``"2020"``, ``"59/2020"``, ``"PermenPANRB 8/2026"``,
    ``"Indeks Pemdi"``, ``2018``, ...). A :class:`Framework` passes through unchanged."""
    if isinstance(name, Framework):
        return name
    if isinstance(name, bool) or name is None:
        raise SPBEError(f"unknown framework {name!r}", field="framework")
    wanted = _key(name)
    for fw in shipped():
        if wanted in {_key(a) for a in (*fw.aliases, fw.name, fw.short, fw.id)}:
            return fw
    names = ", ".join(f"{fw.name} ({fw.short!r})" for fw in shipped())
    raise SPBEError(f"unknown framework {name!r}; shipped: {names}; or load your own with load_framework(path)",
                    field="framework")


def framework_for_year(year) -> Framework:
    """The enacted framework that governs an evaluation year (2018-2020: 5/2018, 2021-2025: 59/2020, from 2026:
    8/2026), following each framework's declared years."""
    from ..checks import _Bad, to_float

    try:
        v = to_float(year) if not isinstance(year, str) else math.nan
    except _Bad:
        v = math.nan
    if not math.isfinite(v) or v != int(v):
        raise SPBEError(f"evaluation year must be an integer, got {year!r}", field="year")
    y = int(v)
    found = [fw for fw in shipped() if fw.status == "enacted" and fw.covers_year(y)]
    if not found:
        first = min(fw.first_year for fw in shipped() if fw.first_year)
        raise SPBEError(f"no framework for evaluation year {year!r} (evaluations start in {first})", field="year")
    return found[0]


