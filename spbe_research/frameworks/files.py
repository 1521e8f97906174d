"""Reading framework definitions: a folder with ``framework.toml`` and ``nodes.csv`` (:func:`load_framework`),
or a node table in memory (:func:`build_framework`), validated identically; the format is documented in
``spbe_research/data/frameworks/README.md``."""
from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from ..means import mean_exponent
from ..errors import SPBEError
from . import validation
from .concepts import concept_vocabulary
from .model import Framework

__all__ = ["load_framework", "build_framework"]


def _read_nodes(path: Path, display: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise validation.err("node table not found", display) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise validation.err(f"cannot read the node table: {e}", display) from None
    return _clean_nodes(raw, display)


def _clean_nodes(raw: pd.DataFrame, display: str) -> pd.DataFrame:
    raw = raw.copy()
    for c in raw.columns:
        raw[c] = raw[c].map(lambda x: "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
                            if not isinstance(x, str) else x)
    missing = [c for c in validation.NODE_COLUMNS if c not in raw.columns]
    if missing:
        raise validation.err(f"node table lacks column {missing[0]!r} (needs {', '.join(validation.NODE_COLUMNS)})", display, None,
                   missing[0])
    for c in validation.OPTIONAL_NODE_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    raw = raw[list(validation.NODE_COLUMNS + validation.OPTIONAL_NODE_COLUMNS)].apply(lambda s: s.str.strip())
    weights = pd.to_numeric(raw["weight"], errors="coerce")
    bad = weights.isna() | ~np.isfinite(weights) | (weights <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise validation.err(f"weight of {raw.at[i, 'code']!r} must be a positive number, got {raw.at[i, 'weight']!r}",
                   display, i + 2, "weight")
    raw["weight"] = weights.astype(float)
    for i, g in enumerate(raw["evidence_grade"]):
        validation.grade(g, display, "evidence_grade", i + 2)
    return raw


def load_framework(path) -> Framework:
    """Read and validate a framework definition (a folder with ``framework.toml`` and ``nodes.csv``, or the
    path of the ``framework.toml``). Any problem raises :class:`SPBEError` naming the file, row and field."""
    p = Path(path)
    toml_path = p / "framework.toml" if p.is_dir() else p
    display = str(toml_path)
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise validation.err("framework definition not found (a folder with framework.toml and nodes.csv)", display) from None
    except (OSError, UnicodeDecodeError) as e:
        raise validation.err(f"cannot read the framework definition: {e}", display) from None
    except tomllib.TOMLDecodeError as e:
        raise validation.err(f"not valid TOML: {e}", display) from None
    return _build(meta, toml_path, display)


def _table(meta, key, display) -> dict:
    t = meta.get(key)
    if not isinstance(t, dict):
        raise validation.err(f"missing table [{key}]", display, key, key)
    return t


def _build(meta: dict, toml_path: Path | None, display: str, nodes: pd.DataFrame | None = None) -> Framework:
    fw = _table(meta, "framework", display)
    for k in ("id", "name"):
        if not isinstance(fw.get(k), str) or not fw[k].strip():
            raise validation.err(f"[framework] needs a non-empty {k}", display, "framework", k)
    tree = _table(meta, "tree", display)
    levels = tree.get("levels")
    if not isinstance(levels, list) or len(levels) < 2 or not all(isinstance(x, str) and x for x in levels) \
            or len(set(levels)) != len(levels):
        raise validation.err("[tree] levels must list at least two distinct level names, root first", display, "tree", "levels")
    ind_level = tree.get("indicator_level", levels[-1])
    if ind_level not in levels[1:]:
        raise validation.err(f"indicator_level {ind_level!r} must be one of the levels below the root", display, "tree",
                   "indicator_level")
    basis = validation.choice(tree.get("weights", "index"), ("index", "parent"), display, "weights", "tree")
    if nodes is None:
        nodes_path = toml_path.parent / tree.get("nodes", "nodes.csv")
        nodes_display = str(nodes_path)
        nodes = _read_nodes(nodes_path, nodes_display)
    else:
        nodes_display = display
        nodes = _clean_nodes(nodes, display)
    if basis == "parent":
        validation.validate_tree(nodes.assign(weight=1.0), tuple(levels), ind_level, "none", nodes_display, None)
        nodes = validation.to_index_weights(nodes, nodes_display)
    validation.validate_tree(nodes, tuple(levels), ind_level, "index", nodes_display, concept_vocabulary())
    nodes = validation.resolve_concepts(nodes)

    scale = _table(meta, "scale", display)
    kind = validation.choice(scale.get("kind"), ("integer", "continuous"), display, "kind", "scale")
    lo, hi = validation.number(scale.get("min"), display, "min", "scale"), validation.number(scale.get("max"), display, "max", "scale")
    if not lo < hi:
        raise validation.err("scale min must be below max", display, "scale", "max")
    if kind == "integer" and (lo != int(lo) or hi != int(hi)):
        raise validation.err("an integer scale needs whole-number min and max", display, "scale", "min")
    labels = []
    for i, lab in enumerate(scale.get("labels") or []):
        where = f"scale.labels[{i}]"
        if not isinstance(lab, dict):
            raise validation.err("a label must be a table {value, name, name_en}", display, where, "labels")
        value = validation.number(lab.get("value"), display, "value", where)
        if value < lo or value > hi:
            raise validation.err(f"label value {value:g} is off the scale {lo:g}-{hi:g}", display, where, "value")
        labels.append({"capability": str(lab.get("capability", "")), "level": int(value) if value == int(value) else value,
                       "name": str(lab.get("name", "")), "name_en": str(lab.get("name_en", ""))})
    label_df = pd.DataFrame(labels, columns=["capability", "level", "name", "name_en"])

    bands_t = _table(meta, "bands", display)
    bands = validation.bands(bands_t.get("bands"), lo, hi, display, "bands")
    rule = validation.choice(bands_t.get("edge_rule", "unrounded"), validation.EDGE_RULES, display, "edge_rule", "bands")
    decimals = bands_t.get("decimals", 2)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        raise validation.err("decimals must be an integer from 0 to 6", display, "bands", "decimals")

    years = meta.get("years", {})
    if not isinstance(years, dict):
        raise validation.err("[years] must be a table", display, "years", "years")
    first, last = years.get("first"), years.get("last")
    for k, v in (("first", first), ("last", last)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise validation.err(f"years.{k} must be a year such as 2021", display, "years", k)
    if last is not None and (first is None or last < first):
        raise validation.err("years.last needs years.first and must not precede it", display, "years", "last")

    compiled_leaves = [c for c in nodes["code"] if c not in set(nodes["parent"])]
    conversions = validation.conversions(meta.get("conversions"), display, compiled_leaves, lo, hi)

    agg = meta.get("aggregation", {})
    if not isinstance(agg, dict):
        raise validation.err("[aggregation] must be a table", display, "aggregation", "aggregation")
    internal_levels = [lv for lv in levels if lv in set(nodes.loc[nodes["code"].isin(set(nodes["parent"])), "level"])]
    default = agg.get("default", "arithmetic")
    spec = {lv: agg.get(lv, default) for lv in internal_levels}
    unknown = [k for k in agg if k != "default" and k not in internal_levels]
    if unknown:
        raise validation.err(f"aggregation for unknown level {unknown[0]!r}", display, "aggregation", unknown[0])
    for lv, m in spec.items():
        try:
            mean_exponent(m)
        except SPBEError as e:
            raise validation.err(str(e), display, "aggregation", lv) from None

    evidence = tuple((topic, validation.grade(t.get("evidence_grade"), display, "evidence_grade", topic), str(t.get("source", "")))
                     for topic, t in (("years", years), ("scale", scale), ("bands", bands_t)))
    aliases = fw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise validation.err("aliases must be a list of strings", display, "framework", "aliases")
    return Framework(
        id=fw["id"].strip(), name=fw["name"].strip(), short=str(fw.get("short", fw["id"])), aliases=tuple(aliases),
        title=str(fw.get("title", fw["name"])), index_name=str(fw.get("index_name", "index")),
        index_name_en=str(fw.get("index_name_en", fw.get("index_name", "index"))),
        status=str(fw.get("status", "user-defined")), legal_basis=str(fw.get("legal_basis", "")),
        citation=str(fw.get("citation", "")), notes=str(fw.get("notes", "")),
        evidence_grade=validation.grade(fw.get("evidence_grade"), display, "evidence_grade", "framework"),
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
    from ..checks import frame

    frame(nodes, name="nodes", required=validation.NODE_COLUMNS)
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


