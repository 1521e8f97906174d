"""The per-institution tables of a report: one row per institution, defects flagged, lost values recovered.

:func:`parse_report` runs four named steps:

1. :func:`_scan_tables` reads the file line by line, keeps the current table (caption, group,
   province, expected row number) and turns each table row into a record (:func:`_row_record`), joining
   a name continued on a row without number to the row before;
2. :func:`_finish_record` repairs the name, decides provinsi/kabupaten/kota from it and recovers a single
   lost value (:func:`.decimals.recover`);
3. the reproduction audit (:func:`spbe_research.reproduce.recompute`, the one place it is computed)
   flags rows whose index the printed domains do not reproduce;
4. :func:`_predicate_flags` checks each printed predicate against the printed (and, on a band edge, the
   unrounded) index, vectorised.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SPBEError
from ..frameworks import framework_for_year, get_framework
from ..scoring import EDGE_EPS, PREDICATES, band_codes
from ..vocabulary import CENTRAL_CATEGORIES, REGIONAL_CATEGORIES, REPORT_CATEGORIES
from .decimals import ROUNDING_HALF_WIDTH, parse_decimal, recover
from .markdown import clean_cell, has_br, header_key, is_separator, read_lines, split_row, title_of

#: Domain columns of the report tables (PermenPANRB 59/2020 domains).
DOMAINS = ("D1", "D2", "D3", "D4")
VALUE_FIELDS = DOMAINS + ("index",)

#: Meaning of every code that can appear in ``quality_flags`` (";"-joined).
QUALITY_FLAGS: dict[str, str] = {
    "d1_missing": "D1 cell empty in the table (value lost in conversion); D1 is NaN",
    "d2_missing": "D2 cell empty; D2 is NaN",
    "d3_missing": "D3 cell empty; D3 is NaN",
    "d4_missing": "D4 cell empty; D4 is NaN",
    "index_missing": "Indeks cell empty; index is NaN",
    "d1_garbled": "D1 cell is not a number (e.g. ',60'); D1 is NaN, text in garbled_text",
    "d2_garbled": "D2 cell is not a number; D2 is NaN, text in garbled_text",
    "d3_garbled": "D3 cell is not a number; D3 is NaN, text in garbled_text",
    "d4_garbled": "D4 cell is not a number; D4 is NaN, text in garbled_text",
    "index_garbled": "Indeks cell is not a number; index is NaN, text in garbled_text",
    "out_of_range": "a printed value lies outside the 1.00–5.00 scale (kept as printed)",
    "recovered": "exactly one value was lost/garbled and was solved from the printed "
    "others (see recovered_* columns)",
    "unrecoverable": "two or more values lost/garbled; nothing recovered",
    "recovery_inconsistent": "solved interval does not intersect the 1–5 scale (or the "
    "garbled fragment): the printed values are inconsistent",
    "decimal_point": "a value is printed with a decimal point instead of the usual comma",
    "br_in_cell": "a value or predicate cell contains a <br> line break (removed); "
    "line breaks in names are ordinary wrapping and are not flagged",
    "extra_empty_cells": "the table row has trailing empty cells (ignored)",
    "name_repaired": "name_clean differs from the printed name beyond whitespace/<br> "
    "(repeated word sequence collapsed or a run-together word split/lower-cased)",
    "name_continued": "the name continued on a following table row with no number; "
    "the pieces were joined",
    "row_number_gap": "the printed No does not follow the previous row of the table",
    "title_typo": "the table title has a misspelt province (repaired in province_hint)",
    "predicate_missing": "Predikat cell empty",
    "predicate_garbled": "Predikat cell is not one of the five predicates",
    "index_mismatch": "|residual| > tolerance: the printed index differs from the index recomputed from the "
    "printed domains by more than rounding of the printed values can explain "
    "(spbe_research.scoring.rounding_tolerance)",
    "on_threshold": "printed index equals a predicate threshold (1.80/2.60/3.50/4.20); "
    "the predicate depends on the unrounded index and is checked against "
    "index_recomputed (or the recovered interval)",
    "predicate_unrounded": "on_threshold row printed with the lower predicate (e.g. 1.80 → Kurang): "
    "the predicate was set on the unrounded index, just below the edge",
    "predicate_rounded": "on_threshold row printed with the upper predicate although every index "
    "consistent with the printed values (±0.005 of the printed and of the recomputed index) lies "
    "below the edge: the predicate was set on the rounded index",
    "predicate_mismatch": "printed predicate disagrees with the printed index and, for "
    "on_threshold rows, also with the unrounded recomputed index",
}

#: ``category_hint`` values (see :mod:`spbe_research.vocabulary`).
CATEGORY_HINTS = dict(REPORT_CATEGORIES)

#: Canonical province names (38 provinces, 2022 boundaries) for ``province_hint``.
PROVINCES = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
    "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung",
    "DKI Jakarta", "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur",
    "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
    "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Selatan",
    "Sulawesi Tenggara", "Sulawesi Barat", "Maluku", "Maluku Utara", "Papua",
    "Papua Barat", "Papua Selatan", "Papua Tengah", "Papua Pegunungan", "Papua Barat Daya",
)
# Printed spellings that are not typos but alternative forms.
_PROVINCE_ALIASES = {
    "bangka belitung": "Kepulauan Bangka Belitung",
    "d.i yogyakarta": "DI Yogyakarta",
    "d.i. yogyakarta": "DI Yogyakarta",
    "di yogyakarta": "DI Yogyakarta",
    "daerah istimewa yogyakarta": "DI Yogyakarta",
}

#: Columns of :func:`parse_report`, in order.
REPORT_COLUMNS = (
    "year", "source_file", "source_table", "table_title", "source_line", "source_row",
    "name_raw", "name_clean", "category_hint", "province_hint",
    "D1", "D2", "D3", "D4", "index", "predicate", "predicate_raw", "garbled_text",
    "recovered_field", "recovered_value", "recovered_low", "recovered_high",
    "recovered_candidates", "recovery_method",
    "index_recomputed", "residual", "tolerance", "within_tolerance", "predicate_from_index",
    "predicate_consistent", "quality_flags",
)

_EXPECTED_HEADER = ("no", "nama instansi", "d1", "d2", "d3", "d4", "indeks", "predikat")
_N_CELLS = len(_EXPECTED_HEADER)
_MISSING_MARKS = frozenset({"", "-", "–", "—"})

_REGIONAL_TITLE = re.compile(r"Hasil Evaluasi SPBE Pemerintah Daerah(?:\s+di)?\s+(.+)$", re.I)
_CENTRAL_TITLES = (
    (re.compile(r"Hasil Evaluasi SPBE Kementerian\s*$", re.I), "kementerian"),
    (re.compile(r"Lembaga Pemerintah Non Kementerian", re.I), "lpnk"),
    (re.compile(r"Alat Negara", re.I), "alat_negara"),
    (re.compile(r"Sekretariat Kabinet", re.I), "sekretariat_kabinet"),
    (re.compile(r"Sekretariat Jenderal Lembaga Negara", re.I), "setjen_lembaga_negara"),
    (re.compile(r"Instansi lainnya|Lembaga Pemerintah Lainnya", re.I), "instansi_lainnya"),
    (re.compile(r"Lembaga Penyiaran Publik", re.I), "lpp"),
    (re.compile(r"Lembaga Non Struktural", re.I), "lns"),
)
assert {c for _, c in _CENTRAL_TITLES} == set(CENTRAL_CATEGORIES)
_INSTITUTION_TITLE = re.compile(r"Hasil Evaluasi SPBE\s+\S", re.I)
_CANONICAL_PREDICATE = {p.lower(): p for p in PREDICATES}


def predicate_of(index: float, framework="2020"):
    """Predicate of a printed index value by the framework's bands, ``None`` for NaN (a lost cell is not an
    error while parsing). A printed value off the scale (a defect flagged elsewhere) is banded as it stands.

    >>> predicate_of(3.5), predicate_of(float("nan")), predicate_of(0.3)
    ('Sangat Baik', None, 'Kurang')
    """
    if index is None or (isinstance(index, float) and math.isnan(index)):
        return None
    return _band_names(np.array([float(index)]), framework)[0]


def _band_names(values: np.ndarray, framework) -> np.ndarray:
    """Predicate names of printed values (no scale check: the parser reports defects, it does not stop)."""
    fw = get_framework(framework)
    return np.asarray(fw.predicates, dtype=object)[band_codes(values, fw)]


# --- table titles and names ------------------------------------------------------------------------------

def _canonical_province(text: str):
    """(canonical name, was_typo) for a province as printed in a title."""
    t = " ".join(text.split()).strip(" .")
    low = t.lower()
    if low in _PROVINCE_ALIASES:
        return _PROVINCE_ALIASES[low], False
    for p in PROVINCES:
        if p.lower() == low:
            return p, False
    lowered = [p.lower() for p in PROVINCES] + list(_PROVINCE_ALIASES)
    m = difflib.get_close_matches(low, lowered, n=1, cutoff=0.85)
    if m:
        name = _PROVINCE_ALIASES.get(m[0]) or PROVINCES[[p.lower() for p in PROVINCES].index(m[0])]
        return name, True
    return None, False


def _table_category(title: str, *, file, line):
    """('regional', province, typo) or (central category, None, False)."""
    m = _REGIONAL_TITLE.search(title)
    if m:
        prov, typo = _canonical_province(m.group(1))
        if prov is None:
            raise SPBEError(f"unknown province in table title {title!r}", file=file, row=line, field="table_title")
        return "regional", prov, typo
    for rx, cat in _CENTRAL_TITLES:
        if rx.search(title):
            return cat, None, False
    raise SPBEError(f"unknown institution group in table title {title!r}", file=file, row=line, field="table_title")


def _regional_category(name: str, *, file, line) -> str:
    """provinsi, kabupaten or kota from a regional government's printed name."""
    n = name.lower()
    if re.match(r"pemerintah\s+(kab\.|kabupaten)\s", n):
        return "kabupaten"
    if re.match(r"pemerintah\s+kota\s", n):
        return "kota"
    if n.startswith("pemerintah "):
        return "provinsi"
    raise SPBEError(f"cannot tell provinsi/kabupaten/kota from name {name!r}", file=file, row=line, field="Nama Instansi")


assert set(REGIONAL_CATEGORIES) == {"provinsi", "kabupaten", "kota"}


def _collapse_repeats(words: list[str]) -> list[str]:
    """Drop a word sequence (2–6 words) repeated right after itself, until none is left."""
    words = list(words)
    changed = True
    while changed:
        changed = False
        for k in range(min(6, len(words) // 2), 1, -1):
            for s in range(len(words) - 2 * k + 1):
                if [w.lower() for w in words[s:s + k]] == [w.lower() for w in words[s + k:s + 2 * k]]:
                    del words[s + k:s + 2 * k]
                    changed = True
                    break
            if changed:
                break
    return words


def _clean_name(raw: str) -> tuple[str, bool]:
    """Normalise whitespace/<br>; collapse repeated word sequences (≥2 words) and
    fix run-together words with an inner capital ("KotaMobagu" → "Kotamobagu").
    Returns (clean, repaired_beyond_whitespace).

    >>> _clean_name("Badan Pengusahaan Badan Pengusahaan Batam")
    ('Badan Pengusahaan Batam', True)
    """
    base = clean_cell(raw)
    # a word like "KotaMobagu": capital, lower-case run, capital, lower-case run
    fixed = [w[0] + w[1:].lower() if re.fullmatch(r"[A-Z][a-z]{2,}[A-Z][a-z]{2,}", w) else w
             for w in _collapse_repeats(base.split())]
    clean = " ".join(fixed)
    return clean, clean != base


def _year_framework(year: int):
    """The framework of ``year``, checked against the report tables' domain columns."""
    fw = framework_for_year(int(year))
    if not fw.has_level("domain") or tuple(fw.domain_codes) != DOMAINS:
        raise SPBEError(f"the report tables have domains {DOMAINS}, but evaluation year {year} "
                        f"uses {fw.name} with {fw.top_level}s {fw.codes(fw.top_level)}", field="year")
    return fw


# --- step 1: scanning the tables -------------------------------------------------------------------------

@dataclass
class _Table:
    """The per-institution table being read."""

    number: int
    title: str
    category: str
    province: str | None
    typo: bool
    expect: int = 1
    header_seen: bool = False


@dataclass
class _Scan:
    fname: str
    year: int
    rows: list = field(default_factory=list)
    table: _Table | None = None


def _value_cells(rec: dict, cells: list[str], flags: list[str], fname: str, lineno: int) -> None:
    """D1–D4 and Indeks: a number, or NaN flagged as missing or garbled (text kept)."""
    for f, cell in zip(VALUE_FIELDS, cells):
        if has_br(cell):
            flags.append("br_in_cell")
        c = clean_cell(cell)
        if c in _MISSING_MARKS:
            rec[f] = math.nan
            flags.append(f"{f.lower()}_missing")
            continue
        try:
            v = parse_decimal(c, file=fname, row=lineno, field=f)
        except SPBEError:
            rec[f] = math.nan
            rec["_garbled"][f] = c
            flags.append(f"{f.lower()}_garbled")
            continue
        if "." in c:
            flags.append("decimal_point")
        if not (1.0 <= v <= 5.0):
            flags.append("out_of_range")
        rec[f] = v


def _predicate_cell(rec: dict, cell: str, flags: list[str]) -> None:
    """Predikat: one of the five (any case), else None flagged missing or garbled."""
    rec["predicate_raw"] = cell
    if has_br(cell):
        flags.append("br_in_cell")
    p = clean_cell(cell)
    rec["predicate"] = _CANONICAL_PREDICATE.get(p.lower())
    if p == "":
        flags.append("predicate_missing")
    elif rec["predicate"] is None:
        flags.append("predicate_garbled")


def _row_record(scan: _Scan, cells: list[str], lineno: int, flags: list[str]) -> dict | None:
    """A numbered table row as a record (None when the row only continues the previous name)."""
    t, fname = scan.table, scan.fname
    if not t.header_seen:
        raise SPBEError(f"table row before the header in {t.title!r}", file=fname, row=lineno, field="header")
    if len(cells) != _N_CELLS:
        raise SPBEError(f"line {lineno}: expected {_N_CELLS} cells, found {len(cells)} in {t.title!r}",
                        file=fname, row=lineno, field="row")
    no_txt = clean_cell(cells[0])
    if no_txt == "" and cells[1] and all(c == "" for c in cells[2:]) and scan.rows \
            and scan.rows[-1]["source_table"] == f"Tabel {t.number}":
        prev = scan.rows[-1]
        prev["name_raw"] = prev["name_raw"] + "<br>" + cells[1]
        if "name_continued" not in prev["_flags"]:
            prev["_flags"].append("name_continued")
        return None
    if not re.fullmatch(r"\d+", no_txt):
        raise SPBEError(f"line {lineno}: 'No' is not an integer: {cells[0]!r}", file=fname, row=lineno, field="No")
    no = int(no_txt)
    if no != t.expect:
        flags.append("row_number_gap")
    t.expect = no + 1
    rec = dict(year=int(scan.year), source_file=fname, source_table=f"Tabel {t.number}", table_title=t.title,
               source_line=lineno, source_row=no, name_raw=cells[1], province_hint=t.province,
               _category=t.category, _flags=flags, _garbled={})
    if t.typo:
        flags.append("title_typo")
    _value_cells(rec, cells[2:7], flags, fname, lineno)
    _predicate_cell(rec, cells[7], flags)
    return rec


def _scan_line(scan: _Scan, line: str, lineno: int) -> None:
    t = title_of(line)
    if t is not None:
        num, title = t
        if _INSTITUTION_TITLE.search(title):
            cat, prov, typo = _table_category(title, file=scan.fname, line=lineno)
            scan.table = _Table(num, title, cat, prov, typo)
        else:
            scan.table = None
        return
    if scan.table is None:
        return
    stripped = line.strip()
    if re.match(r"^#{1,6}\s", stripped):  # a section heading ends the table
        scan.table = None
        return
    if not stripped.startswith("|"):
        return
    cells = split_row(stripped)
    flags: list[str] = []
    while len(cells) > _N_CELLS and cells[-1] == "":
        cells.pop()
        if "extra_empty_cells" not in flags:
            flags.append("extra_empty_cells")
    if is_separator(cells):
        return
    if cells and cells[0].strip().lower() == "no":
        hdr = tuple(header_key(c) for c in cells)
        if hdr != tuple(header_key(c) for c in _EXPECTED_HEADER):
            raise SPBEError(f"unexpected table header {cells!r} in {scan.table.title!r}", file=scan.fname,
                            row=lineno, field="header")
        scan.table.header_seen = True
        return
    rec = _row_record(scan, cells, lineno, flags)
    if rec is not None:
        scan.rows.append(rec)


def _scan_tables(lines: list[str], fname: str, year: int) -> list[dict]:
    """Step 1: every numbered row of every per-institution table, in document order."""
    scan = _Scan(fname, year)
    for lineno, line in enumerate(lines, 1):
        _scan_line(scan, line, lineno)
    if not scan.rows:
        raise SPBEError("no per-institution table ('Hasil Evaluasi SPBE …') found", file=fname)
    return scan.rows


# --- step 2: names, categories, recovery ---------------------------------------------------------------------

def _finish_record(rec: dict, fw, fname: str) -> None:
    clean, repaired = _clean_name(rec["name_raw"])
    rec["name_clean"] = clean
    if repaired:
        rec["_flags"].append("name_repaired")
    cat = rec.pop("_category")
    rec["category_hint"] = _regional_category(clean, file=fname, line=rec["source_line"]) if cat == "regional" else cat
    g = rec["_garbled"]
    rec["garbled_text"] = ";".join(f"{k}={v!r}" for k, v in g.items()) if g else None
    for k in ("recovered_field", "recovered_value", "recovered_low", "recovered_high",
              "recovered_candidates", "recovery_method"):
        rec[k] = None
    recover(rec, fw, VALUE_FIELDS)


# --- step 4: predicates ------------------------------------------------------------------------------

def _predicate_flags(df: pd.DataFrame, fw) -> tuple[pd.Series, list[list[str]]]:
    """Is each printed predicate consistent with the index? Returns the nullable verdict and extra flags.

    Off a band edge the predicate must be the printed index's. On an edge (printed index = a threshold)
    the true index lies within ±h of the printed index and, with rounded domains (Σw = 1), within ±h
    of the recomputed one. The lower predicate proves banding on the unrounded index; the upper one
    proves banding on the rounded index only if that whole interval lies below the edge — otherwise it
    fits either rule.
    """
    I = df["index"].to_numpy(dtype=float)
    R = df["index_recomputed"].to_numpy(dtype=float)
    P = df["predicate"].astype(object).where(df["predicate"].notna(), None).to_numpy()
    has_i = ~np.isnan(I)
    edges = fw.band_edges
    on = has_i & (np.abs(I[:, None] - edges[None, :]) < EDGE_EPS).any(axis=1)
    judged = has_i & (P != None)  # noqa: E711 - elementwise on an object array
    p_rounded = np.full(len(df), None, dtype=object)
    if has_i.any():
        p_rounded[has_i] = _band_names(I[has_i], fw)
    h = ROUNDING_HALF_WIDTH
    lo = np.where(np.isnan(R), I - h, np.maximum(I - h, R - h))
    hi = np.where(np.isnan(R), I + h, np.minimum(I + h, R + h))
    p_lower = np.full(len(df), None, dtype=object)
    if on.any():
        p_lower[on] = _band_names(I[on] - h, fw)
    is_rounded, is_lower = P == p_rounded, P == p_lower
    ok_on = (is_rounded & (lo <= hi)) | (is_lower & (lo < I))
    ok = np.where(on, ok_on, is_rounded)
    unrounded = judged & on & ok & is_lower & ~is_rounded
    rounded = judged & on & ok & ~unrounded & is_rounded & (hi < I)
    mismatch = judged & ~ok
    bad_index = (df["within_tolerance"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    extra = [[f for f, m in (("index_mismatch", a), ("on_threshold", b), ("predicate_unrounded", c),
                             ("predicate_rounded", d), ("predicate_mismatch", e)) if m]
             for a, b, c, d, e in zip(bad_index, on, unrounded, rounded, mismatch)]
    verdict = pd.array(np.where(judged, ok, pd.NA), dtype="boolean")
    return verdict, extra


def _join_flags(flags: list[str], more: list[str]) -> str:
    seen = list(dict.fromkeys([*flags, *more]))
    undocumented = [f for f in seen if f not in QUALITY_FLAGS]
    if undocumented:  # pragma: no cover - programming error
        raise AssertionError(f"undocumented quality flag {undocumented[0]!r}")
    return ";".join(seen)


def parse_report(path, year: int) -> pd.DataFrame:
    """Every institution row of the per-institution tables of one report.

    Parameters
    ----------
    path:
        The report's Markdown file.
    year:
        Evaluation year (2023 or 2024 for the two known reports); stored in ``year``.

    Returns
    -------
    DataFrame with the columns :data:`REPORT_COLUMNS` (one row per institution, in
    document order). ``D1``…``index`` are the printed values (NaN when lost/garbled);
    ``recovered_*`` hold values solved from the others (midpoint, rounding interval,
    grid candidates, method); ``index_recomputed``, ``residual``, ``tolerance`` and
    ``within_tolerance`` are the reproduction audit; ``quality_flags`` uses the codes of
    :data:`QUALITY_FLAGS`.

    Raises
    ------
    SPBEError
        Unknown table header, a row with the wrong number of cells, a non-integer
        ``No``, an unknown table group, or no institution table at all.
    """
    from .. import checks, reproduce

    year = checks.year(year)
    path = Path(path)
    fname = path.name
    fw = _year_framework(year)
    rows = _scan_tables(read_lines(path), fname, year)
    for rec in rows:
        _finish_record(rec, fw, fname)
    df = pd.DataFrame(rows)
    for c in ("recovered_value", "recovered_low", "recovered_high", *VALUE_FIELDS):
        df[c] = df[c].astype("float64")
    audit = reproduce.recompute(df, fw)
    for c in reproduce.AUDIT_COLUMNS:
        df[c] = audit[c]
    df["predicate_from_index"] = df["index"].map(lambda x: predicate_of(x, fw))
    df["predicate_consistent"], extra = _predicate_flags(df, fw)
    df["quality_flags"] = [_join_flags(f, m) for f, m in zip(df["_flags"], extra)]
    df = df.drop(columns=["_flags", "_garbled"])
    for c in ("source_line", "source_row", "year"):
        df[c] = df[c].astype("int64")
    return df.loc[:, list(REPORT_COLUMNS)].reset_index(drop=True)


def quality_flag_counts(df: pd.DataFrame, by=("year",)) -> pd.DataFrame:
    """Tidy count of quality flags: one row per group × flag, with ``n`` and the flag's meaning.

    ``by``: the columns to group by (a column name or a list of them).
    """
    from .. import checks

    by = [by] if isinstance(by, str) else list(by) if isinstance(by, (list, tuple)) else None
    if by is None or not all(isinstance(c, str) for c in by):
        raise SPBEError("by must be a column name or a list of column names", field="by")
    checks.frame(df, name="df", required=(*by, "quality_flags"))
    flags = df[by + ["quality_flags"]].assign(flag=df["quality_flags"].fillna("").str.split(";")).explode("flag")
    flags = flags[flags["flag"].astype(bool)]
    out = flags.groupby(by + ["flag"], sort=True).size().rename("n").reset_index()
    out["meaning"] = out["flag"].map({**QUALITY_FLAGS, "press_conflict": "two press pages give different values "
                                      "for this institution and year (both kept)",
                                      "unmatched": "the name matched no registered institution"})
    return out
