"""One vocabulary: institution types, island groups, report groups and their published labels.

Every module that names a type of institution, groups them, or reads a group label printed in a
KemenPANRB report takes the name from here, so a list exists once.

Institution types (``institution_type`` of the panel and the registry)
    ``kementerian`` (ministry), ``lpnk`` (non-ministerial government agency), ``lns_other`` (every
    other central body: LNS, state instruments, secretariats, public broadcasters), ``provinsi``
    (province), ``kabupaten`` (regency), ``kota`` (city) — in this display order.
Report categories (``category_hint`` of :func:`spbe_research.cleaning.parse_report`)
    The finer groups the report tables are printed under (the table title for central bodies, the
    name for regional governments). Each falls in one panel type (:data:`CATEGORY_TYPES`); the build
    checks that the registry's type of every matched row agrees.
Report groups (``group`` of :func:`spbe_research.cleaning.parse_report_aggregates`)
    The groups the reports print means for, with the report categories each pools
    (:data:`GROUP_CATEGORIES`) and the panel types that reproduce it (:data:`GROUP_TYPES`; ``None``
    when no set of panel types separates the group: the 2023 report prints LNS and "Instansi
    Lainnya" apart, the panel pools both as ``lns_other``).
Published labels
    :func:`group_of_label` reads a printed group label ("Instansi Pusat", "Pemerintah Daerah",
    "LNS dan Instansi Lainnya", "Pemda", ...) into a report group.

>>> TYPE_LABELS["lpnk"]
'LPNK (non-ministerial agency)'
>>> group_of_label("LNS dan Instansi Lainnya")
'lns_and_other'
>>> GROUP_TYPES["pemda"]
('provinsi', 'kabupaten', 'kota')
"""
from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "INSTITUTION_TYPES", "CENTRAL_TYPES", "REGIONAL_TYPES", "LOCAL_TYPES", "TYPE_LABELS", "PRESS_TYPES",
    "ISLAND_GROUPS", "SOURCE_KINDS", "MATCH_METHODS", "STAGES", "STAGE_BASES", "PRESS_STAGE_BASES",
    "REPORT_CATEGORIES", "CENTRAL_CATEGORIES", "REGIONAL_CATEGORIES", "CATEGORY_TYPES",
    "REPORT_GROUPS", "GROUP_CATEGORIES", "GROUP_TYPES", "GROUP_LABELS", "group_of_label",
]

#: Institution types in display order: central bodies first, then regional governments.
INSTITUTION_TYPES = ("kementerian", "lpnk", "lns_other", "provinsi", "kabupaten", "kota")
CENTRAL_TYPES = INSTITUTION_TYPES[:3]
REGIONAL_TYPES = INSTITUTION_TYPES[3:]
#: Local governments below the province (pooled for provincial means and spreads).
LOCAL_TYPES = ("kabupaten", "kota")
#: English glosses of the institution types, for tables and figures.
TYPE_LABELS = MappingProxyType({
    "kementerian": "Kementerian (ministry)",
    "lpnk": "LPNK (non-ministerial agency)",
    "lns_other": "LNS & other central bodies",
    "provinsi": "Provinsi (province)",
    "kabupaten": "Kabupaten (regency)",
    "kota": "Kota (city)",
})
#: Types the press table may give: the panel's types plus ``lembaga`` (a central body that is not a
#: ministry; the registry decides whether it is an LPNK or another body).
PRESS_TYPES = ("kementerian", "lembaga", "lpnk", "lns_other", "provinsi", "kabupaten", "kota")

#: Island groups in display order, west to east.
ISLAND_GROUPS = ("Sumatra", "Jawa", "Kalimantan", "Sulawesi", "Bali–Nusa Tenggara", "Maluku", "Papua")

#: ``source_kind`` of a panel row.
SOURCE_KINDS = ("official_report", "imported", "press")  # the order of precedence in the panel
#: Reporting stage of a value (press rows are classified from the page; official rows are official).
STAGES = ("official", "provisional", "self_assessment", "unknown")
#: What a press row's stage rests on: the page's own words, the compiler's note, or nothing.
PRESS_STAGE_BASES = ("quote", "compiler_note", "none")
#: What a panel row's stage rests on (official rows: the report).
STAGE_BASES = ("report", "import", *PRESS_STAGE_BASES)

#: How a name was matched to the institution registry (``match_method``; see :mod:`spbe_research.registry`).
MATCH_METHODS = ("exact", "alias", "prefix_normalised", "code", "code_change", "base_name", "unmatched")

#: Report categories (``category_hint``) and what each is.
REPORT_CATEGORIES = MappingProxyType({
    "kementerian": "Kementerian (ministries) – 'Hasil Evaluasi SPBE Kementerian'",
    "lpnk": "Lembaga Pemerintah Non Kementerian (LPNK)",
    "alat_negara": "Alat Negara (BIN, Polri)",
    "sekretariat_kabinet": "Sekretariat Kabinet",
    "setjen_lembaga_negara": "Sekretariat Jenderal Lembaga Negara (incl. Kejaksaan Agung)",
    "instansi_lainnya": "'Instansi lainnya' (2024) / 'Lembaga Pemerintah Lainnya' (2023): BRIN, BPIP",
    "lpp": "Lembaga Penyiaran Publik (TVRI, RRI)",
    "lns": "Lembaga Non Struktural (LNS)",
    "provinsi": "provincial government",
    "kabupaten": "regency (kabupaten) government",
    "kota": "city (kota) government",
})
CENTRAL_CATEGORIES = ("kementerian", "lpnk", "alat_negara", "sekretariat_kabinet", "setjen_lembaga_negara",
                      "instansi_lainnya", "lpp", "lns")
REGIONAL_CATEGORIES = REGIONAL_TYPES
_OTHER_CENTRAL = ("alat_negara", "sekretariat_kabinet", "setjen_lembaga_negara", "instansi_lainnya", "lpp")
#: Report category → panel institution type.
CATEGORY_TYPES = MappingProxyType({
    **{c: c for c in ("kementerian", "lpnk", *REGIONAL_TYPES)},
    **{c: "lns_other" for c in ("lns", *_OTHER_CENTRAL)},
})

#: Report groups (``group`` of the published aggregates) and what each is.
REPORT_GROUPS = MappingProxyType({
    "nasional": "all evaluated institutions (national)",
    "instansi_pusat": "all central institutions (Tabel 'Instansi Pusat')",
    "pemda": "all regional governments (Tabel 'Pemerintah Daerah')",
    "kementerian": "ministries",
    "lpnk": "non-ministerial government agencies",
    "lns": "2023 column 'LNS' (non-structural bodies)",
    "instansi_lainnya": "2023 column 'Instansi Lainnya'",
    "lns_and_other": "2024 column 'LNS dan Instansi Lainnya' (all central bodies that are neither kementerian "
                     "nor LPNK)",
    "provinsi": "provinces",
    "kabupaten": "regencies",
    "kota": "cities",
})
#: Report group → the report categories it pools, as far as the report text says. "instansi_lainnya" is
#: the 2023 column "Instansi Lainnya" (every central body that is not kementerian, LPNK or LNS; its means
#: reproduce exactly from these rows); "lns_and_other" the 2024 column "LNS dan Instansi Lainnya".
GROUP_CATEGORIES = MappingProxyType({
    "nasional": CENTRAL_CATEGORIES + REGIONAL_CATEGORIES,
    "instansi_pusat": CENTRAL_CATEGORIES,
    "pemda": REGIONAL_CATEGORIES,
    "kementerian": ("kementerian",),
    "lpnk": ("lpnk",),
    "lns": ("lns",),
    "instansi_lainnya": _OTHER_CENTRAL,
    "lns_and_other": ("lns", *_OTHER_CENTRAL),
    "provinsi": ("provinsi",),
    "kabupaten": ("kabupaten",),
    "kota": ("kota",),
})


def _types_of(categories) -> tuple[str, ...] | None:
    """Panel types that pool exactly ``categories`` (None when the types also pool other categories)."""
    types = {CATEGORY_TYPES[c] for c in categories}
    pooled = {c for c, t in CATEGORY_TYPES.items() if t in types}
    return tuple(t for t in INSTITUTION_TYPES if t in types) if pooled == set(categories) else None


#: Report group → the panel institution types that make it up; ``None`` for a group the panel's types
#: cannot separate (2023 "LNS" and "Instansi Lainnya": both are ``lns_other`` in the panel).
GROUP_TYPES = MappingProxyType({g: _types_of(c) for g, c in GROUP_CATEGORIES.items()})
#: Printed group label (lower case, letters and digits only) → report group.
GROUP_LABELS = MappingProxyType({
    "nasional": "nasional",
    "instansipusat": "instansi_pusat",
    "pemda": "pemda",
    "pemerintahdaerah": "pemda",
    "kementerian": "kementerian",
    "lpnk": "lpnk",
    "lns": "lns",
    "instansilainnya": "instansi_lainnya",
    "lnsdaninstansilainnya": "lns_and_other",
    "lnsandother": "lns_and_other",
    "provinsi": "provinsi",
    "kabupaten": "kabupaten",
    "kota": "kota",
})


def _squash(label) -> str:
    return "".join(ch for ch in str(label).lower() if ch.isalnum())


def group_of_label(label) -> str | None:
    """The report group a printed label names (``None`` if it names none): case, spaces, ``_`` ignored.

    A label starting with "LNS" that mentions "lainnya" is the 2024 column "LNS dan Instansi Lainnya"
    however the conversion spelled the conjunction.
    """
    key = _squash(label)
    if key in GROUP_LABELS:
        return GROUP_LABELS[key]
    if key.startswith("lns") and "lainnya" in key:
        return "lns_and_other"
    return None
