"""The summary tables of a report (national series, domain tables, group means) in tidy form."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import SPBEError
from ..vocabulary import group_of_label
from .decimals import parse_decimal
from .markdown import clean_cell, is_separator, read_lines, table_blocks
from .report import DOMAINS

#: Columns of :func:`parse_report_aggregates`, in order.
AGGREGATE_COLUMNS = (
    "year", "report_year", "group", "component", "statistic", "value", "value_raw",
    "source_table", "source_line",
)

_STATISTIC = {"rerata": "mean", "rata-rata": "mean", "max": "max", "maks": "max",
              "min": "min", "target": "target"}
_DOMAIN_TABLE_GROUP = (
    (re.compile(r"Nilai Indeks Domain Nasional", re.I), "nasional"),
    (re.compile(r"Nilai Indeks Domain Instansi Pusat", re.I), "instansi_pusat"),
    (re.compile(r"Nilai Indeks Domain Pemerintah Daerah", re.I), "pemda"),
)
_SERIES_TITLE = re.compile(r"Indeks SPBE Nasional\s+(\d{4})\s*-\s*(\d{4})", re.I)
_CATEGORY_TITLE = re.compile(r"Nilai Indeks Kematangan SPBE", re.I)


def _component_of_label(label: str):
    """'SPBE'→index, 'D1. Kebijakan'/'D.2 Tata Kelola'→D1/D2, 'A.3 TIK'→A3.

    >>> [_component_of_label(x) for x in ("SPBE", "D.2 Tata Kelola", "A.3 TIK", "Catatan")]
    ['index', 'D2', 'A3', None]
    """
    t = clean_cell(label)
    if re.fullmatch(r"(Indeks\s+)?SPBE(\s+Nasional)?|Indeks SPBE Nasional", t, re.I):
        return "index"
    m = re.match(r"^([DA])\s*\.?\s*(\d)\b", t)
    if m:
        return f"{m.group(1).upper()}{m.group(2)}"
    low = t.lower()
    if low.startswith("indeks domain"):
        for key, comp in (("kebijakan", "D1"), ("tata kelola", "D2"),
                          ("manajemen", "D3"), ("layanan", "D4")):
            if key in low:
                return comp
    return None


def _labelled_row(cells, n, title, fname, ln):
    """A summary-table row: its component (from the label cell) and exactly ``n`` value cells."""
    comp = _component_of_label(cells[0])
    if comp is None:
        raise SPBEError(f"unknown row label {cells[0]!r} in {title!r}", file=fname, row=ln, field="label")
    vals = cells[1:1 + n]
    if len(vals) != n:
        raise SPBEError(f"expected {n} values, found {len(vals)}", file=fname, row=ln, field=comp)
    return comp, vals


def _series_table(body, title, src, fname, add) -> None:
    """'Indeks SPBE Nasional 2018-2024': national index and domains per evaluation year."""
    (hl, hdr), rows = body[0], body[1:]
    years = []
    for c in hdr[1:]:
        c = clean_cell(c)
        if not re.fullmatch(r"\d{4}", c):
            raise SPBEError(f"expected a year in the header, found {c!r}", file=fname, row=hl, field="header")
        years.append(int(c))
    for ln, cells in rows:
        comp, vals = _labelled_row(cells, len(years), title, fname, ln)
        for y, v in zip(years, vals):
            add(year=y, group="nasional", component=comp, statistic="mean",
                value=parse_decimal(v, file=fname, row=ln, field=f"{comp} {y}", allow_missing=True),
                value_raw=clean_cell(v), source_table=src, source_line=ln)


def _domain_table(body, title, tline, group, year, src, fname, add) -> None:
    """'Nilai Indeks Domain …': rows Rerata/Target/Max/Min × (D1–D4, Indeks)."""
    found = set()
    for ln, cells in body:
        stat = _STATISTIC.get(clean_cell(cells[0]).lower())
        if stat is None:
            continue  # header rows (possibly garbled)
        vals = [c for c in cells[1:] if clean_cell(c) != ""]
        if len(vals) != 5:
            raise SPBEError(f"expected 5 values (D1-D4, Indeks), found {len(vals)}", file=fname, row=ln, field=stat)
        for comp, v in zip(DOMAINS + ("index",), vals):
            add(year=int(year), group=group, component=comp, statistic=stat,
                value=parse_decimal(v, file=fname, row=ln, field=f"{stat} {comp}"),
                value_raw=clean_cell(v), source_table=src, source_line=ln)
        found.add(stat)
    lacking = {"mean", "max", "min"} - found
    if lacking:  # a garbled statistic label would otherwise drop its row silently
        raise SPBEError(f"no {'/'.join(sorted(lacking))} row in {title!r}", file=fname, row=tline)


def _category_table(body, title, year, src, fname, add) -> None:
    """'Nilai Indeks Kematangan SPBE': means per institution group (columns) and component (rows)."""
    (hl, hdr), rows = body[0], body[1:]
    groups = [group_of_label(clean_cell(c)) for c in hdr[1:]]
    if any(g is None for g in groups):
        raise SPBEError(f"unknown group column in {hdr!r}", file=fname, row=hl, field="header")
    for ln, cells in rows:
        comp, vals = _labelled_row(cells, len(groups), title, fname, ln)
        for g, v in zip(groups, vals):
            add(year=int(year), group=g, component=comp, statistic="mean",
                value=parse_decimal(v, file=fname, row=ln, field=f"{g} {comp}"),
                value_raw=clean_cell(v), source_table=src, source_line=ln)


def parse_report_aggregates(path, year: int) -> pd.DataFrame:
    """The report's summary tables in tidy form (columns :data:`AGGREGATE_COLUMNS`).

    * "Indeks SPBE Nasional 2018-2024" (2024 Tabel 4): national index and domains per
      evaluation year (``statistic`` = mean; '-' cells give NaN with ``value_raw`` '-').
    * "Nilai Indeks Domain Nasional / Instansi Pusat / Pemerintah Daerah"
      (2024 Tabel 5–7, 2023 Tabel 4–6): rows Rerata/Target/Max/Min → statistic
      mean/target/max/min; the five numeric cells are D1, D2, D3, D4, index in that
      order (the 2023 headers are garbled by the conversion; the order is that of the
      readable 2024 headers and is checked by the index identity in the tests).
    * "Nilai Indeks Kematangan SPBE" (2024 Tabel 8, 2023 Tabel 7): means per
      institution group (column header) and component (index, D1–D4, A1–A8).

    ``year`` is the evaluation year the value belongs to; ``report_year`` the year of
    the report (``year`` argument). ``group`` values: :data:`spbe_research.vocabulary.REPORT_GROUPS`.
    """
    from .. import checks

    year = checks.year(year)
    path = Path(path)
    fname = path.name
    out: list[dict] = []

    def add(**kw):
        out.append(dict(report_year=year, **kw))

    for num, title, tline, block in table_blocks(read_lines(path)):
        body = [(ln, c) for ln, c in block if not is_separator(c)]
        if not body:
            continue
        src = f"Tabel {num}"
        group = next((g for rx, g in _DOMAIN_TABLE_GROUP if rx.search(title)), None)
        if _SERIES_TITLE.search(title):
            _series_table(body, title, src, fname, add)
        elif group is not None:
            _domain_table(body, title, tline, group, year, src, fname, add)
        elif _CATEGORY_TITLE.search(title):
            _category_table(body, title, year, src, fname, add)
    if not out:
        raise SPBEError("no summary tables found", file=fname)
    df = pd.DataFrame(out)
    df["value"] = df["value"].astype("float64")
    for c in ("year", "report_year", "source_line"):
        df[c] = df[c].astype("int64")
    return df.loc[:, list(AGGREGATE_COLUMNS)].reset_index(drop=True)
