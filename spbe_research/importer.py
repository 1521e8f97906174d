"""Bring your own results: import official per-institution tables (CSV or XLSX) into the panel.

The package's sources hold the official per-institution tables of 2023 and 2024 only. Researchers who
hold others (decree annexes, e.g. the KepMenPANRB that publishes a year's results; the ministry's
open-data files; the 2025 or 2026 results) add them with::

    python -m spbe_research.importer check  FILE --year 2022 --source "KepMenPANRB 108/2023"
    python -m spbe_research.importer import FILE --year 2022 --source "KepMenPANRB 108/2023"

or :func:`import_results` / :func:`check_results` from Python. What happens:

1. **Read** (:func:`read_table`): CSV (UTF-8; comma, semicolon or tab separated) or XLSX (first sheet, or
   ``sheet``). Every cell is read as text; nothing is guessed from a spreadsheet's formatting.
2. **Columns**: one name column (``institution``, ``nama instansi``, ``instansi``...), and any of
   ``index`` (``indeks``, ``nilai indeks``...), ``predicate`` (``predikat``), the framework's domain or
   aspect values (by code, ``D1``/``A1``..., or by the framework's own names, e.g. ``Layanan SPBE``),
   ``institution_type``, ``province`` (matching hints) and ``institution_id`` (an explicit registry id).
   ``No``/``peringkat`` columns are ignored; any other column is an error (map it with ``columns=``).
3. **Match** every name to a registry id with the package's one matcher
   (:func:`spbe_research.registry.match_institutions`): an unmatched or ambiguous name is an error listed
   with the reason — never a guess. Two rows of one institution are an error.
4. **Validate** every value: a number with a decimal point (``decimal=","`` for decimal-comma files), on the
   framework's scale; the predicate one of the framework's bands. Consistency defects are **flags** carried
   into ``quality_flags`` (:data:`IMPORT_FLAGS`): the printed index against the index recomputed from the
   printed components (within the rounding tolerance), the printed predicate against the framework's bands.
5. **Write** (:func:`import_results`), all or nothing: the file as obtained to
   ``data/raw/imported/<year>_<source>_<sha8>.<ext>``, a row in the imports register
   (``data/raw/imported/IMPORTS.csv``: the options needed to read it again), a provenance row in
   ``data/raw/SOURCES.csv`` and a line in ``data/raw/MANIFEST.sha256``. A failure on the way restores every
   file. The same file is never imported twice.
6. **Build** (:func:`build_imported`): every registered import becomes panel rows with ``source_kind =
   "imported"``, deterministically (same raw files, same bytes). Published rows are never overwritten:
   imported rows sit beside them (:func:`flag_against_panel` flags the overlaps).

Errors raise :class:`~spbe_research.errors.SPBEError` naming file, row (the spreadsheet row: the header is
row 1) and field; :func:`check_results` returns the full :class:`ImportReport` instead.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks, registry
from .datapackage import RESULTS
from .paths import MANIFEST
from .paths import raw_dir as _default_raw
from .errors import SPBEError
from .frameworks import framework_for_year, get_framework
from .scoring import EDGE_EPS, distance_to_edge, index_from, predicate, rounding_tolerance

__all__ = [
    "SOURCE_KIND", "IMPORT_DIR", "REGISTER", "PROVENANCE", "REGISTER_COLUMNS", "IMPORT_FLAGS", "EXTRA_COLUMNS", "STAGES",
    "ImportReport", "read_table", "check_results", "import_results", "build_imported", "flag_against_panel",
    "list_imports", "main",
]

#: ``source_kind`` of every imported row.
SOURCE_KIND = "imported"
#: Folder under ``data/raw`` that holds the imported files and the register.
IMPORT_DIR = "imported"
#: The imports register (relative to ``data/raw``).
REGISTER = f"{IMPORT_DIR}/IMPORTS.csv"
REGISTER_COLUMNS = ("import_id", "file", "sha256", "original_name", "year", "framework", "source", "stage", "sheet",
                    "decimal", "columns", "retrieved", "licence", "url", "n_rows")
#: The folder's provenance note (written once, by the first import).
PROVENANCE = f"{IMPORT_DIR}/PROVENANCE.md"
_PROVENANCE_TEXT = """# Provenance: imported results tables

Per-institution results tables added by researchers with `python -m spbe_research.importer import` (or
`spbe_research.importer.import_results`), each stored here byte for byte as obtained, named
`<year>_<source>_<first 8 hex digits of its sha256>.<ext>`.

`IMPORTS.csv` is the register: one row per file with its source (citation), the evaluation year and framework,
the declared stage, the options needed to read it again (sheet, decimal mark, column mapping), the date it was
obtained, its licence and address. `data/raw/SOURCES.csv` has a provenance row for every file and
`data/raw/MANIFEST.sha256` its checksum.

The build (`spbe_research.importer.build_imported`) re-reads every registered file and adds its rows to the
panel with `source_kind = "imported"`; published rows are never overwritten.
"""
#: Stages an import may declare (the ``stage`` column of the panel).
STAGES = ("official", "provisional", "self_assessment", "unknown")
#: Quality flags an imported row can carry (``quality_flags``, ``;``-separated).
IMPORT_FLAGS = {
    "index_mismatch": "the printed index differs from the index recomputed from the printed components by more "
                      "than rounding explains",
    "components_inconsistent": "components of two levels were printed and give different indices",
    "index_missing": "no index printed; index_recomputed holds the index of the printed components",
    "components_partial": "some but not all components of a level were printed",
    "predicate_mismatch": "the printed predicate is not the framework's band of the printed index",
    "predicate_missing": "no predicate printed",
    "decimal_point": "a value uses a decimal point in a file read with decimal=','",
    "below_scale": "a printed value lies below the framework's scale minimum (kept as printed, e.g. the 2023 "
                   "report's D4 = 0,30)",
    "name_id_mismatch": "an explicit institution_id was given and the name matches another institution or none",
    "import_duplicate": "the same institution and year appear in more than one import",
    "import_conflict": "two imports give different values for the same institution and year",
    "published_row_exists": "the panel also has an official report row for this institution and year",
    "differs_from_published": "the index differs from the official report row by more than rounding explains",
}

_NAME_HEADERS = {"institution", "institution name", "name", "nama", "nama instansi", "instansi", "instansi pemerintah",
                 "nama pemerintah daerah", "pemerintah daerah", "kementerian lembaga pemerintah daerah", "klpd",
                 "k l pd", "nama k l pd", "kementerian lembaga", "nama kementerian lembaga", "instansi pusat daerah"}
_INDEX_HEADERS = {"index", "indeks", "indeks spbe", "nilai indeks", "nilai indeks spbe", "indeks pemdi",
                  "nilai indeks pemdi", "indeks pemerintah digital", "nilai", "nilai akhir", "score"}
_PREDICATE_HEADERS = {"predicate", "predikat", "kategori", "predikat spbe", "predikat pemdi"}
_TYPE_HEADERS = {"institution type", "type", "jenis", "jenis instansi", "kategori instansi"}
_PROVINCE_HEADERS = {"province", "provinsi", "province name"}
_ID_HEADERS = {"institution id", "id", "kode instansi"}
_IGNORED_HEADERS = {"no", "nomor", "#", "peringkat", "rank", "ranking", "urutan"}
_ROLES = ("name", "index", "predicate", "institution_type", "province", "institution_id")


def _norm_header(h) -> str:
    s = str(h).replace("\ufeff", "").replace("_", " ").lower()
    s = re.sub(r"[^\w#]+", " ", s)
    return " ".join(s.split())


def _norm_text(s: str) -> str:
    return " ".join(str(s).split())


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

def read_table(path, *, sheet=None) -> pd.DataFrame:
    """A CSV or XLSX table as text cells (``""`` for empty), columns as in the header row."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise SPBEError("file not found", file=shown)
    ext = path.suffix.lower()
    if ext == ".csv":
        if sheet is not None:
            raise SPBEError("a CSV file has no sheets", file=shown, field="sheet")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise SPBEError(f"not UTF-8 text (byte {e.start}); save the table as CSV UTF-8", file=shown) from None
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise SPBEError("the file is empty or has no header row", file=shown, row=1)
        delim = max((",", ";", "\t"), key=lambda d: (lines[0].count(d), d == ","))
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        except csv.Error as e:
            raise SPBEError(f"not a readable CSV table ({e})", file=shown) from None
        header = [h.strip() for h in records[0]]
        body = []
        for i, rec in enumerate(records[1:], start=2):
            if len(rec) > len(header):
                if any(c.strip() for c in rec[len(header):]):
                    raise SPBEError(f"row has {len(rec)} cells, the header {len(header)}: the rows do not match the "
                                    f"header's columns (quote cells that contain the separator {delim!r})",
                                    file=shown, row=i)
                rec = rec[:len(header)]
            body.append(rec + [""] * (len(header) - len(rec)))
        header = [h if h else f"Unnamed: {k}" for k, h in enumerate(header)]
        dup = [h for k, h in enumerate(header) if h in header[:k]]
        if dup:
            raise SPBEError(f"column {dup[0]!r} appears twice in the header", file=shown, row=1, field=dup[0])
        table = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header)
    elif ext in (".xlsx", ".xlsm"):
        try:
            table = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, header=0,
                                  engine="openpyxl")
        except ValueError as e:  # unknown sheet name
            raise SPBEError(f"cannot read the sheet: {e}", file=shown, field="sheet") from None
        except Exception as e:  # a damaged or non-XLSX file
            raise SPBEError(f"not a readable XLSX workbook ({type(e).__name__}: {e})", file=shown) from None
        table = table.fillna("")
    else:
        raise SPBEError(f"unsupported file type {ext or '(none)'!r}; give a .csv or .xlsx table", file=shown)
    table.columns = [str(c) for c in table.columns]
    unnamed = [c for c in table.columns if c.startswith("Unnamed:") or not c.strip()]
    if unnamed and (table[unnamed] != "").any().any():
        raise SPBEError("a column with values has no header", file=shown, row=1, field=unnamed[0])
    table = table.drop(columns=unnamed)
    return table.apply(lambda col: col.astype(str).str.strip())


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------

_DEFECT_COLUMNS = ["file", "row", "field", "code", "severity", "message"]
_MATCH_COLUMNS = ["row", "name_as_published", "institution_id", "institution_name", "match_method", "status", "reason"]


@dataclass(frozen=True, eq=False)
class ImportReport:
    """What an import found: panel rows, the name matches and every defect.

    ``rows``: the panel rows the file gives (empty when there are errors); ``matches``: one row per
    data row (``row``, ``name_as_published``, ``institution_id``, ``institution_name``, ``match_method``,
    ``status`` = matched / unmatched / ambiguous / explicit_id, ``reason``); ``defects``: one row per
    defect (``file``, ``row``, ``field``, ``code``, ``severity`` = error / flag, ``message``);
    ``written``: paths written (empty for a check or a dry run); ``target``: the raw file the import is (or
    would be) stored as, relative to ``data/raw``.
    """

    file: str
    year: int
    framework: str
    source: str
    stage: str
    rows: pd.DataFrame
    matches: pd.DataFrame
    defects: pd.DataFrame
    sha256: str = ""
    written: tuple = field(default=())
    target: str = ""

    @property
    def ok(self) -> bool:
        """True when no defect is an error."""
        return not (self.defects["severity"] == "error").any()

    @property
    def errors(self) -> pd.DataFrame:
        return self.defects[self.defects["severity"] == "error"].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The panel rows."""
        return self.rows.copy()

    def summary(self) -> pd.DataFrame:
        """One row: ``file``, ``year``, ``framework``, ``source``, ``n_rows``, ``n_matched``, ``n_unmatched``,
        ``n_ambiguous``, ``n_errors``, ``n_flags``, ``written``."""
        st = self.matches["status"] if len(self.matches) else pd.Series(dtype=str)
        return pd.DataFrame([{
            "file": self.file, "year": self.year, "framework": self.framework, "source": self.source,
            "n_rows": len(self.matches), "n_matched": int(st.isin(["matched", "explicit_id"]).sum()),
            "n_unmatched": int((st == "unmatched").sum()), "n_ambiguous": int((st == "ambiguous").sum()),
            "n_errors": int((self.defects["severity"] == "error").sum()),
            "n_flags": int((self.defects["severity"] == "flag").sum()), "written": len(self.written) > 0}])

    def raise_if_errors(self) -> None:
        """Raise :class:`SPBEError` naming file, row and field of the first error (and listing up to ten)."""
        err = self.errors
        if err.empty:
            return
        first = err.iloc[0]
        listing = "; ".join(f"row {r.row}, {r.field}: {r.message}" if pd.notna(r.row) else f"{r.field}: {r.message}"
                            for r in err.head(10).itertuples())
        more = f" … and {len(err) - 10} more" if len(err) > 10 else ""
        raise SPBEError(f"{len(err)} error(s), nothing imported: {listing}{more}", file=first["file"],
                        row=None if pd.isna(first["row"]) else int(first["row"]), field=first["field"])


class _Defects:
    def __init__(self, file: str):
        self.file, self.items = file, []

    def add(self, row, fld, code, severity, message):
        self.items.append((self.file, None if row is None else int(row), fld, code, severity, message))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.items, columns=_DEFECT_COLUMNS)
        df["row"] = df["row"].astype("Int64")
        return df


# ---------------------------------------------------------------------------------------------
# columns
# ---------------------------------------------------------------------------------------------

def _component_levels(fw) -> list:
    """Levels whose values a results table may print: below the index, above the indicators."""
    return list(fw.tree_levels[1:fw.tree_levels.index(fw.indicator_level)])


def _component_headers(fw) -> dict:
    """Normalised header → component code, from the framework's codes and names (and English names)."""
    out = {}
    nodes = fw.nodes.set_index("code")
    for lv in _component_levels(fw):
        for code in fw.codes(lv):
            out[_norm_header(code)] = code
            for col in ("name", "name_en"):
                nm = nodes.at[code, col]
                if isinstance(nm, str) and nm.strip():
                    out.setdefault(_norm_header(nm), code)
                    out.setdefault(_norm_header(f"{lv} {nm}"), code)
                    out.setdefault(_norm_header(f"{code} {nm}"), code)
    return out


def _map_columns(headers, fw, explicit: dict | None, defects: _Defects) -> dict:
    """File header → role (``name``, ``index``, ..., a component code, or ``None`` = ignored)."""
    comps = _component_headers(fw)
    explicit = {str(k): v for k, v in (explicit or {}).items()}
    allowed_roles = set(_ROLES) | set(comps.values()) | {None, "ignore"}
    out = {}
    for h in headers:
        n = _norm_header(h)
        if h in explicit:
            role = explicit[h]
            if role not in allowed_roles:
                defects.add(1, h, "unknown_role", "error",
                            f"columns maps {h!r} to {role!r}, which is none of {', '.join(_ROLES)}, a component code "
                            f"of {fw.name} ({', '.join(sorted(set(comps.values())))}) or 'ignore'")
                continue
            out[h] = None if role == "ignore" else role
        elif n in _IGNORED_HEADERS:
            out[h] = None
        elif n in _NAME_HEADERS:
            out[h] = "name"
        elif n in _INDEX_HEADERS:
            out[h] = "index"
        elif n in _PREDICATE_HEADERS:
            out[h] = "predicate"
        elif n in _TYPE_HEADERS:
            out[h] = "institution_type"
        elif n in _PROVINCE_HEADERS:
            out[h] = "province"
        elif n in _ID_HEADERS:
            out[h] = "institution_id"
        elif n in comps:
            out[h] = comps[n]
        else:
            defects.add(1, h, "unknown_column", "error",
                        f"unknown column {h!r}: not a name, index, predicate, type, province or institution_id "
                        f"column nor a component of {fw.name} ({', '.join(sorted(set(comps.values())))}); map it "
                        "with columns={header: role} (or --column 'HEADER=ROLE'), or 'ignore' it")
    roles = [r for r in out.values() if r is not None]
    for r in sorted(set(roles), key=str):
        if roles.count(r) > 1:
            hs = [h for h, rr in out.items() if rr == r]
            defects.add(1, hs[1], "duplicate_column", "error", f"columns {hs} all hold {r!r}")
    if "name" not in roles:
        defects.add(1, "name", "no_name_column", "error",
                    "no institution name column (e.g. 'institution', 'nama instansi', 'instansi')")
    if not ({"index", "predicate"} & set(roles)) and not (set(roles) & set(comps.values())):
        defects.add(1, "index", "no_value_column", "error",
                    f"no value column: give an index, a predicate or the components of {fw.name}")
    return out


# ---------------------------------------------------------------------------------------------
# parsing and validation
# ---------------------------------------------------------------------------------------------

_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


def _numbers(col: pd.Series, header: str, rows: np.ndarray, decimal: str, fw, defects: _Defects) -> np.ndarray:
    out = np.full(len(col), np.nan)
    for i, (v, r) in enumerate(zip(col.to_numpy(), rows)):
        if v == "":
            continue
        s = v
        if decimal == ",":
            if _DECIMAL_COMMA.match(s):
                s = s.replace(",", ".")
            elif "." in s:
                defects.add(r, header, "decimal_point", "flag", f"{v!r} uses a decimal point in a decimal-comma file")
        try:
            x = checks.to_float(s)
        except checks._Bad as e:
            hint = " (read the file with decimal=',' / --decimal ,)" if _DECIMAL_COMMA.match(v) else ""
            defects.add(r, header, "not_a_number", "error", f"value {e.why}{hint}".replace(
                " or read the file with decimal=','", ""))
            continue
        if not np.isfinite(x):
            defects.add(r, header, "not_a_number", "error", f"value {v!r} is not finite")
            continue
        if x < _lowest_scale_value() - EDGE_EPS or x > fw.scale_max + EDGE_EPS:
            defects.add(r, header, "out_of_range", "error",
                        f"value {v} is outside {fw.name}'s scale {fw.scale_min:g}-{fw.scale_max:g}")
            continue
        if x < fw.scale_min - EDGE_EPS:  # e.g. the 2023 report's D4 = 0,30: kept as printed, flagged
            defects.add(r, header, "below_scale", "flag",
                        f"value {v} is below {fw.name}'s scale minimum {fw.scale_min:g} (kept as printed)")
        out[i] = x
    return out


def _lowest_scale_value() -> float:
    """The lowest value any shipped framework's scale allows: below it a value is impossible, not just odd."""
    from .frameworks.shipped import shipped

    return min(fw.scale_min for fw in shipped())


def _decimals(col: pd.Series) -> int:
    frac = col.str.extract(r"[.,](\d+)$")[0].dropna()
    return int(frac.str.len().max()) if len(frac) else 0


def _parse(table: pd.DataFrame, *, fw, year: int, file: str, decimal: str, columns: dict | None,
           defects: _Defects) -> tuple[pd.DataFrame, dict, int]:
    """Cells → typed values (one row per non-blank data row), validated; defects recorded.
    Returns ``(values, roles, decimals)``: ``decimals`` = the most decimals printed in a value column."""
    roles = _map_columns(list(table.columns), fw, columns, defects)
    if (defects.frame()["severity"] == "error").any():
        return pd.DataFrame(), roles, 2
    blank = (table == "").all(axis=1)
    t = table[~blank]
    rows = (t.index.to_numpy() + 2)  # spreadsheet rows: header = 1
    if t.empty:
        defects.add(None, "name", "no_rows", "error", "the table has no data rows")
        return pd.DataFrame(), roles, 2
    col_of = {r: h for h, r in roles.items() if r is not None}
    out = pd.DataFrame({"row": rows})
    names = t[col_of["name"]].map(_norm_text)
    for r, nm in zip(rows, names):
        if not nm:
            defects.add(r, col_of["name"], "empty_name", "error", "the institution name is empty")
    out["name_as_published"] = names.to_numpy()
    comp_codes = [c for c in col_of if c not in _ROLES]
    for role in ["index", *comp_codes]:
        if role in col_of:
            out[role] = _numbers(t[col_of[role]], col_of[role], rows, decimal, fw, defects)
    decs = [_decimals(t[col_of[r]]) for r in ["index", *comp_codes] if r in col_of]
    if "predicate" in col_of:
        canon = {p.lower(): p for p in fw.predicates}
        printed = t[col_of["predicate"]].map(lambda s: " ".join(s.split()).lower())
        vals = []
        for r, p in zip(rows, printed):
            if p == "":
                vals.append(pd.NA)
            elif p in canon:
                vals.append(canon[p])
            else:
                defects.add(r, col_of["predicate"], "unknown_predicate", "error",
                            f"predicate {p!r} is none of {fw.name}'s bands ({', '.join(fw.predicates)})")
                vals.append(pd.NA)
        out["predicate"] = pd.array(vals, dtype="string")
    for role in ("institution_type", "province", "institution_id"):
        if role in col_of:
            out[role] = t[col_of[role]].replace("", pd.NA).to_numpy()
    return out, roles, (max(decs) if decs else 2)


def _check_hints(values, rows, header, kind, defects):
    for v in pd.unique(pd.Series(values).dropna()):
        try:
            registry.match_institutions(["x"], **{kind: v})
        except SPBEError as e:
            r = rows[np.flatnonzero(pd.Series(values).to_numpy() == v)[0]]
            defects.add(r, header, f"bad_{kind}", "error", str(e).split(" (field")[0])


def _reason(name, type_hint, province_hint, year) -> tuple[str, str]:
    """(status, reason) of an unmatched name, from the registry's own explanation."""
    try:
        registry.match_institutions([name], type_hint=type_hint, province_hint=province_hint, year=year, strict=True)
    except SPBEError as e:
        msg = str(e).rsplit(" (field", 1)[0]
        m = re.search(r"\(([^()]*)\)$", msg)
        why = m.group(1) if m else msg
        return ("ambiguous" if why.startswith("ambiguous") else "unmatched"), why
    return "unmatched", "no candidate"


def _match(parsed: pd.DataFrame, roles: dict, year: int, defects: _Defects) -> pd.DataFrame:
    col_of = {r: h for h, r in roles.items() if r is not None}
    rows = parsed["row"].to_numpy()
    th = parsed["institution_type"].tolist() if "institution_type" in parsed else None
    ph = parsed["province"].tolist() if "province" in parsed else None
    if th is not None:
        _check_hints(th, rows, col_of["institution_type"], "type_hint", defects)
    if ph is not None:
        _check_hints(ph, rows, col_of["province"], "province_hint", defects)
    if (defects.frame()["severity"] == "error").any():
        th = ph = None  # a bad hint is already an error; match without hints to report the names too
    m = registry.match_institutions(parsed["name_as_published"].tolist(), type_hint=th, province_hint=ph, year=year)
    status = np.where(m["match_method"] == "unmatched", "unmatched", "matched").astype(object)
    reason = np.full(len(m), "", dtype=object)
    ids = np.array([None if pd.isna(v) else str(v) for v in m["institution_id"]], dtype=object)
    method = np.array(m["match_method"].astype(object).to_numpy(), dtype=object)
    reg = registry.load_institutions().set_index("institution_id")
    if "institution_id" in parsed:
        given = parsed["institution_id"].to_numpy()
        for i, g in enumerate(given):
            if g is None or pd.isna(g):
                continue
            g = str(g).strip()
            if g not in reg.index:
                defects.add(rows[i], col_of["institution_id"], "unknown_id", "error",
                            f"institution_id {g!r} is not in the registry")
                status[i], reason[i] = "unmatched", f"unknown id {g!r}"
                continue
            if ids[i] != g:
                defects.add(rows[i], col_of["institution_id"], "name_id_mismatch", "flag",
                            f"the name matches {ids[i] if isinstance(ids[i], str) else 'no institution'}; "
                            f"the explicit id {g!r} is used")
            ids[i], method[i], status[i] = g, "explicit_id", "explicit_id"
    for i in np.flatnonzero(status == "unmatched"):
        if reason[i]:
            continue
        st, why = _reason(parsed["name_as_published"].iloc[i], None if th is None else th[i],
                          None if ph is None else ph[i], year)
        status[i], reason[i] = st, why
        defects.add(rows[i], col_of["name"], f"name_{st}", "error",
                    f"{parsed['name_as_published'].iloc[i]!r} is {st} ({why}); add an institution_id column or fix "
                    "the name")
    out = pd.DataFrame({"row": rows, "name_as_published": parsed["name_as_published"].to_numpy(),
                        "institution_id": pd.array(ids, dtype="string"), "match_method": method,
                        "status": status, "reason": reason})
    look = reg.reindex(out["institution_id"].fillna("").to_numpy())
    for c in ("institution_name", "institution_type", "province_code", "province_name", "island_group"):
        out[c] = pd.array(look[c].to_numpy(), dtype="string") if c in look.columns else pd.NA
    ok = out["institution_id"].notna()
    dup = out[ok & out.duplicated("institution_id", keep=False)]
    for iid, g in dup.groupby("institution_id", sort=True):
        rr = g["row"].tolist()
        defects.add(rr[1], col_of["name"], "duplicate_institution", "error",
                    f"rows {', '.join(map(str, rr))} are all {g['institution_name'].iloc[0]} ({iid})")
    return out


def _validate(parsed: pd.DataFrame, fw, defects: _Defects, name_col: str, decimals: int) -> pd.DataFrame:
    """Recompute the index from printed components, check the predicate; flags per row."""
    n = len(parsed)
    flags = [[] for _ in range(n)]
    rows = parsed["row"].to_numpy()
    recomputed = np.full(n, np.nan)
    by_level = {}
    for lv in _component_levels(fw):
        codes = list(fw.codes(lv))
        present = [c for c in codes if c in parsed.columns]
        if not present:
            continue
        vals = parsed.reindex(columns=codes)
        complete = vals.notna().all(axis=1).to_numpy()
        some = vals.notna().any(axis=1).to_numpy()
        for i in np.flatnonzero(some & ~complete):
            flags[i].append("components_partial")
            miss = [c for c in codes if pd.isna(vals.iloc[i][c])]
            defects.add(rows[i], miss[0], "components_partial", "flag",
                        f"{lv} values incomplete ({', '.join(miss)} missing): no index recomputed from them")
        idx = np.full(n, np.nan)
        if complete.any():
            idx[complete] = index_from(vals[complete].astype(float), fw, lv, check_range=False).to_numpy()
        by_level[lv] = idx
    tol = rounding_tolerance(fw, max(decimals, 0))
    for lv in _component_levels(fw):  # the level right below the index first
        if lv in by_level:
            recomputed = np.where(np.isnan(recomputed), by_level[lv], recomputed)
    if len(by_level) > 1:
        levels = list(by_level)
        a, b = by_level[levels[0]], by_level[levels[1]]
        bad = ~np.isnan(a) & ~np.isnan(b) & (np.abs(a - b) > tol + EDGE_EPS)
        for i in np.flatnonzero(bad):
            flags[i].append("components_inconsistent")
            defects.add(rows[i], levels[1], "components_inconsistent", "flag",
                        f"{levels[0]} values give index {a[i]:.4f}, {levels[1]} values {b[i]:.4f}")
    printed = parsed["index"].to_numpy(float) if "index" in parsed else np.full(n, np.nan)
    both = ~np.isnan(printed) & ~np.isnan(recomputed)
    for i in np.flatnonzero(both & (np.abs(printed - recomputed) > tol + EDGE_EPS)):
        flags[i].append("index_mismatch")
        defects.add(rows[i], "index", "index_mismatch", "flag",
                    f"printed index {printed[i]:g}, recomputed from the components {recomputed[i]:.4f} "
                    f"(tolerance {tol:g})")
    for i in np.flatnonzero(np.isnan(printed) & ~np.isnan(recomputed)):
        flags[i].append("index_missing")
        defects.add(rows[i], "index", "index_missing", "flag",
                    f"no index printed; the components give {recomputed[i]:.4f} (kept in index_recomputed)")
    has_value = ~np.isnan(printed) | ~np.isnan(recomputed)
    pred = parsed["predicate"] if "predicate" in parsed else pd.Series(pd.NA, index=parsed.index, dtype="string")
    if "predicate" in parsed:
        has_value |= pred.notna().to_numpy()
    already = {r for (_, r, _, _, sev, _) in defects.items if sev == "error"}
    for i in np.flatnonzero(~has_value):
        if int(rows[i]) not in already:  # a value rejected above is the error to report, not its absence
            defects.add(rows[i], name_col, "no_value", "error", "the row has no index, no complete components and "
                        "no predicate")
    ref = np.where(np.isnan(printed), recomputed, printed)
    known = ~np.isnan(ref) & (ref >= fw.scale_min - EDGE_EPS) & (ref <= fw.scale_max + EDGE_EPS)
    band = pd.Series(pd.NA, index=parsed.index, dtype="string")
    if known.any():
        band[known] = predicate(pd.Series(ref[known]), fw).astype(str).to_numpy()
    edge_ok = np.ones(n, bool)
    if known.any():
        edge_ok[known] = ~np.isnan(printed[known]) | (distance_to_edge(ref[known], fw) > tol)
    for i in range(n):
        p = pred.iloc[i]
        if pd.isna(p):
            if has_value[i] and "predicate" in parsed:  # a predicate column with an empty cell
                flags[i].append("predicate_missing")
            continue
        if known[i] and edge_ok[i] and p != band.iloc[i]:
            flags[i].append("predicate_mismatch")
            defects.add(rows[i], "predicate", "predicate_mismatch", "flag",
                        f"printed {p!r}; {fw.name}'s band of {'the printed' if not np.isnan(printed[i]) else 'the recomputed'} "
                        f"index {ref[i]:.2f} is {band.iloc[i]!r}")
    out = parsed.copy()
    out["index_recomputed"] = recomputed
    out["quality_flags"] = [";".join(sorted(set(f))) for f in flags]
    return out


# ---------------------------------------------------------------------------------------------
# panel rows
# ---------------------------------------------------------------------------------------------

def _result_columns() -> list:
    return list(RESULTS.columns)


def _aspect_columns() -> list:
    """Extra component columns of imported rows: every component code of the shipped enacted frameworks that
    is not a panel column (``A1``…``A8``)."""
    from .frameworks import list_frameworks

    base = set(_result_columns())
    codes = []
    for name in list_frameworks()["name"]:
        fw = get_framework(name)
        if fw.status != "enacted":
            continue
        for lv in _component_levels(fw):
            codes += [c for c in fw.codes(lv) if c not in base and c not in codes]
    return sorted(codes, key=lambda c: (re.sub(r"\d", "", c), int(re.sub(r"\D", "", c) or 0)))


def _extra_columns() -> list:
    base = set(_result_columns())
    return [c for c in (*_aspect_columns(), "index_recomputed", "import_id") if c not in base]


#: Columns of :func:`build_imported` beyond ``datasets.RESULT_COLUMNS``: none — the panel carries the aspect
#: columns ``A1``…``A8``, ``import_id`` and the reproduction audit for every row.
EXTRA_COLUMNS = ()


def _panel_rows(valid: pd.DataFrame, matches: pd.DataFrame, *, fw, year, source, stage, table_path, import_id) -> pd.DataFrame:
    cols = _result_columns()
    n = len(valid)
    m = matches.set_index("row").loc[valid["row"].to_numpy()]
    out = pd.DataFrame(index=range(n))
    for c in ("institution_id", "institution_name", "institution_type", "province_code", "province_name",
              "island_group", "match_method"):
        out[c] = m[c].to_numpy()
    out["year"] = int(year)
    out["framework"] = fw.name
    out["source_kind"] = SOURCE_KIND
    out["stage"] = stage
    out["stage_basis"] = "import"
    out["predicate"] = valid["predicate"].to_numpy() if "predicate" in valid else pd.NA
    out["index"] = valid["index"].to_numpy(float) if "index" in valid else np.nan
    out["quality_flags"] = valid["quality_flags"].to_numpy()
    out["name_as_published"] = valid["name_as_published"].to_numpy()
    out["name_clean"] = valid["name_as_published"].to_numpy()
    out["source"] = source
    out["source_table"] = table_path
    out["source_line"] = pd.NA
    out["source_row"] = valid["row"].to_numpy(int)
    for c in _aspect_columns() + [c for c in cols if re.fullmatch(r"[AD]\d+", c)]:
        out[c] = valid[c].to_numpy(float) if c in valid.columns else np.nan
    from .reproduce import verdict  # the one reproduction rule; the recomputation may use any complete level

    audit = verdict(out["index"].to_numpy(float), valid["index_recomputed"].to_numpy(float),
                    rounding_tolerance(fw))
    for c in audit.columns:
        out[c] = audit[c].to_numpy()
    out["import_id"] = import_id
    from .datapackage import RESULTS

    for c in cols:  # the panel's other columns, empty, typed as its schema says
        if c not in out.columns:
            out[c] = np.nan if RESULTS[c].type == "number" else pd.NA
    return out[cols + _extra_columns()]


# ---------------------------------------------------------------------------------------------
# check and import
# ---------------------------------------------------------------------------------------------

def _resolve(year, framework, stage, source, decimal):
    y = checks.year(year)
    fw = framework_for_year(y) if framework is None else get_framework(framework)
    if not fw.covers_year(y):
        raise SPBEError(f"{fw.name} does not govern the {y} evaluation (that is {framework_for_year(y).name}); "
                        "give the framework the results were scored with", field="framework")
    checks.choice(stage, name="stage", options=STAGES)
    if not isinstance(source, str) or not source.strip():
        raise SPBEError("give the source of the results (a citation, e.g. 'KepMenPANRB 108/2023')", field="source")
    checks.choice(decimal, name="decimal", options=(".", ","))
    return y, fw


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_results(path, year, framework=None, *, source: str, stage: str = "official", sheet=None,
                  decimal: str = ".", columns: dict | None = None, _table_path: str | None = None,
                  _import_id: str = "") -> ImportReport:
    """Read, match and validate a results table without writing anything; returns the :class:`ImportReport`.

    ``year``: the evaluation year; ``framework``: the framework the results were scored with (default: the
    one governing ``year``); ``source``: a citation; ``stage``: official (default), provisional,
    self_assessment or unknown; ``sheet``: an XLSX sheet; ``decimal``: ``"."`` or ``","``; ``columns``:
    ``{header: role}`` for headers the importer does not know (role: ``name``, ``index``, ``predicate``,
    ``institution_type``, ``province``, ``institution_id``, a component code, or ``ignore``).
    """
    y, fw = _resolve(year, framework, stage, source, decimal)
    path = Path(path)
    shown = str(path) if _table_path is None else _table_path
    defects = _Defects(shown)
    try:
        table = read_table(path, sheet=sheet)
    except SPBEError as e:
        if _table_path is not None:
            raise SPBEError(str(e).split(" (file")[0], file=shown, row=e.row, field=e.field) from None
        raise
    sha = _sha256_bytes(path.read_bytes())
    parsed, roles, decimals = _parse(table, fw=fw, year=y, file=shown, decimal=decimal, columns=columns,
                                     defects=defects)
    empty_matches = pd.DataFrame(columns=_MATCH_COLUMNS)
    if parsed.empty:
        return ImportReport(shown, y, fw.name, source, stage, pd.DataFrame(), empty_matches, defects.frame(), sha)
    matches = _match(parsed, roles, y, defects)
    name_col = next(h for h, r in roles.items() if r == "name")
    valid = _validate(parsed, fw, defects, name_col, decimals)
    fl = defects.frame()
    fl = fl[(fl["severity"] == "flag") & fl["row"].notna()]
    extra = fl.groupby(fl["row"].astype(int))["code"].agg(set).to_dict()
    valid["quality_flags"] = [";".join(sorted({x for x in f.split(";") if x} | extra.get(int(r), set())))
                              for f, r in zip(valid["quality_flags"], valid["row"])]
    d = defects.frame()
    d = d.assign(_r=d["row"].fillna(0)).sort_values("_r", kind="stable").drop(columns="_r")
    d = d.reset_index(drop=True)
    ok = not (d["severity"] == "error").any()
    rows = _panel_rows(valid, matches, fw=fw, year=y, source=source.strip(), stage=stage,
                       table_path=_table_path or shown, import_id=_import_id) if ok else pd.DataFrame()
    return ImportReport(shown, y, fw.name, source.strip(), stage, rows, matches[_MATCH_COLUMNS], d, sha)


def _slug(s: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    return s[:40] or "source"


def _read_register(raw: Path) -> pd.DataFrame:
    path = raw / REGISTER
    if not path.exists():
        return pd.DataFrame(columns=list(REGISTER_COLUMNS))
    reg = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REGISTER_COLUMNS if c not in reg.columns]
    if missing:
        raise SPBEError("the imports register lacks a column", file=f"data/raw/{REGISTER}", field=missing[0])
    return reg


def _csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _register_bytes(reg: pd.DataFrame) -> bytes:
    reg = reg.sort_values("import_id", kind="stable")[list(REGISTER_COLUMNS)]
    return reg.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _manifest_bytes(raw: Path, updates: dict) -> bytes:
    """The manifest with ``{path: sha256}`` added or replaced; lines sorted by path."""

    path = raw / MANIFEST
    lines = {}
    if path.exists():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                raise SPBEError("malformed manifest line", file=str(path), row=n)
            lines[name] = digest
    lines.update(updates)
    return "".join(f"{lines[k]}  {k}\n" for k in sorted(lines)).encode("utf-8")


def _sources_bytes(raw: Path, new_rows: list) -> bytes:
    path = raw / "SOURCES.csv"
    text = path.read_text(encoding="utf-8") if path.exists() else \
        "file,what,source,version,retrieved,licence,provenance\n"
    if text and not text.endswith("\n"):
        text += "\n"
    if path.exists():
        known = set(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)["file"])
    else:
        known = set()
    for r in new_rows:
        if r[0] not in known:
            text += _csv_line(r)
    return text.encode("utf-8")


def _transaction(writes: dict) -> list:
    """Write ``{path: bytes}`` all or nothing: stage every file, then replace; restore everything on failure."""
    staged, backups, done = {}, {}, []
    try:
        for path, data in writes.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            staged[path] = tmp
            backups[path] = path.read_bytes() if path.exists() else None
        for path, tmp in staged.items():
            os.replace(tmp, path)
            done.append(path)
    except BaseException:
        for path in done:
            if backups[path] is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(backups[path])
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    return done


def import_results(path, year, framework=None, *, source: str, stage: str = "official", sheet=None,
                   decimal: str = ".", columns: dict | None = None, retrieved: str | None = None,
                   licence: str = "", url: str = "", raw_dir=None, dry_run: bool = False) -> ImportReport:
    """Check a results table (:func:`check_results`) and, when it has no error, add it to ``data/raw``.

    Writes, all or nothing: the file as obtained (``imported/<year>_<source>_<sha8>.<ext>``), a register row
    (``imported/IMPORTS.csv``), a provenance row in ``SOURCES.csv`` (``retrieved``: the date the file was
    obtained, default today; ``licence``; ``url``) and the manifest lines. Raises :class:`SPBEError` (file,
    row, field) on any error, and when the same file (same sha256) is already imported. ``raw_dir``: the
    ``data/raw`` folder (default: the project's). ``dry_run``: check and report what would be written.
    After an import, rebuild the data (``make data``) so that the rows reach the panel.
    """

    raw = Path(raw_dir) if raw_dir is not None else _default_raw()
    if not raw.is_dir():
        raise SPBEError("the raw-data folder does not exist", file=str(raw))
    rep = check_results(path, year, framework, source=source, stage=stage, sheet=sheet, decimal=decimal,
                        columns=columns)
    rep.raise_if_errors()
    reg = _read_register(raw)
    if rep.sha256 in set(reg["sha256"]):
        prev = reg[reg["sha256"] == rep.sha256].iloc[0]
        raise SPBEError(f"this file is already imported as {prev['import_id']} ({prev['file']})", file=rep.file)
    ext = Path(path).suffix.lower()
    name = f"{rep.year}_{_slug(rep.source)}_{rep.sha256[:8]}{ext}"
    rel = f"{IMPORT_DIR}/{name}"
    import_id = f"{rep.year}-{rep.sha256[:12]}"
    retrieved = _dt.date.today().isoformat() if retrieved is None else str(retrieved)
    cols_text = ";".join(f"{k}={v}" for k, v in sorted((columns or {}).items()))
    new_reg = pd.concat([reg, pd.DataFrame([{
        "import_id": import_id, "file": rel, "sha256": rep.sha256, "original_name": Path(path).name,
        "year": str(rep.year), "framework": rep.framework, "source": rep.source, "stage": stage,
        "sheet": "" if sheet is None else str(sheet), "decimal": decimal, "columns": cols_text,
        "retrieved": retrieved, "licence": licence, "url": url, "n_rows": str(len(rep.rows))}])], ignore_index=True)
    reg_bytes = _register_bytes(new_reg)
    data = Path(path).read_bytes()
    sources = _sources_bytes(raw, [
        [PROVENANCE, "Provenance of the imported results tables", "project (written by the importer)", "", retrieved,
         "project documentation (CC BY 4.0; see README)", PROVENANCE],
        [REGISTER, "Register of imported results tables (spbe_research.importer)", "project (generated by the importer)",
         "", retrieved, "CC BY 4.0 (project compilation)", REGISTER],
        [rel, f"Per-institution results {rep.year} ({rep.framework}), {len(rep.rows)} rows, imported as obtained",
         rep.source + (f" ({url})" if url else ""), f"sha256 {rep.sha256}", retrieved,
         licence or "as stated by the source", REGISTER]])
    writes = {raw / rel: data, raw / REGISTER: reg_bytes, raw / "SOURCES.csv": sources}
    prov = raw / PROVENANCE
    if not prov.exists():
        writes[prov] = _PROVENANCE_TEXT.encode("utf-8")

    writes[raw / MANIFEST] = _manifest_bytes(raw, {str(p.relative_to(raw).as_posix()): _sha256_bytes(d)
                                                  for p, d in writes.items()})
    rows = rep.rows.assign(source_table=rel, import_id=import_id)
    if dry_run:
        return ImportReport(rep.file, rep.year, rep.framework, rep.source, rep.stage, rows, rep.matches,
                            rep.defects, rep.sha256, (), rel)
    done = _transaction(writes)
    return ImportReport(rep.file, rep.year, rep.framework, rep.source, rep.stage, rows, rep.matches, rep.defects,
                        rep.sha256, tuple(str(p) for p in done), rel)


# ---------------------------------------------------------------------------------------------
# building panel rows from every registered import
# ---------------------------------------------------------------------------------------------

def list_imports(raw_dir=None) -> pd.DataFrame:
    """The imports register (one row per imported file)."""

    return _read_register(Path(raw_dir) if raw_dir is not None else _default_raw())


def build_imported(raw_dir=None) -> pd.DataFrame:
    """Panel rows of every registered import, deterministically (same raw files → same rows, same order).

    Columns: ``datasets.RESULT_COLUMNS`` then :data:`EXTRA_COLUMNS` (aspect values ``A1``…``A8`` of the
    row's ``framework``, ``index_recomputed``, ``import_id``). ``source_kind`` is ``"imported"``,
    ``stage_basis`` ``"import"``, ``source_table`` the raw file, ``source_row`` its spreadsheet row. Each file
    is re-read with the options in the register and checked again (a registry change that breaks a match
    raises, naming the file). The same institution-year in several imports is flagged
    (``import_duplicate``; ``import_conflict`` when their index or predicate differ). Sorted by year,
    institution, import and row.
    """

    raw = Path(raw_dir) if raw_dir is not None else _default_raw()
    reg = _read_register(raw)
    cols = _result_columns() + _extra_columns()
    if reg.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for r in reg.sort_values("import_id", kind="stable").itertuples(index=False):
        path = raw / r.file
        if not path.is_file():
            raise SPBEError("a registered import is missing", file=f"data/raw/{r.file}")
        if _sha256_bytes(path.read_bytes()) != r.sha256:
            raise SPBEError("a registered import has changed since it was imported", file=f"data/raw/{r.file}")
        columns = dict(kv.split("=", 1) for kv in r.columns.split(";") if kv) if r.columns else None
        rep = check_results(path, int(r.year), r.framework, source=r.source, stage=r.stage,
                            sheet=r.sheet or None, decimal=r.decimal, columns=columns, _table_path=r.file,
                            _import_id=r.import_id)
        rep.raise_if_errors()
        parts.append(rep.rows)
    out = pd.concat(parts, ignore_index=True)
    key = ["institution_id", "year"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        n_idx = out.groupby(key)["index"].transform(lambda s: s.round(6).nunique(dropna=False))
        n_pred = out.groupby(key)["predicate"].transform(lambda s: s.nunique(dropna=False))
        conflict = dup & ((n_idx > 1) | (n_pred > 1))
        out.loc[dup, "quality_flags"] = out.loc[dup, "quality_flags"].map(lambda f: _add_flag(f, "import_duplicate"))
        out.loc[conflict, "quality_flags"] = out.loc[conflict, "quality_flags"].map(
            lambda f: _add_flag(f, "import_conflict"))
    out = out.sort_values(["year", "institution_id", "import_id", "source_row"], kind="stable")
    return out.reset_index(drop=True)[cols]


def _add_flag(flags: str, flag: str) -> str:
    have = [f for f in str(flags or "").split(";") if f]
    return ";".join(sorted(set(have + [flag])))


def flag_against_panel(imported: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Imported rows with ``published_row_exists`` / ``differs_from_published`` flags against the panel's
    official report rows (same institution and year). Nothing is dropped or changed but the flags: a published
    row is never overwritten and an imported row never hidden."""
    for df, nm in ((imported, "imported"), (panel, "panel")):
        checks.frame(df, name=nm, required=("institution_id", "year", "index"))
    off = panel[panel["source_kind"] == "official_report"][["institution_id", "year", "index", "framework"]]
    m = imported[["institution_id", "year"]].merge(off, on=["institution_id", "year"], how="left")
    out = imported.copy()
    exists = m["index"].notna().to_numpy()
    tol = np.array([rounding_tolerance(f) if isinstance(f, str) else np.nan for f in m["framework"]])
    differs = exists & (np.abs(out["index"].to_numpy(float) - m["index"].to_numpy(float)) > tol + EDGE_EPS)
    out.loc[exists, "quality_flags"] = out.loc[exists, "quality_flags"].map(
        lambda f: _add_flag(f, "published_row_exists"))
    out.loc[differs, "quality_flags"] = out.loc[differs, "quality_flags"].map(
        lambda f: _add_flag(f, "differs_from_published"))
    return out


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------

def _column_map(items) -> dict | None:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise SPBEError(f"--column takes 'HEADER=ROLE', got {it!r}", field="column")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out or None


def _print_report(rep: ImportReport, out) -> None:
    s = rep.summary().iloc[0]
    print(f"{rep.file}: {s['n_rows']} rows, {s['n_matched']} matched, {s['n_unmatched']} unmatched, "
          f"{s['n_ambiguous']} ambiguous; {s['n_errors']} errors, {s['n_flags']} flags "
          f"({rep.framework}, {rep.year}, {rep.stage}; source: {rep.source})", file=out)
    bad = rep.matches[~rep.matches["status"].isin(["matched", "explicit_id"])] if len(rep.matches) else rep.matches
    for r in bad.itertuples():
        print(f"  row {r.row}: {r.name_as_published!r} {r.status} ({r.reason})", file=out)
    for r in rep.defects.itertuples():
        if r.code.startswith("name_"):
            continue
        where = f"row {r.row}" if pd.notna(r.row) else "header"
        print(f"  {r.severity}: {where}, {r.field}: {r.message}", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spbe_research.importer",
                                     description="Import official per-institution results tables into data/raw.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for cmd, what in (("import", "check a table and add it to data/raw"), ("check", "check a table; write nothing")):
        p = sub.add_parser(cmd, help=what)
        p.add_argument("file", type=Path)
        p.add_argument("--year", required=True)
        p.add_argument("--framework", default=None, help="default: the framework governing the year")
        p.add_argument("--source", required=True, help="citation, e.g. 'KepMenPANRB 108/2023'")
        p.add_argument("--stage", default="official", choices=STAGES)
        p.add_argument("--sheet", default=None)
        p.add_argument("--decimal", default=".", choices=(".", ","))
        p.add_argument("--column", action="append", metavar="HEADER=ROLE", help="map an unknown header")
        if cmd == "import":
            p.add_argument("--retrieved", default=None, help="date the file was obtained (default today)")
            p.add_argument("--licence", default="")
            p.add_argument("--url", default="")
            p.add_argument("--raw-dir", type=Path, default=None)
            p.add_argument("--dry-run", action="store_true")
    ls = sub.add_parser("list", help="list the registered imports")
    ls.add_argument("--raw-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "list":
            reg = list_imports(args.raw_dir)
            print(reg[["import_id", "file", "year", "framework", "source", "n_rows"]].to_string(index=False)
                  if len(reg) else "no imports")
            return 0
        opts = dict(source=args.source, stage=args.stage, sheet=args.sheet, decimal=args.decimal,
                    columns=_column_map(args.column))
        if args.cmd == "check":
            rep = check_results(args.file, args.year, args.framework, **opts)
            _print_report(rep, sys.stdout)
            return 0 if rep.ok else 1
        rep = check_results(args.file, args.year, args.framework, **opts)
        if not rep.ok:
            _print_report(rep, sys.stderr)
            rep.raise_if_errors()
        rep = import_results(args.file, args.year, args.framework, retrieved=args.retrieved, licence=args.licence,
                             url=args.url, raw_dir=args.raw_dir, dry_run=args.dry_run, **opts)
        _print_report(rep, sys.stdout)
        print(f"would write data/raw/{rep.target} (dry run)" if args.dry_run else "wrote: " + ", ".join(rep.written))
        if not args.dry_run:
            print("rebuild the data (make data) to add the rows to the panel")
    except SPBEError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
