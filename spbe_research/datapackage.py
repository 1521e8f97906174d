"""Frictionless Data Package descriptor for ``data/processed/``, and its validation.

Every processed file is described field by field (type, meaning, constraints), so the folder can be
cited and checked with any Frictionless tool (``frictionless validate data/processed/datapackage.json``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import SPBEError
from .scoring import PREDICATES

TITLE = "SPBE index results: official 2023-2024 tables, press scores 2018-2025, national series 2018-2024"

DESCRIPTIONS = {
    "results": "The results panel: one row per institution x evaluation year x source (official report table row or press report).",
    "national": "National SPBE index and domain means 2018-2024 as published by KemenPANRB (Laporan 2024, Tabel 4).",
    "aggregates": "Aggregates printed in the 2023 and 2024 reports: national, central/regional and per-type means, max and min per component.",
    "institutions": "Institution registry: Kemendagri codes for regions, documented P.NNNN codes for central bodies (derived from idn-area-data, ODbL).",
    "press_vs_official": "Each press score of 2023-2024 compared with the official table value for the same institution and year.",
    "unmatched_names": "Press names that could not be matched to an institution (kept in the panel with an 'unmatched:' id).",
}

FIELDS = {
    "institution_id": "Stable id: Kemendagri code for provinces ('35') and kabupaten/kota ('35.06'), 'P.NNNN' for central institutions (see spbe_research/data/registry/README.md).",
    "institution_name": "Canonical institution name.",
    "institution_type": "kementerian, lpnk, lns_other, provinsi, kabupaten or kota.",
    "province_code": "Two-digit Kemendagri province code (empty for central institutions).",
    "province_name": "Province name.",
    "island_group": "Sumatra, Jawa, Kalimantan, Sulawesi, Bali–Nusa Tenggara, Maluku or Papua.",
    "year": "Evaluation year the value belongs to.",
    "framework": "Indicator framework of that evaluation year (PermenPANRB 5/2018 for 2018-2020, 59/2020 from 2021).",
    "source_kind": "official_report (KemenPANRB report table) or press (news or government web page).",
    "stage": "official, provisional, self_assessment or unknown (press rows: classified from the quoted page text around the value, else from the compiler's note).",
    "stage_basis": "What the stage rests on: report (official table), quote (the page's own words), compiler_note (the press table compiler's note) or none.",
    "D1": "Domain 1 index as published (Kebijakan Internal SPBE, internal policy).",
    "D2": "Domain 2 index as published (Tata Kelola SPBE, governance).",
    "D3": "Domain 3 index as published (59/2020: Manajemen SPBE, management; 5/2018: Layanan SPBE, services).",
    "D4": "Domain 4 index as published (59/2020: Layanan SPBE, services).",
    "index": "SPBE index as published (0-5).",
    "predicate": "Predikat (predicate) as published: Kurang, Cukup, Baik, Sangat Baik or Memuaskan.",
    "recovered_field": "Which published value was lost or garbled and recovered from the others (e.g. D1).",
    "recovered_value": "Recovered value (midpoint of the interval); never written over the published column.",
    "recovered_low": "Lower bound of the recovered value given the rounding of the printed values.",
    "recovered_high": "Upper bound of the recovered value.",
    "recovery_method": "How the value was recovered.",
    "garbled_text": "The printed text of a garbled cell (e.g. ',60'), kept verbatim.",
    "recovered_candidates": "Values inside the recovered interval that the domain's step allows (D1, D2: multiples of 0.1; D3: of 1/11).",
    "quality_flags": "Semicolon-separated defect codes (see spbe_research.cleaning.QUALITY_FLAGS); empty when none.",
    "name_as_published": "Institution name as printed in the report table (line breaks and whitespace normalised), or as given in the press table (where its compiler normalised it to 'Kabupaten X', 'Kota X', ...).",
    "name_clean": "The name used for matching: name_as_published with repeated words and run-together words repaired (see quality flag name_repaired).",
    "match_method": "How the name was matched to the registry (exact, alias, prefix_normalised, code_change, ... or unmatched).",
    "source": "Citation of the report table, or the address of the press page.",
    "source_table": "Report table (e.g. 'Tabel 9') or the raw press file.",
    "source_line": "Line of the raw Markdown report the row was read from.",
    "source_row": "Row number printed in the report table ('No'), or the data row of the raw press file.",
}

CONSTRAINTS = {
    ("results", "institution_id"): {"required": True},
    ("results", "year"): {"required": True, "minimum": 2018},
    ("results", "source_kind"): {"required": True, "enum": ["official_report", "press"]},
    ("results", "framework"): {"required": True, "enum": ["PermenPANRB 5/2018", "PermenPANRB 59/2020"]},
    ("results", "index"): {"minimum": 0, "maximum": 5},
    ("results", "predicate"): {"enum": list(PREDICATES)},
    ("results", "institution_type"): {"enum": ["kementerian", "lpnk", "lns_other", "provinsi", "kabupaten", "kota"]},
    ("national", "year"): {"required": True, "unique": True},
    ("national", "index"): {"required": True, "minimum": 0, "maximum": 5},
    ("institutions", "institution_id"): {"required": True, "unique": True},
}

LICENSES = [
    {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 (project compilation; cite the KemenPANRB reports as primary source)",
     "path": "https://creativecommons.org/licenses/by/4.0/"},
    {"name": "ODbL-1.0", "title": "Open Database License 1.0 (institutions.csv and the region fields, derived from idn-area-data)",
     "path": "https://opendatacommons.org/licenses/odbl/1-0/"},
]

SOURCES = [
    {"title": "KemenPANRB, Laporan Evaluasi SPBE Tahun 2023 (Markdown conversion)", "path": "data/raw/kemenpanrb_reports/"},
    {"title": "KemenPANRB, Laporan Pelaksanaan Evaluasi SPBE 2024 (Markdown conversion)", "path": "data/raw/kemenpanrb_reports/"},
    {"title": "SPBE scores from the press, 2018-2025", "path": "data/raw/press/"},
    {"title": "idn-area-data (Kepmendagri 300.2.2-2138/2025), ODbL", "path": "data/raw/regions/"},
]


# --- covariates.csv (spbe_research.covariates): series, source and unit of every column, from its owner
DESCRIPTIONS["covariates"] = (
    "Region covariates, one row per province or kabupaten/kota x year (Kemendagri code as key): IPM and its "
    "components (BPS old-UHH series), GRDP per capita (constant 2010 prices), population and area (Dec 2024), "
    "density and a 2021 cross-section (poverty, schooling, sanitation, water, labour). Values as published; "
    "defects in quality_flags (spbe_research.covariates.QUALITY_FLAGS). Raw files and licences: "
    "data/raw/covariates/ (MIT where the copied repository states it; otherwise none stated, the numbers being "
    "BPS, BIG and Dukcapil statistics).")
RESOURCE_FIELDS = {"covariates": None}  # filled lazily by _field_description (avoids an import cycle)
CONSTRAINTS.update({
    ("covariates", "institution_id"): {"required": True},
    ("covariates", "year"): {"required": True, "minimum": 2000},
    ("covariates", "institution_type"): {"required": True, "enum": ["provinsi", "kabupaten", "kota"]},
    ("covariates", "ipm"): {"minimum": 0, "maximum": 100},
    ("covariates", "poverty_rate_pct"): {"minimum": 0, "maximum": 100},
})
SCHEMA_EXTRAS = {"covariates": {"primaryKey": ["institution_id", "year"]}}
SOURCES.append({"title": "Region covariates: BPS IPM, GRDP per capita (quarcs-lab/indonesia514), BIG area and "
                         "Dukcapil population (cahyadsn/wilayah), 2021 BPS cross-section, BPS-Kemendagri crosswalk",
                "path": "data/raw/covariates/"})


def _field_description(resource: str, col: str):
    if resource in RESOURCE_FIELDS:
        if RESOURCE_FIELDS[resource] is None:
            from .covariates import field_descriptions

            RESOURCE_FIELDS[resource] = field_descriptions()
        return RESOURCE_FIELDS[resource].get(col)
    return FIELDS.get(col)


def _field_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "integer"
    if pd.api.types.is_float_dtype(s):
        return "number"
    return "string"


def describe(tables: dict[str, pd.DataFrame]) -> dict:
    """The descriptor (a plain dict, deterministic) for the given processed tables."""
    resources = []
    for name, df in tables.items():
        fields = []
        for col in df.columns:
            f = {"name": col, "type": _field_type(df[col])}
            description = _field_description(name, col)
            if description is not None:
                f["description"] = description
            if (name, col) in CONSTRAINTS:
                f["constraints"] = CONSTRAINTS[(name, col)]
            fields.append(f)
        resources.append({
            "name": name.replace("_", "-"), "path": f"{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "description": DESCRIPTIONS.get(name, ""),
            "schema": {"fields": fields, "missingValues": [""], **SCHEMA_EXTRAS.get(name, {})},
        })
    return {"name": "spbe-results", "title": TITLE, "profile": "tabular-data-package",
            "licenses": LICENSES, "sources": SOURCES, "resources": resources}


def validate(descriptor_path: Path) -> None:
    """Validate the package with Frictionless; raise :class:`SPBEError` naming the first error."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(descriptor_path)).validate()
    if not report.valid:
        for task in report.tasks:
            for err in task.errors:
                raise SPBEError(f"datapackage validation: {err.message}", file=task.name,
                                row=getattr(err, "row_number", None), field=getattr(err, "field_name", None))
        raise SPBEError("datapackage validation failed", file=str(descriptor_path))
