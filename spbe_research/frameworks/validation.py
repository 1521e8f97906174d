"""Validation of framework definitions: each check raises :class:`SPBEError` naming the file, row and field."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import SPBEError
from .parts import Band, Conversion

#: Evidence grades: A official or arithmetically verified; B secondary sources that agree; C third-party,
#: inferred or assumed.
EVIDENCE_GRADES = ("A", "B", "C")
#: How an index value is banded: on the unrounded value, or after rounding to ``decimals`` (half up).
EDGE_RULES = ("unrounded", "rounded")
NODE_COLUMNS = ("code", "parent", "level", "weight", "name", "name_en")
OPTIONAL_NODE_COLUMNS = ("concept", "capability", "external_index", "evidence_grade", "source", "description")
WEIGHT_TOL = 1e-6  # weights are percentages written with float precision
SCALE_TOL = 1e-9
CONVERSION_KINDS = ("thresholds", "linear", "given")


def err(msg, file, row=None, fld=None):
    return SPBEError(msg, file=file, row=row, field=fld)


def choice(value, options, file, fld, row=None):
    if value not in options:
        raise err(f"{fld} must be one of {', '.join(map(repr, options))}, got {value!r}", file, row, fld)
    return value


def number(value, file, fld, row=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise err(f"{fld} must be a finite number, got {value!r}", file, row, fld)
    return float(value)


def grade(value, file, fld, row=None, allow_empty=True) -> str:
    v = "" if value is None else str(value).strip()
    if v == "" and allow_empty:
        return ""
    if v not in EVIDENCE_GRADES:
        raise err(f"evidence grade must be one of A, B, C, got {value!r}", file, row, fld)
    return v


def bands(raw, lo, hi, file, key) -> tuple:
    if not isinstance(raw, list) or not raw:
        raise err("bands must be a non-empty list of {name, lower}", file, key, "bands")
    bands = []
    for i, b in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(b, dict) or not isinstance(b.get("name"), str) or not b["name"].strip():
            raise err("every band needs a name", file, where, "name")
        bands.append((b["name"].strip(), str(b.get("name_en", "")), number(b.get("lower"), file, "lower", where)))
    names = [b[0] for b in bands]
    dup = [n for n in names if names.count(n) > 1]
    if dup:
        raise err(f"band name {dup[0]!r} appears twice", file, key, "name")
    lowers = [b[2] for b in bands]
    if abs(lowers[0] - lo) > SCALE_TOL:
        raise err(f"the first band must start at the scale minimum {lo:g}, not {lowers[0]:g} (bands must cover "
                   f"the scale)", file, f"{key}[0]", "lower")
    for i in range(1, len(lowers)):
        if not lowers[i] > lowers[i - 1]:
            raise err(f"band lower edges must increase: {lowers[i]:g} after {lowers[i - 1]:g}", file, f"{key}[{i}]",
                       "lower")
    if lowers[-1] >= hi:
        raise err(f"band {names[-1]!r} starts at {lowers[-1]:g}, at or above the scale maximum {hi:g}", file,
                   f"{key}[{len(lowers) - 1}]", "lower")
    uppers = lowers[1:] + [hi]
    return tuple(Band(n, e, lo_, up) for (n, e, lo_), up in zip(bands, uppers))


def conversions(raw, fw_file, leaves, lo, hi) -> tuple:
    out = []
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise err("conversions must be an array of tables ([[conversions]])", fw_file, "conversions", "conversions")
    seen = set()
    for i, c in enumerate(raw):
        where = f"conversions[{i}]"
        if not isinstance(c, dict):
            raise err("a conversion must be a table", fw_file, where, "conversions")
        cid = str(c.get("id", "")).strip()
        if not cid:
            raise err("a conversion needs an id", fw_file, where, "id")
        ind = str(c.get("indicator", "")).strip()
        if ind not in leaves:
            raise err(f"conversion {cid!r} feeds {ind!r}, which is not an input (leaf) of the tree", fw_file, where,
                       "indicator")
        if ind in seen:
            raise err(f"indicator {ind!r} has two conversions", fw_file, where, "indicator")
        seen.add(ind)
        kind = choice(c.get("kind"), CONVERSION_KINDS, fw_file, "kind", where)
        imin, imax = number(c.get("input_min"), fw_file, "input_min", where), number(c.get("input_max"), fw_file,
                                                                                        "input_max", where)
        if not imin < imax:
            raise err("input_min must be below input_max", fw_file, where, "input_max")
        kw = dict(id=cid, indicator=ind, external_index=str(c.get("external_index", "")), kind=kind, input_min=imin,
                  input_max=imax, evidence_grade=grade(c.get("evidence_grade"), fw_file, "evidence_grade", where),
                  source=str(c.get("source", "")))
        if kind == "thresholds":
            breaks = [number(x, fw_file, "breaks", where) for x in c.get("breaks") or []]
            values = [number(x, fw_file, "values", where) for x in c.get("values") or []]
            if not breaks or len(values) != len(breaks) + 1:
                raise err("thresholds need breaks and one more value than breaks", fw_file, where, "values")
            if any(b2 <= b1 for b1, b2 in zip(breaks, breaks[1:])) or breaks[0] <= imin or breaks[-1] >= imax:
                raise err("breaks must increase strictly inside (input_min, input_max)", fw_file, where, "breaks")
            if any(v < lo - SCALE_TOL or v > hi + SCALE_TOL for v in values):
                raise err(f"converted values must lie on the scale {lo:g}-{hi:g}", fw_file, where, "values")
            kw.update(breaks=tuple(breaks), values=tuple(values),
                      closed=choice(c.get("closed", "right"), ("right", "left"), fw_file, "closed", where))
        elif kind == "linear":
            omin, omax = number(c.get("output_min"), fw_file, "output_min", where), number(
                c.get("output_max"), fw_file, "output_max", where)
            if omin < lo - SCALE_TOL or omax > hi + SCALE_TOL or not omin < omax:
                raise err(f"output range must lie on the scale {lo:g}-{hi:g}", fw_file, where, "output_max")
            kw.update(output_min=omin, output_max=omax)
        else:
            if imin < lo - SCALE_TOL or imax > hi + SCALE_TOL:
                raise err(f"a 'given' conversion takes values already on the scale {lo:g}-{hi:g}", fw_file, where,
                           "input_max")
        if "missing" in c:
            m = number(c["missing"], fw_file, "missing", where)
            if m < lo - SCALE_TOL or m > hi + SCALE_TOL:
                raise err(f"missing value {m:g} is off the scale {lo:g}-{hi:g}", fw_file, where, "missing")
            kw["missing"] = m
        out.append(Conversion(**kw))
    return tuple(out)


def validate_tree(nodes: pd.DataFrame, levels: tuple, indicator_level: str, basis: str, display: str,
                   concept_vocab) -> None:
    """A tree, codes unique, levels consistent with depth, weights adding up at every node."""
    line = {c: i + 2 for i, c in enumerate(nodes["code"])}
    empty = nodes["code"] == ""
    if empty.any():
        raise err("a node has no code", display, int(np.flatnonzero(empty.to_numpy())[0]) + 2, "code")
    dup = nodes["code"][nodes["code"].duplicated()]
    if len(dup):
        raise err(f"code {dup.iloc[0]!r} defined twice", display, int(dup.index[0]) + 2, "code")
    roots = nodes[nodes["parent"] == ""]
    if len(roots) != 1:
        raise err(f"the tree needs exactly one root (a node without parent), found {len(roots)}", display,
                   None if not len(roots) else line[roots["code"].iloc[1]] if len(roots) > 1 else None, "parent")
    root = roots["code"].iloc[0]
    codes = set(nodes["code"])
    for code, par, lv in zip(nodes["code"], nodes["parent"], nodes["level"]):
        if lv not in levels:
            raise err(f"level {lv!r} of {code!r} is not one of the declared levels {list(levels)}", display,
                       line[code], "level")
        if par and par not in codes:
            raise err(f"{code!r} has unknown parent {par!r}", display, line[code], "parent")
    if nodes.loc[nodes["code"] == root, "level"].iloc[0] != levels[0]:
        raise err(f"the root {root!r} must be at level {levels[0]!r}", display, line[root], "level")
    parent = dict(zip(nodes["code"], nodes["parent"]))
    level = dict(zip(nodes["code"], nodes["level"]))
    for code in nodes["code"]:  # depth = position of the level; also catches cycles
        seen, c, depth = set(), code, 0
        while parent[c]:
            if c in seen:
                raise err(f"{code!r} is in a cycle of parents", display, line[code], "parent")
            seen.add(c)
            c, depth = parent[c], depth + 1
        if c != root:
            raise err(f"{code!r} does not lead to the root", display, line[code], "parent")
        if levels.index(level[code]) != depth:
            raise err(f"{code!r} is at level {level[code]!r} but {depth} step(s) below the root (expected "
                       f"{levels[depth] if depth < len(levels) else 'a deeper level than declared'!r})",
                       display, line[code], "level")
    has_kids = set(nodes["parent"])
    ind_depth = levels.index(indicator_level)
    for code in nodes["code"]:
        if code not in has_kids and levels.index(level[code]) < ind_depth:
            raise err(f"{level[code]} {code!r} has no children: every branch must reach the {indicator_level} level",
                       display, line[code], "code")
    w = dict(zip(nodes["code"], nodes["weight"]))
    kids: dict = {}
    for code, par in parent.items():
        if par:
            kids.setdefault(par, []).append(code)
    if basis == "index":
        if abs(w[root] - 100) > WEIGHT_TOL:
            raise err(f"the root weighs {w[root]:g} %, not 100 %", display, line[root], "weight")
        for par, ks in kids.items():
            s = sum(w[k] for k in ks)
            if abs(s - w[par]) > WEIGHT_TOL * max(1.0, len(ks)):
                raise err(f"{level[par]} {par} weighs {w[par]:g} % but its parts add up to {s:.6f} %", display,
                           line[par], "weight")
    if concept_vocab is not None:
        for code, con in zip(nodes["code"], nodes["concept"]):
            if con and con not in concept_vocab:
                raise err(f"unknown concept {con!r} of {code!r} (known: {', '.join(concept_vocab)})", display,
                           line[code], "concept")


def to_index_weights(nodes: pd.DataFrame, display: str) -> pd.DataFrame:
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
        if abs(s - 100) > WEIGHT_TOL * max(1.0, len(ks)):
            raise err(f"the children of {p!r} add up to {s:.6f} %, not 100 % (weights = 'parent')", display,
                       line[ks[0]], "weight")
    glob = {}

    def g(c):
        if c not in glob:
            glob[c] = 100.0 if not parent[c] else g(parent[c]) * rel[c] / 100
        return glob[c]

    nodes["weight"] = [g(c) for c in nodes["code"]]
    return nodes


def resolve_concepts(nodes: pd.DataFrame) -> pd.DataFrame:
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
