"""SPBE indicator frameworks as versioned, validated data.

Two frameworks are shipped as package data (``spbe_research/data/frameworks/<short>/``):

* **PermenPANRB 5/2018** (evaluation years 2018–2020): 3 domains, 7 aspects (aspek), 35 indicators,
  levels 0–5. Indicator 35 is scored as three items ``35-1``, ``35-2``, ``35-3`` (one per public service).
* **PermenPANRB 59/2020** (2021 onward): 4 domains, 8 aspects, 47 indicators, levels 1–5.

A framework is a tree (indicator → aspect → domain → index) with weights in percent of the whole
index. Every definition is validated when loaded, so a broken file fails loudly.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .errors import SPBEError

__all__ = ["Framework", "get_framework", "get_crosswalk", "framework_for_year", "FRAMEWORK_NAMES"]

FRAMEWORK_NAMES = ("PermenPANRB 5/2018", "PermenPANRB 59/2020")
_SHORTS = ("2018", "2020")
_TOL = 1e-6  # weights are stored in percent with float precision


@dataclass(frozen=True, eq=False)
class Framework:
    """One SPBE framework: its tree of indicators, aspects and domains, with weights in percent.

    Attributes
    ----------
    name: official short name, e.g. ``"PermenPANRB 59/2020"``.
    short: ``"2018"`` or ``"2020"``.
    indicators: one row per scored item: ``indicator`` (code as str), ``indicator_no``, ``name``,
        ``name_en``, ``aspect``, ``domain``, ``capability`` (process/service), ``weight`` (% of the index).
    aspects: ``aspect``, ``domain``, ``name``, ``name_en``, ``weight`` (%).
    domains: ``domain``, ``name``, ``name_en``, ``weight`` (%).
    levels: allowed capability levels (tuple of int).
    level_names: ``capability``, ``level``, ``name`` (Indonesian), ``name_en``.
    citation, title, notes: where the definition comes from.
    evaluation_years: the evaluation years scored with this framework.
    """

    name: str
    short: str
    title: str
    citation: str
    notes: str
    indicators: pd.DataFrame = field(repr=False)
    aspects: pd.DataFrame = field(repr=False)
    domains: pd.DataFrame = field(repr=False)
    levels: tuple
    level_names: pd.DataFrame = field(repr=False)
    evaluation_years: tuple
    aliases: tuple = field(repr=False, default=())

    @property
    def level_min(self) -> int:
        return self.levels[0]

    @property
    def level_max(self) -> int:
        return self.levels[-1]

    @property
    def indicator_codes(self) -> tuple:
        return tuple(self.indicators["indicator"])

    @property
    def aspect_codes(self) -> tuple:
        return tuple(self.aspects["aspect"])

    @property
    def domain_codes(self) -> tuple:
        return tuple(self.domains["domain"])

    # Matrices used by scoring: each row of an aggregation matrix holds relative weights summing to 1.
    @property
    def indicator_weights(self) -> np.ndarray:
        """Indicator weights as fractions of the whole index (sum 1)."""
        return _readonly(self.indicators["weight"].to_numpy(float) / 100)

    @property
    def domain_weights(self) -> np.ndarray:
        """Domain weights as fractions (sum 1), in ``domain_codes`` order."""
        return _readonly(self.domains["weight"].to_numpy(float) / 100)

    @property
    def aspect_weights(self) -> np.ndarray:
        """Aspect weights as fractions of the whole index (sum 1)."""
        return _readonly(self.aspects["weight"].to_numpy(float) / 100)

    @property
    def indicator_to_aspect(self) -> np.ndarray:
        """(n_indicators × n_aspects) matrix: relative weight of each indicator within its aspect."""
        return _relative(self.indicators, "aspect", self.aspects)

    @property
    def aspect_to_domain(self) -> np.ndarray:
        """(n_aspects × n_domains) matrix: relative weight of each aspect within its domain."""
        return _relative(self.aspects, "domain", self.domains)

    def __repr__(self) -> str:
        return (
            f"Framework({self.name!r}: {len(self.domains)} domains, {len(self.aspects)} aspects, "
            f"{self.indicators['indicator_no'].nunique()} indicators, levels {self.level_min}-{self.level_max})"
        )


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _relative(children: pd.DataFrame, parent_col: str, parents: pd.DataFrame) -> np.ndarray:
    key = parents.columns[0]
    pos = pd.Index(parents[key]).get_indexer(children[parent_col])
    m = np.zeros((len(children), len(parents)))
    m[np.arange(len(children)), pos] = children["weight"].to_numpy(float)
    return _readonly(m / m.sum(axis=0, keepdims=True))


def _read_csv(short: str, name: str) -> pd.DataFrame:
    path = resources.files("spbe_research") / "data" / "frameworks" / short / name
    with path.open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"indicator": str, "aspect": str, "domain": str})


def validate(fw: Framework) -> None:
    """Check a framework's tree and weights; raise :class:`SPBEError` naming the part that is wrong."""
    file = f"frameworks/{fw.short}"
    ind, asp, dom = fw.indicators, fw.aspects, fw.domains
    for df, key, fname in ((ind, "indicator", "indicators.csv"), (asp, "aspect", "aspects.csv"), (dom, "domain", "domains.csv")):
        dup = df[key][df[key].duplicated()]
        if len(dup):
            raise SPBEError(f"{key} {dup.iloc[0]!r} defined twice", file=f"{file}/{fname}", field=key)
        w = df["weight"]
        if w.isna().any() or (w <= 0).any():
            bad = df.loc[w.isna() | (w <= 0), key].iloc[0]
            raise SPBEError("weight must be a positive number", file=f"{file}/{fname}", row=bad, field="weight")
    unknown = ~ind["aspect"].isin(asp["aspect"])
    if unknown.any():
        r = ind[unknown].iloc[0]
        raise SPBEError(f"indicator {r.indicator} is in unknown aspect {r.aspect!r}", file=f"{file}/indicators.csv", row=r.indicator, field="aspect")
    unknown = ~asp["domain"].isin(dom["domain"])
    if unknown.any():
        r = asp[unknown].iloc[0]
        raise SPBEError(f"aspect {r.aspect} is in unknown domain {r.domain!r}", file=f"{file}/aspects.csv", row=r.aspect, field="domain")
    # Each indicator must sit in the domain of its aspect (one aspect, one domain).
    asp_dom = ind["aspect"].map(asp.set_index("aspect")["domain"])
    wrong = asp_dom != ind["domain"]
    if wrong.any():
        r = ind[wrong].iloc[0]
        raise SPBEError(f"indicator {r.indicator} says domain {r.domain} but its aspect {r.aspect} is in {asp_dom[wrong].iloc[0]}",
                        file=f"{file}/indicators.csv", row=r.indicator, field="domain")
    empty = set(asp["aspect"]) - set(ind["aspect"])
    if empty:
        raise SPBEError(f"aspect {sorted(empty)[0]} has no indicators", file=f"{file}/aspects.csv", field="aspect")
    empty = set(dom["domain"]) - set(asp["domain"])
    if empty:
        raise SPBEError(f"domain {sorted(empty)[0]} has no aspects", file=f"{file}/domains.csv", field="domain")
    # Weights add up at every level.
    for child, parent, key, fname in ((ind, asp, "aspect", "aspects.csv"), (asp, dom, "domain", "domains.csv")):
        sums = child.groupby(key)["weight"].sum()
        diff = (parent.set_index(key)["weight"] - sums).abs()
        if (diff > _TOL).any():
            bad = diff.idxmax()
            raise SPBEError(f"{key} {bad} weighs {parent.set_index(key)['weight'][bad]} % but its parts add up to {sums[bad]:.6f} %",
                            file=f"{file}/{fname}", row=bad, field="weight")
    total = dom["weight"].sum()
    if abs(total - 100) > _TOL:
        raise SPBEError(f"domain weights add up to {total} %, not 100 %", file=f"{file}/domains.csv", field="weight")
    if list(fw.levels) != list(range(fw.level_min, fw.level_max + 1)):
        raise SPBEError("levels must be consecutive integers", file=f"{file}/meta.json", field="levels")


@lru_cache(maxsize=None)
def _load(short: str) -> Framework:
    path = resources.files("spbe_research") / "data" / "frameworks" / short / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    fw = Framework(
        name=meta["name"], short=meta["short"], title=meta["title"], citation=meta["citation"], notes=meta["notes"],
        indicators=_read_csv(short, "indicators.csv"), aspects=_read_csv(short, "aspects.csv"),
        domains=_read_csv(short, "domains.csv"),
        levels=tuple(range(meta["level_min"], meta["level_max"] + 1)),
        level_names=pd.DataFrame(meta["level_names"]),
        evaluation_years=tuple(meta["evaluation_years"]), aliases=tuple(meta["aliases"]),
    )
    validate(fw)
    return fw


def _key(name: str) -> str:
    return " ".join(str(name).lower().replace("permenpanrb", " ").replace("no.", " ").replace("nomor", " ").split())


def get_framework(name) -> Framework:
    """Return a framework by name: ``"2018"``, ``"2020"``, ``"PermenPANRB 5/2018"``, ``"PermenPANRB 59/2020"``.

    A :class:`Framework` (or a framework-like object with ``indicators``, e.g. a toy framework in a
    test) passes through unchanged, so functions can take either.
    """
    if isinstance(name, Framework) or hasattr(name, "indicators"):
        return name
    wanted = _key(name)
    for short in _SHORTS:
        fw = _load(short)
        if wanted in {_key(a) for a in fw.aliases} | {_key(fw.name), fw.short}:
            return fw
    raise SPBEError(f"unknown framework {name!r}; use one of {', '.join(FRAMEWORK_NAMES)} or '2018' / '2020'", field="framework")


def framework_for_year(year: int) -> Framework:
    """The framework an evaluation year was scored with (2018–2020: 5/2018; 2021 onward: 59/2020)."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise SPBEError(f"evaluation year must be an integer, got {year!r}", field="year") from None
    if y != year or y < 2018:
        raise SPBEError(f"no SPBE framework for evaluation year {year!r} (evaluations start in 2018)", field="year")
    return get_framework("2018" if y <= 2020 else "2020")


@lru_cache(maxsize=None)
def _crosswalk() -> pd.DataFrame:
    path = resources.files("spbe_research") / "data" / "frameworks" / "crosswalk_2018_2020.csv"
    with path.open("r", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str)
    raw["indicator_2020_nos"] = raw["indicator_2020_nos"].fillna("")
    rows = raw.assign(indicator_2020=raw["indicator_2020_nos"].str.split(";")).explode("indicator_2020")
    rows["indicator_2020"] = rows["indicator_2020"].replace("", pd.NA)
    out = pd.DataFrame({
        "indicator_2018": rows["indicator_2018_no"].astype(str),
        "indicator_2018_name": rows["indicator_2018_name"],
        "indicator_2020": rows["indicator_2020"].astype("string"),
        "n_targets": rows["indicator_2020_nos"].map(lambda s: len([t for t in s.split(";") if t])),
        "relation": rows["relation"],
        "evidence": rows["evidence"],
        "confidence": rows["confidence"],
    }).reset_index(drop=True)
    fw18, fw20 = _load("2018"), _load("2020")
    bad = ~out["indicator_2018"].isin(fw18.indicators["indicator_no"].astype(str))
    bad20 = out["indicator_2020"].notna() & ~out["indicator_2020"].isin(fw20.indicator_codes)
    if bad.any() or bad20.any():
        raise SPBEError("crosswalk names an indicator the frameworks do not have", file="frameworks/crosswalk_2018_2020.csv",
                        row=int(np.flatnonzero(bad | bad20)[0]) + 1)
    return out


def get_crosswalk() -> pd.DataFrame:
    """The 2018 → 2020 indicator crosswalk, one row per (2018 indicator, 2020 indicator) link.

    A 2018 indicator with no 2020 successor has one row with ``indicator_2020`` missing.
    ``relation`` says how they relate (same, renamed, split, dropped…); ``evidence`` and
    ``confidence`` say how well that is documented (most links are inferred from names).
    """
    return _crosswalk().copy()
