"""Parse the official KemenPANRB SPBE evaluation reports (Markdown conversions).

The two reports under ``data/raw/kemenpanrb_reports/`` are ``marker`` PDF→Markdown
conversions of

* *Laporan Evaluasi SPBE Tahun 2023* (evaluation year 2023; per-institution
  Tabel 8–53, 621 rows; summary Tabel 4–7), and
* *Laporan Pelaksanaan Evaluasi SPBE 2024* (evaluation year 2024; per-institution
  Tabel 9–54, 615 rows; summary Tabel 4–8).

Public functions
----------------
:func:`parse_decimal` / :func:`parse_decimal_series`
    Indonesian decimals ("3,50", "3.50", "<br>"-polluted cells) with located errors.
:func:`parse_report`
    One row per institution, printed values untouched, defects flagged
    (:data:`QUALITY_FLAGS`), lost values *recovered* as intervals in separate columns.
:func:`parse_report_aggregates`
    The summary tables in tidy (long) form.

Principles
----------
* A printed value is never overwritten. A lost or garbled cell is ``NaN`` in its own
  column; what can be solved from the other printed values goes to the ``recovered_*``
  columns together with its interval and the method.
* Every printed value is a rounding (to 2 decimals) of the true value, so it carries
  ±0.005 of uncertainty; recoveries and consistency checks propagate that bound.
* Anything the parser does not recognise raises :class:`~spbe_research.errors.SPBEError`
  naming file, line and field. Recognised conversion defects are flagged instead.

Index weights are those of PermenPANRB 59/2020 (D1 13 %, D2 25 %, D3 16.5 %, D4 45.5 %);
predicate thresholds: Kurang < 1.8 ≤ Cukup < 2.6 ≤ Baik < 3.5 ≤ Sangat Baik < 4.2 ≤ Memuaskan.
"""
from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import SPBEError
from .frameworks import framework_for_year, get_framework
from .scoring import PREDICATE_BANDS, PREDICATES, index_from_domains, predicate

__all__ = [
    "PREDICATES",
    "QUALITY_FLAGS",
    "CATEGORY_HINTS",
    "CENTRAL_CATEGORIES",
    "REGIONAL_CATEGORIES",
    "AGGREGATE_GROUPS",
    "REPORT_GROUP_MEMBERS",
    "REPORT_COLUMNS",
    "AGGREGATE_COLUMNS",
    "PROVINCES",
    "parse_decimal",
    "parse_decimal_series",
    "predicate_of",
    "parse_report",
    "parse_report_aggregates",
]

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: Domain columns of the report tables (PermenPANRB 59/2020 domains).
DOMAINS = ("D1", "D2", "D3", "D4")
VALUE_FIELDS = DOMAINS + ("index",)

#: Half-width of the rounding interval of every printed value (2 decimals).
ROUNDING_HALF_WIDTH = 0.005


#: Largest |printed index − index recomputed from printed domains| that rounding alone
#: can produce: the printed index is off by ≤ 0.005 and the weighted sum of the printed
#: domains by ≤ 0.005·Σw = 0.005. Larger residuals get ``index_mismatch``.
INDEX_TOLERANCE = ROUNDING_HALF_WIDTH * (1 + float(get_framework("2020").domain_weights.sum()))

#: Indicator grid of a domain score: D1 and D2 are unweighted means of 10 indicators
#: (levels 1–5), D3 of 11 indicators, so the true value is k/10, k/10, k/11.
#: D4 mixes two indicator weights and has no simple grid. Used only to list the
#: candidate values of a recovered domain (``recovered_candidates``).
DOMAIN_GRID_DENOMINATOR = {"D1": 10, "D2": 10, "D3": 11}

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
    "index_mismatch": f"|index − index_recomputed| > {INDEX_TOLERANCE:.4f} (more than "
    "rounding of the printed values can explain)",
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

#: ``category_hint`` values. Central groups come from the table title; regional rows
#: (tables "Hasil Evaluasi SPBE Pemerintah Daerah (di) <province>") from the name:
#: "Pemerintah Kab. …" → kabupaten, "Pemerintah Kota …" → kota, any other
#: "Pemerintah …" (incl. "Pemerintah Aceh", "Pemerintah D.I. Yogyakarta") → provinsi.
CATEGORY_HINTS: dict[str, str] = {
    "kementerian": "Kementerian (ministries) – 'Hasil Evaluasi SPBE Kementerian'",
    "lpnk": "Lembaga Pemerintah Non Kementerian (LPNK)",
    "alat_negara": "Alat Negara (BIN, Polri)",
    "sekretariat_kabinet": "Sekretariat Kabinet",
    "setjen_lembaga_negara": "Sekretariat Jenderal Lembaga Negara (incl. Kejaksaan Agung)",
    "instansi_lainnya": "'Instansi lainnya' (2024) / 'Lembaga Pemerintah Lainnya' (2023): "
    "BRIN, BPIP",
    "lpp": "Lembaga Penyiaran Publik (TVRI, RRI)",
    "lns": "Lembaga Non Struktural (LNS)",
    "provinsi": "provincial government",
    "kabupaten": "regency (kabupaten) government",
    "kota": "city (kota) government",
}
REGIONAL_CATEGORIES = ("provinsi", "kabupaten", "kota")
CENTRAL_CATEGORIES = (
    "kementerian", "lpnk", "alat_negara", "sekretariat_kabinet",
    "setjen_lembaga_negara", "instansi_lainnya", "lpp", "lns",
)

#: ``group`` values of :func:`parse_report_aggregates`.
AGGREGATE_GROUPS: dict[str, str] = {
    "nasional": "all evaluated institutions (national)",
    "instansi_pusat": "all central institutions (Tabel 'Instansi Pusat')",
    "pemda": "all regional governments (Tabel 'Pemerintah Daerah')",
    "kementerian": "ministries",
    "lpnk": "non-ministerial government agencies",
    "lns": "2023 column 'LNS' (non-structural bodies)",
    "instansi_lainnya": "2023 column 'Instansi Lainnya'",
    "lns_and_other": "2024 column 'LNS dan Instansi Lainnya' (all central bodies that "
    "are neither kementerian nor LPNK)",
    "provinsi": "provinces",
    "kabupaten": "regencies",
    "kota": "cities",
}

#: Which ``category_hint`` values make up each ``group`` of the summary tables (as far as
#: the report text says; ``tests/test_cleaning.py`` checks which group means the listed
#: rows reproduce). "instansi_lainnya" is the 2023 column "Instansi Lainnya" (every
#: central body that is not kementerian, LPNK or LNS – its means reproduce exactly from
#: these 15 rows); "lns_and_other" the 2024 column "LNS dan Instansi Lainnya".
REPORT_GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "nasional": CENTRAL_CATEGORIES + REGIONAL_CATEGORIES,
    "instansi_pusat": CENTRAL_CATEGORIES,
    "pemda": REGIONAL_CATEGORIES,
    "kementerian": ("kementerian",),
    "lpnk": ("lpnk",),
    "lns": ("lns",),
    "instansi_lainnya": ("alat_negara", "sekretariat_kabinet", "setjen_lembaga_negara",
                         "instansi_lainnya", "lpp"),
    "lns_and_other": ("lns", "alat_negara", "sekretariat_kabinet", "setjen_lembaga_negara",
                      "instansi_lainnya", "lpp"),
    "provinsi": ("provinsi",),
    "kabupaten": ("kabupaten",),
    "kota": ("kota",),
}

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
    "index_recomputed", "index_residual", "predicate_from_index",
    "predicate_consistent", "quality_flags",
)
#: Columns of :func:`parse_report_aggregates`, in order.
AGGREGATE_COLUMNS = (
    "year", "report_year", "group", "component", "statistic", "value", "value_raw",
    "source_table", "source_line",
)

_EXPECTED_HEADER = ("no", "nama instansi", "d1", "d2", "d3", "d4", "indeks", "predikat")
_N_CELLS = len(_EXPECTED_HEADER)

# --------------------------------------------------------------------------------------
# Decimals
# --------------------------------------------------------------------------------------

_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_MISSING_MARKS = frozenset({"", "-", "–", "—"})


def _clean_cell(text: str) -> str:
    """Replace <br> by a space, normalise non-breaking spaces, collapse whitespace."""
    text = _BR.sub(" ", text).replace("\u00a0", " ")
    return " ".join(text.split())


def parse_decimal(text, *, file=None, row=None, field=None, allow_missing: bool = False) -> float:
    """Parse one Indonesian decimal ("3,50", "3.50", " 4,00 ", "4,<br>00").

    ``<br>`` tags and whitespace are removed first; both decimal comma and decimal
    point are accepted (one separator at most, digits on both sides). Numbers already
    of type int/float are returned as float.

    An empty cell (or a lone dash, the reports' "not applicable") returns ``math.nan``
    only if ``allow_missing=True``; otherwise it is an error like any garbage
    (",60", "3,5,0", letters), raised as :class:`SPBEError` naming ``file``, ``row``
    and ``field``.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        if allow_missing:
            return math.nan
        raise SPBEError("missing value", file=file, row=row, field=field)
    if isinstance(text, bool):
        raise SPBEError(f"not a decimal number: {text!r}", file=file, row=row, field=field)
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    if not isinstance(text, str):
        raise SPBEError(f"not a decimal number: {text!r}", file=file, row=row, field=field)
    s = _BR.sub("", text).replace("\u00a0", "")
    s = "".join(s.split())
    if s in _MISSING_MARKS:
        if allow_missing:
            return math.nan
        raise SPBEError(f"empty cell {text!r}", file=file, row=row, field=field)
    if not _DECIMAL.fullmatch(s):
        raise SPBEError(f"not a decimal number: {text!r}", file=file, row=row, field=field)
    return float(s.replace(",", "."))


def parse_decimal_series(values, *, file=None, field=None, allow_missing: bool = False) -> pd.Series:
    """Vectorised :func:`parse_decimal` for a Series (or list) of cell texts.

    Returns a float Series with the same index. The first bad cell raises
    :class:`SPBEError` with ``row`` = its index label.
    """
    s = pd.Series(values)
    is_num = s.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                   and not isinstance(v, bool) and not (isinstance(v, (float, np.floating)) and math.isnan(v)))
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    if is_num.any():
        out[is_num] = s[is_num].astype("float64")
    txt = s[~is_num]
    if len(txt):
        isnull = txt.isna()
        t = txt.where(~isnull, "").astype(str)
        t = t.str.replace(_BR, "", regex=True).str.replace(r"\s+", "", regex=True)
        missing = t.isin(_MISSING_MARKS) | isnull
        ok = t.str.fullmatch(_DECIMAL.pattern)
        bad = ~ok & ~missing
        if bad.any():
            lab = bad[bad].index[0]
            raise SPBEError(f"not a decimal number: {txt[lab]!r}", file=file, row=lab, field=field)
        if missing.any() and not allow_missing:
            lab = missing[missing].index[0]
            raise SPBEError(f"empty cell {txt[lab]!r}", file=file, row=lab, field=field)
        good = ok & ~missing
        out[good[good].index] = t[good].str.replace(",", ".", regex=False).astype("float64")
    return out


def predicate_of(index: float):
    """Predicate of an index value, ``None`` for NaN (a lost cell is not an error while parsing)."""
    if index is None or (isinstance(index, float) and math.isnan(index)):
        return None
    return predicate(index)


def _index_from_domains(df: pd.DataFrame, year: int) -> pd.Series:
    """Weighted index of the printed domains with the framework of ``year`` (NaN where a domain is missing).

    Printed values outside the level range (flagged ``out_of_range``, e.g. 2023 Kab. Banyuasin
    D4 = 0,30) are kept: the identity index = Σ w·D is still checkable for them.
    """
    dom = df.loc[:, list(DOMAINS)].astype("float64")
    return index_from_domains(dom, framework_for_year(int(year)), missing="propagate", check_range=False)


# --------------------------------------------------------------------------------------
# Markdown helpers
# --------------------------------------------------------------------------------------

_TITLE = re.compile(r"^Tabel\s+(\d+)\s*\.\s*(.*)$")


def _strip_markup(line: str) -> str:
    line = _BR.sub(" ", line)
    line = re.sub(r"<span[^>]*>.*?</span>", " ", line)
    line = re.sub(r"<[^>]+>", " ", line)
    line = line.replace("**", " ").replace("*", " ")
    line = re.sub(r"^\s*#+\s*", "", line)
    return " ".join(line.split())


def _title_of(line: str):
    """(number, title) if the line is a table caption 'Tabel N. …' (not a table row);
    the title is the caption text after 'Tabel N.' without Markdown/HTML markup."""
    if line.lstrip().startswith("|"):
        return None
    m = _TITLE.match(_strip_markup(line))
    if not m:
        return None
    return int(m.group(1)), m.group(2).strip()


def _split_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _header_key(cell: str) -> str:
    """Header cell without markup and whitespace, lower case ('<b>D</b> 1' → 'd1')."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", cell)).lower()


def _is_separator(cells: list[str]) -> bool:
    return all(re.fullmatch(r":?-*:?", c) for c in cells) and any("-" in c for c in cells)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SPBEError("report file not found", file=str(path)) from None


# --------------------------------------------------------------------------------------
# Per-institution tables
# --------------------------------------------------------------------------------------

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
_INSTITUTION_TITLE = re.compile(r"Hasil Evaluasi SPBE\s+\S", re.I)


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
            raise SPBEError(f"unknown province in table title {title!r}",
                            file=file, row=line, field="table_title")
        return "regional", prov, typo
    for rx, cat in _CENTRAL_TITLES:
        if rx.search(title):
            return cat, None, False
    raise SPBEError(f"unknown institution group in table title {title!r}",
                    file=file, row=line, field="table_title")


def _regional_category(name: str, *, file, line) -> str:
    n = name.lower()
    if re.match(r"pemerintah\s+(kab\.|kabupaten)\s", n):
        return "kabupaten"
    if re.match(r"pemerintah\s+kota\s", n):
        return "kota"
    if n.startswith("pemerintah "):
        return "provinsi"
    raise SPBEError(f"cannot tell provinsi/kabupaten/kota from name {name!r}",
                    file=file, row=line, field="Nama Instansi")


def _clean_name(raw: str) -> tuple[str, bool]:
    """Normalise whitespace/<br>; collapse repeated word sequences (≥2 words) and
    fix run-together words with an inner capital ("KotaMobagu" → "Kotamobagu").
    Returns (clean, repaired_beyond_whitespace)."""
    base = _clean_cell(raw)
    words = base.split()
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
    fixed = []
    for w in words:
        # a word like "KotaMobagu": capital, lower-case run, capital, lower-case run
        if re.fullmatch(r"[A-Z][a-z]{2,}[A-Z][a-z]{2,}", w):
            w = w[0] + w[1:].lower()
        fixed.append(w)
    clean = " ".join(fixed)
    return clean, clean != base


def _year_weights(year: int) -> dict[str, float]:
    """Domain weights of the framework of ``year`` (from :mod:`spbe_research.frameworks`)."""
    fw = framework_for_year(int(year))
    if tuple(fw.domain_codes) != DOMAINS:
        raise SPBEError(f"the report tables have domains {DOMAINS}, but evaluation year {year} "
                        f"uses {fw.name} with domains {tuple(fw.domain_codes)}", field="year")
    return {d: float(w) for d, w in zip(fw.domain_codes, fw.domain_weights)}


def _recover(row: dict, w: dict[str, float]) -> None:
    """Solve the single lost/garbled value from the others, as an interval."""
    lost = [f for f in VALUE_FIELDS if math.isnan(row[f])]
    if not lost:
        return
    if len(lost) > 1:
        row["_flags"].append("unrecoverable")
        return
    (f,) = lost
    h = ROUNDING_HALF_WIDTH
    if f == "index":
        mid = sum(w[d] * row[d] for d in DOMAINS)
        half = h * sum(w.values())
        method = "weighted sum of printed D1-D4 (59/2020 weights), rounding bounds ±0.005"
    else:
        others = [d for d in DOMAINS if d != f]
        mid = (row["index"] - sum(w[d] * row[d] for d in others)) / w[f]
        half = h * (1 + sum(w[d] for d in others)) / w[f]
        method = (f"solved from index and {'/'.join(others)} (59/2020 weights), "
                  "rounding bounds ±0.005 on every printed value")
    lo, hi = mid - half, mid + half
    lo_c, hi_c = max(lo, 1.0), min(hi, 5.0)
    candidates = []
    den = DOMAIN_GRID_DENOMINATOR.get(f)
    garbled = row["_garbled"].get(f)
    if den is not None and lo_c <= hi_c:
        k0, k1 = math.ceil(lo_c * den - 1e-9), math.floor(hi_c * den + 1e-9)
        candidates = [k / den for k in range(k0, k1 + 1)]
        if candidates:
            method += f"; candidates on the k/{den} indicator grid"
        if garbled is not None:
            frag = garbled.replace(".", ",")
            kept = [c for c in candidates if f"{c:.2f}".replace(".", ",").endswith(frag)]
            if kept != candidates:
                method += f" ending in the garbled text {garbled!r}"
            candidates = kept
    if lo_c > hi_c or (garbled is not None and den is not None and not candidates):
        row["_flags"].append("recovery_inconsistent")
    row["_flags"].append("recovered")
    row.update(
        recovered_field=f, recovered_value=(lo + hi) / 2, recovered_low=lo,
        recovered_high=hi,
        recovered_candidates=";".join(f"{c:.2f}" for c in candidates) if candidates else None,
        recovery_method=method,
    )


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
    grid candidates, method); ``quality_flags`` uses the codes of :data:`QUALITY_FLAGS`.

    Raises
    ------
    SPBEError
        Unknown table header, a row with the wrong number of cells, a non-integer
        ``No``, an unknown table group, or no institution table at all.
    """
    path = Path(path)
    fname = path.name
    weights = _year_weights(year)
    lines = _read_lines(path)
    rows: list[dict] = []
    table = None  # dict(number, title, line, category, province, typo, expect)
    header_seen = False
    for lineno, line in enumerate(lines, 1):
        t = _title_of(line)
        if t is not None:
            num, title = t
            if _INSTITUTION_TITLE.search(title):
                cat, prov, typo = _table_category(title, file=fname, line=lineno)
                table = dict(number=num, title=title, line=lineno, category=cat,
                             province=prov, typo=typo, expect=1)
                header_seen = False
            else:
                table = None
            continue
        if table is None:
            continue
        stripped = line.strip()
        if re.match(r"^#{1,6}\s", stripped):  # a section heading ends the table
            table = None
            continue
        if not stripped.startswith("|"):
            continue
        cells = _split_row(stripped)
        flags: list[str] = []
        while len(cells) > _N_CELLS and cells[-1] == "":
            cells.pop()
            if "extra_empty_cells" not in flags:
                flags.append("extra_empty_cells")
        if _is_separator(cells):
            continue
        if cells and cells[0].strip().lower() == "no":
            hdr = tuple(_header_key(c) for c in cells)
            if hdr != tuple(_header_key(c) for c in _EXPECTED_HEADER):
                raise SPBEError(f"unexpected table header {cells!r} in {table['title']!r}",
                                file=fname, row=lineno, field="header")
            header_seen = True
            continue
        if not header_seen:
            raise SPBEError(f"table row before the header in {table['title']!r}",
                            file=fname, row=lineno, field="header")
        if len(cells) != _N_CELLS:
            raise SPBEError(
                f"line {lineno}: expected {_N_CELLS} cells, found {len(cells)} "
                f"in {table['title']!r}", file=fname, row=lineno, field="row")
        no_txt = _clean_cell(cells[0])
        if no_txt == "" and cells[1] and all(c == "" for c in cells[2:]) and rows \
                and rows[-1]["source_table"] == f"Tabel {table['number']}":
            prev = rows[-1]
            prev["name_raw"] = prev["name_raw"] + "<br>" + cells[1]
            if "name_continued" not in prev["_flags"]:
                prev["_flags"].append("name_continued")
            continue
        if not re.fullmatch(r"\d+", no_txt):
            raise SPBEError(f"line {lineno}: 'No' is not an integer: {cells[0]!r}",
                            file=fname, row=lineno, field="No")
        no = int(no_txt)
        if no != table["expect"]:
            flags.append("row_number_gap")
        table["expect"] = no + 1
        rec = dict(
            year=int(year), source_file=fname, source_table=f"Tabel {table['number']}",
            table_title=table["title"], source_line=lineno, source_row=no,
            name_raw=cells[1], province_hint=table["province"],
            _category=table["category"], _flags=flags, _garbled={},
        )
        if table["typo"]:
            flags.append("title_typo")
        for f, cell in zip(VALUE_FIELDS, cells[2:7]):
            if _BR.search(cell):
                flags.append("br_in_cell")
            c = _clean_cell(cell)
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
        pred_raw = cells[7]
        rec["predicate_raw"] = pred_raw
        if _BR.search(pred_raw):
            flags.append("br_in_cell")
        p = _clean_cell(pred_raw)
        canon = {x.lower(): x for x in PREDICATES}
        if p == "":
            rec["predicate"] = None
            flags.append("predicate_missing")
        elif p.lower() in canon:
            rec["predicate"] = canon[p.lower()]
        else:
            rec["predicate"] = None
            flags.append("predicate_garbled")
        rows.append(rec)

    if not rows:
        raise SPBEError("no per-institution table ('Hasil Evaluasi SPBE …') found", file=fname)

    for rec in rows:
        flags = rec["_flags"]
        clean, repaired = _clean_name(rec["name_raw"])
        rec["name_clean"] = clean
        if repaired:
            flags.append("name_repaired")
        cat = rec.pop("_category")
        if cat == "regional":
            cat = _regional_category(clean, file=fname, line=rec["source_line"])
        rec["category_hint"] = cat
        g = rec["_garbled"]
        rec["garbled_text"] = ";".join(f"{k}={v!r}" for k, v in g.items()) if g else None
        for k in ("recovered_field", "recovered_value", "recovered_low", "recovered_high",
                  "recovered_candidates", "recovery_method"):
            rec[k] = None
        _recover(rec, weights)

    df = pd.DataFrame(rows)
    df["index_recomputed"] = _index_from_domains(df, year)
    df["index_residual"] = df["index"] - df["index_recomputed"]
    df["predicate_from_index"] = df["index"].map(predicate_of)

    consistent, extra = [], []
    for r in df.itertuples(index=False):
        I, R, P = r.index, r.index_recomputed, r.predicate
        fl = []
        if not math.isnan(r.index_residual) and abs(r.index_residual) > INDEX_TOLERANCE + 1e-9:
            fl.append("index_mismatch")
        on = (not math.isnan(I)) and any(abs(I - t) < 1e-9 for t in PREDICATE_BANDS)
        if on:
            fl.append("on_threshold")
        if P is None or math.isnan(I):
            consistent.append(pd.NA)
            extra.append(fl)
            continue
        p_rounded = predicate_of(I)
        if on:
            # The true index lies within ±0.005 of the printed index and (rounded domains, Σw = 1)
            # within ±0.005 of the recomputed one. The lower predicate proves banding on the unrounded
            # index; the upper one proves banding on the rounded index only if the whole interval
            # lies below the edge — otherwise it fits either rule.
            h = ROUNDING_HALF_WIDTH
            lo, hi = I - h, I + h
            if not math.isnan(R):
                lo, hi = max(lo, R - h), min(hi, R + h)
            p_lower = predicate_of(I - h)
            ok = (P == p_rounded and lo <= hi) or (P == p_lower and lo < I)
            if ok and P == p_lower and P != p_rounded:
                fl.append("predicate_unrounded")
            elif ok and P == p_rounded and hi < I:
                fl.append("predicate_rounded")
        else:
            ok = P == p_rounded
        if not ok:
            fl.append("predicate_mismatch")
        consistent.append(ok)
        extra.append(fl)
    df["predicate_consistent"] = pd.array(consistent, dtype="boolean")

    qf = []
    for flags, more in zip(df["_flags"], extra):
        seen = []
        for f in list(flags) + more:
            if f not in seen:
                if f not in QUALITY_FLAGS:  # pragma: no cover - programming error
                    raise AssertionError(f"undocumented quality flag {f!r}")
                seen.append(f)
        qf.append(";".join(seen))
    df["quality_flags"] = qf

    df = df.drop(columns=["_flags", "_garbled"])
    for c in ("recovered_value", "recovered_low", "recovered_high", "D1", "D2", "D3", "D4",
              "index", "index_recomputed", "index_residual"):
        df[c] = df[c].astype("float64")
    df["source_line"] = df["source_line"].astype("int64")
    df["source_row"] = df["source_row"].astype("int64")
    df["year"] = df["year"].astype("int64")
    return df.loc[:, list(REPORT_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Summary tables
# --------------------------------------------------------------------------------------

_STATISTIC = {"rerata": "mean", "rata-rata": "mean", "max": "max", "maks": "max",
              "min": "min", "target": "target"}
_DOMAIN_TABLE_GROUP = (
    (re.compile(r"Nilai Indeks Domain Nasional", re.I), "nasional"),
    (re.compile(r"Nilai Indeks Domain Instansi Pusat", re.I), "instansi_pusat"),
    (re.compile(r"Nilai Indeks Domain Pemerintah Daerah", re.I), "pemda"),
)
_SERIES_TITLE = re.compile(r"Indeks SPBE Nasional\s+(\d{4})\s*-\s*(\d{4})", re.I)
_CATEGORY_TITLE = re.compile(r"Nilai Indeks Kematangan SPBE", re.I)
_GROUP_HEADER = {
    "nasional": "nasional", "kementerian": "kementerian", "lpnk": "lpnk", "lns": "lns",
    "instansi lainnya": "instansi_lainnya", "provinsi": "provinsi",
    "kabupaten": "kabupaten", "kota": "kota",
}


def _component_of_label(label: str):
    """'SPBE'→index, 'D1. Kebijakan'/'D.2 Tata Kelola'→D1/D2, 'A.3 TIK'→A3."""
    t = _clean_cell(label)
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


def _group_of_header(text: str):
    t = _clean_cell(text).lower()
    if t in _GROUP_HEADER:
        return _GROUP_HEADER[t]
    if t.startswith("lns") and ("lainnya" in t):
        return "lns_and_other"
    return None


def _table_blocks(lines):
    """Yield (number, title, title_line, [(lineno, cells), ...]) for every captioned
    table: the first run of table rows after the caption, before the next caption."""
    caption = None
    block: list = []
    for lineno, line in enumerate(lines, 1):
        t = _title_of(line)
        if t is not None:
            if caption and block:
                yield (*caption, block)
            caption, block = (t[0], t[1], lineno), []
            continue
        if caption is None:
            continue
        if line.strip().startswith("|"):
            block.append((lineno, _split_row(line)))
        elif block and line.strip():
            yield (*caption, block)
            caption, block = None, []
    if caption and block:
        yield (*caption, block)


def _labelled_row(cells, n, title, fname, ln):
    """A summary-table row: its component (from the label cell) and exactly ``n`` value cells."""
    comp = _component_of_label(cells[0])
    if comp is None:
        raise SPBEError(f"unknown row label {cells[0]!r} in {title!r}", file=fname, row=ln, field="label")
    vals = cells[1:1 + n]
    if len(vals) != n:
        raise SPBEError(f"expected {n} values, found {len(vals)}", file=fname, row=ln, field=comp)
    return comp, vals


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
    the report (``year`` argument). ``group`` values: :data:`AGGREGATE_GROUPS`.
    """
    path = Path(path)
    fname = path.name
    lines = _read_lines(path)
    out: list[dict] = []

    def add(**kw):
        out.append(dict(report_year=int(year), **kw))

    for num, title, tline, block in _table_blocks(lines):
        body = [(ln, c) for ln, c in block if not _is_separator(c)]
        if not body:
            continue
        src = f"Tabel {num}"
        m = _SERIES_TITLE.search(title)
        if m:
            (hl, hdr), rows = body[0], body[1:]
            years = []
            for c in hdr[1:]:
                c = _clean_cell(c)
                if not re.fullmatch(r"\d{4}", c):
                    raise SPBEError(f"expected a year in the header, found {c!r}",
                                    file=fname, row=hl, field="header")
                years.append(int(c))
            for ln, cells in rows:
                comp, vals = _labelled_row(cells, len(years), title, fname, ln)
                for y, v in zip(years, vals):
                    add(year=y, group="nasional", component=comp, statistic="mean",
                        value=parse_decimal(v, file=fname, row=ln, field=f"{comp} {y}",
                                            allow_missing=True),
                        value_raw=_clean_cell(v), source_table=src, source_line=ln)
            continue
        group = next((g for rx, g in _DOMAIN_TABLE_GROUP if rx.search(title)), None)
        if group is not None:
            found = set()
            for ln, cells in body:
                stat = _STATISTIC.get(_clean_cell(cells[0]).lower())
                if stat is None:
                    continue  # header rows (possibly garbled)
                vals = [c for c in cells[1:] if _clean_cell(c) != ""]
                if len(vals) != 5:
                    raise SPBEError(f"expected 5 values (D1-D4, Indeks), found {len(vals)}",
                                    file=fname, row=ln, field=stat)
                for comp, v in zip(DOMAINS + ("index",), vals):
                    add(year=int(year), group=group, component=comp, statistic=stat,
                        value=parse_decimal(v, file=fname, row=ln, field=f"{stat} {comp}"),
                        value_raw=_clean_cell(v), source_table=src, source_line=ln)
                found.add(stat)
            lacking = {"mean", "max", "min"} - found
            if lacking:  # a garbled statistic label would otherwise drop its row silently
                raise SPBEError(f"no {'/'.join(sorted(lacking))} row in {title!r}", file=fname, row=tline)
            continue
        if _CATEGORY_TITLE.search(title):
            (hl, hdr), rows = body[0], body[1:]
            groups = [_group_of_header(c) for c in hdr[1:]]
            if any(g is None for g in groups):
                raise SPBEError(f"unknown group column in {hdr!r}", file=fname, row=hl,
                                field="header")
            for ln, cells in rows:
                comp, vals = _labelled_row(cells, len(groups), title, fname, ln)
                for g, v in zip(groups, vals):
                    add(year=int(year), group=g, component=comp, statistic="mean",
                        value=parse_decimal(v, file=fname, row=ln, field=f"{g} {comp}"),
                        value_raw=_clean_cell(v), source_table=src, source_line=ln)
            continue
    if not out:
        raise SPBEError("no summary tables found", file=fname)
    df = pd.DataFrame(out)
    df["value"] = df["value"].astype("float64")
    for c in ("year", "report_year", "source_line"):
        df[c] = df[c].astype("int64")
    return df.loc[:, list(AGGREGATE_COLUMNS)].reset_index(drop=True)


def quality_flag_counts(df: pd.DataFrame, by=("year",)) -> pd.DataFrame:
    """Tidy count of quality flags: one row per group × flag, with ``n`` and the flag's meaning."""
    by = list(by)
    flags = df[by + ["quality_flags"]].assign(flag=df["quality_flags"].fillna("").str.split(";")).explode("flag")
    flags = flags[flags["flag"].astype(bool)]
    out = flags.groupby(by + ["flag"], sort=True).size().rename("n").reset_index()
    out["meaning"] = out["flag"].map({**QUALITY_FLAGS, "press_conflict": "two press pages give different values "
                                      "for this institution and year (both kept)",
                                      "unmatched": "the name matched no registered institution"})
    return out
