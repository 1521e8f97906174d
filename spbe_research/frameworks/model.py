"""The :class:`Framework` object: a validated, read-only weighted tree with its scale, bands and conversions,
compiled once into the index arrays and matrices the scoring engine uses."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import SPBEError
from ..means import mean_exponent
from . import validation
from .parts import Band, Conversion  # noqa: F401  (types of Framework fields)

__all__ = ["Framework", "Compiled"]


@dataclass(frozen=True)
class Compiled:
    """Index arrays and matrices derived once from the node table (all read-only)."""

    leaves: tuple          # leaf codes in input order
    internal: tuple        # internal node codes, children before parents (the root last)
    internal_level: tuple  # level name of each internal node
    steps: tuple           # (level, child_cols, out_cols, W) per aggregation step; cols index [leaves|internal]
    composition: np.ndarray  # (n_leaves × n_internal) value of each internal node under arithmetic means
    leaf_weights: np.ndarray  # weight of each leaf as a fraction of the index
    reported: tuple  # positions in ``internal`` of the nodes score() reports (deepest level first), the root last


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
            out[up] = [self.ancestor(self._parent_map[c], up) for c in sub["code"]]
        for c in ("name", "name_en", "concept", "capability", "external_index", "weight", "evidence_grade"):
            out[c] = sub[c].to_numpy()
        return out

    @property
    def indicators(self) -> pd.DataFrame:
        """One row per scored input (leaf): ``indicator`` (code), ``indicator_no`` (the indicator it belongs to:
        itself, or its parent indicator for an item such as 2018's ``35-1``), names, the codes of its aspect,
        domain... , ``capability``, ``concept``, ``external_index``, ``weight`` (% of the index)."""
        nodes = self._nodes.set_index("code")
        leaves = list(self.compiled.leaves)
        rows = [self.ancestor(c, self.indicator_level) for c in leaves]
        no = pd.Series(rows)
        if no.str.fullmatch(r"\d+").all():
            no = no.astype(int)
        out = pd.DataFrame({"indicator": leaves, "indicator_no": no.to_numpy()})
        out["name"] = nodes.loc[leaves, "name"].to_numpy()
        out["name_en"] = nodes.loc[leaves, "name_en"].to_numpy()
        for up in reversed(self.reported_levels):
            out[up] = [self.ancestor(c, up) for c in leaves]
        for c in ("capability", "concept", "external_index", "evidence_grade"):
            out[c] = nodes.loc[leaves, c].to_numpy()
        out["weight"] = nodes.loc[leaves, "weight"].to_numpy(float)
        return out

    def ancestor(self, code: str, level: str):
        """The code of ``code``'s ancestor at ``level`` (``code`` itself when it is at that level), or NA."""
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
        return self.compiled.leaves

    @property
    def aspect_codes(self) -> tuple:
        return self.codes("aspect")

    @property
    def domain_codes(self) -> tuple:
        return self.codes("domain")

    @property
    def indicator_weights(self) -> np.ndarray:
        """Leaf weights as fractions of the whole index (sum 1), read-only."""
        return self.compiled.leaf_weights

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
        pos = pd.Index(parents).get_indexer([self.ancestor(k, parent_level) for k in kids])
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
        pos = pd.Index(parents).get_indexer([self.ancestor(k, "aspect") for k in kids])
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
    def compiled(self) -> Compiled:
        """Index arrays and matrices of the tree, derived once (read-only); the scoring engine's input."""
        return _compile(self._nodes, self.tree_levels, self.reported_levels)

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
        bands = validation.bands(raw, self.scale_min, self.scale_max, "bands", "bands")
        rule = edge_rule or self.edge_rule
        fw = replace(self, bands=bands, edge_rule=validation.choice(rule, validation.EDGE_RULES, "bands", "edge_rule"),
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
        return tuple(dict.fromkeys(self.compiled.internal_level))

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
        validation.validate_tree(nodes, self.tree_levels, self.indicator_level, "index", f"edited {self.name}", None)
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
def _compile(nodes: pd.DataFrame, levels: tuple, reported_levels: tuple) -> Compiled:
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
    full = np.zeros((len(leaves) + len(internal), len(leaves)))
    full[:len(leaves)] = np.eye(len(leaves))
    for _, child_cols, out_cols, W in steps:
        full[len(leaves) + out_cols] = W.T @ full[child_cols]
    comp = full[len(leaves):].T.copy()
    root = next(c for c in codes if not parent[c])
    leaf_w = np.array([weight[c] for c in leaves]) / weight[root]  # weights are % of the root (validated)
    depth = {lv: i for i, lv in enumerate(levels)}
    shown = sorted((i for i, c in enumerate(internal) if level[c] in reported_levels),
                   key=lambda i: (-depth[level[internal[i]]], codes.index(internal[i])))
    return Compiled(leaves=leaves, internal=internal, internal_level=tuple(level[c] for c in internal),
                    steps=tuple(steps), composition=_readonly(comp), leaf_weights=_readonly(leaf_w),
                    reported=tuple(shown) + (internal.index(root),))


