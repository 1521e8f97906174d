"""SPBE values reported in the press: tidy, validated tables and a cross-check against official values.

Sources: the three CSV files in ``data/raw/press/`` (see its PROVENANCE.md). Each row records one
number a public web page states, with the page's address and a short verbatim excerpt.

* :func:`load_press_scores` - index and/or predicate per institution and evaluation year, with the
  reporting ``stage`` and a ``conflict`` flag where two rows for the same institution name and year
  give different index values or different predicates.
* :func:`load_press_domain_scores` - domain (*domain*) and aspect (*aspek*) values.
* :func:`load_press_national_stats` - national statistics; "13.31%" becomes ``value`` 13.31 with
  ``unit`` "percent", and the text as given is kept in ``value_as_given``.
* :func:`cross_check` / :func:`agreement_summary` - press index against official index.

Every load validates the file: a missing column, a non-numeric or out-of-range number (index and
values must lie in [0, 5]), an unknown predicate, type or component level raises
:class:`~spbe_research.errors.SPBEError` naming the file, the 1-based data row and the field.

Compiler's notes (:func:`split_compiler_notes`). The excerpts in ``quote_excerpt_short`` mix the
page's words with notes the compiler added. ``load_press_scores`` keeps the page's words in
``quote`` and the removed notes, as written (brackets included, joined by a space), in
``compiler_note`` ("" if none). A note is

* any ``[...]`` (e.g. "[conflicts with espos: 3.10]", "[reported Nov 2024, before official decree]");
* a ``(...)`` that cites a decree ("(KepMenPANRB 108/2023)", "(SK 663/2024)", "(keputusan MenPANRB
  ...)"), that contains an English remark word (context, reported, published, article, evaluation,
  likely, conflict(s), garbled, sic, label(s), listed, prior, decree, during, before, stated), or that
  only tags a year ("(2024)", "(tahun 2020)", "(evaluasi 2021)", "(evaluasi SPBE pertama)", "(hasil
  Pemantauan SPBE 2025)", "(2024, Kalteng)");
* a leading decree citation in the compiler's short form followed by an ellipsis
  ("KepMenPANRB 1503/2021 ... ").

Other parentheses are the page's own ("(Indeks SPBE 3,66)", "(baik)", "(angka sementara)", "(2,40)").

Stage (:func:`classify_stage`) is decided from the page's words first, and as close to the row's
value as the excerpt allows:

1. *Scope.* The quote is cut into sentences at ``.``, ``!``, ``?`` or ``;`` followed by a space (not
   inside a number, an ellipsis or "Kab."/"No."); a sentence without a decimal number is joined to
   the next one that has one (or to the previous one at the end). The row's index is looked up
   among the decimal numbers of the quote ("3,6" and "3.6" both read as 3.6; "3,65" is not 3.6).
   Each occurrence's scope is the words of its sentence before the sentence's first number (a lead
   such as "hasil evaluasi SPBE 2023, ..." covers the whole sentence) plus the words between the
   neighbouring numbers on either side of it. So in "dari 3,6 pada tahun 2023 menjadi 3,9 (angka sementara) di
   tahun 2024" the word *sementara* belongs to 3,9 and not to 3,6. Where the value is not found
   (predicate-only rows, or a value printed otherwise) the scope is the whole quote.
2. *Rules*, tried in this order on the scope, case-insensitive:

   a. ``self_assessment``: penilaian/evaluasi/asesmen mandiri, self assessment, evaluasi/penilaian
      internal;
   b. ``provisional``: angka/hasil/nilai/skor/indeks/data/predikat/evaluasi/penilaian sementara,
      "(sementara", untuk sementara, sementara ini, verifikasi, provisional, belum (di)tetapkan,
      belum final, sebelum SK/keputusan/penetapan/ditetapkan, before (the) (official) decree
      ("Sementara itu", meanwhile, does not count);
   c. ``official``: SK (upper case), keputusan, KepMenPANRB (any "kepmen"), hasil evaluasi, hasil
      pemantauan, pemantauan/evaluasi (dan evaluasi) SPBE (pada) (tahun) YYYY (the named yearly
      exercise, e.g. "Pemantauan SPBE Tahun 2025", "dalam Evaluasi SPBE Tahun 2024"), laporan resmi.

3. *Basis.* If a rule matches the scope, ``stage_basis`` is "quote". Otherwise the same rules are
   tried on the compiler's note (``stage_basis`` "compiler_note"); if that says nothing either,
   ``stage`` is ``unknown`` and ``stage_basis`` "none". The page address is not used.

``institution_type`` in the press file is one of kementerian, lembaga, provinsi, kabupaten, kota
(``lembaga`` = a central body that is not a ministry; whether it is an LPNK or another body is
decided by the institution registry, not here); lpnk and lns_other are accepted as well.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks, paths
from .errors import SPBEError
from .scoring import PREDICATES
from .vocabulary import PRESS_TYPES

#: The press files, in ``data/raw/press/`` (:func:`spbe_research.paths.raw_path`).
SCORES_FILE = "spbe_scores_from_press.csv"
DOMAIN_FILE = "spbe_domain_scores_from_press.csv"
NATIONAL_FILE = "spbe_national_stats_from_press.csv"

COMPONENT_LEVELS = ("domain", "aspek")
INDEX_RANGE = (0.0, 5.0)

_STAGE_RULES = (
    ("self_assessment", re.compile(
        r"\b(?:penilaian|evaluasi|asesmen)\s+mandiri\b|\bself[\s-]?assessment\b|\b(?:evaluasi|penilaian)\s+internal\b",
        re.I)),
    ("provisional", re.compile(
        r"\b(?:angka|hasil|nilai|skor|indeks|data|predikat|evaluasi|penilaian)\s+sementara\b|\(\s*sementara\b|\buntuk\s+sementara\b"
        r"|\bsementara\s+ini\b|\bverifikasi\b|\bprovisional\b|\bbelum\s+(?:di)?tetapkan\b|\bbelum\s+final\b"
        r"|\bsebelum\s+(?:SK|keputusan|penetapan|ditetapkan)\b|\bbefore\s+(?:the\s+)?(?:official\s+)?decree\b",
        re.I)),
    ("official", re.compile(
        r"\bSK\b|(?i:\bkeputusan\b|kepmen|\bhasil\s+evaluasi\b|\bhasil\s+pemantauan\b|\blaporan\s+resmi\b"
        r"|\b(?:pemantauan|evaluasi)\s+(?:dan\s+evaluasi\s+)?SPBE\s+(?:pada\s+)?(?:tahun\s+)?(?:19|20)\d\d\b)")),
)

# Compiler's notes inside the excerpts (rules in the module docstring).
_ENCLOSED = re.compile(r"\s*(?:\[[^\[\]]*\]|\([^()]*\))")
_NOTE_CONTENT = re.compile(
    r"\bSK\b|(?i:kepmen|\bkeputusan\b|\b(?:context|reported|published|article|evaluation|likely|conflicts?|garbled"
    r"|sic|labels?|listed|prior|decree|during|before|stated)\b"
    r"|^\s*(?:(?:hasil\s+)?(?:evaluasi|pemantauan)(?:\s+SPBE)?\s+|tahun\s+)?(?:(?:19|20)\d\d|pertama)"
    r"(?:\s*,\s*[A-Za-z ]+)?\s*$)")
_LEADING_DECREE = re.compile(r"^\s*kepmen\w*\s+\d+(?:/\d{4})?\s*(?:\.\.\.|…)\s*", re.I)
# Decimal numbers in a quote ("3,6", "3.52"; not years, not "1503/2021") and sentence ends.
_DECIMAL_IN_TEXT = re.compile(r"(?<![\d.,])\d+[.,]\d+(?!\d|[.,]\d)")
_SENTENCE_END = re.compile(r"(?<![.…])(?<!\bKab)(?<!\bNo)[.!?;](?=\s|$)")
_NUMBER = r"\d+(?:\.\d+)?"

SCORE_COLUMNS = ("institution", "institution_type", "province", "year", "index", "predicate",
                 "source_url", "quote_excerpt_short")
DOMAIN_COLUMNS = ("institution", "institution_type", "province", "year", "component", "component_level",
                  "value", "source_url", "quote_excerpt_short")
NATIONAL_COLUMNS = ("statistic", "year", "value", "predicate", "source_url", "quote_excerpt_short")


# ---------------------------------------------------------------------------------------------
# Reading and validating
# ---------------------------------------------------------------------------------------------
def _resolve(path, default_name: str) -> Path:
    return paths.raw_path("press", default_name) if path is None else Path(path)


def _read_raw(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """The CSV as text (nothing parsed yet), with every required column present."""
    if not path.is_file():
        raise SPBEError("press file not found", file=str(path))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise SPBEError(f"not a readable UTF-8 CSV file: {e}", file=path.name) from None
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise SPBEError(f"missing column(s) {missing}", file=path.name, field=missing[0])
    return raw.apply(lambda col: col.str.strip())


def _first_bad(mask: pd.Series, raw: pd.DataFrame, path: Path, field: str, message: str) -> None:
    """Raise for the first row where ``mask`` is True (rows are 1-based data rows)."""
    if mask.any():
        i = int(np.flatnonzero(mask.to_numpy())[0])
        raise SPBEError(f"{message}: {raw[field].iloc[i]!r}", file=path.name, row=i + 1, field=field)


def _numbers(raw, path, field, *, allow_empty: bool, bounds=INDEX_RANGE) -> pd.Series:
    """A column of plain decimals (point as decimal mark) as float, NaN only where empty is allowed."""
    text = raw[field]
    empty = text.eq("")
    _first_bad(empty & (not allow_empty), raw, path, field, "missing number")
    _first_bad(~empty & ~text.str.fullmatch(_NUMBER), raw, path, field, "not a number")
    values = pd.to_numeric(text.where(~empty), errors="raise").astype("float64")
    if bounds is not None:
        lo, hi = bounds
        _first_bad(values.notna() & ~values.between(lo, hi), raw, path, field, f"outside [{lo:g}, {hi:g}]")
    return values


def _years(raw, path) -> pd.Series:
    _first_bad(~raw["year"].str.fullmatch(r"(?:19|20)\d\d"), raw, path, "year", "not a year")
    return raw["year"].astype("int64").astype("Int64")


def _choices(raw, path, field, allowed, *, allow_empty: bool) -> pd.Series:
    text = raw[field]
    ok = text.isin(allowed) | (text.eq("") & allow_empty)
    _first_bad(~ok, raw, path, field, f"unknown {field} (allowed: {', '.join(allowed)})")
    return text.where(text.ne(""))


def _required_text(raw, path, field) -> pd.Series:
    _first_bad(raw[field].eq(""), raw, path, field, "empty")
    return raw[field]


def _decimals(text: pd.Series) -> pd.Series:
    """Number of decimals as printed ("2.60" -> 2, "2.6" -> 1, "3" -> 0), NA where empty."""
    n = text.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).astype("Int64")
    return n.where(text.ne(""))


# ---------------------------------------------------------------------------------------------
# Stage
# ---------------------------------------------------------------------------------------------
def split_compiler_notes(excerpt: str) -> tuple[str, str]:
    """``(quote, compiler_note)``: the page's words and the compiler's notes of one excerpt.

    Notes are removed where they stand and kept, as written, in ``compiler_note`` (joined by a
    space; "" if none). What counts as a note is listed in the module docstring.
    """
    notes: list[str] = []

    def take(match: re.Match) -> str:
        note = match[0].strip()
        if note.startswith("[") or _NOTE_CONTENT.search(note[1:-1]):
            notes.append(note)
            return ""
        return match[0]

    text = excerpt
    lead = _LEADING_DECREE.match(text)
    if lead:
        notes.append(lead[0].strip())
        text = text[lead.end():]
    return _ENCLOSED.sub(take, text).strip(), " ".join(notes)


def _sentences(text: str) -> list[str]:
    """The quote cut at sentence ends; a sentence without a decimal number is joined to the next
    one that has a number (a lead such as "hasil pemantauan SPBE tahun 2025. Indeks ... 3,96"), or
    to the previous one when none follows."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    groups, pending = [], ""
    for a, b in zip(bounds[:-1], bounds[1:]):
        pending += text[a:b]
        if _DECIMAL_IN_TEXT.search(text[a:b]):
            groups.append(pending)
            pending = ""
    if pending and groups:
        groups[-1] += pending
    return groups


def value_scope(quote: str, value: float | None) -> str | None:
    """The words of ``quote`` that speak about ``value`` (rule 1 of the module docstring).

    ``None`` where the value is missing or not printed in the quote (the caller then uses the
    whole quote). Several occurrences give the union of their scopes.
    """
    if value is None or value != value:           # None or NaN
        return None
    parts = []
    for sentence in _sentences(quote):
        numbers = list(_DECIMAL_IN_TEXT.finditer(sentence))
        if not numbers:
            continue
        printed = np.array([float(m[0].replace(",", ".")) for m in numbers])
        for k in np.flatnonzero(np.abs(printed - value) < 1e-9):
            head = sentence[:numbers[0].start()]
            start = numbers[k - 1].end() if k > 0 else 0
            stop = numbers[k + 1].start() if k + 1 < len(numbers) else len(sentence)
            parts += [head, sentence[start:numbers[k].start()], sentence[numbers[k].end():stop]]
    return " ".join(parts) if parts else None


def _rule_stage(text: pd.Series) -> pd.Series:
    """The first stage rule matching each text, "" where none does."""
    text = text.fillna("")
    conditions = [text.str.contains(pattern) for _, pattern in _STAGE_RULES]
    return pd.Series(np.select(conditions, [name for name, _ in _STAGE_RULES], default=""),
                     index=text.index, dtype="str")


def _stages(excerpt: pd.Series, index: pd.Series) -> pd.DataFrame:
    """``quote``, ``compiler_note``, ``stage`` and ``stage_basis`` for each excerpt and row value."""
    split = [split_compiler_notes(e) for e in excerpt]
    quote = pd.Series([q for q, _ in split], index=excerpt.index, dtype="str")
    note = pd.Series([n for _, n in split], index=excerpt.index, dtype="str")
    scope = pd.Series([value_scope(q, v) for q, v in zip(quote, index.astype("float64"))], index=excerpt.index,
                      dtype="object")
    by_quote = _rule_stage(scope.where(scope.notna(), quote))
    by_note = _rule_stage(note)
    from_quote, from_note = by_quote.ne(""), by_note.ne("")
    stage = by_quote.where(from_quote, by_note.where(from_note, "unknown"))
    basis = np.select([from_quote, from_note], ["quote", "compiler_note"], default="none")
    return pd.DataFrame({"quote": quote, "compiler_note": note, "stage": stage,
                         "stage_basis": pd.Series(basis, index=excerpt.index, dtype="str")})


def classify_stage(excerpt: str, value: float | None = None) -> tuple[str, str]:
    """``(stage, stage_basis)`` of one press value from its excerpt (compiler's notes included) and
    the value it reports (``None`` for a predicate-only row). Rules in the module docstring."""
    row = _stages(pd.Series([excerpt]), pd.Series([np.nan if value is None else value])).iloc[0]
    return row["stage"], row["stage_basis"]


# ---------------------------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------------------------
def load_press_scores(path=None) -> pd.DataFrame:
    """The press index/predicate table, validated and tidy.

    Returns one row per file row with ``institution`` (as in the file), ``institution_type``,
    ``province`` (NA for central bodies), ``year`` (Int64, evaluation year), ``index`` (float, NaN
    where the page gives only a predicate), ``index_decimals`` (decimals as printed),
    ``predicate``, ``stage``, ``source_url``, ``quote`` (the excerpt without the compiler's notes),
    ``conflict`` (the same institution name and year have two different index values, or two
    different predicates, in the file), ``n_values`` (rows with an index for that institution and
    year), ``source_row`` (1-based data row), ``compiler_note`` (the notes removed from the
    excerpt, "" if none) and ``stage_basis`` (quote, compiler_note or none). Stage and note rules
    are in the module docstring.
    """
    path = _resolve(path, SCORES_FILE)
    raw = _read_raw(path, SCORE_COLUMNS)
    index = _numbers(raw, path, "index", allow_empty=True)
    predicate = _choices(raw, path, "predicate", PREDICATES, allow_empty=True)
    _first_bad(index.isna() & predicate.isna(), raw, path, "index", "neither index nor predicate")
    stages = _stages(raw["quote_excerpt_short"], index)
    df = pd.DataFrame({
        "institution": _required_text(raw, path, "institution"),
        "institution_type": _choices(raw, path, "institution_type", PRESS_TYPES, allow_empty=False),
        "province": raw["province"].where(raw["province"].ne("")),
        "year": _years(raw, path),
        "index": index,
        "index_decimals": _decimals(raw["index"]),
        "predicate": predicate,
        "stage": stages["stage"],
        "source_url": _required_text(raw, path, "source_url"),
        "quote": stages["quote"],
        "source_row": np.arange(1, len(raw) + 1),
        "compiler_note": stages["compiler_note"],
        "stage_basis": stages["stage_basis"],
    })
    same = df.groupby(["institution", "year"])
    df["conflict"] = same["index"].transform("nunique").gt(1) | same["predicate"].transform("nunique").gt(1)
    df["n_values"] = same["index"].transform("count").astype("int64")
    order = ["institution", "institution_type", "province", "year", "index", "index_decimals", "predicate",
             "stage", "source_url", "quote", "conflict", "n_values", "source_row", "compiler_note", "stage_basis"]
    return df[order]


def load_press_domain_scores(path=None) -> pd.DataFrame:
    """Domain and aspect values from the press, validated and tidy.

    Columns: ``institution``, ``institution_type``, ``province``, ``year`` (Int64), ``component``
    (e.g. "Layanan SPBE"), ``component_level`` (domain or aspek), ``value`` (float in [0, 5]),
    ``source_url``, ``quote``, ``source_row``.
    """
    path = _resolve(path, DOMAIN_FILE)
    raw = _read_raw(path, DOMAIN_COLUMNS)
    return pd.DataFrame({
        "institution": _required_text(raw, path, "institution"),
        "institution_type": _choices(raw, path, "institution_type", PRESS_TYPES, allow_empty=False),
        "province": raw["province"].where(raw["province"].ne("")),
        "year": _years(raw, path),
        "component": _required_text(raw, path, "component"),
        "component_level": _choices(raw, path, "component_level", COMPONENT_LEVELS, allow_empty=False),
        "value": _numbers(raw, path, "value", allow_empty=False),
        "source_url": _required_text(raw, path, "source_url"),
        "quote": raw["quote_excerpt_short"],
        "source_row": np.arange(1, len(raw) + 1),
    })


_PERCENT = re.compile(rf"({_NUMBER})%")
_COUNT_OF = re.compile(r"(\d+) of (\d+)")
_PREDICATE_COUNTS = re.compile(r"[A-Za-z ]+=\d+(?:;\s*[A-Za-z ]+=\d+)*")


def _national_values(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Parse ``value``: 'x%' (percent), 'k of n' (count, denominator n), 'Pred=k; ...' (one count row
    per predicate), or a plain number (count for n_* / *count* statistics, index otherwise)."""
    text, stat = raw["value"], raw["statistic"]
    percent = text.str.fullmatch(_PERCENT.pattern)
    count_of = text.str.fullmatch(_COUNT_OF.pattern)
    by_predicate = text.str.fullmatch(_PREDICATE_COUNTS.pattern)
    plain = text.str.fullmatch(_NUMBER)
    _first_bad(~(percent | count_of | by_predicate | plain), raw, path, "value",
               "value is not a number, 'x%', 'k of n' or 'Predicate=k; ...'")
    out = raw.assign(value_as_given=text, source_row=np.arange(1, len(raw) + 1))
    out["denominator"] = pd.to_numeric(text.str.extract(_COUNT_OF.pattern)[1]).astype("Float64")
    number = text.str.extract(rf"^({_NUMBER})")[0]
    out["value"] = pd.to_numeric(number).astype("float64")
    is_count = stat.str.startswith("n_") | stat.str.contains("count")
    out["unit"] = np.select([percent, count_of | by_predicate, plain & is_count], ["percent", "count", "count"],
                            default="index")
    # 'Sangat Baik=1; Baik=16' -> one row per predicate, predicate column set, value the count.
    pairs = text.where(by_predicate).str.split(r";\s*").explode().dropna()
    split = pairs.str.extract(r"^([A-Za-z ]+?)\s*=\s*(\d+)$")
    bad = ~split[0].isin(PREDICATES)
    if bad.any():
        i = int(split.index[bad.to_numpy()][0])
        raise SPBEError(f"unknown predicate {split[0][bad].iloc[0]!r} in value", file=path.name, row=i + 1,
                        field="value")
    exploded = out.loc[split.index].assign(predicate=split[0].to_numpy(),
                                           value=split[1].astype("float64").to_numpy())
    return pd.concat([out[~by_predicate], exploded]).sort_values("source_row", kind="stable")


def load_press_national_stats(path=None) -> pd.DataFrame:
    """National statistics from the press, validated and tidy.

    Columns: ``statistic``, ``year`` (Int64), ``value`` (float), ``unit`` (percent, count or index),
    ``denominator`` ("12 of 34" -> 34, else NA), ``predicate``, ``value_as_given`` (the file's text),
    ``source_url``, ``quote``, ``source_row``. A value listing counts per predicate ("Sangat Baik=1;
    Baik=16; ...") becomes one row per predicate with that ``predicate`` and the count as ``value``.
    """
    path = _resolve(path, NATIONAL_FILE)
    raw = _read_raw(path, NATIONAL_COLUMNS)
    raw = raw.assign(statistic=_required_text(raw, path, "statistic"), year=_years(raw, path),
                     predicate=_choices(raw, path, "predicate", PREDICATES, allow_empty=True),
                     source_url=_required_text(raw, path, "source_url"))
    out = _national_values(raw, path).rename(columns={"quote_excerpt_short": "quote"})
    cols = ["statistic", "year", "value", "unit", "denominator", "predicate", "value_as_given",
            "source_url", "quote", "source_row"]
    return out[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Cross-check against official values
# ---------------------------------------------------------------------------------------------
def _printed_decimals(press: pd.DataFrame) -> pd.Series:
    """Decimals of each press value: ``index_decimals`` if present, else from the float's shortest form."""
    if "index_decimals" in press.columns:
        return press["index_decimals"].astype("int64")
    shortest = pd.Series([format(x, ".10g") for x in press["index"]], index=press.index, dtype="str")
    return shortest.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).astype("int64")


def cross_check(press: pd.DataFrame, official: pd.DataFrame, *, keys=("institution_id", "year"),
                tolerance: float = 0.005) -> pd.DataFrame:
    """Compare each press index with the official index for the same keys.

    One row per press row that has an index and a matching official row (official rows must be
    unique on ``keys``). ``difference`` = press - official. ``agrees`` when
    ``|difference| <= tolerance`` (default: half a unit of the second decimal, the rounding of the
    official tables) or when the official value rounded half-up to the press value's number of
    printed decimals equals the press value (so a press "3.7" agrees with an official 3.66).
    A truncated press value (3.6 for 3.66) does not agree.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    tolerance = checks.scalar(tolerance, name="tolerance", lo=0)
    for name, frame in (("press", press), ("official", official)):
        checks.frame(frame, name=f"{name} table", required=(*keys, "index"))
        values = checks.numeric_column(frame["index"], field="index", what=f"{name} index")
        if np.isinf(values).any():
            i = int(np.flatnonzero(np.isinf(values))[0])
            raise SPBEError(f"{name} index {values[i]} is not finite", row=frame.index[i], field="index")
    press = press.assign(index=checks.numeric_column(press["index"], field="index"))
    official = official.assign(index=checks.numeric_column(official["index"], field="index"))
    off = official.loc[official["index"].notna(), keys + ["index"]]
    dup = off.duplicated(keys, keep=False)
    if dup.any():
        raise SPBEError("official table has more than one value for the same keys",
                        row=str(off.loc[dup, keys].iloc[0].to_dict()), field="index")
    has_index = press["index"].notna()
    p = press.loc[has_index].assign(_decimals=_printed_decimals(press.loc[has_index]))
    extra = [c for c in ("institution", "stage", "source_url", "source_row") if c in p.columns and c not in keys]
    merged = p[keys + extra + ["index", "_decimals"]].merge(
        off.rename(columns={"index": "official_index"}), on=keys, how="inner", validate="many_to_one")
    merged = merged.rename(columns={"index": "press_index"})
    scale = 10.0 ** merged["_decimals"]
    rounded = np.floor(merged["official_index"] * scale + 0.5 + 1e-9) / scale
    merged["difference"] = merged["press_index"] - merged["official_index"]
    merged["agrees"] = (merged["difference"].abs() <= tolerance + 1e-9) | (
        (merged["press_index"] - rounded).abs() < 1e-9)
    return merged.drop(columns="_decimals").reset_index(drop=True)


def agreement_summary(cross: pd.DataFrame) -> pd.DataFrame:
    """One row per year: ``n`` comparisons, ``n_agree`` and ``agreement_rate`` (n_agree / n)."""
    checks.frame(cross, name="cross-check table", required=("year", "agrees"))
    bad = ~cross["agrees"].isin([True, False])
    if bad.any():
        raise SPBEError(f"agrees must be True or False, got {cross['agrees'][bad].iloc[0]!r}",
                        row=cross.index[bad][0], field="agrees")
    out = cross.groupby("year", sort=True)["agrees"].agg(n="size", n_agree="sum").reset_index()
    out["n_agree"] = out["n_agree"].astype("int64")
    out["agreement_rate"] = out["n_agree"] / out["n"]
    return out
