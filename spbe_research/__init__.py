"""spbe-research: Indonesia's SPBE index and its successor, the Indeks Pemerintah Digital, as data, code and
tested analyses.

Top-level API: frameworks as data (:func:`get_framework`, :func:`load_framework`, :func:`framework_for_year`,
:func:`get_crosswalk`), the scoring engine (:func:`score`, :func:`index_from`, :func:`index_from_domains`,
:func:`index_from_aspects`, :func:`predicate`, :func:`convert_external`), target planning
(:func:`plan_target`) and the package's own exception :class:`SPBEError` (a ``ValueError``).
"""
from .errors import SPBEError
from .frameworks import (Framework, concepts, framework_for_year, get_crosswalk, get_framework, list_frameworks,
                         load_crosswalk, load_framework)
from .planning import plan_target
from .scoring import (PREDICATE_BANDS, PREDICATES, convert_external, index_from, index_from_aspects,
                      index_from_domains, predicate, score)

try:  # one source of truth: the version in pyproject.toml, as installed
    from importlib.metadata import PackageNotFoundError, version as _version

    __version__ = _version("spbe-research")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "SPBEError", "Framework", "get_framework", "load_framework", "list_frameworks", "framework_for_year",
    "get_crosswalk", "load_crosswalk", "concepts", "plan_target", "score", "index_from", "index_from_domains",
    "index_from_aspects", "predicate", "convert_external", "PREDICATES", "PREDICATE_BANDS",
]
