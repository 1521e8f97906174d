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
from .concepts import concepts, example_path
from .crosswalks import CROSSWALK_RELATIONS, get_crosswalk, load_crosswalk
from .files import build_framework, load_framework
from .model import Compiled, Framework
from .parts import Band, Conversion
from .shipped import FRAMEWORK_NAMES, framework_for_year, get_framework, list_frameworks
from .validation import EDGE_RULES, EVIDENCE_GRADES

__all__ = [
    "Framework", "Band", "Conversion", "Compiled", "load_framework", "build_framework", "get_framework",
    "framework_for_year", "list_frameworks", "get_crosswalk", "load_crosswalk", "concepts", "example_path",
    "FRAMEWORK_NAMES", "EVIDENCE_GRADES", "EDGE_RULES", "CROSSWALK_RELATIONS",
]
