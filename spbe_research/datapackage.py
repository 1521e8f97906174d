"""The schema of every processed file, its Frictionless descriptor, and the validating CSV reader.

Each processed table has one :class:`Schema` (its fields with type, meaning and constraints, and its
primary key). The same schema

* describes the table in ``datapackage.json`` (Frictionless Tabular Data Package: the folder can be
  cited and checked with any Frictionless tool, ``frictionless validate data/processed/datapackage.json``);
* checks a frame before it is written (:meth:`Schema.check_frame`: columns and dtypes);
* parses and validates the bytes when they are read back (:meth:`Schema.parse`), so a loader never
  returns a truncated, re-typed or edited file as a plausible DataFrame.

Validation rules of :meth:`Schema.parse` (vectorised, one pass per column; the first problem raises
:class:`~spbe_research.errors.SPBEError` naming the file, the line of the CSV (the header is line 1)
and the field):

* UTF-8 text ending in a newline (a cut last line does not); the header is exactly the schema's
  field names in order (a dropped, added, renamed or moved column is named); every line has as many
  cells as the header;
* ``integer``: optional sign and digits; ``number``: a plain decimal with a point (``1.5``, ``-2e-3``;
  no ``nan``/``inf``, no decimal comma); ``boolean``: ``True``/``False``; an empty cell is missing;
* ``required``, ``minimum``/``maximum``, ``enum`` (an unknown word never becomes NaN), ``pattern``;
* the primary key is unique (a duplicated row is named with both lines);
* the row count equals the one the build recorded, when given.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field as _dc_field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SPBEError
from .frameworks import FRAMEWORK_NAMES
from .scoring import PREDICATES
from .vocabulary import INSTITUTION_TYPES, ISLAND_GROUPS, MATCH_METHODS, SOURCE_KINDS, STAGE_BASES, STAGES

__all__ = ["Field", "Schema", "SCHEMAS", "describe", "schema_hash", "validate", "TITLE"]

TITLE = "SPBE index results: official 2023-2024 tables, press scores 2018-2025, national series 2018-2024"

_TYPES = ("string", "integer", "number", "boolean")
_INTEGER = r"[+-]?\d+"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


@dataclass(frozen=True)
class Field:
    """One column: Frictionless ``type`` (string, integer, number, boolean), meaning and constraints.

    ``dtype`` overrides the pandas dtype a loader returns for a string column (e.g. ``"string"`` for ids);
    integers load as ``int64`` (``Int64`` when the field may be missing), numbers as ``float64``, booleans
    as ``bool`` (``boolean`` when missing is allowed), strings as ``str`` with NaN for missing.
    """

    name: str
    type: str
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple | None = None
    pattern: str | None = None
    dtype: str | None = None

    def __post_init__(self):
        if self.type not in _TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")

    def descriptor(self) -> dict:
        d = {"name": self.name, "type": self.type, "description": self.description}
        c = {}
        if self.required:
            c["required"] = True
        if self.minimum is not None:
            c["minimum"] = self.minimum
        if self.maximum is not None:
            c["maximum"] = self.maximum
        if self.enum is not None:
            c["enum"] = list(self.enum)
        if self.pattern is not None:
            c["pattern"] = self.pattern
        if c:
            d["constraints"] = c
        return d


@dataclass(frozen=True)
class Schema:
    """A processed table: its name (the file is ``<name>.csv``), description, fields and primary key."""

    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    _by_name: dict = _dc_field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name!r} names a field twice")
        if not set(self.primary_key) <= set(names):
            raise ValueError(f"schema {self.name!r}: primary key is not a subset of the fields")
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def descriptor(self) -> dict:
        return {
            "name": self.name.replace("_", "-"), "path": self.file, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "description": self.description,
            "schema": {"fields": [f.descriptor() for f in self.fields], "primaryKey": list(self.primary_key),
                       "missingValues": [""]},
        }

    # --- before writing ------------------------------------------------------------------------------

    def check_frame(self, df: pd.DataFrame) -> None:
        """A frame about to be written has exactly the schema's columns, with dtypes of the declared types."""
        where = f"data/processed/{self.file}"
        if list(df.columns) != self.columns:
            extra = [c for c in df.columns if c not in self._by_name]
            missing = [c for c in self.columns if c not in df.columns]
            what = (f"column {extra[0]!r} is not in the schema" if extra else
                    f"column {missing[0]!r} is missing" if missing else "columns are not in schema order")
            raise SPBEError(f"{self.name} table: {what}", file=where, field=(extra or missing or [None])[0])
        for f in self.fields:
            s = df[f.name]
            ok = {"integer": lambda: pd.api.types.is_integer_dtype(s) or s.isna().all()
                  or (pd.api.types.is_float_dtype(s) and bool((s.dropna() % 1 == 0).all())),
                  "number": lambda: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
                  "boolean": lambda: pd.api.types.is_bool_dtype(s) or s.dropna().isin([True, False]).all(),
                  "string": lambda: not pd.api.types.is_numeric_dtype(s) or s.isna().all()}[f.type]()
            if not ok:
                raise SPBEError(f"{self.name} table: dtype {s.dtype} does not fit type {f.type!r}", file=where,
                                field=f.name)

    # --- reading back --------------------------------------------------------------------------------

    def parse(self, data: bytes, *, file=None, rows: int | None = None) -> pd.DataFrame:
        """The CSV bytes as a typed DataFrame, after every check of the module docstring."""
        file = file or self.file
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SPBEError(f"not UTF-8 text (byte {e.start})", file=file) from None
        if not text:
            raise SPBEError("file is empty", file=file)
        if not text.endswith("\n"):
            raise SPBEError("file does not end with a newline: its last line is cut short",
                            file=file, row=text.count("\n") + 1)
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        cells, line = [], []
        try:
            for r in reader:
                cells.append(r)
                line.append(reader.line_num)
        except csv.Error as e:
            raise SPBEError(f"malformed CSV: {e}", file=file, row=reader.line_num + 1) from None
        header, cells, line = cells[0], cells[1:], np.asarray(line[1:], dtype=int)
        if header != self.columns:
            missing = [c for c in self.columns if c not in header]
            extra = [c for c in header if c not in self._by_name]
            if missing:
                raise SPBEError(f"column {missing[0]!r} is missing", file=file, row=1, field=missing[0])
            if extra:
                raise SPBEError(f"column {extra[0]!r} is not in the schema", file=file, row=1, field=extra[0])
            raise SPBEError("columns are not in the schema's order", file=file, row=1)
        n = len(cells)
        width = np.fromiter(map(len, cells), dtype=int, count=n)
        ragged = width != len(header)
        if ragged.any():
            i = int(np.flatnonzero(ragged)[0])
            raise SPBEError(f"line has {'fewer' if width[i] < len(header) else 'more'} cells than the header "
                            f"({width[i]} of {len(header)})", file=file, row=int(line[i]))
        raw = pd.DataFrame(cells, columns=header, dtype=object).astype(str) if n else \
            pd.DataFrame({c: pd.Series([], dtype=str) for c in header})
        if rows is not None and n != rows:
            raise SPBEError(f"has {n} data rows, the build recorded {rows} (truncated or edited?)", file=file)
        out = {}
        for f in self.fields:
            out[f.name] = _column(raw[f.name], f, file, line)
        df = pd.DataFrame(out)
        if self.primary_key:
            dup = df.duplicated(list(self.primary_key), keep=False).to_numpy()
            if dup.any():
                first, second = np.flatnonzero(dup)[:2]
                raise SPBEError(f"primary key ({', '.join(self.primary_key)}) repeats line {int(line[first])}",
                                file=file, row=int(line[second]), field=",".join(self.primary_key))
        return df


def _fail(mask: np.ndarray, s: pd.Series, f: Field, file, line, why: str):
    i = int(np.flatnonzero(mask)[0])
    raise SPBEError(f"value {s.iloc[i]!r} {why}", file=file, row=int(line[i]), field=f.name)


def _column(s: pd.Series, f: Field, file, line) -> pd.Series:
    """One column of text cells as the declared type, every constraint checked."""
    empty = (s == "").to_numpy()
    if f.required and empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise SPBEError("required value is missing", file=file, row=int(line[i]), field=f.name)
    present = ~empty
    if f.type == "integer":
        bad = present & ~s.str.fullmatch(_INTEGER).to_numpy()
        if bad.any():
            _fail(bad, s, f, file, line, "is not an integer")
        big = present & (s.str.lstrip("+-").str.len() > 18).to_numpy()
        if big.any():
            _fail(big, s, f, file, line, "is too large for an integer field")
        vals = pd.to_numeric(s.where(present, None), errors="raise")
        col = vals.astype("int64") if f.required else vals.astype("Int64")
    elif f.type == "number":
        bad = present & ~s.str.fullmatch(_NUMBER).to_numpy()
        if bad.any():
            _fail(bad, s, f, file, line, "is not a plain decimal number")
        col = pd.to_numeric(s.where(present, None), errors="raise").astype("float64")
        inf = np.isinf(col.to_numpy())
        if inf.any():
            _fail(inf, s, f, file, line, "is not a finite number")
    elif f.type == "boolean":
        bad = present & ~s.isin(["True", "False"]).to_numpy()
        if bad.any():
            _fail(bad, s, f, file, line, "is not True or False")
        vals = s.map({"True": True, "False": False, "": None})
        col = vals.astype("bool") if not empty.any() and f.required else vals.astype("boolean")
    else:
        col = s.where(present).astype(f.dtype or "str")
        if f.pattern is not None:
            bad = present & ~s.str.fullmatch(f.pattern).to_numpy()
            if bad.any():
                _fail(bad, s, f, file, line, f"does not match the pattern {f.pattern!r}")
    if f.enum is not None:
        bad = present & ~s.isin([str(v) for v in f.enum]).to_numpy()
        if bad.any():
            _fail(bad, s, f, file, line, f"is not one of {', '.join(map(str, f.enum))}")
    if f.minimum is not None or f.maximum is not None:
        v = pd.Series(col).astype("float64").to_numpy()
        out = present & (((v < f.minimum) if f.minimum is not None else False)
                         | ((v > f.maximum) if f.maximum is not None else False))
        if np.any(out):
            _fail(np.asarray(out), s, f, file, line,
                  f"is outside {f.minimum if f.minimum is not None else '-inf'}–"
                  f"{f.maximum if f.maximum is not None else 'inf'}")
    return col


# --- the schemas ----------------------------------------------------------------------------------------

_ID = r"P\.\d{4}|\d{2}(?:\.\d{2})?"
_PROVINCE = r"\d{2}"


def _f(name, type_, description, **kw) -> Field:
    return Field(name, type_, description, **kw)


_INSTITUTION_ID = "Stable id: Kemendagri code for provinces ('35') and kabupaten/kota ('35.06'), 'P.NNNN' for central institutions (see spbe_research/data/registry/README.md)."
_COMMON = {
    "institution_name": _f("institution_name", "string", "Canonical institution name.", required=True),
    "institution_type": _f("institution_type", "string", "kementerian, lpnk, lns_other, provinsi, kabupaten or kota.",
                           enum=INSTITUTION_TYPES),
    "province_code": _f("province_code", "string", "Two-digit Kemendagri province code (empty for central institutions).",
                        pattern=_PROVINCE, dtype="string"),
    "province_name": _f("province_name", "string", "Province name."),
    "island_group": _f("island_group", "string", "Sumatra, Jawa, Kalimantan, Sulawesi, Bali–Nusa Tenggara, Maluku or Papua.",
                       enum=ISLAND_GROUPS),
    "framework": _f("framework", "string", "Indicator framework of that evaluation year (spbe_research.framework_for_year: PermenPANRB 5/2018 for 2018-2020, 59/2020 for 2021-2025, 8/2026 from 2026).",
                    required=True, enum=FRAMEWORK_NAMES),
}
_DOMAIN = {
    "D1": "Domain 1 index as published (Kebijakan Internal SPBE, internal policy).",
    "D2": "Domain 2 index as published (Tata Kelola SPBE, governance).",
    "D3": "Domain 3 index as published (59/2020: Manajemen SPBE, management; 5/2018: Layanan SPBE, services).",
    "D4": "Domain 4 index as published (59/2020: Layanan SPBE, services).",
}
#: The reproduction audit carried by the panel (computed once, by :func:`spbe_research.reproduce.recompute`).
AUDIT_FIELDS = (
    _f("index_recomputed", "number", "Index recomputed from the published domains with the year's framework weights (empty when a domain is missing)."),
    _f("residual", "number", "Published index minus index_recomputed."),
    _f("tolerance", "number", "Largest |residual| that rounding of the printed values explains (spbe_research.scoring.rounding_tolerance).",
       minimum=0),
    _f("within_tolerance", "boolean", "|residual| <= tolerance (empty when the index cannot be recomputed)."),
)

RESULTS = Schema(
    "results",
    "The results panel: one row per institution x evaluation year x source (official report table row or press report).",
    (
        _f("institution_id", "string", _INSTITUTION_ID + " Unmatched press names: 'unmatched:<name>'.", required=True,
           pattern=_ID + r"|unmatched:.+", dtype="string"),
        _COMMON["institution_name"], _COMMON["institution_type"], _COMMON["province_code"], _COMMON["province_name"],
        _COMMON["island_group"],
        _f("year", "integer", "Evaluation year the value belongs to.", required=True, minimum=2018),
        _COMMON["framework"],
        _f("source_kind", "string", "official_report (KemenPANRB report table) or press (news or government web page).",
           required=True, enum=SOURCE_KINDS),
        _f("stage", "string", "official, provisional, self_assessment or unknown (press rows: classified from the quoted page text around the value, else from the compiler's note).",
           required=True, enum=STAGES),
        _f("stage_basis", "string", "What the stage rests on: report (official table), quote (the page's own words), compiler_note (the press table compiler's note) or none.",
           required=True, enum=STAGE_BASES),
        *(_f(d, "number", text, minimum=0, maximum=5) for d, text in _DOMAIN.items()),
        _f("index", "number", "SPBE index as published (0-5).", minimum=0, maximum=5),
        _f("predicate", "string", "Predikat (predicate) as published: Kurang, Cukup, Baik, Sangat Baik or Memuaskan.",
           enum=PREDICATES),
        *AUDIT_FIELDS,
        _f("garbled_text", "string", "The printed text of a garbled cell (e.g. ',60'), kept verbatim."),
        _f("recovered_field", "string", "Which published value was lost or garbled and recovered from the others (e.g. D1).",
           enum=("D1", "D2", "D3", "D4", "index")),
        _f("recovered_value", "number", "Recovered value (midpoint of the interval); never written over the published column."),
        _f("recovered_low", "number", "Lower bound of the recovered value given the rounding of the printed values."),
        _f("recovered_high", "number", "Upper bound of the recovered value."),
        _f("recovered_candidates", "string", "Values inside the recovered interval that the domain's step allows (D1, D2: multiples of 0.1; D3: of 1/11), ';'-joined.",
           pattern=r"\d\.\d\d(?:;\d\.\d\d)*"),
        _f("recovery_method", "string", "How the value was recovered."),
        _f("quality_flags", "string", "Semicolon-separated defect codes (see spbe_research.cleaning.QUALITY_FLAGS); empty when none.",
           pattern=r"[a-z0-9_]+(?:;[a-z0-9_]+)*", dtype="string"),
        _f("name_as_published", "string", "Institution name as printed in the report table (line breaks and whitespace normalised), or as given in the press table (where its compiler normalised it to 'Kabupaten X', 'Kota X', ...).",
           required=True),
        _f("name_clean", "string", "The name used for matching: name_as_published with repeated words and run-together words repaired (see quality flag name_repaired).",
           required=True),
        _f("match_method", "string", "How the name was matched to the registry (exact, alias, prefix_normalised, code, code_change, base_name or unmatched).",
           required=True, enum=MATCH_METHODS),
        _f("source", "string", "Citation of the report table, or the address of the press page.", required=True),
        _f("source_table", "string", "Report table (e.g. 'Tabel 9') or the raw press file.", required=True),
        _f("source_line", "integer", "Line of the raw Markdown report the row was read from (empty for press rows).", minimum=1),
        _f("source_row", "integer", "Row number printed in the report table ('No'), the data row of the raw press file, or the spreadsheet row of an imported table.",
           required=True, minimum=1),
        *(_f(f"A{k}", "number", f"Aspect A{k} of the row's framework as given by an imported table (spbe_research.importer); empty for report and press rows.",
             minimum=0, maximum=5) for k in range(1, 9)),
        _f("import_id", "string", "Id of the import a row comes from (data/raw/imported/IMPORTS.csv); empty for report and press rows."),
    ),
    ("institution_id", "year", "source_kind", "source_table", "source_row"),
)

NATIONAL = Schema(
    "national",
    "National SPBE index and domain means 2018-2024 as published by KemenPANRB (Laporan 2024, Tabel 4).",
    (
        _f("year", "integer", "Evaluation year.", required=True, minimum=2018),
        _COMMON["framework"],
        _f("index", "number", "National SPBE index as published.", required=True, minimum=0, maximum=5),
        *(_f(d, "number", f"National mean of domain {d} in the codes of the year's framework.", minimum=0, maximum=5)
          for d in _DOMAIN),
        _f("kebijakan", "number", "Kebijakan (internal policy) domain mean.", minimum=0, maximum=5),
        _f("tata_kelola", "number", "Tata Kelola (governance) domain mean.", minimum=0, maximum=5),
        _f("manajemen", "number", "Manajemen (management) domain mean (59/2020 only).", minimum=0, maximum=5),
        _f("layanan", "number", "Layanan (services) domain mean.", minimum=0, maximum=5),
        _f("source", "string", "Where the values are printed.", required=True),
    ),
    ("year",),
)

AGGREGATES = Schema(
    "aggregates",
    "Aggregates printed in the 2023 and 2024 reports: national, central/regional and per-type means, max and min per component.",
    (
        _f("year", "integer", "Evaluation year the value belongs to.", required=True, minimum=2018),
        _f("report_year", "integer", "Year of the report that prints it.", required=True, minimum=2018),
        _f("group", "string", "Institution group (see spbe_research.vocabulary.REPORT_GROUPS).", required=True),
        _f("component", "string", "index, D1-D4 or A1-A8.", required=True, pattern=r"index|D\d|A\d"),
        _f("statistic", "string", "mean, max, min or target.", required=True, enum=("mean", "max", "min", "target")),
        _f("value", "number", "The printed value (empty where the report prints '-').", minimum=0, maximum=5),
        _f("value_raw", "string", "The printed cell text."),
        _f("source_table", "string", "Report table.", required=True),
        _f("source_line", "integer", "Line of the raw Markdown report.", required=True, minimum=1),
    ),
    ("report_year", "source_table", "year", "group", "component", "statistic"),
)

INSTITUTIONS = Schema(
    "institutions",
    "Institution registry: Kemendagri codes for regions, documented P.NNNN codes for central bodies (derived from idn-area-data, ODbL).",
    (
        _f("institution_id", "string", _INSTITUTION_ID, required=True, pattern=_ID, dtype="string"),
        _COMMON["institution_name"],
        Field("institution_type", "string", _COMMON["institution_type"].description, required=True,
              enum=INSTITUTION_TYPES),
        _COMMON["province_code"], _COMMON["province_name"], _COMMON["island_group"],
        _f("first_year", "integer", "First evaluation year with a panel row (empty if none).", minimum=2018),
        _f("last_year", "integer", "Last evaluation year with a panel row (empty if none).", minimum=2018),
        _f("n_results", "integer", "Number of panel rows.", required=True, minimum=0),
    ),
    ("institution_id",),
)

PRESS_VS_OFFICIAL = Schema(
    "press_vs_official",
    "Each press score of 2023-2024 compared with the official table value for the same institution and year.",
    (
        _f("institution_id", "string", _INSTITUTION_ID, required=True, pattern=_ID, dtype="string"),
        _f("year", "integer", "Evaluation year.", required=True, minimum=2018),
        _f("institution", "string", "Name as given in the press table.", required=True),
        _f("stage", "string", "Reporting stage of the press value.", required=True, enum=STAGES),
        _f("source_url", "string", "Address of the press page.", required=True),
        _f("source_row", "integer", "Data row of the raw press file.", required=True, minimum=1),
        _f("press_index", "number", "Index as given by the press page.", required=True, minimum=0, maximum=5),
        _f("official_index", "number", "Index in the official table.", minimum=0, maximum=5),
        _f("difference", "number", "press_index - official_index."),
        _f("agrees", "boolean", "The press value equals the official value at the press value's printed decimals.",
           required=True),
        _f("institution_name", "string", "Canonical institution name."),
        _f("institution_type", "string", _COMMON["institution_type"].description, enum=INSTITUTION_TYPES),
    ),
    ("source_row",),
)

UNMATCHED_NAMES = Schema(
    "unmatched_names",
    "Press names that could not be matched to an institution (kept in the panel with an 'unmatched:' id).",
    (
        _f("name_as_published", "string", "Name as given in the press table.", required=True),
        _f("year", "integer", "Evaluation year.", required=True, minimum=2018),
        _f("source", "string", "Address of the press page.", required=True),
        _f("source_row", "integer", "Data row of the raw press file.", required=True, minimum=1),
    ),
    ("source_row",),
)

def _covariates_schema() -> Schema:
    """covariates.csv: the series, source and unit of every column come from their owner, :mod:`.covariates`."""
    from . import covariates  # covariates imports registry only: no cycle

    desc = covariates.field_descriptions()
    ints = {"year", "population", "population_male", "population_female"}
    pct = {c for c in covariates.VALUE_COLUMNS if c.endswith("_pct")}
    fields = []
    for name in covariates.COVARIATE_COLUMNS:
        kw = {}
        if name == "institution_id":
            kw = dict(required=True, pattern=_ID, dtype="string")
        elif name == "province_code":
            kw = dict(pattern=_PROVINCE, dtype="string")
        elif name == "institution_type":
            kw = dict(required=True, enum=("provinsi", "kabupaten", "kota"))
        elif name == "year":
            kw = dict(required=True, minimum=2000)
        elif name == "ipm" or name in pct:
            kw = dict(minimum=0, maximum=100)
        elif name in covariates.VALUE_COLUMNS:
            kw = dict(minimum=0)
        type_ = "integer" if name in ints else "number" if name in covariates.VALUE_COLUMNS else "string"
        fields.append(Field(name, type_, desc[name], **kw))
    return Schema(
        "covariates",
        "Region covariates, one row per province or kabupaten/kota x year (Kemendagri code as key): IPM and its "
        "components (BPS, older series), GRDP per capita (constant 2010 prices), population (Dukcapil, Dec 2024), "
        "area (BIG, 2024), density, and a 2021 cross-section (poverty, schooling, sanitation, water, labour); "
        "defects in quality_flags (spbe_research.covariates.QUALITY_FLAGS). Raw files and licences: "
        "data/raw/covariates/ (MIT where the copied repository states it; otherwise none stated, the numbers being "
        "BPS statistics).",
        tuple(fields),
        ("institution_id", "year"),
    )


COVARIATES = _covariates_schema()

#: Every processed table's schema, by name (the build's table list pairs each with its builder).
SCHEMAS = {s.name: s for s in (RESULTS, NATIONAL, AGGREGATES, INSTITUTIONS, PRESS_VS_OFFICIAL, UNMATCHED_NAMES,
                                COVARIATES)}

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
    {"title": "Region covariates: BPS IPM, GRDP per capita (quarcs-lab/indonesia514), BIG area and Dukcapil population "
              "(cahyadsn/wilayah), 2021 poverty cross-section", "path": "data/raw/covariates/"},
]


def describe(schemas) -> dict:
    """The Frictionless descriptor (a plain dict, deterministic) of the given schemas, in order."""
    from . import __version__

    return {"name": "spbe-results", "title": TITLE, "version": __version__, "profile": "tabular-data-package",
            "licenses": LICENSES, "sources": SOURCES, "resources": [s.descriptor() for s in schemas]}


def schema_hash(schemas) -> str:
    """sha256 of the canonical JSON of the schemas: changes whenever a field, type or constraint does."""
    blob = json.dumps([s.descriptor() for s in schemas], sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def validate(descriptor_path: Path) -> None:
    """Validate the package with Frictionless (an independent check); raise :class:`SPBEError` naming the first error."""
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(descriptor_path)).validate()
    if not report.valid:
        for task in report.tasks:
            for err in task.errors:
                raise SPBEError(f"datapackage validation: {err.message}", file=task.name,
                                row=getattr(err, "row_number", None), field=getattr(err, "field_name", None))
        raise SPBEError("datapackage validation failed", file=str(descriptor_path))
