# Verbatim copy of spbe_research/news.py before the linear-time rewrite (commit 78d7efc): the baseline of bench_news.py.
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
    %, persen, juta, instansi, indikator, tahun, ...), money (Rp), a clock time (pukul), a label
    ("Industri 4.0"), a change ("naik 0,45 poin", "0,01 poin di atas"), a threshold ("di atas
    2,6"), or when its clause earlier names a domain or aspect, a target or hope, an average or the
    national index, or another index (IPM, SAKIP, ...). A text that never mentions SPBE gives no rows.

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
    A score belongs to the nearest mention before it in its sentence; else to a mention after it in
    the sentence that no other score has claimed; else to the nearest mention before it in the text.
    "masing-masing" (respectively) pairs the mentions and scores of a sentence in order. Scores that
    would go to the wrong name give no row: a "masing-masing" list whose counts differ, and a second
    score for the same mention with an unread capitalised name between ("Pemkot Jambi, 2,79 dan
    Sarolangun 2,63": only 2,79 is kept).

Evaluation year (first rule that applies)
    1. a year in the score's clause (the nearest);
    2. "dari A ... menjadi B" (from A to B): the partner's year from rule 1, minus or plus one;
    3. the last year earlier in the sentence, else the first year later in it ("3,72 dan 3,68 pada
       2021");
    4. a relative phrase, nearest in the clause, else earlier in the sentence:
       tahun lalu / kemarin / sebelumnya -> the year before the institution's current score in the
       same text, or, without one, the calendar year before publication;
       tahun ini / saat ini / sekarang / kini -> the evaluation under way: the publication year from
       May on, the year before in January-April (when last year's results are being announced);
    5. no cue: the latest evaluation whose results were out at publication - the year before
       publication, or the publication year itself for December articles (results are often
       announced in December). Never before 2018, the first evaluation.
    Years in dates (12/2/2020), decrees (13/2024, Nomor 13 Tahun 2024), after sejak/mulai/hingga,
    and years after the publication year (targets: "dinaikkan pada 2025") are ignored. Without a cue and without ``published`` the year is NA.

Predicate
    Kurang, Cukup, Baik, Sangat Baik or Memuaskan ("sangat memuaskan" is read as Memuaskan) after a
    cue word (predikat, kategori, penilaian, status, ...) or in brackets right after the score.
    The nearest one between the previous and the next score of the sentence is taken. Capability
    levels used loosely as categories ("kategori Terkelola", "kategori optimum") are not predicates.

Duplicates
    One row per (institution, year, index); a row with a predicate is kept over one without. A row
    without a year is dropped when the same institution and value also appear with a year.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from .errors import SPBEError
from .scoring import PREDICATES

COLUMNS = ("institution", "institution_type", "year", "index", "predicate", "evidence")
FIRST_EVALUATION_YEAR = 2018
#: Months (1-12) from which "tahun ini" means the evaluation under way rather than last year's results.
CURRENT_EVALUATION_FROM_MONTH = 5

# ---------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------
_SPBE_TOPIC = re.compile(r"SPBE|Sistem\s+Pemerintahan\s+Berbasis\s+Elektronik|e-?government", re.I)

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’']?\s+|\s*\n+\s*")
_ABBREVIATION_END = re.compile(r"(?:\b(?:Pemkab|Pemkot|Pemko|Pemprov|Kab|Prov|Kec|Dr|Drs|Ir|No|Jl|St)|\b[A-Z])\.$")
_CLAUSE_BREAK = re.compile(
    r",\s|;|\s(?:menjadi|sedangkan|sementara|dan|serta|namun|tetapi|karena|sehingga|bahwa)\s", re.I
)

_SCORE = re.compile(r"(?<![\d.,/:-])([0-5])([.,])(\d{1,3})(?!\d|[.,/:-]\d)")
_YEAR = re.compile(r"(?<![\d/.\-])(20[1-3]\d)(?![\d/]|[-.]\d)")

_AMOUNT_AFTER = re.compile(
    r"\s*(?:%|persen\b|per\s+sen\b|juta\b|miliar\b|milyar\b|triliun\b|ribu\b|instansi\b|orang\b|OPD\b"
    r"|aplikasi\b|indikator\b|unit\b|kali\b|tahun\b(?!\s+(?:20\d\d|ini|lalu|kemarin|sebelum|ke\b))|bulan\b|hari\b|jam\b|menit\b|km\b"
    r"|kilometer\b|meter\b|hektare?\b|ha\b|ton\b|kg\b|WIB\b|WITA\b|WIT\b)",
    re.I,
)
_MONEY_OR_TIME_BEFORE = re.compile(r"(?:\bRp\.?|\bpukul|\bjam)\s*$", re.I)
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

# A name word is capitalised; type words and capitalised sentence words ("Tahun 2022") end a name,
# except "Kota" closing a regency name ("Kabupaten Lima Puluh Kota").
_NAME_STOP = r"(?:Kabupaten|Provinsi|Pemerintah|Pemkab|Pemkot|Pemprov|Tahun|Pada|Dengan|Dalam|Meraih|Indeks|Nilai|Skor|SPBE)\b"
_NAME_WORD = rf"(?:D\.\s?I\.|(?!{_NAME_STOP}|Kota\b)[A-Z][\w'’-]*|Kota(?!\s+[A-Z]))"
_REGION_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
_MINISTRY_NAME = r"[A-Z][\w-]*(?:\s+(?:dan\s+)?(?!Kement)[A-Z][\w-]*){0,7}"
_BRACKETED_ALIAS = r"(?:\s*\([^()\n]{1,25}\))?"
_LOCAL_GOVERNMENT = r"(?:(?:Pemerintah\s+Daerah|Pemda)\s+)?"
_MENTION_PATTERNS = {
    "kabupaten": re.compile(
        rf"\b{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Kabupaten|Pemkab\.?|Kabupaten|Kab\.){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "kota": re.compile(
        rf"\b{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Kota|Pemkot\.?|Pemko\.?|Kota){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "provinsi": re.compile(
        rf"\b{_LOCAL_GOVERNMENT}(?:Pemerintah\s+Provinsi|Pemprov\.?|Provinsi|Prov\.){_BRACKETED_ALIAS}\s+(?P<name>{_REGION_NAME})"
    ),
    "kementerian": re.compile(rf"\b(?:Kementerian|Kementrian)\s+(?P<name>{_MINISTRY_NAME})"),
    None: re.compile(rf"\b(?:Pemerintah\s+Daerah|Pemda)\s+(?P<name>{_REGION_NAME})"),
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
# Text structure
# ---------------------------------------------------------------------------------------------
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


def _clause_bounds(text: str, sentence: tuple[int, int], pos: int) -> tuple[int, int]:
    """(start, end) of the clause around ``pos``: clauses end at ', ', ';' and linking words."""
    start, end = sentence
    for brk in _CLAUSE_BREAK.finditer(text, start, end):
        if brk.end() <= pos:
            start = brk.end()
        elif brk.start() >= pos:
            end = brk.start()
            break
    return start, end


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------
def _not_a_score_reason(text: str, m: re.Match, clause_start: int) -> str | None:
    """Why the decimal ``m`` is not an index score, or None when it is one."""
    before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 40]
    if m.group(2) == "." and len(m.group(3)) == 3:
        return "thousands separator"
    if _AMOUNT_AFTER.match(after):
        return "percentage, amount or count"
    if _MONEY_OR_TIME_BEFORE.search(before):
        return "money or clock time"
    if _LABEL_BEFORE.search(before):
        return "label such as Industri 4.0"
    if _CHANGE_BEFORE.search(before) or _CHANGE_AFTER.match(after):
        return "change in points"
    if _THRESHOLD_BEFORE.search(before):
        return "threshold"
    clause_before = text[clause_start:m.start()]
    for reason, pattern in _NOT_INDEX_CONTEXT.items():
        if pattern.search(clause_before):
            return reason
    return None


def _find_scores(text: str, sentences: list[tuple[int, int]]) -> list[_Score]:
    scores = []
    for sentence in sentences:
        for m in _SCORE.finditer(text, *sentence):
            value = float(f"{m.group(1)}.{m.group(3)}")
            clause_start, _ = _clause_bounds(text, sentence, m.start())
            if value <= 5.0 and _not_a_score_reason(text, m, clause_start) is None:
                scores.append(_Score(m.start(), m.end(), value, sentence))
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
    mapping = {}
    for kind, name in names:
        words = name.split()
        shorter = [other for k, other in names
                   if k == kind and len(other.split()) < len(words) and words[:len(other.split())] == other.split()]
        mapping[name] = min(shorter, key=len) if shorter else name
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


def _bare_mentions(text: str, typed: list[_Mention]) -> list[_Mention]:
    """Occurrences of a regional name without its type word ('SPBE Kapuas Hulu')."""
    taken = [(m.start, m.end) for m in typed]
    regional = {m.name: m for m in typed if m.type in ("kabupaten", "kota", "provinsi")}
    found = []
    for name, mention in regional.items():
        bare = name.split(" ", 1)[1]
        for m in re.finditer(rf"(?<![\w-]){re.escape(bare)}(?!\w)", text):
            inside_typed = any(s <= m.start() < e for s, e in taken)
            if not inside_typed and not _BARE_NAME_NOT_AFTER.search(text[max(0, m.start() - 4):m.start()]):
                found.append(_Mention(m.start(), m.end(), name, mention.type))
    return found


def _find_mentions(text: str) -> list[_Mention]:
    typed = _typed_mentions(text)
    short = _shortest_forms(typed)
    typed = _resolve_local_government([_Mention(m.start, m.end, short[m.name], m.type) for m in typed])
    return sorted(typed + _bare_mentions(text, typed), key=lambda m: m.start)


def _pair_respectively(text: str, scores: list[_Score], mentions: list[_Mention]) -> None:
    """'A dan B ... masing-masing 3,72 dan 3,68': k mentions before, k scores after, in order."""
    for sentence in {s.sentence for s in scores}:
        marker = _RESPECTIVELY.search(text, *sentence)
        if not marker:
            continue
        named = [m for m in mentions if sentence[0] <= m.start < marker.start()]
        named = [m for i, m in enumerate(named) if m.name not in {n.name for n in named[:i]}]
        listed = [s for s in scores if s.sentence == sentence and s.start > marker.end()]
        if len(named) >= 2 and len(named) == len(listed):
            for mention, score in zip(named, listed):
                score.institution = mention
        else:
            for score in listed:
                score.unattributable = True


def _unknown_name_between(text: str, start: int, end: int) -> bool:
    """A capitalised word that is no mention, e.g. 'Pemkot Jambi, 2,79 dan Sarolangun 2,63'."""
    return _UNKNOWN_NAME.search(text, start, end) is not None


def _assign_institutions(text: str, scores: list[_Score], mentions: list[_Mention]) -> None:
    starts = [m.start for m in mentions]
    _pair_respectively(text, scores, mentions)
    claimed, previous = set(), None
    for score in scores:  # 1: nearest mention before the score in its sentence
        if score.institution is None and not score.unattributable:
            before = [m for m in mentions if score.sentence[0] <= m.start and m.end <= score.start]
            if before:
                score.institution = before[-1]
                if (previous is not None and previous.sentence == score.sentence
                        and previous.institution == score.institution
                        and _unknown_name_between(text, previous.end, score.start)):
                    score.institution, score.unattributable = None, True
        if score.institution is not None:
            claimed.add(score.institution)
        previous = score
    for score in scores:  # 2: an unclaimed mention after it in the sentence; 3: nearest before in the text
        if score.institution is not None or score.unattributable:
            continue
        after = [m for m in mentions
                 if score.end <= m.start and m.end <= score.sentence[1] and m not in claimed]
        if after:
            score.institution = after[0]
        else:
            i = bisect.bisect_left(starts, score.start)
            score.institution = mentions[i - 1] if i > 0 else None


# ---------------------------------------------------------------------------------------------
# Years
# ---------------------------------------------------------------------------------------------
def _find_years(text: str) -> list[tuple[int, int]]:
    """(position, year) of evaluation-year candidates: not dates, decrees or 'sejak 2018'."""
    return [(m.start(), int(m.group(1))) for m in _YEAR.finditer(text)
            if int(m.group(1)) >= FIRST_EVALUATION_YEAR
            and not _YEAR_IGNORED_AFTER.search(text[max(0, m.start() - 40):m.start()])]


def _latest_published_evaluation(published: dt.date) -> int:
    year = published.year if published.month == 12 else published.year - 1
    return max(year, FIRST_EVALUATION_YEAR)


def _current_evaluation(published: dt.date) -> int:
    year = published.year if published.month >= CURRENT_EVALUATION_FROM_MONTH else published.year - 1
    return max(year, FIRST_EVALUATION_YEAR)


def _nearest(candidates: list[tuple[int, object]], pos: int):
    return min(candidates, key=lambda c: abs(c[0] - pos))[1] if candidates else None


def _year_in_clause(text: str, score: _Score, years) -> int | None:
    start, end = _clause_bounds(text, score.sentence, score.start)
    return _nearest([(p, y) for p, y in years if start <= p < end], score.start)


def _relative_marker(text: str, score: _Score) -> str | None:
    """'previous' or 'current' from the nearest relative phrase in the clause, else earlier in the sentence."""
    def markers(lo, hi):
        return ([(m.start(), "previous") for m in _PREVIOUS.finditer(text, lo, hi)]
                + [(m.start(), "current") for m in _CURRENT.finditer(text, lo, hi)])
    start, end = _clause_bounds(text, score.sentence, score.start)
    return _nearest(markers(start, end), score.start) or _nearest(markers(score.sentence[0], score.start), score.start)


def _sentence_neighbours(scores: list[_Score], score: _Score) -> tuple[_Score | None, _Score | None]:
    """The scores just before and just after ``score`` in its sentence (None at either end)."""
    same_sentence = [s for s in scores if s.sentence == score.sentence]
    k = same_sentence.index(score)
    return (same_sentence[k - 1] if k > 0 else None,
            same_sentence[k + 1] if k + 1 < len(same_sentence) else None)


def _assign_years(text: str, scores: list[_Score], published: dt.date | None) -> None:
    years = [(p, y) for p, y in _find_years(text) if published is None or y <= published.year]
    clause_year = {id(s): _year_in_clause(text, s, years) for s in scores}
    for score in scores:
        prev_s, next_s = _sentence_neighbours(scores, score)
        earlier_years = [y for p, y in years if score.sentence[0] <= p < score.start]
        later_years = [y for p, y in years if score.end <= p < score.sentence[1]]
        if clause_year[id(score)] is not None:                                        # rule 1
            score.year = clause_year[id(score)]
        elif prev_s and clause_year[id(prev_s)] and _FROM_TO.search(text, prev_s.end, score.start):
            score.year = clause_year[id(prev_s)] + 1                                    # rule 2 (to)
        elif next_s and clause_year[id(next_s)] and _FROM_TO.search(text, score.end, next_s.start):
            score.year = clause_year[id(next_s)] - 1                                    # rule 2 (from)
        elif earlier_years:                                                             # rule 3
            score.year = earlier_years[-1]
        elif later_years:
            score.year = later_years[0]
        else:
            marker = _relative_marker(text, score)                                      # rule 4
            if marker == "previous":
                score.previous = True
                score.year = published.year - 1 if published else None
            elif published is not None:                                                 # rules 4 and 5
                score.year = (_current_evaluation(published) if marker == "current"
                              else _latest_published_evaluation(published))
    _resolve_previous_years(scores)


def _resolve_previous_years(scores: list[_Score]) -> None:
    """'Tahun lalu' means the year before the same institution's current score, when the text has one."""
    for score in scores:
        if not score.previous or score.institution is None:
            continue
        current = [s.year for s in scores if not s.previous and s.year is not None
                   and s.institution is not None and s.institution.name == score.institution.name]
        if current:
            score.year = max(current) - 1


# ---------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------
def _predicate_name(word: str) -> str:
    word = " ".join(word.lower().split())
    return "Memuaskan" if word == "sangat memuaskan" else next(p for p in PREDICATES if p.lower() == word)


def _assign_predicates(text: str, scores: list[_Score]) -> None:
    for score in scores:
        prev_s, next_s = _sentence_neighbours(scores, score)
        lo = prev_s.end if prev_s else score.sentence[0]
        hi = next_s.start if next_s else score.sentence[1]
        bracketed = _PREDICATE_IN_BRACKETS.match(text, score.end)
        if bracketed:
            score.predicate = _predicate_name(bracketed.group(1))
            continue
        cued = [(m.start(1), m.group(1)) for m in _PREDICATE_AFTER_CUE.finditer(text, lo, hi)]
        if not cued and _RESPECTIVELY.search(text, *score.sentence):  # shared: "predikat X ... masing-masing"
            cued = [(m.start(1), m.group(1)) for m in _PREDICATE_AFTER_CUE.finditer(text, score.sentence[0], hi)]
        word = _nearest(cued, score.start)
        score.predicate = _predicate_name(word) if word else None


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "institution": pd.Series(dtype="str"), "institution_type": pd.Series(dtype="str"),
        "year": pd.Series(dtype="Int64"), "index": pd.Series(dtype="float64"),
        "predicate": pd.Series(dtype="str"), "evidence": pd.Series(dtype="str"),
    })


def _to_frame(text: str, scores: list[_Score]) -> pd.DataFrame:
    rows = [{
        "institution": s.institution.name,
        "institution_type": s.institution.type,
        "year": s.year,
        "index": s.value,
        "predicate": s.predicate,
        "evidence": " ".join(text[slice(*s.sentence)].split()),
    } for s in scores if s.institution is not None]
    if not rows:
        return _empty_frame()
    df = pd.DataFrame(rows).astype({"year": "Int64", "index": "float64",
                                    "institution_type": "str", "predicate": "str"})
    # One row per (institution, year, index), preferring one with a predicate; text order kept.
    df = df.assign(_order=range(len(df)), _no_predicate=df["predicate"].isna())
    df = (df.sort_values(["_no_predicate", "_order"])
            .drop_duplicates(["institution", "year", "index"])
            .sort_values("_order"))
    dated = df.loc[df["year"].notna(), ["institution", "index"]].drop_duplicates()
    undated_repeat = df["year"].isna() & pd.MultiIndex.from_frame(df[["institution", "index"]]).isin(
        pd.MultiIndex.from_frame(dated))
    df = df[~undated_repeat]
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
    sentence the value came from), in the order the values appear.
    """
    if not isinstance(text, str):
        raise SPBEError(f"text must be a str, not {type(text).__name__}", field="text")
    published = _publication_date(published)
    if not _SPBE_TOPIC.search(text):
        return _empty_frame()
    sentences = _sentence_spans(text)
    scores = _find_scores(text, sentences)
    _assign_institutions(text, scores, _find_mentions(text))
    _assign_years(text, scores, published)
    _assign_predicates(text, scores)
    return _to_frame(text, scores)
