"""Frameworks as data: any hierarchical index, defined in files, validated on load, read-only in use.

A framework is a folder with two files (format: ``spbe_research/data/frameworks/README.md``):

* ``framework.toml`` — metadata: name and aliases, citation and legal basis, status (enacted or draft),
  the evaluation years it governs, the tree's level names, the value scale (integer levels or a continuous
  range, with level labels), the predicate (predikat) bands with their edge rule, the default aggregation,
  conversions from external indices, and an evidence grade (A/B/C) with a source for each group of facts;
* ``nodes.csv`` — the tree, one row per node of any depth: ``code``, ``parent``, ``level``, ``weight``,
  ``name`` (Indonesian), ``name_en`` (English gloss), ``concept``, ``capability``, ``external_index``,
  ``evidence_grade``, ``source``, ``description``.

Four frameworks ship with the package: PermenPANRB 5/2018 (SPBE, evaluations 2018-2020), 59/2020 (SPBE,
2021-2025), 8/2026 (Indeks Pemerintah Digital, from 2026) and the 2025 Pemdi draft (not enacted).
:func:`load_framework` reads a user's own definition in the same format; :func:`get_framework` returns a
shipped one by name or alias; :func:`framework_for_year` follows the declared years.

A :class:`Framework` is immutable: its tables are returned as copies and its matrices are read-only
arrays, so no caller can change the weights another caller sees. Edited variants (other weights, a part
removed, other bands or aggregation) are new validated frameworks that log the edit
(:meth:`Framework.with_weights`, :meth:`Framework.drop`, :meth:`Framework.with_bands`,
:meth:`Framework.with_aggregation`).
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SPBEError
from .means import mean_exponent

__all__ = [
    "Framework", "Band", "Conversion", "load_framework", "build_framework", "get_framework", "framework_for_year", "list_frameworks",
    "get_crosswalk", "load_crosswalk", "concepts", "example_path", "FRAMEWORK_NAMES", "EVIDENCE_GRADES", "EDGE_RULES",
    "CROSSWALK_RELATIONS",
]

#: Evidence grades: A official or arithmetically verified; B secondary sources that agree; C third-party,
#: inferred or assumed.
EVIDENCE_GRADES = ("A", "B", "C")
#: How an index value is banded: on the unrounded value, or after rounding to ``decimals`` (half up).
EDGE_RULES = ("unrounded", "rounded")
#: Relations a crosswalk link may have.
CROSSWALK_RELATIONS = ("same", "renamed", "moved", "merged", "split", "partial", "dropped", "new")
_NODE_COLUMNS = ("code", "parent", "level", "weight", "name", "name_en")
_OPTIONAL_NODE_COLUMNS = ("concept", "capability", "external_index", "evidence_grade", "source", "description")
_WEIGHT_TOL = 1e-6  # weights are percentages written with float precision
_SCALE_TOL = 1e-9
_CONVERSION_KINDS = ("thresholds", "linear", "given")


# --------------------------------------------------------------------------------------------- parts
@dataclass(frozen=True)
class Band:
    """One predicate band ``[lower, upper)`` (the last band includes its upper edge)."""

    name: str
    name_en: str
    lower: float
    upper: float


@dataclass(frozen=True)
class Conversion:
    """How an external index (another agency's score) becomes an indicator value on the framework's scale.

    ``kind``: ``"thresholds"`` (``breaks`` cut the input range into ``len(breaks) + 1`` intervals mapped to
    ``values``; ``closed`` says which side of each interval is closed), ``"linear"`` (``input_min..input_max``
    mapped linearly onto ``output_min..output_max``) or ``"given"`` (the rule is not known: the caller supplies
    the value already on the framework's scale). ``missing``: the value assessors use when the external index
    is missing (PermenPANRB 8/2026: 1), applied only on request.
    """

    id: str
    indicator: str
    external_index: str
    kind: str
    input_min: float
    input_max: float
    breaks: tuple = ()
    values: tuple = ()
    closed: str = "right"
    output_min: float | None = None
    output_max: float | None = None
    missing: float | None = None
    evidence_grade: str = ""
    source: str = ""

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Converted values (NaN stays NaN); the caller has checked the input range."""
        x = np.asarray(x, dtype=float)
        if self.kind == "thresholds":
            side = "left" if self.closed == "right" else "right"
            idx = np.searchsorted(np.asarray(self.breaks, dtype=float), x, side=side)
            out = np.asarray(self.values, dtype=float)[np.minimum(idx, len(self.values) - 1)]
            return np.where(np.isnan(x), np.nan, out)
        if self.kind == "linear":
            a = (self.output_max - self.output_min) / (self.input_max - self.input_min)
            return self.output_min + a * (x - self.input_min)
        return x.copy()

    def describe(self) -> str:
        """The rule in words, as reported beside each converted value."""
        if self.kind == "thresholds":
            edges = list(self.breaks)
            if self.closed == "right":
                parts = [f"x ≤ {edges[0]:g} → {self.values[0]:g}"] + [
                    f"{lo:g} < x ≤ {hi:g} → {v:g}" for lo, hi, v in zip(edges[:-1], edges[1:], self.values[1:-1])
                ] + [f"x > {edges[-1]:g} → {self.values[-1]:g}"]
            else:
                parts = [f"x < {edges[0]:g} → {self.values[0]:g}"] + [
                    f"{lo:g} ≤ x < {hi:g} → {v:g}" for lo, hi, v in zip(edges[:-1], edges[1:], self.values[1:-1])
                ] + [f"x ≥ {edges[-1]:g} → {self.values[-1]:g}"]
            return f"{self.id}: thresholds ({'; '.join(parts)})"
        if self.kind == "linear":
            return (f"{self.id}: linear {self.input_min:g}..{self.input_max:g} → "
                    f"{self.output_min:g}..{self.output_max:g}")
        return f"{self.id}: given (value used as supplied on the framework's scale)"


@dataclass(frozen=True)
class _Compiled:
    """Index arrays and matrices derived once from the node table (all read-only)."""

    leaves: tuple          # leaf codes in input order
    internal: tuple        # internal node codes, children before parents (the root last)
    internal_level: tuple  # level name of each internal node
    steps: tuple           # (level, child_cols, out_cols, W) per aggregation step; cols index [leaves|internal]
    composition: np.ndarray  # (n_leaves × n_internal) value of each internal node under arithmetic means
    leaf_weights: np.ndarray  # weight of each leaf as a fraction of the index


# --------------------------------------------------------------------------------------------- framework
@dataclass(frozen=True, eq=False)
class Framework:
    """One index framework: a weighted tree, a value scale, predicate bands, conversions and provenance.

    Build one with :func:`load_framework` or :func:`get_framework`; do not construct it directly.
    Tables (:attr:`nodes`, :attr:`indicators`, :attr:`aspects`, :attr:`domains`, ...) are copies.
    """

    id: str
    name: str
    short: str
    aliases: tuple
    title: str
    index_name: str
    index_name_en: str
    status: str
    legal_basis: str
    citation: str
    notes: str
    evidence_grade: str
    source: str
    first_year: int | None
    last_year: int | None
    tree_levels: tuple
    indicator_level: str
    scale_kind: str
    scale_min: float
    scale_max: float
    bands: tuple
    edge_rule: str
    band_decimals: int
    aggregation: tuple  # ((level, method), ...) defaults per internal level
    conversions: tuple
    evidence: tuple = field(repr=False)  # ((topic, grade, source), ...)
    _nodes: pd.DataFrame = field(repr=False)
    _scale_labels: pd.DataFrame = field(repr=False)
    path: str | None = field(default=None, repr=False)
    edits: tuple = ()

    # ----------------------------------------------------------------------------- simple views
    def __repr__(self) -> str:
        counts = ", ".join(f"{(self._nodes['level'] == lv).sum()} {lv}s" for lv in self.tree_levels[1:])
        scale = f"{'levels' if self.is_integer else 'values'} {self.scale_min:g}-{self.scale_max:g}"
        edits = f", edited: {'; '.join(self.edits)}" if self.edits else ""
        return f"Framework({self.name!r}: {counts}, {scale}, {self.status}{edits})"

    @property
    def is_integer(self) -> bool:
        """True when indicators take whole levels (SPBE), False for a continuous scale (Indeks Pemdi)."""
        return self.scale_kind == "integer"

    @property
    def level_min(self) -> float:
        return int(self.scale_min) if self.is_integer else self.scale_min

    @property
    def level_max(self) -> float:
        return int(self.scale_max) if self.is_integer else self.scale_max

    @property
    def levels(self) -> tuple:
        """The labelled values of the scale (every allowed level of an integer scale)."""
        if self.is_integer:
            return tuple(range(int(self.scale_min), int(self.scale_max) + 1))
        return tuple(sorted(set(self._scale_labels["level"].tolist())))

    @property
    def level_names(self) -> pd.DataFrame:
        """``capability``, ``level``, ``name`` (Indonesian), ``name_en`` of each labelled scale value."""
        return self._scale_labels.copy()

    @property
    def evaluation_years(self) -> tuple:
        """Declared evaluation years (``first_year`` only when the framework is open-ended)."""
        if self.first_year is None:
            return ()
        return tuple(range(self.first_year, (self.last_year or self.first_year) + 1))

    def covers_year(self, year: int) -> bool:
        """Whether ``year``'s evaluation is governed by this framework (open-ended frameworks cover later years)."""
        if self.first_year is None or year < self.first_year:
            return False
        return self.last_year is None or year <= self.last_year

    @property
    def predicates(self) -> tuple:
        """Predicate (predikat) names from low to high."""
        return tuple(b.name for b in self.bands)

    @property
    def band_edges(self) -> np.ndarray:
        """Lower edges of every band but the first (the cut points), read-only."""
        return _readonly(np.array([b.lower for b in self.bands[1:]], dtype=float))

    @property
    def bands_table(self) -> pd.DataFrame:
        """One row per band: ``predicate``, ``name_en``, ``lower``, ``upper``, ``edge_rule``."""
        return pd.DataFrame({"predicate": [b.name for b in self.bands], "name_en": [b.name_en for b in self.bands],
                             "lower": [b.lower for b in self.bands], "upper": [b.upper for b in self.bands],
                             "edge_rule": self.edge_rule})

    @property
    def facts(self) -> pd.DataFrame:
        """Every group of facts with its evidence grade and source (tidy: ``topic``, ``evidence_grade``, ``source``)."""
        rows = [("framework", self.evidence_grade, self.source), *self.evidence]
        rows += [(f"conversion {c.id} (indicator {c.indicator})", c.evidence_grade, c.source) for c in self.conversions]
        return pd.DataFrame(rows, columns=["topic", "evidence_grade", "source"])

    # ----------------------------------------------------------------------------- tree views
    @property
    def nodes(self) -> pd.DataFrame:
        """The node table (a copy): weights in percent of the whole index, concepts resolved."""
        return self._nodes.copy()

    @property
    def top_level(self) -> str:
        """The level right below the index (``domain`` for SPBE, ``aspect`` for Indeks Pemdi)."""
        return self.tree_levels[1]

    @property
    def reported_levels(self) -> tuple:
        """Levels whose values :func:`~spbe_research.scoring.score` reports: between the index and the indicators."""
        return self.tree_levels[1:self.tree_levels.index(self.indicator_level)]

    def has_level(self, level: str) -> bool:
        return level in self.tree_levels

    def _require_level(self, level: str) -> None:
        if level not in self.tree_levels:
            raise SPBEError(f"{self.name} has no {level!r} level (its levels: {', '.join(self.tree_levels)})",
                            field="level")

    def codes(self, level: str) -> tuple:
        """Codes of the nodes at ``level``, in file order."""
        self._require_level(level)
        return tuple(self._nodes.loc[self._nodes["level"] == level, "code"])

    def weights(self, level: str) -> np.ndarray:
        """Weights of the nodes at ``level`` as fractions of the whole index (read-only)."""
        self._require_level(level)
        return _readonly(self._nodes.loc[self._nodes["level"] == level, "weight"].to_numpy(float) / 100)

    def level_table(self, level: str) -> pd.DataFrame:
        """Nodes at ``level``: code (column named after the level), one column per ancestor level, names,
        concept, capability, external index, weight (% of the index), evidence grade."""
        self._require_level(level)
        sub = self._nodes[self._nodes["level"] == level]
        out = pd.DataFrame({level: sub["code"].to_numpy()})
        for up in reversed(self.tree_levels[1:self.tree_levels.index(level)]):
            out[up] = [self._ancestor(self._parent_map[c], up) for c in sub["code"]]
        for c in ("name", "name_en", "concept", "capability", "external_index", "weight", "evidence_grade"):
            out[c] = sub[c].to_numpy()
        return out

    @property
    def indicators(self) -> pd.DataFrame:
        """One row per scored input (leaf): ``indicator`` (code), ``indicator_no`` (the indicator it belongs to:
        itself, or its parent indicator for an item such as 2018's ``35-1``), names, the codes of its aspect,
        domain... , ``capability``, ``concept``, ``external_index``, ``weight`` (% of the index)."""
        nodes = self._nodes.set_index("code")
        leaves = list(self._compiled.leaves)
        rows = [self._ancestor(c, self.indicator_level) for c in leaves]
        no = pd.Series(rows)
        if no.str.fullmatch(r"\d+").all():
            no = no.astype(int)
        out = pd.DataFrame({"indicator": leaves, "indicator_no": no.to_numpy()})
        out["name"] = nodes.loc[leaves, "name"].to_numpy()
        out["name_en"] = nodes.loc[leaves, "name_en"].to_numpy()
        for up in reversed(self.reported_levels):
            out[up] = [self._ancestor(c, up) for c in leaves]
        for c in ("capability", "concept", "external_index", "evidence_grade"):
            out[c] = nodes.loc[leaves, c].to_numpy()
        out["weight"] = nodes.loc[leaves, "weight"].to_numpy(float)
        return out

    def _ancestor(self, code: str, level: str):
        parent = self._parent_map
        node_level = self._level_map
        while code and node_level.get(code) != level:
            code = parent.get(code, "")
        return code or pd.NA

    @cached_property
    def _parent_map(self) -> dict:
        return dict(zip(self._nodes["code"], self._nodes["parent"]))

    @cached_property
    def _level_map(self) -> dict:
        return dict(zip(self._nodes["code"], self._nodes["level"]))

    @property
    def aspects(self) -> pd.DataFrame:
        """The aspect (aspek) table; raises for a framework without aspects."""
        return self.level_table("aspect")

    @property
    def domains(self) -> pd.DataFrame:
        """The domain table; raises for a framework without domains (Indeks Pemdi)."""
        return self.level_table("domain")

    @property
    def indicator_codes(self) -> tuple:
        """Codes of the scored inputs (leaves), in framework order."""
        return self._compiled.leaves

    @property
    def aspect_codes(self) -> tuple:
        return self.codes("aspect")

    @property
    def domain_codes(self) -> tuple:
        return self.codes("domain")

    @property
    def indicator_weights(self) -> np.ndarray:
        """Leaf weights as fractions of the whole index (sum 1), read-only."""
        return self._compiled.leaf_weights

    @property
    def aspect_weights(self) -> np.ndarray:
        return self.weights("aspect")

    @property
    def domain_weights(self) -> np.ndarray:
        return self.weights("domain")

    def children(self, code: str) -> tuple:
        """Codes of a node's children, in file order."""
        return tuple(self._nodes.loc[self._nodes["parent"] == code, "code"])

    def relative_weights(self, parent_level: str, child_level: str) -> np.ndarray:
        """(n_child × n_parent) matrix: each child's weight within its ancestor at ``parent_level`` (columns sum 1)."""
        kids, parents = self.codes(child_level), self.codes(parent_level)
        pos = pd.Index(parents).get_indexer([self._ancestor(k, parent_level) for k in kids])
        if (pos < 0).any():
            raise SPBEError(f"{child_level} is not below {parent_level} in {self.name}", field="level")
        m = np.zeros((len(kids), len(parents)))
        m[np.arange(len(kids)), pos] = self.weights(child_level)
        return _readonly(m / m.sum(axis=0, keepdims=True))

    @property
    def indicator_to_aspect(self) -> np.ndarray:
        """(n_indicators × n_aspects): relative weight of each scored input within its aspect."""
        kids = self.indicator_codes
        parents = self.aspect_codes
        pos = pd.Index(parents).get_indexer([self._ancestor(k, "aspect") for k in kids])
        m = np.zeros((len(kids), len(parents)))
        m[np.arange(len(kids)), pos] = self.indicator_weights
        return _readonly(m / m.sum(axis=0, keepdims=True))

    @property
    def aspect_to_domain(self) -> np.ndarray:
        """(n_aspects × n_domains): relative weight of each aspect within its domain."""
        return self.relative_weights("domain", "aspect")

    def concept_of(self, codes) -> pd.Series:
        """Concept tag (policy, governance, ..., see :func:`concepts`) of each code."""
        concept = self._nodes.set_index("code")["concept"]
        codes = [codes] if isinstance(codes, str) else list(codes)
        unknown = [c for c in codes if c not in concept.index]
        if unknown:
            raise SPBEError(f"unknown code {unknown[0]!r} in {self.name}", field="code")
        return pd.Series(concept.loc[codes].to_numpy(), index=codes, name="concept")

    def conversion_for(self, indicator: str) -> Conversion | None:
        return next((c for c in self.conversions if c.indicator == str(indicator)), None)

    def value_grid(self, code: str) -> int | None:
        """For integer scales: the N such that every possible value of node ``code`` is a multiple of 1/N
        (N = 10 for a mean of ten equally weighted indicators). None for continuous scales or converted inputs."""
        if not self.is_integer:
            return None
        leaves = [leaf for leaf in self.indicator_codes if self._is_below(leaf, code)]
        if any(self.conversion_for(leaf) for leaf in leaves):
            return None
        w = self._nodes.set_index("code")["weight"]
        total = Fraction(float(w[code])).limit_denominator(100000)
        fracs = [Fraction(float(w[leaf])).limit_denominator(100000) / total for leaf in leaves]
        return math.lcm(*(f.denominator for f in fracs))

    def _is_below(self, code: str, ancestor: str) -> bool:
        parent = self._parent_map
        while code:
            if code == ancestor:
                return True
            code = parent.get(code, "")
        return False

    # ----------------------------------------------------------------------------- compiled
    @cached_property
    def _compiled(self) -> _Compiled:
        return _compile(self._nodes)

    @cached_property
    def _truncated(self) -> dict:
        return {}

    def truncated(self, level: str) -> "Framework":
        """This framework with the nodes at ``level`` as its inputs (continuous values on the same range):
        what :func:`~spbe_research.scoring.index_from` scores published domain or aspect values with."""
        self._require_level(level)
        if level == self.tree_levels[0]:
            raise SPBEError("cannot truncate at the index itself", field="level")
        cache = self._truncated
        if level not in cache:
            depth = self.tree_levels.index(level)
            keep = self._nodes["level"].isin(self.tree_levels[:depth + 1])
            nodes = self._nodes[keep].reset_index(drop=True)
            cache[level] = replace(self, _nodes=nodes, tree_levels=self.tree_levels[:depth + 1], indicator_level=level,
                                   scale_kind="continuous", conversions=(),
                                   edits=self.edits + (f"truncated at {level}",))
        return cache[level]

    # ----------------------------------------------------------------------------- edits
    def with_weights(self, weights: dict, *, note: str | None = None) -> "Framework":
        """A copy with new weights: ``{code: weight}`` in percent of the whole index, or relative weights of
        siblings (any positive numbers; each edited group keeps its parent's weight). Subtrees scale along."""
        nodes = self._nodes.copy()
        w = nodes.set_index("code")["weight"].astype(float)
        parent = nodes.set_index("code")["parent"]
        unknown = [c for c in weights if c not in w.index or parent[c] == ""]
        if unknown:
            raise SPBEError(f"cannot set the weight of {unknown[0]!r} in {self.name}", field="weights")
        new = w.copy()
        for par, group in pd.Series(weights, dtype=object).groupby(parent[list(weights)]):
            vals = pd.Series([_positive(v, k) for k, v in group.items()], index=group.index)
            kids = list(self.children(par))
            given = vals.reindex(kids)
            # siblings not named keep their current share of the parent; named ones take the given proportions
            keep = given.isna()
            base = w[kids]
            share_given = 1 - base[keep.to_numpy()].sum() / w[par]
            if share_given <= 0:
                raise SPBEError(f"no weight left for the edited children of {par!r}", field="weights")
            scaled = given[~keep] / given[~keep].sum() * share_given * w[par]
            for k in kids:
                if not keep[k]:
                    factor = scaled[k] / w[k]
                    for d in self._descendants(k):
                        new[d] = w[d] * factor
        nodes["weight"] = nodes["code"].map(new)
        return self._edited(nodes, note or f"weights {dict(weights)}")

    def drop(self, codes, *, note: str | None = None) -> "Framework":
        """A copy without the given nodes (and their subtrees); their siblings' weights are rescaled so that
        every parent keeps its weight (the what-if removal of the JRC audit)."""
        codes = [codes] if isinstance(codes, str) else list(codes)
        nodes = self._nodes
        w = nodes.set_index("code")["weight"].astype(float)
        parent = nodes.set_index("code")["parent"]
        gone = set()
        for c in codes:
            if c not in w.index or parent[c] == "":
                raise SPBEError(f"cannot drop {c!r} from {self.name}", field="codes")
            gone |= set(self._descendants(c))
        new = w.copy()
        for par in sorted({parent[c] for c in codes}):
            kids = self.children(par)
            left = [k for k in kids if k not in gone]
            if not left:
                raise SPBEError(f"dropping {codes} leaves {par!r} with no children", field="codes")
            factor = w[par] / w[left].sum()
            for k in left:
                for d in self._descendants(k):
                    new[d] = w[d] * factor
        kept = nodes[~nodes["code"].isin(gone)].copy()
        kept["weight"] = kept["code"].map(new)
        conversions = tuple(c for c in self.conversions if c.indicator not in gone)
        return replace(self._edited(kept, note or f"dropped {', '.join(codes)}"), conversions=conversions)

    def with_bands(self, lowers, names=None, *, edge_rule: str | None = None, decimals: int | None = None,
                   note: str | None = None) -> "Framework":
        """A copy with other predicate bands: ``lowers`` are the lower edges (first = scale minimum)."""
        lowers = [float(x) for x in lowers]
        names = list(names) if names is not None else list(self.predicates)
        raw = [{"name": n, "name_en": "", "lower": lo} for n, lo in zip(names, lowers)]
        if len(lowers) != len(names):
            raise SPBEError("give one name per band", field="bands")
        bands = _bands(raw, self.scale_min, self.scale_max, "bands", "bands")
        rule = edge_rule or self.edge_rule
        fw = replace(self, bands=bands, edge_rule=_choice(rule, EDGE_RULES, "bands", "edge_rule"),
                     band_decimals=self.band_decimals if decimals is None else int(decimals),
                     edits=self.edits + (note or f"bands {list(lowers)} ({rule})",))
        return fw

    def with_aggregation(self, aggregation, *, note: str | None = None) -> "Framework":
        """A copy whose default aggregation is ``aggregation`` (a mean for every level, or ``{level: mean}``)."""
        spec = aggregation if isinstance(aggregation, dict) else {lv: aggregation for lv in self._internal_levels}
        for lv, m in spec.items():
            if lv not in self._internal_levels:
                raise SPBEError(f"{self.name} has no aggregating level {lv!r} (levels with children: "
                                f"{', '.join(self._internal_levels)})", field="aggregation")
            mean_exponent(m)
        merged = dict(self.aggregation)
        merged.update(spec)
        return replace(self, aggregation=tuple(merged.items()),
                       edits=self.edits + (note or f"aggregation {spec}",))

    @property
    def _internal_levels(self) -> tuple:
        return tuple(dict.fromkeys(self._compiled.internal_level))

    def _descendants(self, code: str) -> list:
        out, todo = [], [code]
        kids = self._nodes.groupby("parent")["code"].apply(list).to_dict()
        while todo:
            c = todo.pop()
            out.append(c)
            todo.extend(kids.get(c, []))
        return out

    def _edited(self, nodes: pd.DataFrame, note: str) -> "Framework":
        nodes = nodes.reset_index(drop=True)
        _validate_tree(nodes, self.tree_levels, self.indicator_level, "index", f"edited {self.name}", None)
        return replace(self, _nodes=nodes, edits=self.edits + (note,))


def _positive(v, name) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(v, bool) or not math.isfinite(x) or x <= 0:
        raise SPBEError(f"weight of {name!r} must be a positive number, got {v!r}", field="weights")
    return x


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------------- compile
def _compile(nodes: pd.DataFrame) -> _Compiled:
    codes = nodes["code"].tolist()
    parent = dict(zip(codes, nodes["parent"]))
    level = dict(zip(codes, nodes["level"]))
    weight = dict(zip(codes, nodes["weight"].astype(float)))
    kids: dict = {}
    for c in codes:
        if parent[c]:
            kids.setdefault(parent[c], []).append(c)
    leaves = tuple(c for c in codes if c not in kids)
    height: dict = {}

    def h(c):
        if c not in height:
            height[c] = 0 if c not in kids else 1 + max(h(k) for k in kids[c])
        return height[c]

    for c in codes:
        h(c)
    internal = tuple(sorted((c for c in codes if c in kids), key=lambda c: (height[c], codes.index(c))))
    col = {c: i for i, c in enumerate(leaves)}
    col.update({c: len(leaves) + i for i, c in enumerate(internal)})
    steps = []
    groups: dict = {}
    for c in internal:
        groups.setdefault((height[c], level[c]), []).append(c)
    for (_, lv), parents in sorted(groups.items(), key=lambda kv: (kv[0][0], min(internal.index(p) for p in kv[1]))):
        child_codes = [k for p in parents for k in kids[p]]
        W = np.zeros((len(child_codes), len(parents)))
        for j, p in enumerate(parents):
            total = sum(weight[k] for k in kids[p])
            for k in kids[p]:
                W[child_codes.index(k), j] = weight[k] / total
        steps.append((lv, _readonly(np.array([col[k] for k in child_codes])),
                      _readonly(np.array([col[p] - len(leaves) for p in parents])), _readonly(W)))
    # arithmetic composition: internal value = leaves @ composition[:, j]
    comp = np.zeros((len(leaves) + len(internal), len(internal)))
    full = np.zeros((len(leaves) + len(internal), len(leaves)))
    full[:len(leaves)] = np.eye(len(leaves))
    for _, child_cols, out_cols, W in steps:
        full[len(leaves) + out_cols] = W.T @ full[child_cols]
    comp = full[len(leaves):].T.copy()
    root = next(c for c in codes if not parent[c])
    leaf_w = np.array([weight[c] for c in leaves]) / weight[root]  # weights are % of the root (validated)
    return _Compiled(leaves=leaves, internal=internal, internal_level=tuple(level[c] for c in internal),
                     steps=tuple(steps), composition=_readonly(comp), leaf_weights=_readonly(leaf_w))


# --------------------------------------------------------------------------------------------- loading
def _err(msg, file, row=None, fld=None):
    return SPBEError(msg, file=file, row=row, field=fld)


def _choice(value, options, file, fld, row=None):
    if value not in options:
        raise _err(f"{fld} must be one of {', '.join(map(repr, options))}, got {value!r}", file, row, fld)
    return value


def _number(value, file, fld, row=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _err(f"{fld} must be a finite number, got {value!r}", file, row, fld)
    return float(value)


def _grade(value, file, fld, row=None, allow_empty=True) -> str:
    v = "" if value is None else str(value).strip()
    if v == "" and allow_empty:
        return ""
    if v not in EVIDENCE_GRADES:
        raise _err(f"evidence grade must be one of A, B, C, got {value!r}", file, row, fld)
    return v


def _bands(raw, lo, hi, file, key) -> tuple:
    if not isinstance(raw, list) or not raw:
        raise _err("bands must be a non-empty list of {name, lower}", file, key, "bands")
    bands = []
    for i, b in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(b, dict) or not isinstance(b.get("name"), str) or not b["name"].strip():
            raise _err("every band needs a name", file, where, "name")
        bands.append((b["name"].strip(), str(b.get("name_en", "")), _number(b.get("lower"), file, "lower", where)))
    names = [b[0] for b in bands]
    dup = [n for n in names if names.count(n) > 1]
    if dup:
        raise _err(f"band name {dup[0]!r} appears twice", file, key, "name")
    lowers = [b[2] for b in bands]
    if abs(lowers[0] - lo) > _SCALE_TOL:
        raise _err(f"the first band must start at the scale minimum {lo:g}, not {lowers[0]:g} (bands must cover "
                   f"the scale)", file, f"{key}[0]", "lower")
    for i in range(1, len(lowers)):
        if not lowers[i] > lowers[i - 1]:
            raise _err(f"band lower edges must increase: {lowers[i]:g} after {lowers[i - 1]:g}", file, f"{key}[{i}]",
                       "lower")
    if lowers[-1] >= hi:
        raise _err(f"band {names[-1]!r} starts at {lowers[-1]:g}, at or above the scale maximum {hi:g}", file,
                   f"{key}[{len(lowers) - 1}]", "lower")
    uppers = lowers[1:] + [hi]
    return tuple(Band(n, e, lo_, up) for (n, e, lo_), up in zip(bands, uppers))


def _conversions(raw, fw_file, leaves, lo, hi) -> tuple:
    out = []
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _err("conversions must be an array of tables ([[conversions]])", fw_file, "conversions", "conversions")
    seen = set()
    for i, c in enumerate(raw):
        where = f"conversions[{i}]"
        if not isinstance(c, dict):
            raise _err("a conversion must be a table", fw_file, where, "conversions")
        cid = str(c.get("id", "")).strip()
        if not cid:
            raise _err("a conversion needs an id", fw_file, where, "id")
        ind = str(c.get("indicator", "")).strip()
        if ind not in leaves:
            raise _err(f"conversion {cid!r} feeds {ind!r}, which is not an input (leaf) of the tree", fw_file, where,
                       "indicator")
        if ind in seen:
            raise _err(f"indicator {ind!r} has two conversions", fw_file, where, "indicator")
        seen.add(ind)
        kind = _choice(c.get("kind"), _CONVERSION_KINDS, fw_file, "kind", where)
        imin, imax = _number(c.get("input_min"), fw_file, "input_min", where), _number(c.get("input_max"), fw_file,
                                                                                        "input_max", where)
        if not imin < imax:
            raise _err("input_min must be below input_max", fw_file, where, "input_max")
        kw = dict(id=cid, indicator=ind, external_index=str(c.get("external_index", "")), kind=kind, input_min=imin,
                  input_max=imax, evidence_grade=_grade(c.get("evidence_grade"), fw_file, "evidence_grade", where),
                  source=str(c.get("source", "")))
        if kind == "thresholds":
            breaks = [_number(x, fw_file, "breaks", where) for x in c.get("breaks") or []]
            values = [_number(x, fw_file, "values", where) for x in c.get("values") or []]
            if not breaks or len(values) != len(breaks) + 1:
                raise _err("thresholds need breaks and one more value than breaks", fw_file, where, "values")
            if any(b2 <= b1 for b1, b2 in zip(breaks, breaks[1:])) or breaks[0] <= imin or breaks[-1] >= imax:
                raise _err("breaks must increase strictly inside (input_min, input_max)", fw_file, where, "breaks")
            if any(v < lo - _SCALE_TOL or v > hi + _SCALE_TOL for v in values):
                raise _err(f"converted values must lie on the scale {lo:g}-{hi:g}", fw_file, where, "values")
            kw.update(breaks=tuple(breaks), values=tuple(values),
                      closed=_choice(c.get("closed", "right"), ("right", "left"), fw_file, "closed", where))
        elif kind == "linear":
            omin, omax = _number(c.get("output_min"), fw_file, "output_min", where), _number(
                c.get("output_max"), fw_file, "output_max", where)
            if omin < lo - _SCALE_TOL or omax > hi + _SCALE_TOL or not omin < omax:
                raise _err(f"output range must lie on the scale {lo:g}-{hi:g}", fw_file, where, "output_max")
            kw.update(output_min=omin, output_max=omax)
        else:
            if imin < lo - _SCALE_TOL or imax > hi + _SCALE_TOL:
                raise _err(f"a 'given' conversion takes values already on the scale {lo:g}-{hi:g}", fw_file, where,
                           "input_max")
        if "missing" in c:
            m = _number(c["missing"], fw_file, "missing", where)
            if m < lo - _SCALE_TOL or m > hi + _SCALE_TOL:
                raise _err(f"missing value {m:g} is off the scale {lo:g}-{hi:g}", fw_file, where, "missing")
            kw["missing"] = m
        out.append(Conversion(**kw))
    return tuple(out)


def _read_nodes(path: Path, display: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise _err("node table not found", display) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise _err(f"cannot read the node table: {e}", display) from None
    return _clean_nodes(raw, display)


def _clean_nodes(raw: pd.DataFrame, display: str) -> pd.DataFrame:
    raw = raw.copy()
    for c in raw.columns:
        raw[c] = raw[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                            if not isinstance(v, str) else v)
    missing = [c for c in _NODE_COLUMNS if c not in raw.columns]
    if missing:
        raise _err(f"node table lacks column {missing[0]!r} (needs {', '.join(_NODE_COLUMNS)})", display, None,
                   missing[0])
    for c in _OPTIONAL_NODE_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    raw = raw[list(_NODE_COLUMNS + _OPTIONAL_NODE_COLUMNS)].apply(lambda s: s.str.strip())
    weights = pd.to_numeric(raw["weight"], errors="coerce")
    bad = weights.isna() | ~np.isfinite(weights) | (weights <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _err(f"weight of {raw.at[i, 'code']!r} must be a positive number, got {raw.at[i, 'weight']!r}",
                   display, i + 2, "weight")
    raw["weight"] = weights.astype(float)
    for i, g in enumerate(raw["evidence_grade"]):
        _grade(g, display, "evidence_grade", i + 2)
    return raw


def _validate_tree(nodes: pd.DataFrame, levels: tuple, indicator_level: str, basis: str, display: str,
                   concept_vocab) -> None:
    """A tree, codes unique, levels consistent with depth, weights adding up at every node."""
    line = {c: i + 2 for i, c in enumerate(nodes["code"])}
    empty = nodes["code"] == ""
    if empty.any():
        raise _err("a node has no code", display, int(np.flatnonzero(empty.to_numpy())[0]) + 2, "code")
    dup = nodes["code"][nodes["code"].duplicated()]
    if len(dup):
        raise _err(f"code {dup.iloc[0]!r} defined twice", display, int(dup.index[0]) + 2, "code")
    roots = nodes[nodes["parent"] == ""]
    if len(roots) != 1:
        raise _err(f"the tree needs exactly one root (a node without parent), found {len(roots)}", display,
                   None if not len(roots) else line[roots["code"].iloc[1]] if len(roots) > 1 else None, "parent")
    root = roots["code"].iloc[0]
    codes = set(nodes["code"])
    for code, par, lv in zip(nodes["code"], nodes["parent"], nodes["level"]):
        if lv not in levels:
            raise _err(f"level {lv!r} of {code!r} is not one of the declared levels {list(levels)}", display,
                       line[code], "level")
        if par and par not in codes:
            raise _err(f"{code!r} has unknown parent {par!r}", display, line[code], "parent")
    if nodes.loc[nodes["code"] == root, "level"].iloc[0] != levels[0]:
        raise _err(f"the root {root!r} must be at level {levels[0]!r}", display, line[root], "level")
    parent = dict(zip(nodes["code"], nodes["parent"]))
    level = dict(zip(nodes["code"], nodes["level"]))
    for code in nodes["code"]:  # depth = position of the level; also catches cycles
        seen, c, depth = set(), code, 0
        while parent[c]:
            if c in seen:
                raise _err(f"{code!r} is in a cycle of parents", display, line[code], "parent")
            seen.add(c)
            c, depth = parent[c], depth + 1
        if c != root:
            raise _err(f"{code!r} does not lead to the root", display, line[code], "parent")
        if levels.index(level[code]) != depth:
            raise _err(f"{code!r} is at level {level[code]!r} but {depth} step(s) below the root (expected "
                       f"{levels[depth] if depth < len(levels) else 'a deeper level than declared'!r})",
                       display, line[code], "level")
    has_kids = set(nodes["parent"])
    ind_depth = levels.index(indicator_level)
    for code in nodes["code"]:
        if code not in has_kids and levels.index(level[code]) < ind_depth:
            raise _err(f"{level[code]} {code!r} has no children: every branch must reach the {indicator_level} level",
                       display, line[code], "code")
    w = dict(zip(nodes["code"], nodes["weight"]))
    kids: dict = {}
    for code, par in parent.items():
        if par:
            kids.setdefault(par, []).append(code)
    if basis == "index":
        if abs(w[root] - 100) > _WEIGHT_TOL:
            raise _err(f"the root weighs {w[root]:g} %, not 100 %", display, line[root], "weight")
        for par, ks in kids.items():
            s = sum(w[k] for k in ks)
            if abs(s - w[par]) > _WEIGHT_TOL * max(1.0, len(ks)):
                raise _err(f"{level[par]} {par} weighs {w[par]:g} % but its parts add up to {s:.6f} %", display,
                           line[par], "weight")
    if concept_vocab is not None:
        for code, con in zip(nodes["code"], nodes["concept"]):
            if con and con not in concept_vocab:
                raise _err(f"unknown concept {con!r} of {code!r} (known: {', '.join(concept_vocab)})", display,
                           line[code], "concept")


def _to_index_weights(nodes: pd.DataFrame, display: str) -> pd.DataFrame:
    """Weights given relative to the parent (children of each node sum to 100) → percent of the index."""
    nodes = nodes.copy()
    parent = dict(zip(nodes["code"], nodes["parent"]))
    rel = dict(zip(nodes["code"], nodes["weight"]))
    kids: dict = {}
    for c, p in parent.items():
        if p:
            kids.setdefault(p, []).append(c)
    line = {c: i + 2 for i, c in enumerate(nodes["code"])}
    for p, ks in kids.items():
        s = sum(rel[k] for k in ks)
        if abs(s - 100) > _WEIGHT_TOL * max(1.0, len(ks)):
            raise _err(f"the children of {p!r} add up to {s:.6f} %, not 100 % (weights = 'parent')", display,
                       line[ks[0]], "weight")
    glob = {}

    def g(c):
        if c not in glob:
            glob[c] = 100.0 if not parent[c] else g(parent[c]) * rel[c] / 100
        return glob[c]

    nodes["weight"] = [g(c) for c in nodes["code"]]
    return nodes


def _resolve_concepts(nodes: pd.DataFrame) -> pd.DataFrame:
    """An empty concept inherits its parent's."""
    nodes = nodes.copy()
    parent = dict(zip(nodes["code"], nodes["parent"]))
    concept = dict(zip(nodes["code"], nodes["concept"]))

    def c(code):
        if not concept[code] and parent[code]:
            concept[code] = c(parent[code])
        return concept[code]

    nodes["concept"] = [c(code) for code in nodes["code"]]
    return nodes


def load_framework(path) -> Framework:
    """Read and validate a framework definition (a folder with ``framework.toml`` and ``nodes.csv``, or the
    path of the ``framework.toml``). Any problem raises :class:`SPBEError` naming the file, row and field."""
    p = Path(path)
    toml_path = p / "framework.toml" if p.is_dir() else p
    display = str(toml_path)
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err("framework definition not found (a folder with framework.toml and nodes.csv)", display) from None
    except (OSError, UnicodeDecodeError) as e:
        raise _err(f"cannot read the framework definition: {e}", display) from None
    except tomllib.TOMLDecodeError as e:
        raise _err(f"not valid TOML: {e}", display) from None
    return _build(meta, toml_path, display)


def _table(meta, key, display) -> dict:
    t = meta.get(key)
    if not isinstance(t, dict):
        raise _err(f"missing table [{key}]", display, key, key)
    return t


def _build(meta: dict, toml_path: Path | None, display: str, nodes: pd.DataFrame | None = None) -> Framework:
    fw = _table(meta, "framework", display)
    for k in ("id", "name"):
        if not isinstance(fw.get(k), str) or not fw[k].strip():
            raise _err(f"[framework] needs a non-empty {k}", display, "framework", k)
    tree = _table(meta, "tree", display)
    levels = tree.get("levels")
    if not isinstance(levels, list) or len(levels) < 2 or not all(isinstance(x, str) and x for x in levels) \
            or len(set(levels)) != len(levels):
        raise _err("[tree] levels must list at least two distinct level names, root first", display, "tree", "levels")
    ind_level = tree.get("indicator_level", levels[-1])
    if ind_level not in levels[1:]:
        raise _err(f"indicator_level {ind_level!r} must be one of the levels below the root", display, "tree",
                   "indicator_level")
    basis = _choice(tree.get("weights", "index"), ("index", "parent"), display, "weights", "tree")
    if nodes is None:
        nodes_path = toml_path.parent / tree.get("nodes", "nodes.csv")
        nodes_display = str(nodes_path)
        nodes = _read_nodes(nodes_path, nodes_display)
    else:
        nodes_display = display
        nodes = _clean_nodes(nodes, display)
    if basis == "parent":
        _validate_tree(nodes.assign(weight=1.0), tuple(levels), ind_level, "none", nodes_display, None)
        nodes = _to_index_weights(nodes, nodes_display)
    _validate_tree(nodes, tuple(levels), ind_level, "index", nodes_display, _concept_vocabulary())
    nodes = _resolve_concepts(nodes)

    scale = _table(meta, "scale", display)
    kind = _choice(scale.get("kind"), ("integer", "continuous"), display, "kind", "scale")
    lo, hi = _number(scale.get("min"), display, "min", "scale"), _number(scale.get("max"), display, "max", "scale")
    if not lo < hi:
        raise _err("scale min must be below max", display, "scale", "max")
    if kind == "integer" and (lo != int(lo) or hi != int(hi)):
        raise _err("an integer scale needs whole-number min and max", display, "scale", "min")
    labels = []
    for i, lab in enumerate(scale.get("labels") or []):
        where = f"scale.labels[{i}]"
        if not isinstance(lab, dict):
            raise _err("a label must be a table {value, name, name_en}", display, where, "labels")
        v = _number(lab.get("value"), display, "value", where)
        if v < lo or v > hi:
            raise _err(f"label value {v:g} is off the scale {lo:g}-{hi:g}", display, where, "value")
        labels.append({"capability": str(lab.get("capability", "")), "level": int(v) if v == int(v) else v,
                       "name": str(lab.get("name", "")), "name_en": str(lab.get("name_en", ""))})
    label_df = pd.DataFrame(labels, columns=["capability", "level", "name", "name_en"])

    bands_t = _table(meta, "bands", display)
    bands = _bands(bands_t.get("bands"), lo, hi, display, "bands")
    rule = _choice(bands_t.get("edge_rule", "unrounded"), EDGE_RULES, display, "edge_rule", "bands")
    decimals = bands_t.get("decimals", 2)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise _err("decimals must be an integer from 0 to 6", display, "bands", "decimals")

    years = meta.get("years", {})
    if not isinstance(years, dict):
        raise _err("[years] must be a table", display, "years", "years")
    first, last = years.get("first"), years.get("last")
    for k, v in (("first", first), ("last", last)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise _err(f"years.{k} must be a year such as 2021", display, "years", k)
    if last is not None and (first is None or last < first):
        raise _err("years.last needs years.first and must not precede it", display, "years", "last")

    compiled_leaves = [c for c in nodes["code"] if c not in set(nodes["parent"])]
    conversions = _conversions(meta.get("conversions"), display, compiled_leaves, lo, hi)

    agg = meta.get("aggregation", {})
    if not isinstance(agg, dict):
        raise _err("[aggregation] must be a table", display, "aggregation", "aggregation")
    internal_levels = [lv for lv in levels if lv in set(nodes.loc[nodes["code"].isin(set(nodes["parent"])), "level"])]
    default = agg.get("default", "arithmetic")
    spec = {lv: agg.get(lv, default) for lv in internal_levels}
    unknown = [k for k in agg if k != "default" and k not in internal_levels]
    if unknown:
        raise _err(f"aggregation for unknown level {unknown[0]!r}", display, "aggregation", unknown[0])
    for lv, m in spec.items():
        try:
            mean_exponent(m)
        except SPBEError as e:
            raise _err(str(e), display, "aggregation", lv) from None

    evidence = tuple((topic, _grade(t.get("evidence_grade"), display, "evidence_grade", topic), str(t.get("source", "")))
                     for topic, t in (("years", years), ("scale", scale), ("bands", bands_t)))
    aliases = fw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise _err("aliases must be a list of strings", display, "framework", "aliases")
    return Framework(
        id=fw["id"].strip(), name=fw["name"].strip(), short=str(fw.get("short", fw["id"])), aliases=tuple(aliases),
        title=str(fw.get("title", fw["name"])), index_name=str(fw.get("index_name", "index")),
        index_name_en=str(fw.get("index_name_en", fw.get("index_name", "index"))),
        status=str(fw.get("status", "user-defined")), legal_basis=str(fw.get("legal_basis", "")),
        citation=str(fw.get("citation", "")), notes=str(fw.get("notes", "")),
        evidence_grade=_grade(fw.get("evidence_grade"), display, "evidence_grade", "framework"),
        source=str(fw.get("source", "")), first_year=first, last_year=last, tree_levels=tuple(levels),
        indicator_level=ind_level, scale_kind=kind, scale_min=lo, scale_max=hi, bands=bands, edge_rule=rule,
        band_decimals=decimals, aggregation=tuple(spec.items()), conversions=conversions, evidence=evidence,
        _nodes=nodes.reset_index(drop=True), _scale_labels=label_df,
        path=None if toml_path is None else str(toml_path.parent),
    )


def build_framework(nodes: pd.DataFrame, *, name: str = "user framework", scale=("integer", 1, 5), bands=None,
                    levels=None, indicator_level: str | None = None, weights: str = "index",
                    aggregation="arithmetic", edge_rule: str = "unrounded", **framework) -> Framework:
    """A framework from a node table in memory, validated exactly like a definition file.

    ``nodes``: columns ``code``, ``parent``, ``level``, ``weight``, ``name``, ``name_en`` (others optional);
    ``scale``: ``(kind, min, max)``; ``bands``: ``[(name, lower), ...]`` (default: one band over the scale);
    ``levels``: level names from the root down (default: the order in which they first appear);
    further keyword arguments fill the ``[framework]`` table (``short``, ``citation``, ...).
    """
    from .checks import frame

    frame(nodes, name="nodes", required=_NODE_COLUMNS)
    if levels is None:
        levels = list(dict.fromkeys(nodes["level"].astype(str)))
    kind, lo, hi = scale
    bands = bands if bands is not None else [("all", lo)]
    meta = {
        "framework": {"id": framework.pop("id", name), "name": name, **framework},
        "tree": {"levels": list(levels), "indicator_level": indicator_level or list(levels)[-1], "weights": weights},
        "scale": {"kind": kind, "min": lo, "max": hi},
        "bands": {"edge_rule": edge_rule, "bands": [{"name": n, "lower": b} for n, b in bands]},
        "aggregation": {"default": aggregation},
    }
    return _build(meta, None, f"<nodes of {name}>", nodes=nodes)


# --------------------------------------------------------------------------------------------- shipped
def _data_dir():
    return resources.files("spbe_research") / "data" / "frameworks"


@lru_cache(maxsize=None)
def _concept_vocabulary() -> tuple:
    return tuple(concepts()["concept"])


@lru_cache(maxsize=None)
def _concepts() -> pd.DataFrame:
    with (_data_dir() / "concepts.csv").open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def example_path(name: str = "village_digital_index") -> Path:
    """Folder of a small example definition shipped for teaching (copy it to write your own framework)."""
    p = Path(str(resources.files("spbe_research") / "data" / "examples" / name))
    if not (p / "framework.toml").is_file():
        raise SPBEError(f"no example framework {name!r}", field="name")
    return p


def concepts() -> pd.DataFrame:
    """The concept vocabulary that tags domains and aspects across frameworks (``concept``, ``name``,
    ``name_en``, ``description``): one concept, one colour in every figure of the package."""
    return _concepts().copy()


@lru_cache(maxsize=None)
def _shipped() -> tuple:
    out = []
    for d in sorted(_data_dir().iterdir(), key=lambda x: x.name):
        toml = d / "framework.toml"
        if toml.is_file():
            out.append(load_framework(Path(str(toml))))
    return tuple(out)


def list_frameworks() -> pd.DataFrame:
    """The shipped frameworks: ``name``, ``short``, ``status``, ``first_year``, ``last_year``, ``n_indicators``,
    ``scale``, ``evidence_grade``."""
    rows = []
    for fw in _shipped():
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
    for fw in _shipped():
        if wanted in {_key(a) for a in (*fw.aliases, fw.name, fw.short, fw.id)}:
            return fw
    names = ", ".join(f"{fw.name} ({fw.short!r})" for fw in _shipped())
    raise SPBEError(f"unknown framework {name!r}; shipped: {names}; or load your own with load_framework(path)",
                    field="framework")


def framework_for_year(year) -> Framework:
    """The enacted framework that governs an evaluation year (2018-2020: 5/2018, 2021-2025: 59/2020, from 2026:
    8/2026), following each framework's declared years."""
    from .checks import _Bad, to_float

    try:
        v = to_float(year) if not isinstance(year, str) else math.nan
    except _Bad:
        v = math.nan
    if not math.isfinite(v) or v != int(v):
        raise SPBEError(f"evaluation year must be an integer, got {year!r}", field="year")
    y = int(v)
    found = [fw for fw in _shipped() if fw.status == "enacted" and fw.covers_year(y)]
    if not found:
        first = min(fw.first_year for fw in _shipped() if fw.first_year)
        raise SPBEError(f"no framework for evaluation year {year!r} (evaluations start in {first})", field="year")
    return found[0]


# --------------------------------------------------------------------------------------------- crosswalks
_CROSSWALK_COLUMNS = ("from_code", "to_code", "relation", "share", "relation_note", "evidence", "grade")


def load_crosswalk(path, from_framework, to_framework) -> pd.DataFrame:
    """Read and validate a crosswalk file (one row per link; see the format README)."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    display = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            raw = pd.read_csv(f, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise _err("crosswalk file not found", display) from None
    return _crosswalk_frame(raw, a, b, display)


def _crosswalk_frame(raw: pd.DataFrame, a: Framework, b: Framework, display: str) -> pd.DataFrame:
    missing = [c for c in _CROSSWALK_COLUMNS if c not in raw.columns]
    if missing:
        raise _err(f"crosswalk lacks column {missing[0]!r}", display, None, missing[0])
    a_codes = set(a._nodes["code"])
    b_codes = set(b._nodes["code"])
    share = pd.to_numeric(raw["share"].replace("", np.nan), errors="coerce")
    for i, r in raw.iterrows():
        row = i + 2
        if r["relation"] not in CROSSWALK_RELATIONS:
            raise _err(f"unknown relation {r['relation']!r}", display, row, "relation")
        if r["from_code"] and r["from_code"] not in a_codes:
            raise _err(f"{a.name} has no code {r['from_code']!r}", display, row, "from_code")
        if r["to_code"] and r["to_code"] not in b_codes:
            raise _err(f"{b.name} has no code {r['to_code']!r}", display, row, "to_code")
        if not r["from_code"] and not r["to_code"]:
            raise _err("a link needs a from_code or a to_code", display, row, "from_code")
        if (r["relation"] == "new") != (not r["from_code"]) or (r["relation"] == "dropped") != (not r["to_code"]):
            raise _err("'new' links have no from_code and 'dropped' links no to_code (and only they)", display, row,
                       "relation")
        _grade(r["grade"], display, "grade", row, allow_empty=False)
        if r["from_code"] and r["to_code"] and not (0 < share[i] <= 1):
            raise _err(f"share must be in (0, 1], got {r['share']!r}", display, row, "share")
    linked = raw[(raw["from_code"] != "") & (raw["to_code"] != "")]
    sums = pd.to_numeric(linked["share"]).groupby(linked["from_code"]).sum()
    off = sums[(sums - 1).abs() > 1e-6]
    if len(off):
        raise _err(f"the shares of {off.index[0]!r} add up to {off.iloc[0]:g}, not 1", display, None, "share")
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
    path = _data_dir() / "crosswalks" / f"{a_id}__{b_id}.csv"
    if not path.is_file():
        raise SPBEError(f"no shipped crosswalk from {a_id} to {b_id}; load one with load_crosswalk(path, ...)",
                        field="crosswalk")
    with path.open("r", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str, keep_default_na=False)
    a = next(fw for fw in _shipped() if fw.id == a_id)
    b = next(fw for fw in _shipped() if fw.id == b_id)
    return _crosswalk_frame(raw, a, b, f"crosswalks/{a_id}__{b_id}.csv")


def get_crosswalk(from_framework="2018", to_framework="2020") -> pd.DataFrame:
    """A shipped crosswalk, one row per link: ``from_code`` → ``to_code`` with ``relation`` (same, renamed, moved,
    merged, split, partial, dropped, new), ``share`` (the part of the old indicator carried to the new one),
    ``evidence`` and ``grade`` (A/B/C). Shipped: 5/2018 → 59/2020 and 59/2020 → 8/2026."""
    a, b = get_framework(from_framework), get_framework(to_framework)
    return _shipped_crosswalk(a.id, b.id).copy()
