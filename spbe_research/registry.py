"""Institution registry and name matching.

Every institution evaluated in SPBE (a ministry, an agency, a province, a kabupaten or a kota)
gets one stable ``institution_id``; :func:`match_institutions` maps names as printed in reports
and press articles to those ids.

Identifier scheme
-----------------
Regional governments use the **Kemendagri code** of the current registry
(Kepmendagri 300.2.2-2138/2025, via idn-area-data, ``data/raw/regions/``):

* province: two digits, ``"35"`` (Jawa Timur);
* kabupaten and kota: ``"PP.RR"``, ``"35.06"`` (Kabupaten Kediri), ``"35.71"`` (Kota Kediri).
  Suffix ``01``–``69`` is a kabupaten and ``71``–``99`` a kota (Permendagri 58/2021).

Ids are always the **2025 codes**. Regencies that moved to the Papua provinces created in 2022
(93 Papua Selatan, 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya) had 91.xx/92.xx
codes before; the old code is kept in the ``old_code`` column of the region table
(from ``kemendagri_regency_code_changes_2021_to_2025.csv``) and an old code given as input is
translated (``match_method="code_change"``). A province hint of the old province (e.g. "Papua"
for Kabupaten Merauke in a pre-2023 table) is accepted as well.

Central institutions use ``"P."`` + a four-digit code:

* ``P.1010`` … ``P.4624``: the ``kode_instansi`` of sheet ``K-Lembaga`` of the KemenPAN-RB
  style workbook *Data_Kelembagaan Utk Aplikasi SPBE.xlsx* (2019, ``data/raw/institutions/``),
  e.g. ``P.3006`` Kementerian Pertanian, ``P.4016`` Badan Pusat Statistik;
* ``P.9001`` upwards: assigned by this project to bodies that are not in the 2019 workbook
  (``P.9001`` BRIN, ``P.9002`` Badan Pangan Nasional, ``P.9101``–``P.9116`` the ministries
  created by the October 2024 cabinet split, Perpres 139/2024).

Renamed and split bodies
------------------------
*A body that continues under a new name keeps its id* (rename, transformation or absorption of
a smaller body): Lembaga Sandi Negara → BSSN (``P.4010``), Bakorkamla → Bakamla (``P.4052``),
BNP2TKI → BP2MI (``P.4051``), UKP-PIP → BPIP (``P.4615``), BKPM → Kementerian Investasi/BKPM
(``P.4021``), Kemenko Kemaritiman → Kemenko Kemaritiman dan Investasi (``P.1040``),
Kementerian Pariwisata → Kemenparekraf (``P.3022``, which absorbed Bekraf ``P.4063`` in 2019),
Kemendikbud → Kemendikbudristek (``P.3010``), Kominfo → Kementerian Komunikasi dan Digital
(``P.3018``, Oct 2024). *A body split into several gets new ids for every part*, the old id ends
(``valid_to_year``) and the new rows list it in ``predecessor_ids``: Kemendikbudristek →
``P.9101`` Dikdasmen, ``P.9102`` Diktisaintek, ``P.9103`` Kebudayaan; Kemenkumham → ``P.9104``
–``P.9106``; PUPR → ``P.9107``/``P.9108``; LHK → ``P.9109``/``P.9110``; Kemenkop UKM →
``P.9111``/``P.9112``; Kemenparekraf → ``P.9113``/``P.9114``; Kemendes PDTT →
``P.9115``/``P.9116``. Both SPBE reports (2023 and 2024 evaluations; the 2024 one was done
before the cabinet change) print the pre-split names, so their rows map to the old ids.
``institution_name`` is the name under which the body was last evaluated in an official SPBE
report (older and newer names are aliases). A name used by two bodies in different years
("Kementerian Pariwisata": ``P.3022`` until 2019, ``P.9113`` from Oct 2024) is resolved with
``year``; without ``year`` the body whose canonical name it is wins.

Types
-----
``institution_type`` is one of ``kementerian``, ``lpnk``, ``lns_other`` (every other central
body: LNS, Alat Negara, Sekretariat Kabinet, Setjen Lembaga Negara, Lembaga Pemerintah Lainnya,
Lembaga Penyiaran Publik), ``provinsi``, ``kabupaten``, ``kota``. Central bodies also carry the
finer ``report_category`` of the SPBE report tables (see ``central_institutions.csv``).
``island_group`` follows the province code: 11–21 Sumatra, 31–36 Jawa, 51–53 Bali–Nusa
Tenggara, 61–65 Kalimantan, 71–76 Sulawesi, 81–82 Maluku, 91–96 Papua; NA for central bodies.

The registry keeps the six non-autonomous Jakarta units (``31.01``, ``31.71``–``31.75``; see
:data:`NON_AUTONOMOUS_IDS`) because they are Kemendagri regions; SPBE evaluates only the
province (``31``).

Data
----
``spbe_research/data/registry/``: ``regions.csv`` (built from ``data/raw/regions/`` by
:func:`build_region_table`; ODbL 1.0, © idn-area-data contributors — see that folder's
README.md), ``central_institutions.csv`` and ``aliases.csv`` (curated by hand; every row names
its ``source``).

Matching
--------
Names are normalised (:func:`normalise_name`): lower case, accents and punctuation removed,
``&`` → ``dan``, abbreviations expanded (``Kab.`` → ``kabupaten``, ``Kep.`` → ``kepulauan``,
``Pemkab``/``Pemkot``/``Pemprov``, ``RI`` → ``republik indonesia``, ``Adm.``,
``Sumatra`` → ``sumatera``). Comparison uses the normalised string without spaces, so
``Tanjung Balai``/``Tanjungbalai``, ``Pare Pare``/``Parepare``, ``KotaMobagu``/``Kotamobagu`` and
``Toli Toli``/``Toli-Toli`` are equal. A type marker in the name (``Kabupaten``, ``Kota``,
``Provinsi``) is binding: "Kota Kediri" can only match a kota. "Pemerintah X" without a marker
("Pemerintah Aceh") means the province. Hints narrow the candidates; a name whose candidates
are all excluded by a hint, or that stays ambiguous, is returned unmatched. All look-ups are
dictionary look-ups on pre-built indexes.

``match_method`` values: ``exact`` (canonical name), ``alias`` (curated alias, acronym or
province abbreviation), ``prefix_normalised`` (type prefix such as "Pemerintah Kab." or
"Sekretariat Jenderal" removed, then the base name), ``code`` (a current Kemendagri code or
institution id), ``code_change`` (an old code or an old spelling from the code-change
crosswalk), ``base_name`` (a bare name without a type marker, resolved by uniqueness or hints),
``unmatched``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import checks, paths
from .errors import SPBEError
from .vocabulary import CATEGORY_TYPES, CENTRAL_TYPES, INSTITUTION_TYPES, ISLAND_GROUPS, MATCH_METHODS, REGIONAL_TYPES

__all__ = [
    "INSTITUTION_TYPES", "CENTRAL_TYPES", "REGIONAL_TYPES", "ISLAND_GROUP_PROVINCES", "NON_AUTONOMOUS_IDS",
    "MATCH_METHODS",
    "MATCH_COLUMNS", "REGISTRY_COLUMNS",
    "normalise_name", "island_group", "build_region_table", "load_regions", "load_central",
    "load_aliases", "load_institutions", "match_institutions",
]

#: Province codes (first two digits of the Kemendagri code) of each island group.
ISLAND_GROUP_PROVINCES = {
    "Sumatra": ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"),
    "Jawa": ("31", "32", "33", "34", "35", "36"),
    "Bali–Nusa Tenggara": ("51", "52", "53"),
    "Kalimantan": ("61", "62", "63", "64", "65"),
    "Sulawesi": ("71", "72", "73", "74", "75", "76"),
    "Maluku": ("81", "82"),
    "Papua": ("91", "92", "93", "94", "95", "96"),
}
assert set(ISLAND_GROUP_PROVINCES) == set(ISLAND_GROUPS)
_ISLAND_OF = {code: group for group, codes in ISLAND_GROUP_PROVINCES.items() for code in codes}

#: Jakarta's administrative kota and kabupaten: Kemendagri regions, not autonomous governments.
NON_AUTONOMOUS_IDS = ("31.01", "31.71", "31.72", "31.73", "31.74", "31.75")

#: Columns of :func:`load_regions` and :func:`load_institutions`.
REGISTRY_COLUMNS = (
    "institution_id", "institution_name", "institution_type", "province_code", "province_name",
    "island_group",
)
#: Columns of :func:`match_institutions`.
MATCH_COLUMNS = ("name_raw",) + REGISTRY_COLUMNS + ("match_method",)

_PKG_DIR = "data/registry"


# --------------------------------------------------------------------------- normalisation

_TOKEN_EXPANSIONS = {
    "kab": "kabupaten", "kep": "kepulauan", "kepl": "kepulauan", "prov": "provinsi",
    "propinsi": "provinsi", "pemkab": "pemerintah kabupaten", "pemkot": "pemerintah kota",
    "pemprov": "pemerintah provinsi", "pemda": "pemerintah daerah", "adm": "administrasi",
    "ri": "republik indonesia", "sumatra": "sumatera", "sel": "selatan", "utr": "utara",
    "kemenko": "kementerian koordinator", "setjen": "sekretariat jenderal",
}
_PUNCT = re.compile(r"[^0-9a-z ]+")


def normalise_name(name) -> str:
    """Normalised form of an institution name, used for all comparisons.

    Lower case, accents stripped, ``&`` → ``dan``, punctuation → space, abbreviations expanded
    (``kab`` → ``kabupaten``, ``kep`` → ``kepulauan``, ``pemkab`` → ``pemerintah kabupaten``,
    ``pemkot``, ``pemprov``, ``prov``, ``adm``, ``ri`` → ``republik indonesia``, ``sumatra`` →
    ``sumatera``, ``kemenko``, ``setjen``), whitespace collapsed. A ``.`` joining two letters
    is dropped first so that ``D.I.`` becomes ``di``. Missing values give ``""``.

    >>> normalise_name("Pemerintah Kab. Kep. Mentawai")
    'pemerintah kabupaten kepulauan mentawai'
    >>> normalise_name("Pemkot  Pare-Pare")
    'pemerintah kota pare pare'
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = s.replace("&", " dan ").replace("<br>", " ")
    s = re.sub(r"(?<=\b[a-z])\.(?=\s?[a-z]\b)", "", s)  # D.I. / D. I. -> di
    s = _PUNCT.sub(" ", s)
    return " ".join(_TOKEN_EXPANSIONS.get(t, t) for t in s.split())


def _key(normalised: str) -> str:
    return normalised.replace(" ", "")


def island_group(province_code) -> str | None:
    """Island group of a two-digit Kemendagri province code (``None`` if unknown)."""
    if province_code is None or (not isinstance(province_code, str) and pd.isna(province_code)):
        return None
    return _ISLAND_OF.get(str(province_code)[:2])


# --------------------------------------------------------------------------- reference data

def _pkg_path(name: str):
    return resources.files("spbe_research").joinpath(f"{_PKG_DIR}/{name}")


def _read_pkg_csv(name: str) -> pd.DataFrame:
    with _pkg_path(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[""])


def build_region_table(raw_dir=None, out_path=None) -> pd.DataFrame:
    """Build the region table (provinces + kabupaten/kota) from the raw registry files.

    Reads ``provinces.csv``, ``regencies.csv`` and ``kemendagri_regency_code_changes_2021_to_2025.csv``
    from ``raw_dir`` (default ``data/raw/regions/`` of the repository) and returns one row per
    region: the :data:`REGISTRY_COLUMNS` plus ``old_code``, ``old_province_code``, ``old_name``
    (NA when the region did not change between the 2021 and 2025 registries). With ``out_path``
    the table is also written there as CSV (this is how the package copy
    ``spbe_research/data/registry/regions.csv`` is made; the data stay ODbL 1.0, attribution in
    the README next to it).
    """
    raw = Path(raw_dir) if raw_dir is not None else paths.raw_path("regions")
    try:
        prov = pd.read_csv(raw / "provinces.csv", dtype=str)
        reg = pd.read_csv(raw / "regencies.csv", dtype=str)
        chg = pd.read_csv(raw / "kemendagri_regency_code_changes_2021_to_2025.csv", dtype=str)
    except FileNotFoundError as exc:
        raise SPBEError(f"raw region registry file missing: {exc.filename}", file=str(raw)) from exc
    for df, cols, fname in ((prov, {"code", "name"}, "provinces.csv"),
                            (reg, {"code", "province_code", "name"}, "regencies.csv")):
        missing = cols - set(df.columns)
        if missing:
            raise SPBEError(f"columns {sorted(missing)} missing", file=str(raw / fname))
    prov_name = dict(zip(prov["code"], prov["name"]))
    p = pd.DataFrame({
        "institution_id": prov["code"],
        "institution_name": "Provinsi " + prov["name"],
        "institution_type": "provinsi",
        "province_code": prov["code"],
        "province_name": prov["name"],
    })
    suffix = reg["code"].str.split(".").str[1].astype(int)
    rtype = np.where(suffix >= 71, "kota", "kabupaten")
    first = reg["name"].str.split().str[0]
    bad = (first == "Kota") != (rtype == "kota")
    if bad.any():
        raise SPBEError("regency name prefix disagrees with the code rule (71-99 = kota)",
                        file=str(raw / "regencies.csv"), row=reg.loc[bad, "code"].iloc[0])
    unknown = ~reg["province_code"].isin(prov_name)
    if unknown.any():
        raise SPBEError("regency with unknown province code", file=str(raw / "regencies.csv"),
                        row=reg.loc[unknown, "code"].iloc[0])
    r = pd.DataFrame({
        "institution_id": reg["code"],
        "institution_name": reg["name"],
        "institution_type": rtype,
        "province_code": reg["province_code"],
        "province_name": reg["province_code"].map(prov_name),
    })
    out = pd.concat([p, r], ignore_index=True)
    out["island_group"] = out["province_code"].map(_ISLAND_OF)
    if out["island_group"].isna().any():
        raise SPBEError("province code without island group",
                        row=out.loc[out["island_group"].isna(), "province_code"].iloc[0])
    chg = chg.rename(columns={"new_code": "institution_id"})
    out = out.merge(chg[["institution_id", "old_code", "old_province_code", "old_name"]],
                    on="institution_id", how="left", validate="one_to_one")
    out = out.sort_values("institution_id", kind="stable").reset_index(drop=True)
    if out["institution_id"].duplicated().any():
        raise SPBEError("duplicate Kemendagri code", row=out.loc[out["institution_id"].duplicated(),
                                                                 "institution_id"].iloc[0])
    if out_path is not None:
        out.to_csv(out_path, index=False, lineterminator="\n")
    return out


def _as_string(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype("string")


@lru_cache(maxsize=1)
def _regions_full() -> pd.DataFrame:
    df = _read_pkg_csv("regions.csv")
    return _as_string(df)


def load_regions() -> pd.DataFrame:
    """Provinces, kabupaten and kota (552 rows; Kemendagri 2025 codes) with :data:`REGISTRY_COLUMNS`."""
    return _regions_full().loc[:, list(REGISTRY_COLUMNS)].copy()


@lru_cache(maxsize=1)
def _central_full() -> pd.DataFrame:
    df = _read_pkg_csv("central_institutions.csv")
    need = {"institution_id", "institution_name", "acronym", "institution_type", "valid_from_year",
            "valid_to_year", "predecessor_ids", "source"}
    missing = need - set(df.columns)
    if missing:
        raise SPBEError(f"columns {sorted(missing)} missing", file="central_institutions.csv")
    bad = ~df["institution_type"].isin(CENTRAL_TYPES)
    if bad.any():
        raise SPBEError("unknown institution_type", file="central_institutions.csv",
                        row=df.loc[bad, "institution_id"].iloc[0], field="institution_type")
    if df["source"].isna().any():
        raise SPBEError("row without source", file="central_institutions.csv",
                        row=df.loc[df["source"].isna(), "institution_id"].iloc[0], field="source")
    if not df["institution_id"].str.fullmatch(r"P\.\d{4}").all():
        raise SPBEError("central id not of the form P.NNNN", file="central_institutions.csv")
    df = df.copy()
    for c in ("province_code", "province_name", "island_group"):
        df[c] = pd.NA
    return _as_string(df)


def load_central() -> pd.DataFrame:
    """Central institutions with all curated columns (ids ``P.NNNN``; see module docstring)."""
    return _central_full().copy()


@lru_cache(maxsize=1)
def _aliases() -> pd.DataFrame:
    df = _read_pkg_csv("aliases.csv")
    need = {"alias", "institution_id", "valid_from_year", "valid_to_year", "source"}
    missing = need - set(df.columns)
    if missing:
        raise SPBEError(f"columns {sorted(missing)} missing", file="aliases.csv")
    if df["source"].isna().any():
        raise SPBEError("alias without source", file="aliases.csv",
                        row=df.loc[df["source"].isna(), "alias"].iloc[0], field="source")
    return _as_string(df)


def load_aliases() -> pd.DataFrame:
    """The curated aliases (alias, institution_id, valid years, source, note)."""
    return _aliases().copy()


@lru_cache(maxsize=1)
def _institutions() -> pd.DataFrame:
    cols = list(REGISTRY_COLUMNS)
    out = pd.concat([_central_full()[cols], _regions_full()[cols]], ignore_index=True)
    dup = out["institution_id"].duplicated()
    if dup.any():
        raise SPBEError("duplicate institution_id", row=out.loc[dup, "institution_id"].iloc[0])
    alias_ids = _aliases()["institution_id"]
    bad = ~alias_ids.isin(out["institution_id"])
    if bad.any():
        raise SPBEError("alias points to an unknown institution_id", file="aliases.csv",
                        row=alias_ids[bad].iloc[0])
    return out


def load_institutions() -> pd.DataFrame:
    """All known institutions (central bodies, then regions) with :data:`REGISTRY_COLUMNS`."""
    return _institutions().copy()


# --------------------------------------------------------------------------- indexes

def _year(v):
    return None if v is None or pd.isna(v) else int(v)


class _Index:
    """Dictionary indexes for matching, built once."""

    def __init__(self):
        inst = _institutions()
        self.rows = {r.institution_id: r for r in inst.itertuples(index=False)}
        self.type_of = dict(zip(inst["institution_id"], inst["institution_type"]))
        regions = _regions_full()
        central = _central_full()
        # province codes a region may be filed under (current and pre-2022)
        self.provinces_of = {}
        for r in regions.itertuples(index=False):
            codes = {r.province_code}
            if not pd.isna(r.old_province_code):
                codes.add(r.old_province_code)
            self.provinces_of[r.institution_id] = codes
        self.validity = {}
        for r in central.itertuples(index=False):
            self.validity[r.institution_id] = (_year(r.valid_from_year), _year(r.valid_to_year))

        # full-name index: key -> list of (id, method, from, to)
        self.full: dict[str, list] = {}
        # base-name index for regions: key -> list of (id, method)
        self.base: dict[str, list] = {}
        self.codes: dict[str, tuple] = {}

        def add(d, key, entry):
            if key:
                lst = d.setdefault(key, [])
                if entry not in lst:
                    lst.append(entry)

        for r in central.itertuples(index=False):
            vf, vt = self.validity[r.institution_id]
            add(self.full, _key(normalise_name(r.institution_name)), (r.institution_id, "exact", vf, vt))
            if not pd.isna(r.acronym):
                add(self.full, _key(normalise_name(r.acronym)), (r.institution_id, "alias", vf, vt))
            self.codes[r.institution_id.lower().replace(".", "")] = (r.institution_id, "code")
        for r in regions.itertuples(index=False):
            add(self.full, _key(normalise_name(r.institution_name)), (r.institution_id, "exact", None, None))
            base = _strip_region_prefix(normalise_name(r.institution_name))[1]
            add(self.base, _key(base), (r.institution_id, "prefix_normalised"))
            self.codes[r.institution_id.replace(".", "")] = (r.institution_id, "code")
            if not pd.isna(r.old_code):
                if r.old_code != r.institution_id:
                    self.codes.setdefault(r.old_code.replace(".", ""), (r.institution_id, "code_change"))
                old_base = _strip_region_prefix(normalise_name(r.old_name))[1]
                add(self.base, _key(old_base), (r.institution_id, "code_change"))
        for r in _aliases().itertuples(index=False):
            t = self.type_of[r.institution_id]
            vf, vt = _year(r.valid_from_year), _year(r.valid_to_year)
            norm = normalise_name(r.alias)
            if t in REGIONAL_TYPES:
                add(self.base, _key(_strip_region_prefix(norm)[1]), (r.institution_id, "alias"))
            else:
                add(self.full, _key(norm), (r.institution_id, "alias", vf, vt))
        prov = regions[regions["institution_type"] == "provinsi"]
        self.province_keys = {}
        for r in prov.itertuples(index=False):
            self.province_keys[_key(normalise_name(r.province_name))] = r.institution_id
        for key, entries in self.base.items():
            for iid, _m in entries:
                if self.type_of[iid] == "provinsi":
                    self.province_keys.setdefault(key, iid)


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index()


_REGION_PREFIX = re.compile(
    r"^(?:pemerintah (?:daerah )?)?"
    r"(?P<marker>kabupaten administrasi|kabupaten|kota administrasi|kota|daerah provinsi|provinsi)"
    r" (?P<base>.+)$"
)
_MARKER_TYPE = {"kabupaten administrasi": "kabupaten", "kabupaten": "kabupaten",
                "kota administrasi": "kota", "kota": "kota", "provinsi": "provinsi",
                "daerah provinsi": "provinsi"}


def _strip_region_prefix(norm: str):
    """(type or None, base, had_pemerintah) of a normalised regional name."""
    m = _REGION_PREFIX.match(norm)
    if m:
        return _MARKER_TYPE[m.group("marker")], m.group("base"), norm.startswith("pemerintah")
    m = re.match(r"^pemerintah (?:daerah )?(?P<base>.+)$", norm)
    if m:
        return "provinsi", m.group("base"), True
    return None, norm, False


_CENTRAL_PREFIXES = ("sekretariat jenderal dan kepaniteraan ", "sekretariat jenderal ",
                     "sekretariat utama ", "sekretariat ", "kesekretariatan ", "markas besar ")

# --------------------------------------------------------------------------- hints

_TYPE_HINTS = {
    # every report category (cleaning's category_hint) and every panel type, as itself
    **{c.replace("_", ""): {t} for c, t in CATEGORY_TYPES.items()},
    **{t.replace("_", ""): {t} for t in INSTITUTION_TYPES},
    # the categories' printed titles and English names
    "ministry": {"kementerian"}, "lembagapemerintahnonkementerian": {"lpnk"},
    "lembagapemerintahnonkementerianlpnk": {"lpnk"},
    "lembaganonstruktural": {"lns_other"}, "lembaganonstrukturallns": {"lns_other"},
    "sekretariatjenderallembaganegara": {"lns_other"}, "lembagapemerintahlainnya": {"lns_other"},
    "lembagapenyiaranpublik": {"lns_other"},
    "lembaga": {"lpnk", "lns_other"},
    "pusat": set(CENTRAL_TYPES), "instansipusat": set(CENTRAL_TYPES), "central": set(CENTRAL_TYPES),
    "province": {"provinsi"}, "prov": {"provinsi"}, "kab": {"kabupaten"}, "regency": {"kabupaten"},
    "city": {"kota"}, "kabupatenkota": {"kabupaten", "kota"},
    "pemda": set(REGIONAL_TYPES), "pemerintahdaerah": set(REGIONAL_TYPES),
    "daerah": set(REGIONAL_TYPES), "regional": set(REGIONAL_TYPES),
}


def _type_set(hint):
    if hint is None or (not isinstance(hint, str) and pd.isna(hint)):
        return None
    k = _key(_PUNCT.sub(" ", str(hint).lower().replace("_", " ")))
    if not k:
        return None
    k = k.removeprefix("hasilevaluasispbe")
    if k in _TYPE_HINTS:
        return _TYPE_HINTS[k]
    if k.startswith("pemerintahdaerah"):
        return set(REGIONAL_TYPES)
    raise SPBEError(f"unknown type_hint {hint!r}; use one of {list(INSTITUTION_TYPES)} "
                    f"or a report category", field="type_hint")


@lru_cache(maxsize=256)
def _province_code(hint: str):
    idx = _index()
    norm = normalise_name(hint)
    norm = re.sub(r"^(?:pemerintah (?:daerah )?)?(?:di )?(?:provinsi )?", "", norm)
    k = _key(norm)
    if k in idx.province_keys:
        return idx.province_keys[k]
    if k in idx.codes and idx.type_of.get(idx.codes[k][0]) == "provinsi":
        return idx.codes[k][0]
    import difflib
    m = difflib.get_close_matches(k, list(idx.province_keys), n=1, cutoff=0.85)
    if m:
        return idx.province_keys[m[0]]
    raise SPBEError(f"unknown province_hint {hint!r}", field="province_hint")


def _province_set(hint):
    if hint is None or (not isinstance(hint, str) and pd.isna(hint)) or not str(hint).strip():
        return None
    return _province_code(str(hint))


def _aligned(hint, n, what):
    if hint is None or isinstance(hint, str) or np.ndim(hint) == 0:
        return [hint] * n
    vals = list(hint)
    if len(vals) != n:
        raise SPBEError(f"{what} has {len(vals)} values for {n} names", field=what)
    return vals


# --------------------------------------------------------------------------- matching

def _valid(entry_from, entry_to, year):
    return (entry_from is None or year >= entry_from) and (entry_to is None or year <= entry_to)


def _choose(cands, types, prov, year, idx):
    """Pick one id from [(id, method, from, to)] or return (None, reason)."""
    if not cands:
        return None, None
    c = cands
    if types is not None:
        c = [e for e in c if idx.type_of[e[0]] in types]
    if prov is not None:
        c = [e for e in c if idx.type_of[e[0]] not in REGIONAL_TYPES or prov in idx.provinces_of[e[0]]]
    if not c:
        return None, "excluded by hints: " + ", ".join(sorted({e[0] for e in cands}))
    ids = {e[0] for e in c}
    if len(ids) > 1 and year is not None:
        # year breaks ties only: alias validity, then institution validity
        c2 = [e for e in c if _valid(e[2], e[3], year)]
        c2 = [e for e in c2 if _valid(*idx.validity.get(e[0], (None, None)), year)] or c2
        if c2:
            c, ids = c2, {e[0] for e in c2}
    if len(ids) > 1:
        exact = [e for e in c if e[1] == "exact"]
        if len({e[0] for e in exact}) == 1:
            c, ids = exact, {exact[0][0]}
    if len(ids) > 1:
        return None, "ambiguous: " + ", ".join(sorted(ids))
    iid = next(iter(ids))
    method = next(e[1] for e in c if e[0] == iid)
    return (iid, method), None


def _match_one(name, types, prov, year, idx):
    norm = normalise_name(name)
    if not norm:
        return None, "empty name"
    key = _key(norm)
    reasons = []

    def attempt(cands):
        got, why = _choose(cands, types, prov, year, idx)
        if why:
            reasons.append(why)
        return got

    # 1. code or id
    raw = str(name).strip()
    if re.fullmatch(r"(?:[Pp]\.?\d{4}|\d{2}(?:\.?\d{2})?)", raw):
        hit = idx.codes.get(re.sub(r"[.\s]", "", raw).lower())
        if hit:
            got = attempt([(hit[0], hit[1], None, None)])
            if got:
                return got, None
    # 2. canonical names and full-name aliases
    got = attempt(idx.full.get(key, []))
    if got:
        return got, None
    # 3. regional prefix (+ base / old-name / alias)
    rtype, base, _ = _strip_region_prefix(norm)
    if rtype is not None:
        bases = [base]
        if rtype == "provinsi" and base.startswith("daerah "):  # "Pemerintah Daerah Istimewa …"
            bases.append(base[len("daerah "):])
        if base != norm and norm.startswith("pemerintah "):  # "Pemerintah Daerah Istimewa Yogyakarta"
            bases.append(norm[len("pemerintah "):])
        cands = [(i, m, None, None) for b in bases for i, m in idx.base.get(_key(b), [])
                 if idx.type_of[i] == rtype]
        got = attempt(cands)
        if got:
            iid, m = got
            return (iid, "prefix_normalised" if m == "prefix_normalised" else m), None
    # 4. central bodies: "Sekretariat Jenderal X", "Markas Besar X" and a trailing
    #    "Republik Indonesia" dropped or added
    variants = [(key, None)]
    for pre in _CENTRAL_PREFIXES:
        if norm.startswith(pre):
            variants.append((_key(norm[len(pre):]), "prefix_normalised"))
            break
    for k, how in list(variants):
        ri = "republikindonesia"
        variants.append((k.removesuffix(ri) if k.endswith(ri) else k + ri, how))
    for k, how in variants[1:]:
        got = attempt([e for e in idx.full.get(k, []) if idx.type_of[e[0]] in CENTRAL_TYPES])
        if got:
            return (got[0], how if how == "prefix_normalised" else got[1]), None
    # 6. a bare base name (no type marker): "Kediri", "Aceh Barat", "NTB"; also names that
    #    merely start with "kota" ("Kota Baru" = Kabupaten Kotabaru: no kota is called "Baru")
    cands = [(i, m, None, None) for i, m in idx.base.get(key, [])]
    if cands:
        got = attempt(cands)
        if got:
            iid, m = got
            return (iid, "base_name" if m == "prefix_normalised" else m), None
    return None, "; ".join(reasons) if reasons else "no candidate"


def match_institutions(names, *, type_hint=None, province_hint=None, year=None,
                       strict: bool = False) -> pd.DataFrame:
    """Match institution names to registry ids.

    Parameters
    ----------
    names:
        Sequence of names as printed ("Pemerintah Kab. Kediri", "Pemkot Malang", "BPS",
        "Sekretariat Jenderal Komisi Yudisial", "Prov. NTB", a Kemendagri code "35.71" …).
    type_hint:
        ``None``, a scalar or a sequence aligned with ``names``: an :data:`INSTITUTION_TYPES`
        value, a ``cleaning.parse_report`` ``category_hint`` (``alat_negara``, ``lns``,
        ``setjen_lembaga_negara`` …), a report category title, ``"lembaga"`` (lpnk or
        lns_other), ``"pemda"``/``"pusat"``. Narrows the candidates; a name whose candidates the
        hint excludes is returned unmatched.
    province_hint:
        ``None``, a scalar or a sequence: a province name, abbreviation or code ("Jawa Timur",
        "NTB", "DI Yogyakarta", "35"). Only regional candidates are filtered; a region may also be
        filed under its pre-2022 province (Papua regencies).
    year:
        Evaluation year (scalar or sequence). Only breaks ties between bodies that used the same
        name in different years.
    strict:
        Raise :class:`SPBEError` listing every unmatched name and its position.

    Returns
    -------
    DataFrame with one row per input name in input order and columns :data:`MATCH_COLUMNS`
    (``string`` dtype; NA id and ``match_method="unmatched"`` when no single match exists).
    """
    if isinstance(names, (str, bytes)):
        raise SPBEError("names must be a sequence of names, not a single string", field="names")
    names = list(names)
    n = len(names)
    th = _aligned(type_hint, n, "type_hint")
    ph = _aligned(province_hint, n, "province_hint")
    yh = _aligned(year, n, "year")
    idx = _index()
    cache = {}
    ids, methods, why = [], [], {}
    for i, (nm, t, p, y) in enumerate(zip(names, th, ph, yh)):
        types = _type_set(t)
        prov = _province_set(p)
        yy = None if y is None or y is pd.NA or (isinstance(y, float) and y != y) else checks.year(y)
        ck = (nm if isinstance(nm, str) else repr(nm), frozenset(types) if types else None, prov, yy)
        if ck not in cache:
            cache[ck] = _match_one(nm, types, prov, yy, idx)
        got, reason = cache[ck]
        if got is None:
            ids.append(None)
            methods.append("unmatched")
            why[i] = reason
        else:
            ids.append(got[0])
            methods.append(got[1])
    if strict and why:
        listing = "; ".join(f"#{i} {names[i]!r} ({why[i]})" for i in list(why)[:50])
        more = f" … and {len(why) - 50} more" if len(why) > 50 else ""
        raise SPBEError(f"{len(why)} unmatched institution name(s): {listing}{more}",
                        field="names")
    reg = _institutions().set_index("institution_id")
    look = reg.reindex(pd.Index(ids, dtype="string"))
    out = pd.DataFrame({
        "name_raw": pd.array([None if (not isinstance(x, str) and pd.isna(x)) else str(x)
                              for x in names], dtype="string"),
        "institution_id": pd.array(ids, dtype="string"),
    })
    for c in REGISTRY_COLUMNS[1:]:
        out[c] = pd.array(look[c].to_numpy(), dtype="string")
    out["match_method"] = pd.array(methods, dtype="string")
    return out.loc[:, list(MATCH_COLUMNS)]
