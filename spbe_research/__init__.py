"""spbe-research: Indonesia's SPBE (e-government maturity) index as data, code and tested analyses.

Top-level API: frameworks as data (:func:`get_framework`), index recomputation (:func:`score`,
:func:`index_from_domains`, :func:`index_from_aspects`, :func:`predicate`), target planning
(:func:`plan_target`) and the package's own
exception :class:`SPBEError` (a ``ValueError``).
"""
from .errors import SPBEError
from .frameworks import Framework, framework_for_year, get_crosswalk, get_framework
from .planning import plan_target
from .scoring import PREDICATE_BANDS, PREDICATES, index_from_aspects, index_from_domains, predicate, score

__version__ = "0.1.0"

__all__ = [
    "SPBEError", "Framework", "get_framework", "get_crosswalk", "framework_for_year",
    "plan_target", "score", "index_from_domains", "index_from_aspects", "predicate", "PREDICATES", "PREDICATE_BANDS",
]
