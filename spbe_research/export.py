"""Exports of the built data for people who do not use Python: Excel, Stata and Parquet.

* **Excel** (``.xlsx``): one workbook with the panel, the national series and the published aggregates as
  sheets with readable column headers, plus a ``data_dictionary`` sheet (every column: header, type,
  description and allowed values, from ``datapackage.json``) and a ``sources`` sheet (the data package's
  sources and licences, and every citation or address the panel's rows come from, with row counts).
* **Stata** (``.dta``, format 118, Unicode): one table per file, with variable labels (the readable headers)
  and value labels for every column whose values are a fixed list in ``datapackage.json`` (predicate,
  institution type, framework, source kind).
* **Parquet**: one table per file, column types kept, each column's description in the Arrow field metadata.
  Needs the optional ``pyarrow`` (``pip install "spbe-research[parquet]"``): with pyarrow installed pandas keeps
  its text columns in Arrow, which changes dtype names in printed outputs, so the package does not require it.

Everything is read through :mod:`spbe_research.datasets` (the loaders) and the data package descriptor that
the build writes beside the tables; nothing here changes a value. Files are written to a temporary name and
renamed, so a failed export leaves no half-written file.

>>> from spbe_research import export
>>> export.header("institution_type")
'Institution type'
>>> sorted(export.FORMATS)
['excel', 'parquet', 'stata']
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import datasets
from .errors import SPBEError

__all__ = ["export", "export_all", "tables", "package_descriptor", "parquet_available", "data_dictionary", "sources_table", "header", "FORMATS", "TABLES",
           "STATA_EPOCH"]

#: format name → file suffix
FORMATS = {"excel": ".xlsx", "stata": ".dta", "parquet": ".parquet"}
_ALIASES = {"xlsx": "excel", "excel": "excel", "dta": "stata", "stata": "stata", "parquet": "parquet",
            "pq": "parquet"}
#: tables exported: name in the data package → loader
TABLES = {"results": "load_results", "national": "load_national", "aggregates": "load_aggregates"}
#: sheet / file stem of each table
_STEM = {"results": "panel", "national": "national", "aggregates": "aggregates"}
#: fixed time stamp written into .dta files, so the same data give the same bytes
STATA_EPOCH = _dt.datetime(2000, 1, 1)

#: readable column headers (Excel header row, Stata variable labels; at most 80 characters)
_HEADERS = {
    "institution_id": "Institution id",
    "institution_name": "Institution name",
    "institution_type": "Institution type",
    "province_code": "Province code (Kemendagri)",
    "province_name": "Province",
    "island_group": "Island group",
    "year": "Evaluation year",
    "framework": "Framework (regulation)",
    "source_kind": "Source kind",
    "stage": "Stage of the value",
    "stage_basis": "Basis of the stage",
    "D1": "Domain 1 index (D1)",
    "D2": "Domain 2 index (D2)",
    "D3": "Domain 3 index (D3)",
    "D4": "Domain 4 index (D4)",
    "index": "SPBE index",
    "predicate": "Predikat (predicate)",
    "garbled_text": "Garbled printed text",
    "recovered_field": "Recovered field",
    "recovered_value": "Recovered value",
    "recovered_low": "Recovered value, lower bound",
    "recovered_high": "Recovered value, upper bound",
    "recovered_candidates": "Recovered value, candidates",
    "recovery_method": "Recovery method",
    "quality_flags": "Quality flags",
    "name_as_published": "Name as published",
    "name_clean": "Name used for matching",
    "match_method": "Name match method",
    "source": "Source (citation or address)",
    "source_table": "Source table",
    "source_line": "Source line",
    "source_row": "Source row",
    "kebijakan": "Kebijakan (policy) domain index",
    "tata_kelola": "Tata Kelola (governance) domain index",
    "manajemen": "Manajemen (management) domain index",
    "layanan": "Layanan (services) domain index",
    "report_year": "Report year",
    "group": "Group",
    "component": "Component",
    "statistic": "Statistic",
    "value": "Value",
    "value_raw": "Value as printed",
}


def header(column: str) -> str:
    """The readable header of a column (``"institution_type"`` → ``"Institution type"``)."""
    return _HEADERS.get(column, column.replace("_", " ").capitalize())


# ----------------------------------------------------------------------------------------------- inputs
def tables(names=None) -> dict[str, pd.DataFrame]:
    """The exported tables, read through the :mod:`~spbe_research.datasets` loaders (name → DataFrame)."""
    names = list(TABLES) if names is None else [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        raise SPBEError(f"unknown table {unknown[0]!r}; exportable tables are {list(TABLES)}", field="table")
    return {n: getattr(datasets, TABLES[n])() for n in names}


def package_descriptor() -> dict:
    """``datapackage.json`` of the built data (built first if missing)."""
    path = datasets.processed_dir() / "datapackage.json"
    if not path.exists():
        datasets.load_results()  # the loaders build the processed data when it is missing
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SPBEError(f"cannot read the data package descriptor: {e}", file=str(path)) from e


def _fields(descriptor: dict) -> dict[str, dict[str, dict]]:
    return {r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in descriptor["resources"]}


def data_dictionary(names=None, descriptor: dict | None = None) -> pd.DataFrame:
    """One row per exported column: ``table``, ``column``, ``header``, ``type``, ``description``,
    ``allowed_values`` (from ``datapackage.json``)."""
    descriptor = package_descriptor() if descriptor is None else descriptor
    fields = _fields(descriptor)
    names = list(TABLES) if names is None else list(names)
    rows = []
    for t in names:
        if t not in fields:
            raise SPBEError(f"table {t!r} is not described in datapackage.json", field="table")
        for name, f in fields[t].items():
            enum = f.get("constraints", {}).get("enum")
            rows.append({"table": t, "column": name, "header": header(name), "type": f.get("type", ""),
                         "description": f.get("description", ""),
                         "allowed_values": "; ".join(map(str, enum)) if enum else ""})
    return pd.DataFrame(rows)


def sources_table(results: pd.DataFrame | None = None, descriptor: dict | None = None) -> pd.DataFrame:
    """Where the data come from: the data package's sources and licences, then every citation or address in
    the panel's ``source`` column with its source kind, years and number of rows."""
    descriptor = package_descriptor() if descriptor is None else descriptor
    results = datasets.load_results() if results is None else results
    rows = [{"kind": "data package source", "title": s.get("title", ""), "where": s.get("path", ""),
             "years": "", "n_rows": pd.NA} for s in descriptor.get("sources", [])]
    rows += [{"kind": "licence", "title": lic.get("title", lic.get("name", "")), "where": lic.get("path", ""),
              "years": "", "n_rows": pd.NA} for lic in descriptor.get("licenses", [])]
    g = (results.groupby(["source_kind", "source"], sort=True)
         .agg(n_rows=("year", "size"), first=("year", "min"), last=("year", "max")).reset_index())
    rows += [{"kind": f"panel source ({r.source_kind})", "title": r.source, "where": r.source,
              "years": str(r.first) if r.first == r.last else f"{r.first}-{r.last}", "n_rows": r.n_rows}
             for r in g.itertuples()]
    out = pd.DataFrame(rows)
    out["n_rows"] = out["n_rows"].astype("Int64")
    return out


# ----------------------------------------------------------------------------------------------- writing
def _format(path: Path, format) -> str:
    if format is None:
        suffix = path.suffix.lower().lstrip(".")
        if suffix not in _ALIASES:
            raise SPBEError(f"cannot tell the format from {path.name!r}; give format= one of {sorted(FORMATS)}",
                            file=str(path), field="format")
        return _ALIASES[suffix]
    key = str(format).lower().lstrip(".")
    if key not in _ALIASES:
        raise SPBEError(f"unknown export format {format!r}; use one of {sorted(FORMATS)}", field="format")
    return _ALIASES[key]


def _atomic(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` (no half-written file on failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals and pandas string/nullable types as plain values (for Excel)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def _write_excel(frames: dict[str, pd.DataFrame], dictionary: pd.DataFrame, sources: pd.DataFrame, path: Path):
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    about = pd.DataFrame({"item": ["what", "sheets", "headers", "licences", "cite"], "text": [
        "spbe-research export of the SPBE panel: values as published, with sources.",
        "panel (one row per institution x year x source), national, aggregates, data_dictionary, sources.",
        "Row 1 of each data sheet has readable headers; data_dictionary maps them to column names.",
        "Compilation CC BY 4.0; institutions and region fields ODbL 1.0 (see DATA_LICENSE.md).",
        "Cite KemenPANRB for official values and the address in 'Source' for press values (CITATION.cff)."]})

    def write(tmp: Path):
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            sheets = {"about": about}
            sheets.update({_STEM[n]: _plain(df).rename(columns=header) for n, df in frames.items()})
            sheets["data_dictionary"] = dictionary.rename(columns=lambda c: c.replace("_", " ").capitalize())
            sheets["sources"] = sources.rename(columns=lambda c: c.replace("_", " ").capitalize())
            for name, df in sheets.items():
                df.to_excel(xw, sheet_name=name, index=False, freeze_panes=(1, 0))
                ws = xw.sheets[name]
                for j, col in enumerate(df.columns, start=1):
                    ws.cell(row=1, column=j).font = Font(bold=True)
                    ws.cell(row=1, column=j).alignment = Alignment(wrap_text=True, vertical="top")
                    width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()])
                    ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
                if len(df) and name not in ("about",):
                    ws.auto_filter.ref = ws.dimensions

    return _atomic(path, write)


def _stata_frame(df: pd.DataFrame, fields: dict[str, dict]) -> tuple[pd.DataFrame, dict, list]:
    """The table ready for Stata: fixed lists as labelled integers (codes in the data package's order, from 1),
    nullable integers as floats, text as ``str``. Returns (frame, value labels, long-text columns)."""
    out = pd.DataFrame(index=df.index)
    value_labels, strl = {}, []
    for c in df.columns:
        s = df[c]
        enum = fields.get(c, {}).get("constraints", {}).get("enum")
        if enum:
            values = s.astype(object).where(s.notna(), None)
            bad = values.dropna()[~values.dropna().isin(enum)]
            if len(bad):
                raise SPBEError(f"value {bad.iloc[0]!r} is not among the data package's allowed values",
                                row=bad.index[0], field=c)
            codes = pd.Categorical(values, categories=list(enum)).codes.astype("float64") + 1
            codes[codes == 0] = np.nan  # missing stays missing (Stata's "."), never a code
            out[c] = codes if np.isnan(codes).any() else codes.astype("int16")
            value_labels[c] = {float(i + 1): str(v) for i, v in enumerate(enum)}
        elif pd.api.types.is_bool_dtype(s):
            out[c] = s.astype("float64") if s.isna().any() else s.astype("int8")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif pd.api.types.is_float_dtype(s):
            out[c] = s.astype("float64")
        else:
            text = s.astype(object).where(s.notna(), "").astype(str)
            out[c] = text.to_numpy(dtype=object)
            if text.str.len().max() > 2045 or text.str.encode("utf-8").str.len().max() > 2045:
                strl.append(c)
    return out, value_labels, strl


def _write_stata(df: pd.DataFrame, name: str, fields: dict[str, dict], path: Path) -> Path:
    frame, value_labels, strl = _stata_frame(df, fields)
    labels = {c: header(c)[:80] for c in frame.columns}

    def write(tmp: Path):
        # value_labels only for the coded columns; pandas writes them with the variable
        frame.to_stata(tmp, write_index=False, version=118, variable_labels=labels, value_labels=value_labels,
                       data_label=f"spbe-research {name}"[:80], time_stamp=STATA_EPOCH, convert_strl=strl or None)

    return _atomic(path, write)


def parquet_available() -> bool:
    """True when the optional Parquet engine (pyarrow) is installed."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _write_parquet(df: pd.DataFrame, name: str, fields: dict[str, dict], path: Path) -> Path:
    if not parquet_available():
        raise SPBEError('Parquet export needs pyarrow: pip install "spbe-research[parquet]"', file=str(path),
                        field="format")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    schema = pa.schema([f.with_metadata({"description": fields.get(f.name, {}).get("description", ""),
                                         "header": header(f.name)}) for f in table.schema],
                       metadata={**(table.schema.metadata or {}), b"spbe_research.table": name.encode()})
    return _atomic(path, lambda tmp: pq.write_table(table.cast(schema), tmp))


def export(path, format=None, table: str = "results") -> Path:
    """Write the built data to ``path`` in ``format`` (``"excel"``, ``"stata"`` or ``"parquet"``; by default
    taken from the suffix: ``.xlsx``, ``.dta``, ``.parquet``). Returns the path written.

    Excel writes one workbook with every table, the data dictionary and the sources; Stata and Parquet write
    one table per file (``table``: ``"results"`` (the panel), ``"national"`` or ``"aggregates"``).
    """
    path = Path(path)
    fmt = _format(path, format)
    descriptor = package_descriptor()
    if fmt == "excel":
        frames = tables()
        return _write_excel(frames, data_dictionary(descriptor=descriptor),
                            sources_table(frames["results"], descriptor), path)
    df = tables(table)[table]
    fields = _fields(descriptor).get(table, {})
    writer = _write_stata if fmt == "stata" else _write_parquet
    return writer(df, table, fields, path)


def export_all(directory, formats=None) -> list[Path]:
    """Every export into ``directory``: ``spbe_panel.xlsx`` and ``spbe_<table>.dta`` / ``.parquet`` per table.

    ``formats``: the formats to write (default: all, Parquet only when pyarrow is installed)."""
    directory = Path(directory)
    if formats is None:
        formats = [f for f in FORMATS if f != "parquet" or parquet_available()]
    formats = [_format(directory, f) for f in formats]
    written = [export(directory / "spbe_panel.xlsx")] if "excel" in formats else []
    for fmt in [f for f in ("stata", "parquet") if f in formats]:
        for t in TABLES:
            written.append(export(directory / f"spbe_{_STEM[t]}{FORMATS[fmt]}", fmt, table=t))
    return written


def main(argv=None) -> int:
    """``python -m spbe_research.export DIR`` (or ``PATH --format ...``)."""
    p = argparse.ArgumentParser(prog="python -m spbe_research export", description="Export the built data.")
    add_arguments(p)
    return run(p.parse_args(argv))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", type=Path, help="a directory (every format) or a file (.xlsx, .dta, .parquet)")
    p.add_argument("--format", choices=sorted(FORMATS), default=None)
    p.add_argument("--table", choices=list(TABLES), default="results", help="table for .dta/.parquet")


def run(args) -> int:
    try:
        if args.format is None and not args.path.suffix:
            paths = export_all(args.path)
            if not parquet_available():
                print('note: Parquet files not written (pip install "spbe-research[parquet]" adds them)',
                      file=sys.stderr)
        else:
            paths = [export(args.path, args.format, table=args.table)]
    except SPBEError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
