"""SPBE index scores stated in Indonesian news text.

:func:`extract_scores` reads one article (or any passage) and returns one row per SPBE index value
the text states for a named institution, with its evaluation year and predicate (*predikat*).
It uses regular expressions only (no ML); each rule is a small named function, and the rules are
listed here so a result can be checked by hand.

Scores
    A score is a number from 0 to 5 written with a decimal comma or point and 1-3 decimals
    ("3,76", "2.94", "2,058"). Integers ("skor 5", "angka 3", "peringkat 8", "47 indikator") are
    never scores. A decimal is not a score when it is part of a longer number, date or time
    ("13,31", "12/2/2020", "15:30"), a thousands-separated count ("1.250": a point and exactly
    three digits, the Indonesian thousands separator), a percentage, amount or count (followed by
    %, persen, juta, miliar, rupiah, instansi, indikator, tahun, ...), money (Rp, US$), a clock time
    (pukul 10.30, 3.30 sore, 15.30 WIB), a rating (4,5 bintang, rating 4,8, 4.7/5), a value directly
    followed by a year ("2,05 2023"), a label ("Industri 4.0"), a change ("naik 0,45 poin", "0,01
    poin di atas"), a threshold ("di atas 2,6"), or when the text before it (its clause, back to the
    previous value and at most CONTEXT_WINDOW characters) names a domain or aspect, a target or hope,
    an average or the national index, or another index (IPM, SAKIP, ...). A text that never
    mentions SPBE gives no rows.

Institutions
    Pemkab / Pemerintah Kabupaten / Kabupaten / Kab. X -> "Kabupaten X"; Pemkot / Pemko /
    Pemerintah Kota / Kota X -> "Kota X"; Pemprov / Pemerintah Provinsi / Provinsi X -> "Provinsi X"
    (common abbreviations such as Jatim, NTB, D.I. Yogyakarta expanded). A name is up to four
    capitalised words and stops at a type word or a capitalised sentence word (Tahun, Pada, ...).
    Kementerian / Kementrian X -> "Kementerian X"; Pemda / Pemerintah Daerah X (no type word) ->
    "Pemerintah Daerah X" with type NA. The evaluator,
    Kementerian PANRB, is never credited with a score. After a typed mention, the bare name
    ("SPBE Kapuas Hulu") also counts as a mention. A name that swallowed a title-case headline word
    ("Pemkab Kendal Tembus") is cut back to the shortest form of it the text also uses.
    A row number glued to a name ("1Kementerian ...", a web table copied as text) still starts a
    mention, and names hold no digits ("Kab. Gresik4,32Memuaskan"). A regional name without a type
    word ("Seluma 2,54", "Pemerintah Buleleng") is read from the institution registry when only one
    province, kabupaten or kota carries it ("Gorontalo" is never guessed; "se-Jatim" is a place).
    A score belongs to the nearest mention before it in its sentence; else to a mention after it in
    the sentence that no other score has claimed; else to the nearest mention before it in the text.
    "masing-masing" (respectively) pairs the mentions and scores of a sentence in order; one value
    after it for several names is each one's value. Scores that would go to the wrong name give no
    row: a "masing-masing" list whose counts differ otherwise, and a second
    score for the same mention with an unread capitalised name between ("Pemkot Jambi, 2,79 dan
    Sarolangun 2,63": only 2,79 is kept).

Evaluation year (first rule that applies)
    1. a year in the score's clause (the nearest);
    2. "dari A ... menjadi B" (from A to B): the partner's year from rule 1, minus or plus one;
    3. a relative phrase, nearest in the clause between the neighbouring values, else earlier in
       the sentence: tahun lalu / kemarin / sebelumnya -> the year before the institution's current
       score in the same text, or, without one, the calendar year before publication;
       tahun ini / saat ini / sekarang / kini -> the latest published result (rule 6's year; without
       a date, the evaluation year the text names, else the latest year it states), unless the text
       gives the institution another value for that year: then the evaluation under way (one later,
       not after publication);
    4. the last year earlier in the sentence, else the first year later in it ("3,72 dan 3,68 pada
       2021");
    5. the one evaluation year the text names ("Hasil Evaluasi SPBE ... Tahun 2024", a table title);
    6. no cue: the latest evaluation whose results were out at publication - the year before
       publication, or the publication year itself for December articles (results are often
       announced in December). Never before 2018, the first evaluation.
    Years in dates (12/2/2020), decrees (13/2024, Nomor 108 Tahun 2023: a decree of 2023 holds the
    2022 results), after sejak/mulai/hingga, and years after the publication year (targets:
    "dinaikkan pada 2025") are ignored. Without a cue and without ``published`` the year is NA.

Predicate
    Kurang, Cukup, Baik, Sangat Baik or Memuaskan ("sangat memuaskan" is read as Memuaskan) after a
    cue word (predikat, kategori, penilaian, status, ...), in brackets right after the score, or as
    a capitalised table cell right after it ("3,01Baik").
    The nearest one between the previous and the next score of the sentence is taken. Capability
    levels used loosely as categories ("kategori Terkelola", "kategori optimum") are not predicates.

Duplicates
    One row per (institution, year, index); a row with a predicate is kept over one without. A row
    without a year is dropped when the same institution and value also appear with a year.

Cost
    Linear in the length of the text, whatever its layout (a table with one row per line or written
    as one long sentence, long whitespace runs, values listed before their names): patterns are
    matched once over the text; every look-up (clause, year, mention, relative phrase, predicate
    cue) is a bisection in sorted positions; the words before a value are searched back to the
    previous value and at most 40 (rejections) or CONTEXT_WINDOW (context) characters; the bare
    names of typed mentions are found with a character trie, not a regex alternation of every name;
    neighbouring values and the next unclaimed mention are found in one pass per sentence; the
    evidence is the sentence cut to EVIDENCE_CHARS on each side of the value, cut for kept rows only.
    ``tests/test_news.py`` counts the work; ``benchmarks/bench_news.py`` times it. Accuracy on labelled
    real passages: ``benchmarks/news_eval.py`` and ``tests/news_eval/README.md``.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import attrgetter

import pandas as pd

from .errors import SPBEError
from .scoring import PREDICATES

COLUMNS = ("institution", "institution_type", "year", "index", "predicate", "evidence")
FIRST_EVALUATION_YEAR = 2018

# ---------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------
_SPBE_TOPIC = re.compile(r"SPBE|Sistem\s+Pemerintahan\s+Berbasis\s+Elektronik|e-?government", re.I)

# A break is a whole whitespace run: after . ! ? (and a closing quote), or holding a newline. The newline
# branch only starts where a run starts ((?<!\s)): retried inside a long run without a newline it
# rescanned the rest of the run at every position (quadratic in the run).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’']?\s+|(?<!\s)\s*\n+\s*")
_ABBREVIATION_END = re.compile(r"(?:\b(?:Pemkab|Pemkot|Pemko|Pemprov|Kab|Prov|Kec|Dr|Drs|Ir|No|Jl|St)|\b[A-Z])\.$")
_CLAUSE_BREAK = re.compile(
    r",\s|;|\s(?:menjadi|sedangkan|sementara|dan|serta|namun|tetapi|karena|sehingga|bahwa)\s", re.I
)

_SCORE = re.compile(r"(?<![\d.,/:-])([0-5])([.,])(\d{1,3})(?!\d|[.,/:-]\d)")
_YEAR = re.compile(r"(?<![\d/.\-])(20[1-3]\d)(?![\d/]|[-.]\d|[^\W\d_])")   # not a row number: "2018Pemerintah"

_AMOUNT_AFTER = re.compile(
    r"\s*(?:%|persen\b|per\s+sen\b|juta\b|jt\b|miliar\b|milyar\b|M\b|triliun\b|ribu\b|rb\b|rupiah\b|dolar\b|USD\b"
    r"|instansi\b|orang\b|OPD\b"
    r"|aplikasi\b|indikator\b|unit\b|kali\b|tahun\b(?!\s+(?:20\d\d|ini|lalu|kemarin|sebelum|ke\b))|bulan\b|hari\b|jam\b|menit\b|km\b"
    r"|kilometer\b|meter\b|hektare?\b|ha\b|ton\b|kg\b)",
    re.I,
)
# Clock times ("3.30 sore", "15.30 WIB") and ratings ("4,5 bintang", "rating 4,8", "4.7/5").
_TIME_AFTER = re.compile(r"\s*(?:WIB|WITA|WIT|pagi|siang|sore|petang|malam|dini\s+hari)\b", re.I)
_RATING_AFTER = re.compile(r"\s*(?:bintang|stars?\b|/\s*5\b|dari\s+5\s+bintang)", re.I)
_RATING_BEFORE = re.compile(r"\b(?:rating|ulasan|bintang|review|skor\s+ulasan)\s*(?:sebesar\s+|rata-rata\s+)?:?\s*$", re.I)
# A year right after the value ("2,05 2023"): a date, a list of years or a typo, never read as a score.
_YEAR_AFTER = re.compile(r"\s+(?:19|20)\d\d\b")
_MONEY_OR_TIME_BEFORE = re.compile(r"(?:\bRp\.?|\bIDR|\bUS\$|\$|\bpukul|\bjam|\bpkl\.?)\s*$", re.I)
_LABEL_BEFORE = re.compile(r"\b(?:industri|society|web|versi|era|v)\s*$", re.I)
_CHANGE_BEFORE = re.compile(
    r"\b(?:naik|turun|meningkat|menurun|bertambah|berkurang|selisih|kenaikan|penurunan|peningkatan)"
    r"\s+(?:sebesar\s+|sekitar\s+|hingga\s+)?$",
    re.I,
)
_CHANGE_AFTER = re.compile(r"\s*(?:poin|point)\s+(?:di\s?atas|di\s?bawah|lebih|dari)\b", re.I)
_THRESHOLD_BEFORE = re.compile(
    r"(?:\bdi\s?atas|\bdi\s?bawah|\blebih\s+dari|\bminimal|\bmaksimal|\bsama\s+dengan|[<>≤≥])\s*$", re.I
)
_NOT_INDEX_CONTEXT = {
    "domain or aspect value": re.compile(r"\b(?:domain|aspek)\b", re.I),
    "target or hope": re.compile(
        r"(?<!melebihi )(?<!melampaui )\b(?:target|targetkan|menargetkan|ditargetkan|harap|berharap|diharapkan|harapan|semoga"
        r"|kalau\s+bisa|optimum|skala)\b",
        re.I,
    ),
    "average or national figure": re.compile(
        r"\b(?:rata-rata|rerata)\b|\b(?:indeks|skor|nilai)\s+(?:SPBE\s+)?nasional\b", re.I
    ),
    "another index": re.compile(
        r"\b(?:IPM|IKM|SAKIP|IRB|IPP)\b|\bindeks\s+(?:reformasi|kepuasan|pembangunan|pelayanan|kinerja"
        r"|inovasi|keterbukaan|kualitas|persepsi|integritas|kebahagiaan|daya\s+saing|literasi)",
        re.I,
    ),
}

_YEAR_IGNORED_AFTER = re.compile(
    r"(?:\d+\s+[Tt]ahun|\b(?:sejak|mulai|hingga|sampai)(?:\s+tahun)?|©[^.\n]*)\s+$", re.I
)
_PREVIOUS = re.compile(r"\btahun(?:-tahun)?\s+(?:lalu|kemarin|sebelumnya)\b|\bsebelumnya\b", re.I)
_CURRENT = re.compile(r"\btahun\s+ini\b|\bsaat\s+ini\b|\bsekarang\b|\bkini\b", re.I)
_FROM_TO = re.compile(r"\bmenjadi\b", re.I)
_RESPECTIVELY = re.compile(r"\bmasing[- ]masing\b", re.I)

_PREDICATE_WORD = r"sangat\s+memuaskan|memuaskan|sangat\s+baik|baik|cukup|kurang"
_PREDICATE_AFTER_CUE = re.compile(
    rf"\b(?:(?:ber)?predikat|perdikat|kategori|katagori|penilaian|status)\s+(?:SPBE\s+)?[\"'“‘]?"
    rf"({_PREDICATE_WORD})\b",
    re.I,
)
_PREDICATE_IN_BRACKETS = re.compile(rf"\s*\(\s*(?:predikat\s+)?({_PREDICATE_WORD})\s*\)", re.I)
# A table cell right after the score ("3,01Baik", "4,26 Memuaskan"): capitalised, at most two spaces away.
_PREDICATE_CELL = re.compile(r"[ \t]{0,2}(Sangat\s+Baik|SANGAT\s+BAIK|Baik|BAIK|Cukup|CUKUP|Kurang|KURANG|Memuaskan|MEMUASKAN)"
                             r"(?![^\W\d_])")

# A name word is capitalised; type words and capitalised sentence words ("Tahun 2022") end a name,
# except "Kota" closing a regency name ("Kabupaten Lima Puluh Kota").
_NAME_STOP = (r"(?:Kabupaten|Provinsi|Pemerintah|Pemkab|Pemkot|Pemprov|Tahun|Pada|Dengan|Dalam|Meraih|Indeks|Indek|Nilai"
              r"|Skor|SPBE|Sangat|Baik|Cukup|Kurang|Memuaskan|Predikat|Kategori)(?![^\W\d_])")
# Name words are letters (no digits: "Wajo2,77" in a flattened table is the name "Wajo" and a score).
_NAME_WORD = rf"(?:D\.\s?I\.|(?!{_NAME_STOP}|Kota\b)[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*|Kota(?!\s+[A-Z]))"
_REGION_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
_MINISTRY_NAME = r"[A-Z][^\W\d_]*(?:-[^\W\d_]+)*(?:\s+(?:dan\s+)?(?!Kement)[A-Z][^\W\d_]*(?:-[^\W\d_]+)*){0,7}"
_BRACKETED_ALIAS = r"(?:\s*\([^()\n]{1,25}\))?"
_LOCAL_GOVERNMENT = r"(?:(?:Pemerintah\s+Daerah|Pemda)\s+)?"
_START = r"(?<![^\W\d_])"   # not after a letter (a digit is fine: "1Kementerian")
_MENTION_PATTERNS = {
    "kabupaten": re.compile(
        rf"{_START}{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Kabupaten|Pemkab\.?|Kabupaten|Kab\.){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "kota": re.compile(
        rf"{_START}{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Kota|Pemkot\.?|Pemko\.?|Kota){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "provinsi": re.compile(
        rf"{_START}{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Provinsi|Pemprov\.?|Provinsi|Prov\.){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "kementerian": re.compile(rf"{_START}(?:Kementerian|Kementrian)\s+(?P<name>{_MINISTRY_NAME})"),
    None: re.compile(rf"{_START}(?:Pemerintah\s+Daerah|Pemda)\s+(?P<name>{_REGION_NAME})"),
}
_TYPE_PREFIX = {"kabupaten": "Kabupaten", "kota": "Kota", "provinsi": "Provinsi",
                "kementerian": "Kementerian", None: "Pemerintah Daerah"}
_EVALUATOR = re.compile(r"Pendayagunaan|PAN\s*-?\s*RB|PANRB", re.I)
_PROVINCE_ABBREVIATIONS = {
    "Jatim": "Jawa Timur", "Jateng": "Jawa Tengah", "Jabar": "Jawa Barat", "DKI": "DKI Jakarta",
    "DIY": "Daerah Istimewa Yogyakarta", "DI Yogyakarta": "Daerah Istimewa Yogyakarta",
    "D.I. Yogyakarta": "Daerah Istimewa Yogyakarta", "D.I Yogyakarta": "Daerah Istimewa Yogyakarta",
    "Sumut": "Sumatera Utara", "Sumbar": "Sumatera Barat", "Sumsel": "Sumatera Selatan",
    "Kalbar": "Kalimantan Barat", "Kalteng": "Kalimantan Tengah", "Kalsel": "Kalimantan Selatan",
    "Kaltim": "Kalimantan Timur", "Kaltara": "Kalimantan Utara", "Sulut": "Sulawesi Utara",
    "Sulteng": "Sulawesi Tengah", "Sulsel": "Sulawesi Selatan", "Sultra": "Sulawesi Tenggara",
    "Sulbar": "Sulawesi Barat", "NTB": "Nusa Tenggara Barat", "NTT": "Nusa Tenggara Timur",
    "Babel": "Kepulauan Bangka Belitung", "Kepri": "Kepulauan Riau", "Malut": "Maluku Utara",
}
_UNKNOWN_NAME = re.compile(
    r"\b(?!(?:Tahun|Pada|Indeks|Nilai|Skor|Dengan|Predikat|Kategori|Sangat|Baik|Cukup|Kurang|Memuaskan)\b)"
    r"[A-Z][a-z]+")
_BARE_NAME_NOT_AFTER = re.compile(r"(?:\bse-|\bdi\s|,\s)$", re.I)


# ---------------------------------------------------------------------------------------------
# Small records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    name: str            # canonical, e.g. "Kabupaten Kendal"
    type: str | None


@dataclass
class _Score:
    start: int
    end: int
    value: float
    sentence: tuple[int, int]
    institution: _Mention | None = None
    year: int | None = None
    previous: bool = False   # stated as last year's value ("tahun lalu"), year fixed in a later pass
    current: bool = False    # stated as this year's value ("tahun ini", "saat ini")
    unattributable: bool = False   # belongs to a name the rules cannot read: no row rather than a wrong one
    predicate: str | None = None


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
def _publication_date(published) -> dt.date | None:
    """``published`` as a date: a date, datetime or ISO string; anything else is an SPBEError."""
    if published is None:
        return None
    if isinstance(published, dt.datetime):
        return published.date()
    if isinstance(published, dt.date):
        return published
    if isinstance(published, str):
        try:
            return dt.datetime.fromisoformat(published.strip()).date()
        except ValueError:
            raise SPBEError(f"published {published!r} is not an ISO date (YYYY-MM-DD)", field="published") from None
    raise SPBEError(f"published must be a date, datetime or ISO string, not {type(published).__name__}",
                    field="published")


# ---------------------------------------------------------------------------------------------
# Text structure (computed once per text; every later look-up is a bisection, so the work grows
# linearly with the text: no rule rescans the text or the sentence for each score)
# ---------------------------------------------------------------------------------------------
class _Positions:
    """Sorted (position, value) pairs with range look-ups by bisection."""

    def __init__(self, pairs):
        pairs = sorted(pairs, key=lambda pv: pv[0])
        self.pos = [p for p, _ in pairs]
        self.val = [v for _, v in pairs]

    def between(self, lo: int, hi: int) -> list[tuple[int, object]]:
        i, j = bisect.bisect_left(self.pos, lo), bisect.bisect_left(self.pos, hi)
        return list(zip(self.pos[i:j], self.val[i:j]))

    def last_before(self, lo: int, hi: int):
        j = bisect.bisect_left(self.pos, hi) - 1
        return (self.pos[j], self.val[j]) if j >= 0 and self.pos[j] >= lo else None

    def first_from(self, lo: int, hi: int):
        i = bisect.bisect_left(self.pos, lo)
        return (self.pos[i], self.val[i]) if i < len(self.pos) and self.pos[i] < hi else None

    def nearest(self, lo: int, hi: int, pos: int):
        if not self.pos:
            return None
        before, after = self.last_before(lo, min(pos, hi)), self.first_from(max(pos, lo), hi)
        if before is None or (after is not None and after[0] - pos < pos - before[0]):
            return after
        return before


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence; decimal marks and abbreviations (Pemkab., D.I.) never end one."""
    spans, start = [], 0
    for brk in _SENTENCE_BREAK.finditer(text):
        if "\n" not in brk.group() and _ABBREVIATION_END.search(text, max(0, brk.start() - 8), brk.start()):
            continue
        if brk.start() > start:
            spans.append((start, brk.start()))
        start = brk.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class _Clauses:
    """Clause bounds: clauses end at ', ', ';' and linking words (breaks found once, then bisected)."""

    def __init__(self, text: str):
        breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text)]
        self.starts = [b[0] for b in breaks]
        self.ends = [b[1] for b in breaks]

    def bounds(self, sentence: tuple[int, int], pos: int) -> tuple[int, int]:
        start, end = sentence
        j = bisect.bisect_right(self.ends, pos) - 1
        if j >= 0:
            start = max(start, self.ends[j])
        k = bisect.bisect_left(self.starts, pos)
        if k < len(self.starts):
            end = min(end, self.starts[k])
        return start, end


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------
CONTEXT_WINDOW = 80   #: characters before a value searched for a context word (domain, target, IPM, ...)
# Every pattern searched before a value needs a letter or one of $ < > ≤ ≥: a window made of these
# characters only (the space between two values in a list of numbers) is not searched.
_NO_WORD = " \t\n\r\f\v0123456789.,;:/()-"


def _not_a_score_reason(text: str, m: re.Match, context_start: int, previous_end: int = 0) -> str | None:
    """Why the decimal ``m`` is not an index score, or None when it is one.

    The words checked before the value (money, rating, label, change, threshold) are searched in at
    most 40 characters, from the last digit of the previous value on: none of those patterns can
    match a digit, so a match never reaches further back, and the windows of close values (a page of
    numbers) do not overlap.
    """
    before = text[max(0, m.start() - 40, previous_end - 1):m.start()]
    after = text[m.end():m.end() + 40]
    words = bool(before.strip(_NO_WORD))   # else no pattern before the value can match
    if m.group(2) == "." and len(m.group(3)) == 3:
        return "thousands separator"
    if _AMOUNT_AFTER.match(after):
        return "percentage, amount or count"
    if (words and _MONEY_OR_TIME_BEFORE.search(before)) or _TIME_AFTER.match(after):
        return "money or clock time"
    if _RATING_AFTER.match(after) or (words and _RATING_BEFORE.search(before)):
        return "rating"
    if _YEAR_AFTER.match(after):
        return "followed by a year"
    if words and _LABEL_BEFORE.search(before):
        return "label such as Industri 4.0"
    if (words and _CHANGE_BEFORE.search(before)) or _CHANGE_AFTER.match(after):
        return "change in points"
    if words and _THRESHOLD_BEFORE.search(before):
        return "threshold"
    context = text[context_start:m.start()]
    if context.strip(_NO_WORD):
        for reason, pattern in _NOT_INDEX_CONTEXT.items():
            if pattern.search(context):
                return reason
    return None


def _find_scores(text: str, sentences: list[tuple[int, int]], clauses: _Clauses) -> list[_Score]:
    scores, previous_end = [], 0
    for sentence in sentences:
        for m in _SCORE.finditer(text, *sentence):
            value = float(f"{m.group(1)}.{m.group(3)}")
            clause_start, _ = clauses.bounds(sentence, m.start())
            # The context of a value is its clause, cut at the previous value and at CONTEXT_WINDOW.
            context_start = max(clause_start, previous_end, m.start() - CONTEXT_WINDOW)
            if value <= 5.0 and _not_a_score_reason(text, m, context_start, previous_end) is None:
                scores.append(_Score(m.start(), m.end(), value, sentence))
            previous_end = m.end()
    return scores


# ---------------------------------------------------------------------------------------------
# Institutions
# ---------------------------------------------------------------------------------------------
def _canonical_name(kind: str | None, raw: str) -> str:
    name = " ".join(raw.split())
    if kind == "provinsi":
        name = _PROVINCE_ABBREVIATIONS.get(name, name)
    return f"{_TYPE_PREFIX[kind]} {name}"


def _typed_mentions(text: str) -> list[_Mention]:
    """Mentions with a type word, longest first at each position, the evaluator left out."""
    found = []
    for kind, pattern in _MENTION_PATTERNS.items():
        for m in pattern.finditer(text):
            if kind == "kementerian" and _EVALUATOR.search(m.group("name")):
                continue
            found.append(_Mention(m.start(), m.end(), _canonical_name(kind, m.group("name")), kind))
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    kept: list[_Mention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def _shortest_forms(mentions: list[_Mention]) -> dict[str, str]:
    """Map each name to the shortest name of the same type whose words it starts with."""
    names = {(m.type, m.name) for m in mentions}
    by_prefix: dict[tuple, str] = {}
    for kind, name in names:   # every name indexed under itself; longer names look up their prefixes
        by_prefix[(kind, tuple(name.split()))] = name
    mapping = {}
    for kind, name in names:
        words = tuple(name.split())
        mapping[name] = next((by_prefix[(kind, words[:k])] for k in range(2, len(words))
                              if (kind, words[:k]) in by_prefix), name)
    return mapping


def _resolve_local_government(mentions: list[_Mention]) -> list[_Mention]:
    """Give 'Pemerintah Daerah X' the type of a typed mention of X in the same text, if any."""
    typed = {m.name.split(" ", 1)[1]: m for m in mentions if m.type is not None and m.type != "kementerian"}
    out = []
    for m in mentions:
        bare = m.name.removeprefix("Pemerintah Daerah ")
        if m.type is None and bare in typed:
            m = _Mention(m.start, m.end, typed[bare].name, typed[bare].type)
        out.append(m)
    return out


_CAPITALISED_RUN = re.compile(r"(?<![^\W\d_])(?:[A-Z][^\W\d_]*(?:-[^\W\d_]+)*)(?:[ \t]+[A-Z][^\W\d_]*(?:-[^\W\d_]+)*){0,3}")


_NAME_KEY_DROP = re.compile(r"[\s\-.]")


def _name_key(name: str) -> str:
    return _NAME_KEY_DROP.sub("", name).lower()


@lru_cache(maxsize=1)
def _regional_names() -> dict[str, tuple[str, str]]:
    """Bare regional name key -> (canonical name, type), for names only one region carries.

    From the institution registry (:func:`spbe_research.registry.load_institutions`): "Seluma" is
    Kabupaten Seluma, "Metro" Kota Metro, "Bandarlampung" Kota Bandar Lampung; "Gorontalo" (a
    province, a kabupaten and a kota) is ambiguous and left out. Also without a leading "Kepulauan"
    ("Anambas") and the province abbreviations ("NTB", "DIY").
    """
    from .registry import load_institutions

    regions = load_institutions()
    regions = regions[regions["institution_type"].isin(["provinsi", "kabupaten", "kota"])]
    candidates: dict[str, set] = {}
    for name, kind in zip(regions["institution_name"], regions["institution_type"]):
        bare = name.split(" ", 1)[1]
        keys = {_name_key(bare)}
        if bare.startswith("Kepulauan ") and kind != "provinsi":
            keys.add(_name_key(bare.removeprefix("Kepulauan ")))
        for key in keys:
            candidates.setdefault(key, set()).add((name, kind))
    for short, full in _PROVINCE_ABBREVIATIONS.items():
        candidates.setdefault(_name_key(short), set()).add((f"Provinsi {full}", "provinsi"))
    return {key: next(iter(v)) for key, v in candidates.items() if len(v) == 1}


def _registry_mentions(text: str, taken: list[_Mention]) -> list[_Mention]:
    """Regional names written without a type word ('Seluma 2,54', 'Bintan mendapat indeks 2,10')."""
    names = _regional_names()
    starts = [m.start for m in taken]
    found = []
    for run in _CAPITALISED_RUN.finditer(text):
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", run.group())]
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):   # longest name first
                s, e = run.start() + words[i][0], run.start() + words[j - 1][1]
                hit = names.get(_name_key(text[s:e]))
                if hit:
                    k = bisect.bisect_right(starts, s) - 1
                    if (not (k >= 0 and taken[k].start <= s < taken[k].end)
                            and not _BARE_NAME_NOT_AFTER.search(text[max(0, s - 4):s])):
                        found.append(_Mention(s, e, hit[0], hit[1]))
                    i = j - 1
                    break
            i += 1
    return found


_WORD_CHAR = re.compile(r"\w")


def _name_occurrences(text: str, names) -> list[tuple[int, int]]:
    """(start, end) of each occurrence of one of ``names`` that starts a word (not after a letter,
    digit, _ or -) and ends one, the longest name at a position, scanning left to right without overlap.

    The same matches as the regex ``(?<![\\w-])(?:name|...)(?!\\w)`` with the names longest first, but
    a regex alternation tries every name at every word start (text length x number of names: a
    1 MB table names ~23,000 institutions); a character trie walks each start only as far as the text
    follows some name, so the work is linear in the text.
    """
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = True   # "" marks the end of a name ("" is never a character of the text)
    if not trie:
        return []
    first = re.compile(r"(?<![\w-])[" + "".join(re.escape(ch) for ch in trie) + "]")
    n, found, resume = len(text), [], 0
    for m in first.finditer(text):
        start = m.start()
        if start < resume:     # inside the previous occurrence
            continue
        node, i, end = trie, start, None
        while i < n:
            node = node.get(text[i])
            if node is None:
                break
            i += 1
            if "" in node and not _WORD_CHAR.match(text, i):
                end = i
        if end is not None:
            found.append((start, end))
            resume = end
    return found


def _bare_mentions(text: str, typed: list[_Mention]) -> list[_Mention]:
    """Occurrences of a regional name without its type word ('SPBE Kapuas Hulu') after a typed one."""
    regional = {m.name.split(" ", 1)[1]: m for m in typed if m.type in ("kabupaten", "kota", "provinsi")}
    if not regional:
        return []
    starts = [m.start for m in typed]
    found = []
    for s, e in _name_occurrences(text, regional):
        k = bisect.bisect_right(starts, s) - 1
        inside_typed = k >= 0 and typed[k].start <= s < typed[k].end
        if not inside_typed and not _BARE_NAME_NOT_AFTER.search(text[max(0, s - 4):s]):
            mention = regional[text[s:e]]
            found.append(_Mention(s, e, mention.name, mention.type))
    return found


def _find_mentions(text: str) -> list[_Mention]:
    typed = _typed_mentions(text)
    short = _shortest_forms(typed)
    typed = _resolve_local_government([_Mention(m.start, m.end, short[m.name], m.type) for m in typed])
    bare = _bare_mentions(text, typed)
    taken = sorted(typed + bare, key=lambda m: m.start)
    return sorted(taken + _registry_mentions(text, taken), key=lambda m: m.start)


def _by_sentence(scores: list[_Score]) -> list[list[_Score]]:
    """Scores grouped by sentence, in text order (scores are found in text order)."""
    return [list(group) for _, group in groupby(scores, key=attrgetter("sentence"))]


def _pair_respectively(text: str, groups: list[list[_Score]], mentions: list[_Mention],
                       mention_starts: list[int], markers: _Positions) -> list[_Score]:
    """'A dan B ... masing-masing 3,72 dan 3,68': k mentions before, k scores after, in order.

    One value after the marker for k names ("Jembrana dan Gianyar ... masing-masing 3,14") is the
    value of each of them: the extra rows are returned.
    """
    extra = []
    for group in groups:
        sentence = group[0].sentence
        hit = markers.first_from(*sentence)
        if not hit:
            continue
        marker = hit[0]
        lo, hi = bisect.bisect_left(mention_starts, sentence[0]), bisect.bisect_left(mention_starts, marker)
        named, seen = [], set()
        for m in mentions[lo:hi]:
            if m.name not in seen:
                named.append(m)
                seen.add(m.name)
        listed = [s for s in group if s.start > marker]
        if len(named) >= 2 and len(named) == len(listed):
            for mention, score in zip(named, listed):
                score.institution = mention
        elif len(named) >= 2 and len(listed) == 1:
            listed[0].institution = named[0]
            for mention in named[1:]:
                extra.append(_Score(listed[0].start, listed[0].end, listed[0].value, sentence, institution=mention))
        else:
            for score in listed:
                score.unattributable = True
    return extra


def _unknown_name_between(text: str, start: int, end: int) -> bool:
    """A capitalised word that is no mention, e.g. 'Pemkot Jambi, 2,79 dan Sarolangun 2,63'."""
    return _UNKNOWN_NAME.search(text, start, end) is not None


def _assign_institutions(text: str, scores: list[_Score], mentions: list[_Mention]) -> list[_Score]:
    starts = [m.start for m in mentions]
    ends_sorted = sorted(range(len(mentions)), key=lambda i: mentions[i].end)
    end_pos = [mentions[i].end for i in ends_sorted]
    groups = _by_sentence(scores)
    extra = _pair_respectively(text, groups, mentions, starts, _Positions(
        (m.start(), m.end()) for m in _RESPECTIVELY.finditer(text)))
    claimed = set()
    for group in groups:  # 1: nearest mention before the score in its sentence
        previous = None
        for score in group:
            if score.institution is None and not score.unattributable:
                j = bisect.bisect_right(end_pos, score.start) - 1   # last mention ending before the score
                candidate = mentions[ends_sorted[j]] if j >= 0 else None
                if candidate is not None and candidate.start >= score.sentence[0]:
                    score.institution = candidate
                    if (previous is not None and previous.institution == score.institution
                            and _unknown_name_between(text, previous.end, score.start)):
                        score.institution, score.unattributable = None, True
            if score.institution is not None:
                claimed.add(score.institution)
            previous = score
    # 2: an unclaimed mention after it in the sentence; 3: nearest before in the text.
    # Scores come in text order, so a later score of the same sentence whose first candidate lies
    # before where the last walk over claimed mentions stopped stops there too (each mention is
    # stepped over once, not once per score: scores listed before their names in one long sentence).
    walked_sentence, walked_to = None, -1
    for score in scores:
        if score.institution is not None or score.unattributable:
            continue
        i = bisect.bisect_left(starts, score.end)
        if score.sentence == walked_sentence and i <= walked_to:
            i = walked_to
        while i < len(mentions) and mentions[i].end <= score.sentence[1] and mentions[i] in claimed:
            i += 1
        walked_sentence, walked_to = score.sentence, i
        if i < len(mentions) and mentions[i].end <= score.sentence[1]:
            score.institution = mentions[i]
        else:
            i = bisect.bisect_left(starts, score.start)
            score.institution = mentions[i - 1] if i > 0 else None
    return extra


# ---------------------------------------------------------------------------------------------
# Years
# ---------------------------------------------------------------------------------------------
_DOCUMENT_YEAR = re.compile(r"\bevaluasi\b[^.\n]{0,110}?\btahun\s+(20[1-3]\d)\b", re.I)


def _find_years(text: str) -> list[tuple[int, int]]:
    """(position, year) of evaluation-year candidates: not dates, decrees or 'sejak 2018'."""
    return [(m.start(), int(m.group(1))) for m in _YEAR.finditer(text)
            if int(m.group(1)) >= FIRST_EVALUATION_YEAR
            and not _YEAR_IGNORED_AFTER.search(text[max(0, m.start() - 40):m.start()])]


def _document_year(text: str, published: dt.date | None) -> int | None:
    """The evaluation year the text names ("Hasil Evaluasi SPBE ... Tahun 2024"), if it names one only."""
    years = {int(m.group(1)) for m in _DOCUMENT_YEAR.finditer(text)
             if not _YEAR_IGNORED_AFTER.search(text[max(0, m.start(1) - 40):m.start(1)])
             and int(m.group(1)) >= FIRST_EVALUATION_YEAR and (published is None or int(m.group(1)) <= published.year)}
    return years.pop() if len(years) == 1 else None


def _latest_published_evaluation(published: dt.date) -> int:
    year = published.year if published.month == 12 else published.year - 1
    return max(year, FIRST_EVALUATION_YEAR)


def _relative_marker(markers: _Positions, clause: tuple[int, int], segment: tuple[int, int], pos: int):
    """'previous' or 'current' from the nearest relative phrase in the clause, else earlier in the
    sentence; only between the neighbouring scores (a phrase belongs to the value it stands by)."""
    lo, hi = max(clause[0], segment[0]), min(clause[1], segment[1])
    hit = markers.nearest(lo, hi, pos) if lo < hi else None
    if hit is None:
        hit = markers.last_before(segment[0], pos)
    return hit[1] if hit else None


def _assign_years(text: str, scores: list[_Score], clauses: _Clauses, published: dt.date | None) -> None:
    years = _Positions((p, y) for p, y in _find_years(text) if published is None or y <= published.year)
    markers = _Positions([(m.start(), "previous") for m in _PREVIOUS.finditer(text)]
                         + [(m.start(), "current") for m in _CURRENT.finditer(text)])
    document_year = _document_year(text, published)
    latest_stated = max(years.val) if years.val else None
    clause_of, clause_year = {}, {}
    for score in scores:
        clause = clause_of[id(score)] = clauses.bounds(score.sentence, score.start)
        hit = years.nearest(clause[0], clause[1], score.start)
        clause_year[id(score)] = hit[1] if hit else None
    for group in _by_sentence(scores):
        for k, score in enumerate(group):
            prev_s = group[k - 1] if k > 0 else None
            next_s = group[k + 1] if k + 1 < len(group) else None
            if clause_year[id(score)] is not None:                                          # rule 1
                score.year = clause_year[id(score)]
                continue
            if prev_s and clause_year[id(prev_s)] and _FROM_TO.search(text, prev_s.end, score.start):
                score.year = clause_year[id(prev_s)] + 1                                    # rule 2 (to)
                continue
            if next_s and clause_year[id(next_s)] and _FROM_TO.search(text, score.end, next_s.start):
                score.year = clause_year[id(next_s)] - 1                                    # rule 2 (from)
                continue
            segment = (prev_s.end if prev_s else score.sentence[0], next_s.start if next_s else score.sentence[1])
            marker = _relative_marker(markers, clause_of[id(score)], segment, score.start)
            if marker == "previous":                                                        # rule 3
                score.previous = True
                score.year = published.year - 1 if published else None
            elif marker == "current":
                score.current = True
                score.year = (_latest_published_evaluation(published) if published
                              else document_year or latest_stated)
            elif earlier := years.last_before(score.sentence[0], score.start):               # rule 4
                score.year = earlier[1]
            elif later := years.first_from(score.end, score.sentence[1]):
                score.year = later[1]
            elif document_year is not None:                                                 # rule 5
                score.year = document_year
            elif published is not None:
                score.year = _latest_published_evaluation(published)
    _resolve_relative_years(scores, published)


def _resolve_relative_years(scores: list[_Score], published: dt.date | None) -> None:
    """'Tahun lalu' is the year before the same institution's current score, when the text has one;
    a 'tahun ini' value that differs from the institution's value for that year is the evaluation
    under way (the year after, not beyond the publication year)."""
    def name(s):
        return s.institution.name if s.institution is not None else None
    current: dict[str, int] = {}
    settled: dict[tuple, set] = {}
    for s in scores:
        if not s.previous and s.year is not None and name(s) is not None:
            current[name(s)] = max(current.get(name(s), s.year), s.year)
        if not s.previous and not s.current and s.year is not None:
            settled.setdefault((name(s), s.year), set()).add(s.value)
    for s in scores:
        if s.previous and name(s) in current:
            s.year = current[name(s)] - 1
        elif s.current and s.year is not None and settled.get((name(s), s.year), {s.value}) - {s.value}:
            if published is None or s.year + 1 <= published.year:
                s.year += 1


# ---------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------
def _predicate_name(word: str) -> str:
    word = " ".join(word.lower().split())
    return "Memuaskan" if word == "sangat memuaskan" else next(p for p in PREDICATES if p.lower() == word)


def _assign_predicates(text: str, scores: list[_Score]) -> None:
    cues = _Positions((m.start(1), m.group(1)) for m in _PREDICATE_AFTER_CUE.finditer(text))
    respectively = _Positions((m.start(), True) for m in _RESPECTIVELY.finditer(text))
    for group in _by_sentence(scores):
        shared = respectively.first_from(*group[0].sentence) is not None
        # The next score at another position, for every score (one pass from the end; looking it up
        # in group[k + 1:] copied the rest of the sentence for each score: quadratic in one-sentence tables).
        following, next_other = [None] * len(group), None
        for k in range(len(group) - 1, -1, -1):
            if k + 1 < len(group) and group[k + 1].start != group[k].start:
                next_other = group[k + 1]
            following[k] = next_other
        for k, score in enumerate(group):
            prev_s = group[k - 1] if k > 0 and group[k - 1].start != score.start else None
            next_s = following[k]
            lo = prev_s.end if prev_s else score.sentence[0]
            hi = next_s.start if next_s else score.sentence[1]
            adjacent = _PREDICATE_IN_BRACKETS.match(text, score.end) or _PREDICATE_CELL.match(text, score.end)
            if adjacent:
                score.predicate = _predicate_name(adjacent.group(1))
                continue
            hit = cues.nearest(lo, hi, score.start)
            if hit is None and shared:  # shared: "predikat X ... masing-masing"
                hit = cues.nearest(score.sentence[0], hi, score.start)
            score.predicate = _predicate_name(hit[1]) if hit else None


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
EVIDENCE_CHARS = 240   #: at most this many characters of the sentence on each side of the value


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "institution": pd.Series(dtype="str"), "institution_type": pd.Series(dtype="str"),
        "year": pd.Series(dtype="Int64"), "index": pd.Series(dtype="float64"),
        "predicate": pd.Series(dtype="str"), "evidence": pd.Series(dtype="str"),
    })


def _evidence(text: str, s: _Score) -> str:
    lo = max(s.sentence[0], s.start - EVIDENCE_CHARS)
    hi = min(s.sentence[1], s.end + EVIDENCE_CHARS)
    return " ".join(text[lo:hi].split())


def _to_frame(text: str, scores: list[_Score]) -> pd.DataFrame:
    kept = sorted((s for s in scores if s.institution is not None), key=lambda s: s.start)   # text order
    if not kept:
        return _empty_frame()
    df = pd.DataFrame({
        "institution": [s.institution.name for s in kept],
        "institution_type": [s.institution.type for s in kept],
        "year": [s.year for s in kept],
        "index": [s.value for s in kept],
        "predicate": [s.predicate for s in kept],
        "_rank": range(len(kept)),
    }).astype({"year": "Int64", "index": "float64", "institution_type": "str", "predicate": "str"})
    # One row per (institution, year, index), preferring one with a predicate; text order kept.
    df = df.assign(_no_predicate=df["predicate"].isna())
    df = (df.sort_values(["_no_predicate", "_rank"], kind="stable")
            .drop_duplicates(["institution", "year", "index"])
            .sort_values("_rank"))
    dated = df.loc[df["year"].notna(), ["institution", "index"]].drop_duplicates()
    undated_repeat = df["year"].isna() & pd.MultiIndex.from_frame(df[["institution", "index"]]).isin(
        pd.MultiIndex.from_frame(dated))
    df = df[~undated_repeat]
    # Evidence only for the rows kept (a page repeating one value many times cuts one sentence, not thousands).
    df = df.assign(evidence=[_evidence(text, kept[k]) for k in df["_rank"]])
    return df[list(COLUMNS)].reset_index(drop=True)


def extract_scores(text: str, published=None) -> pd.DataFrame:
    """SPBE index scores a news text states, one row per institution, year and value.

    Parameters
    ----------
    text:
        The article text (Indonesian).
    published:
        Publication date (date, datetime or ISO string), used to infer the evaluation year when
        the text does not state it. See the module docstring for the rules.

    Returns
    -------
    DataFrame with columns ``institution``, ``institution_type`` (kementerian, provinsi,
    kabupaten, kota or NA), ``year`` (Int64, evaluation year, NA when unknown), ``index`` (float),
    ``predicate`` (one of :data:`~spbe_research.scoring.PREDICATES` or NA) and ``evidence`` (the
    sentence the value came from, cut to EVIDENCE_CHARS on each side), in the order the values appear.
    The work grows linearly with the length of the text.
    """
    if not isinstance(text, str):
        raise SPBEError(f"text must be a str, not {type(text).__name__}", field="text")
    published = _publication_date(published)
    if not _SPBE_TOPIC.search(text):
        return _empty_frame()
    sentences = _sentence_spans(text)
    clauses = _Clauses(text)
    scores = _find_scores(text, sentences, clauses)
    scores = scores + _assign_institutions(text, scores, _find_mentions(text))
    scores.sort(key=lambda s: s.start)
    _assign_years(text, scores, clauses, published)
    _assign_predicates(text, scores)
    return _to_frame(text, scores)
