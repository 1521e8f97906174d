"""Parse the official KemenPANRB SPBE evaluation reports (Markdown conversions).

The two reports under ``data/raw/kemenpanrb_reports/`` are ``marker`` PDF→Markdown
conversions of

* *Laporan Evaluasi SPBE Tahun 2023* (evaluation year 2023; per-institution
  Tabel 8–53, 621 rows; summary Tabel 4–7), and
* *Laporan Pelaksanaan Evaluasi SPBE 2024* (evaluation year 2024; per-institution
  Tabel 9–54, 615 rows; summary Tabel 4–8).

The package is split by what it parses:

:mod:`.markdown`
    Markdown table primitives: cells, rows, captions, table blocks.
:mod:`.decimals`
    Indonesian decimals ("3,50", "3.50", "<br>"-polluted cells) with located errors
    (:func:`parse_decimal`, :func:`parse_decimal_series`), and the recovery of a lost value
    from the printed others.
:mod:`.report`
    The per-institution tables (:func:`parse_report`): one row per institution, printed values
    untouched, defects flagged (:data:`QUALITY_FLAGS`), lost values *recovered* as intervals in
    separate columns; :func:`quality_flag_counts`.
:mod:`.aggregates`
    The summary tables in tidy (long) form (:func:`parse_report_aggregates`).

Institution categories and report groups are named in :mod:`spbe_research.vocabulary`.

Principles
----------
* A printed value is never overwritten. A lost or garbled cell is ``NaN`` in its own
  column; what can be solved from the other printed values goes to the ``recovered_*``
  columns together with its interval and the method.
* Every printed value is a rounding (to 2 decimals) of the true value, so it carries
  ±0.005 of uncertainty; recoveries and consistency checks propagate that bound.
* Anything the parser does not recognise raises :class:`~spbe_research.errors.SPBEError`
  naming file, line and field. Recognised conversion defects are flagged instead.

Domain weights come from the framework of the evaluation year
(:func:`spbe_research.frameworks.framework_for_year`); predicates from
:func:`spbe_research.scoring.predicate`; the reproduction tolerance from
:func:`spbe_research.scoring.rounding_tolerance`.
"""
from __future__ import annotations

from ..scoring import PREDICATES
from ..vocabulary import CENTRAL_CATEGORIES, REGIONAL_CATEGORIES
from ..vocabulary import REPORT_GROUPS as AGGREGATE_GROUPS
from .aggregates import AGGREGATE_COLUMNS, parse_report_aggregates
from .decimals import ROUNDING_HALF_WIDTH, parse_decimal, parse_decimal_series
from .report import (
    CATEGORY_HINTS,
    DOMAINS,
    PROVINCES,
    QUALITY_FLAGS,
    REPORT_COLUMNS,
    VALUE_FIELDS,
    parse_report,
    predicate_of,
    quality_flag_counts,
)

__all__ = [
    "PREDICATES",
    "QUALITY_FLAGS",
    "CATEGORY_HINTS",
    "CENTRAL_CATEGORIES",
    "REGIONAL_CATEGORIES",
    "AGGREGATE_GROUPS",
    "REPORT_COLUMNS",
    "AGGREGATE_COLUMNS",
    "PROVINCES",
    "DOMAINS",
    "VALUE_FIELDS",
    "ROUNDING_HALF_WIDTH",
    "parse_decimal",
    "parse_decimal_series",
    "predicate_of",
    "parse_report",
    "parse_report_aggregates",
    "quality_flag_counts",
]
